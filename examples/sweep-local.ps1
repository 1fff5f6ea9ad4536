# A sweep on this computer: one Iris network per point of a grid of learning rates, layer widths and seeds, trained in
# parallel runspaces; then the settings compared over seeds, and the best model tested and saved.
#   dotnet run --project src/NeuralPS.Host -- examples/sweep-local.ps1
# or, in pwsh from the repository root after `dotnet build`:  Import-Module ./NeuralPS.psd1; ./examples/sweep-local.ps1
[CmdletBinding()]
param(
    [int] $Epochs = 30,
    [int] $ThrottleLimit = [Environment]::ProcessorCount
)

$train, $test = Get-SampleDataset Iris | Split-Dataset -TestFraction 0.2 -Stratify -Seed 42

# The script runs in the runspace that trains the run: it sees the run's settings, not this script's variables.
$build = {
    param($Settings)
    New-Network 4 -Seed $Settings.Seed |
        Add-NormalizationLayer |
        Add-DenseLayer $Settings.Units -Activation Relu |
        Add-DenseLayer 3 -Activation Softmax |
        Set-Optimizer Adam -LearningRate $Settings.LearningRate
}

# 2 x 2 x 3 = 12 runs; each row appears as its run ends.
$grid = [ordered]@{ LearningRate = 0.03, 0.003; Units = 4, 16; Seed = 1, 2, 3 }
$results = Invoke-Sweep -Grid $grid -Network $build -Data $train -ValidationData $test -Epochs $Epochs -BatchSize 16 `
    -ThrottleLimit $ThrottleLimit
$results | Sort-Object Run | Format-Table | Out-Host

# Each setting over its three seeds: a difference smaller than the spread between seeds is noise.
$results | Group-Object { '{0}, {1} units' -f $_.Settings.LearningRate, $_.Settings.Units } | ForEach-Object {
    $accuracy = $_.Group | Measure-Object -Property ValidationAccuracy -Average -Minimum -Maximum
    [pscustomobject]@{
        Setting     = $_.Name
        MeanValAcc  = '{0:P1}' -f $accuracy.Average
        Range       = '{0:P1} to {1:P1}' -f $accuracy.Minimum, $accuracy.Maximum
        MeanValLoss = '{0:N4}' -f ($_.Group | Measure-Object -Property ValidationLoss -Average).Average
    }
} | Sort-Object MeanValLoss | Format-Table | Out-Host

# The run with the lowest validation loss, back as a network: the model travels in the result as bytes.
$best = $results | Sort-Object BestValidationLoss | Select-Object -First 1
"Best: run $($best.Run) ($($best.SettingsText)), validation loss $('{0:N4}' -f $best.BestValidationLoss) at epoch $($best.BestEpoch)"
$net = $best | Import-Network
Test-Network -Network $net -Data $test | Out-Host
$path = Join-Path ([System.IO.Path]::GetTempPath()) 'iris-best.npsm'
$net | Export-Network $path -Force
"Saved the best model to $path"
