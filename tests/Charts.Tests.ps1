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

Describe 'Charts that stay readable' {
    BeforeAll {
        function Get-SvgTitle([string] $Path) {
            ([xml] (Get-Content -Raw $Path)).GetElementsByTagName('text') | Where-Object { $_.GetAttribute('class') -eq 'title' } |
                ForEach-Object InnerText
        }
    }

    It 'draws the 20 most important of 784 features, saying how many it leaves out, in PNG and SVG alike' {
        $rows = foreach ($r in 1..40) {
            $record = [ordered]@{}
            foreach ($j in 1..784) { $record["px$j"] = (($r * 7 + $j * 13) % 17) / 17 }
            $record.Label = if ($record.px1 -gt 0.5) { 'bright' } else { 'dark' }
            [pscustomobject] $record
        }
        $pixels = $rows | ConvertTo-Dataset -Label Label
        $net = New-Network 784 -Seed 1 | Add-DenseLayer 4 -Activation Relu | Add-DenseLayer 2 -Activation Softmax
        $null = $net | Invoke-Training -Data $pixels -Epochs 3
        $importance = Get-FeatureImportance $net $pixels -Repeats 1
        $importance | Should -HaveCount 784

        $svg = $importance | Export-TrainingChart (Join-Path $TestDrive 'pixels.svg') -PassThru
        $png = $importance | Export-TrainingChart (Join-Path $TestDrive 'pixels.png') -PassThru
        $png.Height | Should -BeLessOrEqual 700 # a bar a feature was 22,042 pixels
        $bars = @(([xml] (Get-Content -Raw $svg.Path)).GetElementsByTagName('rect') | Where-Object { $_.GetAttribute('class') -eq 'bar' })
        $bars | Should -HaveCount 20
        $bars.GetAttribute('data-name') | Should -Be ($importance | Select-Object -First 20).Feature
        $expected = @('Permutation feature importance', 'Top 20 of 784 features (764 not shown)')
        Get-SvgTitle $svg.Path | Should -Be $expected
        $svg.Titles | Should -Be $expected
        $png.Titles | Should -Be $expected

        $top5 = Get-FeatureImportance $net $pixels -Repeats 1 -Top 5
        $top5 | Should -HaveCount 5
        $top5.FeatureCount | Should -Be @(784, 784, 784, 784, 784)
        ($top5 | Export-TrainingChart (Join-Path $TestDrive 'top5.svg') -PassThru).Titles[1] | Should -Be 'Top 5 of 784 features (779 not shown)'
        ($importance | Export-TrainingChart (Join-Path $TestDrive 'top8.svg') -Top 8 -PassThru).Titles[1] | Should -Be 'Top 8 of 784 features (776 not shown)'
        { $net | Export-TrainingChart (Join-Path $TestDrive 'curves.svg') -Top 3 -ErrorAction Stop } | Should -Throw -ErrorId 'TopNotApplicable*'
    }

    It 'gives a chart the same titles in PNG and SVG, a custom title once' {
        $net = New-IrisNetwork
        $null = $net | Invoke-Training -Data $iris -Epochs 5
        $importance = Get-FeatureImportance $net $iris -Repeats 1
        foreach ($case in @(
                @{ Object = $net; Titles = @("Training of 'iris-chart'", 'Loss', 'Accuracy') },
                @{ Object = (Test-Network $net $iris); Titles = @('Test results') },
                @{ Object = $importance; Titles = @('Iris') })) {
            $extra = if ($case.Object -is [array]) { @{ Title = 'Iris' } } else { @{} }
            $svg = $case.Object | Export-TrainingChart (Join-Path $TestDrive 'same.svg') @extra -PassThru
            $png = $case.Object | Export-TrainingChart (Join-Path $TestDrive 'same.png') @extra -PassThru
            $png.Titles | Should -Be $svg.Titles
            Get-SvgTitle $svg.Path | Should -Be $svg.Titles
            $svg.Titles[0..($case.Titles.Count - 1)] | Should -Be $case.Titles
        }
        ($importance | Export-TrainingChart (Join-Path $TestDrive 'same.png') -Title 'Iris' -PassThru).Titles | Should -Be @('Iris')
    }

    It 'writes ten long class names of a confusion matrix in full, slanted' {
        $names = 'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'
        $data = foreach ($i in 0..199) { [pscustomobject]@{ X = $i % 10 + ($i % 3) / 10; Y = ($i * 7 % 5) / 5; Label = $names[$i % 10] } }
        $data = $data | ConvertTo-Dataset -Label Label
        $net = New-Network 2 -Seed 1 | Add-NormalizationLayer | Add-DenseLayer 16 -Activation Relu | Add-DenseLayer 10 -Activation Softmax
        $null = $net | Invoke-Training -Data $data -Epochs 5
        $path = Join-Path $TestDrive 'fashion.svg'
        Test-Network $net $data | Export-TrainingChart $path
        $columnLabels = @(([xml] (Get-Content -Raw $path)).GetElementsByTagName('text') | Where-Object { $_.GetAttribute('transform') -like 'rotate(-45*' })
        $columnLabels.InnerText | Sort-Object | Should -Be ($names | Sort-Object)
        Test-Network $net $data | Export-TrainingChart (Join-Path $TestDrive 'fashion.png')
        (Get-Item (Join-Path $TestDrive 'fashion.png')).Length | Should -BeGreaterThan 1000
    }
}
