# The data and model-file cmdlets as a user calls them from pwsh: CSV and objects in, rows out, models saved and
# loaded, -WhatIf, errors that let the pipeline go on.
BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
    $script:csv = Join-Path -Path $TestDrive -ChildPath 'iris.csv'
    Get-SampleDataset -Name Iris | ConvertFrom-Dataset | Export-Csv -Path $csv
    $script:trained = New-Network 4 -Seed 3 | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax
    $null = $trained | Invoke-Training -Data (Import-Dataset -Path $csv -Label Species) -Epochs 20 -Normalize
}

Describe 'ConvertTo-Dataset and ConvertFrom-Dataset' {
    It 'turn Import-Csv rows into a dataset and back' {
        $data = Import-Csv -Path $csv | ConvertTo-Dataset -Label Species -Name flowers
        $data.Rows | Should -Be 150
        $data.Name | Should -Be 'flowers'
        $data.ClassNames | Should -Be @('setosa', 'versicolor', 'virginica')
        $first = $data | ConvertFrom-Dataset -First 2
        $first.Count | Should -Be 2
        $first[0].Species | Should -Be 'setosa'
        $first[0].PetalLength | Should -Be 1.4 # as written, not the float nearest it
    }

    It 'one-hot encode text and encode test data as the training data was' {
        $train = @(
            [pscustomobject]@{ Size = 3; Color = 'red'; Fruit = 'apple' }
            [pscustomobject]@{ Size = 8; Color = 'green'; Fruit = 'melon' }
        ) | ConvertTo-Dataset -Label Fruit
        $train.FeatureNames | Should -Be @('Size', 'Color=green', 'Color=red')
        $test = [pscustomobject]@{ Size = 7; Color = 'green'; Fruit = 'melon' } | ConvertTo-Dataset -Label Fruit -Encoding $train.Encoding
        $test.FeatureNames | Should -Be $train.FeatureNames
    }

    It 'name the record and property of a bad value' {
        { @([pscustomobject]@{ A = 1; L = 'x' }, [pscustomobject]@{ A = 'n/a'; L = 'y' }) | ConvertTo-Dataset -Label L -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*Record 2*'
    }
}

Describe 'Import-Dataset' {
    It 'reads a CSV file with the label column' {
        $data = Import-Dataset -Path $csv -Label Species
        $data.Rows | Should -Be 150
        $data.FeatureNames | Should -Be @('SepalLength', 'SepalWidth', 'PetalLength', 'PetalWidth')
    }

    It 'reads Fashion-MNIST IDX files' -Skip:(-not (Test-Path -Path '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz')) {
        $dir = '/usr/share/datasets/fashion-mnist'
        $data = Import-Dataset "$dir/t10k-images-idx3-ubyte.gz" -LabelPath "$dir/t10k-labels-idx1-ubyte.gz"
        $data.Rows | Should -Be 10000
        $data.FeatureCount | Should -Be 784
    }

    It 'takes files from Get-ChildItem, wildcards and literal names, and leaves -Exclude columns out' {
        $folder = New-Item -Path (Join-Path -Path $TestDrive -ChildPath 'many') -ItemType Directory
        $rows = Import-Csv -Path $csv
        foreach ($name in 'a.csv', 'b.csv', '[c].csv') {
            $i = 0
            $rows | Select-Object -Property @{ Name = 'Id'; Expression = { (++$i) } }, * |
                Export-Csv -LiteralPath (Join-Path -Path $folder -ChildPath $name)
        }
        $piped = Get-ChildItem -Path $folder -Filter '*.csv' | Sort-Object -Property Name | Import-Dataset -Label Species -Exclude Id
        $piped.Name | Should -Be @('[c]', 'a', 'b')
        $piped | ForEach-Object { $_.FeatureNames | Should -Be @('SepalLength', 'SepalWidth', 'PetalLength', 'PetalWidth') }
        (Import-Dataset -Path (Join-Path -Path $folder -ChildPath '?.csv') -Label Species).Name | Should -Be @('a', 'b')
        (Import-Dataset -LiteralPath (Join-Path -Path $folder -ChildPath '[c].csv') -Label Species).FeatureCount | Should -Be 5
        { Import-Dataset -Path (Join-Path -Path $folder -ChildPath 'a.csv') -Label Species -Exclude Idd -ErrorAction Stop } |
            Should -Throw -ErrorId 'ExcludedColumnNotFound*' -ExpectedMessage "*'Idd'*"
    }

    It 'says which file it cannot find' {
        { Import-Dataset -Path (Join-Path -Path $TestDrive -ChildPath 'missing.csv') -Label y -ErrorAction Stop } |
            Should -Throw -ErrorId 'FileNotFound*' -ExpectedMessage '*missing.csv*'
    }
}

Describe 'Export-Network and Import-Network' {
    It 'save a network and load one that predicts the same' {
        $path = Join-Path -Path $TestDrive -ChildPath 'iris.npsm'
        $file = $trained | Export-Network -Path $path -PassThru
        $file | Should -BeOfType ([System.IO.FileInfo])
        $copy = Import-Network -Path $path
        $copy.History.Count | Should -Be $trained.History.Count
        $record = [pscustomobject]@{ SepalLength = 6.1; SepalWidth = 2.8; PetalLength = 4.7; PetalWidth = 1.2 }
        ($record | Invoke-Prediction $copy).Confidence | Should -Be ($record | Invoke-Prediction $trained).Confidence
    }

    It 'write nothing with -WhatIf' {
        $path = Join-Path -Path $TestDrive -ChildPath 'whatif.npsm'
        $trained | Export-Network -Path $path -WhatIf
        $path | Should -Not -Exist
    }

    It 'keep an existing file unless -Force is given' {
        $path = Join-Path -Path $TestDrive -ChildPath 'twice.npsm'
        $trained | Export-Network -Path $path
        { $trained | Export-Network -Path $path -ErrorAction Stop } | Should -Throw -ErrorId 'ModelFileExists*' -ExpectedMessage '*-Force*'
        { $trained | Export-Network -Path $path -Force -ErrorAction Stop } | Should -Not -Throw
    }

    It 'load every model in a folder, reporting a damaged one and going on' {
        $folder = New-Item -Path (Join-Path -Path $TestDrive -ChildPath 'models') -ItemType Directory
        $trained | Export-Network -Path (Join-Path -Path $folder -ChildPath 'a.npsm')
        'not a model' | Set-Content -Path (Join-Path -Path $folder -ChildPath 'b.npsm')
        $trained | Export-Network -Path (Join-Path -Path $folder -ChildPath 'c.npsm')
        $loaded = Get-ChildItem -Path $folder -Filter *.npsm | Import-Network -ErrorVariable problems -ErrorAction SilentlyContinue
        @($loaded).Count | Should -Be 2
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ModelFileCorrupt*'
    }
}

Describe 'Export-TrainingChart' {
    It 'writes nothing with -WhatIf' {
        $path = Join-Path -Path $TestDrive -ChildPath 'curves.svg'
        $trained | Export-TrainingChart -Path $path -WhatIf
        $path | Should -Not -Exist
    }
}
