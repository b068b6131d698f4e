# Install-IstioRemote in a real pwsh against the sandbox, with the istioctl stand-in (which does in
# the cluster what istioctl would, and logs each call when ISTIOCTL_STANDIN_LOG names a file).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    $manifestPath = Get-MeshModuleManifest
    Import-Module $manifestPath
    $sandbox = Start-MeshSandbox
    $PSDefaultParameterValues = @{ '*-Istio*:KubeConfig' = $sandbox.KubeConfig; 'Install-IstioRemote:IstioctlPath' = $sandbox.Istioctl }
    $cmdlet = 'MeshCluster.Commands.InstallIstioRemoteCommand'
    # $spec is the guide's form: the stand-in plays the guide's istioctl, which installs it as meant.
    $env:ISTIOCTL_STANDIN_VERSION = '1.7.8'
    $spec = New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress $sandbox.DiscoveryAddress

    function Invoke-WithStandInLog([scriptblock] $Script) {
        # Runs the script with the stand-in logging its calls; returns the argument lists it got.
        $log = Join-Path $TestDrive ("istioctl-{0}.log" -f [guid]::NewGuid().ToString('N'))
        $env:ISTIOCTL_STANDIN_LOG = $log
        try { & $Script | Out-Null } finally { Remove-Item Env:ISTIOCTL_STANDIN_LOG }
        if (Test-Path -LiteralPath $log) { Get-Content -LiteralPath $log | ForEach-Object { ($_ | ConvertFrom-Json).args -join ' ' } }
    }
}

AfterAll { Remove-Item Env:ISTIOCTL_STANDIN_VERSION -ErrorAction SilentlyContinue; Stop-MeshSandbox }

Describe 'Install-IstioRemote' {
    It 'installs a piped spec and shows Context, ClusterName, Namespace, Istioctl, Command, ExitCode, Duration' {
        $result = $spec | Install-IstioRemote -Context cluster2
        $result | Should -BeOfType ([MeshCluster.IstioRemoteInstallResult])
        $result.ExitCode | Should -Be 0
        $result.Arguments | Should -Contain '<temporary file>'
        $lines = @(($result | Out-String -Width 120).Trim() -split '\r?\n')
        $lines[0] | Should -Match '^Context\s+ClusterName\s+Namespace\s+Istioctl\s+Command\s+ExitCode\s+Duration$'
        $lines[2] | Should -Match '^cluster2\s+cluster2\s+istio-system\s+1\.7\.8\s+install\s+0\s+\d+\.\d s$'
    }

    It 'writes istioctl''s output to the Verbose stream, line by line' {
        $verbose = $spec | Install-IstioRemote -Context cluster2 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $verbose.Message | Should -Contain 'istioctl: ✔ Istiod installed'
        $verbose.Message | Should -Contain 'istioctl: ✔ Installation complete'
    }

    It 'shows under -WhatIf the command line it would run, and runs only istioctl version' {
        $calls = @(Invoke-WithStandInLog { $spec | Install-IstioRemote -Context cluster2 -WhatIf })
        $calls | Should -Not -BeNullOrEmpty
        $calls | Where-Object { $_ -notmatch '^version' } | Should -BeNullOrEmpty
        $run = Invoke-MeshPwsh -Script @"
Import-Module '$manifestPath'
New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 |
    Install-IstioRemote -Context cluster2 -KubeConfig '$($sandbox.KubeConfig)' -IstioctlPath '$($sandbox.Istioctl)' -WhatIf
"@
        $run.ExitCode | Should -Be 0
        $run.StdOut | Should -Match "What if: .*istioctl install -y -f '<temporary file>' --context cluster2"
    }

    It 'reads a -Path on a PowerShell drive and hands istioctl the file-system path' {
        New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -Path TestDrive:/cluster2/install.yaml | Out-Null
        $result = Install-IstioRemote TestDrive:/cluster2/install.yaml -Context cluster2
        $result.SpecPath | Should -Be (Join-Path $TestDrive 'cluster2' 'install.yaml')
        $result.Arguments | Should -Contain $result.SpecPath
    }

    It 'fails with IstioctlNotFound for a missing istioctl, and IstioctlFailed with the exit code and last lines' {
        { $spec | Install-IstioRemote -Context cluster2 -IstioctlPath (Join-Path $TestDrive 'no-istioctl') -ErrorAction Stop } |
            Should -Throw -ErrorId "IstioctlNotFound,$cmdlet"
        $env:ISTIOCTL_STANDIN_FAIL = '1'
        try {
            $err = { $spec | Install-IstioRemote -Context cluster2 -ErrorAction Stop } | Should -Throw -ErrorId "IstioctlFailed,$cmdlet" -PassThru
        }
        finally { Remove-Item Env:ISTIOCTL_STANDIN_FAIL }
        "$err" | Should -Match '\b2\b'
        "$err" | Should -Match 'simulated failure'
    }
}

Describe 'Install-IstioRemote judging the spec by istioctl''s version' {
    BeforeAll {
        $env:ISTIOCTL_STANDIN_VERSION = '1.26.3'
        $guide = New-IstioRemoteInstallSpec -ClusterName refused -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -Values @{ global = @{ istioNamespace = 'istio-refused' } }
    }
    AfterAll { $env:ISTIOCTL_STANDIN_VERSION = '1.7.8' }

    It 'refuses the guide''s form with istioctl 1.24 and later, saying what to do, and runs only the version query' {
        $calls = @(Invoke-WithStandInLog {
                $script:err = { $guide | Install-IstioRemote -Context cluster2 -ErrorAction Stop } |
                    Should -Throw -ErrorId "InstallSpecFormUnsupported,$cmdlet" -PassThru
            })
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err.TargetObject | Should -Be 'refused'
        "$err" | Should -Match '-Profile Remote -PrimaryClusterName <primary cluster>'
        $calls | Should -Be @('version --remote=false -o json')
    }

    It 'shows the refusal, not a What if line, under -WhatIf in a pipeline script, and fails the step' {
        $run = Invoke-MeshPwsh -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$manifestPath'
New-IstioRemoteInstallSpec -ClusterName refused -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 |
    Install-IstioRemote -Context cluster2 -KubeConfig '$($sandbox.KubeConfig)' -IstioctlPath '$($sandbox.Istioctl)' -WhatIf
'NOT REACHED'
"@ -Environment @{ ISTIOCTL_STANDIN_VERSION = '1.24.0' }
        $run.ExitCode | Should -Not -Be 0
        $run.Text | Should -Match '\[InstallSpecFormUnsupported\]'
        $run.Text | Should -Match 'istioctl 1\.24\.0 installs as an independent'
        $run.Text | Should -Not -Match 'What if:'
        $run.Text | Should -Not -Match 'NOT REACHED'
    }

    It 'shows under -WhatIf the annotation and the command of a remote-profile spec it accepts' {
        $run = Invoke-MeshPwsh -Script @"
Import-Module '$manifestPath'
New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -Profile Remote -PrimaryClusterName 'cluster1,cluster3' |
    Install-IstioRemote -Context cluster2 -KubeConfig '$($sandbox.KubeConfig)' -IstioctlPath '$($sandbox.Istioctl)' -WhatIf
"@ -Environment @{ ISTIOCTL_STANDIN_VERSION = '1.26.3' }
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.StdOut | Should -Match 'What if: .*Annotate topology\.istio\.io/controlPlaneClusters=cluster1,cluster3'
        $run.StdOut | Should -Match "What if: .*istioctl install -y -f '<temporary file>' --context cluster2"
    }

    It 'refuses a host name in the guide''s form with istioctl before 1.15, the address as target' {
        $env:ISTIOCTL_STANDIN_VERSION = '1.14.6'
        try {
            $err = { New-IstioRemoteInstallSpec -ClusterName refused -Network network1 -MeshId mesh1 -RemotePilotAddress eastwest.example.com |
                    Install-IstioRemote -Context cluster2 -ErrorAction Stop } | Should -Throw -ErrorId "RemotePilotAddressUnsupported,$cmdlet" -PassThru
        }
        finally { $env:ISTIOCTL_STANDIN_VERSION = '1.26.3' }
        $err.TargetObject | Should -Be 'eastwest.example.com'
        "$err" | Should -Match 'Endpoints istiod-remote as an IP'
    }
}
