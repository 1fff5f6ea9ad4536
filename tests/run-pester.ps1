# Runs every Pester file in tests/ (tests/run-all.sh calls it with the Pester that tests/setup-tools.sh restored;
# -Path runs another folder's, as tests/Repository.Tests.ps1 does).
# After Pester's own report it writes what run-all.sh reads: a line per file, a "SKIPPED <test>: <reason>" line per
# skipped test, and last "PESTER <passed> <failed> <skipped>".
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $PesterManifest,

    [string] $Path = $PSScriptRoot
)
$ProgressPreference = 'SilentlyContinue'
Import-Module -Name $PesterManifest -MinimumVersion 5.0

$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$result = Invoke-Pester -Configuration $configuration

''
'Pester files:'
$files = @(Get-ChildItem -Path $Path -Filter '*.Tests.ps1' | Sort-Object -Property Name)
foreach ($file in $files) {
    $container = @($result.Containers | Where-Object { "$($_.Item)" -eq $file.FullName })[0]
    if (-not $container) {
        '  {0}: not run' -f $file.Name
        continue
    }
    '  {0}: {1}, {2} passed, {3} failed, {4} skipped' -f $file.Name, $container.Result, $container.PassedCount,
        $container.FailedCount, ($container.SkippedCount + $container.NotRunCount)
}

# A test skipped without a reason would hide why; Set-ItResult -Skipped -Because gives one.
foreach ($test in @($result.Skipped) + @($result.NotRun)) {
    $reason = if ($test.ErrorRecord) { $test.ErrorRecord[0].Exception.Message -replace '^is skipped, because ', '' } else { 'no reason given' }
    'SKIPPED {0}: {1}: {2}' -f (Split-Path -Path $test.ScriptBlock.File -Leaf), $test.ExpandedPath, $reason
}

# Failures outside tests count too: a file that did not load, and a block that failed while its tests passed (an
# AfterAll that threw; a BeforeAll that threw fails its tests already). Every file must have run.
function Test-FailedTest($Block) {
    @($Block.Tests | Where-Object -Property Result -EQ -Value 'Failed').Count -gt 0 -or
        @($Block.Blocks | Where-Object { Test-FailedTest $_ }).Count -gt 0
}
$failedBlocks = @($result.FailedBlocks | Where-Object { -not (Test-FailedTest $_) })
foreach ($block in $failedBlocks) { 'FAILED {0}: {1}' -f $block.ExpandedPath, $block.ErrorRecord[0].Exception.Message }
$failed = $result.FailedCount + $result.FailedContainersCount + $failedBlocks.Count
$notRun = @($files | Where-Object { $name = $_.FullName; -not ($result.Containers | Where-Object { "$($_.Item)" -eq $name }) })
$failed += $notRun.Count
'PESTER {0} {1} {2}' -f $result.PassedCount, $failed, ($result.SkippedCount + $result.NotRunCount)
