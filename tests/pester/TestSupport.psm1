# What the Pester files share: the repository and the built module, the sandbox (two real API
# servers; started once per Invoke-MeshClusterPester.ps1 run, once per file otherwise, or attached
# to through $env:MESHCLUSTER_SANDBOX), child pwsh processes, help examples and secret checks.
Set-StrictMode -Version 3.0

$script:Root = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '..' '..'))
$script:Sandbox = $null
$script:Shared = $false
$script:Packages = @{}

# The remarks paragraph that marks a help example as runnable as is against the sandbox.
$script:RunnableMarker = 'Runnable in the sandbox'

function Get-MeshRepositoryRoot { $script:Root }

function Get-MeshModuleManifest {
    $manifest = Join-Path $script:Root 'out' 'MeshCluster' 'MeshCluster.psd1'
    if (-not (Test-Path -LiteralPath $manifest)) {
        throw "The module is not built: $manifest is missing. Run 'dotnet build MeshCluster.sln -c Release' (or ./build.ps1) first."
    }
    $manifest
}

function Get-MeshTestProgram {
    # A program built under tests/<Project>/bin/<Configuration>/<framework>/, Release preferred.
    param([Parameter(Mandatory)] [string] $Project, [Parameter(Mandatory)] [string] $File)
    $found = foreach ($configuration in 'Release', 'Debug') {
        Get-ChildItem -Path (Join-Path $script:Root 'tests' $Project 'bin' $configuration '*' $File) -ErrorAction Ignore
    }
    if (-not $found) { throw "tests/$Project is not built ($File missing). Run 'dotnet build MeshCluster.sln -c Release' first." }
    @($found)[0].FullName
}

function Enable-MeshSharedSandbox {
    # One sandbox for a whole Invoke-Pester run: files' Stop-MeshSandbox leave it up until Stop-MeshSandbox -Force.
    $script:Shared = $true
}

function Start-MeshSandbox {
    # The running sandbox: the one $env:MESHCLUSTER_SANDBOX names, the one this session started, or a new one.
    [CmdletBinding()]
    param()
    if ($env:MESHCLUSTER_SANDBOX -and -not ($script:Sandbox -and $script:Sandbox.Owned)) {
        return Read-MeshSandboxState -Path $env:MESHCLUSTER_SANDBOX -Owned $false
    }
    if ($script:Sandbox -and -not $script:Sandbox.Process.HasExited) { return $script:Sandbox }

    $program = Get-MeshTestProgram -Project 'MeshCluster.Sandbox' -File 'MeshCluster.Sandbox.dll'
    $stateFile = Join-Path ([System.IO.Path]::GetTempPath()) ('meshcluster-sandbox-' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.json')
    $start = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($argument in $program, 'start', '--state-file', $stateFile, '--stop-on-stdin-close') { $start.ArgumentList.Add($argument) }
    $start.UseShellExecute = $false
    # Its stdin stays open while this session holds it: if pwsh dies, the sandbox stops by itself.
    $start.RedirectStandardInput = $true
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    [void] $start.Environment.Remove('MESHCLUSTER_TEST_KUBECONFIG')
    $process = [System.Diagnostics.Process]::Start($start)
    # Read to the end in the background so the pipes never fill; the text is there for a failure message.
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    $deadline = [DateTime]::UtcNow.AddMinutes(3)
    while (-not (Test-Path -LiteralPath $stateFile)) {
        if ($process.HasExited) { throw "The sandbox exited with $($process.ExitCode) before it was up:`n$($stdout.Result)`n$($stderr.Result)" }
        if ([DateTime]::UtcNow -gt $deadline) {
            $process.Kill($true)
            throw "The sandbox was not up within 3 minutes:`n$($stdout.Result)"
        }
        Start-Sleep -Milliseconds 200
    }

    $script:Sandbox = Read-MeshSandboxState -Path $stateFile -Owned $true -Process $process
    if ($script:Shared) { $env:MESHCLUSTER_SANDBOX = $stateFile } # child processes (jobs, pwsh -File) attach too
    $script:Sandbox
}

function Read-MeshSandboxState {
    param([string] $Path, [bool] $Owned, [System.Diagnostics.Process] $Process)
    if (-not (Test-Path -LiteralPath $Path)) { throw "MESHCLUSTER_SANDBOX=$Path does not exist: is the sandbox still running?" }
    $state = Get-Content -LiteralPath $Path -Raw | ConvertFrom-Json
    [pscustomobject]@{
        KubeConfig       = $state.kubeConfig
        Istioctl         = $state.istioctl
        Contexts         = @($state.contexts)
        DiscoveryAddress = $state.discoveryAddress
        StateFile        = $Path
        Owned            = $Owned
        Process          = $Process
    }
}

function Stop-MeshSandbox {
    # Stops the sandbox this session started (a shared one only with -Force); an attached one is left alone.
    param([switch] $Force)
    if (-not $script:Sandbox -or ($script:Shared -and -not $Force)) { return }
    $process = $script:Sandbox.Process
    if (-not $process.HasExited) {
        $process.StandardInput.Close()
        if (-not $process.WaitForExit(60000)) { $process.Kill($true); $process.WaitForExit() }
    }
    if ($env:MESHCLUSTER_SANDBOX -eq $script:Sandbox.StateFile) { Remove-Item Env:MESHCLUSTER_SANDBOX }
    $script:Sandbox = $null
}

function Get-MeshPackage {
    # The module packed as './build.ps1 -Task Package' packs it (a build of its own into a temporary folder, then
    # Compress-PSResource), once per version in a session: .Path is the .nupkg, .ModuleFolder the folder it holds,
    # .Version its version (with any prerelease label). -VersionPrefix and -VersionSuffix as build.ps1 takes them.
    param([string] $VersionPrefix, [string] $VersionSuffix)
    $key = "$VersionPrefix|$VersionSuffix"
    if ($script:Packages.ContainsKey($key) -and (Test-Path -LiteralPath $script:Packages[$key].Path)) { return $script:Packages[$key] }
    $folder = Join-Path ([System.IO.Path]::GetTempPath()) ('meshcluster-package-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $arguments = "-Task Package -OutputPath '$(Join-Path $folder 'MeshCluster')'"
    if ($PSBoundParameters.ContainsKey('VersionPrefix')) { $arguments += " -VersionPrefix '$VersionPrefix'" }
    if ($PSBoundParameters.ContainsKey('VersionSuffix')) { $arguments += " -VersionSuffix '$VersionSuffix'" }
    $run = Invoke-MeshPwsh -Script "& '$(Join-Path $script:Root 'build.ps1')' $arguments" -TimeoutSeconds 900
    $nupkg = @(Get-ChildItem -LiteralPath $folder -Filter 'MeshCluster.*.nupkg' -ErrorAction Ignore)
    if ($run.ExitCode -ne 0 -or $nupkg.Count -ne 1) { throw "build.ps1 $arguments failed (exit code $($run.ExitCode)):`n$($run.Text)" }
    $package = [pscustomobject]@{
        Path         = $nupkg[0].FullName
        ModuleFolder = Join-Path $folder 'MeshCluster'
        Version      = $nupkg[0].Name -replace '^MeshCluster\.(.+)\.nupkg$', '$1'
        Folder       = $folder
        BuildOutput  = $run.StdOut
    }
    $script:Packages[$key] = $package
    $package
}

function Clear-MeshPackage {
    # Removes the packages Get-MeshPackage made; in a run of Invoke-MeshClusterPester.ps1 only with -Force (at its end).
    param([switch] $Force)
    if ($script:Shared -and -not $Force) { return }
    foreach ($package in $script:Packages.Values) { Remove-Item -LiteralPath $package.Folder -Recurse -Force -ErrorAction Ignore }
    $script:Packages = @{}
}

function New-MeshName {
    # A DNS-1123 label of its own for one test: prefix-xxxxxx.
    param([Parameter(Mandatory)] [string] $Prefix)
    '{0}-{1}' -f $Prefix, [guid]::NewGuid().ToString('N').Substring(0, 6)
}

function ConvertTo-MeshPlainText {
    # Text without ANSI escapes (pwsh colours its error view even when redirected).
    param([Parameter(ValueFromPipeline)] [string] $Text)
    process { if ($null -ne $Text) { $Text -replace "`e\[[0-9;?]*[ -/]*[@-~]", '' } }
}

function Get-MeshPwsh {
    # The pwsh this session runs in, however it was installed, as the program to start and the arguments that
    # come before pwsh's own. A pwsh installed as a program is its own process; the .NET tool's process is
    # dotnet (its [Environment]::ProcessPath), which runs pwsh.dll from $PSHOME. Every child shell of the suite
    # starts this way, so it runs the very PowerShell under test.
    $process = [Environment]::ProcessPath
    $name = [System.IO.Path]::GetFileNameWithoutExtension($process)
    $dll = Join-Path $PSHOME 'pwsh.dll'
    $apphost = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    if ($name -eq 'pwsh') { return [pscustomobject]@{ FilePath = $process; Arguments = @() } }
    if ($name -eq 'dotnet' -and (Test-Path -LiteralPath $dll)) { return [pscustomobject]@{ FilePath = $process; Arguments = @($dll) } }
    if (Test-Path -LiteralPath $apphost) { return [pscustomobject]@{ FilePath = $apphost; Arguments = @() } }
    throw "Cannot tell how to start the pwsh of this session: its process is $process and `$PSHOME ($PSHOME) has no pwsh."
}

function Invoke-MeshPwsh {
    # Runs a script as a pipeline task does: pwsh -NoProfile -NonInteractive -File script.ps1, in its own process.
    # -Environment adds variables (a $null value removes one).
    param(
        [Parameter(Mandatory)] [string] $Script,
        [hashtable] $Environment = @{},
        [string[]] $ArgumentList = @(),
        [string] $WorkingDirectory = (Get-Location -PSProvider FileSystem).ProviderPath,
        [int] $TimeoutSeconds = 600
    )
    $file = Join-Path ([System.IO.Path]::GetTempPath()) ('meshcluster-pester-' + [guid]::NewGuid().ToString('N') + '.ps1')
    Set-Content -LiteralPath $file -Value $Script -Encoding utf8NoBOM
    try {
        $pwsh = Get-MeshPwsh
        $start = [System.Diagnostics.ProcessStartInfo]::new($pwsh.FilePath)
        foreach ($argument in @($pwsh.Arguments) + @('-NoProfile', '-NonInteractive', '-File', $file) + $ArgumentList) { $start.ArgumentList.Add($argument) }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.WorkingDirectory = $WorkingDirectory
        foreach ($name in $Environment.Keys) {
            if ($null -eq $Environment[$name]) { [void] $start.Environment.Remove($name) } else { $start.Environment[$name] = [string] $Environment[$name] }
        }
        $process = [System.Diagnostics.Process]::Start($start)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            throw "pwsh -File did not finish within $TimeoutSeconds s:`n$($stdout.Result)`n$($stderr.Result)"
        }
        $process.WaitForExit()
        $out = $stdout.Result | ConvertTo-MeshPlainText
        $err = $stderr.Result | ConvertTo-MeshPlainText
        [pscustomobject]@{ ExitCode = $process.ExitCode; StdOut = $out; StdErr = $err; Text = "$out`n$err" }
    }
    finally {
        Remove-Item -LiteralPath $file -ErrorAction Ignore
    }
}

function Get-MeshHelpExample {
    # The examples of a cmdlet's help, numbered, with whether they are marked runnable in the sandbox.
    param([Parameter(Mandatory)] [string] $Name)
    $number = 0
    foreach ($example in @((Get-Help -Name $Name -Full).examples.example)) {
        $number++
        $remarks = @($example.remarks | ForEach-Object { $_.Text }) -join "`n"
        [pscustomobject]@{
            Command  = $Name
            Number   = $number
            Title    = "$($example.title)".Trim(' ', '-')
            Code     = "$($example.code)"
            Remarks  = $remarks
            Runnable = $remarks -match "(?m)^\s*$([regex]::Escape($script:RunnableMarker))"
        }
    }
}

function Get-MeshCompletedParameter {
    # Every parameter of the module's cmdlets that has an argument completer, and which completer.
    foreach ($command in Get-Command -Module MeshCluster) {
        foreach ($parameter in $command.Parameters.Values) {
            $completer = $parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] } | Select-Object -First 1
            if ($completer) { [pscustomobject]@{ Command = $command.Name; Parameter = $parameter.Name; Completer = "$($completer.Type.FullName)" } }
        }
    }
}

function Get-MeshSecret {
    # Literal secrets a test must never see: the sandbox's admin tokens, plus any -Extra (a reader token).
    param([Parameter(Mandatory)] $Sandbox, [string[]] $Extra = @())
    $tokens = [regex]::Matches((Get-Content -LiteralPath $Sandbox.KubeConfig -Raw), '(?m)^\s*token:\s*(\S+)') | ForEach-Object { $_.Groups[1].Value }
    @($tokens) + $Extra | Where-Object { $_ }
}

function Find-MeshSecret {
    # What of a secret is in the text: the literal secrets, their base64, a prefix of 8 characters or
    # more (a truncated column), any JWT (service-account tokens are JWTs) and any PEM private key.
    param([AllowEmptyString()] [string] $Text, [string[]] $Secret = @())
    foreach ($value in $Secret) {
        $base64 = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($value))
        if ($Text.Contains($value)) { "the secret '$($value.Substring(0, 4))...'" }
        elseif ($Text.Contains($base64)) { "the base64 of the secret '$($value.Substring(0, 4))...'" }
        elseif ($value.Length -ge 16 -and $Text.Contains($value.Substring(0, 8))) { "the start of the secret '$($value.Substring(0, 4))...'" }
    }
    if ($Text -match 'eyJ[A-Za-z0-9_-]{8,}\.') { "a JWT ($($Matches[0].Substring(0, 6))...)" }
    if ($Text -match 'PRIVATE KEY') { 'a PEM private key' }
}

Export-ModuleMember -Function *-Mesh*
