[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester: BeforeAll variables are read in the It blocks.')]
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'Test helpers that only build objects in memory.')]
param()

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
    $net = New-Network 4 -Name iris-history -Seed 1 | Add-NormalizationLayer | Add-DenseLayer 8 -Activation Relu |
        Add-DenseLayer 3 -Activation Softmax | Set-Optimizer Adam -LearningRate 0.02
    $null = $net | Invoke-Training -Data (Get-SampleDataset Iris) -Epochs 20 -ValidationSplit 0.2
    $savedRendering = $PSStyle.OutputRendering
}

AfterAll { $PSStyle.OutputRendering = $savedRendering }

Describe 'Show-TrainingHistory' {
    It 'draws braille curves into the information stream, tagged PSHOST, and writes no output' {
        $PSStyle.OutputRendering = 'PlainText'
        $output = $net | Show-TrainingHistory -Width 40 -Height 6 -InformationVariable lines
        $output | Should -BeNullOrEmpty
        $lines.Count | Should -BeGreaterThan 16
        $lines | ForEach-Object { $_.Tags | Should -Contain 'PSHOST' }
        $text = $lines | ForEach-Object { $_.MessageData.Message }
        $text[0] | Should -Be "Training of 'iris-history' (20 epochs)"
        $text | Should -Contain '' # a blank line between the loss and accuracy panels
        ($text | Where-Object { $_ -match '^Loss ' }) | Should -Match 'training [\d.]+ .* validation [\d.]+'
        ($text | Where-Object { $_ -match '^Accuracy ' }) | Should -Not -BeNullOrEmpty
        ($text | Where-Object { $_ -match '[\u2801-\u28FF]' }).Count | Should -BeGreaterThan 6
        ($text -join "`n") | Should -Not -Match "`e\["
    }

    It 'can be captured with 6>&1' {
        $PSStyle.OutputRendering = 'PlainText'
        $captured = $net | Show-TrainingHistory -Metric Loss -Height 4 6>&1
        $captured | Should -HaveCount 8 # title, legend, 4 rows, axis, axis labels
        $captured[0] | Should -BeOfType [System.Management.Automation.InformationRecord]
        "$($captured[1])" | Should -BeLike 'Loss*'
    }

    It 'colours the curves only where $PSStyle.OutputRendering allows' {
        $PSStyle.OutputRendering = 'Ansi'
        $coloured = ($net | Show-TrainingHistory 6>&1 | ForEach-Object { "$_" }) -join "`n"
        $coloured | Should -Match "`e\[94m"
        $PSStyle.OutputRendering = 'PlainText'
        $plain = ($net | Show-TrainingHistory 6>&1 | ForEach-Object { "$_" }) -join "`n"
        $plain | Should -Not -Match "`e\["
    }

    It 'lands in a transcript' {
        $PSStyle.OutputRendering = 'PlainText'
        $transcript = Join-Path $TestDrive 'transcript.txt'
        $null = Start-Transcript -Path $transcript
        $net | Show-TrainingHistory -Metric Accuracy -Height 3
        $null = Stop-Transcript
        $content = Get-Content -Raw $transcript
        $content | Should -Match 'Accuracy +.. training'
        $content | Should -Match '[\u2801-\u28FF]'
    }

    It 'takes epoch results from the pipeline' {
        $PSStyle.OutputRendering = 'PlainText'
        $fresh = New-Network 3 -Seed 2 | Add-DenseLayer 4 -Activation Tanh | Add-DenseLayer 1
        $lines = $fresh | Invoke-Training -Data (Get-SampleDataset Regression) -Epochs 4 | Show-TrainingHistory -Height 4 6>&1 | ForEach-Object { "$_" }
        $lines[0] | Should -Be 'Training (4 epochs)'
        $lines | Should -Not -Contain 'Accuracy'
    }

    It 'says clearly when the network was never trained, or the metric is missing' {
        { New-Network 2 | Add-DenseLayer 1 | Show-TrainingHistory -ErrorAction Stop } | Should -Throw -ErrorId 'NeverTrained*'
        $regression = New-Network 3 -Seed 2 | Add-DenseLayer 1
        $null = $regression | Invoke-Training -Data (Get-SampleDataset Regression) -Epochs 2
        { $regression | Show-TrainingHistory -Metric Accuracy -ErrorAction Stop } | Should -Throw -ErrorId 'NoSuchMetric*'
    }
}
