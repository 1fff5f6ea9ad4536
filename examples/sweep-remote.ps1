# A sweep over SSH: the same grid as sweep-local.ps1, trained in PSSessions on other computers, one run at a time in
# each session. NeuralPS need not be installed there: Invoke-Sweep copies this build to each computer's temporary
# folder (once) and sends the data as bytes. Each computer needs pwsh and, in its sshd_config, a line such as
#   Subsystem powershell /usr/bin/pwsh -sshs -NoLogo -NoProfile
# (see Get-Help about_NeuralPS_Scaling).
#   pwsh -c 'Import-Module ./NeuralPS.psd1; ./examples/sweep-remote.ps1 -HostName node1, node2 -UserName me -KeyFilePath ~/.ssh/id_ed25519'
#   dotnet run --project src/NeuralPS.Host -- examples/sweep-remote.ps1 node1,node2 22 me ~/.ssh/id_ed25519   (by position)
[CmdletBinding()]
param(
    # The computers to train on; a name given twice gets two sessions (two runs at a time there).
    [Parameter(Mandatory, Position = 0)] [string[]] $HostName,
    [Parameter(Position = 1)] [int] $Port = 22,
    [Parameter(Position = 2)] [string] $UserName = [Environment]::UserName,
    [Parameter(Position = 3)] [string] $KeyFilePath,
    [int] $SessionsPerHost = 1,
    [int] $Epochs = 30,
    # Extra ssh options, such as @{ UserKnownHostsFile = '~/.ssh/lab_known_hosts' }.
    [hashtable] $SshOptions = @{}
)

$train, $test = Get-SampleDataset Iris | Split-Dataset -TestFraction 0.2 -Stratify -Seed 42
$build = {
    param($Settings)
    New-Network 4 -Seed $Settings.Seed |
        Add-NormalizationLayer |
        Add-DenseLayer $Settings.Units -Activation Relu |
        Add-DenseLayer 3 -Activation Softmax |
        Set-Optimizer Adam -LearningRate $Settings.LearningRate
}
$grid = [ordered]@{ LearningRate = 0.03, 0.003; Units = 4, 16; Seed = 1, 2, 3 }

$connect = @{ Port = $Port; UserName = $UserName; ConnectingTimeout = 30000; ErrorAction = 'Stop' }
if ($KeyFilePath) { $connect.KeyFilePath = $KeyFilePath }
if ($SshOptions.Count) { $connect.Options = $SshOptions }
$sessions = foreach ($name in $HostName) { foreach ($i in 1..$SessionsPerHost) { New-PSSession -HostName $name @connect } }
try {
    "Sweeping $($grid.LearningRate.Count * $grid.Units.Count * $grid.Seed.Count) runs over $(@($sessions).Count) sessions"
    # A session that breaks hands its run to another one, with a warning; Ctrl+C stops every run.
    $results = Invoke-Sweep -Grid $grid -Network $build -Data $train -ValidationData $test -Epochs $Epochs -BatchSize 16 `
        -Session $sessions
    $results | Sort-Object Run | Format-Table Run, SettingsText, ValidationAccuracy, ComputerName, Session, Duration | Out-Host
    $best = $results | Sort-Object BestValidationLoss | Select-Object -First 1
    "Best: run $($best.Run) ($($best.SettingsText)) on $($best.ComputerName), validation loss $('{0:N4}' -f $best.BestValidationLoss)"
    Test-Network -Network ($best | Import-Network) -Data $test | Out-Host
}
finally {
    $sessions | Remove-PSSession
}
