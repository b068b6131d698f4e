# Wait-IstioControlPlane in a real pwsh against the sandbox: in cluster2 the simulated kubelet makes
# pods of istio-system ready and pods of istio-crashloop crash. The istioctl stand-in plays the Istio
# version each form belongs to: 1.7.8 for the guide's form (an istiod in the remote), 1.26.8 for
# Istio 1.24+'s profile remote (no pods in the remote).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    Import-Module (Get-MeshModuleManifest)
    $sandbox = Start-MeshSandbox
    $PSDefaultParameterValues = @{ '*-Istio*:KubeConfig' = $sandbox.KubeConfig; 'Install-IstioRemote:IstioctlPath' = $sandbox.Istioctl }
    $cmdlet = 'MeshCluster.Commands.WaitIstioControlPlaneCommand'
    $savedVersion = $env:ISTIOCTL_STANDIN_VERSION
    # The guide's form, installed by the stand-in as the guide's istioctl (istioctl 1.24+ is refused it).
    $env:ISTIOCTL_STANDIN_VERSION = '1.7.8'
    $installed = New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress $sandbox.DiscoveryAddress |
        Install-IstioRemote -Context cluster2
    # The remote profile in a namespace of its own (values.global.istioNamespace), so both forms live side by side.
    $remoteNamespace = New-MeshName 'remote'
    $env:ISTIOCTL_STANDIN_VERSION = '1.26.8'
    $remote = New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress $sandbox.DiscoveryAddress `
        -Profile Remote -PrimaryClusterName cluster1 -Values @{ global = @{ istioNamespace = $remoteNamespace } } |
        Install-IstioRemote -Context cluster2
    $env:ISTIOCTL_STANDIN_VERSION = $savedVersion
}

AfterAll {
    $env:ISTIOCTL_STANDIN_VERSION = $savedVersion
    Stop-MeshSandbox
}

Describe 'Wait-IstioControlPlane' {
    It 'takes Context, ClusterName, Namespace and Form from Install-IstioRemote''s result and returns the ready control plane' {
        $installed.Form | Should -Be 'Istiod'
        $status = $installed | Wait-IstioControlPlane -Timeout 00:02:00
        $status | Should -BeOfType ([MeshCluster.IstioControlPlaneStatus])
        $status.Ready | Should -BeTrue
        $status.Form | Should -Be ([MeshCluster.ControlPlaneForm]::Istiod)
        $status.Context, $status.ClusterName, $status.Namespace | Should -Be @('cluster2', 'cluster2', 'istio-system')
        $lines = @(($status | Out-String -Width 120).Trim() -split '\r?\n')
        $lines[0] | Should -Match '^Context\s+ClusterName\s+Namespace\s+Form\s+Ready\s+Status$'
        $lines[2] | Should -Match '^cluster2\s+cluster2\s+istio-system\s+Istiod\s+True\s+istiod-\S+ 1/1 Running; 1/1 deployments available$'
    }

    It 'shows its pods as kubectl get pod does' {
        $pods = (Wait-IstioControlPlane -Context cluster2 -Timeout 00:02:00).Pods
        $lines = @(($pods | Out-String -Width 120).Trim() -split '\r?\n')
        $lines[0] | Should -Match '^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$'
        $lines[2] | Should -Match '^istiod-[a-z0-9]+-[a-z0-9]+\s+1/1\s+Running\s+0\s+\d+(s|m\d*s?|m)$'
    }

    It 'waits for a remote-profile cluster''s objects, not pods, and shows them as a table' {
        $remote.Form | Should -Be 'Remote'
        $status = $remote | Wait-IstioControlPlane -Timeout 00:02:00
        $status.Form | Should -Be ([MeshCluster.ControlPlaneForm]::Remote)
        $status.Ready | Should -BeTrue
        $status.Pods | Should -BeNullOrEmpty
        $status.Checks.Count | Should -Be 8
        $lines = @(($status | Out-String -Width 120).Trim() -split '\r?\n')
        $lines[2] | Should -Match "^cluster2\s+cluster2\s+$remoteNamespace\s+Remote\s+True\s+8/8 objects ready$"
        $checks = @(($status.Checks | Out-String -Width 120).Trim() -split '\r?\n')
        $checks[0] | Should -Match '^Kind\s+Name\s+Ready\s+Detail$'
        ($checks -match "^MutatingWebhookConfiguration\s+istio-sidecar-injector-$remoteNamespace\s+True\s+4 webhooks call") | Should -Not -BeNullOrEmpty
        ($status.Checks | Where-Object Kind -eq 'MutatingWebhookConfiguration').Detail | Should -Match "istiod\.$remoteNamespace`:443/inject/cluster/cluster2/net/network1"
        ($checks | Where-Object { $_ -match '^Endpoints\s+istiod\s+True\s+' }) | Should -Not -BeNullOrEmpty
    }

    It 'reads the form from the cluster when nothing says it, and keeps it by name through CLIXML and JSON' {
        $status = Wait-IstioControlPlane -Context cluster2 -Namespace $remoteNamespace -Timeout 00:01:00
        $status.Form | Should -Be 'Remote'
        $file = Join-Path $TestDrive 'status.clixml'
        $status | Export-Clixml -LiteralPath $file
        (Import-Clixml -LiteralPath $file).Form | Should -BeExactly 'Remote'
        ($status | ConvertTo-Json -Depth 3 -EnumsAsStrings | ConvertFrom-Json).Form | Should -BeExactly 'Remote'
    }

    It 'fails with ControlPlaneNotReady naming what a remote-profile cluster lacks, its checks in the error' {
        # -Form Remote on a namespace where no remote was installed: the namespace and the CRDs are there, the rest is not.
        $output = Wait-IstioControlPlane -Context cluster2 -Namespace default -Form Remote -Timeout 00:00:03 -ErrorVariable notReady -ErrorAction SilentlyContinue
        $output | Should -BeNullOrEmpty
        $notReady.Count | Should -Be 1
        $notReady[0].FullyQualifiedErrorId | Should -Be "ControlPlaneNotReady,$cmdlet"
        $text = "$($notReady[0])"
        $text | Should -Match 'MutatingWebhookConfiguration istio-sidecar-injector-default: missing'
        $text | Should -Match 'Service istiod: missing'
        $text | Should -Match '\[ControlPlaneNotReady\]$'
        $missing = @($notReady[0].TargetObject.Checks | Where-Object Ready -eq $false)
        $missing.Kind | Should -Be @('ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'Service', 'Endpoints')
        # What a pipeline log shows: the error view of a -NonInteractive pwsh names the missing objects and the id.
        $run = Invoke-MeshPwsh -Script @"
Import-Module '$(Get-MeshModuleManifest)'
Wait-IstioControlPlane -KubeConfig '$($sandbox.KubeConfig)' -Context cluster2 -Namespace default -Form Remote -Timeout 00:00:02 -ErrorAction Stop
"@
        $run.ExitCode | Should -Not -Be 0
        $run.Text | Should -Match 'istio-sidecar-injector-default'
        $run.Text | Should -Match 'ControlPlaneNotReady'
    }

    It 'fails with ControlPlaneNotReady naming each pod''s reason, its error carrying the pods, and returns nothing' {
        $saved = $env:ISTIOCTL_STANDIN_VERSION
        $env:ISTIOCTL_STANDIN_VERSION = '1.7.8'
        try {
            New-IstioRemoteInstallSpec -ClusterName crashing -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -Values @{ global = @{ istioNamespace = 'istio-crashloop' } } |
                Install-IstioRemote -Context cluster2 | Out-Null
        }
        finally { $env:ISTIOCTL_STANDIN_VERSION = $saved }
        # Example 3 of the help, in the namespace whose pods crash.
        $output = Wait-IstioControlPlane -Context cluster2 -Namespace istio-crashloop -Timeout 00:00:03 -ErrorVariable notReady -ErrorAction SilentlyContinue
        $output | Should -BeNullOrEmpty
        $notReady.Count | Should -Be 1
        $notReady[0].FullyQualifiedErrorId | Should -Be "ControlPlaneNotReady,$cmdlet"
        $notReady[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        "$($notReady[0])" | Should -Match 'CrashLoopBackOff'
        ($notReady[0].TargetObject.Pods | Out-String -Width 120) | Should -Match 'istiod-\S+\s+0/1\s+CrashLoopBackOff\s+3\s'
    }

    It 'warns that a namespace does not exist yet, and fails with ControlPlaneNamespaceNotFound when it never comes' {
        $namespace = New-MeshName 'never'
        $caught = try { Wait-IstioControlPlane -Context cluster2 -Namespace $namespace -Timeout 00:00:02 -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop } catch { $_ }
        $caught.FullyQualifiedErrorId | Should -Be "ControlPlaneNamespaceNotFound,$cmdlet"
        "$warnings" | Should -Match ([regex]::Escape($namespace))
    }

    It 'needs -Context, and rejects a -Timeout that is not positive with ControlPlaneTimeoutInvalid' {
        (Get-Command Wait-IstioControlPlane).Parameters.Context.Attributes.Where({ $_ -is [Parameter] }).Mandatory | Should -Contain $true
        { Wait-IstioControlPlane -Context cluster2 -Timeout 0 -ErrorAction Stop } | Should -Throw -ErrorId "ControlPlaneTimeoutInvalid,$cmdlet"
    }
}
