# Install-IstioRemote in a real pwsh against the sandbox, with the istioctl stand-in (which does in
# the cluster what istioctl would, and logs each call when ISTIOCTL_STANDIN_LOG names a file).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    $manifestPath = Get-MeshModuleManifest
    Import-Module $manifestPath
    $sandbox = Start-MeshSandbox
    $PSDefaultParameterValues = @{ '*-Istio*:KubeConfig' = $sandbox.KubeConfig; 'Install-IstioRemote:IstioctlPath' = $sandbox.Istioctl }
    $cmdlet = 'MeshCluster.Commands.InstallIstioRemoteCommand'
    $spec = New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress $sandbox.DiscoveryAddress

    function Invoke-WithStandInLog([scriptblock] $Script) {
        # Runs the script with the stand-in logging its calls; returns the argument lists it got.
        $log = Join-Path $TestDrive ("istioctl-{0}.log" -f [guid]::NewGuid().ToString('N'))
        $env:ISTIOCTL_STANDIN_LOG = $log
        try { & $Script | Out-Null } finally { Remove-Item Env:ISTIOCTL_STANDIN_LOG }
        if (Test-Path -LiteralPath $log) { Get-Content -LiteralPath $log | ForEach-Object { ($_ | ConvertFrom-Json).args -join ' ' } }
    }
}

AfterAll { Stop-MeshSandbox }

Describe 'Install-IstioRemote' {
    It 'installs a piped spec and shows Context, ClusterName, Namespace, Istioctl, Command, ExitCode, Duration' {
        $result = $spec | Install-IstioRemote -Context cluster2
        $result | Should -BeOfType ([MeshCluster.IstioRemoteInstallResult])
        $result.ExitCode | Should -Be 0
        $result.Arguments | Should -Contain '<temporary file>'
        $lines = @(($result | Out-String -Width 120).Trim() -split '\r?\n')
        $lines[0] | Should -Match '^Context\s+ClusterName\s+Namespace\s+Istioctl\s+Command\s+ExitCode\s+Duration$'
        $lines[2] | Should -Match '^cluster2\s+cluster2\s+istio-system\s+1\.24\.0\s+install\s+0\s+\d+\.\d s$'
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
