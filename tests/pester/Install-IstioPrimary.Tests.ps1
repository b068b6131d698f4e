# Install-IstioPrimary in a real pwsh against the sandbox with the istioctl stand-in (istioctl 1.26.8 unless a test says otherwise). The
# installs go to namespaces of their own (values.global.istioNamespace) in cluster2, so the sandbox's cluster1 stays as the help examples need it.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    $manifestPath = Get-MeshModuleManifest
    Import-Module $manifestPath
    $sandbox = Start-MeshSandbox
    $PSDefaultParameterValues = @{ '*-Istio*:KubeConfig' = $sandbox.KubeConfig; 'Install-IstioPrimary:IstioctlPath' = $sandbox.Istioctl }
    $env:ISTIOCTL_STANDIN_VERSION = '1.26.8'
}

AfterAll { Remove-Item Env:ISTIOCTL_STANDIN_VERSION -ErrorAction SilentlyContinue; Stop-MeshSandbox }

Describe 'Install-IstioPrimary' {
    It 'installs the primary with its east-west gateway and shows Context, ClusterName, PrimaryForm, Istioctl, ExitCode, Duration, Gateways' {
        $ns = New-MeshName -Prefix 'primary'
        $result = New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 -EastWestGateway -Values @{ global = @{ istioNamespace = $ns } } |
            Install-IstioPrimary -Context cluster2
        $result | Should -BeOfType ([MeshCluster.IstioPrimaryInstallResult])
        $result.Form | Should -Be ([MeshCluster.ControlPlaneForm]::Istiod)
        $lines = @(($result | Out-String -Width 120).Trim() -split '\r?\n')
        $lines[0] | Should -Match '^Context\s+ClusterName\s+PrimaryForm\s+Istioctl\s+ExitCode\s+Duration\s+Gateways$'
        $lines[2] | Should -Match '^cluster2\s+cluster1\s+ExternalIstiod\s+1\.26\.8\s+0\s+\d+\.\d s\s+istio-eastwestgateway$'
    }

    It 'shows under -WhatIf the command line it would run' {
        $run = Invoke-MeshPwsh -Script @"
Import-Module '$manifestPath'
New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 -EastWestGateway |
    Install-IstioPrimary -Context cluster1 -KubeConfig '$($sandbox.KubeConfig)' -IstioctlPath '$($sandbox.Istioctl)' -WhatIf
"@ -Environment @{ ISTIOCTL_STANDIN_VERSION = '1.26.8' }
        $run.ExitCode | Should -Be 0
        $run.StdOut | Should -Match "What if: .*istioctl install -y -f '<temporary file>' --context cluster1 .*on target .context 'cluster1' \(cluster 'cluster1', ExternalIstiod, namespace istio-system\)"
    }

    It 'refuses the 1.7 guide''s form to istioctl 1.26 with the id in the error view, and a pipeline script stops' {
        $run = Invoke-MeshPwsh -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$manifestPath'
New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 -Form MeshExpansion |
    Install-IstioPrimary -Context cluster1 -KubeConfig '$($sandbox.KubeConfig)' -IstioctlPath '$($sandbox.Istioctl)'
'not reached'
"@ -Environment @{ ISTIOCTL_STANDIN_VERSION = '1.26.8' }
        $run.ExitCode | Should -Not -Be 0
        $run.Text | Should -Match 'Nothing was run\.'
        $run.Text | Should -Match '\[InstallSpecFormUnsupported\]'
        $run.StdOut | Should -Not -Match 'not reached'
    }
}
