using System.Collections.Specialized;
using NeuralPS.Core;
using NeuralPS.Core.Serialization;

namespace NeuralPS.Sweep;

/// <summary>
/// What one run of a sweep did: its settings, its metrics at the last and at the best epoch, where and how long it
/// ran, and the model of its best epoch and of its last as the bytes of model files (Import-Network takes Model, the
/// best epoch's, by property name).
/// Plain values only, so that results survive Export-Clixml and another remoting hop.
/// </summary>
public sealed class SweepResult
{
    /// <summary>The run's number: its place (1-based) among the sweep's points, whatever order runs finish in.</summary>
    public int Run { get; init; }

    /// <summary>The grid point (the settings) the run trained: its run number, unless cross-validation trains each point once a fold.</summary>
    public int Point { get; init; }

    /// <summary>The repeat of the cross-validation the run belongs to (1 without -Repeat); null outside a cross-validation.</summary>
    public int? Repeat { get; init; }

    /// <summary>The fold the run held out and was validated on; null outside a cross-validation.</summary>
    public int? Fold { get; init; }

    /// <summary>Every metric of the last epoch by name (Loss, Accuracy, ValidationLoss, ...): what a cross-validation summarizes.</summary>
    public OrderedDictionary Metrics { get; init; } = new();

    /// <summary>The settings of the run: one value per grid key, or the settings object given.</summary>
    public OrderedDictionary Settings { get; init; } = new();

    /// <summary>The settings as one line, "LearningRate=0.01, Units=8".</summary>
    public string SettingsText => SweepPoint.Describe(Settings);

    /// <summary>Epochs trained in this run (fewer than asked when early stopping ended it).</summary>
    public int Epochs { get; init; }

    /// <summary>Training loss of the last epoch.</summary>
    public double Loss { get; init; }

    /// <summary>Training accuracy of the last epoch (null for regression).</summary>
    public double? Accuracy { get; init; }

    /// <summary>Validation loss of the last epoch (null without validation data).</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>Validation accuracy of the last epoch (null without validation data, or for regression).</summary>
    public double? ValidationAccuracy { get; init; }

    /// <summary>The epoch with the lowest validation loss (training loss without validation data), counted in this run.</summary>
    public int BestEpoch { get; init; }

    /// <summary>Training loss at <see cref="BestEpoch"/>.</summary>
    public double BestLoss { get; init; }

    /// <summary>Training accuracy at <see cref="BestEpoch"/>.</summary>
    public double? BestAccuracy { get; init; }

    /// <summary>Validation loss at <see cref="BestEpoch"/>: the lowest the run reached.</summary>
    public double? BestValidationLoss { get; init; }

    /// <summary>Validation accuracy at <see cref="BestEpoch"/>.</summary>
    public double? BestValidationAccuracy { get; init; }

    /// <summary>Wall time of the run where it ran: building the network and training it.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>The computer the run trained on.</summary>
    public string ComputerName { get; init; } = "";

    /// <summary>The worker it ran in: "Runspace 2" locally, or the PSSession's name and computer.</summary>
    public string Session { get; init; } = "";

    /// <summary>The process it trained in.</summary>
    public int ProcessId { get; init; }

    /// <summary>How many times the run was started: more than 1 when a session broke under it and it was run again.</summary>
    public int Attempts { get; init; }

    /// <summary>
    /// The network as it was at the end of <see cref="BestEpoch"/>, the epoch whose Best* metrics this result reports,
    /// as the bytes of a model file (Export-Network's format; its history ends at that epoch).
    /// </summary>
    public byte[] Model { get; init; } = Array.Empty<byte>();

    /// <summary>
    /// The network as the run's training left it, after its last epoch (with -EarlyStopping, Invoke-Training has already
    /// put the best epoch's weights back into it), as the bytes of a model file.
    /// </summary>
    public byte[] LastModel { get; init; } = Array.Empty<byte>();

    /// <summary>The model file written with -OutputFolder (<see cref="Model"/>, the best epoch's), else null.</summary>
    public string? ModelPath { get; internal set; }

    /// <summary>The network of the best epoch, rebuilt from <see cref="Model"/>.</summary>
    public Network ToNetwork() => ModelFile.FromBytes(Model, $"the model of sweep run {Run}");

    /// <inheritdoc />
    public override string ToString() => $"Run {Run} ({SettingsText}{(Fold is int f ? $", fold {f}" : "")}): best epoch {BestEpoch} of {Epochs}, loss {BestLoss:G5}" +
        (BestValidationLoss is double v ? $", validation loss {v:G5}" : "") + (BestValidationAccuracy is double a ? $", validation accuracy {a:P2}" : "");
}
