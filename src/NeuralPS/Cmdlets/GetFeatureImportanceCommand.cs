using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Interpretability;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Permutation importance: shuffles each feature's column of a dataset in turn and measures how much worse the network
/// does (accuracy drop for a classifier, mean squared error increase for a regression). One object per feature, most
/// important first.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FeatureImportance", DefaultParameterSetName = NetworkFirst)]
[OutputType(typeof(FeatureImportance))]
public sealed class GetFeatureImportanceCommand : NeuralPSCmdlet
{
    private readonly CancellationTokenSource _stop = new();

    // Network is position 0 and Data position 1, and either may come from the pipeline; when the network is piped,
    // the data is the first positional argument ($net | Get-FeatureImportance $data), hence the second parameter set.
    private const string NetworkFirst = "NetworkFirst", NetworkPiped = "NetworkPiped";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = NetworkFirst, HelpMessage = "The trained network.")]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = NetworkPiped, HelpMessage = "The trained network.")]
    public Network Network { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ParameterSetName = NetworkFirst, HelpMessage = "The data to measure on (held-out data tells most).")]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NetworkPiped, HelpMessage = "The data to measure on (held-out data tells most).")]
    public Dataset Data { get; set; } = null!;

    [Parameter(HelpMessage = "Shuffles per feature; the importance is their mean and StdDev their spread (5).")]
    [ValidateRange(1, 1000)]
    public int Repeats { get; set; } = 5;

    [Parameter(HelpMessage = "Seeds the shuffles: the same seed gives the same numbers (0).")]
    public long Seed { get; set; }

    [Parameter(HelpMessage = "Write only the N most important features (all of them by default); each keeps its rank among all.")]
    [ValidateRange(1, int.MaxValue)]
    public int Top { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        WriteVerbose($"Permutation importance of '{Network.Name}' on {Data.Rows} rows, {Data.FeatureCount} features × {Repeats} repeats.");
        FeatureImportance[] results;
        using NetworkLease lease = Use(Network, NetworkUse.Read);
        try { results = PermutationImportance.Compute(Network, Data, Repeats, Seed, _stop.Token); }
        catch (OperationCanceledException) { return; }
        foreach (FeatureImportance result in results.OrderBy(r => r.Rank).Take(Top > 0 ? Top : int.MaxValue)) WriteObject(result);
    });

    protected override void StopProcessing() => _stop.Cancel();
}
