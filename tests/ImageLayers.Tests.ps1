# Convolutional networks as a user builds them from pwsh: -InputShape, the image layer cmdlets, training, the model file.
BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
}

Describe 'New-Network -InputShape and the image layers' {
    It 'builds a CNN whose summary shows each output shape' {
        $net = New-Network -InputShape 1, 12, 12 -Seed 1 |
            Add-Conv2DLayer 4 -KernelSize 3 -Padding Same -Activation Relu |
            Add-MaxPoolLayer 2 |
            Add-Conv2DLayer 6 -KernelSize 3, 2 -Stride 2 |
            Add-AveragePoolLayer -PoolSize 1, 2 -Stride 1 |
            Add-FlattenLayer |
            Add-DenseLayer 3 -Activation Softmax
        $net.InputSize | Should -Be 144
        ($net.Layers | ForEach-Object Kind) -join ',' | Should -Be 'Conv2D,MaxPool2D,Conv2D,AveragePool2D,Flatten,Dense'
        $text = $net | Out-String -Width 100
        $text | Should -Match 'inputs: 1x12x12 = 144'
        $text | Should -Match '1  Conv2D 4 3x3 Same \(Relu\)\s+\(None, 4, 12, 12\)\s+40'
        $text | Should -Match 'MaxPool2D 2x2\s+\(None, 4, 6, 6\)'
        $text | Should -Match '\(None, 6, 2, 3\)'
        $text | Should -Match 'AveragePool2D 1x2 /1x1\s+\(None, 6, 2, 2\)'
    }

    It 'global average pooling gives one value a channel, and dense adds the flatten itself' {
        $net = New-Network -InputShape 3, 5, 5 | Add-Conv2DLayer 7 | Add-GlobalAveragePoolLayer | Add-DenseLayer 2
        $net.Layers[1].OutputShape.ToString() | Should -Be '(None, 7)'
        $flat = New-Network -InputShape 3, 5, 5 | Add-Conv2DLayer 7 | Add-DenseLayer 2
        ($flat.Layers | ForEach-Object Kind) -join ',' | Should -Be 'Conv2D,Flatten,Dense'
    }

    It 'trains on a flat dataset of C*H*W columns and keeps the shape in the model file' {
        $rows = foreach ($i in 1..60) {
            $label = $i % 2
            $record = [ordered]@{}
            for ($p = 0; $p -lt 16; $p++) { $record["p$p"] = if (($p % 4 -lt 2) -eq [bool]$label) { 1.0 } else { 0.1 * ($i % 3) } }
            $record.label = "c$label"
            [pscustomobject]$record
        }
        $data = $rows | ConvertTo-Dataset -Label label
        $net = New-Network -InputShape 1, 4, 4 -Seed 2 | Add-Conv2DLayer 3 -KernelSize 2 -Activation Relu | Add-DenseLayer 2 -Activation Softmax |
            Set-Optimizer Adam -LearningRate 0.05
        $net | Invoke-Training -Data $data -Epochs 30 | Select-Object -Last 1 | ForEach-Object Accuracy | Should -BeGreaterThan 0.9
        $path = Join-Path $TestDrive 'cnn.npsm'
        $net | Export-Network $path
        (Import-Network $path).InputShape.ToString() | Should -Be '(None, 1, 4, 4)'
    }

    It 'normalizes each channel after a convolution (gamma and beta per channel)' {
        $net = New-Network -InputShape 1, 6, 6 -Seed 1 | Add-Conv2DLayer 3 -KernelSize 3 | Add-BatchNormLayer -Activation Relu
        $net.Layers[1].ParameterCount | Should -Be 6
        $net.Layers[1].OutputShape.ToString() | Should -Be '(None, 3, 4, 4)'
    }

    It 'drops whole channels with Add-DropoutLayer -Spatial, and keeps it in the model file' {
        $net = New-Network -InputShape 1, 6, 6 -Seed 1 | Add-Conv2DLayer 3 -KernelSize 3 -Activation Relu | Add-DropoutLayer 0.2 -Spatial
        $net.Layers[1].Spatial | Should -BeTrue
        $net.Layers[1].Describe() | Should -Be 'SpatialDropout (0.2)'
        $path = Join-Path $TestDrive 'spatial.npsm'
        $net | Export-Network $path
        (Import-Network $path).Layers[1].Spatial | Should -BeTrue
        { New-Network 8 | Add-DropoutLayer 0.2 -Spatial -ErrorAction Stop } | Should -Throw -ErrorId 'SpatialDropoutOnRows*'
    }

    It 'names the errors: images layers on rows, a wrong shape' {
        { New-Network 8 | Add-Conv2DLayer 2 -ErrorAction Stop } | Should -Throw -ErrorId 'ImageInputRequired*'
        { New-Network 8 | Add-MaxPoolLayer -ErrorAction Stop } | Should -Throw -ErrorId 'ImageInputRequired*'
        { New-Network -InputShape 0, 28 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidInputShape*'
        { New-Network -InputShape 1, 3, 3 | Add-Conv2DLayer 2 -KernelSize 5 -ErrorAction Stop } | Should -Throw -ErrorId 'ShapeMismatch*'
    }
}

Describe 'Add-Conv1DLayer over windows of a series' {
    It 'trains on a windowed dataset and keeps the layer in the model file' {
        $series = 1..120 | ForEach-Object { [pscustomobject]@{ Load = [math]::Sin($_ * [math]::PI / 6); Hour = $_ % 12 } }
        $windows = $series | ConvertTo-Dataset -Label Load -Window 12
        $net = New-Network -InputShape $windows.Shape -Seed 1 |
            Add-Conv1DLayer 4 -KernelSize 3 -Stride 2 -Padding Same -Activation Relu | Add-DenseLayer 1 |
            Set-Optimizer Adam -LearningRate 0.01
        $net.Layers[0].OutputShape.ToString() | Should -Be '(None, 6, 4)'
        ($net.Layers | ForEach-Object Kind) -join ',' | Should -Be 'Conv1D,Flatten,Dense'
        $losses = $net | Invoke-Training -Data $windows -Epochs 20 -BatchSize 16 | ForEach-Object Loss
        $losses[-1] | Should -BeLessThan $losses[0]
        $path = Join-Path $TestDrive 'conv1d.npsm'
        $net | Export-Network $path
        (Import-Network $path).Layers[0].Describe() | Should -Be 'Conv1D 4 k3 /2 Same (Relu)'
    }

    It 'names the error on rows' {
        { New-Network 8 | Add-Conv1DLayer 2 -ErrorAction Stop } | Should -Throw -ErrorId 'SequenceInputRequired*'
    }
}
