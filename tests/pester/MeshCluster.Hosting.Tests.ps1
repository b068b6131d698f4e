# The module where pwsh users take it: ForEach-Object -Parallel runspaces in one process and
# Start-Job processes, each next to a module of the test's own that loads YamlDotNet 11 into
# PowerShell's default context, as powershell-yaml does.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    $manifestPath = Get-MeshModuleManifest
    Import-Module $manifestPath
    $sandbox = Start-MeshSandbox

    # YamlDotNet 11.2.1: from the NuGet cache, else from the isolation probe's build output.
    $nuget = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget' 'packages' }
    $yamlDll = Join-Path $nuget 'yamldotnet' '11.2.1' 'lib' 'netstandard2.1' 'YamlDotNet.dll'
    if (-not (Test-Path -LiteralPath $yamlDll)) { $yamlDll = Get-MeshTestProgram -Project 'MeshCluster.IsolationProbe' -File 'YamlDotNet.dll' }
    [System.Reflection.AssemblyName]::GetAssemblyName($yamlDll).Version.Major | Should -Be 11

    # The other module: YamlDotNet 11 by Add-Type -Path, into the default context.
    $yamlModule = Join-Path $TestDrive 'Yaml11' 'Yaml11.psm1'
    New-Item -ItemType Directory -Path (Split-Path $yamlModule) | Out-Null
    Copy-Item -LiteralPath $yamlDll -Destination (Split-Path $yamlModule)
    @'
Add-Type -Path (Join-Path $PSScriptRoot 'YamlDotNet.dll')
function ConvertFrom-Yaml11([string] $Yaml) {
    [YamlDotNet.Serialization.DeserializerBuilder]::new().Build().Deserialize([System.IO.StringReader]::new($Yaml))
}
function Get-LoadedYamlDotNet {
    # Every YamlDotNet in the process, as version|load context.
    [System.Runtime.Loader.AssemblyLoadContext]::All | ForEach-Object {
        $context = $_
        $context.Assemblies | Where-Object { $_.GetName().Name -eq 'YamlDotNet' } | ForEach-Object { '{0}|{1}' -f $_.GetName().Version, $context.Name }
    }
}
'@ | Set-Content -LiteralPath $yamlModule

    # What each runspace or job does: import both modules in the given order, use both YamlDotNets.
    $work = {
        param($Manifest, $YamlModule, $KubeConfig, $Name, [bool] $YamlFirst)
        $ErrorActionPreference = 'Stop'
        if ($YamlFirst) { Import-Module $YamlModule }
        Import-Module $Manifest
        if (-not $YamlFirst) { Import-Module $YamlModule }
        $address = Get-IstioDiscoveryAddress -Context cluster1 -KubeConfig $KubeConfig
        $spec = $address | New-IstioRemoteInstallSpec -ClusterName $Name -Network network1 -MeshId mesh1
        $parsed = ConvertFrom-Yaml11 $spec.Yaml
        $failure = try { Get-IstioDiscoveryAddress -Context no-such-context -KubeConfig $KubeConfig; 'no error' } catch { $_.FullyQualifiedErrorId }
        [pscustomobject]@{
            Name        = $Name
            Address     = $address
            ParsedName  = $parsed['spec']['values']['global']['multiCluster']['clusterName']
            YamlDotNets = @(Get-LoadedYamlDotNet)
            Failure     = $failure
        }
    }
}

AfterAll { Stop-MeshSandbox }

Describe 'MeshCluster beside a module with YamlDotNet 11' {
    It 'works in four ForEach-Object -Parallel runspaces at once, in either import order' {
        $workText = $work.ToString()
        $results = @(1..4 | ForEach-Object -ThrottleLimit 4 -Parallel {
                & ([scriptblock]::Create($using:workText)) $using:manifestPath $using:yamlModule $using:sandbox.KubeConfig "parallel-$_" ($_ % 2 -eq 0)
            })
        $results.Count | Should -Be 4
        foreach ($result in $results) {
            $result.Address | Should -BeOfType ([MeshCluster.IstioDiscoveryAddress])
            $result.Address.Address | Should -Be $sandbox.DiscoveryAddress
            $result.ParsedName | Should -Be $result.Name -Because 'YamlDotNet 11 reads the YAML MeshCluster wrote'
            $result.Failure | Should -BeLike 'KubeContextNotFound,*'
        }
        # One process: YamlDotNet 11 in the default context, MeshCluster's own in its context.
        $loaded = @($results[0].YamlDotNets)
        $loaded | Should -Contain '11.0.0.0|Default'
        @($loaded | Where-Object { $_ -like '*|MeshCluster' }).Count | Should -Be 1
        $loaded | Where-Object { $_ -like '*|MeshCluster' } | Should -Not -BeLike '11.*'
    }

    It 'works in Start-Job processes, in either import order, and its objects and errors come back' {
        $jobs = foreach ($yamlFirst in $true, $false) {
            Start-Job -ScriptBlock $work -ArgumentList $manifestPath, $yamlModule, $sandbox.KubeConfig, "job-$([int]$yamlFirst)", $yamlFirst
        }
        $results = @($jobs | Receive-Job -Wait -AutoRemoveJob -ErrorAction Stop)
        $results.Count | Should -Be 2
        foreach ($result in $results) {
            $result.Address.PSObject.TypeNames | Should -Contain 'Deserialized.MeshCluster.IstioDiscoveryAddress'
            $result.Address.Address | Should -Be $sandbox.DiscoveryAddress
            $result.ParsedName | Should -Be $result.Name
            $result.Failure | Should -BeLike 'KubeContextNotFound,*'
            $result.YamlDotNets | Should -Contain '11.0.0.0|Default'
            @($result.YamlDotNets | Where-Object { $_ -like '*|MeshCluster' -and $_ -notlike '11.*' }).Count | Should -Be 1
        }
    }

    It 'passes a terminating error of a job on with its error id' {
        $job = Start-Job -ScriptBlock {
            param($Manifest, $KubeConfig)
            Import-Module $Manifest
            Get-IstioDiscoveryAddress -Context cluster1 -ServiceName no-such-gateway -KubeConfig $KubeConfig -ErrorAction Stop
        } -ArgumentList $manifestPath, $sandbox.KubeConfig
        $caught = try { $job | Receive-Job -Wait -AutoRemoveJob -ErrorAction Stop; $null } catch { $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'IngressGatewayNotFound,*'
        "$caught" | Should -Match '\[IngressGatewayNotFound\]'
    }
}
