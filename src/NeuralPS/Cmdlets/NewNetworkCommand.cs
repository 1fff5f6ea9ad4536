using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Layers;

namespace NeuralPS.Cmdlets;

/// <summary>Creates an empty sequential network for a given number of inputs, for sequences of a given T, F shape or for images of a given C, H, W shape.</summary>
[Cmdlet(VerbsCommon.New, "Network", DefaultParameterSetName = "Size")]
[OutputType(typeof(Network))]
public sealed class NewNetworkCommand : NeuralPSCmdlet
{
    /// <summary>Number of input features.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Size", HelpMessage = "Number of input features.")]
    [ValidateRange(1, int.MaxValue)]
    public int InputSize { get; set; }

    /// <summary>The input shape: timesteps, features; or channels, height, width (or one number, the features).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Shape",
        HelpMessage = "The input shape as timesteps, features (24,3) for sequences, channels, height, width (1,28,28) for images, or a dataset's Shape; rows hold the values in that order.")]
    [ValidateCount(1, 3)]
    public int[] InputShape { get; set; } = Array.Empty<int>();

    /// <summary>A dataset whose shape and encoding the network takes.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Data",
        HelpMessage = "A training dataset: the network takes its shape and its encoding (feature names, the categories an embedding layer needs).")]
    public Core.Data.Dataset Data { get; set; } = null!;

    /// <summary>A name for the network.</summary>
    [Parameter(HelpMessage = "A name for the network, shown in its summary.")]
    public string? Name { get; set; }

    /// <summary>Seed for initialization, shuffling and dropout.</summary>
    [Parameter(HelpMessage = "Seed for weight initialization, shuffling and dropout; the same seed gives the same bits.")]
    public long? Seed { get; set; }

    protected override void EndProcessing() => Guard(() => WriteObject(ParameterSetName switch
    {
        "Shape" => new Network(Shape.From(InputShape), Name, Seed),
        "Data" => new Network(Data.Shape is { Length: 3 } image ? Shape.From(image) : new Shape(Data.FeatureCount), Name, Seed) { FeatureEncoding = Data.Encoding, FeatureNames = Data.FeatureNames },
        _ => new Network(InputSize, Name, Seed),
    }));
}
