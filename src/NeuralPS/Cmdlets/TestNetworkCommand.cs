using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Training;

namespace NeuralPS.Cmdlets;

/// <summary>Evaluates a network on a dataset: loss, accuracy, per-class metrics and a confusion matrix, or regression errors.</summary>
[Cmdlet(VerbsDiagnostic.Test, "Network")]
[OutputType(typeof(Evaluation))]
public sealed class TestNetworkCommand : NeuralPSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, HelpMessage = "The trained network.")]
    public Network Network { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, HelpMessage = "The data to evaluate on.")]
    public Dataset Data { get; set; } = null!;

    protected override void ProcessRecord() => Guard(() =>
    {
        using (Use(Network, NetworkUse.Read)) WriteObject(Evaluation.Compute(Network, Data));
    }, Network);
}
