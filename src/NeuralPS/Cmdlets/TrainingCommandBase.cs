using System.Collections;
using System.Collections.Frozen;
using System.Management.Automation;
using System.Reflection;
using NeuralPS.Core.Data;
using NeuralPS.Core.Distributed;
using NeuralPS.Core.Training;

namespace NeuralPS.Cmdlets;

/// <summary>
/// The training options Invoke-Training and Invoke-Sweep share: declared once here, so the two cmdlets cannot drift
/// apart (one growing an option the other lacks, or describing or defaulting it differently). Invoke-Training maps
/// them onto the engine's <see cref="TrainingOptions"/>; Invoke-Sweep hands the ones the user gave to Invoke-Training
/// in every run. A new training option is a property here, mapped in <see cref="ToTrainingOptions"/>, and described
/// the same in module/help/Invoke-Training.md and Invoke-Sweep.md.
/// -Data is not here: Invoke-Training binds it by position (after -Network) or from the pipeline, in two parameter
/// sets, and Invoke-Sweep by name only (its positions are -Grid and -Network), so each cmdlet declares it, with the
/// same help text (a test holds its type and help equal).
/// </summary>
public abstract class TrainingCommandBase : NeuralPSCmdlet
{
    [Parameter(HelpMessage = "Data to evaluate after every epoch.")]
    public Dataset? ValidationData { get; set; }

    [Parameter(HelpMessage = "Fraction of the training rows held out for validation when no -ValidationData is given.")]
    [ValidateRange(0.0, 0.99)]
    public double ValidationSplit { get; set; }

    [Parameter(HelpMessage = "Passes over the training data (10).")]
    [ValidateRange(1, int.MaxValue)]
    public int Epochs { get; set; } = 10;

    [Parameter(HelpMessage = "Rows per mini-batch (32); 0 trains on the full batch.")]
    [ValidateRange(0, int.MaxValue)]
    public int BatchSize { get; set; } = 32;

    [Parameter(HelpMessage = "Stop when the monitored loss stops improving for -Patience epochs.")]
    public SwitchParameter EarlyStopping { get; set; }

    [Parameter(HelpMessage = "Early stopping: epochs without improvement before stopping (5).")]
    [ValidateRange(1, int.MaxValue)]
    public int Patience { get; set; } = 5;

    [Parameter(HelpMessage = "Early stopping: the smallest decrease that counts as an improvement (0).")]
    [ValidateRange(0.0, double.MaxValue)]
    public double MinDelta { get; set; }

    [Parameter(HelpMessage = "Early stopping and plateau schedules watch Loss or ValidationLoss (the default when validation data is given).")]
    [ValidateSet("Loss", "ValidationLoss", IgnoreCase = true)]
    public string? Monitor { get; set; }

    [Parameter(HelpMessage = "Early stopping: keep the last epoch's weights instead of restoring the best epoch's.")]
    public SwitchParameter KeepLastWeights { get; set; }

    [Parameter(HelpMessage = "Do not shuffle the rows between epochs.")]
    public SwitchParameter NoShuffle { get; set; }

    [Parameter(HelpMessage = "Re-seeds shuffling and dropout for this run; the same seed gives the same bits.")]
    public long? Seed { get; set; }

    // One default for both cmdlets: not given, a training uses the network's ThreadCount, which is 1 unless the user
    // set it. That is what a sweep wants too (its runs in parallel already use the processors, and a network made by
    // the -Network script has 1 thread unless the script asks for more); a sweep used to force 1, overriding a script
    // that asked for more.
    [Parameter(HelpMessage = "Threads for the engine (the pipeline's own thread included).")]
    [ValidateRange(1, 256)]
    public int ThreadCount { get; set; }

    [Parameter(HelpMessage = "Standardize the inputs with a normalization layer learned from the training data and kept in the model (added in front if the network has none).")]
    public SwitchParameter Normalize { get; set; }

    /// <summary>
    /// The names of the training options: the parameters declared here but -ValidationData (data, which a sweep sends
    /// to its sessions as bytes). A sweep setting of one of these names (a grid key "BatchSize") sets that option for
    /// its run.
    /// </summary>
    public static readonly FrozenSet<string> OptionNames = typeof(TrainingCommandBase)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        .Where(p => p.IsDefined(typeof(ParameterAttribute)) && p.Name != nameof(ValidationData))
        .Select(p => p.Name)
        .ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The engine's options from these parameters.</summary>
    protected TrainingOptions ToTrainingOptions(ICommunicator? communicator) => new()
    {
        Epochs = Epochs,
        BatchSize = BatchSize,
        Shuffle = !NoShuffle,
        ValidationSplit = ValidationSplit,
        Seed = Seed,
        ThreadCount = ThreadCount > 0 ? ThreadCount : null,
        Communicator = communicator,
        Patience = EarlyStopping ? Patience : 0,
        MinDelta = MinDelta,
        Monitor = Monitor,
        RestoreBestWeights = !KeepLastWeights,
        Normalize = Normalize,
        Checkpoints = Checkpoints,
    };

    /// <summary>The checkpoints to write (Invoke-Training's -CheckpointPath; a sweep's runs write none).</summary>
    protected virtual CheckpointOptions? Checkpoints => null;

    /// <summary>
    /// The training options the user gave, as Invoke-Training's parameters (switches as booleans). Options not given
    /// are left out: Invoke-Training's defaults are these same properties' defaults.
    /// </summary>
    protected Hashtable BoundTrainingOptions()
    {
        var parameters = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (string name in OptionNames)
            if (MyInvocation.BoundParameters.TryGetValue(name, out object? value))
                parameters[name] = value is SwitchParameter s ? s.IsPresent : value;
        return parameters;
    }
}
