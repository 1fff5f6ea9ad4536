BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
}

Describe 'NeuralPS from a user''s pwsh' {
    It 'trains XOR through the pipeline and predicts every row' {
        $net = New-Network -InputSize 2 -Seed 1 | Add-DenseLayer 4 -Activation Tanh | Add-DenseLayer 1 -Activation Sigmoid |
            Set-Optimizer Sgd -LearningRate 0.5
        $epochs = $net | Invoke-Training -Data (Get-SampleDataset Xor) -Epochs 2000 -BatchSize 4
        $epochs.Count | Should -Be 2000
        $predictions = @(0, 0), @(0, 1), @(1, 0), @(1, 1) | ForEach-Object { Invoke-Prediction -Network $net -InputObject $_ }
        $predictions.Prediction | Should -Be @('0', '1', '1', '0')
    }

    It 'says clearly when a dataset does not fit the network' {
        { New-Network 3 | Add-DenseLayer 3 -Activation Softmax | Invoke-Training -Data (Get-SampleDataset Iris) -ErrorAction Stop } |
            Should -Throw -ErrorId 'ShapeMismatch*' -ExpectedMessage '*expects 3 inputs but the training data has 4 features*'
    }
}
