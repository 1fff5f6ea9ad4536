# Forecasting as a user does it from pwsh: a network trained on windows continues its series with Invoke-Prediction -Steps.
BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
    $script:series = 1..96 | ForEach-Object { [pscustomobject]@{ Hour = $_; Load = 50 + 20 * [math]::Sin($_ * [math]::PI / 12) } }
    $windows = $script:series | ConvertTo-Dataset -Label Load -Feature Load -Window 12
    $script:net = New-Network -InputShape $windows.Shape -Seed 1 | Add-GruLayer 8 | Add-DenseLayer 1 | Set-Optimizer Adam -LearningRate 0.02
    $null = $script:net | Invoke-Training -Data $windows -Epochs 20 -BatchSize 16 -Normalize
}

Describe 'Invoke-Prediction -Steps' {
    It 'writes one object a step, ready for Export-Csv' {
        $forecast = Invoke-Prediction -Network $script:net -Steps 6
        $forecast.Count | Should -Be 6
        $forecast.Step | Should -Be (1..6)
        $forecast[0].Label | Should -Be 'Load'
        $forecast[0].Prediction | Should -BeOfType [double]
        $path = Join-Path -Path $TestDrive -ChildPath 'forecast.csv'
        $forecast | Export-Csv -Path $path
        (Import-Csv -Path $path)[5].Step | Should -Be '6'
    }

    It 'forecasts the same after the model file round trip' {
        $path = Join-Path -Path $TestDrive -ChildPath 'load.npsm'
        Export-Network -Network $script:net -Path $path
        $loaded = Import-Network -Path $path
        (Invoke-Prediction -Network $loaded -Steps 4).Prediction | Should -Be (Invoke-Prediction -Network $script:net -Steps 4).Prediction
    }

    It 'refuses a series shorter than one window with SeriesTooShort' {
        { $script:series | Select-Object -First 5 | Invoke-Prediction -Network $script:net -Steps 2 -ErrorAction Stop } |
            Should -Throw -ErrorId 'SeriesTooShort*'
    }

    It 'refuses a window of the wrong length with WindowMismatch' {
        $six = $script:series | ConvertTo-Dataset -Label Load -Feature Load -Window 6
        { Invoke-Prediction -Network $script:net -Data $six -ErrorAction Stop } | Should -Throw -ErrorId 'WindowMismatch*'
    }
}
