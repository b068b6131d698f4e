<#
.SYNOPSIS
    Builds, tests, packages and demonstrates the MeshCluster module.
.DESCRIPTION
    Build   lays out the ready module folder (default out/MeshCluster): manifest, MeshCluster.dll,
            format files, help, and the isolated dependencies under Dependencies/.
    Test    runs the xunit suites (dotnet test), then the Pester suite under tests/pester in this
            pwsh (tests/pester/Invoke-MeshClusterPester.ps1: Pester as the build restored it, and the
            sandbox it needs). -TestFilter and -PesterTag run a part of each.
    Package builds, then packs the module folder with PSResourceGet's Compress-PSResource into
            out/MeshCluster.<version>.nupkg, which Publish-PSResource -NupkgPath sends to a
            repository (the PowerShell Gallery, an Azure Artifacts feed, a folder) and
            Install-PSResource installs from there.
    Demo    runs the whole workflow on a local sandbox of two real API servers.
    The version comes from Directory.Build.props; -VersionPrefix and -VersionSuffix override it for
    one build (a release pipeline's prerelease label, say). Build, Test and Demo use only language
    features, native commands and .NET calls, so they also run in a bare hosted PowerShell engine
    (the tests run it that way); Package needs PSResourceGet 1.1 or later (PowerShell 7.5 and later
    bring it).
.EXAMPLE
    ./build.ps1 -Task Build, Test
.EXAMPLE
    ./build.ps1 -Task Test -TestFilter 'FullyQualifiedName~RemoteSecret' -PesterTag Quick
.EXAMPLE
    ./build.ps1 -Task Package -VersionSuffix preview1
    Builds and packs out/MeshCluster.<VersionPrefix>-preview1.nupkg.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Demo')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Where Build lays out the module; default out/MeshCluster beside this script.
    [string] $OutputPath,

    # Test: only the xunit tests this dotnet test --filter expression selects.
    [string] $TestFilter,

    # Test: only the Pester tests with one of these tags (Quick: no sandbox needed).
    [string[]] $PesterTag,

    # The version for this build instead of Directory.Build.props' (major.minor.patch).
    [string] $VersionPrefix,

    # A prerelease label for this build (letters and digits, such as preview1); '' for a release.
    [string] $VersionSuffix
)

$ErrorActionPreference = 'Stop'
$root = $PSScriptRoot
$script:Built = $false
if (-not $OutputPath) { $OutputPath = [System.IO.Path]::Combine($root, 'out', 'MeshCluster') }
$OutputPath = [System.IO.Path]::GetFullPath($OutputPath)
# The version properties only when given: otherwise Directory.Build.props decides.
$versionProperties = @()
if ($PSBoundParameters.ContainsKey('VersionPrefix')) { $versionProperties += "-p:VersionPrefix=$VersionPrefix" }
if ($PSBoundParameters.ContainsKey('VersionSuffix')) { $versionProperties += "-p:VersionSuffix=$VersionSuffix" }

function Invoke-Native {
    param([string] $File, [string[]] $Arguments)
    # $PSCmdlet's methods, not Write-Verbose: a bare hosted engine has no Utility cmdlets.
    $PSCmdlet.WriteVerbose("$File $($Arguments -join ' ')")
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "'$File $($Arguments -join ' ')' exited with $LASTEXITCODE." }
}

function Invoke-Build {
    $project = [System.IO.Path]::Combine($root, 'src', 'MeshCluster', 'MeshCluster.csproj')
    # MSBuild wants the folder with a trailing separator.
    $out = $OutputPath.TrimEnd([System.IO.Path]::DirectorySeparatorChar) + [System.IO.Path]::DirectorySeparatorChar
    $arguments = @('build', $project, '-c', $Configuration, '--nologo', "-p:MeshClusterOut=$out")
    Invoke-Native dotnet ($arguments + $versionProperties)
    $script:Built = $true
    "Module laid out in $OutputPath"
}

function Invoke-Test {
    $arguments = @('test', [System.IO.Path]::Combine($root, 'MeshCluster.sln'), '-c', $Configuration, '--nologo')
    if ($TestFilter) { $arguments += @('--filter', $TestFilter) }
    Invoke-Native dotnet ($arguments + $versionProperties)
    # The Pester suite in this pwsh, with the Pester that dotnet test's build restored.
    $runner = [System.IO.Path]::Combine($root, 'tests', 'pester', 'Invoke-MeshClusterPester.ps1')
    if ($PesterTag) { & $runner -Tag $PesterTag } else { & $runner }
    if ($LASTEXITCODE -ne 0) { throw 'The Pester suite failed.' }
}

function Invoke-Package {
    # Always from this run's build: a package of a stale folder would carry an old version or old files.
    if (-not $script:Built) { Invoke-Build }
    # Compress-PSResource (PSResourceGet 1.1+) checks the manifest and packs the folder as Publish-PSResource
    # would, into MeshCluster.<ModuleVersion>[-<Prerelease>].nupkg beside the folder.
    Import-Module Microsoft.PowerShell.PSResourceGet -MinimumVersion 1.1.0 -ErrorAction Stop
    $destination = [System.IO.Path]::GetDirectoryName($OutputPath)
    $package = Compress-PSResource -Path $OutputPath -DestinationPath $destination -PassThru
    "Package: $($package.FullName)"
}

function Invoke-Demo {
    Invoke-Native dotnet @('run', '--project', [System.IO.Path]::Combine($root, 'tests', 'MeshCluster.Sandbox'), '-c', $Configuration, '--', 'demo')
}

foreach ($t in $Task) {
    switch ($t) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Package' { Invoke-Package }
        'Demo' { Invoke-Demo }
    }
}
