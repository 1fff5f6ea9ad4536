# Recurrent networks as a user builds them from pwsh: a windowed dataset's shape, Add-LstmLayer, Add-GruLayer, the model file.
BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
    $series = 1..120 | ForEach-Object { [pscustomobject]@{ Load = 50 + 20 * [math]::Sin($_ * [math]::PI / 12) } }
    $script:windows = $series | ConvertTo-Dataset -Label Load -Window 12
}

Describe 'Add-LstmLayer and Add-GruLayer' {
    It 'builds on a windowed dataset''s shape and the summary shows each output shape' {
        $net = New-Network -InputShape $script:windows.Shape -Seed 1 | Add-LstmLayer 8 -ReturnSequences | Add-GruLayer 4 | Add-DenseLayer 1
        ($net.Layers | ForEach-Object Kind) -join ',' | Should -Be 'LSTM,GRU,Dense'
        $text = $net | Out-String -Width 100
        $text | Should -Match 'inputs: 12x1 = 12'
        $text | Should -Match 'LSTM 8 \(sequences\)\s+\(None, 12, 8\)\s+352'
        $text | Should -Match 'GRU 4\s+\(None, 4\)\s+168'
    }

    It 'trains, and the model file keeps the layers and the shape' {
        $net = New-Network -InputShape $script:windows.Shape -Seed 2 | Add-NormalizationLayer | Add-GruLayer 6 | Add-DenseLayer 1 |
            Set-Optimizer Adam -LearningRate 0.02
        $epochs = $net | Invoke-Training -Data $script:windows -Epochs 5 -BatchSize 16
        $epochs[-1].Loss | Should -BeLessThan $epochs[0].Loss
        $path = Join-Path -Path $TestDrive -ChildPath 'gru.npsm'
        Export-Network -Network $net -Path $path
        $loaded = Import-Network $path
        $loaded.InputShape.ToString() | Should -Be '(None, 12, 1)'
        $loaded.Layers[1].Kind | Should -Be 'GRU'
    }

    It 'refuses a recurrent layer on rows with SequenceInputRequired' {
        { New-Network 12 | Add-LstmLayer 4 -ErrorAction Stop } | Should -Throw -ErrorId 'SequenceInputRequired*'
        { New-Network -InputShape 12, 1 | Add-LstmLayer 4 | Add-GruLayer 2 -ErrorAction Stop } | Should -Throw -ErrorId 'SequenceInputRequired*'
    }
}
