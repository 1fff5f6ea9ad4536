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

Describe 'Where the module points its users' {
    It 'has a HelpInfoUri in the project, and every cmdlet''s help links its online version there first' {
        $module = Get-Module -Name NeuralPS
        $module.HelpInfoUri | Should -Match '^https://'
        $module.HelpInfoUri | Should -BeLike "$($module.ProjectUri)/*"
        foreach ($name in $module.ExportedCmdlets.Keys) {
            # Get-Help -Online opens the first related link that has a URI: the cmdlet's markdown under HelpInfoUri.
            $first = @((Get-Help -Name $name).relatedLinks.navigationLink | Where-Object -Property uri)[0]
            $first.linkText | Should -Be 'Online Version:' -Because $name
            $first.uri | Should -Be "$($module.HelpInfoUri)/$name.md" -Because $name
            Join-Path -Path $PSScriptRoot -ChildPath "../module/help/$name.md" | Should -Exist -Because "the online page of $name is its markdown"
        }
    }
}
