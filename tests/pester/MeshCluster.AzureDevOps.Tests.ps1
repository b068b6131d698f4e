# The module the Azure DevOps way: a PowerShell@2 task with pwsh: true runs
# pwsh -NoProfile -NonInteractive -File script.ps1, with $ErrorActionPreference = 'Stop' in the
# script and the kubeconfig in $env:KUBECONFIG (a secure file) or $PSDefaultParameterValues.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    $manifestPath = Get-MeshModuleManifest
    Import-Module $manifestPath
    $sandbox = Start-MeshSandbox
    $root = Get-MeshRepositoryRoot
    # What the task's env: block gives the script; no KUBECONFIG unless a test sets it. The workflow is the
    # guide's form, which the stand-in installs as istioctl 1.7.8 (istioctl 1.24+ is refused it).
    $taskEnvironment = @{ ISTIOCTL = $sandbox.Istioctl; KUBECONFIG = $null; MESHCLUSTER_SANDBOX = $null; ISTIOCTL_STANDIN_VERSION = '1.7.8' }
    $env:ISTIOCTL_STANDIN_VERSION = '1.7.8'


    function Get-Workflow([string] $ClusterName, [string] $Extra = '') {
        # Istio's guide as one pipeline, as README's Azure DevOps step writes it.
        @"
`$result = Get-IstioDiscoveryAddress -Context cluster1 -Wait -Timeout 00:01:00 |
    New-IstioRemoteInstallSpec -ClusterName $ClusterName -Network network1 -MeshId mesh1 $Extra |
    Install-IstioRemote -Context cluster2 |
    Wait-IstioControlPlane -Timeout 00:02:00 |
    Publish-IstioRemoteSecret -PrimaryContext cluster1
"RESULT `$(`$result.Action) `$(`$result.SecretName)"
"@
    }
}

AfterAll { Remove-Item Env:ISTIOCTL_STANDIN_VERSION -ErrorAction SilentlyContinue; Stop-MeshSandbox }

Describe 'A pipeline task script' {
    It 'runs the Azure DevOps step of the README as is, with the kubeconfig in $env:KUBECONFIG' {
        $readme = Get-Content -LiteralPath (Join-Path $root 'README.md') -Raw
        $step = [regex]::Match($readme, '(?s)## Azure DevOps.*?```yaml\n(.*?)```').Groups[1].Value
        $step | Should -Match 'pwsh: true'
        # The inline script: the lines under "script: |", their indentation removed.
        $lines = @($step -split "`n")
        $at = @(0..($lines.Count - 1) | Where-Object { $lines[$_] -match 'script: \|' })[0]
        $block = @($lines | Select-Object -Skip ($at + 1) | Where-Object { $_.Trim() })
        $indent = $block[0].Length - $block[0].TrimStart().Length
        $script = ($block | ForEach-Object { $_.Substring($indent) }) -join "`n"
        $script | Should -Match "ErrorActionPreference = 'Stop'"

        $environment = $taskEnvironment.Clone()
        $environment.KUBECONFIG = $sandbox.KubeConfig
        $run = Invoke-MeshPwsh -Script ($script + "`n'STEP DONE'") -Environment $environment -WorkingDirectory $root
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.StdOut | Should -Match 'STEP DONE'
        $run.StdErr | Should -BeNullOrEmpty
    }

    It 'runs the whole workflow with -KubeConfig from $PSDefaultParameterValues and exits 0' {
        $name = New-MeshName 'ado'
        $script = "`$ErrorActionPreference = 'Stop'`nImport-Module '$manifestPath'`n" +
        "`$PSDefaultParameterValues['*-Istio*:KubeConfig'] = '$($sandbox.KubeConfig)'`n" + (Get-Workflow $name)
        $run = Invoke-MeshPwsh -Script $script -Environment $taskEnvironment
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.StdOut | Should -Match "RESULT Created istio-remote-secret-$name"
        $run.StdErr | Should -BeNullOrEmpty
    }

    It 'stops at the first failing step, exits non-zero and shows the error id in the log' {
        $script = "`$ErrorActionPreference = 'Stop'`nImport-Module '$manifestPath'`n" +
        "Get-IstioDiscoveryAddress -Context cluster1 -ServiceName istio-ingressgateway-canary -KubeConfig '$($sandbox.KubeConfig)'`n'NOT REACHED'"
        $run = Invoke-MeshPwsh -Script $script -Environment $taskEnvironment
        $run.ExitCode | Should -Not -Be 0
        $run.Text | Should -Match 'DiscoveryAddressPending'
        $run.Text | Should -Not -Match 'NOT REACHED'
    }

    It 'ends a pipeline whose control plane never gets ready before it publishes, naming why' {
        $name = New-MeshName 'crash'
        $script = "`$ErrorActionPreference = 'Stop'`nImport-Module '$manifestPath'`n" +
        "`$PSDefaultParameterValues['*-Istio*:KubeConfig'] = '$($sandbox.KubeConfig)'`n" +
        ((Get-Workflow $name "-Values @{ global = @{ istioNamespace = 'istio-crashloop' } }") -replace '00:02:00', '00:00:05')
        $run = Invoke-MeshPwsh -Script $script -Environment $taskEnvironment
        $run.ExitCode | Should -Not -Be 0
        $run.Text | Should -Match 'ControlPlaneNotReady'
        $run.Text | Should -Match 'CrashLoopBackOff'
        $run.Text | Should -Not -Match 'RESULT'
    }
}

Describe 'Debug output under -NonInteractive' {
    It 'fails with -Debug on a compiled cmdlet that writes Verbose (PowerShell''s rule the README warns about)' {
        $script = "`$ErrorActionPreference = 'Stop'`nImport-Module '$manifestPath'`n" +
        "Get-IstioDiscoveryAddress -Context cluster1 -KubeConfig '$($sandbox.KubeConfig)' -Debug`n'NOT REACHED'"
        $run = Invoke-MeshPwsh -Script $script -Environment $taskEnvironment
        $run.ExitCode | Should -Not -Be 0
        $run.Text | Should -Match 'NonInteractive mode'
    }

    It 'shows debug and verbose lines with $DebugPreference and $VerbosePreference set to Continue, and succeeds' {
        $name = New-MeshName 'debug'
        $script = "`$ErrorActionPreference = 'Stop'`n`$DebugPreference = 'Continue'`n`$VerbosePreference = 'Continue'`n" +
        "Import-Module '$manifestPath' -Verbose:`$false`n`$PSDefaultParameterValues['*-Istio*:KubeConfig'] = '$($sandbox.KubeConfig)'`n" + (Get-Workflow $name)
        $run = Invoke-MeshPwsh -Script $script -Environment $taskEnvironment
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.StdOut | Should -Match "RESULT Created istio-remote-secret-$name"
        $run.Text | Should -Match 'DEBUG: '
        $run.Text | Should -Match 'VERBOSE: istioctl: '
        Find-MeshSecret -Text $run.Text -Secret (Get-MeshSecret -Sandbox $sandbox) | Should -BeNullOrEmpty
    }
}

Describe 'Warnings on the success path' {
    It 'are none in the guide''s workflow but the one a loopback API server deserves' {
        # -Debug turns every warning into a prompt: a needless one would fail a pipeline.
        $name = New-MeshName 'quiet'
        $kubeConfig = $sandbox.KubeConfig
        $warnings = @()
        Get-IstioDiscoveryAddress -Context cluster1 -KubeConfig $kubeConfig -WarningVariable +warnings -WarningAction SilentlyContinue |
            New-IstioRemoteInstallSpec -ClusterName $name -Network network1 -MeshId mesh1 -WarningVariable +warnings -WarningAction SilentlyContinue |
            Install-IstioRemote -Context cluster2 -KubeConfig $kubeConfig -IstioctlPath $sandbox.Istioctl -WarningVariable +warnings -WarningAction SilentlyContinue |
            Wait-IstioControlPlane -KubeConfig $kubeConfig -WarningVariable +warnings -WarningAction SilentlyContinue |
            Publish-IstioRemoteSecret -PrimaryContext cluster1 -KubeConfig $kubeConfig -WarningVariable +warnings -WarningAction SilentlyContinue -ErrorAction Stop |
            Out-Null
        @($warnings).Count | Should -Be 1 -Because ($warnings -join ' | ')
        "$($warnings[0])" | Should -Match 'loopback address'
    }
}
