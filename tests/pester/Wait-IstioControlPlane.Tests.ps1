# Wait-IstioControlPlane in a real pwsh against the sandbox: in cluster2 the simulated kubelet makes
# pods of istio-system ready and pods of istio-crashloop crash.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    Import-Module (Get-MeshModuleManifest)
    $sandbox = Start-MeshSandbox
    # The guide's form, installed by the stand-in as the guide's istioctl (istioctl 1.24+ is refused it).
    $env:ISTIOCTL_STANDIN_VERSION = '1.7.8'
    $PSDefaultParameterValues = @{ '*-Istio*:KubeConfig' = $sandbox.KubeConfig; 'Install-IstioRemote:IstioctlPath' = $sandbox.Istioctl }
    $cmdlet = 'MeshCluster.Commands.WaitIstioControlPlaneCommand'
    $installed = New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress $sandbox.DiscoveryAddress |
        Install-IstioRemote -Context cluster2
}

AfterAll { Remove-Item Env:ISTIOCTL_STANDIN_VERSION -ErrorAction SilentlyContinue; Stop-MeshSandbox }

Describe 'Wait-IstioControlPlane' {
    It 'takes Context, ClusterName and Namespace from Install-IstioRemote''s result and returns the ready control plane' {
        $status = $installed | Wait-IstioControlPlane -Timeout 00:02:00
        $status | Should -BeOfType ([MeshCluster.IstioControlPlaneStatus])
        $status.Ready | Should -BeTrue
        $status.Context, $status.ClusterName, $status.Namespace | Should -Be @('cluster2', 'cluster2', 'istio-system')
        $lines = @(($status | Out-String -Width 120).Trim() -split '\r?\n')
        $lines[0] | Should -Match '^Context\s+ClusterName\s+Namespace\s+Ready\s+Pods\s+Deployments$'
        $lines[2] | Should -Match '^cluster2\s+cluster2\s+istio-system\s+True\s+istiod-\S+ 1/1 Running\s+1/1 available$'
    }

    It 'shows its pods as kubectl get pod does' {
        $pods = (Wait-IstioControlPlane -Context cluster2 -Timeout 00:02:00).Pods
        $lines = @(($pods | Out-String -Width 120).Trim() -split '\r?\n')
        $lines[0] | Should -Match '^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$'
        $lines[2] | Should -Match '^istiod-[a-z0-9]+-[a-z0-9]+\s+1/1\s+Running\s+0\s+\d+(s|m\d*s?|m)$'
    }

    It 'fails with ControlPlaneNotReady naming each pod''s reason, its error carrying the pods, and returns nothing' {
        New-IstioRemoteInstallSpec -ClusterName crashing -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -Values @{ global = @{ istioNamespace = 'istio-crashloop' } } |
            Install-IstioRemote -Context cluster2 | Out-Null
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
