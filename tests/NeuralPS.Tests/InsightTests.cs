using System.Management.Automation;
using System.Xml.Linq;
using NeuralPS.Core.Interpretability;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>Charts, the console history, ONNX export and the interpretability cmdlets through an in-process runspace.</summary>
public sealed class InsightTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("neuralps-insight-").FullName;

    public InsightTests()
    {
        _ps.Run(@"
            $global:iris = Get-SampleDataset Iris
            $global:net = New-Network 4 -Name insight -Seed 5 | Add-NormalizationLayer | Add-DenseLayer 12 -Activation Relu |
                Add-DenseLayer 3 -Activation Softmax | Set-Optimizer Adam -LearningRate 0.02
            $global:epochs = $net | Invoke-Training -Data $iris -Epochs 10 -ValidationSplit 0.2");
    }

    public void Dispose()
    {
        _ps.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void APngChartIsDrawnInAnEmbeddedRunspaceWithTheModulesFont()
    {
        string path = Path.Combine(_folder, "curves.png");
        var chart = _ps.Run($"$epochs | Export-TrainingChart '{path}' -Width 500 -Height 300 -PassThru")[0];
        Assert.Equal("DejaVu Sans", chart.Properties["FontFamily"].Value);
        Assert.EndsWith(Path.Combine("fonts", "DejaVuSans.ttf"), (string)chart.Properties["FontFile"].Value);
        byte[] png = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        // IHDR: width and height, big-endian, at bytes 16 and 20.
        Assert.Equal(500, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(300, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    [Fact]
    public void AnSvgHasOnePolylinePerSeriesWithOnePointPerEpoch()
    {
        string path = Path.Combine(_folder, "curves.svg");
        _ps.Run($"$net | Export-TrainingChart '{path}'");
        XDocument svg = XDocument.Load(path);
        XNamespace ns = "http://www.w3.org/2000/svg";
        var lines = svg.Descendants(ns + "polyline").ToList();
        Assert.Equal(4, lines.Count);
        Assert.All(lines, l => Assert.Equal(10, l.Attribute("points")!.Value.Split(' ').Length));
    }

    [Fact]
    public void WhatIfWritesNoChart()
    {
        string path = Path.Combine(_folder, "whatif.svg");
        _ps.Run($"$net | Export-TrainingChart '{path}' -WhatIf");
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void ShowTrainingHistoryWritesToTheInformationStreamOnly()
    {
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = _ps.Runspace;
        ps.AddScript("$PSStyle.OutputRendering = 'PlainText'; $net | Show-TrainingHistory -Width 30 -Height 5");
        var output = ps.Invoke();
        Assert.Empty(output);
        var records = ps.Streams.Information.ToList();
        Assert.All(records, r => Assert.Contains("PSHOST", r.Tags));
        string text = string.Join("\n", records.Select(r => r.MessageData.ToString()));
        Assert.Contains("Training of 'insight' (10 epochs)", text);
        Assert.Contains("Accuracy", text);
        Assert.Matches("[\u2801-\u28FF]", text);
        Assert.DoesNotContain("\u001b[", text);
    }

    [Fact]
    public void ExportNetworkWritesOnnxThatTheExporterWouldWrite()
    {
        string path = Path.Combine(_folder, "insight.onnx");
        _ps.Run($"$net | Export-Network -Path '{path}'");
        var network = (Core.Network)_ps.Run("$net")[0].BaseObject;
        Assert.Equal(Core.Onnx.OnnxExporter.ToBytes(network), File.ReadAllBytes(path));
    }

    [Fact]
    public void InterpretabilityCmdletsAnswerInTheUsersColumnNames()
    {
        var importance = _ps.Run("Get-FeatureImportance $net $iris -Repeats 2 -Seed 1");
        Assert.Equal(4, importance.Count);
        Assert.Equal(new[] { 1, 2, 3, 4 }, importance.Select(i => ((FeatureImportance)i.BaseObject).Rank));
        Assert.Contains(((FeatureImportance)importance[0].BaseObject).Feature, new[] { "PetalLength", "PetalWidth" });

        var attributions = _ps.Run("[pscustomobject]@{ SepalLength = 6.7; SepalWidth = 3.0; PetalLength = 5.2; PetalWidth = 2.3 } | Get-Attribution $net")
            .Select(a => (FeatureAttribution)a.BaseObject).ToList();
        Assert.Equal(new[] { "SepalLength", "SepalWidth", "PetalLength", "PetalWidth" }, attributions.Select(a => a.Feature));
        Assert.True(Math.Abs(attributions.Sum(a => a.Attribution) - (attributions[0].Output - attributions[0].BaselineOutput)) <= 1e-3);

        var layers = _ps.Run("$net | Get-LayerStatistics -Data $iris").Select(l => (LayerStatistics)l.BaseObject).ToList();
        Assert.Equal(3, layers.Count);
        Assert.NotNull(layers[1].DeadFraction);
        Assert.True(layers[2].GradientNorm > 0);
    }

    [Fact]
    public void WithoutABaselineASetosaIsExplainedFromTheTrainingMeanByItsPetals()
    {
        // The README's first network: raw Iris features, no normalization layer. From an all-zeros baseline (0 cm sepal
        // width) SepalWidth led a setosa's explanation; from the average training flower the petals do.
        _ps.Run("""
            $global:raw = New-Network 4 -Seed 1 | Add-DenseLayer 16 -Activation Relu | Add-DenseLayer 3 -Activation Softmax | Set-Optimizer Adam 0.01
            $null = $raw | Invoke-Training -Data $iris -Epochs 100 -BatchSize 16 -Seed 1
            $global:setosa = [pscustomobject]@{ SepalLength = 5.1; SepalWidth = 3.5; PetalLength = 1.4; PetalWidth = 0.2 }
            """);
        float[] mean = ((NeuralPS.Core.Network)_ps.Run("$raw")[0].BaseObject).InputMean!;
        var dataset = (NeuralPS.Core.Data.Dataset)_ps.Run("$iris")[0].BaseObject;
        for (int j = 0; j < 4; j++)
            Assert.Equal(Enumerable.Range(0, dataset.Rows).Average(r => dataset.Features[r * 4 + j]), mean[j], 4);

        var attributions = _ps.Run("$setosa | Get-Attribution -Network $raw").Select(a => (FeatureAttribution)a.BaseObject).ToList();
        Assert.Equal("setosa", attributions[0].Target);
        Assert.Equal(mean.Select(m => (double)m), attributions.Select(a => (double)a.Baseline));
        FeatureAttribution lead = attributions.MaxBy(a => Math.Abs(a.Attribution))!;
        Assert.StartsWith("Petal", lead.Feature);
        Assert.True(Math.Abs(attributions.Sum(a => a.Attribution) - (lead.Output - lead.BaselineOutput)) <= 1e-3);

        // The mean travels in the model file, and a model without it but with a normalization layer uses that layer's.
        string path = Path.Combine(_folder, "raw.npsm");
        var reloaded = (NeuralPS.Core.Network)_ps.Run($"$raw | Export-Network '{path}'; Import-Network '{path}'")[0].BaseObject;
        Assert.Equal(mean, reloaded.InputMean);
        var normalized = (NeuralPS.Core.Network)_ps.Run("$net")[0].BaseObject;
        normalized.InputMean = null;
        var fromLayer = _ps.Run("$setosa | Get-Attribution -Network $net", out var errors).Select(a => (FeatureAttribution)a.BaseObject).ToList();
        Assert.Empty(errors);
        Assert.Equal(((NeuralPS.Core.Layers.NormalizationLayer)normalized.Layers[0]).Mean.ToArray().Select(m => (double)m), fromLayer.Select(a => (double)a.Baseline));
    }

    [Fact]
    public void AnUntrainedNetworkIsExplainedFromZerosWithAWarning()
    {
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = _ps.Runspace;
        ps.AddScript("Get-Attribution (New-Network 2 -Seed 1 | Add-DenseLayer 2 -Activation Softmax) -InputObject @(1, 2)");
        var attributions = ps.Invoke().Select(a => (FeatureAttribution)a.BaseObject).ToList();
        Assert.Equal(2, attributions.Count);
        Assert.All(attributions, a => Assert.Equal(0.0, (double)a.Baseline));
        Assert.Contains("keeps no mean of its training data", Assert.Single(ps.Streams.Warning).Message);
    }

    [Fact]
    public void BadInputIsAClearErrorWithAStableId()
    {
        Assert.Equal("UnknownChartFormat,NeuralPS.Cmdlets.ExportTrainingChartCommand",
            _ps.Fail($"$net | Export-TrainingChart '{Path.Combine(_folder, "x.jpg")}'").FullyQualifiedErrorId);
        Assert.StartsWith("NeverTrained", _ps.Fail($"New-Network 2 | Add-DenseLayer 1 | Export-TrainingChart '{Path.Combine(_folder, "x.png")}'").FullyQualifiedErrorId);
        Assert.StartsWith("ShapeMismatch", _ps.Fail("Get-FeatureImportance $net (Get-SampleDataset Xor)").FullyQualifiedErrorId);
        Assert.StartsWith("ShapeMismatch", _ps.Fail("Get-LayerStatistics $net (Get-SampleDataset Xor)").FullyQualifiedErrorId);
        Assert.StartsWith("ShapeMismatch", _ps.Fail("Get-Attribution $net -InputObject @(1, 2)").FullyQualifiedErrorId);
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }
}
