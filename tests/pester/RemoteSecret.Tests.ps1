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

    It 'shows the notes where a remote secret has no problem, and the annotation that differs from the data key, at 120 columns' {
        $info = [MeshCluster.IstioRemoteSecretInfo]::new('west', 'istio-remote-secret-east', 'istio-system', 'primary', 'https://west.example:6443',
            [MeshCluster.RemoteAuthType]::Basic, $null, $null, $null, $null, '8', [string[]]@(), 'east',
            [string[]]@("The annotation networking.istio.io/cluster says 'east'; istiod goes by the data key and names this cluster 'west'."))
        $lines = ($info | Format-Table | Out-String -Width 120).Trim() -split "`n"
        $lines[0] | Should -Match '^ClusterName\s+SecretName\s+Server\s+Auth\s+TokenExpires\s+Problems'
        $lines[2] | Should -Match '^west\s+istio-remote-secret-east\s+https://west\.example:6443\s+Basic\s+Note: The annotation'
        $list = $info | Format-List * | Out-String -Width 120
        $list | Should -Match 'AnnotatedClusterName\s+: east'
        $list | Should -Match "Notes\s+: \{The annotation networking\.istio\.io/cluster says 'east'"

        # A problem wins the column; the notes stay in the property.
        $flagged = [MeshCluster.IstioRemoteSecretInfo]::new('east', 'copy-of-east', 'istio-system', 'primary', 'https://east.example:6443',
            [MeshCluster.RemoteAuthType]::ClientCertificate, $null, $null, $null, $null, '9',
            [string[]]@("Secrets istio-system/copy-of-east and istio-system/istio-remote-secret-east both claim cluster 'east'"), $null, [string[]]@('a note'))
        ($flagged | Format-Table | Out-String -Width 120) | Should -Match 'ClientCertificate\s+Secrets istio-system/copy-of-east and'
        ($flagged | Format-Table | Out-String -Width 120) | Should -Not -Match 'Note:'
    }

    It 'serializes the new auth types by name' {
        $info = [MeshCluster.IstioRemoteSecretInfo]::new('x', 's', 'n', 'c', $null, [MeshCluster.RemoteAuthType]::TokenFile, $null, $null, $null, $null, $null, [string[]]@())
        $path = Join-Path $TestDrive 'info.xml'
        $info | Export-Clixml -Path $path
        (Import-Clixml -Path $path).AuthType | Should -Be 'TokenFile'
        @((Import-Clixml -Path $path).Notes).Count | Should -Be 0
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
