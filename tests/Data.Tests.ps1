BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
    $script:csv = Join-Path $TestDrive 'iris.csv'
    Get-SampleDataset Iris | ConvertFrom-Dataset | Export-Csv -Path $csv
}

Describe 'Own data in, answers out, models kept, in a user''s pwsh' {
    It 'goes from a CSV to a saved model that answers in class names' {
        $data = Import-Csv $csv | ConvertTo-Dataset -Label Species
        $data.ClassNames | Should -Be @('setosa', 'versicolor', 'virginica')
        $net = New-Network 4 -Seed 1 | Add-DenseLayer 12 -Activation Relu | Add-DenseLayer 3 -Activation Softmax |
            Set-Optimizer Adam -LearningRate 0.02
        $null = $net | Invoke-Training -Data $data -Epochs 40 -BatchSize 16 -Normalize
        $path = Join-Path $TestDrive 'iris.npsm'
        $net | Export-Network -Path $path
        $loaded = Import-Network -Path $path
        $answers = Import-Csv $csv | Invoke-Prediction -Network $loaded
        $answers.Count | Should -Be 150
        @($answers | Where-Object { $_.Prediction -eq $_.Species }).Count | Should -BeGreaterThan 140
    }

    It 'reads the same CSV with Import-Dataset' {
        $fromFile = Import-Dataset -Path $csv -Label Species
        $fromPipeline = Import-Csv $csv | ConvertTo-Dataset -Label Species
        $fromFile.Features | Should -Be $fromPipeline.Features
        $fromFile.Targets | Should -Be $fromPipeline.Targets
    }

    It 'refuses a damaged model file with ModelFileCorrupt' {
        $path = Join-Path $TestDrive 'broken.npsm'
        [IO.File]::WriteAllBytes($path, [byte[]](1..200))
        { Import-Network -Path $path -ErrorAction Stop } | Should -Throw -ErrorId 'ModelFileCorrupt*' -ExpectedMessage '*broken.npsm*'
    }

    It 'keeps an existing model unless -Force is given, and honours -WhatIf' {
        $net = New-Network 2 -Seed 1 | Add-DenseLayer 1 -Activation Sigmoid
        $path = Join-Path $TestDrive 'kept.npsm'
        $net | Export-Network -Path $path -WhatIf
        Test-Path $path | Should -BeFalse
        $net | Export-Network -Path $path
        { $net | Export-Network -Path $path -ErrorAction Stop } | Should -Throw -ErrorId 'ModelFileExists*'
        { $net | Export-Network -Path $path -Force -ErrorAction Stop } | Should -Not -Throw
    }

    It 'names the record and the property that a prediction cannot read, and predicts the rest' {
        $net = New-Network 4 -Seed 1 | Add-DenseLayer 3 -Activation Softmax
        $null = $net | Invoke-Training -Data (Import-Csv $csv | ConvertTo-Dataset -Label Species) -Epochs 1
        $records = @(
            [pscustomobject]@{ SepalLength = 5.1; SepalWidth = 3.5; PetalLength = 1.4; PetalWidth = 0.2 }
            [pscustomobject]@{ SepalLength = 5.1; SepalWidth = 3.5 }
        )
        $answers = $records | Invoke-Prediction -Network $net -ErrorVariable failures -ErrorAction SilentlyContinue
        @($answers).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'MissingFeature*'
        $failures[0].Exception.Message | Should -BeLike "*Record 2*'PetalLength'*"
    }
}
