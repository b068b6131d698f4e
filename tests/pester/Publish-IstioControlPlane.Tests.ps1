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
        # In a namespace of its own: istio-system's objects may exist already (the help's runnable example makes them).
        $ns = New-MeshName -Prefix 'whatif'
        New-IstioPrimaryInstallSpec -EastWestGatewayOnly -Network network1 -Values @{ global = @{ istioNamespace = $ns } } |
            Install-IstioPrimary -Context cluster1 -IstioctlPath $sandbox.Istioctl | Out-Null
        $run = Invoke-MeshPwsh -Script @"
Import-Module '$manifestPath'
Publish-IstioControlPlane -Context cluster1 -Namespace $ns -KubeConfig '$($sandbox.KubeConfig)' -WhatIf -WarningAction SilentlyContinue
"@
        $run.ExitCode | Should -Be 0
        $run.StdOut | Should -Match "What if: .*Gateway $ns/istiod-gateway \(networking\.istio\.io/v1\) in context 'cluster1'"
        $run.StdOut | Should -Match "What if: .*VirtualService $ns/istiod-vs \(networking\.istio\.io/v1\) in context 'cluster1'"
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
        # Created, or Unchanged when the help's runnable example ran first in this sandbox.
        $first.GatewayAction | Should -BeIn @([MeshCluster.ExposureAction]::Created, [MeshCluster.ExposureAction]::Unchanged)
        $lines = @(($first | Out-String -Width 120).Trim() -split '\r?\n')
        $lines[0] | Should -Match '^Context\s+Namespace\s+GatewayService\s+Address\s+Gateway\s+VirtualService$'
        $lines[2] | Should -Match '^cluster1\s+istio-system\s+istio-eastwestgateway\s+eastwest\.example\.com\s+(Created|Unchanged)\s+(Created|Unchanged)$'
        $second = [pscustomobject]@{ Context = 'cluster1' } | Publish-IstioControlPlane
        $second.GatewayAction, $second.VirtualServiceAction | Should -Be @([MeshCluster.ExposureAction]::Unchanged, [MeshCluster.ExposureAction]::Unchanged)
        # The address binds to the remote's spec.
        ($second | New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -Profile Remote -PrimaryClusterName cluster1).RemotePilotAddress |
            Should -Be 'eastwest.example.com'
    }
}
