using System.Management.Automation;
using NeuralPS.Core;

namespace NeuralPS.Cmdlets;

/// <summary>Creates an empty sequential network for a given number of inputs.</summary>
[Cmdlet(VerbsCommon.New, "Network")]
[OutputType(typeof(Network))]
public sealed class NewNetworkCommand : NeuralPSCmdlet
{
    /// <summary>Number of input features.</summary>
    [Parameter(Mandatory = true, Position = 0, HelpMessage = "Number of input features.")]
    [ValidateRange(1, int.MaxValue)]
    public int InputSize { get; set; }

    /// <summary>A name for the network.</summary>
    [Parameter(HelpMessage = "A name for the network, shown in its summary.")]
    public string? Name { get; set; }

    /// <summary>Seed for initialization, shuffling and dropout.</summary>
    [Parameter(HelpMessage = "Seed for weight initialization, shuffling and dropout; the same seed gives the same bits.")]
    public long? Seed { get; set; }

    protected override void EndProcessing() => Guard(() => WriteObject(new Network(InputSize, Name, Seed)));
}
