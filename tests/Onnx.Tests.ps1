[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester: BeforeAll variables are read in the It blocks.')]
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'Test helpers that only build objects in memory.')]
param()

BeforeDiscovery {
    # ONNX Runtime's managed assembly and its Linux native library, as the ONNX test project's build leaves them.
    $script:ortAssembly = Get-ChildItem (Join-Path -Path $PSScriptRoot -ChildPath 'NeuralPS.Onnx.Tests' -AdditionalChildPath 'bin', '*', 'net10.0', 'linux-x64', 'Microsoft.ML.OnnxRuntime.dll') -ErrorAction Ignore |
        Sort-Object LastWriteTime | Select-Object -Last 1
    $script:noRuntime = -not ($IsLinux -and $ortAssembly -and [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture -eq 'X64')
    # Export-Network -Format Onnx is wired to the exporter where the module has that cmdlet.
    $module = Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -PassThru -Force
    $script:noExportNetwork = -not $module.ExportedCmdlets.ContainsKey('Export-Network')
}

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'NeuralPS.psd1') -Force
    $ortAssembly = Get-ChildItem (Join-Path -Path $PSScriptRoot -ChildPath 'NeuralPS.Onnx.Tests' -AdditionalChildPath 'bin', '*', 'net10.0', 'linux-x64', 'Microsoft.ML.OnnxRuntime.dll') -ErrorAction Ignore |
        Sort-Object LastWriteTime | Select-Object -Last 1
    if ($ortAssembly) { Add-Type -Path $ortAssembly.FullName }

    function Invoke-OnnxModel([string] $Path, [float[]] $Values, [int] $Rows) {
        $session = [Microsoft.ML.OnnxRuntime.InferenceSession]::new($Path)
        try {
            $tensor = [Microsoft.ML.OnnxRuntime.Tensors.DenseTensor[float]]::new($Values, [int[]]($Rows, ($Values.Length / $Rows)))
            $inputs = [Microsoft.ML.OnnxRuntime.NamedOnnxValue[]]@([Microsoft.ML.OnnxRuntime.NamedOnnxValue]::CreateFromTensor('input', $tensor))
            $results = $session.Run($inputs)
            try { , [float[]]@($results[0].AsTensor[float]()) } finally { $results.Dispose() }
        }
        finally { $session.Dispose() }
    }

    $iris = Get-SampleDataset Iris
    $net = New-Network 4 -Name iris-onnx -Seed 1 | Add-NormalizationLayer | Add-DenseLayer 12 -Activation Swish |
        Add-BatchNormLayer | Add-DropoutLayer 0.1 | Add-DenseLayer 3 -Activation Softmax | Set-Optimizer Adam -LearningRate 0.02
    $null = $net | Invoke-Training -Data $iris -Epochs 20 -Seed 1
}

Describe 'ONNX export loaded by ONNX Runtime in pwsh' {
    It 'answers as Invoke-Prediction does on every Iris row' -Skip:$noRuntime {
        $path = Join-Path $TestDrive 'iris.onnx'
        [NeuralPS.Core.Onnx.OnnxExporter]::Write($net, $path)
        $onnx = Invoke-OnnxModel -Path $path -Values $iris.Features -Rows $iris.Rows
        $onnx.Length | Should -Be (3 * $iris.Rows)
        $predicted = Invoke-Prediction -Network $net -Data $iris -IncludeProbabilities
        for ($r = 0; $r -lt $iris.Rows; $r++) {
            $classes = $net.ClassNames
            for ($c = 0; $c -lt 3; $c++) {
                [math]::Abs($onnx[3 * $r + $c] - $predicted[$r]."P($($classes[$c]))") | Should -BeLessOrEqual 1e-5
            }
        }
    }

    It 'carries the model name and class names in its metadata' -Skip:$noRuntime {
        $path = Join-Path $TestDrive 'meta.onnx'
        [NeuralPS.Core.Onnx.OnnxExporter]::Write($net, $path)
        $session = [Microsoft.ML.OnnxRuntime.InferenceSession]::new($path)
        try {
            $session.ModelMetadata.CustomMetadataMap['name'] | Should -Be 'iris-onnx'
            $session.ModelMetadata.CustomMetadataMap['class_names'] | ConvertFrom-Json | Should -Be $net.ClassNames
            $session.InputMetadata['input'].Dimensions | Should -Be @(-1, 4)
        }
        finally { $session.Dispose() }
    }

    It 'is written by Export-Network -Format Onnx' -Skip:($noRuntime -or $noExportNetwork) {
        $path = Join-Path $TestDrive 'exported.onnx'
        Export-Network -Network $net -Path $path -Format Onnx
        $onnx = Invoke-OnnxModel -Path $path -Values $iris.Features -Rows $iris.Rows
        $engine = $net.Predict($iris.Features, $iris.Rows)
        for ($i = 0; $i -lt $engine.Length; $i++) { [math]::Abs($onnx[$i] - $engine[$i]) | Should -BeLessOrEqual 1e-5 }
    }
}

Describe 'ONNX import with Import-Network in pwsh' {
    It 'reads back an exported model that answers as the original does' {
        $path = Join-Path $TestDrive 'back.onnx'
        $net | Export-Network -Path $path
        $back = Import-Network -Path $path
        $back.Name | Should -Be 'iris-onnx'
        $back.ClassNames | Should -Be $net.ClassNames
        $expected = $net.Predict($iris.Features, $iris.Rows)
        $actual = $back.Predict($iris.Features, $iris.Rows)
        for ($i = 0; $i -lt $expected.Length; $i++) { [math]::Abs($actual[$i] - $expected[$i]) | Should -BeLessOrEqual 1e-6 }
    }

    It 'imports a model exported by PyTorch and trains it further' {
        $torch = Import-Network -Path (Join-Path -Path $PSScriptRoot -ChildPath 'onnx-import' -AdditionalChildPath 'torch-mlp.onnx')
        $torch.Loss | Should -Be 'CategoricalCrossEntropy'
        $before = (Test-Network -Network $torch -Data $iris).Loss
        $null = $torch | Invoke-Training -Data $iris -Epochs 10 -Seed 1
        (Test-Network -Network $torch -Data $iris).Loss | Should -BeLessThan $before
    }

    It 'names the operators of a model it cannot import' {
        $conv = Join-Path -Path $PSScriptRoot -ChildPath 'onnx-import' -AdditionalChildPath 'torch-conv.onnx'
        { Import-Network -Path $conv -ErrorAction Stop } | Should -Throw -ErrorId 'OnnxUnsupportedOperator,NeuralPS.Cmdlets.ImportNetworkCommand' -ExpectedMessage '*Conv*MaxPool*'
    }
}

Describe 'ONNX export of a pipeline with text columns, run on raw values' {
    BeforeAll {
        $script:logins = foreach ($i in 0..199) {
            [pscustomobject]@{ User = 'u{0:d2}' -f ($i % 25); Site = ('lab', 'office', 'home')[$i % 3]; Hour = $i % 24
                Alert = if (($i % 25) -lt 6 -or (($i % 3) -eq 2 -and ($i % 24) -lt 6)) { 'alert' } else { 'ok' } }
        }
        $train = $logins | ConvertTo-Dataset -Label Alert -CategoryIndex User
        $script:pipeline = New-Network -Data $train -Seed 4 | Add-EmbeddingLayer -Feature User -Dimensions 4 |
            Add-DenseLayer 10 -Activation Relu | Add-DenseLayer 2 -Activation Softmax | Set-Optimizer Adam -LearningRate 0.02
        $null = $pipeline | Invoke-Training -Data $train -Epochs 15 -Normalize -Seed 1
    }

    It 'takes the raw columns and answers as Invoke-Prediction does on the same records' -Skip:$noRuntime {
        $path = Join-Path $TestDrive 'pipeline.onnx'
        $pipeline | Export-Network -Path $path
        # the training records and users never seen (the embedding's reserved row)
        $records = @($logins) + @(foreach ($h in 0..23) { [pscustomobject]@{ User = "new$h"; Site = 'home'; Hour = $h } })
        $predicted = $records | Invoke-Prediction -Network $pipeline -IncludeProbabilities -WarningAction SilentlyContinue
        $n = $records.Count
        $session = [Microsoft.ML.OnnxRuntime.InferenceSession]::new($path)
        try {
            $session.InputMetadata.Keys | Sort-Object | Should -Be @('Hour', 'Site', 'User')
            $inputs = [Microsoft.ML.OnnxRuntime.NamedOnnxValue[]]@(
                [Microsoft.ML.OnnxRuntime.NamedOnnxValue]::CreateFromTensor('User', [Microsoft.ML.OnnxRuntime.Tensors.DenseTensor[string]]::new([string[]]$records.User, [int[]]($n, 1)))
                [Microsoft.ML.OnnxRuntime.NamedOnnxValue]::CreateFromTensor('Site', [Microsoft.ML.OnnxRuntime.Tensors.DenseTensor[string]]::new([string[]]$records.Site, [int[]]($n, 1)))
                [Microsoft.ML.OnnxRuntime.NamedOnnxValue]::CreateFromTensor('Hour', [Microsoft.ML.OnnxRuntime.Tensors.DenseTensor[float]]::new([float[]]$records.Hour, [int[]]($n, 1))))
            $results = $session.Run($inputs)
            try { $onnx = [float[]]@($results[0].AsTensor[float]()) } finally { $results.Dispose() }
        }
        finally { $session.Dispose() }
        $onnx.Length | Should -Be (2 * $n)
        for ($r = 0; $r -lt $n; $r++) {
            [math]::Abs($onnx[2 * $r] - $predicted[$r].'P(alert)') | Should -BeLessOrEqual 1e-5
            [math]::Abs($onnx[2 * $r + 1] - $predicted[$r].'P(ok)') | Should -BeLessOrEqual 1e-5
        }
    }
}
