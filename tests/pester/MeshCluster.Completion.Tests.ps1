# TabExpansion2, as the console calls it on Tab, for every parameter of the module that completes:
# each argument completer and each enum parameter (a new cmdlet's are covered once it is exported).
# Completion reads only the kubeconfig's context names, so a written kubeconfig is enough here.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    Import-Module (Get-MeshModuleManifest)
    $contextParameters = @(Get-MeshCompletedParameter | Where-Object Completer -EQ 'MeshCluster.Hosting.KubeContextCompleter' |
            ForEach-Object { @{ Command = $_.Command; Parameter = $_.Parameter } })
    $enumParameters = @(foreach ($command in Get-Command -Module MeshCluster) {
            $command.Parameters.Values | Where-Object { $_.ParameterType.IsEnum -and $_.Name -notin [System.Management.Automation.Cmdlet]::CommonParameters } |
                ForEach-Object { @{ Command = $command.Name; Parameter = $_.Name; Names = [Enum]::GetNames($_.ParameterType) | Sort-Object } }
        })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    Import-Module (Get-MeshModuleManifest)
    $kubeConfig = Join-Path $TestDrive 'config' 'mesh.yaml'
    New-Item -ItemType Directory -Path (Split-Path $kubeConfig) -Force | Out-Null
    @'
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: 'https://127.0.0.1:6443'}
users:
- name: u
  user: {}
contexts:
- name: cluster1
  context: {cluster: c, user: u}
- name: cluster2
  context: {cluster: c, user: u}
- name: my cluster
  context: {cluster: c, user: u}
current-context: cluster1
'@ | Set-Content -LiteralPath $kubeConfig

    function Get-Completion([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches | ForEach-Object CompletionText)
    }
}

Describe 'The completers' -Tag Quick {
    It 'are all known to this suite, so each has its tests here' {
        $known = @('MeshCluster.Hosting.KubeContextCompleter')
        $completed = @(Get-MeshCompletedParameter)
        $completed | Where-Object { $_.Completer -notin $known } | ForEach-Object { "$($_.Command) -$($_.Parameter): $($_.Completer)" } |
            Should -BeNullOrEmpty -Because 'a new completer needs completion tests in this file'
        @($completed | Where-Object Parameter -Like '*Context').Count | Should -BeGreaterThan 0
    }
}

Describe '<Command> -<Parameter> completion' -Tag Quick -ForEach $contextParameters {
    BeforeAll {
        # Mandatory parameters first, as a user types them, so the line binds to one parameter set.
        $prefix = switch ($Command) {
            'Publish-IstioRemoteSecret' { "$Command -Name c2" }
            default { $Command }
        }
    }

    It 'lists the contexts of a -KubeConfig relative to the current location, in file order' {
        Push-Location -LiteralPath (Split-Path $kubeConfig)
        try {
            Get-Completion "$prefix -KubeConfig ./mesh.yaml -$Parameter " | Should -Be @('cluster1', 'cluster2', "'my cluster'")
            Get-Completion "$prefix -KubeConfig mesh.yaml -$Parameter clu" | Should -Be @('cluster1', 'cluster2')
        }
        finally { Pop-Location }
    }

    It 'lists the contexts of a -KubeConfig on a PowerShell drive (TestDrive:), though '':'' also separates files' {
        Get-Completion "$prefix -KubeConfig TestDrive:/config/mesh.yaml -$Parameter cluster2" | Should -Be @('cluster2')
    }

    It 'quotes a context with a space and completes a quoted word' {
        Get-Completion "$prefix -KubeConfig '$kubeConfig' -$Parameter 'my" | Should -Be @("'my cluster'")
    }

    It 'uses $env:KUBECONFIG when no -KubeConfig is given' {
        $saved = $env:KUBECONFIG
        try {
            $env:KUBECONFIG = $kubeConfig
            Get-Completion "$prefix -$Parameter cluster2" | Should -Be @('cluster2')
        }
        finally { $env:KUBECONFIG = $saved }
    }

    It 'uses the -KubeConfig that $PSDefaultParameterValues gives the command' {
        $saved = $env:KUBECONFIG
        $global:PSDefaultParameterValues['*-Istio*:KubeConfig'] = $kubeConfig
        try {
            $env:KUBECONFIG = Join-Path $TestDrive 'none.yaml'
            Get-Completion "$prefix -$Parameter cluster" | Should -Be @('cluster1', 'cluster2')
        }
        finally {
            $global:PSDefaultParameterValues.Remove('*-Istio*:KubeConfig')
            $env:KUBECONFIG = $saved
        }
    }

    It 'offers nothing, and writes no error, for a kubeconfig that is missing or broken' {
        $broken = Join-Path $TestDrive 'broken.yaml'
        "apiVersion: v1`nkind: Config`ncontexts:`n- name: [" | Set-Content -LiteralPath $broken
        $Error.Clear()
        Get-Completion "$prefix -KubeConfig '$(Join-Path $TestDrive 'missing.yaml')' -$Parameter " | Should -BeNullOrEmpty
        Get-Completion "$prefix -KubeConfig '$broken' -$Parameter " | Should -BeNullOrEmpty
        $Error.Count | Should -Be 0
    }
}

Describe '<Command> -<Parameter> completion of its enum' -Tag Quick -ForEach $enumParameters {
    It 'lists the enum''s names' {
        Get-Completion "$Command -$Parameter " | Should -Be $Names
    }
}
