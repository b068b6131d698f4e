# Publish-IstioControlPlane in a real pwsh against the sandbox, whose cluster1 has Istio's CRDs and an east-west gateway labelled as
# gen-eastwest-gateway.sh's charts label it (istio=eastwestgateway, ports 15012 and 15017, hostname eastwest.example.com).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    $manifestPath = Get-MeshModuleManifest
    Import-Module $manifestPath
    $sandbox = Start-MeshSandbox
    $PSDefaultParameterValues = @{ '*-Istio*:KubeConfig' = $sandbox.KubeConfig }
}

AfterAll { Stop-MeshSandbox }

Describe 'Publish-IstioControlPlane' {
    It 'shows under -WhatIf both objects it would write' {
        $run = Invoke-MeshPwsh -Script @"
Import-Module '$manifestPath'
Publish-IstioControlPlane -Context cluster1 -KubeConfig '$($sandbox.KubeConfig)' -WhatIf
"@
        $run.ExitCode | Should -Be 0
        $run.StdOut | Should -Match 'What if: .*Gateway istio-system/istiod-gateway \(networking\.istio\.io/v1\)'
        $run.StdOut | Should -Match 'What if: .*VirtualService istio-system/istiod-vs \(networking\.istio\.io/v1\)'
    }

    It 'names the missing gateway by its selector in the error view' {
        $run = Invoke-MeshPwsh -Script @"
Import-Module '$manifestPath'
Publish-IstioControlPlane -Context cluster1 -KubeConfig '$($sandbox.KubeConfig)' -Namespace default
"@
        $run.Text | Should -Match 'No Service labelled istio=eastwestgateway in namespace .default.'
        $run.Text | Should -Match '\[EastWestGatewayNotFound\]'
    }

    It 'creates, then is Unchanged, and shows Context, Namespace, GatewayService, Address, Gateway, VirtualService' {
        $first = Publish-IstioControlPlane -Context cluster1
        $first.GatewayAction | Should -Be ([MeshCluster.ExposureAction]::Created)
        $lines = @(($first | Out-String -Width 120).Trim() -split '\r?\n')
        $lines[0] | Should -Match '^Context\s+Namespace\s+GatewayService\s+Address\s+Gateway\s+VirtualService$'
        $lines[2] | Should -Match '^cluster1\s+istio-system\s+istio-eastwestgateway\s+eastwest\.example\.com\s+Created\s+Created$'
        $second = [pscustomobject]@{ Context = 'cluster1' } | Publish-IstioControlPlane
        $second.GatewayAction, $second.VirtualServiceAction | Should -Be @([MeshCluster.ExposureAction]::Unchanged, [MeshCluster.ExposureAction]::Unchanged)
        # The address binds to the remote's spec.
        ($second | New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -Profile Remote -PrimaryClusterName cluster1).RemotePilotAddress |
            Should -Be 'eastwest.example.com'
    }
}
