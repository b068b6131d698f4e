# Istio's "Add a Remote Cluster" workflow on the sandbox, trust first: the README's script, with each step's object kept
# (variables, -OutVariable) so the demo can show them all.
param([string] $ModuleManifest, [string] $KubeConfig, [string] $CertificateFolder)
$ErrorActionPreference = 'Stop'
Import-Module $ModuleManifest
$PSDefaultParameterValues['*-Istio*:KubeConfig'] = $KubeConfig

#region workflow
# Configure trust: the mesh root, one intermediate CA per cluster (RSA 4096, as Istio's Makefile), each cluster's cacerts.
$root = New-IstioCertificateAuthority -Path $CertificateFolder -Verbose
$clusterCerts = $root | New-IstioClusterCertificate -ClusterName cluster1, cluster2 -Path $CertificateFolder -Verbose
$published = $clusterCerts | ForEach-Object { $_ | Publish-IstioClusterCertificate -Context $_.ClusterName }

# The primary prepared for remotes (the guide's "initial configuration"): istiod with externalIstiod, the east-west gateway,
# istiod exposed on it.
New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 -EastWestGateway -OutVariable primarySpec |
    Install-IstioPrimary -Context cluster1 -Verbose -OutVariable primaryInstall |
    Wait-IstioControlPlane -Timeout 00:02:00 -OutVariable primaryStatus |
    Publish-IstioControlPlane -OutVariable exposure | ForEach-Object { }

# The guide's five steps, in the form of Istio 1.24 and later: a remote-profile cluster run by cluster1's istiod, reached at the
# east-west gateway's address.
Get-IstioDiscoveryAddress -Context cluster1 -GatewaySelector istio=eastwestgateway -Wait -Timeout 00:01:00 -OutVariable address |
    New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -Profile Remote -PrimaryClusterName cluster1 -OutVariable spec |
    Install-IstioRemote -Context cluster2 -Verbose -OutVariable install |
    Wait-IstioControlPlane -Timeout 00:02:00 -OutVariable status |
    Publish-IstioRemoteSecret -PrimaryContext cluster1 -OutVariable secret | ForEach-Object { }

# Both clusters trust one root.
$trust = Test-IstioMeshTrust -Context cluster1, cluster2
#endregion

$root; $clusterCerts; $published; $primarySpec; $primaryInstall; $primaryStatus; $exposure; $address; $spec; $install; $status; $status.Checks; $secret; $trust
