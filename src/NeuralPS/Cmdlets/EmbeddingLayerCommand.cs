using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Layers;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Adds an embedding of one categorical column (<see cref="EmbeddingLayer"/>): the column's category index is replaced
/// by a learned vector, concatenated in place with the other features.
/// </summary>
[Cmdlet(VerbsCommon.Add, "EmbeddingLayer")]
[OutputType(typeof(Network))]
public sealed class AddEmbeddingLayerCommand : LayerCommandBase
{
    /// <summary>The categorical column to embed.</summary>
    [Parameter(Mandatory = true, Position = 0, HelpMessage = "The categorical column to embed: a category-index column of the network's encoding (ConvertTo-Dataset -CategoryIndex).")]
    [ValidateNotNullOrEmpty]
    public string Feature { get; set; } = "";

    /// <summary>Values in each category's vector.</summary>
    [Parameter(Mandatory = true, Position = 1, HelpMessage = "Values in each category's learned vector (Keras's output_dim).")]
    [ValidateRange(1, 100_000)]
    public int Dimensions { get; set; }

    protected override Layer CreateLayer() => EmbeddingLayer.For(Network, Feature, Dimensions);
}
