# New-IstioPrimaryInstallSpec in a real pwsh: the view as printed, -Path on a PowerShell drive, -WhatIf text and the error view.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    $manifestPath = Get-MeshModuleManifest
    Import-Module $manifestPath
}

Describe 'New-IstioPrimaryInstallSpec' {
    It 'shows ClusterName, Network, MeshId, Form, Installs and Path at 120 columns' {
        $spec = New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 -EastWestGateway
        $lines = @(($spec | Out-String -Width 120).Trim() -split '\r?\n')
        $lines[0] | Should -Match '^ClusterName\s+Network\s+MeshId\s+Form\s+Installs\s+Path$'
        $lines[2] | Should -Match '^cluster1\s+network1\s+mesh1\s+ExternalIstiod\s+istiod \+ east-west gateway\s+\(not written\)$'
        $gateway = New-IstioPrimaryInstallSpec -EastWestGatewayOnly -Network network1
        (($gateway | Out-String -Width 120).Trim() -split '\r?\n')[2] | Should -Match '^\s+network1\s+ExternalIstiod\s+east-west gateway\s+\(not written\)$'
    }

    It 'writes -Path on a PowerShell drive, and the YAML is what istioctl reads' {
        $spec = New-IstioPrimaryInstallSpec cluster1 -Network network1 -MeshId mesh1 -Form MeshExpansion -Path TestDrive:/primary/primary.yaml
        $spec.Path | Should -Be (Join-Path $TestDrive 'primary' 'primary.yaml')
        Get-Content -LiteralPath $spec.Path -Raw | Should -Be $spec.Yaml
        $spec.Yaml | Should -Match '(?m)^      meshExpansion:\r?\n        enabled: true$'
        $spec.Yaml | Should -Match '(?m)^        network1:\r?\n          endpoints:\r?\n          - fromRegistry: cluster1\r?\n          gateways:$'
    }

    It 'shows under -WhatIf the file it would write and writes nothing' {
        $file = Join-Path $TestDrive 'whatif.yaml'
        $run = Invoke-MeshPwsh -Script @"
Import-Module '$manifestPath'
New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 -EastWestGateway -Path '$file' -WhatIf
"@
        $run.ExitCode | Should -Be 0
        $run.StdOut | Should -Match "What if: .*Write the primary's IstioOperator \(cluster 'cluster1', ExternalIstiod with the east-west gateway\)"
        Test-Path -LiteralPath $file | Should -BeFalse
    }

    It 'fails a pipeline script with the id in the error view' {
        $run = Invoke-MeshPwsh -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$manifestPath'
New-IstioPrimaryInstallSpec -ClusterName cluster1 -Network network1 -MeshId mesh1 -Form MeshExpansion -EastWestGateway
'not reached'
"@
        $run.ExitCode | Should -Not -Be 0
        $run.StdOut + $run.StdErr | Should -Match '\[InstallSpecFormConflict\]'
        $run.StdOut | Should -Not -Match 'not reached'
    }
}
