using System.Runtime.CompilerServices;
using NeuralPS.Core.Optimizers;

namespace NeuralPS.Core.Training;

/// <summary>
/// The learning rate of each epoch, from the optimizer's schedule. Like the optimizer's state, a schedule lives on
/// the network from the moment its optimizer is set: training 5 epochs and then 5 more takes the same rates as
/// training 10 (Step, Exponential, Cosine with a TMax, ReduceOnPlateau). Cosine without a TMax anneals over each run.
/// </summary>
internal sealed class LearningRateSchedule
{
    private readonly double _base;
    private readonly ScheduleSettings _schedule;
    private int _epoch;      // epochs trained since the optimizer was set
    private int _runEpoch;   // epochs into the current run
    private int _runEpochs;  // epochs the current run asks for
    private double _plateauRate;
    private double _bestLoss = double.PositiveInfinity;
    private int _waited;

    public LearningRateSchedule(OptimizerSettings settings)
    {
        _base = settings.EffectiveLearningRate;
        _plateauRate = _base;
        _schedule = settings.Schedule;
    }

    /// <summary>Starts a training run of <paramref name="epochs"/> epochs, <paramref name="epochsSoFar"/> epochs after the optimizer was set.</summary>
    public void StartRun(int epochsSoFar, int epochs)
    {
        _epoch = Math.Max(0, epochsSoFar);
        _runEpoch = 0;
        _runEpochs = epochs;
    }

    /// <summary>The rate for the current epoch.</summary>
    public double Rate => _schedule.Kind switch
    {
        ScheduleKind.Step => _base * Math.Pow(_schedule.Gamma, _epoch / Math.Max(1, _schedule.StepSize)),
        ScheduleKind.Exponential => _base * Math.Pow(_schedule.Gamma, _epoch),
        ScheduleKind.Cosine => Cosine(),
        ScheduleKind.ReduceOnPlateau => _plateauRate,
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
    public void Advance(double monitoredLoss)
    {
        _epoch++;
        _runEpoch++;
        if (_schedule.Kind != ScheduleKind.ReduceOnPlateau) return;
        // PyTorch's ReduceLROnPlateau: mode min, relative threshold 1e-4, no cooldown
        if (monitoredLoss < _bestLoss * (1 - 1e-4)) { _bestLoss = monitoredLoss; _waited = 0; return; }
        if (++_waited > _schedule.Patience)
        {
            _plateauRate = Math.Max(_plateauRate * _schedule.Factor, _schedule.MinLearningRate);
            _waited = 0;
        }
    }
}
