# Publish-IstioRemoteSecret in a real pwsh against the sandbox: cluster2 is the remote (the istioctl
# stand-in installs its reader service account), cluster1 the primary. Each test publishes under a
# cluster name of its own. The sandbox's servers are on 127.0.0.1, which earns a warning every time.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    $manifestPath = Get-MeshModuleManifest
    Import-Module $manifestPath
    $sandbox = Start-MeshSandbox
    # The guide's form, installed by the stand-in as the guide's istioctl (istioctl 1.24+ is refused it).
    $env:ISTIOCTL_STANDIN_VERSION = '1.7.8'
    $PSDefaultParameterValues = @{
        '*-Istio*:KubeConfig'                     = $sandbox.KubeConfig
        'Install-IstioRemote:IstioctlPath'        = $sandbox.Istioctl
        'Publish-IstioRemoteSecret:WarningAction' = 'SilentlyContinue'
    }
    $cmdlet = 'MeshCluster.Commands.PublishIstioRemoteSecretCommand'
    New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress $sandbox.DiscoveryAddress |
        Install-IstioRemote -Context cluster2 | Out-Null

    # The reader token: what no stream, view or -WhatIf text may show.
    $tokenFile = Join-Path $TestDrive 'token-source.yaml'
    Publish-IstioRemoteSecret -Context cluster2 -Name token-source -OutFile $tokenFile | Out-Null
    $secrets = @(Get-MeshSecret -Sandbox $sandbox -Extra ([regex]::Match((Get-Content -LiteralPath $tokenFile -Raw), '(?m)^\s*token:\s*(\S+)').Groups[1].Value))
}

AfterAll { Remove-Item Env:ISTIOCTL_STANDIN_VERSION -ErrorAction SilentlyContinue; Stop-MeshSandbox }

Describe 'Publish-IstioRemoteSecret' {
    It 'creates the remote secret in the primary, shows where it went, and changes nothing the second time' {
        $name = New-MeshName 'pub'
        $first = Publish-IstioRemoteSecret -Context cluster2 -Name $name -PrimaryContext cluster1
        $first.Action | Should -Be 'Created'
        $first.SecretName | Should -Be "istio-remote-secret-$name"
        $lines = @(($first | Out-String -Width 120).Trim() -split '\r?\n')
        $lines[0] | Should -Match '^ClusterName\s+Action\s+Secret\s+Server\s+From\s+In$'
        $lines[2] | Should -Match "^$name\s+Created\s+istio-remote-secret-$name\s+https://127\.0\.0\.1:\d+\s+cluster2\s+cluster1/istio-system$"
        $second = Publish-IstioRemoteSecret -Context cluster2 -Name $name -PrimaryContext cluster1
        $second.Action | Should -Be 'Unchanged'
        $second.ResourceVersion | Should -Be $first.ResourceVersion
    }

    It 'takes -Context and -Name from Wait-IstioControlPlane''s result' {
        $name = New-MeshName 'piped'
        $published = Wait-IstioControlPlane -Context cluster2 -ClusterName $name -Timeout 00:02:00 | Publish-IstioRemoteSecret -PrimaryContext cluster1
        $published.ClusterName | Should -Be $name
        $published.RemoteContext | Should -Be 'cluster2'
        $published.Action | Should -Be 'Created'
    }

    It 'writes -OutFile relative to the PowerShell location, readable and writable by its owner only' -Skip:$IsWindows {
        Push-Location -LiteralPath $TestDrive
        try { $written = Publish-IstioRemoteSecret -Context cluster2 -Name gitops -OutFile ./remote-secret-gitops.yaml }
        finally { Pop-Location }
        $written.Action | Should -Be 'WrittenToFile'
        $written.Path | Should -Be (Join-Path $TestDrive 'remote-secret-gitops.yaml')
        (Get-Item -LiteralPath $written.Path).UnixFileMode | Should -Be ([System.IO.UnixFileMode] 'UserRead, UserWrite')
        Get-Content -LiteralPath $written.Path -Raw | Should -Match 'istio/multiCluster: "true"'
        ($written | Out-String -Width 120) | Should -Match ([regex]::Escape('WrittenToFile'))
    }

    It 'shows under -WhatIf what it would publish without the token, and publishes nothing' {
        $name = New-MeshName 'whatif'
        $run = Invoke-MeshPwsh -Script "Import-Module '$manifestPath'; Publish-IstioRemoteSecret -Context cluster2 -Name $name -PrimaryContext cluster1 -KubeConfig '$($sandbox.KubeConfig)' -WhatIf"
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.StdOut | Should -Match "What if: .*istio-remote-secret-$name"
        Find-MeshSecret -Text $run.Text -Secret $secrets | Should -BeNullOrEmpty
        (Publish-IstioRemoteSecret -Context cluster2 -Name $name -PrimaryContext cluster1).Action | Should -Be 'Created'
    }

    It 'names a missing service account, with the way out in the console''s error view' {
        $namespace = New-MeshName 'nosa'
        $run = Invoke-MeshPwsh -Script "Import-Module '$manifestPath'; Publish-IstioRemoteSecret -Context cluster2 -Name x -PrimaryContext cluster1 -Namespace $namespace -KubeConfig '$($sandbox.KubeConfig)' -WarningAction SilentlyContinue"
        $run.StdErr | Should -Match '\[ServiceAccountNotFound\]'
        $run.StdErr | Should -Match 'Recommendation: Add -CreateServiceAccount'
    }

    It 'creates the reader service account with -CreateServiceAccount, and uses a token secret of its own with -ForceTokenSecret' {
        $namespace = New-MeshName 'reader'
        $written = Publish-IstioRemoteSecret -Context cluster2 -Name reader -Namespace $namespace -CreateServiceAccount -ForceTokenSecret -OutFile (Join-Path $TestDrive "$namespace.yaml")
        $written.ServiceAccount | Should -Be 'istio-reader-service-account'
        $written.TokenSecretName | Should -Be 'istio-reader-service-account-istio-remote-secret-token'
        (Get-Help Publish-IstioRemoteSecret -Parameter ForceTokenSecret | Out-String) | Should -Match 'ServiceAccountTokenSecretAmbiguous'
    }

    It 'publishes both sandbox clusters at once with -ThrottleLimit 2: one result per input, each naming its context' {
        $suffix = New-MeshName 'fan'
        $inputs = 'cluster1', 'cluster2' | ForEach-Object { [pscustomobject]@{ Context = $_; Name = "$_-$suffix" } }
        # cluster1 as a remote of itself only for the test's sake: it has no reader service account of its own.
        $published = @($inputs | Publish-IstioRemoteSecret -PrimaryContext cluster1 -CreateServiceAccount -ThrottleLimit 2)
        $published.Count | Should -Be 2
        # Completion order: which comes first is not fixed, but each result says which input it is.
        ($published.RemoteContext | Sort-Object) | Should -Be @('cluster1', 'cluster2')
        foreach ($result in $published) {
            $result.ClusterName | Should -Be "$($result.RemoteContext)-$suffix" -Because 'a result carries the context of its own input'
            $result.PrimaryContext | Should -Be 'cluster1'
            $result.Action | Should -Be 'Created'
        }
        @($published.Server | Sort-Object -Unique).Count | Should -Be 2 -Because 'each token and server came from its own cluster'
        (Get-IstioRemoteSecret -Context cluster1 -ClusterName "*-$suffix" | Sort-Object ClusterName).ClusterName | Should -Be @("cluster1-$suffix", "cluster2-$suffix")
    }

    It 'rejects a -Name that is no DNS-1123 label and a -Server that is no URL, by stable ids' {
        { Publish-IstioRemoteSecret -Context cluster2 -Name Cluster_2 -PrimaryContext cluster1 -ErrorAction Stop } | Should -Throw -ErrorId "ClusterNameInvalid,$cmdlet"
        { Publish-IstioRemoteSecret -Context cluster2 -Name cluster2 -PrimaryContext cluster1 -Server 'not a url' -ErrorAction Stop } | Should -Throw -ErrorId "RemoteServerInvalid,$cmdlet"
    }
}
