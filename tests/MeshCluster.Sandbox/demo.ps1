# Istio's "Add a Remote Cluster" workflow on the sandbox: the README's pipeline, with each step's
# object kept (-OutVariable) so the demo can show them all.
param([string] $ModuleManifest, [string] $KubeConfig)
$ErrorActionPreference = 'Stop'
Import-Module $ModuleManifest
$PSDefaultParameterValues['*-Istio*:KubeConfig'] = $KubeConfig

Get-IstioDiscoveryAddress -Context cluster1 -Wait -Timeout 00:01:00 -OutVariable address |
    New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -OutVariable spec |
    Install-IstioRemote -Context cluster2 -Verbose -OutVariable install |
    Wait-IstioControlPlane -Timeout 00:02:00 -OutVariable status |
    Publish-IstioRemoteSecret -PrimaryContext cluster1 -OutVariable secret | ForEach-Object { }

$address; $spec; $install; $status; $status.Pods; $secret
