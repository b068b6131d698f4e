<#
.SYNOPSIS
    Runs the Pester suite under tests/pester with one sandbox for all its files.
.DESCRIPTION
    Needs pwsh 7.4 or later (the .NET tool of .config/dotnet-tools.json: dotnet tool restore, then
    dotnet pwsh) and a built solution (dotnet build or dotnet test MeshCluster.sln -c Release, which
    lays out out/MeshCluster and restores the pinned Pester into out/tools/Pester; an installed
    Pester 5 or later serves when that is missing). The sandbox (two real Kubernetes API servers on loopback)
    starts when the first file needs it and stops at the end; with $env:MESHCLUSTER_SANDBOX set (the
    state file a running 'MeshCluster.Sandbox start' prints) the files use that one instead.
    The last line is "pester: <passed> passed, <failed> failed, <skipped> skipped"; the exit code is 0
    only when nothing failed.
.EXAMPLE
    dotnet pwsh -NoProfile -NonInteractive -File tests/pester/Invoke-MeshClusterPester.ps1
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
    # The Pester to run with, as the build restored it into out/tools/Pester/<version>: default the one pinned in
    # Directory.Packages.props (build with -p:PesterVersion=6.2.0 to restore another beside it).
    [string] $PesterVersion,
    [ValidateSet('None', 'Normal', 'Detailed', 'Diagnostic')]
    [string] $Output = 'Normal'
)

$ErrorActionPreference = 'Stop'
# Pester as the build restored it (pinned in Directory.Packages.props), else one installed here.
$repository = Join-Path $PSScriptRoot '..' '..'
$pinned = ([xml] (Get-Content -LiteralPath (Join-Path $repository 'Directory.Packages.props') -Raw)).SelectSingleNode('//PesterVersion').InnerText
$wanted = if ($PesterVersion) { $PesterVersion } else { $pinned }
$restored = Join-Path $repository 'out' 'tools' 'Pester' $wanted 'Pester.psd1'
$pester = if (Test-Path -LiteralPath $restored) { (Resolve-Path -LiteralPath $restored).ProviderPath } else {
    Get-Module -ListAvailable -Name Pester | Where-Object { $PesterVersion ? $_.Version -eq [version] $PesterVersion : $_.Version.Major -ge 5 } |
        Sort-Object Version -Descending | Select-Object -First 1 -ExpandProperty Path
}
if (-not $pester) {
    throw "Pester $wanted is missing: 'dotnet build MeshCluster.sln -c Release' (or dotnet test) restores it into out/tools/Pester."
}
Import-Module $pester
"pester: Pester $((Get-Module Pester).Version) from $pester in PowerShell $($PSVersionTable.PSVersion)"

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
    Clear-MeshPackage -Force
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
