# Interpret: train an Iris classifier, chart how training went, export the model to ONNX for other runtimes, and
# ask what the network learned: which features matter, why one flower got its class, how each layer behaves.
#   dotnet run --project src/NeuralPS.Host -- examples/interpret.ps1
# or, in pwsh from the repository root after `dotnet build`:  Import-Module ./NeuralPS.psd1; ./examples/interpret.ps1
[CmdletBinding()]
param(
    # Where the charts and the ONNX model go (a new folder under the temporary folder by default).
    [string] $OutputFolder = (Join-Path ([System.IO.Path]::GetTempPath()) 'neuralps-interpret'),
    [int] $Epochs = 40
)

$null = New-Item -ItemType Directory -Force -Path $OutputFolder

$train, $test = Get-SampleDataset Iris | Split-Dataset -TestFraction 0.3 -Stratify -Seed 7
$net = New-Network 4 -Name 'iris' -Seed 7 |
    Add-NormalizationLayer |
    Add-DenseLayer 16 -Activation Relu |
    Add-DenseLayer 3 -Activation Softmax |
    Set-Optimizer Adam -LearningRate 0.02

# Train, and chart the curves as they come out of the pipeline: PNG and SVG, picked by the extension.
$net | Invoke-Training -Data $train -ValidationData $test -Epochs $Epochs -BatchSize 16 |
    Export-TrainingChart (Join-Path $OutputFolder 'training.png') -Width 900 -Height 400 -PassThru | Out-Host
$net | Export-TrainingChart (Join-Path $OutputFolder 'training.svg') -PassThru | Out-Host

# The same curves in the console (information stream: it shows here, lands in a transcript, 6>&1 captures it).
$net | Show-TrainingHistory -Metric Loss -Width 50 -Height 8

# Where the test set goes wrong, as a heatmap of the confusion matrix.
$evaluation = Test-Network -Network $net -Data $test
$evaluation | Export-TrainingChart (Join-Path $OutputFolder 'confusion.png') -PassThru | Out-Host
'Test accuracy: {0:P1}' -f $evaluation.Accuracy

# The model leaves the shell: ONNX with a dynamic batch dimension, class names in its metadata.
$onnx = Join-Path $OutputFolder 'iris.onnx'
$net | Export-Network -Path $onnx -Format Onnx -Force
'ONNX model: {0} ({1:N0} bytes)' -f $onnx, (Get-Item $onnx).Length

# Which features matter: shuffle each one and see how much accuracy drops.
$importance = Get-FeatureImportance -Network $net -Data $test -Repeats 5 -Seed 1
$importance | Format-Table | Out-Host
$importance | Export-TrainingChart (Join-Path $OutputFolder 'importance.svg')

# Why this flower is called what it is: integrated gradients from an average flower. The attributions add up to how
# far the predicted class's probability moved from the baseline's.
$flower = [pscustomobject]@{ SepalLength = 6.3; SepalWidth = 2.8; PetalLength = 5.1; PetalWidth = 1.5 }
$average = [pscustomobject]@{ SepalLength = 5.8; SepalWidth = 3.0; PetalLength = 3.8; PetalWidth = 1.2 }
$attribution = $flower | Get-Attribution -Network $net -Baseline $average
$attribution | Format-Table Feature, Value, Baseline, Attribution, Target | Out-Host
'{0}: probability {1:N3} against {2:N3} for the average flower; the attributions sum to {3:N3}' -f $attribution[0].Target,
    $attribution[0].Output, $attribution[0].BaselineOutput, ($attribution | Measure-Object Attribution -Sum).Sum

# How each layer behaves on the test data: norms, activations, dead ReLU units, last gradients.
Get-LayerStatistics -Network $net -Data $test | Format-Table | Out-Host
