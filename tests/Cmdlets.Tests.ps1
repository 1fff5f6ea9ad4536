# Every cmdlet as a user calls it from pwsh: pipelines, positional parameters, errors, -WhatIf.
BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
    $script:iris = Get-SampleDataset -Name Iris
}

Describe 'New-Network' {
    It 'creates an empty network with a name and a seed' {
        $net = New-Network 4 -Name 'iris' -Seed 42
        $net.InputSize | Should -Be 4
        $net.Name | Should -Be 'iris'
        $net.Seed | Should -Be 42
        $net.Layers.Count | Should -Be 0
    }

    It 'shows a summary as its default view' {
        $text = New-Network 4 -Name 'iris' -Seed 42 | Add-DenseLayer 16 -Activation Relu | Out-String -Width 80
        $text | Should -Match "Network 'iris'  \(inputs: 4, seed: 42\)"
        $text | Should -Match '1  Dense \(Relu\)\s+\(None, 16\)\s+80'
        $text | Should -Match 'Total parameters : 80'
    }

    It 'refuses zero inputs' {
        { New-Network 0 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}

Describe 'Add-DenseLayer, Add-DropoutLayer, Add-BatchNormLayer, Add-NormalizationLayer' {
    It 'stack layers through the pipeline and pass the same network on' {
        $net = New-Network 4 -Seed 1
        $same = $net | Add-NormalizationLayer | Add-DenseLayer 8 -Activation Relu -L2 0.001 | Add-BatchNormLayer Relu |
            Add-DropoutLayer 0.2 | Add-DenseLayer 3 -Activation Softmax
        [object]::ReferenceEquals($net, $same) | Should -BeTrue
        $net.Layers.Kind | Should -Be @('Normalization', 'Dense', 'BatchNorm', 'Dropout', 'Dense')
        $net.OutputSize | Should -Be 3
    }

    It 'say what they added with -Verbose' {
        $verbose = New-Network 4 | Add-DenseLayer 8 -Activation Tanh -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $verbose.Message | Should -BeLike 'Added layer 1: Dense (Tanh), 40 parameters.'
    }

    It 'refuse a layer after the softmax output' {
        { New-Network 4 | Add-DenseLayer 3 -Activation Softmax | Add-DenseLayer 2 -ErrorAction Stop } |
            Should -Throw -ErrorId 'LayerAfterSoftmax*' -ExpectedMessage '*softmax on the last layer*'
    }

    It 'refuse a dropout rate of 1 or more' {
        { New-Network 4 | Add-DropoutLayer 1 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidDropoutRate*'
    }

    It 'refuse a normalization layer that is not first' {
        { New-Network 4 | Add-DenseLayer 4 | Add-NormalizationLayer -ErrorAction Stop } | Should -Throw -ErrorId 'NormalizationNotFirst*'
    }

    It 'take activation and initializer names in any case' {
        $net = New-Network 2 | Add-DenseLayer 4 -Activation leakyrelu -Initializer HENORMAL
        $net.Layers[0].Activation | Should -Be 'LeakyRelu'
    }
}

Describe 'Set-Optimizer and Set-Loss' {
    It 'set the optimizer with its schedule and pass the network on' {
        $net = New-Network 2 | Add-DenseLayer 1 -Activation Sigmoid | Set-Optimizer Sgd 0.1 -Momentum 0.9 -Nesterov -Schedule Cosine
        $net.OptimizerSettings.Kind | Should -Be 'Sgd'
        $net.OptimizerSettings.LearningRate | Should -Be 0.1
        $net.OptimizerSettings.Schedule.Kind | Should -Be 'Cosine'
    }

    It 'override the inferred loss' {
        (New-Network 3 | Add-DenseLayer 1).Loss | Should -Be 'MeanSquaredError'
        (New-Network 3 | Add-DenseLayer 1 | Set-Loss Huber).Loss | Should -Be 'Huber'
    }

    It 'change nothing with -WhatIf and still pass the network on' {
        $net = New-Network 2 | Add-DenseLayer 1 | Set-Optimizer Sgd -WhatIf | Set-Loss MeanAbsoluteError -WhatIf
        $net.OptimizerSettings.Kind | Should -Be 'Adam'
        $net.LossOverride | Should -BeNullOrEmpty
    }

    It 'say which names exist when given a wrong one' {
        { New-Network 2 | Set-Optimizer Adamax -ErrorAction Stop } | Should -Throw -ExpectedMessage '*AdamW*'
    }

    It 'refuse Nesterov without momentum' {
        { New-Network 2 | Add-DenseLayer 1 | Set-Optimizer Sgd -Nesterov -ErrorAction Stop } | Should -Throw -ErrorId 'NesterovWithoutMomentum*'
    }
}

Describe 'Get-SampleDataset and Split-Dataset' {
    It 'give the embedded Iris data' {
        $iris.Rows | Should -Be 150
        $iris.FeatureNames | Should -Be @('SepalLength', 'SepalWidth', 'PetalLength', 'PetalWidth')
        $iris.ClassNames | Should -Be @('setosa', 'versicolor', 'virginica')
    }

    It 'generate the same rows from the same seed' {
        $a = Get-SampleDataset Moons -Samples 50 -Seed 3
        $b = Get-SampleDataset moons -Samples 50 -Seed 3
        $a.Features | Should -Be $b.Features
    }

    It 'split into training and test parts, stratified' {
        $train, $test = $iris | Split-Dataset -TestFraction 0.2 -Stratify -Seed 1
        $train.Rows | Should -Be 120
        $test.Rows | Should -Be 30
        $test.ClassCounts() | Should -Be @(10, 10, 10)
    }

    It 'return a validation part third' {
        $parts = Split-Dataset $iris -TestFraction 0.2 -ValidationFraction 0.2 -Seed 1
        $parts.Count | Should -Be 3
        $parts[2].Name | Should -BeLike '*validation*'
    }

    It 'show a dataset readably' {
        $text = $iris | Out-String -Width 80
        $text | Should -Match 'Rows\s+: 150'
        $text | Should -Match 'setosa \(50\)'
    }

    It 'refuse fractions that leave no training rows' {
        { $iris | Split-Dataset -TestFraction 0.5 -ValidationFraction 0.5 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidSplit*'
    }
}

Describe 'Invoke-Training' {
    It 'writes one result per epoch and keeps them in the history' {
        $net = New-Network 4 -Seed 1 | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax
        $epochs = $net | Invoke-Training -Data $iris -Epochs 5 -ValidationSplit 0.2
        $epochs.Count | Should -Be 5
        $epochs[0] | Should -BeOfType ([NeuralPS.Core.EpochResult])
        $epochs.Epoch | Should -Be (1..5)
        $epochs[-1].ValidationAccuracy | Should -Not -BeNullOrEmpty
        $net.History.Count | Should -Be 5
    }

    It 'returns the network with -PassThru and continues the epoch count' {
        $net = New-Network 4 -Seed 1 | Add-DenseLayer 3 -Activation Softmax
        $null = $net | Invoke-Training -Data $iris -Epochs 2
        $same = $net | Invoke-Training -Data $iris -Epochs 3 -PassThru
        [object]::ReferenceEquals($net, $same) | Should -BeTrue
        $net.History.Epoch | Should -Be (1..5)
    }

    It 'gives the same weights for the same seed, on any thread count' {
        $a = New-Network 4 -Seed 9 | Add-DenseLayer 32 -Activation Relu | Add-DenseLayer 3 -Activation Softmax
        $b = New-Network 4 -Seed 9 | Add-DenseLayer 32 -Activation Relu | Add-DenseLayer 3 -Activation Softmax
        $null = $a | Invoke-Training -Data $iris -Epochs 3 -ThreadCount 1
        $null = $b | Invoke-Training -Data $iris -Epochs 3 -ThreadCount 2
        $a.Parameters | Should -Be $b.Parameters
    }

    It 'stops early and says why with -Verbose' {
        $net = New-Network 4 -Seed 1 | Add-DenseLayer 3 -Activation Softmax
        $out = $net | Invoke-Training -Data $iris -Epochs 100 -EarlyStopping -Patience 2 -MinDelta 10 -Verbose 4>&1
        $messages = ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        $messages -like 'Early stopping: no improvement for 2 epochs*' | Should -Not -BeNullOrEmpty
        @($out | Where-Object { $_ -is [NeuralPS.Core.EpochResult] }).Count | Should -BeLessThan 100
    }

    It 'shows the epochs as a table that fits 80 columns' {
        $net = New-Network 4 -Seed 1 | Add-DenseLayer 3 -Activation Softmax
        $lines = $net | Invoke-Training -Data $iris -Epochs 2 -ValidationSplit 0.2 | Out-String -Width 80 -Stream | Where-Object { $_ }
        $lines[0] | Should -Match '^Epoch\s+Loss\s+Accuracy\s+ValLoss\s+ValAcc\s+LearningRate\s+Duration\s+Samples/s$'
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 80 }
    }

    It 'refuses data of the wrong width, naming both widths' {
        { New-Network 3 | Add-DenseLayer 3 -Activation Softmax | Invoke-Training -Data $iris -ErrorAction Stop } |
            Should -Throw -ErrorId 'ShapeMismatch*' -ExpectedMessage '*expects 3 inputs but the training data has 4 features*'
    }

    It 'refuses a network without layers' {
        { New-Network 4 | Invoke-Training -Data $iris -ErrorAction Stop } | Should -Throw -ErrorId 'NoLayers*'
    }
}

Describe 'Test-Network' {
    BeforeAll {
        $script:train, $script:test = $iris | Split-Dataset -TestFraction 0.2 -Stratify -Seed 42
        $script:net = New-Network 4 -Seed 42 | Add-NormalizationLayer | Add-DenseLayer 16 -Activation Relu |
            Add-DenseLayer 3 -Activation Softmax | Set-Optimizer Adam 0.01
        $null = $net | Invoke-Training -Data $train -Epochs 60 -BatchSize 16
    }

    It 'evaluates accuracy, per-class metrics and a confusion matrix' {
        $evaluation = Test-Network $net $test
        $evaluation.Accuracy | Should -BeGreaterOrEqual 0.9
        $evaluation.Classes.Class | Should -Be @('setosa', 'versicolor', 'virginica')
        $evaluation.ConfusionMatrix.Counts.Length | Should -Be 9
    }

    It 'takes the dataset from the pipeline' {
        ($test | Test-Network $net).Rows | Should -Be 30
    }

    It 'shows the evaluation readably at 80 columns' {
        $text = Test-Network $net $test | Out-String -Width 80
        $text | Should -Match 'Accuracy : \d'
        $text | Should -Match 'Confusion matrix'
        $text -split "`n" | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
    }

    It 'numbers the confusion matrix columns when ten long class names do not fit 80 columns' {
        $names = 'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'
        $records = for ($i = 0; $i -lt 200; $i++) { [pscustomobject]@{ A = $i % 10; B = ($i * 7) % 13; Item = $names[$i % 10] } }
        $data = $records | ConvertTo-Dataset -Label Item
        $ten = New-Network 2 -Seed 1 | Add-DenseLayer 10 -Activation Softmax
        $null = $ten | Invoke-Training -Data $data -Epochs 1
        $lines = Test-Network $ten $data | Out-String -Width 80 -Stream
        $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
        $lines | Should -Contain ($lines | Where-Object { $_ -match '^actual \\ predicted\s+1\s+2\s+3' })
        ($lines | Where-Object { $_ -match '^\s*10 Trouser' }) | Should -Not -BeNullOrEmpty
        (Test-Network $ten $data).ConfusionMatrix.ToString() | Should -Match 'Ankle boot\s+Bag\s+Coat'
    }

    It 'evaluates regression with MSE and R squared' {
        $data = Get-SampleDataset Regression -Seed 1
        $reg = New-Network 3 -Seed 1 | Add-DenseLayer 16 -Activation Tanh | Add-DenseLayer 1 | Set-Optimizer Adam 0.01
        $null = $reg | Invoke-Training -Data $data -Epochs 20
        $evaluation = Test-Network $reg $data
        $evaluation.MeanSquaredError | Should -BeGreaterThan 0
        $evaluation.RSquared | Should -Not -BeNullOrEmpty
    }

    It 'refuses data of another width' {
        { Test-Network $net (Get-SampleDataset Xor) -ErrorAction Stop } | Should -Throw -ErrorId 'ShapeMismatch*'
    }
}

Describe 'Invoke-Prediction' {
    BeforeAll {
        $script:net = New-Network 4 -Seed 42 | Add-NormalizationLayer | Add-DenseLayer 16 -Activation Relu |
            Add-DenseLayer 3 -Activation Softmax | Set-Optimizer Adam 0.01
        $null = $net | Invoke-Training -Data $iris -Epochs 60 -BatchSize 16
    }

    It 'answers in the user''s labels and keeps the record''s properties' {
        $result = [pscustomobject]@{ Id = 7; SepalLength = 5.1; SepalWidth = 3.5; PetalLength = 1.4; PetalWidth = 0.2 } |
            Invoke-Prediction -Network $net
        $result.Id | Should -Be 7
        $result.Prediction | Should -Be 'setosa'
        $result.Confidence | Should -BeGreaterThan 0.5
    }

    It 'reads hashtables and adds class probabilities' {
        $result = @{ SepalLength = 6.9; SepalWidth = 3.1; PetalLength = 5.7; PetalWidth = 2.2 } | Invoke-Prediction $net -IncludeProbabilities
        $result.Prediction | Should -Be 'virginica'
        $result.'P(virginica)' | Should -BeGreaterThan 0.5
    }

    It 'predicts rows of numbers and every row of a dataset' {
        (Invoke-Prediction -Network $net -InputObject @(5.1, 3.5, 1.4, 0.2)).Prediction | Should -Be 'setosa'
        $rows = Invoke-Prediction -Network $net -Data $iris
        $rows.Count | Should -Be 150
        @($rows | Where-Object { $_.Prediction -eq $_.Actual }).Count | Should -BeGreaterThan 140
    }

    It 'writes a non-terminating error for a bad record and goes on' {
        $records = [pscustomobject]@{ SepalLength = 5.1; SepalWidth = 3.5; PetalLength = 1.4 },
            [pscustomobject]@{ SepalLength = 5.1; SepalWidth = 3.5; PetalLength = 1.4; PetalWidth = 0.2 }
        $out = $records | Invoke-Prediction $net -ErrorVariable problems -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'MissingFeature*'
        $problems[0].Exception.Message | Should -BeLike "*Record 1 has no property 'PetalWidth'*"
    }
}
