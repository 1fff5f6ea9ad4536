@{
    RootModule           = 'module/bin/NeuralPS.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f0f3c1e-5a57-4d59-9a55-0b7f3e1c2a10'
    Author               = 'NeuralPS contributors'
    CompanyName          = 'NeuralPS'
    Copyright            = '(c) NeuralPS contributors. MIT License.'
    Description          = 'Build, train, evaluate and use neural networks from PowerShell, on a fast vectorized C# core.'
    PowerShellVersion    = '7.4'
    # Where the help is published: build/HelpGen makes <HelpInfoUri>/<Verb-Noun>.md each cmdlet's online version.
    HelpInfoUri          = 'https://github.com/neuralps/NeuralPS/blob/main/module/help'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('module/NeuralPS.Format.ps1xml')
    TypesToProcess       = @('module/NeuralPS.Types.ps1xml')
    CmdletsToExport      = @(
        'New-Network'
        'Add-DenseLayer'
        'Add-DropoutLayer'
        'Add-BatchNormLayer'
        'Add-NormalizationLayer'
        'Add-EmbeddingLayer'
        'Add-Conv2DLayer'
        'Add-MaxPoolLayer'
        'Add-AveragePoolLayer'
        'Add-GlobalAveragePoolLayer'
        'Add-FlattenLayer'
        'Add-Conv1DLayer'
        'Add-LstmLayer'
        'Add-GruLayer'
        'Set-Optimizer'
        'Set-Loss'
        'Invoke-Training'
        'Invoke-Prediction'
        'Test-Network'
        'Get-SampleDataset'
        'Split-Dataset'
        'ConvertTo-Dataset'
        'ConvertFrom-Dataset'
        'Import-Dataset'
        'Export-Network'
        'Import-Network'
        'Export-TrainingChart'
        'Show-TrainingHistory'
        'Get-FeatureImportance'
        'Get-Attribution'
        'Get-LayerStatistics'
        'Invoke-Sweep'
        'Invoke-CrossValidation'
        'Find-LearningRate'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('MachineLearning', 'NeuralNetwork', 'DeepLearning', 'Training', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ProjectUri   = 'https://github.com/neuralps/NeuralPS'
            ReleaseNotes = '0.1.0, the first release: dense, dropout, batch-norm and normalization layers; optimizers that match PyTorch (SGD, AdaGrad, RMSprop, Adam, AdamW, NAdam, L-BFGS) with schedules and clipping; datasets from objects, CSV and IDX files; training that streams one object per epoch with progress and Ctrl+C; evaluation, prediction in the user''s labels, model files and ONNX export, charts; Get-Help for every cmdlet and about_NeuralPS.'
        }
    }
}
