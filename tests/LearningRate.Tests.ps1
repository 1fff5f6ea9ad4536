# Find-LearningRate and Invoke-Training -CheckpointPath as a user's pwsh script meets them.
BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
    $script:fashionMnist = '/usr/share/datasets/fashion-mnist'
    $script:hasFashionMnist = Test-Path -Path (Join-Path -Path $fashionMnist -ChildPath 'train-images-idx3-ubyte.gz')
    $script:noFashionMnist = "Fashion-MNIST is not in $fashionMnist (apt-get install dataset-fashion-mnist)"
}

Describe 'Find-LearningRate' {
    It "suggests a rate within 3x of 1e-3 for W1's network (Fashion-MNIST 784-128-64-10 ReLU, Adam, batch 128)" {
        if (-not $hasFashionMnist) { Set-ItResult -Skipped -Because $noFashionMnist; return }
        $data = Import-Dataset -Path "$fashionMnist/train-images-idx3-ubyte.gz" -LabelPath "$fashionMnist/train-labels-idx1-ubyte.gz"
        $net = New-Network 784 -Seed 1 | Add-DenseLayer 128 -Activation Relu | Add-DenseLayer 64 -Activation Relu |
            Add-DenseLayer 10 -Activation Softmax | Set-Optimizer Adam
        $found = Find-LearningRate $net $data -BatchSize 128
        Write-Information -MessageData "suggested $($found.SuggestedLearningRate) ($($found.Method)); minimum at $($found.MinimumLossLearningRate); $($found.Curve.Count) steps, $($found.StopReason)" -InformationAction Continue
        $found.Method | Should -Be 'SteepestDescent'
        $found.SuggestedLearningRate | Should -BeGreaterOrEqual (1e-3 / 3)
        $found.SuggestedLearningRate | Should -BeLessOrEqual (1e-3 * 3)
    }

    It 'leaves the network as it was, and draws its curve' {
        $data = Get-SampleDataset Iris
        $net = New-Network 4 -Seed 2 | Add-NormalizationLayer | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax |
            Set-Optimizer Adam 0.01
        $null = $net | Invoke-Training -Data $data -Epochs 2 -BatchSize 16
        $before = Join-Path -Path $TestDrive -ChildPath 'before.npsm'
        $after = Join-Path -Path $TestDrive -ChildPath 'after.npsm'
        $net | Export-Network $before
        $found = $net | Find-LearningRate $data -BatchSize 8 -Steps 120
        $net | Export-Network $after
        (Get-FileHash -Path $after).Hash | Should -Be (Get-FileHash -Path $before).Hash
        $net.History.Count | Should -Be 2
        $found.Curve[0].PSObject.Properties.Name | Should -Be @('Step', 'LearningRate', 'Loss', 'SmoothedLoss')
        $found.Curve[0].LearningRate | Should -Be 1e-7
        $chart = $found | Export-TrainingChart (Join-Path -Path $TestDrive -ChildPath 'lr.svg') -PassThru
        $chart.Kind | Should -Be 'LearningRateCurve'
        $chart.Titles[0] | Should -Be "Learning rate range test of 'network'"
        ($found.Curve | Export-TrainingChart (Join-Path -Path $TestDrive -ChildPath 'curve.png') -PassThru).Kind | Should -Be 'LearningRateCurve'
        ($found | Out-String) | Should -Match 'SuggestedLearningRate\s+:\s+\d'
    }
}

Describe 'Invoke-Training -CheckpointPath' {
    It 'writes last, best and the newest epoch files, and Import-Network of last.npsm resumes with the same bits' {
        $data = Get-SampleDataset Moons -Samples 200 -Noise 0.2 -Seed 3
        $make = { New-Network 2 -Seed 4 | Add-DenseLayer 8 -Activation Tanh | Add-DropoutLayer 0.1 | Add-DenseLayer 1 -Activation Sigmoid | Set-Optimizer Adam 0.01 }
        $folder = Join-Path -Path $TestDrive -ChildPath 'checkpoints'
        $whole = & $make
        $null = $whole | Invoke-Training -Data $data -ValidationSplit 0.25 -Epochs 7 -BatchSize 32

        $first = & $make
        $null = $first | Invoke-Training -Data $data -ValidationSplit 0.25 -Epochs 4 -BatchSize 32 -CheckpointPath $folder -CheckpointEvery 2 -KeepCheckpoints 1
        Get-ChildItem -Path $folder -Name | Should -Be @('best.npsm', 'epoch-0004.npsm', 'last.npsm')
        $resumed = Import-Network (Join-Path -Path $folder -ChildPath 'last.npsm')
        $null = $resumed | Invoke-Training -Data $data -ValidationSplit 0.25 -Epochs (7 - $resumed.History.Count) -BatchSize 32 -CheckpointPath $folder -CheckpointEvery 2 -KeepCheckpoints 1
        Get-ChildItem -Path $folder -Name | Should -Be @('best.npsm', 'epoch-0007.npsm', 'last.npsm')
        $resumed.History.Loss | Should -Be $whole.History.Loss
        $resumed.Parameters | Should -Be $whole.Parameters
        ($resumed.History.ValidationLoss | Measure-Object -Minimum).Minimum | Should -Be (Import-Network (Join-Path $folder 'best.npsm')).History[-1].ValidationLoss
    }
}
