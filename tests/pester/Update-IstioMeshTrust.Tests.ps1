# Pester 5 tests of Update-IstioMeshTrust in a real pwsh against the sandbox, each Describe in a namespace of its own (no istiod
# runs there, so the phases that change root-cert.pem need -Force): what only a full PowerShell shows, the -WhatIf lines, the view
# at 120 columns, the refusal a pipeline script prints, and no private key in any view or serialization.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    $manifestPath = Get-MeshModuleManifest
    Import-Module $manifestPath

    function Get-EveryView($InputObject) {
        $clixml = Join-Path $TestDrive ([guid]::NewGuid().ToString() + '.xml')
        $InputObject | Export-Clixml -Path $clixml -Depth 5
        @(
            ($InputObject | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue)
            (Get-Content $clixml -Raw)
            ($InputObject | Format-Table | Out-String)
            ($InputObject | Format-List * | Out-String)
            "$InputObject"
        ) -join "`n"
    }
}

Describe 'Update-IstioMeshTrust against the sandbox' {
    BeforeAll {
        $sandbox = Start-MeshSandbox
        $PSDefaultParameterValues['*-Istio*:KubeConfig'] = $sandbox.KubeConfig
        $ns = New-MeshName 'pester-rotate'
        $oldFolder = Join-Path $TestDrive 'old'
        $newFolder = Join-Path $TestDrive 'new'
        $old = New-IstioCertificateAuthority -Path $oldFolder -KeyAlgorithm Ecdsa
        $old | New-IstioClusterCertificate -ClusterName cluster1, cluster2 -Path $oldFolder |
            ForEach-Object { $_ | Publish-IstioClusterCertificate -Context $_.ClusterName -Namespace $ns } | Out-Null
        $new = New-IstioCertificateAuthority -Path $newFolder -KeyAlgorithm Ecdsa -CommonName 'Root CA 2'
    }

    It 'says under -WhatIf, per cluster, what TrustBoth would change, and changes nothing' {
        $run = Invoke-MeshPwsh -Script @"
Import-Module '$manifestPath'
`$new = Get-IstioCertificateAuthority -Path '$newFolder'
Update-IstioMeshTrust -Context cluster1, cluster2 -CertificateAuthority `$new -Phase TrustBoth -Namespace $ns -Force -KubeConfig '$($sandbox.KubeConfig)' -WhatIf
"@
        $run.ExitCode | Should -Be 0
        foreach ($context in 'cluster1', 'cluster2') {
            $run.StdOut | Should -Match "What if: Performing the operation `"TrustBoth: Add root $($new.Thumbprint) to root-cert\.pem .*`" on target `"Secret $ns/cacerts in context '$context'`""
        }
        (Test-IstioMeshTrust -Context cluster1, cluster2 -Namespace $ns).RootThumbprint | Should -Be @($old.Thumbprint, $old.Thumbprint)
        $out = Update-IstioMeshTrust -Context cluster1, cluster2 -CertificateAuthority $new -Phase SignWithNew -Namespace $ns -ErrorAction SilentlyContinue -ErrorVariable refused
        $out | Should -BeNullOrEmpty
        $refused.FullyQualifiedErrorId | Should -Be (@('MeshTrustPhaseOutOfOrder,MeshCluster.Commands.UpdateIstioMeshTrustCommand') * 2)
    }

    It 'fails a pipeline step with the id in the message when no istiod runs and -Force is not given' {
        $run = Invoke-MeshPwsh -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$manifestPath'
`$new = Get-IstioCertificateAuthority -Path '$newFolder'
Update-IstioMeshTrust -Context cluster1, cluster2 -CertificateAuthority `$new -Phase TrustBoth -Namespace $ns -KubeConfig '$($sandbox.KubeConfig)'
'NOT REACHED'
"@
        $run.ExitCode | Should -Not -Be 0
        $run.Text | Should -Match '\[MeshTrustIstiodNotFound\]'
        $run.Text | Should -Match 'Add -Force'
        $run.Text | Should -Not -Match 'NOT REACHED'
    }

    It 'runs the three phases, shows each in its view at 120 columns, and Test-IstioMeshTrust stays true' {
        $trust = Update-IstioMeshTrust -Context cluster1, cluster2 -CertificateAuthority $new -Phase TrustBoth -Namespace $ns -Force
        $trust.Action | Should -Be @('Updated', 'Updated')
        Test-IstioMeshTrust -Context cluster1, cluster2 -Namespace $ns -Quiet | Should -BeTrue

        $signed = Update-IstioMeshTrust -Context cluster1, cluster2 -CertificateAuthority $new -Phase SignWithNew -Namespace $ns -Path (Join-Path $TestDrive 'phase2')
        $signed | Should -BeOfType ([MeshCluster.IstioMeshTrustUpdate])
        $lines = @(($signed | Format-Table | Out-String -Width 120).Trim() -split '\r?\n')
        $lines[0] | Should -Match '^Phase\s+Action\s+OldRoot\s+NewRoot\s+ChangedAt\s+NextPhaseNotBefore\s+Context$'
        $lines[2] | Should -Match "^SignWithNew\s+Updated\s+$($old.Thumbprint.Substring(0, 16))…\s+$($new.Thumbprint.Substring(0, 16))…\s+\d{4}-\d\d-\d\d \d\d:\d\dZ\s+\d{4}-\d\d-\d\d \d\d:\d\dZ\s+cluster1$"
        Test-IstioMeshTrust -Context cluster1, cluster2 -Namespace $ns -Quiet | Should -BeTrue

        { Update-IstioMeshTrust -Context cluster1, cluster2 -CertificateAuthority $new -Phase RetireOld -Namespace $ns -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'MeshTrustSoakNotOver,MeshCluster.Commands.UpdateIstioMeshTrustCommand'
        $retired = Update-IstioMeshTrust -Context cluster1, cluster2 -CertificateAuthority $new -Phase RetireOld -Namespace $ns -Force -MinimumSoak ([TimeSpan]::Zero)
        $retired.Action | Should -Be @('Updated', 'Updated')
        $retired | ForEach-Object { $_.NextPhaseNotBefore | Should -BeNullOrEmpty }
        (Test-IstioMeshTrust -Context cluster1, cluster2 -Namespace $ns).RootThumbprint | Should -Be @($new.Thumbprint, $new.Thumbprint)

        $text = Get-EveryView (@($trust) + @($signed) + @($retired))
        $text | Should -Not -Match 'PRIVATE KEY'
        $keyFiles = Get-ChildItem -Path $TestDrive -Recurse -Include 'ca-key.pem', 'root-key.pem'
        $keyFiles.Count | Should -Be 6
        foreach ($line in $keyFiles | Get-Content | Where-Object { $_ -and $_ -notlike '-----*' }) {
            $text.Contains($line) | Should -BeFalse -Because 'no part of a private key may show'
        }
    }
}

Describe 'The README''s scheduled rotation pipeline' {
    BeforeAll {
        $sandbox = Start-MeshSandbox
        $ns = New-MeshName 'pester-readme-rotate'
        $PSDefaultParameterValues['*-Istio*:KubeConfig'] = $sandbox.KubeConfig
        New-IstioCertificateAuthority -KeyAlgorithm Ecdsa | New-IstioClusterCertificate -ClusterName cluster1, cluster2 |
            ForEach-Object { $_ | Publish-IstioClusterCertificate -Context $_.ClusterName -Namespace $ns } | Out-Null
        $newFolder = Join-Path $TestDrive 'secure-files'
        $new = New-IstioCertificateAuthority -Path $newFolder -KeyAlgorithm Ecdsa -CommonName 'Root CA 2'

        # The inline script of the README's rotation pipeline, its indentation removed; the sandbox has two clusters, and the
        # rotation runs in a namespace of its own where no istiod runs (hence -Force).
        $readme = Get-Content -LiteralPath (Join-Path (Get-MeshRepositoryRoot) 'README.md') -Raw
        $step = [regex]::Match($readme, '(?s)### Rotating the root from a scheduled Azure DevOps pipeline.*?```yaml\n(.*?)```').Groups[1].Value
        $lines = @($step -split "`n")
        $at = @(0..($lines.Count - 1) | Where-Object { $lines[$_] -match 'script: \|' })[0]
        $block = @($lines | Select-Object -Skip ($at + 1) | Where-Object { $_.Trim() })
        $indent = $block[0].Length - $block[0].TrimStart().Length
        $body = ($block | ForEach-Object { $_.Substring([Math]::Min($indent, $_.Length - $_.TrimStart().Length)) }) -join "`n"
        $body | Should -Match "mesh = 'cluster1', 'cluster2', 'cluster3'"
        $body = $body.Replace("'cluster1', 'cluster2', 'cluster3'", "'cluster1', 'cluster2'").Replace('./out/MeshCluster/MeshCluster.psd1', (Get-MeshModuleManifest))
        $script = "`$PSDefaultParameterValues = @{ '*-IstioMeshTrust:Namespace' = '$ns'; 'Update-IstioMeshTrust:Force' = `$true }`n" + $body
        $environment = @{
            KUBECONFIG = $sandbox.KubeConfig; MESHCLUSTER_SANDBOX = $null; AGENT_TEMPDIRECTORY = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'agent')).FullName
            ROOT_CERT = Join-Path $newFolder 'root-cert.pem'; ROOT_KEY = Join-Path $newFolder 'root-key.pem'
        }
    }

    It 'applies one phase per run and stops with a warning, not a failure, while RetireOld is not due' {
        $first = Invoke-MeshPwsh -Script $script -Environment $environment
        $first.ExitCode | Should -Be 0 -Because $first.Text
        $first.StdOut | Should -Match 'TrustBoth applied; the next phase runs on a later run\.'
        $second = Invoke-MeshPwsh -Script $script -Environment $environment
        $second.ExitCode | Should -Be 0 -Because $second.Text
        $second.StdOut | Should -Match 'SignWithNew applied; the next phase runs on a later run\.'
        $third = Invoke-MeshPwsh -Script $script -Environment $environment
        $third.ExitCode | Should -Be 0 -Because $third.Text
        $third.StdOut | Should -Match '##vso\[task\.logissue type=warning\]RetireOld is not due for context'
        (Test-IstioMeshTrust -Context cluster1, cluster2 -Namespace $ns).RootThumbprint | Should -Be @($new.Thumbprint, $new.Thumbprint)
    }
}

AfterAll { Stop-MeshSandbox }
