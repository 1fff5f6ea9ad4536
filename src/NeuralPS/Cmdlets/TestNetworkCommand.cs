using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Training;

namespace NeuralPS.Cmdlets;

/// <summary>Evaluates a network on a dataset: loss, accuracy, per-class metrics and a confusion matrix, or regression errors.</summary>
[Cmdlet(VerbsDiagnostic.Test, "Network", DefaultParameterSetName = NetworkFirst)]
[OutputType(typeof(Evaluation))]
public sealed class TestNetworkCommand : NeuralPSCmdlet
{
    // Network is position 0 and Data position 1, and either may come from the pipeline; when the network is piped,
    // the data is the first positional argument ($net | Test-Network $data), hence the second parameter set.
    private const string NetworkFirst = "NetworkFirst", NetworkPiped = "NetworkPiped";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = NetworkFirst, HelpMessage = "The trained network.")]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = NetworkPiped, HelpMessage = "The trained network.")]
    public Network Network { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ParameterSetName = NetworkFirst, HelpMessage = "The data to evaluate on.")]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NetworkPiped, HelpMessage = "The data to evaluate on.")]
    public Dataset Data { get; set; } = null!;

    protected override void ProcessRecord() => Guard(() =>
    {
        using (Use(Network, NetworkUse.Read)) WriteObject(Evaluation.Compute(Network, Data));
    }, Network);
}
