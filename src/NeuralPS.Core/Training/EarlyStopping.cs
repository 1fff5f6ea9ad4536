using System.Runtime.CompilerServices;
namespace NeuralPS.Core.Training;

/// <summary>
/// Watches a loss across epochs; says when it has stopped improving, and keeps the best weights so that they
/// can be restored when training ends, whatever ended it.
/// </summary>
internal sealed class EarlyStopping
{
    private readonly TrainingOptions _options;
    private readonly bool _useValidation;
    private readonly TrainingMetric? _metric; // null: the loss
    private readonly Snapshot? _best;
    private double _bestValue = double.PositiveInfinity;
    private int _bestEpoch;
    private int _waited;

    public EarlyStopping(Network network, TrainingOptions options, bool hasValidation)
    {
        _options = options;
        string monitor = options.Monitor ?? (hasValidation ? "ValidationLoss" : "Loss");
        (_useValidation, _metric) = Parse(monitor);
        if (_useValidation && !hasValidation)
            throw new NeuralPSException(ErrorIds.NoValidationData, ErrorKind.InvalidArgument,
                $"Early stopping on {monitor} needs validation data: add -ValidationData or -ValidationSplit, or monitor {monitor[10..]}.");
        if (options.Patience > 0 && options.RestoreBestWeights) _best = new Snapshot(network);
    }

    public string? Reason { get; private set; }

    /// <summary>
    /// The monitored value, lower is better: the loss, MAE, or 1 − the metric for a metric to maximize (F1, Precision,
    /// Recall, AUC, R2, all at most 1), so that early stopping's -MinDelta and the plateau schedule's relative
    /// threshold work on it as on a loss. An undefined metric (AUC on a pass with one class) never improves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Monitored(EpochResult result)
    {
        if (_metric is not TrainingMetric metric) return _useValidation ? result.ValidationLoss ?? result.Loss : result.Loss;
        if (MetricValues.Of(result, metric, _useValidation) is not double value) return double.PositiveInfinity;
        return MetricFunctions.IsMaximized(metric) ? 1 - value : value;
    }

    /// <summary>The names -Monitor takes: Loss, the metrics, and each with Validation in front.</summary>
    public static IReadOnlyList<string> MonitorNames { get; } = Array.AsReadOnly(
        new[] { "Loss" }.Concat(Enum.GetNames<TrainingMetric>()).SelectMany(n => new[] { n, "Validation" + n }).ToArray());

    /// <summary>The metric a monitor name watches (null for Loss and ValidationLoss), so that the trainer computes it.</summary>
    public static TrainingMetric? MetricOf(string? monitor) => monitor is null ? null : Parse(monitor).Metric;

    private static (bool Validation, TrainingMetric? Metric) Parse(string monitor)
    {
        bool validation = monitor.StartsWith("Validation", StringComparison.OrdinalIgnoreCase);
        string name = validation ? monitor["Validation".Length..] : monitor;
        if (name.Equals("Loss", StringComparison.OrdinalIgnoreCase)) return (validation, null);
        if (name.Length > 0 && char.IsLetter(name[0]) && Enum.TryParse(name, ignoreCase: true, out TrainingMetric metric) && Enum.IsDefined(metric)) return (validation, metric);
        throw new NeuralPSException(ErrorIds.InvalidMonitor, ErrorKind.InvalidArgument,
            $"Monitor is one of {string.Join(", ", MonitorNames)}; '{monitor}' was given.", monitor);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool ShouldStop(EpochResult result)
    {
        if (_options.Patience <= 0) return false;
        double value = Monitored(result);
        if (value < _bestValue - _options.MinDelta)
        {
            _bestValue = value;
            _bestEpoch = result.Epoch;
            _waited = 0;
            _best?.Take();
            return false;
        }
        if (++_waited < _options.Patience) return false;
        Reason = $"Early stopping: no improvement for {_options.Patience} epochs; best epoch {_bestEpoch}.";
        return true;
    }

    /// <summary>
    /// Training ended in an error that leaves the network at the last good epoch (a non-finite loss): keep that,
    /// as the error says, rather than the best epoch.
    /// </summary>
    public void KeepCurrentWeights() => _keepCurrent = true;
    private bool _keepCurrent;

    public void RestoreBestIfAsked()
    {
        if (_best is { Taken: true } && !_keepCurrent) _best.Restore();
    }
}
