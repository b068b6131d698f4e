# Pester 5 tests of the trust step's cmdlets in a real pwsh: what only a full PowerShell shows (ConvertTo-Json, Export-Clixml,
# Format-* views) must never show a private key. Publish-IstioClusterCertificate and Test-IstioMeshTrust run against the sandbox,
# each test in a namespace of its own.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    Import-Module (Get-MeshModuleManifest)

    # The base64 lines of a PEM key file: none of them may appear anywhere.
    function Get-KeyLine([string] $Path) {
        Get-Content $Path | Where-Object { $_ -and $_ -notlike '-----*' } | ForEach-Object { $_.Substring(0, [Math]::Min(24, $_.Length)) }
    }

    function Assert-NoKey([string] $Text, [string[]] $KeyFiles) {
        $Text | Should -Not -BeNullOrEmpty
        $Text | Should -Not -Match 'PRIVATE KEY'
        foreach ($line in $KeyFiles | ForEach-Object { Get-KeyLine $_ }) {
            $Text.Contains($line) | Should -BeFalse -Because "no part of a private key may show"
        }
    }

    # Every way PowerShell shows or saves an object, as one text.
    function Get-EveryView($InputObject) {
        $clixml = Join-Path $TestDrive ([guid]::NewGuid().ToString() + '.xml')
        $InputObject | Export-Clixml -Path $clixml -Depth 5
        @(
            ($InputObject | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue)
            (Get-Content $clixml -Raw)
            ($InputObject | Format-Table | Out-String)
            ($InputObject | Format-List * | Out-String)
            ($InputObject | Format-Custom | Out-String)
            "$InputObject"
        ) -join "`n"
    }
}

Describe 'New-IstioCertificateAuthority' {
    BeforeAll {
        $certs = Join-Path $TestDrive 'ca'
        $root = New-IstioCertificateAuthority -Path $certs -KeyAlgorithm Ecdsa
    }

    It 'writes root-cert.pem and an owner-only root-key.pem' {
        Join-Path $certs 'root-cert.pem' | Should -Exist
        Join-Path $certs 'root-key.pem' | Should -Exist
        if (-not $IsWindows) {
            (Get-Item (Join-Path $certs 'root-key.pem')).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
        }
    }

    It 'returns the root with its subject and SHA-256 thumbprint' {
        $root | Should -BeOfType ([MeshCluster.IstioCertificateAuthority])
        $root.Subject | Should -Be 'O=Istio, CN=Root CA'
        $root.Thumbprint | Should -Match '^[0-9A-F]{64}$'
        $root.GetCertificate().HasPrivateKey | Should -BeFalse
        $root.CertificatePem | Should -Be (Get-Content -LiteralPath (Join-Path $certs 'root-cert.pem') -Raw)
    }

    It 'shows no private key in ConvertTo-Json, Export-Clixml, any view or ToString' {
        Assert-NoKey (Get-EveryView $root) (Join-Path $certs 'root-key.pem')
        ($root | Format-Table | Out-String) | Should -Match 'O=Istio, CN=Root CA'
        ($root | Get-Member -MemberType Properties).Name | Should -Not -Contain 'PrivateKey'
    }

    It 'keeps an existing root unless -Force' {
        { New-IstioCertificateAuthority -Path $certs -KeyAlgorithm Ecdsa -ErrorAction Stop } |
            Should -Throw -ErrorId 'CertificateAuthorityExists,MeshCluster.Commands.NewIstioCertificateAuthorityCommand'
        (New-IstioCertificateAuthority -Path $certs -KeyAlgorithm Ecdsa -Force).Thumbprint | Should -Not -Be $root.Thumbprint
    }

    It 'writes nothing under -WhatIf' {
        New-IstioCertificateAuthority -Path (Join-Path $TestDrive 'whatif') -WhatIf | Should -BeNullOrEmpty
        Join-Path $TestDrive 'whatif' | Should -Not -Exist
    }
}

Describe 'Get-IstioCertificateAuthority' {
    BeforeAll {
        $certs = Join-Path $TestDrive 'read'
        $made = New-IstioCertificateAuthority -Path $certs -KeyAlgorithm Ecdsa
    }

    It 'reads the root back' {
        (Get-IstioCertificateAuthority -Path $certs).Thumbprint | Should -Be $made.Thumbprint
    }

    It 'names a missing root with a stable error id' {
        { Get-IstioCertificateAuthority -Path (Join-Path $TestDrive 'none') -ErrorAction Stop } |
            Should -Throw -ErrorId 'CertificateAuthorityNotFound,MeshCluster.Commands.GetIstioCertificateAuthorityCommand'
    }

    It 'shows a NUL and an escape in -Path as data in the error view the terminal prints' {
        # Raised while the cmdlet resolves its paths (BeginProcessing): a terminating error.
        $failed = try { Get-IstioCertificateAuthority -Path "a`0b`e[2J"; $null } catch { $_ }
        $failed.FullyQualifiedErrorId | Should -Be 'CertificatePathInvalid,MeshCluster.Commands.GetIstioCertificateAuthorityCommand'
        # Plain text: the error view's own colours are escape sequences too.
        $PSStyle.OutputRendering = 'PlainText'
        $shown = $failed | Out-String -Width 200
        $shown.Contains('-Path ''a\u{0}b\e[2J''') | Should -BeTrue -Because $shown
        $shown | Should -Not -Match "[`0`e]"
    }

    It 'warns of a root key file others can read before returning the root' -Skip:$IsWindows {
        chmod 644 (Join-Path $certs 'root-key.pem')
        try {
            $root = Get-IstioCertificateAuthority -Path $certs -WarningVariable warned -WarningAction SilentlyContinue
            $root.Thumbprint | Should -Be $made.Thumbprint
            "$warned" | Should -Match 'can be read or written by every user of this machine \(mode 0644\)'
        }
        finally { chmod 600 (Join-Path $certs 'root-key.pem') }
    }
}

Describe 'New-IstioClusterCertificate' {
    BeforeAll {
        $certs = Join-Path $TestDrive 'mesh'
        $clusterCerts = New-IstioCertificateAuthority -Path $certs -KeyAlgorithm Ecdsa |
            New-IstioClusterCertificate -ClusterName cluster1, cluster2 -Path $certs
    }

    It 'makes one intermediate per cluster in the Makefile layout' {
        $clusterCerts.ClusterName | Should -Be @('cluster1', 'cluster2')
        foreach ($file in 'ca-cert.pem', 'ca-key.pem', 'root-cert.pem', 'cert-chain.pem') {
            Join-Path $certs 'cluster2' $file | Should -Exist
        }
    }

    It 'is accepted by openssl verify' -Skip:(-not (Get-Command openssl -ErrorAction SilentlyContinue)) {
        $folder = Join-Path $certs 'cluster1'
        openssl verify -CAfile (Join-Path $folder 'root-cert.pem') (Join-Path $folder 'cert-chain.pem') | Should -Match ': OK$'
    }

    It 'shows no private key in ConvertTo-Json, Export-Clixml, any view or ToString' {
        $keys = (Join-Path $certs 'root-key.pem'), (Join-Path $certs 'cluster1' 'ca-key.pem'), (Join-Path $certs 'cluster2' 'ca-key.pem')
        Assert-NoKey (Get-EveryView $clusterCerts) $keys
        ($clusterCerts | Format-Table | Out-String) | Should -Match 'cluster2'
    }

    It 'refuses a cluster name that is no DNS-1123 label' {
        { New-IstioCertificateAuthority -KeyAlgorithm Ecdsa | New-IstioClusterCertificate -ClusterName 'Bad_Name' -ErrorAction Stop } |
            Should -Throw -ErrorId 'ClusterNameInvalid,MeshCluster.Commands.NewIstioClusterCertificateCommand'
    }
}

Describe 'Publish-IstioClusterCertificate against the sandbox' {
    BeforeAll {
        $sandbox = Start-MeshSandbox
        $PSDefaultParameterValues['*-Istio*:KubeConfig'] = $sandbox.KubeConfig
        $ns = New-MeshName 'pester-trust'
        $clusterCerts = New-IstioCertificateAuthority -KeyAlgorithm Ecdsa | New-IstioClusterCertificate -ClusterName cluster1, cluster2
    }

    It 'creates cacerts, then reports Unchanged' {
        $first = $clusterCerts[0] | Publish-IstioClusterCertificate -Context cluster1 -Namespace $ns
        $first.Action | Should -Be 'Created'
        $again = $clusterCerts[0] | Publish-IstioClusterCertificate -Context cluster1 -Namespace $ns
        $again.Action | Should -Be 'Unchanged'
        $again.ResourceVersion | Should -Be $first.ResourceVersion
        Assert-NoKey (Get-EveryView $first) @()
    }
}

Describe 'Test-IstioMeshTrust against the sandbox' {
    BeforeAll {
        $sandbox = Start-MeshSandbox
        $PSDefaultParameterValues['*-Istio*:KubeConfig'] = $sandbox.KubeConfig
        $ns = New-MeshName 'pester-mesh'
        $clusterCerts = New-IstioCertificateAuthority -KeyAlgorithm Ecdsa | New-IstioClusterCertificate -ClusterName cluster1, cluster2
        $clusterCerts | ForEach-Object { $_ | Publish-IstioClusterCertificate -Context $_.ClusterName -Namespace $ns } | Out-Null
    }

    It 'says both clusters share one root' {
        Test-IstioMeshTrust -Context cluster1, cluster2 -Namespace $ns -Quiet | Should -BeTrue
        (Test-IstioMeshTrust -Context cluster1, cluster2 -Namespace $ns | Format-Table | Out-String) | Should -Match 'Cacerts'
    }
}

Describe 'A corporate PKI intermediate in a real pwsh' {
    BeforeAll {
        $sandbox = Start-MeshSandbox
        $PSDefaultParameterValues['*-Istio*:KubeConfig'] = $sandbox.KubeConfig
        $ns = New-MeshName 'pester-corp'

        # A root, and under it an intermediate as a corporate PKI might issue it: CA:TRUE, keyCertSign, no pathlen.
        function New-Ca([string] $Subject, $Issuer) {
            $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
            $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new($Subject, $key, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
            $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
            $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new('KeyCertSign, DigitalSignature', $true))
            $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509SubjectKeyIdentifierExtension]::new($request.PublicKey, $false))
            $from = [datetimeoffset]::UtcNow.AddMinutes(-5)
            $certificate = if ($Issuer) {
                $request.Create($Issuer.Certificate.SubjectName, [System.Security.Cryptography.X509Certificates.X509SignatureGenerator]::CreateForECDsa($Issuer.Key), $from, $from.AddDays(90), [byte[]](1..8))
            } else { $request.CreateSelfSigned($from, $from.AddDays(365)) }
            [pscustomobject]@{ Certificate = $certificate; Key = $key }
        }
        $rootCa = New-Ca 'CN=Corp Root, O=Corp' $null
        $corp = New-Ca 'L=cluster1, CN=Istio CA, O=Corp' $rootCa
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'corp')
        $rootPem = $rootCa.Certificate.ExportCertificatePem() + "`n"
        $caPem = $corp.Certificate.ExportCertificatePem() + "`n"
        Set-Content -LiteralPath (Join-Path $folder 'ca-cert.pem') -Value $caPem -NoNewline
        Set-Content -LiteralPath (Join-Path $folder 'ca-key.pem') -Value ($corp.Key.ExportPkcs8PrivateKeyPem() + "`n") -NoNewline
        Set-Content -LiteralPath (Join-Path $folder 'root-cert.pem') -Value $rootPem -NoNewline
        Set-Content -LiteralPath (Join-Path $folder 'cert-chain.pem') -Value ($caPem + $rootPem) -NoNewline
    }

    It 'publishes it with a warning, and Test-IstioMeshTrust shows the note in its view at 120 columns' {
        $published = Publish-IstioClusterCertificate -Path $folder -Context cluster1 -Namespace $ns -WarningVariable warned -WarningAction SilentlyContinue
        $published.Action | Should -Be 'Created'
        ($warned -join ' ') | Should -Match "ca-cert\.pem's basicConstraints set no pathlen"

        $status = Test-IstioMeshTrust -Context cluster1 -Namespace $ns
        $status.State | Should -Be 'Cacerts'
        $status.Notes | Should -HaveCount 1
        $lines = ($status | Format-Table | Out-String -Width 120).Trim() -split "`n"
        $lines[0] | Should -Match 'Problem\s*$'
        $lines[2] | Should -Match '^cluster1\s+Cacerts\s+cluster1\s+.*Note: ca-cert\.pem'
        (Get-EveryView $status) | Should -Not -Match 'PRIVATE KEY'
    }
}

AfterAll { Stop-MeshSandbox }
