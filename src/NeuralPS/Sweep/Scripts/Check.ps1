# Run first in a session: is this build of NeuralPS loaded there ('ready'), installed in the temporary folder (imported,
# then 'ready'), missing ('copy'), or another NeuralPS that cannot be replaced (a message)? Also the session's platform,
# for the native libraries to send with a copy.
param([string] $BuildId, [string] $Version)
$ErrorActionPreference = 'Stop'
$folder = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath "NeuralPS-$Version-$BuildId"
$os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
$rid = '{0}-{1}' -f $os, "$([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture)".ToLowerInvariant()
$loaded = Get-Module -Name NeuralPS
$status = if ($loaded) {
    $id = try { [NeuralPS.Sweep.SweepRun]::BuildId } catch { 'none' }
    if ($id -eq $BuildId) { 'ready' } else { "NeuralPS $($loaded.Version) from $($loaded.Path), a different build" }
} elseif (Test-Path -LiteralPath (Join-Path -Path $folder -ChildPath 'NeuralPS.psd1')) {
    Import-Module -Name (Join-Path -Path $folder -ChildPath 'NeuralPS.psd1') -Global
    'ready'
} else { 'copy' }
[pscustomobject]@{ Status = $status; Folder = $folder; Os = $os; Rid = $rid }
