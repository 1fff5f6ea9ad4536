# Every example in the help runs. The examples of one cmdlet run in order in one scope (a later example may use what
# an earlier one made), in a folder of their own that holds what their text assumes: iris.csv, a models folder,
# iris.npsm (except for Export-Network, whose examples write it), a pictures folder (one sub-folder of PNG files per
# class, from tests/TestPictures.ps1), and $net / $train / $test, a trained Iris network and its split.
BeforeDiscovery {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
    $script:cmdlets = Get-Command -Module NeuralPS -CommandType Cmdlet | Sort-Object -Property Name |
        ForEach-Object { @{ Name = $_.Name } }
}

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
    . (Join-Path -Path $PSScriptRoot -ChildPath 'TestPictures.ps1')
    $script:fashionMnist = Test-Path -Path '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz'
    $script:seed = Join-Path -Path $TestDrive -ChildPath 'seed'
    $null = New-Item -Path $seed -ItemType Directory
    Push-Location -Path $seed
    Get-SampleDataset -Name Iris | ConvertFrom-Dataset | Export-Csv -Path iris.csv
    $model = New-Network 4 -Seed 42 | Add-NormalizationLayer | Add-DenseLayer 16 -Activation Relu | Add-DenseLayer 3 -Activation Softmax
    $null = $model | Invoke-Training -Data (Get-SampleDataset -Name Iris) -Epochs 20
    $model | Export-Network -Path iris.npsm
    $null = New-Item -Path models -ItemType Directory
    $model | Export-Network -Path models/first.npsm
    $model | Export-Network -Path models/second.npsm
    $null = Export-TestPicture -Path pictures -PerClass 4
    Pop-Location
}

Describe 'The examples in the help of <Name>' -ForEach $cmdlets {
    It 'run without errors' {
        $examples = @((Get-Help -Name $Name).examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        $folder = Join-Path -Path $TestDrive -ChildPath $Name
        Copy-Item -Path $seed -Destination $folder -Recurse
        if ($Name -eq 'Export-Network') { Remove-Item -Path (Join-Path -Path $folder -ChildPath 'iris.npsm') }
        Push-Location -Path $folder
        try {
            $ErrorActionPreference = 'Stop'
            $ProgressPreference = 'SilentlyContinue'
            $train, $test = Get-SampleDataset -Name Iris | Split-Dataset -TestFraction 0.2 -Stratify -Seed 42
            $net = New-Network 4 -Seed 42 | Add-NormalizationLayer | Add-DenseLayer 16 -Activation Relu |
                Add-DenseLayer 3 -Activation Softmax | Set-Optimizer Adam 0.01
            $null = $net | Invoke-Training -Data $train -Epochs 30 -BatchSize 16
            $null = $train, $test, $net # used by the examples
            foreach ($example in $examples) {
                $code = "$($example.code)"
                if ($code -match '/usr/share/datasets/' -and -not $fashionMnist) { continue }
                # Examples that open PSSessions need other computers (tests/Sweep.Tests.ps1 covers sweeps over SSH).
                if ($code -match '\bNew-PSSession\b') { continue }
                try {
                    # Dot-sourced: the next example sees what this one made. Out-String exercises the views too.
                    $null = . ([scriptblock]::Create($code)) 3>&1 4>&1 5>&1 6>&1 | Out-String
                }
                catch {
                    throw "$($example.title.Trim('- ')) failed: $($_.Exception.Message)`n$code"
                }
            }
        }
        finally {
            Pop-Location
        }
    }
}
