# New-IstioRemoteInstallSpec in a real pwsh: PowerShell's own values (hashtable literals, [ordered],
# [pscustomobject], arrays), PowerShell paths and drives, -WhatIf as the console shows it.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    $manifestPath = Get-MeshModuleManifest
    Import-Module $manifestPath
    $sandbox = Start-MeshSandbox
    $PSDefaultParameterValues = @{ '*-Istio*:KubeConfig' = $sandbox.KubeConfig }
    $cmdlet = 'MeshCluster.Commands.NewIstioRemoteInstallSpecCommand'
}

AfterAll { Stop-MeshSandbox }

Describe 'New-IstioRemoteInstallSpec' {
    It 'takes the discovery address from the pipeline and shows the spec in its table' {
        $spec = Get-IstioDiscoveryAddress -Context cluster1 | New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1
        $spec.RemotePilotAddress | Should -Be $sandbox.DiscoveryAddress
        $spec.Yaml | Should -Match "remotePilotAddress: `"$([regex]::Escape($sandbox.DiscoveryAddress))`""
        $lines = @(($spec | Out-String -Width 120).Trim() -split '\r?\n')
        $lines[0] | Should -Match '^ClusterName\s+Network\s+MeshId\s+RemotePilotAddress\s+Profile\s+Path$'
        $lines[2] | Should -Match '^cluster2\s+network1\s+mesh1\s+192\.0\.2\.10\s+Default\s+\(not written\)$'
        "$spec" | Should -Be 'cluster2'
    }

    It 'writes -Values given as pwsh literals: nested and [ordered] hashtables, [pscustomobject], arrays, numbers, booleans, null' {
        $values = @{
            global = [ordered]@{ proxy = [pscustomobject]@{ resources = @{ requests = @{ cpu = '100m' } } }; logAsJson = $true }
            pilot  = [ordered]@{ replicaCount = 2; traceSampling = 0.5; env = @('A', 'B'); version = '1.10'; nothing = $null }
        }
        $yaml = (New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -Values $values).Yaml
        $yaml | Should -Match '(?m)^      meshID: mesh1$' -Because 'the named values stay beside the merged ones'
        $yaml | Should -Match '(?m)^      proxy:\n        resources:\n          requests:\n            cpu: "100m"$'
        $yaml | Should -Match '(?m)^      logAsJson: true$'
        $yaml | Should -Match '(?m)^    pilot:\n      replicaCount: 2\n      traceSampling: 0.5\n      env:\n      - A\n      - B\n      version: "1.10"\n      nothing: null$'
    }

    It 'writes -Path relative to the PowerShell location, or on a PowerShell drive, creating folders' {
        Push-Location -LiteralPath $TestDrive
        try {
            $spec = New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -Path ./relative/install.yaml
        }
        finally { Pop-Location }
        $spec.Path | Should -Be (Join-Path $TestDrive 'relative' 'install.yaml')
        Get-Content -LiteralPath $spec.Path -Raw | Should -Be $spec.Yaml

        $onDrive = New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -Path TestDrive:/drive/install.yaml
        $onDrive.Path | Should -Be (Join-Path $TestDrive 'drive' 'install.yaml') -Because 'the object holds a file-system path istioctl can read'
        $onDrive.Path | Should -Exist
    }

    It 'keeps an existing file unless -Force, with InstallSpecFileExists' {
        $path = Join-Path $TestDrive 'kept.yaml'
        Set-Content -LiteralPath $path -Value 'mine'
        { New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -Path $path -ErrorAction Stop } |
            Should -Throw -ErrorId "InstallSpecFileExists,$cmdlet"
        Get-Content -LiteralPath $path | Should -Be 'mine'
        New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -Path $path -Force | Out-Null
        Get-Content -LiteralPath $path -Raw | Should -Match 'kind: IstioOperator'
    }

    It 'says under -WhatIf which file it would write, and writes none' {
        $folder = Join-Path $TestDrive 'whatif'
        $run = Invoke-MeshPwsh -Script "Import-Module '$manifestPath'; New-IstioRemoteInstallSpec -ClusterName cluster2 -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -Path '$folder/install.yaml' -WhatIf"
        $run.ExitCode | Should -Be 0
        $run.StdOut | Should -Match "What if: .*cluster 'cluster2'.*$([regex]::Escape($folder))/install\.yaml"
        $folder | Should -Not -Exist
    }

    It 'rejects a cluster name that is no DNS-1123 label, and an empty value, by stable ids, writing nothing' {
        $path = Join-Path $TestDrive 'bad.yaml'
        $err = { New-IstioRemoteInstallSpec -ClusterName Cluster_2 -Network network1 -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -Path $path -ErrorAction Stop } |
            Should -Throw -ErrorId "ClusterNameInvalid,$cmdlet" -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        { New-IstioRemoteInstallSpec -ClusterName cluster2 -Network '' -MeshId mesh1 -RemotePilotAddress 192.0.2.10 -ErrorAction Stop } |
            Should -Throw -ErrorId "InstallSpecValueEmpty,$cmdlet"
        $path | Should -Not -Exist
    }
}
