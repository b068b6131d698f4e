# Pester 5 tests for users who run Pester (./build.ps1 -Task Test runs them when Pester 5 is installed).
# The discovery test needs a cluster: set $env:MESHCLUSTER_TEST_KUBECONFIG to a kubeconfig whose
# context cluster1 has istio-system/istio-ingressgateway with a load-balancer address
# (the sandbox writes one: see README).
BeforeAll {
    $moduleFolder = Join-Path $PSScriptRoot '..' '..' 'out' 'MeshCluster'
    Import-Module (Join-Path $moduleFolder 'MeshCluster.psd1') -Force
}

Describe 'MeshCluster module' {
    It 'exports the cmdlets of the manifest' {
        (Get-Command -Module MeshCluster).Name | Sort-Object | Should -Be @(
            'Get-IstioCertificateAuthority', 'Get-IstioDiscoveryAddress', 'Install-IstioRemote', 'New-IstioCertificateAuthority', 'New-IstioClusterCertificate',
            'New-IstioRemoteInstallSpec', 'Publish-IstioClusterCertificate', 'Publish-IstioRemoteSecret', 'Test-IstioMeshTrust', 'Wait-IstioControlPlane')
    }

    It 'has help with an example for every cmdlet' {
        foreach ($command in Get-Command -Module MeshCluster) {
            $help = Get-Help $command.Name -Full
            $help.Synopsis | Should -Not -BeNullOrEmpty
            @($help.Examples.Example).Count | Should -BeGreaterThan 0
        }
    }

    It 'reports a missing kubeconfig with a stable error id' {
        { Get-IstioDiscoveryAddress -KubeConfig (Join-Path $TestDrive 'none') -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubeConfigNotFound,MeshCluster.Commands.GetIstioDiscoveryAddressCommand'
    }
}

Describe 'Get-IstioDiscoveryAddress against a cluster' -Skip:(-not $env:MESHCLUSTER_TEST_KUBECONFIG) {
    It 'returns the ingress gateway address' {
        $address = Get-IstioDiscoveryAddress -KubeConfig $env:MESHCLUSTER_TEST_KUBECONFIG -Context cluster1
        $address | Should -BeOfType ([MeshCluster.IstioDiscoveryAddress])
        $address.Address | Should -Not -BeNullOrEmpty
        $address.Context | Should -Be 'cluster1'
    }
}
