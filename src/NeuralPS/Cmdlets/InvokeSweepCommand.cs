using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Sweep;

namespace NeuralPS.Cmdlets;

/// <summary>
/// Trains one network per point of a grid or a list of settings (see <see cref="SweepCommandBase"/>); with -Folds,
/// each point is cross-validated and scored by its mean validation loss.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "Sweep", DefaultParameterSetName = "Grid")]
[OutputType(typeof(SweepResult), typeof(CrossValidationSummary))]
public sealed class InvokeSweepCommand : SweepCommandBase
{
    private readonly List<SweepPoint> _piped = new();

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Grid", HelpMessage = "Settings and their values, one run per combination: @{ LearningRate = 0.1, 0.01; Units = 8, 16 }.")]
    public IDictionary Grid { get; set; } = null!;

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "Settings", HelpMessage = "The settings of each run, as hashtables or objects (one run each); also from the pipeline.")]
    public object[] Settings { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 1, HelpMessage = "A script that gets a run's settings ($Settings, or its first parameter) and writes the network to train.")]
    public ScriptBlock Network { get; set; } = null!;

    [Parameter(HelpMessage = "Cross-validate every point with this many folds (stratified for classes): one run per point and fold, and a summary per point whose Score is its mean validation loss.")]
    [ValidateRange(2, int.MaxValue)]
    public int Folds { get; set; }

    [Parameter(HelpMessage = "With -Folds: repeat the cross-validation this many times, each with its own split (1).")]
    [ValidateRange(1, 1000)]
    public int Repeat { get; set; } = 1;

    protected override string NetworkScript => Network.ToString();
    protected override int FoldCount => Folds;
    protected override int RepeatCount => Repeat;

    protected override void ProcessRecord()
    {
        if (ParameterSetName != "Settings") return;
        foreach (object item in Settings)
        {
            try { _piped.Add(new SweepPoint(_piped.Count + 1, SweepPoint.SettingsFrom(item))); }
            catch (NeuralPSException e) { ThrowTerminatingError(Errors.From(e, item)); }
        }
    }

    protected override void EndProcessing()
    {
        List<SweepPoint> points = ParameterSetName == "Grid" ? Points(() => SweepPoint.FromGrid(Grid)) : _piped;
        if (points.Count == 0)
            ThrowTerminatingError(Errors.Create(ErrorIds.EmptyGrid, ErrorCategory.InvalidArgument,
                "No settings were given, so the sweep has no points. Pipe hashtables or objects into Invoke-Sweep, or give -Grid.", null));
        RunSweep(points);
    }
}
