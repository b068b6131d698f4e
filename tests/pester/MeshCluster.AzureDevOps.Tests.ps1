# The module the Azure DevOps way: a PowerShell@2 task with pwsh: true runs
# pwsh -NoProfile -NonInteractive -File script.ps1, with $ErrorActionPreference = 'Stop' in the
# script and the kubeconfig in $env:KUBECONFIG (a secure file) or $PSDefaultParameterValues.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    $manifestPath = Get-MeshModuleManifest
    Import-Module $manifestPath
    $sandbox = Start-MeshSandbox
    $root = Get-MeshRepositoryRoot
    # What the task's env: block gives the script; no KUBECONFIG unless a test sets it. The workflow is the
    # guide's form, which the stand-in installs as istioctl 1.7.8 (istioctl 1.24+ is refused it).
    $taskEnvironment = @{ ISTIOCTL = $sandbox.Istioctl; KUBECONFIG = $null; MESHCLUSTER_SANDBOX = $null; ISTIOCTL_STANDIN_VERSION = '1.7.8' }
    $env:ISTIOCTL_STANDIN_VERSION = '1.7.8'


    function Get-Workflow([string] $ClusterName, [string] $Extra = '') {
        # Istio's guide as one pipeline, as README's Azure DevOps step writes it.
        @"
`$result = Get-IstioDiscoveryAddress -Context cluster1 -Wait -Timeout 00:01:00 |
    New-IstioRemoteInstallSpec -ClusterName $ClusterName -Network network1 -MeshId mesh1 $Extra |
    Install-IstioRemote -Context cluster2 |
    Wait-IstioControlPlane -Timeout 00:02:00 |
    Publish-IstioRemoteSecret -PrimaryContext cluster1
"RESULT `$(`$result.Action) `$(`$result.SecretName)"
"@
    }
}

AfterAll { Remove-Item Env:ISTIOCTL_STANDIN_VERSION -ErrorAction SilentlyContinue; Stop-MeshSandbox }

Describe 'A pipeline task script' {
    It 'runs the Azure DevOps step of the README as is, with the kubeconfig in $env:KUBECONFIG' {
        $readme = Get-Content -LiteralPath (Join-Path $root 'README.md') -Raw
        $step = [regex]::Match($readme, '(?s)## Azure DevOps.*?```yaml\n(.*?)```').Groups[1].Value
        $step | Should -Match 'pwsh: true'
        # The inline script: the lines under "script: |", their indentation removed.
        $lines = @($step -split "`n")
        $at = @(0..($lines.Count - 1) | Where-Object { $lines[$_] -match 'script: \|' })[0]
        $block = @($lines | Select-Object -Skip ($at + 1) | Where-Object { $_.Trim() })
        $indent = $block[0].Length - $block[0].TrimStart().Length
        $script = ($block | ForEach-Object { $_.Substring($indent) }) -join "`n"
        $script | Should -Match "ErrorActionPreference = 'Stop'"

        $environment = $taskEnvironment.Clone()
        $environment.KUBECONFIG = $sandbox.KubeConfig
        # The module where an earlier step's Install-PSResource would have put it: on the module path, found by name.
        $environment.PSModulePath = Split-Path (Split-Path $manifestPath)
        $script | Should -Match '(?m)^Import-Module MeshCluster$'
        $run = Invoke-MeshPwsh -Script ($script + "`n'STEP DONE'") -Environment $environment -WorkingDirectory $root
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.StdOut | Should -Match 'STEP DONE'
        $run.StdErr | Should -BeNullOrEmpty
    }

    It 'runs the whole workflow with -KubeConfig from $PSDefaultParameterValues and exits 0' {
        $name = New-MeshName 'ado'
        $script = "`$ErrorActionPreference = 'Stop'`nImport-Module '$manifestPath'`n" +
        "`$PSDefaultParameterValues['*-Istio*:KubeConfig'] = '$($sandbox.KubeConfig)'`n" + (Get-Workflow $name)
        $run = Invoke-MeshPwsh -Script $script -Environment $taskEnvironment
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.StdOut | Should -Match "RESULT Created istio-remote-secret-$name"
        $run.StdErr | Should -BeNullOrEmpty
    }

    It 'stops at the first failing step, exits non-zero and shows the error id in the log' {
        $script = "`$ErrorActionPreference = 'Stop'`nImport-Module '$manifestPath'`n" +
        "Get-IstioDiscoveryAddress -Context cluster1 -ServiceName istio-ingressgateway-canary -KubeConfig '$($sandbox.KubeConfig)'`n'NOT REACHED'"
        $run = Invoke-MeshPwsh -Script $script -Environment $taskEnvironment
        $run.ExitCode | Should -Not -Be 0
        $run.Text | Should -Match 'DiscoveryAddressPending'
        $run.Text | Should -Not -Match 'NOT REACHED'
    }

    It 'ends a pipeline whose control plane never gets ready before it publishes, naming why' {
        $name = New-MeshName 'crash'
        $script = "`$ErrorActionPreference = 'Stop'`nImport-Module '$manifestPath'`n" +
        "`$PSDefaultParameterValues['*-Istio*:KubeConfig'] = '$($sandbox.KubeConfig)'`n" +
        ((Get-Workflow $name "-Values @{ global = @{ istioNamespace = 'istio-crashloop' } }") -replace '00:02:00', '00:00:05')
        $run = Invoke-MeshPwsh -Script $script -Environment $taskEnvironment
        $run.ExitCode | Should -Not -Be 0
        $run.Text | Should -Match 'ControlPlaneNotReady'
        $run.Text | Should -Match 'CrashLoopBackOff'
        $run.Text | Should -Not -Match 'RESULT'
    }
}

Describe 'Debug output under -NonInteractive' {
    It 'fails with -Debug on a compiled cmdlet that writes Verbose (PowerShell''s rule the README warns about)' {
        $script = "`$ErrorActionPreference = 'Stop'`nImport-Module '$manifestPath'`n" +
        "Get-IstioDiscoveryAddress -Context cluster1 -KubeConfig '$($sandbox.KubeConfig)' -Debug`n'NOT REACHED'"
        $run = Invoke-MeshPwsh -Script $script -Environment $taskEnvironment
        $run.ExitCode | Should -Not -Be 0
        $run.Text | Should -Match 'NonInteractive mode'
    }

    It 'shows debug and verbose lines with $DebugPreference and $VerbosePreference set to Continue, and succeeds' {
        $name = New-MeshName 'debug'
        $script = "`$ErrorActionPreference = 'Stop'`n`$DebugPreference = 'Continue'`n`$VerbosePreference = 'Continue'`n" +
        "Import-Module '$manifestPath' -Verbose:`$false`n`$PSDefaultParameterValues['*-Istio*:KubeConfig'] = '$($sandbox.KubeConfig)'`n" + (Get-Workflow $name)
        $run = Invoke-MeshPwsh -Script $script -Environment $taskEnvironment
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.StdOut | Should -Match "RESULT Created istio-remote-secret-$name"
        $run.Text | Should -Match 'DEBUG: '
        $run.Text | Should -Match 'VERBOSE: istioctl: '
        Find-MeshSecret -Text $run.Text -Secret (Get-MeshSecret -Sandbox $sandbox) | Should -BeNullOrEmpty
    }
}

Describe 'Warnings on the success path' {
    It 'are none in the guide''s workflow but the one a loopback API server deserves' {
        # -Debug turns every warning into a prompt: a needless one would fail a pipeline.
        $name = New-MeshName 'quiet'
        $kubeConfig = $sandbox.KubeConfig
        $warnings = @()
        Get-IstioDiscoveryAddress -Context cluster1 -KubeConfig $kubeConfig -WarningVariable +warnings -WarningAction SilentlyContinue |
            New-IstioRemoteInstallSpec -ClusterName $name -Network network1 -MeshId mesh1 -WarningVariable +warnings -WarningAction SilentlyContinue |
            Install-IstioRemote -Context cluster2 -KubeConfig $kubeConfig -IstioctlPath $sandbox.Istioctl -WarningVariable +warnings -WarningAction SilentlyContinue |
            Wait-IstioControlPlane -KubeConfig $kubeConfig -WarningVariable +warnings -WarningAction SilentlyContinue |
            Publish-IstioRemoteSecret -PrimaryContext cluster1 -KubeConfig $kubeConfig -WarningVariable +warnings -WarningAction SilentlyContinue -ErrorAction Stop |
            Out-Null
        @($warnings).Count | Should -Be 1 -Because ($warnings -join ' | ')
        "$($warnings[0])" | Should -Match 'loopback address'
    }
}

Describe 'The example pipeline (examples/azure-pipelines.yml), each PowerShell step as the agent runs it' -Skip:$IsWindows {
    BeforeAll {
        $pipeline = Join-Path $root 'examples' 'azure-pipelines.yml'

        function Get-PipelineStep([string] $Path) {
            # The steps of the file: task, displayName, whether pwsh, the env: block (name -> value) and the inline script.
            $lines = @(Get-Content -LiteralPath $Path)
            $at = [array]::IndexOf($lines, 'steps:')
            $items = [System.Collections.Generic.List[object]]::new()
            foreach ($line in $lines | Select-Object -Skip ($at + 1)) {
                if ($line -match '^- ') { $items.Add([System.Collections.Generic.List[string]]::new()) }
                elseif ($line -match '^[^\s#]') { break } # the next top-level key; comments between steps stay
                if ($items.Count) { $items[$items.Count - 1].Add($line) }
            }
            foreach ($item in $items) {
                $environment = [ordered]@{}
                $script = $null
                for ($i = 0; $i -lt $item.Count; $i++) {
                    if ($item[$i] -eq '  env:') {
                        while ($i + 1 -lt $item.Count -and $item[$i + 1] -match '^(    \S|\s*#)') {
                            $i++
                            if ($item[$i] -match '^    (\w+): (.*)$') { $environment[$Matches[1]] = $Matches[2] }
                        }
                    }
                    if ($item[$i] -match '^(\s+)script: \|$') {
                        $indent = $Matches[1].Length
                        # The block: the lines below, up to the first one indented no deeper than 'script:'.
                        $body = [System.Collections.Generic.List[string]]::new()
                        for ($j = $i + 1; $j -lt $item.Count; $j++) {
                            if ($item[$j].Trim() -and ($item[$j].Length - $item[$j].TrimStart().Length) -le $indent) { break }
                            $body.Add($item[$j])
                        }
                        $margin = ($body | Where-Object { $_.Trim() } | ForEach-Object { $_.Length - $_.TrimStart().Length } | Measure-Object -Minimum).Minimum
                        $script = ($body | ForEach-Object { if ($_.Length -ge $margin) { $_.Substring($margin) } else { '' } }) -join "`n"
                    }
                }
                [pscustomobject]@{
                    Task        = [regex]::Match($item[0], '^- (?:task: )?([^:\s]+)').Groups[1].Value
                    DisplayName = ($item | Where-Object { $_ -match '^\s+displayName: (.*)$' } | ForEach-Object { $Matches[1] } | Select-Object -First 1)
                    Pwsh        = [bool]($item -match '^\s+pwsh: true$')
                    Environment = $environment
                    Script      = $script
                }
            }
        }

        $steps = @(Get-PipelineStep $pipeline)
        $powershellSteps = @($steps | Where-Object Task -eq 'PowerShell@2')

        # The agent, played here: a HOME of its own (where the install step's Install-PSResource puts the module and
        # PSResourceGet its repositories), an empty module path, the predefined variables the scripts read, and a
        # value for every name a step's env: block maps. The feed is a file repository holding the package
        # ./build.ps1 -Task Package makes; the mesh root, two "secure files" beside the sandbox's kubeconfig, made
        # once per sandbox so that the trust step finds the clusters as a second run of the pipeline would.
        $package = Get-MeshPackage
        $feed = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'feed')
        Copy-Item -LiteralPath $package.Path -Destination $feed
        $rootFolder = Join-Path (Split-Path $sandbox.KubeConfig) 'pester-mesh-root'
        if (-not (Test-Path -LiteralPath (Join-Path $rootFolder 'root-key.pem'))) {
            New-IstioCertificateAuthority -Path $rootFolder -KeyAlgorithm Ecdsa | Out-Null
        }
        $remoteName = New-MeshName 'ado'
        $feedToken = 'pester-feed-token-' + [guid]::NewGuid().ToString('N')
        $staging = Join-Path $TestDrive 'staging'
        $agentHome = Join-Path $TestDrive 'agent-home'
        $stepValues = @{
            MESHCLUSTER_FEED_URL   = "$feed"
            MESHCLUSTER_VERSION    = $package.Version
            # A file repository takes no credential: the token only goes through the script's credential path.
            MESHCLUSTER_FEED_TOKEN = $feedToken
            KUBECONFIG             = $sandbox.KubeConfig
            ISTIOCTL               = $sandbox.Istioctl
            MESH_ROOT_CERT         = Join-Path $rootFolder 'root-cert.pem'
            MESH_PRIMARY_CONTEXT   = 'cluster1'
            MESH_PRIMARY_CLUSTER   = 'cluster1'
            MESH_REMOTE_CONTEXT    = 'cluster2'
            MESH_REMOTE_CLUSTER    = $remoteName
            MESH_REMOTE_SERVER     = ''
            MESH_NETWORK           = 'network1'
            MESH_ID                = 'mesh1'
        }
        $agent = @{
            HOME = $agentHome; XDG_DATA_HOME = $null; XDG_CONFIG_HOME = $null; XDG_CACHE_HOME = $null; PSModulePath = ''
            BUILD_ARTIFACTSTAGINGDIRECTORY = $staging; AGENT_TEMPDIRECTORY = (Join-Path $TestDrive 'agent-temp'); SYSTEM_DEBUG = 'true'
            MESHCLUSTER_SANDBOX = $null; KUBECONFIG = $null; ISTIOCTL = $null
        }
        $secrets = @(Get-MeshSecret -Sandbox $sandbox -Extra $feedToken)

        function Invoke-PipelineStep([string] $DisplayName) {
            $step = $powershellSteps | Where-Object DisplayName -eq $DisplayName
            $step | Should -Not -BeNullOrEmpty -Because "the pipeline has a step '$DisplayName'"
            $environment = $agent.Clone()
            foreach ($name in $step.Environment.Keys) {
                $stepValues.ContainsKey($name) | Should -BeTrue -Because "the test plays the agent for '$name' of step '$DisplayName'"
                $environment[$name] = $stepValues[$name]
            }
            $run = Invoke-MeshPwsh -Script $step.Script -Environment $environment -WorkingDirectory $TestDrive
            $run.ExitCode | Should -Be 0 -Because $run.Text
            $run.StdErr | Should -BeNullOrEmpty
            Find-MeshSecret -Text $run.Text -Secret $secrets | Should -BeNullOrEmpty
            $run
        }

        function Read-Artifact([string] $Name) {
            $file = Join-Path $staging 'meshcluster' $Name
            $file | Should -Exist
            $text = Get-Content -LiteralPath $file -Raw
            Find-MeshSecret -Text $text -Secret $secrets | Should -BeNullOrEmpty -Because "$Name goes into a pipeline artifact"
            $text | ConvertFrom-Json
        }
    }

    AfterAll {
        # The remote secret this run added to cluster1; the sandbox's own fixtures stay.
        Remove-IstioRemoteSecret -Context cluster1 -ClusterName $remoteName -KubeConfig $sandbox.KubeConfig -ErrorAction Ignore | Out-Null
    }

    It 'has PowerShell steps that run in pwsh, stop on the first error, never pass -Debug and read only their environment' {
        $powershellSteps.DisplayName | Should -Be @(
            'Install MeshCluster from the feed', 'Configure trust (one root, a cacerts per cluster)',
            'Add the remote cluster (the guide''s five steps)', 'Check the mesh')
        foreach ($step in $powershellSteps) {
            $step.Pwsh | Should -BeTrue -Because "$($step.DisplayName) must run in PowerShell 7 (pwsh: true)"
            $step.Script | Should -Match "^\`$ErrorActionPreference = 'Stop'"
            $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($step.Script, [ref] $null, [ref] $errors)
            $errors | Should -BeNullOrEmpty
            $debug = $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandParameterAst] -and $node.ParameterName -eq 'Debug' }, $true)
            @($debug) | Should -BeNullOrEmpty -Because "$($step.DisplayName) runs under -NonInteractive"
            # Azure DevOps would replace $(name) macros before the script runs: the scripts take env: values instead.
            $step.Script | Should -Not -Match '\$\(\w+(\.\w+)*\)'
        }
        $steps | Where-Object Task -eq 'publish' | Should -Not -BeNullOrEmpty -Because 'the objects are published as a pipeline artifact'
    }

    It 'installs MeshCluster from the feed with PSResourceGet, for the later steps to import by name' {
        $run = Invoke-PipelineStep 'Install MeshCluster from the feed'
        $run.StdOut | Should -Match "MeshCluster\s+$([regex]::Escape(($package.Version -split '-')[0]))"
        Join-Path $agentHome '.local' 'share' 'powershell' 'Modules' 'MeshCluster' (($package.Version -split '-')[0]) 'MeshCluster.psd1' | Should -Exist
        # Run again (a self-hosted agent keeps its HOME): the repository is there already, and so is the module.
        $again = Invoke-PipelineStep 'Install MeshCluster from the feed'
        $again.ExitCode | Should -Be 0
    }

    It 'configures trust with the root from the secure files, and keeps it on a second run' {
        $run = Invoke-PipelineStep 'Configure trust (one root, a cacerts per cluster)'
        $run.Text | Should -Match 'DEBUG: |VERBOSE: ' -Because 'System.Debug turns on the debug and verbose preferences'
        $root = Get-IstioCertificateAuthority -Path $rootFolder
        $trust = Test-IstioMeshTrust -Context cluster1, cluster2 -KubeConfig $sandbox.KubeConfig
        $trust.State | Should -Be @('Cacerts', 'Cacerts')
        $trust.RootThumbprint | Should -Be @($root.Thumbprint, $root.Thumbprint)
        $again = Invoke-PipelineStep 'Configure trust (one root, a cacerts per cluster)'
        $again.StdOut | Should -Match 'cluster1: cacerts of this root until .*, kept'
        $again.StdOut | Should -Match 'cluster2: cacerts of this root until .*, kept'
        @(Read-Artifact 'cluster-certificates.json').Count | Should -Be 0 -Because 'the second run published nothing'
    }

    It 'adds the remote cluster with the guide''s five steps and keeps each step''s object as JSON' {
        $run = Invoke-PipelineStep 'Add the remote cluster (the guide''s five steps)'
        $run.Text | Should -Match 'VERBOSE: istioctl: '
        (Read-Artifact 'discovery-address.json').Address | Should -Be $sandbox.DiscoveryAddress
        (Read-Artifact 'install-spec.json').ClusterName | Should -Be $remoteName
        (Read-Artifact 'install.json').ExitCode | Should -Be 0
        (Read-Artifact 'control-plane.json').Ready | Should -BeTrue
        $secret = Read-Artifact 'remote-secret.json'
        $secret.SecretName | Should -Be "istio-remote-secret-$remoteName"
        $secret.Action | Should -Be 'Created'
    }

    It 'checks the new remote and the mesh trust, and would fail the run on an unhealthy remote' {
        $run = Invoke-PipelineStep 'Check the mesh'
        $health = Read-Artifact 'remote-health.json'
        $health.ClusterName | Should -Be $remoteName
        $health.Healthy | Should -BeTrue
        @(Read-Artifact 'mesh-trust.json').SharesOneRoot | Should -Be @($true, $true)
        $run.StdOut | Should -Match $remoteName

        # A remote the primary has no secret for: the same step fails the run, naming it.
        $step = $powershellSteps | Where-Object DisplayName -eq 'Check the mesh'
        $environment = $agent.Clone()
        foreach ($name in $step.Environment.Keys) { $environment[$name] = $stepValues[$name] }
        $environment.MESH_REMOTE_CLUSTER = New-MeshName 'absent'
        $failing = Invoke-MeshPwsh -Script $step.Script -Environment $environment -WorkingDirectory $TestDrive
        $failing.ExitCode | Should -Not -Be 0
        $failing.Text | Should -Match $environment.MESH_REMOTE_CLUSTER
    }
}
