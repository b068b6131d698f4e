# Get-Help as a user reads it, for every cmdlet the module exports (a new cmdlet is covered as soon
# as it is exported). The examples marked runnable are run in MeshCluster.Output.Tests.ps1.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    Import-Module (Get-MeshModuleManifest)
    $commands = @(Get-Command -Module MeshCluster | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    Import-Module (Get-MeshModuleManifest)
    $common = [System.Management.Automation.Cmdlet]::CommonParameters

    function Get-SyntaxText([string] $Name) {
        # The SYNTAX section as Get-Help prints it, unwrapped.
        $text = Get-Help -Name $Name | Out-String -Width 2000
        [regex]::Match($text, '(?s)SYNTAX(.*?)\n\S').Groups[1].Value
    }

    function Test-Hidden($Parameter) {
        @($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow }).Count -gt 0
    }
}

Describe 'Help of <Name>' -Tag Quick -ForEach $commands {
    BeforeAll {
        $command = Get-Command -Name $Name
        $help = Get-Help -Name $Name -Full
        $syntax = Get-SyntaxText $Name
        $parameters = @($command.Parameters.Values | Where-Object { $_.Name -notin $common })
        $examples = @(Get-MeshHelpExample -Name $Name)
    }

    It 'has a synopsis of its own and a description' {
        "$($help.Synopsis)".Trim() | Should -Not -BeNullOrEmpty
        # Without MAML, PowerShell makes the syntax line the synopsis.
        "$($help.Synopsis)" | Should -Not -Match "^\s*$Name\s"
        (@($help.description) | ForEach-Object { $_.Text }) -join ' ' | Should -Not -BeNullOrEmpty
    }

    It 'documents and describes every parameter, and no parameter it does not have' {
        $documented = @($help.parameters.parameter | ForEach-Object { $_.name })
        $visible = @($parameters | Where-Object { -not (Test-Hidden $_) } | ForEach-Object Name)
        $visible | Where-Object { $_ -notin $documented } | Should -BeNullOrEmpty -Because 'every parameter needs help'
        $documented | Where-Object { $_ -notin $command.Parameters.Keys } | Should -BeNullOrEmpty -Because 'help must not describe parameters that do not exist'
        $help.parameters.parameter | Where-Object { -not ((@($_.description) | ForEach-Object { $_.Text }) -join '').Trim() } |
            ForEach-Object name | Should -BeNullOrEmpty -Because 'every documented parameter needs a description'
    }

    It 'shows switches as switches in the syntax' {
        $syntax | Should -Not -Match '<SwitchParameter>'
        foreach ($switch in $parameters | Where-Object { $_.SwitchParameter -and -not (Test-Hidden $_) }) {
            # Optional: [-Name]; mandatory in its parameter set (-Quiet): -Name, without a value.
            $syntax | Should -Match "(\[-$($switch.Name)\]|\s-$($switch.Name)\s+(\[|-|$))" -Because "-$($switch.Name) is a switch"
        }
    }

    It 'shows no hidden parameter in the syntax' {
        foreach ($hidden in $parameters | Where-Object { Test-Hidden $_ }) {
            $syntax | Should -Not -Match "-$($hidden.Name)\b"
        }
    }

    It 'has one syntax block per parameter set, with the parameters, types and mandatory flags the cmdlet has' {
        $items = @($help.syntax.syntaxItem)
        $sets = @($command.ParameterSets)
        $items.Count | Should -Be $sets.Count
        foreach ($set in $sets) {
            $expected = @($set.Parameters | Where-Object { $_.Name -notin $common -and -not (Test-Hidden $_) })
            $names = ($expected.Name | Sort-Object) -join ','
            $item = $items | Where-Object { (@($_.parameter.name) | Sort-Object) -join ',' -eq $names } | Select-Object -First 1
            $item | Should -Not -BeNullOrEmpty -Because "parameter set '$($set.Name)' has $names"
            foreach ($p in $expected) {
                $shown = $item.parameter | Where-Object name -EQ $p.Name
                $shown.required | Should -Be ([string]$p.IsMandatory).ToLowerInvariant() -Because "-$($p.Name) in set '$($set.Name)'"
                if ($p.ParameterType -ne [switch]) {
                    # A TimeSpan? shows as TimeSpan, as Get-Command -Syntax shows it.
                    $type = [Nullable]::GetUnderlyingType($p.ParameterType) ?? $p.ParameterType
                    "$($shown.parameterValue)" | Should -Be $type.Name -Because "-$($p.Name) is a $($type.Name)"
                }
            }
        }
    }

    It 'has numbered examples that use it and parse' {
        $examples.Count | Should -BeGreaterThan 0
        foreach ($example in $examples) {
            $example.Title | Should -Match "^Example $($example.Number):"
            $example.Code | Should -Match ([regex]::Escape($Name))
            $tokens = $errors = $null
            [void] [System.Management.Automation.Language.Parser]::ParseInput($example.Code, [ref] $tokens, [ref] $errors)
            $errors | ForEach-Object Message | Should -BeNullOrEmpty -Because "example $($example.Number) must parse"
        }
    }

    It 'lists related links under RELATED LINKS, never an empty heading' {
        $links = @($help.relatedLinks.navigationLink | ForEach-Object { "$($_.linkText)$($_.uri)".Trim() } | Where-Object { $_ })
        $links.Count | Should -BeGreaterThan 0
        $text = Get-Help -Name $Name | Out-String -Width 200
        [regex]::Match($text, '(?s)RELATED LINKS\s*\n(.*?)\n\S').Groups[1].Value.Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least one example marked runnable in the sandbox' {
        @($examples | Where-Object Runnable).Count | Should -BeGreaterThan 0 -Because 'a remarks paragraph "Runnable in the sandbox." marks an example the suite runs'
    }
}

Describe 'The help file' -Tag Quick {
    It 'keeps no paragraph whose meaning is in its leading spaces (Get-Help drops them: use the code block)' {
        $file = Join-Path (Split-Path (Get-MeshModuleManifest)) 'en-US' 'MeshCluster.dll-Help.xml'
        $xml = [xml] (Get-Content -LiteralPath $file -Raw)
        $ns = @{ maml = 'http://schemas.microsoft.com/maml/2004/10' }
        Select-Xml -Xml $xml -XPath '//maml:para' -Namespace $ns | ForEach-Object { $_.Node.InnerText } |
            Where-Object { $_ -match '^\s+\S' } | Should -BeNullOrEmpty
    }
}
