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
    // They live in an object of their own, made when the first is set: without -Metric an epoch's result is a third of
    // the size. A tiny network trains an epoch in about a microsecond, and each fresh page of memory its results fill
    // can cost a page fault of several microseconds (a virtual machine's).
    private MetricSet? _metrics;
    private MetricSet Metrics => _metrics ??= new MetricSet();

    private sealed class MetricSet
    {
        public double? F1, Precision, Recall, AUC, MAE, R2;
        public double? ValidationF1, ValidationPrecision, ValidationRecall, ValidationAUC, ValidationMAE, ValidationR2;
    }

    /// <summary>F1 on the training data (-Metric F1): of the second class for two classes, macro averaged for more.</summary>
    [JsonInclude] public double? F1 { get => _metrics?.F1; internal set { if (value is not null || _metrics is not null) Metrics.F1 = value; } }

    /// <summary>Precision on the training data (-Metric Precision).</summary>
    [JsonInclude] public double? Precision { get => _metrics?.Precision; internal set { if (value is not null || _metrics is not null) Metrics.Precision = value; } }

    /// <summary>Recall on the training data (-Metric Recall).</summary>
    [JsonInclude] public double? Recall { get => _metrics?.Recall; internal set { if (value is not null || _metrics is not null) Metrics.Recall = value; } }

    /// <summary>Area under the ROC curve on the training data (-Metric AUC).</summary>
    [JsonInclude] public double? AUC { get => _metrics?.AUC; internal set { if (value is not null || _metrics is not null) Metrics.AUC = value; } }

    /// <summary>Mean absolute error on the training data (-Metric MAE).</summary>
    [JsonInclude] public double? MAE { get => _metrics?.MAE; internal set { if (value is not null || _metrics is not null) Metrics.MAE = value; } }

    /// <summary>R² on the training data (-Metric R2).</summary>
    [JsonInclude] public double? R2 { get => _metrics?.R2; internal set { if (value is not null || _metrics is not null) Metrics.R2 = value; } }

    /// <summary>F1 on the validation data.</summary>
    [JsonInclude] public double? ValidationF1 { get => _metrics?.ValidationF1; internal set { if (value is not null || _metrics is not null) Metrics.ValidationF1 = value; } }

    /// <summary>Precision on the validation data.</summary>
    [JsonInclude] public double? ValidationPrecision { get => _metrics?.ValidationPrecision; internal set { if (value is not null || _metrics is not null) Metrics.ValidationPrecision = value; } }

    /// <summary>Recall on the validation data.</summary>
    [JsonInclude] public double? ValidationRecall { get => _metrics?.ValidationRecall; internal set { if (value is not null || _metrics is not null) Metrics.ValidationRecall = value; } }

    /// <summary>Area under the ROC curve on the validation data.</summary>
    [JsonInclude] public double? ValidationAUC { get => _metrics?.ValidationAUC; internal set { if (value is not null || _metrics is not null) Metrics.ValidationAUC = value; } }

    /// <summary>Mean absolute error on the validation data.</summary>
    [JsonInclude] public double? ValidationMAE { get => _metrics?.ValidationMAE; internal set { if (value is not null || _metrics is not null) Metrics.ValidationMAE = value; } }

    /// <summary>R² on the validation data.</summary>
    [JsonInclude] public double? ValidationR2 { get => _metrics?.ValidationR2; internal set { if (value is not null || _metrics is not null) Metrics.ValidationR2 = value; } }

    /// <inheritdoc />
    public override string ToString() => $"Epoch {Epoch}: loss {Loss:G5}" + (Accuracy is double a ? $", accuracy {a:P2}" : "");
}
