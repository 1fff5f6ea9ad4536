# From a CSV file to answers and a saved model: the whole story on your own data, shown with Iris.
# The CSV is written from the embedded sample first, as if it were a file you had.
#   dotnet run --project src/NeuralPS.Host -- examples/iris-csv.ps1
# or, in pwsh from the repository root after `dotnet build`:  Import-Module ./NeuralPS.psd1; ./examples/iris-csv.ps1
[CmdletBinding()]
param(
    [ValidateRange(1, 1000)]
    [int] $Epochs = 60
)
$ErrorActionPreference = 'Stop'

$folder = Join-Path ([IO.Path]::GetTempPath()) ('neuralps-iris-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory -Path $folder
try {
    $csv = Join-Path $folder 'iris.csv'
    Get-SampleDataset Iris | ConvertFrom-Dataset | Export-Csv -Path $csv
    Get-Content -Path $csv -TotalCount 4 | Out-Host

    # Import-Csv gives text; numbers in text count as numbers, and the text label makes it a classification.
    # (Without pwsh's Import-Csv: Import-Dataset -Path $csv -Label Species gives the same dataset.)
    $data = Import-Csv -Path $csv | ConvertTo-Dataset -Label Species -Name 'iris'
    $data | Out-Host
    $data | ConvertFrom-Dataset -First 5 | Format-Table | Out-Host

    $train, $test = $data | Split-Dataset -TestFraction 0.2 -Stratify -Seed 42

    # -Normalize learns each column's mean and spread from the training data and keeps them in the model.
    $net = New-Network -InputSize $data.FeatureCount -Name 'iris-csv' -Seed 42 |
        Add-DenseLayer -Units 16 -Activation Relu |
        Add-DenseLayer -Units 3 -Activation Softmax |
        Set-Optimizer -Name Adam -LearningRate 0.01
    $net | Invoke-Training -Data $train -ValidationData $test -Epochs $Epochs -BatchSize 16 -Normalize |
        Where-Object { $_.Epoch % 20 -eq 0 } | Format-Table | Out-Host

    $evaluation = Test-Network -Network $net -Data $test
    $evaluation | Out-Host
    'Test accuracy: {0:P1}' -f $evaluation.Accuracy

    # Keep the model, then use it as another script would: load it and hand it new rows of the same CSV shape.
    $modelPath = Join-Path $folder 'iris.npsm'
    $net | Export-Network -Path $modelPath
    $model = Import-Network -Path $modelPath

    $newCsv = Join-Path $folder 'new-flowers.csv'
    @'
SepalLength,SepalWidth,PetalLength,PetalWidth
5.0,3.4,1.5,0.2
6.4,2.9,4.3,1.3
7.7,3.0,6.1,2.3
'@ | Set-Content -Path $newCsv
    Import-Csv -Path $newCsv | Invoke-Prediction -Network $model -IncludeProbabilities |
        Format-Table PetalLength, PetalWidth, Prediction, @{ n = 'Confidence'; e = { '{0:P1}' -f $_.Confidence } },
            @{ n = 'P(setosa)'; e = { '{0:N3}' -f $_.'P(setosa)' } }, @{ n = 'P(virginica)'; e = { '{0:N3}' -f $_.'P(virginica)' } } | Out-Host
}
finally {
    Remove-Item -LiteralPath $folder -Recurse -Force
}
