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
    private readonly Snapshot? _best;
    private double _bestValue = double.PositiveInfinity;
    private int _bestEpoch;
    private int _waited;

    public EarlyStopping(Network network, TrainingOptions options, bool hasValidation)
    {
        _options = options;
        string monitor = options.Monitor ?? (hasValidation ? "ValidationLoss" : "Loss");
        if (!monitor.Equals("Loss", StringComparison.OrdinalIgnoreCase) && !monitor.Equals("ValidationLoss", StringComparison.OrdinalIgnoreCase))
            throw new NeuralPSException(ErrorIds.InvalidMonitor, ErrorKind.InvalidArgument, $"Monitor is Loss or ValidationLoss; '{monitor}' was given.");
        _useValidation = monitor.Equals("ValidationLoss", StringComparison.OrdinalIgnoreCase);
        if (_useValidation && !hasValidation)
            throw new NeuralPSException(ErrorIds.NoValidationData, ErrorKind.InvalidArgument,
                "Early stopping on ValidationLoss needs validation data: add -ValidationData or -ValidationSplit, or monitor Loss.");
        if (options.Patience > 0 && options.RestoreBestWeights) _best = new Snapshot(network);
    }

    public string? Reason { get; private set; }

    public double Monitored(EpochResult result) => _useValidation ? result.ValidationLoss ?? result.Loss : result.Loss;

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
