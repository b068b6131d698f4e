<#
.SYNOPSIS
    Builds, tests, packages and demonstrates the MeshCluster module.
.DESCRIPTION
    Build   lays out the ready module folder (default out/MeshCluster): manifest, MeshCluster.dll,
            format files, help, and the isolated dependencies under Dependencies/.
    Test    runs the xunit suites (dotnet test), then the Pester tests under tests/pester when
            Pester 5 is installed.
    Package zips the module folder into out/MeshCluster-<version>.zip.
    Demo    runs the whole workflow on a local sandbox of two real API servers.
    Uses only language features, native commands and .NET calls, so it also runs in a bare
    hosted PowerShell engine (the tests run it that way).
.EXAMPLE
    ./build.ps1 -Task Build, Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Demo')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Where Build lays out the module; default out/MeshCluster beside this script.
    [string] $OutputPath
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
    Invoke-Native dotnet @('test', [System.IO.Path]::Combine($root, 'MeshCluster.sln'), '-c', $Configuration, '--nologo')
    $pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version.Major -ge 5 }
    if ($pester) {
        Import-Module $pester[0].Path
        $result = Invoke-Pester -Path ([System.IO.Path]::Combine($root, 'tests', 'pester')) -PassThru
        if ($result.FailedCount -gt 0) { throw "$($result.FailedCount) Pester test(s) failed." }
    }
    else {
        $PSCmdlet.WriteWarning('Pester 5 is not installed: the Pester tests under tests/pester were skipped.')
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
