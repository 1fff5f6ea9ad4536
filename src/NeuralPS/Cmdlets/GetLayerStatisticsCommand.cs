using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Interpretability;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Per layer: weight and bias norms, the mean and standard deviation of its outputs on a dataset, the fraction of ReLU
/// units that never fire on it, and the norm of its gradients at the last step of the last epoch trained.
/// </summary>
[Cmdlet(VerbsCommon.Get, "LayerStatistics")]
[OutputType(typeof(LayerStatistics))]
public sealed class GetLayerStatisticsCommand : NeuralPSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, HelpMessage = "The network to inspect.")]
    public Network Network { get; set; } = null!;

    [Parameter(Position = 1, HelpMessage = "Data to measure activations and dead ReLU units on (without it only norms are given).")]
    public Dataset? Data { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        using NetworkLease lease = Use(Network, NetworkUse.Read);
        if (Network.LastGradientNorms.Length == 0)
            WriteVerbose($"'{Network.Name}' has not been trained in this session: GradientNorm is empty until it trains.");
        WriteObject(LayerStatistics.Compute(Network, Data), enumerateCollection: true);
    });
}
