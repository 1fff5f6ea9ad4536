[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester: BeforeAll variables are read in the It blocks.')]
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'Test helpers that only build objects in memory.')]
param()

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force

    # Ten features, of which only Signal1 and Signal2 decide the class.
    function New-SignalDataset([int] $Rows, [int] $Seed) {
        $random = [System.Random]::new($Seed)
        $names = 'Noise1', 'Signal1', 'Noise2', 'Noise3', 'Noise4', 'Noise5', 'Signal2', 'Noise6', 'Noise7', 'Noise8'
        $x = [float[]]::new($Rows * 10)
        $y = [float[]]::new($Rows)
        for ($r = 0; $r -lt $Rows; $r++) {
            for ($j = 0; $j -lt 10; $j++) { $x[$r * 10 + $j] = $random.NextDouble() * 4 - 2 }
            $y[$r] = if ($x[$r * 10 + 1] - $x[$r * 10 + 6] -gt 0) { 1 } else { 0 }
        }
        [NeuralPS.Core.Data.Dataset]::new($x, 10, $y, 1, [NeuralPS.Core.Data.DatasetTask]::Classification, [string[]] $names, [string[]] ('low', 'high'), 'signal', 'Label')
    }

    $train = New-SignalDataset 600 1
    $test = New-SignalDataset 300 2
    $net = New-Network 10 -Name signal -Seed 3 | Add-NormalizationLayer | Add-DenseLayer 16 -Activation Relu |
        Add-DenseLayer 2 -Activation Softmax | Set-Optimizer Adam -LearningRate 0.02
    $null = $net | Invoke-Training -Data $train -Epochs 30 -Seed 1
}

Describe 'Get-FeatureImportance' {
    It 'ranks the two features that carry the signal first' {
        $importance = Get-FeatureImportance $net $test -Repeats 5 -Seed 1
        $importance | Should -HaveCount 10
        $importance[0].Rank | Should -Be 1
        @($importance[0].Feature, $importance[1].Feature) | Sort-Object | Should -Be @('Signal1', 'Signal2')
        $importance[0].Metric | Should -Be 'Accuracy'
        $importance | Select-Object -Skip 2 | ForEach-Object { [math]::Abs($_.Importance) | Should -BeLessThan 0.05 }
        $importance[1].Importance | Should -BeGreaterThan 0.15
    }

    It 'gives the same numbers for the same seed, and charts as bars' {
        $a = Get-FeatureImportance $net $test -Repeats 2 -Seed 7
        $b = $test | Get-FeatureImportance $net -Repeats 2 -Seed 7
        $a.Importance | Should -Be $b.Importance
        $path = Join-Path $TestDrive 'importance.svg'
        $a | Export-TrainingChart $path
        [xml] $svg = Get-Content -Raw $path
        @($svg.GetElementsByTagName('rect') | Where-Object { $_.GetAttribute('class') -eq 'bar' }).Count | Should -Be 10
    }

    It 'refuses a dataset whose width differs' {
        { Get-FeatureImportance $net (Get-SampleDataset Iris) -ErrorAction Stop } |
            Should -Throw -ErrorId 'ShapeMismatch*' -ExpectedMessage '*expects 10 inputs but the dataset*has 4 features*'
    }
}

Describe 'Get-Attribution' {
    It 'explains a record in the user''s column names, and the attributions sum to output minus baseline output' {
        $record = [pscustomobject]@{ Noise1 = 0.5; Signal1 = 1.5; Noise2 = -0.3; Noise3 = 0.1; Noise4 = 1.1; Noise5 = -1.4; Signal2 = -0.8; Noise6 = 0.2; Noise7 = 0.9; Noise8 = -0.6 }
        $attributions = $record | Get-Attribution $net
        $attributions | Should -HaveCount 10
        $attributions.Feature | Should -Be $train.FeatureNames
        $attributions[0].Target | Should -Be 'high'
        $sum = ($attributions | Measure-Object Attribution -Sum).Sum
        [math]::Abs($sum - ($attributions[0].Output - $attributions[0].BaselineOutput)) | Should -BeLessOrEqual 1e-3
        # The signal features carry the explanation.
        ($attributions | Sort-Object { [math]::Abs($_.Attribution) } -Descending | Select-Object -First 2).Feature | Sort-Object |
            Should -Be @('Signal1', 'Signal2')
        $prediction = $record | Invoke-Prediction -Network $net
        $attributions[0].Output | Should -BeGreaterOrEqual ($prediction.Confidence - 1e-6)
    }

    It 'takes rows of numbers, a baseline and a class to explain' {
        $row = [double[]](0, 1, 0, 0, 0, 0, -1, 0, 0, 0)
        $baseline = [double[]](0, -1, 0, 0, 0, 0, 1, 0, 0, 0)
        $attributions = Get-Attribution -Network $net -InputObject $row -Baseline $baseline -Class low -Steps 200
        $attributions[0].Target | Should -Be 'low'
        $attributions[0].Steps | Should -Be 200
        $attributions | Where-Object Feature -like 'Noise*' | ForEach-Object { $_.Attribution | Should -Be 0 }  # no change from the baseline
        # A fixed step count is honoured as it is (no refinement), so completeness holds only as well as 200 steps allow.
        $sum = ($attributions | Measure-Object Attribution -Sum).Sum
        [math]::Abs($sum - ($attributions[0].Output - $attributions[0].BaselineOutput)) | Should -BeLessOrEqual 1e-2
        $refined = Get-Attribution -Network $net -InputObject $row -Baseline $baseline -Class low
        $sum = ($refined | Measure-Object Attribution -Sum).Sum
        [math]::Abs($sum - ($refined[0].Output - $refined[0].BaselineOutput)) | Should -BeLessOrEqual 1e-4
    }

    It 'reports a record that does not fit and goes on with the next' {
        $rows = [double[]](1, 2, 3), [double[]](0, 1, 0, 0, 0, 0, -1, 0, 0, 0)
        $out = $rows | ForEach-Object { , $_ } | Get-Attribution $net -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ShapeMismatch*'
        $out | Should -HaveCount 10
        { Get-Attribution $net -InputObject $rows[1] -Class medium -ErrorAction Stop } | Should -Throw -ErrorId 'UnknownClass*' -ExpectedMessage '*low, high*'
    }
}

Describe 'Get-LayerStatistics' {
    It 'gives norms, activations and last-epoch gradient norms per layer' {
        $stats = $net | Get-LayerStatistics -Data $test
        $stats | Should -HaveCount 3
        $stats.Kind | Should -Be @('Normalization', 'Dense', 'Dense')
        $stats[1].WeightNorm | Should -BeGreaterThan 0
        $stats[1].GradientNorm | Should -BeGreaterThan 0
        $stats[2].GradientNorm | Should -BeGreaterThan 0
        $stats[2].ActivationMean | Should -BeGreaterThan 0.49
        $stats[2].ActivationMean | Should -BeLessThan 0.51
        $stats[1].Rows | Should -Be 300
    }

    It 'finds the dead units of a network built to have them' {
        $dead = New-Network 10 -Seed 4 | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 2 -Activation Softmax
        $dense = $dead.Layers[0]
        foreach ($unit in 1, 2, 5, 6) { $dead.Parameters[$dense.ParameterOffset + $dense.WeightCount + $unit] = -1000 }
        $stats = Get-LayerStatistics $dead $test
        $stats[0].DeadUnits | Should -Be 4
        $stats[0].DeadFraction | Should -Be 0.5
        $stats[0].GradientNorm | Should -BeNullOrEmpty   # never trained
        $stats[1].DeadUnits | Should -BeNullOrEmpty      # not a ReLU layer
    }
}

Describe 'Get-Attribution on pictures' {
    BeforeAll {
        . (Join-Path -Path $PSScriptRoot -ChildPath 'TestPictures.ps1')
        # four classes, each a bright quadrant over dim noise: only the class's quadrant decides it
        $script:pictures = Export-TestPicture -Path (Join-Path $TestDrive 'quadrants') -PerClass 15 -Synthetic
        $data = Import-Dataset -Path (Join-Path $TestDrive 'quadrants') -ImageSize 28, 28 -ColorMode Grayscale
        $script:imageNet = New-Network -InputShape $data.Shape -Seed 1 |
            Add-Conv2DLayer 4 -KernelSize 3 -Stride 2 -Activation Relu | Add-MaxPoolLayer 2 |
            Add-DenseLayer 4 -Activation Softmax | Set-Optimizer Adam -LearningRate 0.01
        $null = $imageNet | Invoke-Training -Data $data -Epochs 15 -BatchSize 16
        $script:data = $data
    }

    It 'gives the attribution of a picture file per pixel in its C,H,W shape, the mass in the deciding quadrant' {
        $picture = $pictures | Where-Object Class -EQ 'bottom-right' | Select-Object -First 1
        $a = Get-Item $picture.Path | Get-Attribution -Network $imageNet
        $a.Shape -join ',' | Should -Be '1,28,28'
        $a.Attribution.Rank | Should -Be 3
        $a.Attribution.GetLength(2) | Should -Be 28
        $a.Target | Should -Be 'bottom-right'
        $a.Source | Should -Be $picture.Path
        [math]::Abs($a.Sum - ($a.Output - $a.BaselineOutput)) | Should -BeLessThan 1e-3
        $map = $a.Saliency
        $inside = 0.0; $total = 0.0
        for ($y = 0; $y -lt 28; $y++) { for ($x = 0; $x -lt 28; $x++) { $total += $map[$y, $x]; if ($y -ge 14 -and $x -ge 14) { $inside += $map[$y, $x] } } }
        $inside / $total | Should -BeGreaterThan 0.5   # a quarter of the picture by chance
    }

    It 'takes a row of an image dataset, and Export-TrainingChart draws the saliency map over the picture (PNG and SVG)' {
        $row = [double[]]$data.Features[0..783]
        $a = Get-Attribution -Network $imageNet -InputObject $row
        $a.Shape -join ',' | Should -Be '1,28,28'
        $svg = $a | Export-TrainingChart (Join-Path $TestDrive 'saliency.svg') -PassThru
        $svg.Kind | Should -Be 'Saliency'
        $text = Get-Content $svg.Path -Raw
        ([regex]::Matches($text, 'class="pixel"')).Count | Should -Be (28 * 28)
        $text | Should -Match 'data-rows="28" data-columns="28"'
        $png = $a | Export-TrainingChart (Join-Path $TestDrive 'saliency.png') -PassThru
        ($png.Format, $png.Kind) | Should -Be 'Png', 'Saliency'
        $png.Length | Should -BeGreaterThan 1000
    }
}
