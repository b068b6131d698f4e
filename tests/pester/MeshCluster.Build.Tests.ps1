# build.ps1 under the real pwsh, each task in a process of its own as a contributor runs it; the test commands
# the README and CI share; and the Pester runner CI relies on (its pwsh and Pester, exit code and summary line).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    $root = Get-MeshRepositoryRoot
    $build = Join-Path $root 'build.ps1'
    $manifest = Import-PowerShellDataFile -LiteralPath (Get-MeshModuleManifest)
}

Describe 'The test commands' -Tag Quick {
    It 'are the same in the README and in CI (.ci/run runs the README''s lines word for word)' {
        $readme = Get-Content -LiteralPath (Join-Path $root 'README.md') -Raw
        $block = [regex]::Match($readme, '(?s)Run the tests \(what CI runs.*?```bash\n(.*?)```').Groups[1].Value
        $commands = @($block.Trim() -split '\n' | ForEach-Object Trim)
        $commands.Count | Should -Be 2
        $ci = Get-Content -LiteralPath (Join-Path $root '.ci' 'run') -Raw
        $listed = [regex]::Match($ci, '(?s)readme_tests=\((.*?)\n\)').Groups[1].Value
        $inCi = @([regex]::Matches($listed, "'([^']+)'") | ForEach-Object { $_.Groups[1].Value })
        $inCi | Should -Be $commands
        # CI runs them as they are, and takes nothing from outside the clone.
        $ci | Should -Match 'bash -c "\$\{readme_tests\[0\]\}"'
        $ci | Should -Match 'bash -c "\$\{readme_tests\[1\]\}"'
        $ci | Should -Not -Match 'shared'
        $commands[1] | Should -Match '^dotnet tool restore && dotnet pwsh '
    }

    It 'pin the pwsh they use as a local .NET tool' {
        $tools = Get-Content -LiteralPath (Join-Path $root '.config' 'dotnet-tools.json') -Raw | ConvertFrom-Json
        $tools.tools.powershell.version | Should -Match '^7\.\d+\.\d+$'
        $tools.tools.powershell.commands | Should -Contain 'pwsh'
    }
}

Describe 'build.ps1' {
    It 'lays out an importable module folder with -Task Package, building first over a stale folder' {
        # What an older build left: another version's manifest and a file that is no longer part of the module.
        $out = Join-Path $TestDrive 'out' 'MeshCluster'
        New-Item -ItemType Directory -Path $out | Out-Null
        (Get-Content -LiteralPath (Get-MeshModuleManifest) -Raw) -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion = '0.0.1'" |
            Set-Content -LiteralPath (Join-Path $out 'MeshCluster.psd1')
        Set-Content -LiteralPath (Join-Path $out 'stale.txt') -Value 'left by an older build'
        $run = Invoke-MeshPwsh -Script "& '$build' -Task Package -OutputPath '$out'"
        $run.ExitCode | Should -Be 0 -Because $run.Text
        foreach ($file in 'MeshCluster.psd1', 'MeshCluster.dll', 'MeshCluster.Contracts.dll', 'Dependencies/MeshCluster.Engine.dll', 'LICENSE',
            'en-US/MeshCluster.dll-Help.xml', 'en-US/about_MeshCluster.help.txt', 'Types/MeshCluster.types.ps1xml') {
            Join-Path $out $file | Should -Exist
        }
        Join-Path $out 'stale.txt' | Should -Not -Exist
        $version = (Import-PowerShellDataFile -LiteralPath (Join-Path $out 'MeshCluster.psd1')).ModuleVersion
        $version | Should -Be $manifest.ModuleVersion
        $packages = @(Get-ChildItem -LiteralPath (Split-Path $out) -Filter '*.nupkg')
        $packages.Name | Should -Be @("MeshCluster.$version$(if ($manifest.PrivateData.PSData.Prerelease) { "-$($manifest.PrivateData.PSData.Prerelease)" }).nupkg")
        $run.StdOut | Should -Match ([regex]::Escape("Package: $($packages[0].FullName)"))

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
    It 'starts child shells with the pwsh it runs in, however that pwsh was installed' -Tag Quick {
        $pwsh = Get-MeshPwsh
        Test-Path -LiteralPath $pwsh.FilePath | Should -BeTrue
        $run = Invoke-MeshPwsh -Script '$PSVersionTable.PSVersion.ToString(); $PSHOME'
        $run.ExitCode | Should -Be 0 -Because $run.Text
        ($run.StdOut.Trim() -split '\r?\n') | Should -Be @($PSVersionTable.PSVersion.ToString(), $PSHOME)
    }

    It 'imports the Pester the build restored from NuGet, pinned in Directory.Packages.props' -Tag Quick {
        $pinned = ([xml](Get-Content -LiteralPath (Join-Path $root 'Directory.Packages.props') -Raw)).SelectSingleNode('//PesterVersion').InnerText
        Join-Path $root 'out' 'tools' 'Pester' $pinned 'Pester.psd1' | Should -Exist
        # The pinned one, or another restored beside it for a run with -PesterVersion.
        $pester = Get-Module Pester
        $pester.ModuleBase | Should -Be (Join-Path $root 'out' 'tools' 'Pester' $pester.Version.ToString(3)) -Because 'Invoke-MeshClusterPester.ps1 imports the restored one'
    }

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
