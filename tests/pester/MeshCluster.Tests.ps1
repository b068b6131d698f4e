# The module as a user imports it in a real pwsh: manifest, exports, import in a fresh process, and
# the about_MeshCluster topic.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    $manifestPath = Get-MeshModuleManifest
    Import-Module $manifestPath
    $manifest = Import-PowerShellDataFile -LiteralPath $manifestPath
    $root = Get-MeshRepositoryRoot
}

Describe 'The MeshCluster module' -Tag Quick, Smoke {
    It 'exports exactly the cmdlets its manifest lists, with approved verbs and MeshCluster output types' {
        $commands = @(Get-Command -Module MeshCluster)
        ($commands.Name | Sort-Object) | Should -Be ($manifest.CmdletsToExport | Sort-Object)
        $approved = (Get-Verb).Verb
        foreach ($command in $commands) {
            $command.CommandType | Should -Be 'Cmdlet'
            $command.Verb | Should -BeIn $approved
            # A -Quiet parameter set (Test-IstioMeshTrust, Test-IstioRemoteCluster) returns one boolean.
            $command.OutputType.Type.FullName | Where-Object { $_ -ne 'System.Boolean' } | Should -Match '^MeshCluster\.' -Because "$($command.Name) declares [OutputType]"
        }
    }

    It 'is a valid manifest whose format files all load' {
        $info = Test-ModuleManifest -Path $manifestPath
        $info.Version | Should -Be ([version] $manifest.ModuleVersion)
        foreach ($format in $manifest.FormatsToProcess) {
            Join-Path (Split-Path $manifestPath) $format | Should -Exist
        }
        $types = (Get-Command -Module MeshCluster).OutputType.Type.FullName | Where-Object { $_ -like 'MeshCluster.*' } | Sort-Object -Unique
        foreach ($type in $types) { Get-FormatData -TypeName $type | Should -Not -BeNullOrEmpty -Because "$type needs a view" }
    }

    It 'serializes every enum of its output types by name, so Import-Clixml objects compare as they did' {
        $contracts = @(Get-Command -Module MeshCluster)[0].OutputType[0].Type.Assembly
        $enums = @($contracts.GetExportedTypes() | Where-Object IsEnum)
        $enums.Count | Should -BeGreaterThan 0
        foreach ($enum in $enums) {
            $value = [Enum]::GetValues($enum) | Select-Object -Last 1
            $back = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($value))
            $back | Should -BeOfType [string] -Because "$($enum.FullName) needs SerializationMethod String in Types/MeshCluster.types.ps1xml"
            $back | Should -Be "$value"
        }
    }

    It 'imports in a fresh pwsh -NonInteractive with no error, warning or other output' {
        $run = Invoke-MeshPwsh -Script "`$ErrorActionPreference = 'Stop'; Import-Module '$manifestPath' *>&1 | ForEach-Object { 'STREAM: ' + `$_ }; 'imported'"
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.StdOut.Trim() | Should -Be 'imported'
        $run.StdErr | Should -BeNullOrEmpty
    }

    It 'is refused by Windows PowerShell 5.1: it needs the Core edition and PowerShell 7.4' {
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $manifest.PowerShellVersion | Should -Be '7.4'
        # The refusal is PowerShellVersion's, the same one a pwsh older than a manifest's version gives:
        # a copy of the module asking for PowerShell 99 is refused here with the version in the message.
        $copy = Join-Path $TestDrive 'MeshCluster'
        Copy-Item -Path (Split-Path $manifestPath) -Destination $copy -Recurse
        $copied = Join-Path $copy 'MeshCluster.psd1'
        (Get-Content -LiteralPath $copied -Raw) -replace "PowerShellVersion\s*=\s*'7.4'", "PowerShellVersion = '99.0'" | Set-Content -LiteralPath $copied
        $run = Invoke-MeshPwsh -Script "try { Import-Module '$copied' -ErrorAction Stop; 'imported' } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }"
        $run.StdOut | Should -Match 'Modules_InsufficientPowerShellVersion'
        $run.StdOut | Should -Match '99\.0'
    }
}

Describe 'about_MeshCluster' -Tag Quick {
    BeforeAll {
        $topic = Get-Help -Name about_MeshCluster | Out-String
    }

    It 'is what Get-Help about_MeshCluster shows once the module is imported' {
        $topic | Should -Match 'TOPIC\s+about_MeshCluster'
        $topic | Should -Match 'SHORT DESCRIPTION'
    }

    It 'names every cmdlet of the module' {
        foreach ($command in Get-Command -Module MeshCluster) { $topic | Should -Match "\b$($command.Name)\b" }
    }

    It 'lists every error id the engine defines, with what to do about it' {
        $ids = Get-ChildItem -Path (Join-Path $root 'src' 'MeshCluster.Engine' 'Errors') -Filter 'ErrorIds*.cs' |
            Select-String -Pattern 'const string (\w+)' -AllMatches | ForEach-Object { $_.Matches.Groups[1].Value }
        $ids.Count | Should -BeGreaterThan 20
        # Each id starts a line of the ERRORS section, followed by its advice.
        $ids | Where-Object { $topic -notmatch "(?m)^\s+$_\s+\S" } | Should -BeNullOrEmpty
    }

    It 'tells pipeline users about pwsh: true, Windows PowerShell 5.1, -NonInteractive and $DebugPreference' {
        $topic | Should -Match 'pwsh: true'
        $topic | Should -Match 'Windows PowerShell 5\.1'
        $topic | Should -Match '-NonInteractive'
        $topic | Should -Match "\`$DebugPreference = 'Continue'"
    }

    It 'says where credentials go and how the file is protected' {
        $topic | Should -Match 'SECURITY'
        $topic | Should -Match '0600'
        $topic | Should -Match 'istio-remote-secret-'
    }
}
