BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force

    # Breast cancer with the benign class under-sampled to 5% of the training rows; the test split keeps all of it.
    $script:train, $script:test = Get-SampleDataset BreastCancer | Split-Dataset -TestFraction 0.3 -Stratify -Seed 1
    $malignant = @(0..($train.Rows - 1) | Where-Object { $train.LabelOf($_) -eq 1 })
    $benign = @(0..($train.Rows - 1) | Where-Object { $train.LabelOf($_) -eq 0 })
    $keep = [int][Math]::Round($malignant.Count * 5 / 95)
    $script:imbalanced = $train.Subset([int[]]($malignant + $benign[0..($keep - 1)]), 'benign at 5%')

    function Build-CancerNetwork {
        New-Network 30 -Seed 1 | Add-DenseLayer 16 -Activation Relu | Add-DenseLayer 1 -Activation Sigmoid |
            Set-Optimizer Adam -LearningRate 0.001
    }
}

Describe 'Class and sample weights, as a user gives them' {
    It 'raises the recall of a class of 5% of the rows with -ClassWeight Balanced' {
        $plain = Build-CancerNetwork
        $null = $plain | Invoke-Training -Data $imbalanced -Epochs 20 -Normalize -Seed 1
        $balanced = Build-CancerNetwork
        $null = $balanced | Invoke-Training -Data $imbalanced -Epochs 20 -Normalize -Seed 1 -ClassWeight Balanced
        $before = (Test-Network $plain $test).Classes[0].Recall
        $after = (Test-Network $balanced $test).Classes[0].Recall
        $after - $before | Should -BeGreaterOrEqual 0.2
    }

    It 'takes class weights by name, and a hashtable equal to Balanced trains the same bits' {
        $counts = $imbalanced.ClassCounts()
        $n = $imbalanced.Rows
        $weights = @{ benign = $n / (2 * $counts[0]); malignant = $n / (2 * $counts[1]) }
        $a = Build-CancerNetwork
        $b = Build-CancerNetwork
        $ea = $a | Invoke-Training -Data $imbalanced -Epochs 3 -Normalize -Seed 1 -ClassWeight Balanced
        $eb = $b | Invoke-Training -Data $imbalanced -Epochs 3 -Normalize -Seed 1 -ClassWeight $weights
        $eb[-1].Loss | Should -BeExactly $ea[-1].Loss
    }

    It 'refuses a class the data does not have, naming it' {
        { Build-CancerNetwork | Invoke-Training -Data $imbalanced -Epochs 1 -ClassWeight @{ bening = 5 } } |
            Should -Throw -ErrorId 'InvalidClassWeight*' -ExpectedMessage "*'bening'*benign, malignant*"
        { Build-CancerNetwork | Invoke-Training -Data $imbalanced -Epochs 1 -ClassWeight Balance } |
            Should -Throw -ErrorId 'InvalidClassWeight*'
    }

    It 'reads a weight column apart from the features, keeps it through Split-Dataset, and weighs Test-Network' {
        $records = 1..40 | ForEach-Object {
            [pscustomobject]@{ X = $_ % 7; Y = $_ % 5; Kind = if ($_ % 4 -eq 0) { 'b' } else { 'a' }; Trust = if ($_ % 4 -eq 0) { 3 } else { 1 } }
        }
        $data = $records | ConvertTo-Dataset -Label Kind -Weight Trust
        $data.FeatureNames | Should -Be @('X', 'Y')
        $data.WeightName | Should -Be 'Trust'
        $data.Weights[0..3] | Should -Be @(1, 1, 1, 3)
        "$data" | Should -BeLike '*weighted by Trust'
        $part, $rest = $data | Split-Dataset -TestFraction 0.5 -Seed 1
        $part.Weights.Count | Should -Be $part.Rows
        ($part | ConvertFrom-Dataset -First 1).PSObject.Properties.Name | Should -Contain 'Trust'

        $net = New-Network 2 -Seed 1 | Add-DenseLayer 1 -Activation Sigmoid
        $null = $net | Invoke-Training -Data $data -Epochs 2
        $evaluation = Test-Network $net $data
        $right = 0.0; $total = 0.0
        $answers = $records | Invoke-Prediction -Network $net
        foreach ($answer in $answers) { $total += $answer.Trust; if ($answer.Prediction -eq $answer.Kind) { $right += $answer.Trust } }
        $total | Should -Be 60
        $evaluation.WeightedAccuracy | Should -BeLessThan ($right / $total + 1e-9)
        $evaluation.WeightedAccuracy | Should -BeGreaterThan ($right / $total - 1e-9)
        ($evaluation | Out-String) | Should -BeLike '*Weighted : *'
    }

    It 'reads a weight column from a CSV with Import-Dataset, and refuses a bad weight naming the row' {
        $path = Join-Path $TestDrive 'weighted.csv'
        "X,Y,W`n1,a,2`n2,b,0.5`n3,a,1" | Set-Content -Path $path
        $data = Import-Dataset $path -Label Y -Weight W
        $data.FeatureNames | Should -Be @('X')
        $data.Weights | Should -Be @(2, 0.5, 1)
        "X,Y,W`n1,a,2`n2,b,-1" | Set-Content -Path $path
        { Import-Dataset $path -Label Y -Weight W -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidWeight*' -ExpectedMessage '*row 2*'
        { Import-Csv $path | ConvertTo-Dataset -Label Y -Weight W -Feature X, W } | Should -Throw -ErrorId 'WeightColumn*'
    }
}

Describe 'Metrics while training' {
    It 'puts the metrics in the epoch objects and the table' {
        $net = Build-CancerNetwork
        $epochs = $net | Invoke-Training -Data $train -ValidationData $test -Epochs 3 -Normalize -Seed 1 -Metric F1, AUC
        $epochs[-1].ValidationF1 | Should -BeGreaterThan 0.5
        $epochs[-1].AUC | Should -BeGreaterThan 0.5
        $epochs[-1].MAE | Should -BeNullOrEmpty
        $epochs[-1].Recall | Should -BeNullOrEmpty
        $table = $epochs | Out-String -Width 80
        $table | Should -BeLike '*ValMetrics*'
        $table | Should -BeLike '*F1 0.*AUC 0.*'
        ($epochs | Select-Object Epoch, ValidationAUC | Format-Table | Out-String) | Should -BeLike '*ValidationAUC*'
    }

    It 'charts the metrics' {
        $net = Build-CancerNetwork
        $epochs = $net | Invoke-Training -Data $train -ValidationData $test -Epochs 3 -Normalize -Metric F1
        $lines = $net | Show-TrainingHistory -Metric F1 6>&1 | ForEach-Object { "$_" }
        ($lines -join "`n") | Should -BeLike '*F1*validation*'
        $svg = Join-Path $TestDrive 'metrics.svg'
        $epochs | Export-TrainingChart -Path $svg
        Get-Content $svg -Raw | Should -BeLike '*F1*'
    }

    It 'refuses a metric that does not fit the task before training' {
        $net = Build-CancerNetwork
        { $net | Invoke-Training -Data $train -Epochs 1 -Metric R2 } | Should -Throw -ErrorId 'MetricMismatch*'
        $net.History.Count | Should -Be 0
    }

    It 'stops early on a metric to maximize, and keeps the epoch where it was highest' {
        $net = Build-CancerNetwork | Set-Optimizer Sgd -LearningRate 0.05
        $epochs = $net | Invoke-Training -Data $train -ValidationData $test -Epochs 40 -Normalize -Seed 1 -EarlyStopping -Patience 3 -Monitor ValidationF1
        $best = ($epochs | Measure-Object -Property ValidationF1 -Maximum).Maximum
        $best | Should -BeGreaterThan ($epochs | Measure-Object -Property ValidationF1 -Minimum).Minimum
        # For two classes F1 is the second class's (malignant), as Test-Network's per-class F1.
        (Test-Network $net $test).Classes[1].F1 | Should -BeLessThan ($best + 1e-12)
        (Test-Network $net $test).Classes[1].F1 | Should -BeGreaterThan ($best - 1e-12)
    }
}
