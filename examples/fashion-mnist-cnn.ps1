# Fashion-MNIST with a convolutional network: the W5 network of the benchmark, Conv(32, 3x3, same, ReLU) -> MaxPool 2 ->
# Conv(64, 3x3, same, ReLU) -> MaxPool 2 -> Dense 128 ReLU -> Dense 10 softmax, Adam 1e-3, batches of 64, on the IDX
# files Debian ships (apt-get install dataset-fashion-mnist). The images keep their shape (1, 28, 28) from the IDX
# files, and New-Network -InputShape $train.Shape takes it. Then it tests, exports to ONNX and predicts a few pictures.
#   dotnet run --project src/NeuralPS.Host -- -Command ./examples/fashion-mnist-cnn.ps1 -Rows 0   # all 60,000 training images
# -Rows takes the first N training images (and N/5 test images); the tests run it on a subset, which is also the
# default when NEURALPS_EXAMPLE_ROWS is set.
[CmdletBinding()]
param(
    [ValidateRange(1, 100)]
    [int] $Epochs = 5,
    # 0: every image. Default: $env:NEURALPS_EXAMPLE_ROWS if set, else 0.
    [ValidateRange(0, 60000)]
    [int] $Rows = $(if ($env:NEURALPS_EXAMPLE_ROWS) { [int]$env:NEURALPS_EXAMPLE_ROWS } else { 0 }),
    [string] $DataPath = '/usr/share/datasets/fashion-mnist',
    [string] $OnnxPath = (Join-Path ([IO.Path]::GetTempPath()) 'fashion-mnist-cnn.onnx'),
    [ValidateRange(1, 256)]
    [int] $ThreadCount = 1
)
$ErrorActionPreference = 'Stop'

$classes = 'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'
if (-not (Test-Path (Join-Path $DataPath 'train-images-idx3-ubyte.gz'))) {
    throw "Fashion-MNIST is not in '$DataPath'. Install it with: apt-get install dataset-fashion-mnist (or pass -DataPath)."
}
$train = Import-Dataset (Join-Path $DataPath 'train-images-idx3-ubyte.gz') -LabelPath (Join-Path $DataPath 'train-labels-idx1-ubyte.gz') -ClassName $classes -Name 'fashion-train'
$test = Import-Dataset (Join-Path $DataPath 't10k-images-idx3-ubyte.gz') -LabelPath (Join-Path $DataPath 't10k-labels-idx1-ubyte.gz') -ClassName $classes -Name 'fashion-test'
if ($Rows -gt 0) {
    $train = $train.Subset([int[]](0..($Rows - 1)), 'fashion-train (subset)')
    $test = $test.Subset([int[]](0..([Math]::Max(1, [int]($Rows / 5)) - 1)), 'fashion-test (subset)')
}
'Training on {0:N0} images of shape {1}' -f $train.Rows, ($train.Shape -join 'x')

$net = New-Network -InputShape $train.Shape -Name 'fashion-cnn' -Seed 1 |
    Add-Conv2DLayer 32 -KernelSize 3 -Padding Same -Activation Relu |
    Add-MaxPoolLayer 2 |
    Add-Conv2DLayer 64 -KernelSize 3 -Padding Same -Activation Relu |
    Add-MaxPoolLayer 2 |
    Add-DenseLayer 128 -Activation Relu |
    Add-DenseLayer 10 -Activation Softmax |
    Set-Optimizer Adam -LearningRate 0.001
$net | Out-Host

$clock = [Diagnostics.Stopwatch]::StartNew()
$net | Invoke-Training -Data $train -Epochs $Epochs -BatchSize 64 -ThreadCount $ThreadCount | Format-Table | Out-Host
$trainingTime = $clock.Elapsed

$evaluation = Test-Network -Network $net -Data $test
'Test accuracy: {0:P2} on {1:N0} images after {2} epochs, trained in {3:N1} s' -f $evaluation.Accuracy, $test.Rows, $Epochs, $trainingTime.TotalSeconds

# ONNX: Conv, MaxPool, Flatten and Gemm nodes; any ONNX runtime gives the same class probabilities.
$net | Export-Network -Path $OnnxPath -Force
'Exported to {0} ({1:N0} KB)' -f $OnnxPath, ((Get-Item $OnnxPath).Length / 1KB)

$test | ConvertFrom-Dataset -First 6 | Invoke-Prediction -Network $net |
    Format-Table @{ n = 'Actual'; e = { $_.label } }, Prediction, @{ n = 'Confidence'; e = { '{0:P1}' -f $_.Confidence } } | Out-Host
