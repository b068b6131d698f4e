<#
.SYNOPSIS
    Builds, tests, packages and demonstrates the MeshCluster module.
.DESCRIPTION
    Build   lays out the ready module folder (default out/MeshCluster): manifest, MeshCluster.dll,
            format files, help, and the isolated dependencies under Dependencies/.
    Test    runs the xunit suites (dotnet test), then, when Pester 5 is installed, the Pester suite
            under tests/pester in this pwsh (tests/pester/Invoke-MeshClusterPester.ps1, which starts
            the sandbox it needs). -TestFilter and -PesterTag run a part of each.
    Package zips the module folder into out/MeshCluster-<version>.zip.
    Demo    runs the whole workflow on a local sandbox of two real API servers.
    Uses only language features, native commands and .NET calls, so it also runs in a bare
    hosted PowerShell engine (the tests run it that way).
.EXAMPLE
    ./build.ps1 -Task Build, Test
.EXAMPLE
    ./build.ps1 -Task Test -TestFilter 'FullyQualifiedName~RemoteSecret' -PesterTag Quick
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
    [string[]] $PesterTag
)

$ErrorActionPreference = 'Stop'
$root = $PSScriptRoot
if (-not $OutputPath) { $OutputPath = [System.IO.Path]::Combine($root, 'out', 'MeshCluster') }
$OutputPath = [System.IO.Path]::GetFullPath($OutputPath)

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
    Invoke-Native dotnet @('build', $project, '-c', $Configuration, '--nologo', "-p:MeshClusterOut=$out")
    "Module laid out in $OutputPath"
}

function Invoke-Test {
    $arguments = @('test', [System.IO.Path]::Combine($root, 'MeshCluster.sln'), '-c', $Configuration, '--nologo')
    if ($TestFilter) { $arguments += @('--filter', $TestFilter) }
    Invoke-Native dotnet $arguments
    $pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version.Major -ge 5 }
    if ($pester) {
        $runner = [System.IO.Path]::Combine($root, 'tests', 'pester', 'Invoke-MeshClusterPester.ps1')
        if ($PesterTag) { & $runner -Tag $PesterTag } else { & $runner }
        if ($LASTEXITCODE -ne 0) { throw 'The Pester suite failed.' }
    }
    else {
        $PSCmdlet.WriteWarning('Pester 5 is not installed: the Pester suite under tests/pester was skipped (Install-Module Pester).')
    }
}

function Invoke-Package {
    if (-not [System.IO.Directory]::Exists($OutputPath)) { Invoke-Build }
    $manifest = [System.IO.File]::ReadAllText([System.IO.Path]::Combine($OutputPath, 'MeshCluster.psd1'))
    $version = [regex]::Match($manifest, "ModuleVersion\s*=\s*'([^']+)'").Groups[1].Value
    $zip = [System.IO.Path]::Combine([System.IO.Path]::GetDirectoryName($OutputPath), "MeshCluster-$version.zip")
    if ([System.IO.File]::Exists($zip)) { [System.IO.File]::Delete($zip) }
    [System.IO.Compression.ZipFile]::CreateFromDirectory($OutputPath, $zip, [System.IO.Compression.CompressionLevel]::Optimal, $true)
    "Package: $zip"
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
