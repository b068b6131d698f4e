# What users see of the module's objects, for every output type its cmdlets declare (a new cmdlet is
# covered as soon as it is exported): the help examples marked runnable run against the sandbox, and
# their objects, with those of the guide's workflow, go through the default view at 120 columns,
# Format-List, ConvertTo-Json -Depth 5 and Export-Clixml/Import-Clixml, none showing a credential.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    Import-Module (Get-MeshModuleManifest)
    $runnable = @(foreach ($command in Get-Command -Module MeshCluster) {
            Get-MeshHelpExample -Name $command.Name | Where-Object Runnable | ForEach-Object { @{ Command = $_.Command; Number = $_.Number; Code = $_.Code } }
        })
    # The module's own types (a -Quiet parameter set's boolean has no view of ours).
    $types = @((Get-Command -Module MeshCluster).OutputType.Type.FullName | Where-Object { $_ -like 'MeshCluster.*' } | Sort-Object -Unique | ForEach-Object { @{ Type = $_ } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    Import-Module (Get-MeshModuleManifest)
    $sandbox = Start-MeshSandbox
    $PSDefaultParameterValues = @{ '*-Istio*:KubeConfig' = $sandbox.KubeConfig; 'Install-IstioRemote:IstioctlPath' = $sandbox.Istioctl }

    # Istio's guide as one pipeline, every step's object kept.
    $samples = [System.Collections.Generic.List[object]]::new()
    # The guide's form, with the guide's istioctl (the stand-in as 1.7.8; istioctl 1.24+ is refused it).
    $env:ISTIOCTL_STANDIN_VERSION = '1.7.8'
    try {
        Get-IstioDiscoveryAddress -Context cluster1 -OutVariable +steps |
            New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -OutVariable +steps |
            Install-IstioRemote -Context cluster2 -OutVariable +steps |
            Wait-IstioControlPlane -Timeout 00:02:00 -OutVariable +steps |
            Publish-IstioRemoteSecret -PrimaryContext cluster1 -OutVariable +steps -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
    }
    finally { Remove-Item Env:ISTIOCTL_STANDIN_VERSION }
    $samples.AddRange(@($steps))

    # The reader token istiod gets: -OutFile is the one place it may be read back.
    $secretFile = Join-Path $TestDrive 'remote-secret.yaml'
    Publish-IstioRemoteSecret -Context cluster2 -Name cluster2 -OutFile $secretFile -WarningAction SilentlyContinue | Out-Null
    $readerToken = [regex]::Match((Get-Content -LiteralPath $secretFile -Raw), '(?m)^\s*token:\s*(\S+)').Groups[1].Value
    $secrets = @(Get-MeshSecret -Sandbox $sandbox -Extra $readerToken)

    function Get-Difference($Expected, $Actual, [string] $Path, [switch] $Json) {
        # Where a serialized copy differs from the object; enums are numbers in JSON, names in CLIXML.
        if ($null -eq $Expected) {
            if ($null -ne $Actual -and "$Actual" -ne '') { "${Path}: '$Actual' instead of null" }
        }
        elseif ($Expected -is [enum]) {
            $want = if ($Json) { "$([int] $Expected)" } else { "$Expected" }
            if ("$Actual" -ne $want) { "${Path}: '$Actual' instead of '$want'" }
        }
        elseif ($Expected -is [datetimeoffset] -or $Expected -is [datetime]) {
            # The instant must survive: JSON gives a DateTime back (in local time), CLIXML a DateTimeOffset
            # as a property bag (it has no such primitive), each with the same UtcTicks.
            $want = ([datetimeoffset] $Expected).UtcTicks
            $got = if ($Actual -is [datetime] -or $Actual -is [datetimeoffset]) { ([datetimeoffset] $Actual).UtcTicks } else { $Actual.UtcTicks }
            if ($got -ne $want) { "${Path}: '$Actual' instead of '$Expected'" }
        }
        elseif ($Expected -is [timespan]) {
            if ($Actual.Ticks -ne $Expected.Ticks) { "${Path}: $($Actual.Ticks) ticks instead of $($Expected.Ticks)" }
        }
        elseif ($Expected -is [string] -or $Expected -is [ValueType]) {
            if ($Actual -ne $Expected) { "${Path}: '$Actual' instead of '$Expected'" }
        }
        elseif ($Expected -is [System.Collections.IEnumerable]) {
            $e = @($Expected); $a = @($Actual)
            if ($a.Count -ne $e.Count) { "${Path}: $($a.Count) items instead of $($e.Count)" }
            else { for ($i = 0; $i -lt $e.Count; $i++) { Get-Difference $e[$i] $a[$i] "$Path[$i]" -Json:$Json } }
        }
        else {
            foreach ($property in $Expected.PSObject.Properties) {
                Get-Difference $property.Value $Actual.($property.Name) "$Path.$($property.Name)" -Json:$Json
            }
        }
    }

    function Get-ViewLabel([string] $Type) {
        @((Get-FormatData -TypeName $Type).FormatViewDefinition | Where-Object { $_.Control -is [System.Management.Automation.TableControl] } |
                Select-Object -First 1 | ForEach-Object { $_.Control.Headers.Label })
    }

    function Test-ViewShown($Text, [string[]] $Labels) {
        # The table's header line holds every label: no column dropped for want of width.
        $header = @($Text -split "`n" | Where-Object { $_.Trim() })[0]
        @($Labels | Where-Object { $header -notmatch "(^|\s)$([regex]::Escape($_))(\s|$)" })
    }
}

AfterAll { Stop-MeshSandbox }

Describe 'Runnable example <Number> of <Command>' -ForEach $runnable {
    It 'runs as is with $env:KUBECONFIG and $env:ISTIOCTL pointing at the sandbox' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive "$Command-$Number")
        $saved = $env:KUBECONFIG, $env:ISTIOCTL
        $PSDefaultParameterValues = @{}
        Push-Location -LiteralPath $folder.FullName
        try {
            $env:KUBECONFIG = $sandbox.KubeConfig
            $env:ISTIOCTL = $sandbox.Istioctl
            $ErrorActionPreference = 'Stop'
            $all = & ([scriptblock]::Create($Code)) *>&1
        }
        finally {
            Pop-Location
            $env:KUBECONFIG, $env:ISTIOCTL = $saved
        }
        $output = @($all | Where-Object { $_ -isnot [System.Management.Automation.InformationalRecord] -and $_ -isnot [System.Management.Automation.InformationRecord] })
        $output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | Should -BeNullOrEmpty
        $output | Where-Object { $_ -is [string] -or $_ -is [ValueType] } | Should -BeNullOrEmpty -Because 'examples return the module''s objects'
        $samples.AddRange($output)
    }
}

Describe 'The README''s pipeline' {
    It 'runs as is against the sandbox and publishes the remote secret' {
        $readme = Get-Content -LiteralPath (Join-Path (Get-MeshRepositoryRoot) 'README.md') -Raw
        $code = [regex]::Match($readme, '(?s)```powershell\n(Get-IstioDiscoveryAddress.*?)```').Groups[1].Value
        $code | Should -Match 'Publish-IstioRemoteSecret'
        $saved = $env:KUBECONFIG, $env:ISTIOCTL
        $PSDefaultParameterValues = @{}
        try {
            $env:KUBECONFIG = $sandbox.KubeConfig
            $env:ISTIOCTL = $sandbox.Istioctl
            # The README's pipeline is Istio 1.24+'s remote profile: the stand-in plays a current istioctl.
            $env:ISTIOCTL_STANDIN_VERSION = '1.26.8'
            $published = & ([scriptblock]::Create($code)) 3>$null
        }
        finally { $env:KUBECONFIG, $env:ISTIOCTL = $saved; Remove-Item Env:ISTIOCTL_STANDIN_VERSION -ErrorAction SilentlyContinue }
        $published.SecretName | Should -Be 'istio-remote-secret-cluster2'
        $samples.Add($published)
    }
}

Describe 'Output type <Type>' -ForEach $types {
    BeforeAll {
        $objects = @($samples | Where-Object { $_.GetType().FullName -eq $Type })
        $labels = Get-ViewLabel $Type
    }

    It 'has objects from the workflow or a runnable example to look at' {
        $objects.Count | Should -BeGreaterThan 0 -Because "a runnable example or the workflow must return a $Type"
    }

    It 'shows its table view at 120 columns: every column, no raw type name' {
        $labels.Count | Should -BeGreaterThan 0 -Because "$Type needs a table view"
        foreach ($object in $objects) {
            $text = $object | Out-String -Width 120
            Test-ViewShown $text $labels | Should -BeNullOrEmpty -Because "the header was: $(($text -split "`n" | Where-Object { $_.Trim() })[0])"
            $text | Should -Not -Match ([regex]::Escape($Type))
            "$object" | Should -Not -Be $Type -Because 'ToString names the object, not its type'
        }
    }

    It 'shows nested MeshCluster objects by their own views' {
        foreach ($property in $objects[0].PSObject.Properties | Where-Object { @($_.Value)[0] -and @($_.Value)[0].GetType().Namespace -eq 'MeshCluster' }) {
            $nestedType = @($property.Value)[0].GetType().FullName
            $text = $property.Value | Out-String -Width 120
            Test-ViewShown $text (Get-ViewLabel $nestedType) | Should -BeNullOrEmpty -Because "$nestedType needs a table view"
            $text | Should -Not -Match ([regex]::Escape($nestedType))
        }
    }

    It 'shows no credential in its view, Format-List, JSON or CLIXML' {
        foreach ($object in $objects) {
            $clixml = Join-Path $TestDrive 'object.clixml'
            $object | Export-Clixml -LiteralPath $clixml -Depth 5
            $text = @(
                $object | Out-String -Width 120
                $object | Format-List -Property * | Out-String -Width 120
                $object | ConvertTo-Json -Depth 5
                Get-Content -LiteralPath $clixml -Raw
            ) -join "`n"
            Find-MeshSecret -Text $text -Secret $secrets | Should -BeNullOrEmpty
        }
    }

    It 'round-trips every public property through ConvertTo-Json -Depth 5' {
        foreach ($object in $objects) {
            $back = $object | ConvertTo-Json -Depth 5 | ConvertFrom-Json
            Get-Difference $object $back $Type -Json | Should -BeNullOrEmpty
        }
    }

    It 'round-trips through Export-Clixml and Import-Clixml and keeps its view' {
        foreach ($object in $objects) {
            $file = Join-Path $TestDrive 'roundtrip.clixml'
            $object | Export-Clixml -LiteralPath $file
            $back = Import-Clixml -LiteralPath $file
            $back.PSObject.TypeNames[0] | Should -Be "Deserialized.$Type"
            Get-Difference $object $back $Type | Should -BeNullOrEmpty
            # A job's or a remote session's objects come back deserialized: the view still applies.
            Test-ViewShown ($back | Out-String -Width 120) $labels | Should -BeNullOrEmpty
        }
    }
}
