# The repository stands alone: a clone carries what its tests need, says under which license it is, and its test
# runner reports every Pester file, every failure and why each skipped test skipped.
BeforeAll {
    $script:root = (Resolve-Path -Path (Join-Path -Path $PSScriptRoot -ChildPath '..')).Path
}

Describe 'A clone of the repository' {
    It 'names no folder beside the clone (only .ci/run may look for the linter there)' {
        # The files git would clone: tracked ones when this is a git work tree, else everything but build output.
        Push-Location -Path $root
        try {
            $files = if (Test-Path -Path (Join-Path -Path $root -ChildPath '.git')) { @(git ls-files) } else {
                @(Get-ChildItem -Path $root -Recurse -File | Where-Object { $_.FullName -notmatch '[\\/](bin|obj|\.tools|TestResults|out|en-US)[\\/]' } |
                    ForEach-Object { [IO.Path]::GetRelativePath($root, $_.FullName) })
            }
        }
        finally { Pop-Location }
        $files.Count | Should -BeGreaterThan 100
        $mentions = foreach ($file in $files) {
            $path = Join-Path -Path $root -ChildPath $file
            if (-not (Test-Path -Path $path -PathType Leaf)) { continue }
            Select-String -Path $path -Pattern '\.\./shared' -SimpleMatch:$false |
                Where-Object { -not ($file -eq '.ci/run' -and $_.Line -match 'PSScriptAnalyzer') } |
                ForEach-Object { '{0}:{1}: {2}' -f $file, $_.LineNumber, $_.Line.Trim() }
        }
        $mentions | Should -BeNullOrEmpty
    }

    It 'carries the PyTorch references and the benchmark harness' {
        @(Get-ChildItem -Path (Join-Path -Path $root -ChildPath 'tests/golden') -Filter '*.json').Count | Should -BeGreaterOrEqual 45
        foreach ($file in 'tests/golden/README.md', 'tests/golden-gen/make_golden.py', 'bench/README.md', 'bench/compare.py',
            'bench/peers/setup.sh', 'bench/peers/torch_bench.py', 'bench/peers/torchsharp/Program.cs') {
            Join-Path -Path $root -ChildPath $file | Should -Exist
        }
    }

    It 'is under the MIT license the manifest names, and keeps a changelog' {
        $license = Get-Content -Raw -Path (Join-Path -Path $root -ChildPath 'LICENSE')
        $license | Should -Match '^MIT License'
        $license | Should -Match 'Copyright \(c\) 2026 NeuralPS contributors'
        $manifest = Import-PowerShellDataFile -Path (Join-Path -Path $root -ChildPath 'NeuralPS.psd1')
        $manifest.PrivateData.PSData.LicenseUri | Should -Match 'MIT'
        $manifest.Copyright | Should -Match 'MIT'
        Get-Content -Raw -Path (Join-Path -Path $root -ChildPath 'CHANGELOG.md') | Should -Match '(?m)^## \[Unreleased\]'
    }

    It 'pins the pwsh and Pester that its test command restores from NuGet' {
        $tools = Get-Content -Raw -Path (Join-Path -Path $root -ChildPath '.config/dotnet-tools.json') | ConvertFrom-Json
        $tools.tools.powershell.version | Should -Be '7.6.9'
        $tools.tools.powershell.commands | Should -Be 'pwsh'
        Get-Content -Raw -Path (Join-Path -Path $root -ChildPath 'build/pester/PesterDownload.proj') |
            Should -Match 'Include="Pester" Version="\[5\.7\.1\]"'
    }
}

Describe 'tests/run-pester.ps1, the Pester half of tests/run-all.sh' {
    BeforeAll {
        # A suite with every kind of outcome, run by a fresh pwsh as run-all.sh runs the real one.
        $script:suite = Join-Path -Path $TestDrive -ChildPath 'suite'
        New-Item -ItemType Directory -Path $suite | Out-Null
        Set-Content -Path (Join-Path -Path $suite -ChildPath 'a.Tests.ps1') -Value @'
Describe 'service' {
    It 'passes' { 1 | Should -Be 1 }
    It 'needs a service' { Set-ItResult -Skipped -Because 'no such service here'; return }
}
'@
        Set-Content -Path (Join-Path -Path $suite -ChildPath 'b.Tests.ps1') -Value @'
Describe 'setup' {
    BeforeAll { throw 'setup broke' }
    It 'never runs' { 1 | Should -Be 1 }
}
'@
        Set-Content -Path (Join-Path -Path $suite -ChildPath 'c.Tests.ps1') -Value @'
Describe 'cleanup' {
    AfterAll { throw 'cleanup broke' }
    It 'passes before the cleanup' { 1 | Should -Be 1 }
}
'@
        Set-Content -Path (Join-Path -Path $suite -ChildPath 'd.Tests.ps1') -Value "Describe 'syntax' { It 'x' { 1 | Should -Be 1 "
        $pester = (Get-Module -Name Pester).Path -replace '\.psm1$', '.psd1'
        $script:output = & pwsh -NoProfile -NonInteractive -File (Join-Path -Path $PSScriptRoot -ChildPath 'run-pester.ps1') -PesterManifest $pester -Path $suite 2>&1 |
            ForEach-Object { "$_" }
    }

    It 'lists every file with its result' {
        $output | Should -Contain '  a.Tests.ps1: Passed, 1 passed, 0 failed, 1 skipped'
        $output | Should -Contain '  b.Tests.ps1: Failed, 0 passed, 1 failed, 0 skipped'
        $output | Should -Contain '  c.Tests.ps1: Failed, 1 passed, 0 failed, 0 skipped'
        $output | Should -Contain '  d.Tests.ps1: Failed, 0 passed, 0 failed, 0 skipped'
    }

    It 'gives each skipped test''s file, name and reason' {
        $output | Should -Contain 'SKIPPED a.Tests.ps1: service.needs a service: no such service here'
    }

    It 'counts a failed setup, a failed cleanup and a file that does not parse as failures' {
        # Passed: a's and c's tests; failed: b's test (its BeforeAll threw), c's AfterAll, d (no container ran).
        $output[-1] | Should -Be 'PESTER 2 3 1'
        $output | Should -Contain 'FAILED cleanup: cleanup broke'
    }
}
