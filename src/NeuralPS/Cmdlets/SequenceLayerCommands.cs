using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Layers;

namespace NeuralPS.Cmdlets;

/// <summary>Adds a long short-term memory layer over sequences.</summary>
[Cmdlet(VerbsCommon.Add, "LstmLayer")]
[OutputType(typeof(Network))]
public sealed class AddLstmLayerCommand : LayerCommandBase
{
    /// <summary>Number of hidden units.</summary>
    [Parameter(Mandatory = true, Position = 0, HelpMessage = "Number of hidden units: the width of the layer's state and output.")]
    [ValidateRange(1, int.MaxValue)]
    public int Units { get; set; }

    /// <summary>Output every timestep's state.</summary>
    [Parameter(HelpMessage = "Output the hidden state of every timestep (timesteps, units) rather than the last one alone: for another recurrent layer after this one.")]
    public SwitchParameter ReturnSequences { get; set; }

    protected override Layer CreateLayer() => new LstmLayer(Units, ReturnSequences);
}

/// <summary>Adds a gated recurrent unit layer over sequences.</summary>
[Cmdlet(VerbsCommon.Add, "GruLayer")]
[OutputType(typeof(Network))]
public sealed class AddGruLayerCommand : LayerCommandBase
{
    /// <summary>Number of hidden units.</summary>
    [Parameter(Mandatory = true, Position = 0, HelpMessage = "Number of hidden units: the width of the layer's state and output.")]
    [ValidateRange(1, int.MaxValue)]
    public int Units { get; set; }

    /// <summary>Output every timestep's state.</summary>
    [Parameter(HelpMessage = "Output the hidden state of every timestep (timesteps, units) rather than the last one alone: for another recurrent layer after this one.")]
    public SwitchParameter ReturnSequences { get; set; }

    protected override Layer CreateLayer() => new GruLayer(Units, ReturnSequences);
}
