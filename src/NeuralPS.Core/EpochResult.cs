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

    /// <inheritdoc />
    public override string ToString() => $"Epoch {Epoch}: loss {Loss:G5}" + (Accuracy is double a ? $", accuracy {a:P2}" : "");
}
