# Pictures as a user's pwsh script meets them: a folder of Fashion-MNIST PNG files (one sub-folder per class) imported,
# trained on and predicted from with Get-ChildItem *.png | Invoke-Prediction; a damaged file named by its error.
BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
    . (Join-Path -Path $PSScriptRoot -ChildPath 'TestPictures.ps1')
    $script:fashionMnist = '/usr/share/datasets/fashion-mnist'
    $script:hasFashionMnist = Test-Path -Path (Join-Path -Path $fashionMnist -ChildPath 't10k-images-idx3-ubyte.gz')
    $script:noFashionMnist = "Fashion-MNIST is not in $fashionMnist (apt-get install dataset-fashion-mnist)"
    $script:classes = 'Ankle boot', 'Bag', 'Coat', 'Dress', 'Pullover', 'Sandal', 'Shirt', 'Sneaker', 'T-shirt', 'Trouser'
    $script:folder = Join-Path -Path $TestDrive -ChildPath 'fashion'
    if ($hasFashionMnist) {
        $script:written = Export-TestPicture -Path $folder -PerClass 30 -FashionMnist $fashionMnist
        $script:damaged = Join-Path -Path $folder -ChildPath 'Coat' -AdditionalChildPath 'damaged.png'
        [IO.File]::WriteAllBytes($damaged, [IO.File]::ReadAllBytes($written[0].Path)[0..79])
    }
}

Describe 'A folder of Fashion-MNIST pictures' {
    It 'imports with its shape and class names, and names the damaged file while the rest load' {
        if (-not $hasFashionMnist) { Set-ItResult -Skipped -Because $noFashionMnist; return }
        $data = Import-Dataset -Path $folder -ImageSize 28, 28 -ColorMode Grayscale -ErrorVariable unreadable -ErrorAction SilentlyContinue
        $data.Rows | Should -Be 300
        $data.Shape | Should -Be @(1, 28, 28)
        $data.ClassNames | Should -Be $classes
        $data.ClassCounts() | Should -Be (@(30) * 10)
        $unreadable.Count | Should -Be 1
        $unreadable[0].FullyQualifiedErrorId | Should -BeLike 'InvalidImage,*'
        $unreadable[0].TargetObject | Should -Be $damaged
        $unreadable[0].Exception.Message | Should -BeLike "*$damaged*cut short*"
        { Import-Dataset -Path $folder -ColorMode Grayscale -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidImage*'
    }

    It 'trains a network that answers Get-ChildItem *.png in class names' {
        if (-not $hasFashionMnist) { Set-ItResult -Skipped -Because $noFashionMnist; return }
        $data = Import-Dataset -Path $folder -ImageSize 28, 28 -ColorMode Grayscale -ErrorAction SilentlyContinue
        $train, $test = $data | Split-Dataset -TestFraction 0.2 -Stratify -Seed 1
        $train.Shape | Should -Be @(1, 28, 28)
        $net = New-Network $data.FeatureCount -Seed 1 | Add-DenseLayer 64 -Activation Relu |
            Add-DenseLayer $data.ClassCount -Activation Softmax | Set-Optimizer Adam 0.003
        $null = $net | Invoke-Training -Data $train -Epochs 40 -BatchSize 16
        (Test-Network -Network $net -Data $test).Accuracy | Should -BeGreaterThan 0.5

        Push-Location -Path (Join-Path -Path $folder -ChildPath 'Trouser')
        try {
            $answers = Get-ChildItem -Path *.png | Invoke-Prediction -Network $net
        }
        finally {
            Pop-Location
        }
        $answers.Count | Should -Be 30
        $answers.Prediction | ForEach-Object { $_ | Should -BeIn $classes }
        @($answers | Where-Object Prediction -EQ 'Trouser').Count | Should -BeGreaterThan 20
        $answers[0].Name | Should -Be '001.png'
        $answers[0].Path | Should -Be (Join-Path -Path $folder -ChildPath 'Trouser' -AdditionalChildPath '001.png')
    }
}

Describe 'Import-Dataset on a folder that is not laid out by class' {
    It 'says what layout it expects' {
        $flat = Join-Path -Path $TestDrive -ChildPath 'flat'
        Export-TestColorPicture -Path (Join-Path -Path $flat -ChildPath '1.png') -Width 2 -Height 2 -Rgb 1, 2, 3, 4
        { Import-Dataset -Path $flat -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidImageFolder*' -ExpectedMessage '*one sub-folder per class*'
    }
}
