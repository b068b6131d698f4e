<#
.SYNOPSIS
    Runs the Pester suite under tests/pester with one sandbox for all its files.
.DESCRIPTION
    Needs pwsh 7.4 or later, Pester 5 and a built solution (dotnet build MeshCluster.sln -c Release,
    which also lays out out/MeshCluster). The sandbox (two real Kubernetes API servers on loopback)
    starts when the first file needs it and stops at the end; with $env:MESHCLUSTER_SANDBOX set (the
    state file a running 'MeshCluster.Sandbox start' prints) the files use that one instead.
    The last line is "pester: <passed> passed, <failed> failed, <skipped> skipped"; the exit code is 0
    only when nothing failed.
.EXAMPLE
    pwsh -NoProfile -File tests/pester/Invoke-MeshClusterPester.ps1
.EXAMPLE
    ./tests/pester/Invoke-MeshClusterPester.ps1 -Path tests/pester/Get-IstioDiscoveryAddress.Tests.ps1 -Output Detailed
#>
[CmdletBinding()]
param(
    # Test files or folders; default: every *.Tests.ps1 here.
    [string[]] $Path = @($PSScriptRoot),
    # Only tests with one of these tags (the quick ones without a sandbox are tagged Quick).
    [string[]] $Tag,
    [string[]] $ExcludeTag,
    # NUnit XML results, for CI.
    [string] $ResultPath,
    [ValidateSet('None', 'Normal', 'Detailed', 'Diagnostic')]
    [string] $Output = 'Normal'
)

$ErrorActionPreference = 'Stop'
$pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version.Major -ge 5 } | Sort-Object Version -Descending | Select-Object -First 1
if (-not $pester) { throw 'Pester 5 is not installed: Install-Module Pester -MinimumVersion 5.0 -Scope CurrentUser' }
Import-Module $pester.Path

Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
Enable-MeshSharedSandbox

$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = $Output
if ($Tag) { $configuration.Filter.Tag = $Tag }
if ($ExcludeTag) { $configuration.Filter.ExcludeTag = $ExcludeTag }
if ($ResultPath) {
    $configuration.TestResult.Enabled = $true
    $configuration.TestResult.OutputFormat = 'NUnitXml'
    $configuration.TestResult.OutputPath = $ResultPath
}

try {
    $result = Invoke-Pester -Configuration $configuration
}
finally {
    Stop-MeshSandbox -Force
}

if (-not $result) {
    # Pester stopped before running anything (a bad path or configuration): that is a failure too.
    'pester: 0 passed, 1 failed, 0 skipped'
    exit 1
}

# A failed BeforeAll fails its tests; a file that cannot even be discovered counts as one failure.
$failed = $result.FailedCount + $result.FailedContainersCount
"pester: $($result.PassedCount) passed, $failed failed, $($result.SkippedCount) skipped"
exit ([int]($failed -gt 0))
