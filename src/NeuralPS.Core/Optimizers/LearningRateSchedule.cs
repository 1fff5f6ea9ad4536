using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Optimizers;

/// <summary>
/// The learning rate of each epoch, from the optimizer's configuration. It belongs to the optimizer (as Keras's
/// schedule belongs to its optimizer) and counts the epochs since the optimizer was set, so training 5 epochs and
/// then 5 more, in one process or across a saved model file, takes the same rates as training 10 (Step,
/// Exponential, Cosine with a TMax, ReduceOnPlateau). Cosine without a TMax anneals over each training run.
/// </summary>
public sealed class LearningRateSchedule
{
    private readonly double _base;
    private readonly ScheduleSettings _schedule;
    private int _runEpoch;   // epochs into the current run
    private int _runEpochs;  // epochs the current run asks for

    internal LearningRateSchedule(OptimizerSettings settings)
    {
        _base = settings.EffectiveLearningRate;
        _schedule = settings.Schedule;
        _position = new SchedulePosition { PlateauRate = _base };
    }

    // The position as last made, and the epoch count, which moves every epoch without making a new record (a tiny
    // network's epoch takes a microsecond; a record an epoch is memory to fill, page by page): Position brings the
    // record up to date when it is read.
    private SchedulePosition _position;
    private int _epoch;

    /// <summary>Where the schedule is: what a model file saves to resume it.</summary>
    public SchedulePosition Position => _position.Epoch == _epoch ? _position : _position = _position with { Epoch = _epoch };

    /// <summary>Puts the schedule back where a saved model left it.</summary>
    internal void Restore(SchedulePosition position)
    {
        _position = position with { };
        _epoch = position.Epoch;
    }

    /// <summary>Starts a training run of <paramref name="epochs"/> epochs (what Cosine without a TMax anneals over).</summary>
    internal void StartRun(int epochs)
    {
        _runEpoch = 0;
        _runEpochs = epochs;
    }

    /// <summary>The rate for the current epoch.</summary>
    public double Rate => _schedule.Kind switch
    {
        ScheduleKind.Step => _base * Math.Pow(_schedule.EffectiveGamma, _epoch / Math.Max(1, _schedule.StepSize)),
        ScheduleKind.Exponential => _base * Math.Pow(_schedule.EffectiveGamma, _epoch),
        ScheduleKind.Cosine => Cosine(),
        ScheduleKind.ReduceOnPlateau => _position.PlateauRate,
        _ => _base,
    };

    private double Cosine()
    {
        (int t, int period) = _schedule.TMax > 0 ? (_epoch, _schedule.TMax) : (_runEpoch, Math.Max(1, _runEpochs));
        double min = _schedule.MinLearningRate;
        return min + (_base - min) * (1 + Math.Cos(Math.PI * Math.Min(t, period) / period)) / 2;
    }

    /// <summary>Moves to the next epoch, given the loss the plateau schedule watches.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Advance(double monitoredLoss)
    {
        _runEpoch++;
        int epoch = ++_epoch;
        if (_schedule.Kind != ScheduleKind.ReduceOnPlateau) return;
        SchedulePosition p = _position;
        // PyTorch's ReduceLROnPlateau: mode min, relative threshold 1e-4, no cooldown
        if (monitoredLoss < p.BestLoss * (1 - 1e-4)) { _position = p with { Epoch = epoch, BestLoss = monitoredLoss, Waited = 0 }; return; }
        if (p.Waited + 1 > _schedule.Patience)
            _position = p with { Epoch = epoch, PlateauRate = Math.Max(p.PlateauRate * _schedule.Factor, _schedule.MinLearningRate), Waited = 0 };
        else
            _position = p with { Epoch = epoch, Waited = p.Waited + 1 };
    }
}

/// <summary>A schedule's progress: the epochs since its optimizer was set and the plateau schedule's watch.</summary>
public sealed record SchedulePosition
{
    /// <summary>Epochs trained since the optimizer was set.</summary>
    public int Epoch { get; init; }

    /// <summary>ReduceOnPlateau: the current rate.</summary>
    public double PlateauRate { get; init; }

    /// <summary>ReduceOnPlateau: the best monitored loss so far.</summary>
    public double BestLoss { get; init; } = double.PositiveInfinity;

    /// <summary>ReduceOnPlateau: epochs since the loss last improved.</summary>
    public int Waited { get; init; }
}
