using System.Text.Json.Serialization;

namespace NeuralPS.Core;

/// <summary>
/// What one epoch of training did. One is emitted as each epoch ends and kept in the network's history: part of the
/// model (what it was trained on and how), so it lives beside <see cref="Network"/>, not with the training code.
/// </summary>
public sealed class EpochResult
{
    /// <summary>The epoch number, counting every epoch the network has trained.</summary>
    public int Epoch { get; init; }

    /// <summary>Mean training loss over the epoch's batches (regularization included).</summary>
    public double Loss { get; init; }

    /// <summary>Training accuracy over the epoch (null for regression).</summary>
    public double? Accuracy { get; init; }

    /// <summary>Loss on the validation data (null without validation data).</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>Accuracy on the validation data (null without validation data, or for regression).</summary>
    public double? ValidationAccuracy { get; init; }

    /// <summary>The learning rate the optimizer used in this epoch (read from it; a record, not a setting).</summary>
    public double LearningRate { get; init; }

    /// <summary>Wall time of the epoch, validation included.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Training samples processed per second.</summary>
    public double SamplesPerSecond { get; init; }

    // ---- The metrics Invoke-Training -Metric asks for (null otherwise), on the training data as the epoch's batches
    // ran (as Keras reports them) and on the validation data after the epoch. Set by the trainer as the epoch ends. ----

    /// <summary>F1 on the training data (-Metric F1): of the second class for two classes, macro averaged for more.</summary>
    [JsonInclude] public double? F1 { get; internal set; }

    /// <summary>Precision on the training data (-Metric Precision).</summary>
    [JsonInclude] public double? Precision { get; internal set; }

    /// <summary>Recall on the training data (-Metric Recall).</summary>
    [JsonInclude] public double? Recall { get; internal set; }

    /// <summary>Area under the ROC curve on the training data (-Metric AUC).</summary>
    [JsonInclude] public double? AUC { get; internal set; }

    /// <summary>Mean absolute error on the training data (-Metric MAE).</summary>
    [JsonInclude] public double? MAE { get; internal set; }

    /// <summary>R² on the training data (-Metric R2).</summary>
    [JsonInclude] public double? R2 { get; internal set; }

    /// <summary>F1 on the validation data.</summary>
    [JsonInclude] public double? ValidationF1 { get; internal set; }

    /// <summary>Precision on the validation data.</summary>
    [JsonInclude] public double? ValidationPrecision { get; internal set; }

    /// <summary>Recall on the validation data.</summary>
    [JsonInclude] public double? ValidationRecall { get; internal set; }

    /// <summary>Area under the ROC curve on the validation data.</summary>
    [JsonInclude] public double? ValidationAUC { get; internal set; }

    /// <summary>Mean absolute error on the validation data.</summary>
    [JsonInclude] public double? ValidationMAE { get; internal set; }

    /// <summary>R² on the validation data.</summary>
    [JsonInclude] public double? ValidationR2 { get; internal set; }

    /// <inheritdoc />
    public override string ToString() => $"Epoch {Epoch}: loss {Loss:G5}" + (Accuracy is double a ? $", accuracy {a:P2}" : "");
}
