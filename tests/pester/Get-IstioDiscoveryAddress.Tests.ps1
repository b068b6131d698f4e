# Get-IstioDiscoveryAddress in a real pwsh against the sandbox. Its cluster1 has three gateways:
# istio-ingressgateway (192.0.2.10), istio-eastwestgateway (a hostname) and
# istio-ingressgateway-canary (no address yet).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    Import-Module (Get-MeshModuleManifest)
    $sandbox = Start-MeshSandbox
    $PSDefaultParameterValues = @{ '*-Istio*:KubeConfig' = $sandbox.KubeConfig }
    $cmdlet = 'MeshCluster.Commands.GetIstioDiscoveryAddressCommand'
}

AfterAll { Stop-MeshSandbox }

Describe 'Get-IstioDiscoveryAddress' {
    It 'returns the ingress gateway''s address, in a table of Context, Address, AddressType and Service' {
        $address = Get-IstioDiscoveryAddress -Context cluster1
        $address | Should -BeOfType ([MeshCluster.IstioDiscoveryAddress])
        $address.Address | Should -Be $sandbox.DiscoveryAddress
        $address.AllAddresses | Should -Be @($sandbox.DiscoveryAddress)
        $lines = @(($address | Out-String -Width 120).Trim() -split '\r?\n')
        $lines[0] | Should -Match '^Context\s+Address\s+AddressType\s+Service$'
        $lines[2] | Should -Match "^cluster1\s+$([regex]::Escape($sandbox.DiscoveryAddress))\s+IP\s+istio-system/istio-ingressgateway$"
        "$address" | Should -Be $sandbox.DiscoveryAddress -Because 'in a string the object is its address'
    }

    It 'reads a relative -KubeConfig, or one on a PowerShell drive, from the PowerShell location' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'kube')
        Copy-Item -LiteralPath $sandbox.KubeConfig -Destination (Join-Path $folder 'config.yaml')
        $PSDefaultParameterValues = @{}
        Push-Location -LiteralPath $folder.FullName
        try {
            # pwsh's location is not the process's working folder: only a cmdlet that asks PowerShell finds it.
            [Environment]::CurrentDirectory | Should -Not -Be $folder.FullName
            (Get-IstioDiscoveryAddress -Context cluster1 -KubeConfig ./config.yaml).Address | Should -Be $sandbox.DiscoveryAddress
        }
        finally { Pop-Location }
        New-PSDrive -Name MeshKube -PSProvider FileSystem -Root $folder.FullName | Out-Null
        try { (Get-IstioDiscoveryAddress -Context cluster1 -KubeConfig MeshKube:/config.yaml).Address | Should -Be $sandbox.DiscoveryAddress }
        finally { Remove-PSDrive -Name MeshKube }
    }

    It 'takes -Context from piped objects by property name' {
        $addresses = @([pscustomobject]@{ Context = 'cluster1' }, [pscustomobject]@{ Context = 'cluster1' } | Get-IstioDiscoveryAddress)
        $addresses.Count | Should -Be 2
        $addresses.Context | Should -Be @('cluster1', 'cluster1')
    }

    It 'returns a hostname address with a warning of what istioctl makes of a name' {
        $address = Get-IstioDiscoveryAddress -Context cluster1 -ServiceName istio-eastwestgateway -WarningVariable warnings -WarningAction SilentlyContinue
        $address.AddressType | Should -Be 'Hostname'
        $address.Address | Should -Be 'eastwest.example.com'
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -Match 'before 1\.15'
        "$($warnings[0])" | Should -Match 'istio#45014'
        ($address | Out-String -Width 120) | Should -Match 'eastwest\.example\.com\s+Hostname\s+istio-system/istio-eastwestgateway'
    }

    It 'fails with DiscoveryAddressPending while no address is assigned, telling the user about -Wait' {
        $err = { Get-IstioDiscoveryAddress -Context cluster1 -ServiceName istio-ingressgateway-canary -ErrorAction Stop } |
            Should -Throw -ErrorId "DiscoveryAddressPending,$cmdlet" -PassThru
        $err.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        "$err" | Should -Match '-Wait'
        "$err" | Should -Match '\[DiscoveryAddressPending\]$'
    }

    It 'waits with -Wait and fails with DiscoveryAddressTimeout when -Timeout passes' {
        { Get-IstioDiscoveryAddress -Context cluster1 -ServiceName istio-ingressgateway-canary -Wait -Timeout 00:00:02 -ErrorAction Stop } |
            Should -Throw -ErrorId "DiscoveryAddressTimeout,$cmdlet"
    }

    It 'names a missing gateway, context or kubeconfig and a bad -Timeout by stable ids' {
        { Get-IstioDiscoveryAddress -Context cluster1 -ServiceName no-such-gateway -ErrorAction Stop } | Should -Throw -ErrorId "IngressGatewayNotFound,$cmdlet"
        { Get-IstioDiscoveryAddress -Context no-such-context -ErrorAction Stop } | Should -Throw -ErrorId "KubeContextNotFound,$cmdlet"
        { Get-IstioDiscoveryAddress -KubeConfig (Join-Path $TestDrive 'none.yaml') -ErrorAction Stop } | Should -Throw -ErrorId "KubeConfigNotFound,$cmdlet"
        { Get-IstioDiscoveryAddress -Context cluster1 -Timeout 0 -ErrorAction Stop } | Should -Throw -ErrorId "TimeoutInvalid,$cmdlet"
    }
}
