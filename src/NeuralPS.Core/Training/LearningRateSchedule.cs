using NeuralPS.Core.Optimizers;

namespace NeuralPS.Core.Training;

/// <summary>The learning rate for each epoch of one training run, from the optimizer's schedule.</summary>
internal sealed class LearningRateSchedule
{
    private readonly double _base;
    private readonly ScheduleSettings _schedule;
    private readonly int _epochs;
    private int _epoch;
    private double _plateauRate;
    private double _bestLoss = double.PositiveInfinity;
    private int _waited;

    public LearningRateSchedule(OptimizerSettings settings, int epochs)
    {
        _base = settings.EffectiveLearningRate;
        _plateauRate = _base;
        _schedule = settings.Schedule;
        _epochs = epochs;
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
        int period = _schedule.TMax > 0 ? _schedule.TMax : _epochs;
        double min = _schedule.MinLearningRate;
        return min + (_base - min) * (1 + Math.Cos(Math.PI * Math.Min(_epoch, period) / period)) / 2;
    }

    /// <summary>Moves to the next epoch, given the loss the plateau schedule watches.</summary>
    public void Advance(double monitoredLoss)
    {
        _epoch++;
        if (_schedule.Kind != ScheduleKind.ReduceOnPlateau) return;
        if (monitoredLoss < _bestLoss * (1 - 1e-4)) { _bestLoss = monitoredLoss; _waited = 0; return; }
        if (++_waited > _schedule.Patience)
        {
            _plateauRate = Math.Max(_plateauRate * _schedule.Factor, _schedule.MinLearningRate);
            _waited = 0;
        }
    }
}
