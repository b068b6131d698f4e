@{
    RootModule           = 'MeshCluster.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f0c7b2e-4d1a-4b8e-9a55-2f3e0d7c9b41'
    Author               = 'MeshCluster contributors'
    CompanyName          = 'MeshCluster'
    Copyright            = '(c) MeshCluster contributors. MIT License.'
    Description          = 'Adds a remote cluster to an Istio mesh (primary-remote on one network): finds the primary''s discovery address, writes and installs the remote''s IstioOperator, waits for its control plane, and publishes its remote secret to the primary. Binary cmdlets that return typed objects and compose in one pipeline.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    TypesToProcess       = @('Types/MeshCluster.types.ps1xml')
    FormatsToProcess     = @(
        'Formats/Discovery.format.ps1xml'
        'Formats/Install.format.ps1xml'
        'Formats/ControlPlane.format.ps1xml'
        'Formats/RemoteSecret.format.ps1xml'
        'Formats/DayTwo.format.ps1xml'
        'Formats/Trust.format.ps1xml'
    )
    CmdletsToExport      = @(
        'Get-IstioDiscoveryAddress'
        'New-IstioRemoteInstallSpec'
        'Install-IstioRemote'
        'Wait-IstioControlPlane'
        'Publish-IstioRemoteSecret'
        'Get-IstioRemoteSecret'
        'Test-IstioRemoteCluster'
        'Remove-IstioRemoteSecret'
        'New-IstioCertificateAuthority'
        'Get-IstioCertificateAuthority'
        'New-IstioClusterCertificate'
        'Publish-IstioClusterCertificate'
        'Test-IstioMeshTrust'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Istio', 'Kubernetes', 'ServiceMesh', 'Multicluster', 'istioctl', 'kubeconfig', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            ProjectUri   = 'https://github.com/meshcluster/MeshCluster'
            LicenseUri   = 'https://github.com/meshcluster/MeshCluster/blob/main/LICENSE'
            ReleaseNotes = 'First release: the five steps of Istio''s "Add a Remote Cluster" as cmdlets.'
        }
    }
}
