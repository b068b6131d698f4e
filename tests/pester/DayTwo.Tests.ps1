# Pester 5: what only a real pwsh shows of the day-two cmdlets (the views, rendered; help as Get-Help prints it).
# Standalone: needs the built module (out/MeshCluster), no cluster.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '..' '..' 'out' 'MeshCluster' 'MeshCluster.psd1') -Force
    $check = { param($name, $status, $detail) [MeshCluster.IstioRemoteClusterCheck]::new($name, $status, $detail) }
}

Describe 'Day-two views' {
    It 'shows one line per remote, with the first failure as its summary' {
        [MeshCluster.IstioRemoteClusterCheck[]] $checks = @(
            & $check 'Format' 'Passed' 'ok'
            & $check 'Server' 'Passed' 'answers'
            & $check 'Tls' 'Passed' 'verified'
            & $check 'Authentication' 'Passed' 'accepted'
            & $check 'Authorization' 'Failed' 'Missing 3 of 21 rights: may not get, list, watch secrets.'
            & $check 'TokenExpiry' 'Passed' 'never')
        $health = [MeshCluster.IstioRemoteClusterHealth]::new('east', 'istio-remote-secret-east', 'istio-system', 'primary', 'https://east.example:6443', $checks, [timespan]::FromMilliseconds(1234))
        $health.Healthy | Should -BeFalse
        $lines = ($health | Format-Table | Out-String -Width 250).Trim() -split "`n"
        $lines.Count | Should -Be 3 # header, rule, one row
        $lines[2] | Should -Match '^east\s+False\s+1\.2 s\s+https://east\.example:6443\s+Authorization failed: Missing 3 of 21 rights'
        ($health.Checks | Format-Table | Out-String -Width 250) | Should -Match 'Authorization\s+Failed\s+Missing'
    }

    It 'shows a remote secret without its token and says when the token expires' {
        $info = [MeshCluster.IstioRemoteSecretInfo]::new('east', 'istio-remote-secret-east', 'istio-system', 'primary', 'https://east.example:6443',
            [MeshCluster.RemoteAuthType]::Token, 'istio-reader-service-account', 'istio-system', [datetimeoffset]'2031-01-01T00:00:00Z', $null, '7', [string[]]@())
        ($info | Format-Table | Out-String -Width 250) | Should -Match 'east\s+istio-remote-secret-east\s+https://east\.example:6443\s+Token\s+2031-01-01 00:00:00Z'
    }
}

Describe 'Day-two help' {
    It 'documents <_> with examples and switches as Get-Help shows them' -ForEach 'Get-IstioRemoteSecret', 'Test-IstioRemoteCluster', 'Remove-IstioRemoteSecret' {
        $help = Get-Help $_ -Full
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 3
        ($help.Syntax | Out-String -Width 400) | Should -Not -Match '<SwitchParameter>'
    }

    It 'says in the help what happens when a time-bound token is not renewed' {
        (Get-Help Publish-IstioRemoteSecret -Parameter TokenLifetime | Out-String) | Should -Match 'istiod loses the remote cluster'
    }
}
