using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Interpretability;
using NeuralPS.Core.Training;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Per layer: weight and bias norms, the mean and standard deviation of its outputs on a dataset, the fraction of ReLU
/// units that never fire on it, and the norm of its gradients at the last step of the last epoch trained.
/// </summary>
[Cmdlet(VerbsCommon.Get, "LayerStatistics", DefaultParameterSetName = NetworkFirst)]
[OutputType(typeof(LayerStatistics))]
public sealed class GetLayerStatisticsCommand : NeuralPSCmdlet
{
    // Network is position 0 and Data position 1, and either may come from the pipeline; when the network is piped,
    // the data is the first positional argument ($net | Get-LayerStatistics $data), hence the second parameter set.
    private const string NetworkFirst = "NetworkFirst", NetworkPiped = "NetworkPiped";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = NetworkFirst, HelpMessage = "The network to inspect.")]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = NetworkPiped, HelpMessage = "The network to inspect.")]
    public Network Network { get; set; } = null!;

    [Parameter(Position = 1, ValueFromPipeline = true, ParameterSetName = NetworkFirst, HelpMessage = "Data to measure activations and dead ReLU units on (without it only norms are given).")]
    [Parameter(Position = 0, ParameterSetName = NetworkPiped, HelpMessage = "Data to measure activations and dead ReLU units on (without it only norms are given).")]
    public Dataset? Data { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        using NetworkLease lease = Use(Network, NetworkUse.Read);
        if (Network.LastGradientNorms.Length == 0)
            WriteVerbose($"'{Network.Name}' has not been trained in this session: GradientNorm is empty until it trains.");
        WriteObject(LayerStatistics.Compute(Network, Data), enumerateCollection: true);
    });
}
