using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Training;

namespace NeuralPS.Cmdlets;

/// <summary>
/// The learning-rate range test: trains a copy of the network for one pass at an exponentially growing rate and
/// returns the loss curve with a suggested rate. The network itself is not changed.
/// </summary>
[Cmdlet(VerbsCommon.Find, "LearningRate", DefaultParameterSetName = NetworkFirst)]
[OutputType(typeof(LearningRateSearch))]
public sealed class FindLearningRateCommand : NeuralPSCmdlet
{
    private readonly CancellationTokenSource _stop = new();
    // Network is position 0 and Data position 1, and either may come from the pipeline, as for Invoke-Training.
    private const string NetworkFirst = "NetworkFirst", NetworkPiped = "NetworkPiped";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = NetworkFirst, HelpMessage = "The network to test (left unchanged: a copy is trained).")]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = NetworkPiped, HelpMessage = "The network to test (left unchanged: a copy is trained).")]
    public Network Network { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ParameterSetName = NetworkFirst, HelpMessage = "The training data.")]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NetworkPiped, HelpMessage = "The training data.")]
    public Dataset Data { get; set; } = null!;

    [Parameter(HelpMessage = "The rate of the first mini-batch (1e-7).")]
    [ValidateRange(1e-12, 1e6)]
    public double Start { get; set; } = 1e-7;

    [Parameter(HelpMessage = "The rate of the last mini-batch (10).")]
    [ValidateRange(1e-12, 1e6)]
    public double End { get; set; } = 10;

    [Parameter(HelpMessage = "Mini-batches to run (0: one pass over the data).")]
    [ValidateRange(0, int.MaxValue)]
    public int Steps { get; set; }

    [Parameter(HelpMessage = "Rows per mini-batch (32): the batch size you will train with.")]
    [ValidateRange(0, int.MaxValue)]
    public int BatchSize { get; set; } = 32;

    [Parameter(HelpMessage = "Standardize the inputs first, as Invoke-Training -Normalize will (on the copy).")]
    public SwitchParameter Normalize { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        using NetworkLease lease = Use(Network, NetworkUse.Read); // read only: the test trains a copy
        var options = new LearningRateFinderOptions { Start = Start, End = End, Steps = Steps, BatchSize = BatchSize, Normalize = Normalize };
        LearningRateSearch search;
        try { search = LearningRateFinder.Run(Network, Data, options, _stop.Token); }
        catch (OperationCanceledException) { return; } // Ctrl+C: nothing to report, and nothing was changed
        WriteVerbose(search.ToString());
        WriteObject(search);
    }, Network);

    protected override void StopProcessing() => _stop.Cancel();
}
