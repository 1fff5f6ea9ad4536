# A flat CSV as images: the 8x8 handwritten digits (examples/data/digits-8x8.csv, 64 pixel columns a row) go into a
# small convolutional network through New-Network -InputShape 1,8,8, and into a dense network of about as
# many parameters, on the same split; the CNN should do at least as well. Every network is seeded: the figures repeat.
#   dotnet run --project src/NeuralPS.Host -- examples/digits-cnn.ps1
[CmdletBinding()]
param(
    [ValidateRange(1, 1000)]
    [int] $Epochs = 30
)
$ErrorActionPreference = 'Stop'

$data = Import-Dataset (Join-Path $PSScriptRoot 'data/digits-8x8.csv') -Label digit -Classification -Name 'digits'
$train, $test = $data | Split-Dataset -TestFraction 0.25 -Stratify -Seed 1

# The same training for both: inputs standardized (learned on the training rows, kept in the model), Adam, 64 a batch.
function Measure-Network($Network, [int] $EpochCount) {
    $Network | Set-Optimizer Adam -LearningRate 0.003 |
        Invoke-Training -Data $train -Epochs $EpochCount -BatchSize 64 -Normalize -Seed 1 | Select-Object -Last 1 | Out-Null
    (Test-Network -Network $Network -Data $test).Accuracy
}

$dense = New-Network 64 -Name 'dense' -Seed 1 |
    Add-DenseLayer 64 -Activation Relu | Add-DenseLayer 10 -Activation Softmax
$cnn = New-Network -InputShape 1,8,8 -Name 'cnn' -Seed 1 |
    Add-Conv2DLayer 16 -KernelSize 3 -Padding Same -Activation Relu |
    Add-MaxPoolLayer 2 |
    Add-Conv2DLayer 32 -KernelSize 3 -Padding Same -Activation Relu |
    Add-MaxPoolLayer 2 |
    Add-DenseLayer 10 -Activation Softmax
$cnn | Out-Host

$denseAccuracy = Measure-Network $dense $Epochs
$cnnAccuracy = Measure-Network $cnn $Epochs
[pscustomobject]@{ Network = 'Dense 64-64-10'; Parameters = $dense.ParameterCount; TestAccuracy = '{0:P2}' -f $denseAccuracy },
[pscustomobject]@{ Network = 'CNN 16-pool-32-pool-10'; Parameters = $cnn.ParameterCount; TestAccuracy = '{0:P2}' -f $cnnAccuracy } |
    Format-Table | Out-Host
if ($cnnAccuracy -lt $denseAccuracy) { throw "The CNN ($cnnAccuracy) scored below the dense network ($denseAccuracy) on the same split." }
