[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester: BeforeAll variables are read in the It blocks.')]
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'Test helpers that only build objects in memory.')]
param()

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
    $iris = Get-SampleDataset Iris
    function New-IrisNetwork {
        New-Network 4 -Name iris-chart -Seed 1 | Add-NormalizationLayer | Add-DenseLayer 8 -Activation Relu |
            Add-DenseLayer 3 -Activation Softmax | Set-Optimizer Adam -LearningRate 0.02
    }
}

Describe 'Export-TrainingChart in a real pwsh session' {
    It 'writes the curves of a training piped into it as a PNG of the asked size, its text in the module''s font' {
        $path = Join-Path $TestDrive 'loss.png'
        $chart = New-IrisNetwork | Invoke-Training -Data $iris -Epochs 15 -ValidationSplit 0.2 |
            Export-TrainingChart $path -Width 640 -Height 360 -PassThru

        $bitmap = [SkiaSharp.SKBitmap]::Decode($path)
        try {
            $bitmap | Should -Not -BeNullOrEmpty
            $bitmap.Width | Should -Be 640
            $bitmap.Height | Should -Be 360
        }
        finally { $bitmap.Dispose() }

        # The font ScottPlot resolved for the chart's text is the DejaVu Sans file shipped in module/fonts,
        # registered under a name no system font has, so no installed font can stand in for it.
        $moduleFont = Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'module', 'fonts', 'DejaVuSans.ttf' | Resolve-Path
        $chart.FontFamily | Should -Be 'DejaVu Sans'
        $chart.FontFile | Should -Be $moduleFont.Path
        $fontName = [NeuralPS.Charts.PngChartRenderer]::FontName
        [ScottPlot.Fonts]::GetTypeface($fontName, $false, $false).FamilyName | Should -Be 'DejaVu Sans'
        # Only the file resolver knows that name: the system's fonts resolve nothing for it.
        $answers = foreach ($resolver in [ScottPlot.Fonts]::FontResolvers) {
            $typeface = $resolver.CreateTypeface($fontName, $false, $false)
            if ($typeface) { [pscustomobject]@{ Resolver = $resolver.GetType().Name; Family = $typeface.FamilyName } }
        }
        @($answers).Count | Should -Be 1
        $answers.Resolver | Should -Be 'FileFontResolver'
        $answers.Family | Should -Be 'DejaVu Sans'
    }

    It 'writes an SVG that parses as XML with one polyline per series' {
        $net = New-IrisNetwork
        $null = $net | Invoke-Training -Data $iris -Epochs 12 -ValidationSplit 0.2
        $path = Join-Path $TestDrive 'curves.svg'
        $net | Export-TrainingChart $path

        [xml] $svg = Get-Content -Raw $path
        $svg.svg.width | Should -Be '900'
        $lines = $svg.GetElementsByTagName('polyline')
        $lines.Count | Should -Be 4   # loss and accuracy, training and validation
        @($lines | ForEach-Object { $_.GetAttribute('data-series') }) | Should -Be @('training', 'validation', 'training', 'validation')
        foreach ($line in $lines) { ($line.GetAttribute('points') -split ' ').Count | Should -Be 12 }
        $texts = @($svg.GetElementsByTagName('text') | ForEach-Object InnerText)
        $texts | Should -Contain 'Loss'
        $texts | Should -Contain 'Accuracy'
        $texts | Should -Contain 'Epoch'
        $texts | Should -Contain "Training of 'iris-chart'"
    }

    It 'charts a regression history with the loss alone' {
        $net = New-Network 3 -Seed 2 | Add-DenseLayer 8 -Activation Tanh | Add-DenseLayer 1 | Set-Optimizer Adam -LearningRate 0.01
        $path = Join-Path $TestDrive 'regression.svg'
        $net | Invoke-Training -Data (Get-SampleDataset Regression) -Epochs 5 | Export-TrainingChart $path
        ([xml] (Get-Content -Raw $path)).GetElementsByTagName('polyline').Count | Should -Be 1
    }

    It 'charts a Test-Network result as a confusion matrix with counts and class names' {
        $net = New-IrisNetwork
        $null = $net | Invoke-Training -Data $iris -Epochs 20
        $evaluation = Test-Network $net $iris
        $svgPath = Join-Path $TestDrive 'confusion.svg'
        $pngPath = Join-Path $TestDrive 'confusion.png'
        $evaluation | Export-TrainingChart $svgPath
        $evaluation | Export-TrainingChart $pngPath -Width 500 -Height 500

        [xml] $svg = Get-Content -Raw $svgPath
        $cells = @($svg.GetElementsByTagName('rect') | Where-Object { $_.GetAttribute('class') -eq 'cell' })
        $cells.Count | Should -Be 9
        $classes = $evaluation.ConfusionMatrix.Classes
        $texts = @($svg.GetElementsByTagName('text') | ForEach-Object InnerText)
        foreach ($class in $classes) { $texts | Should -Contain $class }
        for ($r = 0; $r -lt 3; $r++) {
            for ($c = 0; $c -lt 3; $c++) {
                $cell = $cells | Where-Object { $_.GetAttribute('data-actual') -eq $classes[$r] -and $_.GetAttribute('data-predicted') -eq $classes[$c] }
                $cell.NextSibling.InnerText | Should -Be ([string] $evaluation.ConfusionMatrix.Counts[$r, $c])
            }
        }
        $bitmap = [SkiaSharp.SKBitmap]::Decode($pngPath)
        try { $bitmap.Width, $bitmap.Height | Should -Be @(500, 500) } finally { $bitmap.Dispose() }
    }

    Context 'bad input: a clear error and nothing written' {
        It 'refuses an unknown extension' {
            $path = Join-Path $TestDrive 'chart.gif'
            $net = New-IrisNetwork
            $null = $net | Invoke-Training -Data $iris -Epochs 2
            { $net | Export-TrainingChart $path -ErrorAction Stop } | Should -Throw -ErrorId 'UnknownChartFormat*' -ExpectedMessage '*.png or .svg*'
            Test-Path $path | Should -BeFalse
        }

        It 'refuses a network that was never trained' {
            $path = Join-Path $TestDrive 'never.png'
            { New-IrisNetwork | Export-TrainingChart $path -ErrorAction Stop } | Should -Throw -ErrorId 'NeverTrained*' -ExpectedMessage '*train the network first*'
            Test-Path $path | Should -BeFalse
        }

        It 'refuses an unwritable path' {
            $net = New-IrisNetwork
            $null = $net | Invoke-Training -Data $iris -Epochs 2
            $missing = Join-Path -Path $TestDrive -ChildPath 'no-such-folder' -AdditionalChildPath 'chart.png'
            { $net | Export-TrainingChart $missing -ErrorAction Stop } | Should -Throw -ErrorId 'DirectoryNotFound*' -ExpectedMessage '*does not exist*'
            Test-Path (Join-Path $TestDrive 'no-such-folder') | Should -BeFalse
            $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'a-folder.svg')
            { $net | Export-TrainingChart $folder.FullName -ErrorAction Stop } | Should -Throw -ErrorId 'CannotWriteFile*' -ExpectedMessage '*is a folder*'
        }

        It 'refuses objects it cannot chart' {
            { 1, 2, 3 | Export-TrainingChart (Join-Path $TestDrive 'numbers.svg') -ErrorAction Stop } | Should -Throw -ErrorId 'UnsupportedChartInput*'
            Test-Path (Join-Path $TestDrive 'numbers.svg') | Should -BeFalse
        }
    }
}
