using System.Globalization;
using System.Management.Automation;
using NeuralPS.Core;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>Models kept: Export-Network and Import-Network as a user runs them.</summary>
public class NetworkFileTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("neuralps-model-").FullName;

    public NetworkFileTests()
    {
        _ps.Run($"Set-Location '{_folder}'");
        _ps.Run(@"
            $global:iris = Get-SampleDataset Iris | ConvertFrom-Dataset | ConvertTo-Dataset -Label Species
            $global:net = New-Network 4 -Seed 11 | Add-DenseLayer 10 -Activation Relu | Add-DropoutLayer 0.1 | Add-DenseLayer 3 -Activation Softmax |
                Set-Optimizer Adam -LearningRate 0.01
            $null = $net | Invoke-Training -Data $iris -Epochs 5 -BatchSize 16 -Normalize");
    }

    public void Dispose()
    {
        _ps.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static string Id(ErrorRecord error) => error.FullyQualifiedErrorId.Split(',')[0];

    private string PathOf(string name) => Path.Combine(_folder, name);

    [Fact]
    public void AnImportedNetworkAnswersExactlyAsTheExportedOne()
    {
        var output = _ps.Run(@"
            $net | Export-Network iris.npsm -PassThru
            $loaded = Import-Network iris.npsm
            $records = $iris | ConvertFrom-Dataset
            $a = $records | Invoke-Prediction -Network $net -IncludeProbabilities
            $b = $records | Invoke-Prediction -Network $loaded -IncludeProbabilities
            for ($i = 0; $i -lt $a.Count; $i++) { if ($a[$i].'P(setosa)' -ne $b[$i].'P(setosa)' -or $a[$i].Prediction -ne $b[$i].Prediction) { 'differs' } }
            $loaded");
        Assert.Equal(PathOf("iris.npsm"), ((FileInfo)output[0].BaseObject).FullName);
        var loaded = (Network)output[^1].BaseObject;
        Assert.Equal(2, output.Count);
        Assert.Equal(5, loaded.History.Count);
        Assert.Equal(new[] { "setosa", "versicolor", "virginica" }, loaded.ClassNames);
        Assert.Equal("Species", loaded.FeatureEncoding!.LabelName);
        Assert.IsType<Core.Layers.NormalizationLayer>(loaded.Layers[0]);
    }

    [Fact]
    public void ResumedTrainingThroughTheCmdletsEqualsUninterruptedTraining()
    {
        var output = _ps.Run(@"
            $straight = New-Network 4 -Seed 11 | Add-DenseLayer 10 -Activation Relu | Add-DropoutLayer 0.1 | Add-DenseLayer 3 -Activation Softmax |
                Set-Optimizer Adam -LearningRate 0.01
            $null = $straight | Invoke-Training -Data $iris -Epochs 9 -BatchSize 16 -Normalize
            $net | Export-Network half.npsm
            $resumed = Import-Network half.npsm
            $null = $resumed | Invoke-Training -Data $iris -Epochs 4 -BatchSize 16 -Normalize
            $straight; $resumed");
        var straight = (Network)output[0].BaseObject;
        var resumed = (Network)output[1].BaseObject;
        Assert.Equal(straight.Parameters, resumed.Parameters);
        Assert.Equal(straight.History.Select(h => h.Loss), resumed.History.Select(h => h.Loss));
        Assert.Equal(Enumerable.Range(1, 9), resumed.History.Select(h => h.Epoch));
    }

    [Fact]
    public void WhatIfWritesNothingAndAnExistingFileNeedsForce()
    {
        _ps.Run("$net | Export-Network whatif.npsm -WhatIf");
        Assert.False(File.Exists(PathOf("whatif.npsm")));

        File.WriteAllText(PathOf("taken.npsm"), "keep me");
        ErrorRecord exists = _ps.Fail("$net | Export-Network taken.npsm");
        Assert.Equal(ErrorIds.ModelFileExists, Id(exists));
        Assert.Contains("-Force", exists.Exception.Message);
        Assert.Equal("keep me", File.ReadAllText(PathOf("taken.npsm")));

        _ps.Run("$net | Export-Network taken.npsm -Force");
        Assert.Equal(4, ((Network)_ps.Run("Import-Network taken.npsm")[0].BaseObject).InputSize);
        Assert.Equal(new[] { "taken.npsm" }, Directory.GetFiles(_folder).Select(Path.GetFileName).Where(n => n!.Contains("taken")));
    }

    [Fact]
    public void DamagedAndForeignFilesAreRefusedWithModelFileCorrupt()
    {
        _ps.Run("$net | Export-Network good.npsm");
        byte[] good = File.ReadAllBytes(PathOf("good.npsm"));
        File.WriteAllBytes(PathOf("truncated.npsm"), good[..(good.Length / 2)]);
        byte[] flipped = (byte[])good.Clone();
        flipped[good.Length / 3] ^= 1;
        File.WriteAllBytes(PathOf("flipped.npsm"), flipped);
        File.WriteAllText(PathOf("text.npsm"), "this is not a model");
        var random = new byte[2048];
        new Random(1).NextBytes(random);
        File.WriteAllBytes(PathOf("random.npsm"), random);

        foreach (string name in new[] { "truncated.npsm", "flipped.npsm", "text.npsm", "random.npsm" })
        {
            ErrorRecord error = _ps.Fail($"Import-Network {name}");
            Assert.Equal(ErrorIds.ModelFileCorrupt, Id(error));
            Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
            Assert.Contains(name, error.Exception.Message);
        }

        // several files piped in: the bad one is reported and the good ones still load
        var loaded = _ps.Run("'good.npsm', 'random.npsm', 'good.npsm' | Import-Network", out var errors);
        Assert.Equal(2, loaded.Count);
        Assert.Single(errors);

        Assert.Equal(ErrorIds.FileNotFound, Id(_ps.Fail("Import-Network missing.npsm")));
    }

    [Fact]
    public void OnnxIsChosenByExtensionOrFormatAndNeedsForceToOverwrite()
    {
        _ps.Run("$net | Export-Network iris.onnx; $net | Export-Network iris-model.bin -Format Onnx");
        foreach (string name in new[] { "iris.onnx", "iris-model.bin" })
        {
            byte[] bytes = File.ReadAllBytes(PathOf(name));
            Assert.Equal(0x08, bytes[0]); // ModelProto field 1 (ir_version), a varint: not the NeuralPS signature
            Assert.Empty(Core.Serialization.ModelFile.FromBytes(bytes).History); // read back by the ONNX importer: no history
        }
        Assert.Equal(ErrorIds.ModelFileExists, Id(_ps.Fail("$net | Export-Network iris.onnx")));
        _ps.Run("$net | Export-Network iris.onnx -Force");
    }

    [Fact]
    public void AnExportedOnnxModelImportsWhateverTheFileIsCalledAndPredictsTheSame()
    {
        _ps.Run("$net | Export-Network iris.onnx; $net | Export-Network iris-model.bin -Format Onnx");
        foreach (string import in new[] { "Import-Network iris.onnx", "Import-Network iris-model.bin",
            "Import-Network -Bytes ([IO.File]::ReadAllBytes((Resolve-Path iris-model.bin)))" })
        {
            // the same records, as the user's objects, answered in the same classes with the same probabilities
            var differences = _ps.Run($@"
                $back = {import}
                $records = $iris | ConvertFrom-Dataset
                $a = $records | Invoke-Prediction -Network $net -IncludeProbabilities
                $b = $records | Invoke-Prediction -Network $back -IncludeProbabilities
                for ($i = 0; $i -lt $a.Count; $i++) {{
                    foreach ($c in 'setosa', 'versicolor', 'virginica') {{ [math]::Abs($a[$i].""P($c)"" - $b[$i].""P($c)"") }}
                    if ($a[$i].Prediction -ne $b[$i].Prediction) {{ 1 }}
                }}");
            Assert.Equal(450, differences.Count);
            Assert.All(differences, d => Assert.True(Convert.ToDouble(d.BaseObject, CultureInfo.InvariantCulture) <= 1e-6, $"{import}: a probability differs by {d}"));
        }
        // a .onnx name on a NeuralPS model file is read as what it is
        _ps.Run("$net | Export-Network really-npsm.bin -Format NeuralPS; Copy-Item really-npsm.bin really-npsm.onnx");
        Assert.Equal(5, ((Network)Assert.Single(_ps.Run("Import-Network really-npsm.onnx")).BaseObject).History.Count);
    }

    [Fact]
    public void APyTorchModelImportsPredictsTrainsFurtherAndSaves()
    {
        string onnx = Path.Combine(PowerShellSession.RepoRoot, "tests", "onnx-import", "torch-mlp.onnx");
        var output = _ps.Run($@"
            $torch = Import-Network '{onnx}'
            $torch.Name
            $torch.Loss
            (Test-Network $torch (Get-SampleDataset Iris)).Loss
            $epochs = $torch | Invoke-Training -Data (Get-SampleDataset Iris) -Epochs 20 -Seed 1
            $epochs[0].Loss
            $epochs[-1].Loss
            (Test-Network $torch (Get-SampleDataset Iris)).Accuracy
            $torch | Export-Network torch.npsm
            (Import-Network torch.npsm).History.Count
            (, @(5.1, 3.5, 1.4, 0.2) | Invoke-Prediction $torch).Prediction");
        Assert.Equal("torch-mlp", output[0].ToString());
        Assert.Equal("CategoricalCrossEntropy", output[1].ToString());
        Assert.Equal(0.5365377068519592, Convert.ToDouble(output[2].BaseObject, CultureInfo.InvariantCulture), 1e-5); // PyTorch's loss on Iris (torch-mlp.json)
        double first = Convert.ToDouble(output[3].BaseObject, CultureInfo.InvariantCulture), last = Convert.ToDouble(output[4].BaseObject, CultureInfo.InvariantCulture);
        Assert.True(last < first, $"loss {first} in the first epoch, {last} in the last");
        Assert.True(Convert.ToDouble(output[5].BaseObject, CultureInfo.InvariantCulture) > 0.9);
        Assert.Equal(20, Convert.ToInt32(output[6].BaseObject, CultureInfo.InvariantCulture));
        Assert.Equal("setosa", output[7].ToString()); // class names taken from the data it trained on
    }

    [Fact]
    public void AnOnnxModelWithOperatorsNeuralPSHasNoLayerForIsRefusedNamingThem()
    {
        string onnx = Path.Combine(PowerShellSession.RepoRoot, "tests", "onnx-import", "torch-conv.onnx");
        ErrorRecord error = _ps.Fail($"Import-Network '{onnx}'");
        Assert.Equal(ErrorIds.OnnxUnsupportedOperator, Id(error));
        Assert.Equal(ErrorCategory.NotImplemented, error.CategoryInfo.Category);
        Assert.Contains("Conv (node '/0/Conv'), MaxPool (node '/2/MaxPool')", error.Exception.Message);
        Assert.Equal(new[] { "Conv", "MaxPool" }, (string[])error.TargetObject);

        File.WriteAllBytes(PathOf("cut.onnx"), File.ReadAllBytes(onnx)[..500]);
        error = _ps.Fail("Import-Network cut.onnx");
        Assert.Equal(ErrorIds.ModelFileCorrupt, Id(error));
        Assert.Contains("cannot be read as an ONNX model", error.Exception.Message);
    }

    [Fact]
    public void ExportRefusesAnExtensionItDoesNotWriteUnlessFormatIsGiven()
    {
        foreach (string name in new[] { "model.h5", "model.keras", "model" })
        {
            ErrorRecord error = _ps.Fail($"$net | Export-Network {name}");
            Assert.Equal(ErrorIds.UnknownModelExtension, Id(error));
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Contains(".npsm", error.Exception.Message);
            Assert.Contains(".onnx", error.Exception.Message);
            Assert.Contains("-Format", error.Exception.Message);
            Assert.False(File.Exists(PathOf(name)), $"{name} was written");
        }
        _ps.Run("$net | Export-Network model.h5 -Format NeuralPS");
        Assert.IsType<Network>(Assert.Single(_ps.Run("Import-Network model.h5")).BaseObject);
        _ps.Run("$net | Export-Network IRIS.NPSM");
        Assert.True(File.Exists(PathOf("IRIS.NPSM")));
    }
}
