# The module as PowerShell users get it: the package './build.ps1 -Task Package' makes (exactly the module folder, one
# version everywhere, the fields the Gallery shows), published to a file repository and installed, imported by name,
# updated and uninstalled with PSResourceGet in a clean pwsh: a HOME of its own, so its module path and repository
# list start empty, as on a machine that never had MeshCluster.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1')
    $root = Get-MeshRepositoryRoot
    $props = [xml](Get-Content -LiteralPath (Join-Path $root 'Directory.Build.props') -Raw)
    $prefix = $props.SelectSingleNode('//VersionPrefix').InnerText.Trim()
    $suffix = "$($props.SelectSingleNode('//VersionSuffix').InnerText)".Trim()
    $release = Get-MeshPackage
    # The next version, as a prerelease: newer than the release, so Update-PSResource -Prerelease takes it.
    $current = [version] $prefix
    $nextPrefix = '{0}.{1}.{2}' -f $current.Major, $current.Minor, ($current.Build + 1)
    $next = Get-MeshPackage -VersionPrefix $nextPrefix -VersionSuffix 'preview1'

    function Get-PackageEntry([string] $Path) {
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Path)
        try { @($zip.Entries | ForEach-Object { [uri]::UnescapeDataString($_.FullName) -replace '\\', '/' }) } finally { $zip.Dispose() }
    }

    function Get-PackageNuspec([string] $Path) {
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Path)
        try {
            $reader = [System.IO.StreamReader]::new($zip.GetEntry('MeshCluster.nuspec').Open())
            try { ([xml] $reader.ReadToEnd()).package.metadata } finally { $reader.Dispose() }
        }
        finally { $zip.Dispose() }
    }

    function Get-ChangelogSection([string] $Name) {
        # The lines under '## <Name>' up to the next '## ' heading, as the build reads them.
        $body = [System.Collections.Generic.List[string]]::new()
        $inside = $false
        foreach ($line in Get-Content -LiteralPath (Join-Path $root 'CHANGELOG.md')) {
            if ($line -like '## *') {
                if ($inside) { break }
                $inside = $line -match "^##\s+\[?$([regex]::Escape($Name))\]?(\s|$)"
                continue
            }
            if ($inside) { $body.Add($line) }
        }
        ($body -join "`n").Trim()
    }

    function Assert-OneVersion($Package, [string] $Prefix, [string] $Suffix) {
        $expected = if ($Suffix) { "$Prefix-$Suffix" } else { $Prefix }
        $Package.Version | Should -Be $expected -Because 'the file name MeshCluster.<version>.nupkg'
        (Get-PackageNuspec $Package.Path).version | Should -Be $expected
        $manifestPath = Join-Path $Package.ModuleFolder 'MeshCluster.psd1'
        $manifest = Import-PowerShellDataFile -LiteralPath $manifestPath
        $manifest.ModuleVersion | Should -Be $Prefix
        "$($manifest.PrivateData.PSData.Prerelease)" | Should -Be $Suffix
        (Test-ModuleManifest -Path $manifestPath).Version | Should -Be ([version] $Prefix)
        foreach ($assembly in 'MeshCluster.dll', 'MeshCluster.Contracts.dll', 'Dependencies/MeshCluster.Engine.dll') {
            $path = Join-Path $Package.ModuleFolder $assembly
            [System.Reflection.AssemblyName]::GetAssemblyName($path).Version | Should -Be ([version] "$Prefix.0") -Because "$assembly's AssemblyVersion"
            $info = [System.Diagnostics.FileVersionInfo]::GetVersionInfo($path)
            $info.FileVersion | Should -Be "$Prefix.0" -Because "$assembly's FileVersion"
            ($info.ProductVersion -split '\+')[0] | Should -Be $expected -Because "$assembly's InformationalVersion"
        }
    }
}

AfterAll { Clear-MeshPackage }

Describe 'The package of ./build.ps1 -Task Package' -Tag Package {
    It 'holds exactly the module folder, besides NuGet''s own parts: no test assembly, symbols or stand-in' {
        $nuget = '^(_rels/\.rels|\[Content_Types\]\.xml|MeshCluster\.nuspec|package/services/metadata/core-properties/[0-9a-f]+\.psmdcp)$'
        $entries = @(Get-PackageEntry $release.Path | Where-Object { $_ -notmatch $nuget })
        $folder = (Resolve-Path -LiteralPath $release.ModuleFolder).ProviderPath
        $files = @(Get-ChildItem -LiteralPath $folder -Recurse -File | ForEach-Object { [System.IO.Path]::GetRelativePath($folder, $_.FullName) -replace '\\', '/' })
        ($entries | Sort-Object) | Should -Be ($files | Sort-Object)
        # And the folder is the module and nothing else: no pdb, test or tool assembly, deps.json or stand-in.
        $shape = '^(MeshCluster\.psd1|MeshCluster\.dll|MeshCluster\.Contracts\.dll|LICENSE|THIRD-PARTY-NOTICES\.txt|Formats/[^/]+\.format\.ps1xml|Types/[^/]+\.types\.ps1xml|en-US/(MeshCluster\.dll-Help\.xml|about_[^/]+\.help\.txt)|Dependencies/[^/]+\.dll)$'
        $files | Where-Object { $_ -notmatch $shape } | Should -BeNullOrEmpty
        $files | Where-Object { $_ -match 'Tests|xunit|IstioctlStandIn|TestGround|Sandbox|System\.Management\.Automation|\.pdb$' } | Should -BeNullOrEmpty
        $manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $folder 'MeshCluster.psd1')
        foreach ($listed in @($manifest.FormatsToProcess) + @($manifest.TypesToProcess) + $manifest.RootModule) {
            $files | Should -Contain ($listed -replace '\\', '/')
        }
        # Every library it ships beside its own is named, with its license, in the notices.
        $notices = Get-Content -LiteralPath (Join-Path $folder 'THIRD-PARTY-NOTICES.txt') -Raw
        foreach ($library in $files -match '^Dependencies/' -replace '^Dependencies/|\.dll$' | Where-Object { $_ -ne 'MeshCluster.Engine' }) {
            $notices | Should -Match "\b$([regex]::Escape($library)) \d" -Because "Dependencies/$library.dll is shipped"
        }
        "package $([System.IO.Path]::GetFileName($release.Path)): $([math]::Round((Get-Item -LiteralPath $release.Path).Length / 1MB, 2)) MB, $($files.Count) files" | Write-Host
    }

    It 'names one version in Directory.Build.props, the manifest, the assemblies, the nuspec and the file name' {
        Assert-OneVersion $release $prefix $suffix
    }

    It 'carries a prerelease label given to build.ps1 (-VersionSuffix) into all of them' {
        Assert-OneVersion $next $nextPrefix 'preview1'
        (Get-PackageNuspec $next.Path).version | Should -Be "$nextPrefix-preview1"
    }

    It 'fails the build at once when CHANGELOG.md has no section for a release''s version' {
        $run = Invoke-MeshPwsh -Script "& '$(Join-Path $root 'build.ps1')' -Task Package -VersionPrefix 99.0.0 -OutputPath '$(Join-Path $TestDrive 'none' 'MeshCluster')'"
        $run.ExitCode | Should -Not -Be 0
        $run.Text | Should -Match "CHANGELOG\.md has no section '## 99\.0\.0'"
        Join-Path $TestDrive 'none' | Get-ChildItem -Filter *.nupkg -ErrorAction Ignore | Should -BeNullOrEmpty
    }

    It 'shows the Gallery the right description, author, tags, links, license and release notes' {
        $manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $release.ModuleFolder 'MeshCluster.psd1')
        $data = $manifest.PrivateData.PSData
        $manifest.Description | Should -Match 'Istio'
        $manifest.Description | Should -Match 'remote secret'
        $manifest.Author | Should -Not -BeNullOrEmpty
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $manifest.PowerShellVersion | Should -Be '7.4'
        foreach ($tag in 'PSEdition_Core', 'Windows', 'Linux', 'MacOS', 'Istio', 'Kubernetes') { $data.Tags | Should -Contain $tag }
        $data.ProjectUri | Should -Match '^https://'
        $data.LicenseUri | Should -Match '/LICENSE$'
        Join-Path $root 'LICENSE' | Should -FileContentMatchExactly '^MIT License'
        $manifest.Copyright | Should -Match 'MIT'
        $data.ReleaseNotes | Should -Be (Get-ChangelogSection $prefix)
        $nuspec = Get-PackageNuspec $release.Path
        $nuspec.description | Should -Be $manifest.Description
        $nuspec.authors | Should -Be $manifest.Author
        $nuspec.licenseUrl | Should -Be $data.LicenseUri
        $nuspec.projectUrl | Should -Be $data.ProjectUri
        ($nuspec.releaseNotes -replace '\r\n', "`n") | Should -Be $data.ReleaseNotes
        foreach ($tag in $data.Tags) { ($nuspec.tags -split ' ') | Should -Contain $tag }
        # A prerelease without a CHANGELOG section of its own takes the Unreleased one.
        (Import-PowerShellDataFile -LiteralPath (Join-Path $next.ModuleFolder 'MeshCluster.psd1')).PrivateData.PSData.ReleaseNotes |
            Should -Be "$(Get-ChangelogSection 'Unreleased')"
    }
}

Describe 'Installed from a file repository into a clean pwsh' -Tag Package -Skip:$IsWindows {
    BeforeAll {
        $sandbox = Start-MeshSandbox
        $repository = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repository')
        $userHome = Join-Path $TestDrive 'home'
        $modules = Join-Path $userHome '.local' 'share' 'powershell' 'Modules'
        # A user of its own: on Linux and macOS PSResourceGet keeps its repositories, and installs CurrentUser
        # modules, under HOME (on Windows under the Documents folder, which no variable moves: hence no Windows run).
        $clean = @{
            HOME = $userHome; XDG_DATA_HOME = $null; XDG_CONFIG_HOME = $null; XDG_CACHE_HOME = $null
            PSModulePath = ''; MESHCLUSTER_SANDBOX = $null; KUBECONFIG = $null; ISTIOCTL = $null
        }
        $manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $release.ModuleFolder 'MeshCluster.psd1')

        function Invoke-Clean([string] $Script) {
            # In a folder of the test's: Publish-PSResource (1.2.1) leaves NuGet/NuGet.Config in the current folder.
            $run = Invoke-MeshPwsh -Script ("`$ErrorActionPreference = 'Stop'`n`$ProgressPreference = 'SilentlyContinue'`n" + $Script) -Environment $clean -WorkingDirectory $TestDrive
            $run.ExitCode | Should -Be 0 -Because $run.Text
            $run.StdErr | Should -BeNullOrEmpty
            @($run.StdOut.Trim() -split '\r?\n')
        }

        # What a user checks after an install, in a new pwsh: which MeshCluster 'Import-Module MeshCluster' takes, and that it works.
        $probe = @"
Import-Module MeshCluster
`$module = Get-Module MeshCluster
"VERSION `$(`$module.Version)|`$(`$module.PrivateData.PSData.Prerelease)"
"BASE `$(`$module.ModuleBase)"
"COMMANDS `$(@(Get-Command -Module MeshCluster).Count)"
"SYNOPSIS `$((Get-Help Get-IstioDiscoveryAddress).Synopsis)"
"ABOUT `$((Get-Help about_MeshCluster | Out-String) -match 'TOPIC\s+about_MeshCluster')"
"ADDRESS `$((Get-IstioDiscoveryAddress -Context cluster1 -KubeConfig '$($sandbox.KubeConfig)').Address)"
"@
    }

    It 'takes both packages into a trusted file repository, and lists the prerelease only when asked' {
        $out = Invoke-Clean @"
Register-PSResourceRepository -Name MeshClusterTest -Uri '$repository' -Trusted
Publish-PSResource -Repository MeshClusterTest -NupkgPath '$($release.Path)'
Publish-PSResource -Repository MeshClusterTest -NupkgPath '$($next.Path)'
Find-PSResource -Name MeshCluster -Repository MeshClusterTest | ForEach-Object { "STABLE `$(`$_.Version)" }
Find-PSResource -Name MeshCluster -Repository MeshClusterTest -Prerelease | ForEach-Object { "LATEST `$(`$_.Version)-`$(`$_.Prerelease)" }
"@
        $out | Should -Contain "STABLE $($release.Version)"
        $out | Should -Contain "LATEST $($next.Version)"
        Get-ChildItem -LiteralPath $repository -Filter *.nupkg | ForEach-Object Name | Sort-Object |
            Should -Be (@([System.IO.Path]::GetFileName($release.Path), [System.IO.Path]::GetFileName($next.Path)) | Sort-Object)
    }

    It 'installs the release for the current user, and a new pwsh imports it by name: cmdlets, help, a call to the sandbox' {
        Invoke-Clean 'Install-PSResource -Name MeshCluster -Repository MeshClusterTest' | Out-Null
        $out = Invoke-Clean $probe
        $out | Should -Contain "VERSION $($release.Version)|"
        $out | Should -Contain "BASE $(Join-Path $modules 'MeshCluster' $release.Version)"
        $out | Should -Contain "COMMANDS $($manifest.CmdletsToExport.Count)"
        ($out | Where-Object { $_ -like 'SYNOPSIS *' }) | Should -Match 'SYNOPSIS \w+.{20,}'
        $out | Should -Contain 'ABOUT True'
        $out | Should -Contain "ADDRESS $($sandbox.DiscoveryAddress)"
    }

    It 'keeps the release on Update-PSResource, and takes the newer prerelease with -Prerelease' {
        Invoke-Clean 'Update-PSResource -Name MeshCluster -Repository MeshClusterTest' | Out-Null
        Invoke-Clean 'Get-InstalledPSResource -Name MeshCluster | ForEach-Object { "INSTALLED $($_.Version)" }' | Should -Be @("INSTALLED $($release.Version)")
        Invoke-Clean 'Update-PSResource -Name MeshCluster -Repository MeshClusterTest -Prerelease' | Out-Null
        $out = Invoke-Clean $probe
        $out | Should -Contain "VERSION $nextPrefix|preview1"
        $out | Should -Contain "BASE $(Join-Path $modules 'MeshCluster' $nextPrefix)"
        $out | Should -Contain "ADDRESS $($sandbox.DiscoveryAddress)"
    }

    It 'uninstalls every version, after which Import-Module MeshCluster finds nothing' {
        $out = Invoke-Clean @"
Uninstall-PSResource -Name MeshCluster -Version '*'
"LEFT `$(@(Get-Module -ListAvailable -Name MeshCluster).Count)"
try { Import-Module MeshCluster; 'IMPORTED' } catch { "REFUSED `$(`$_.FullyQualifiedErrorId)" }
"@
        $out | Should -Contain 'LEFT 0'
        $out | Should -Contain 'REFUSED Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand'
        @(Get-ChildItem -LiteralPath (Join-Path $modules 'MeshCluster') -ErrorAction Ignore) | Should -BeNullOrEmpty
    }
}

Describe 'A PowerShell older than 7.4' -Tag Package {
    It 'is refused on import with Modules_InsufficientPowerShellVersion and the words the README quotes' {
        $manifestPath = Join-Path $release.ModuleFolder 'MeshCluster.psd1'
        $info = Test-ModuleManifest -Path $manifestPath
        $info.PowerShellVersion | Should -Be ([version] '7.4')
        $info.CompatiblePSEditions | Should -Be @('Core')
        # No older pwsh here: a copy asking for a version above this one meets the same check of PowerShellVersion.
        $copy = Join-Path $TestDrive 'MeshCluster'
        Copy-Item -LiteralPath $release.ModuleFolder -Destination $copy -Recurse
        $required = '{0}.0' -f ($PSVersionTable.PSVersion.Major + 1)
        $copied = Join-Path $copy 'MeshCluster.psd1'
        (Get-Content -LiteralPath $copied -Raw) -replace "PowerShellVersion\s*=\s*'7\.4'", "PowerShellVersion = '$required'" | Set-Content -LiteralPath $copied
        $run = Invoke-MeshPwsh -Script "try { Import-Module '$copied' -ErrorAction Stop; 'IMPORTED' } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }"
        $lines = @($run.StdOut.Trim() -split '\r?\n')
        $lines[0] | Should -Be 'Modules_InsufficientPowerShellVersion,Microsoft.PowerShell.Commands.ImportModuleCommand'
        $message = $lines[1]
        $message | Should -Match "requires a minimum PowerShell version of '$([regex]::Escape($required))'"
        # The README shows the message a 7.2 gives for this module: the same words around the two versions and the path.
        $readme = Get-Content -LiteralPath (Join-Path $root 'README.md') -Raw
        $quoted = [regex]::Match($readme, '(?s)## Install.*?```text\n(Import-Module: [^\n]+)\n```').Groups[1].Value
        $quoted | Should -Not -BeNullOrEmpty
        $shape = { param($text) $text -replace "'[0-9.]+'", "'<version>'" -replace "module '[^']+'", "module '<path>'" }
        (& $shape $quoted) | Should -Be ('Import-Module: ' + (& $shape $message))
    }
}
