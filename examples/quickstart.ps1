# Quickstart: train an Iris classifier from the embedded sample, watch the epochs, test it, ask it questions.
#   dotnet run --project src/NeuralPS.Host -- examples/quickstart.ps1
# or, in pwsh from the repository root after `dotnet build`:  Import-Module ./NeuralPS.psd1; ./examples/quickstart.ps1
[CmdletBinding()]
param(
    [int] $Epochs = 60
)

$iris = Get-SampleDataset Iris
$train, $test = $iris | Split-Dataset -TestFraction 0.2 -Stratify -Seed 42

$net = New-Network 4 -Name 'iris' -Seed 42 |
    Add-NormalizationLayer |
    Add-DenseLayer 16 -Activation Relu |
    Add-DenseLayer 3 -Activation Softmax |
    Set-Optimizer Adam -LearningRate 0.01

# One row per epoch streams past as training runs; every 10th is shown here to keep the page short.
$net | Invoke-Training -Data $train -ValidationData $test -Epochs $Epochs -BatchSize 16 |
    Where-Object { $_.Epoch % 10 -eq 0 } | Format-Table | Out-Host

$net | Out-Host

$evaluation = Test-Network -Network $net -Data $test
$evaluation | Out-Host
'Test accuracy: {0:P1}' -f $evaluation.Accuracy

# Predictions answer in the user's own labels, on plain objects with the same property names.
$flowers = @(
    [pscustomobject]@{ SepalLength = 5.1; SepalWidth = 3.5; PetalLength = 1.4; PetalWidth = 0.2 }
    [pscustomobject]@{ SepalLength = 6.0; SepalWidth = 2.7; PetalLength = 4.2; PetalWidth = 1.3 }
    [pscustomobject]@{ SepalLength = 6.9; SepalWidth = 3.1; PetalLength = 5.7; PetalWidth = 2.2 }
)
$flowers | Invoke-Prediction -Network $net | Format-Table SepalLength, PetalLength, Prediction, @{ n = 'Confidence'; e = { '{0:P1}' -f $_.Confidence } }
