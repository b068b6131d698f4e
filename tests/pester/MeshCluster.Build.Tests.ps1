# build.ps1 under the real pwsh, each task in a process of its own as a contributor runs it, and the
# Pester runner CI relies on (its exit code and its summary line).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    $root = Get-MeshRepositoryRoot
    $build = Join-Path $root 'build.ps1'
    $manifest = Import-PowerShellDataFile -LiteralPath (Get-MeshModuleManifest)
}

Describe 'build.ps1' {
    It 'lays out an importable module folder with -Task Build, and zips it with -Task Package' {
        $out = Join-Path $TestDrive 'out' 'MeshCluster'
        $run = Invoke-MeshPwsh -Script "& '$build' -Task Build, Package -OutputPath '$out'"
        $run.ExitCode | Should -Be 0 -Because $run.Text
        foreach ($file in 'MeshCluster.psd1', 'MeshCluster.dll', 'MeshCluster.Contracts.dll', 'Dependencies/MeshCluster.Engine.dll',
            'en-US/MeshCluster.dll-Help.xml', 'en-US/about_MeshCluster.help.txt', 'Types/MeshCluster.types.ps1xml') {
            Join-Path $out $file | Should -Exist
        }
        $zip = Join-Path $TestDrive 'out' "MeshCluster-$($manifest.ModuleVersion).zip"
        $zip | Should -Exist
        $archive = [System.IO.Compression.ZipFile]::OpenRead($zip)
        try { $entries = @($archive.Entries.FullName -replace '\\', '/') } finally { $archive.Dispose() }
        $entries | Should -Contain 'MeshCluster/MeshCluster.psd1'
        $entries | Should -Contain 'MeshCluster/en-US/about_MeshCluster.help.txt'

        $import = Invoke-MeshPwsh -Script "Import-Module '$out/MeshCluster.psd1' -ErrorAction Stop; (Get-Command -Module MeshCluster).Count; (Get-Help about_MeshCluster | Out-String) -match 'about_MeshCluster'"
        $import.ExitCode | Should -Be 0 -Because $import.Text
        ($import.StdOut.Trim() -split '\r?\n') | Should -Be @("$($manifest.CmdletsToExport.Count)", 'True')
    }

    It 'runs the xunit suites and then the Pester suite with -Task Test (here a filter and the Smoke tag keep it short)' {
        $run = Invoke-MeshPwsh -Script "& '$build' -Task Test -TestFilter 'FullyQualifiedName~KubeServerVersionTests' -PesterTag Smoke" -WorkingDirectory $root
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.StdOut | Should -Match 'Passed!\s+- Failed:\s+0, Passed:\s+[1-9]'
        $run.StdOut | Should -Match 'pester: [1-9]\d* passed, 0 failed'
    }
}

Describe 'The Pester runner' {
    It 'exits 1 and counts the failure when a test fails, and 0 when none does' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'suite')
        Set-Content -LiteralPath (Join-Path $folder 'Sample.Tests.ps1') -Value @'
Describe 'sample' {
    It 'passes' { 1 | Should -Be 1 }
    It 'fails' -Tag Failing { 1 | Should -Be 2 }
    It 'is skipped' -Skip { }
}
'@
        $runner = Join-Path $PSScriptRoot 'Invoke-MeshClusterPester.ps1'
        $failing = Invoke-MeshPwsh -Script "& '$runner' -Path '$folder' -Output None; exit `$LASTEXITCODE"
        $failing.ExitCode | Should -Be 1
        ($failing.StdOut.Trim() -split '\r?\n')[-1] | Should -Be 'pester: 1 passed, 1 failed, 1 skipped'
        $passing = Invoke-MeshPwsh -Script "& '$runner' -Path '$folder' -ExcludeTag Failing -Output None; exit `$LASTEXITCODE"
        $passing.ExitCode | Should -Be 0
        ($passing.StdOut.Trim() -split '\r?\n')[-1] | Should -Be 'pester: 1 passed, 0 failed, 1 skipped'
    }
}
