# Forecasting a monthly series with an LSTM: Box & Jenkins' airline passengers (1949-1960, the AirPassengers sample
# that ships with NeuralPS; its source is src/NeuralPS.Core/Data/Samples/airpassengers.md).
#   dotnet run --project src/NeuralPS.Host -- examples/forecast.ps1
# The series grows and its yearly swing grows with it, so the network reads the month-on-month growth in logs,
# log(P[t]) - log(P[t-1]): a series with a stable season and no trend, which a network fitted on the past can carry
# into a future of larger numbers. Windows of 12 months predict the next month's growth; the last 20% of the windows,
# kept in order, test it, and their forecasts (last month's passengers times exp(growth)) are compared with the
# seasonal-naive forecast, the same month a year earlier. Then the network continues the series 12 months past its end.
[CmdletBinding()]
param(
    [ValidateRange(1, 1000)]
    [int] $Epochs = 100,
    [ValidateRange(2, 48)]
    [int] $Window = 12,
    [ValidateRange(1, 256)]
    [int] $Units = 32
)
$ErrorActionPreference = 'Stop'

$months = @(Get-SampleDataset AirPassengers | ConvertFrom-Dataset)
$passengers = [double[]]@($months | ForEach-Object { [double]$_.Passengers })
$growth = for ($i = 1; $i -lt $months.Count; $i++) {
    [pscustomobject]@{
        Month  = '{0}-{1:00}' -f [int]$months[$i].Year, [int]$months[$i].Month
        Growth = [Math]::Log($passengers[$i]) - [Math]::Log($passengers[$i - 1])
    }
}

# window k (0-based) holds the growth of months k+1 ... k+Window and is labelled by the growth of month k+Window+1
$windows = $growth | ConvertTo-Dataset -Label Growth -Feature Growth -Window $Window -Name 'passenger growth'
$train, $test = $windows | Split-Dataset -TestFraction 0.2 -Chronological
'{0} windows of {1} months: {2} to train, the last {3} to test' -f $windows.Rows, $Window, $train.Rows, $test.Rows

$net = New-Network -InputShape $train.Shape -Name 'passengers-lstm' -Seed 1 |
    Add-LstmLayer $Units |
    Add-DenseLayer 1 |
    Set-Optimizer Adam -LearningRate 0.01
$net | Out-Host
$null = $net | Invoke-Training -Data $train -Epochs $Epochs -BatchSize 16 -Normalize -Seed 1

# one-step forecasts of the test months: the month before times exp(predicted growth)
$lstmError = 0.0
$naiveError = 0.0
$rows = foreach ($prediction in Invoke-Prediction -Network $net -Data $test) {
    $month = $train.Rows + $prediction.Row + $Window      # index into $passengers of the month predicted
    $forecast = $passengers[$month - 1] * [Math]::Exp($prediction.Prediction)
    $lstmError += [Math]::Abs($forecast - $passengers[$month])
    $naiveError += [Math]::Abs($passengers[$month - 12] - $passengers[$month])
    [pscustomobject]@{
        Month         = $growth[$month - 1].Month
        Actual        = $passengers[$month]
        Lstm          = [Math]::Round($forecast, 1)
        SeasonalNaive = $passengers[$month - 12]
    }
}
$rows | Select-Object -Last 6 | Format-Table | Out-Host
'Test months {0} to {1}' -f $rows[0].Month, $rows[-1].Month
'LSTM test MAE: {0:F2} thousand passengers' -f ($lstmError / $test.Rows)
'Seasonal-naive test MAE: {0:F2} thousand passengers' -f ($naiveError / $test.Rows)

# the year after the series ends: the network continues from the last window it keeps, feeding back its growth
$level = $passengers[-1]
Invoke-Prediction -Network $net -Steps 12 | ForEach-Object {
    $level *= [Math]::Exp($_.Prediction)
    [pscustomobject]@{ Month = '1961-{0:00}' -f $_.Step; Passengers = [Math]::Round($level, 1) }
} | Format-Table | Out-Host
