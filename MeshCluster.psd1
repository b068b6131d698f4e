@{
    RootModule           = 'MeshCluster.dll'
    # Stamped when the module is laid out, from VersionPrefix in Directory.Build.props (the one place of the version).
    ModuleVersion        = '0.0.0'
    GUID                 = '6f0c7b2e-4d1a-4b8e-9a55-2f3e0d7c9b41'
    Author               = 'MeshCluster contributors'
    CompanyName          = 'MeshCluster'
    Copyright            = '(c) MeshCluster contributors. MIT License.'
    Description          = 'Adds remote clusters to an Istio mesh (primary-remote on one network) from PowerShell: one mesh root CA and a cacerts per cluster, the primary''s discovery address, the remote''s IstioOperator installed with istioctl, the wait for its control plane, and its remote secret in the primary; then lists, tests, rotates and removes remote secrets, for many clusters at once. Binary cmdlets that return typed objects and compose in one pipeline; no kubectl, openssl or make needed.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    TypesToProcess       = @('Types/MeshCluster.types.ps1xml')
    FormatsToProcess     = @(
        'Formats/Discovery.format.ps1xml'
        'Formats/Install.format.ps1xml'
        'Formats/ControlPlane.format.ps1xml'
        'Formats/RemoteSecret.format.ps1xml'
        'Formats/Trust.format.ps1xml'
        'Formats/Primary.format.ps1xml'
        'Formats/TrustRotation.format.ps1xml'
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
        'New-IstioPrimaryInstallSpec'
        'Install-IstioPrimary'
        'Publish-IstioControlPlane'
        'Update-IstioMeshTrust'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Istio', 'Kubernetes', 'ServiceMesh', 'Multicluster', 'istioctl', 'kubeconfig', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            ProjectUri   = 'https://github.com/meshcluster/MeshCluster'
            LicenseUri   = 'https://github.com/meshcluster/MeshCluster/blob/main/LICENSE'
            # Both stamped when the module is laid out: VersionSuffix in Directory.Build.props, and this
            # version's section of CHANGELOG.md (else its Unreleased section, for a prerelease).
            Prerelease   = ''
            ReleaseNotes = ''
        }
    }
}
