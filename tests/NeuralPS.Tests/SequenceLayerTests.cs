using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Layers;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>Add-LstmLayer and Add-GruLayer as a user calls them: on a windowed dataset's shape, trained, saved, completed.</summary>
public class SequenceLayerTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("neuralps-seqlayers-").FullName;

    public SequenceLayerTests() => _ps.Run($"Set-Location '{_folder}'");

    public void Dispose()
    {
        _ps.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private const string Series =
        "$windows = 1..160 | ForEach-Object { [pscustomobject]@{ Load = 50 + 20 * [math]::Sin($_ * [math]::PI / 12) } } | " +
        "ConvertTo-Dataset -Label Load -Window 12; ";

    [Fact]
    public void AnLstmOnAWindowedDatasetTrainsAndItsSummaryShowsEachOutputShape()
    {
        var net = Assert.IsType<Network>(Assert.Single(_ps.Run(Series +
            "$net = New-Network -InputShape $windows.Shape -Seed 1 | Add-NormalizationLayer | Add-LstmLayer 8 -ReturnSequences | " +
            "Add-GruLayer 6 | Add-DenseLayer 1 | Set-Optimizer Adam -LearningRate 0.02; " +
            "$null = $net | Invoke-Training -Data $windows -Epochs 6 -BatchSize 16; $net")).BaseObject);
        Assert.Equal(Shape.Sequence(12, 1), net.InputShape);
        Assert.Equal(new[] { "Normalization", "LSTM", "GRU", "Dense" }, net.Layers.Select(l => l.Kind));
        Assert.Equal(6, net.History.Count);
        Assert.True(net.History[^1].Loss < net.History[0].Loss, $"the loss went from {net.History[0].Loss} to {net.History[^1].Loss}");
        string summary = string.Join("\n", _ps.Run("$net | Out-String").Select(o => o.ToString()));
        Assert.Contains("LSTM 8 (sequences)", summary);
        Assert.Contains("(None, 12, 8)", summary);
        Assert.Contains("GRU 6", summary);
        Assert.Contains("(None, 6)", summary);
    }

    [Fact]
    public void AModelFileKeepsTheRecurrentLayersAndPredictsTheSame()
    {
        var results = _ps.Run(Series +
            "$net = New-Network -InputShape $windows.Shape -Seed 2 | Add-LstmLayer 5 | Add-DenseLayer 1 | Set-Optimizer Adam; " +
            "$null = $net | Invoke-Training -Data $windows -Epochs 2; Export-Network -Network $net -Path model.npsm; " +
            "$loaded = Import-Network model.npsm; " +
            "$a = Invoke-Prediction -Network $net -Data $windows | Select-Object -ExpandProperty Prediction; " +
            "$b = Invoke-Prediction -Network $loaded -Data $windows | Select-Object -ExpandProperty Prediction; " +
            "$loaded.Layers[0].Kind; $loaded.InputShape.ToString(); [System.Linq.Enumerable]::SequenceEqual([double[]]$a, [double[]]$b)");
        Assert.Equal(new[] { "LSTM", "(None, 12, 1)", "True" }, results.Select(r => r.ToString()));
    }

    [Fact]
    public void ARecurrentLayerWithoutSequencesIsANamedError()
    {
        ErrorRecord error = _ps.Fail("New-Network 12 | Add-LstmLayer 4");
        Assert.Equal(ErrorIds.SequenceInputRequired, error.FullyQualifiedErrorId.Split(',')[0]);
        error = _ps.Fail("New-Network -InputShape 12,1 | Add-GruLayer 4 | Add-GruLayer 2");
        Assert.Equal(ErrorIds.SequenceInputRequired, error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Contains("-ReturnSequences", error.Exception.Message);
    }

    [Theory]
    [InlineData("New-Network -InputShape 12,1 | Add-LstmLayer 8 -Ret", "-ReturnSequences")]
    [InlineData("New-Network -InputShape 12,1 | Add-GruLayer 8 -Ret", "-ReturnSequences")]
    [InlineData("New-Network -InputShape 12,1 | Add-Lstm", "Add-LstmLayer")]
    public void NamesCompleteWithTab(string line, string expected)
    {
        var matches = _ps.Run($"$s = '{line}'; (TabExpansion2 -inputScript $s -cursorColumn $s.Length).CompletionMatches.CompletionText")
            .Select(m => m.ToString()).ToList();
        Assert.Equal(new[] { expected }, matches);
    }
}
