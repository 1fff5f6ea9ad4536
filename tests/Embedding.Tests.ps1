# Embeddings of a categorical column as a user's script sees them: -CategoryIndex, New-Network -Data,
# Add-EmbeddingLayer, an unseen category as one warning, the model file.
BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
    $script:records = foreach ($i in 0..95) {
        [pscustomobject]@{ Host = 'h{0:d2}' -f ($i % 8); Load = ($i % 5) / 2; Busy = if (($i % 8) -lt 3) { 'yes' } else { 'no' } }
    }
}

Describe 'Add-EmbeddingLayer' {
    BeforeAll {
        $script:train = $records | ConvertTo-Dataset -Label Busy -CategoryIndex Host
        $script:net = New-Network -Data $train -Seed 2 | Add-EmbeddingLayer -Feature Host -Dimensions 3 |
            Add-DenseLayer 6 -Activation Tanh | Add-DenseLayer 2 -Activation Softmax | Set-Optimizer Adam -LearningRate 0.05
        $null = $net | Invoke-Training -Data $train -Epochs 40 -Normalize
    }

    It 'replaces the index column by a learned vector and learns the hosts' {
        $train.FeatureCount | Should -Be 2
        $net.Layers[1].Describe() | Should -Be 'Embedding Host (8+1 x 3)'
        (Test-Network -Network $net -Data $train).Accuracy | Should -Be 1
    }

    It 'warns once for unseen hosts and predicts from the reserved row' {
        $out = 'new1', 'h01', 'new2' | ForEach-Object { [pscustomobject]@{ Host = $_; Load = 1 } } |
            Invoke-Prediction -Network $net -WarningVariable seen -WarningAction SilentlyContinue
        @($out).Count | Should -Be 3
        @($seen).Count | Should -Be 1
        $seen[0].Message | Should -BeLike "*column 'Host': 'new1'*"
        $out[1].Prediction | Should -Be 'yes'
    }

    It 'keeps the categories and the table in the model file' {
        $path = Join-Path $TestDrive 'hosts.npsm'
        $net | Export-Network -Path $path
        $loaded = Import-Network $path
        $probe = [pscustomobject]@{ Host = 'h05'; Load = 2 }
        ($probe | Invoke-Prediction -Network $loaded -IncludeProbabilities).'P(no)' |
            Should -Be ($probe | Invoke-Prediction -Network $net -IncludeProbabilities).'P(no)'
    }

    It 'refuses a one-hot column with InvalidEmbedding' {
        $oneHot = $records | ConvertTo-Dataset -Label Busy
        { New-Network -Data $oneHot | Add-EmbeddingLayer Host 2 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidEmbedding*'
    }
}
