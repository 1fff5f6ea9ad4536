using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using NeuralPS.Core.Kernels;

namespace NeuralPS.Core.Optimizers;

/// <summary>
/// An update rule over the whole flat parameter buffer, with PyTorch's formulas (torch.optim). The optimizer owns
/// everything training needs to know about the step size: its configuration (<see cref="Settings"/>), its schedule
/// and the schedule's position in epochs, its step count and its slots, so saving the optimizer saves all that
/// resuming needs (as Keras's optimizer owns its iterations and its schedule). The trainer asks it to begin and end
/// epochs; the rate of an epoch is read from it. State buffers are allocated once, for the network's parameter
/// count; a step allocates nothing.
/// The rules, one a file, from simple to complex: <see cref="SgdOptimizer"/> (plain, momentum, Nesterov),
/// <see cref="AdaGradOptimizer"/>, <see cref="RmsPropOptimizer"/>, <see cref="AdamOptimizer"/> (Adam, AdamW,
/// NAdam), <see cref="LbfgsOptimizer"/> and <see cref="LevenbergMarquardtOptimizer"/> (both full batch).
/// </summary>
public abstract class Optimizer
{
    /// <summary>Creates the optimizer for <paramref name="parameterCount"/> parameters.</summary>
    public static Optimizer Create(OptimizerSettings settings, int parameterCount) => settings.Kind switch
    {
        OptimizerKind.Sgd => new SgdOptimizer(settings, parameterCount),
        OptimizerKind.AdaGrad => new AdaGradOptimizer(settings, parameterCount),
        OptimizerKind.RmsProp => new RmsPropOptimizer(settings, parameterCount),
        OptimizerKind.Adam or OptimizerKind.AdamW or OptimizerKind.Nadam => new AdamOptimizer(settings, parameterCount),
        OptimizerKind.Lbfgs => new LbfgsOptimizer(settings, parameterCount),
        OptimizerKind.LevenbergMarquardt => new LevenbergMarquardtOptimizer(settings, parameterCount),
        _ => throw new ArgumentOutOfRangeException(nameof(settings)),
    };

    /// <summary>Base for the update rules.</summary>
    protected Optimizer(OptimizerSettings settings, int parameterCount)
    {
        Settings = settings;
        ParameterCount = parameterCount;
        Schedule = new LearningRateSchedule(settings);
    }

    /// <summary>The configuration this optimizer was made from: every setting, defaults included.</summary>
    public OptimizerSettings Settings { get; }

    /// <summary>The number of parameters the state buffers are made for.</summary>
    public int ParameterCount { get; }

    /// <summary>Updates taken so far.</summary>
    public long StepCount { get; protected set; }

    /// <summary>The learning-rate schedule and its position.</summary>
    public LearningRateSchedule Schedule { get; }

    /// <summary>The learning rate of the current epoch.</summary>
    public double LearningRate => Schedule.Rate;

    /// <summary>Epochs trained since this optimizer was set.</summary>
    public int Epoch => Schedule.Position.Epoch;

    /// <summary>True when one update is a whole pass over the data (L-BFGS), not a mini-batch step.</summary>
    public virtual bool IsFullBatch => false;

    /// <summary>A training run of <paramref name="epochs"/> epochs begins.</summary>
    public void BeginRun(int epochs) => Schedule.StartRun(epochs);

    /// <summary>An epoch begins: returns the rate its updates use.</summary>
    public double BeginEpoch() => LearningRate;

    /// <summary>An epoch has ended with <paramref name="monitoredLoss"/> (what ReduceOnPlateau watches).</summary>
    public void EndEpoch(double monitoredLoss) => Schedule.Advance(monitoredLoss);

    /// <summary>Applies one update to <paramref name="parameters"/> from <paramref name="gradients"/> (which it may change).</summary>
    public abstract void Step(Span<float> parameters, Span<float> gradients, float learningRate);

    /// <summary>The state buffers, in a fixed order, for saving and restoring.</summary>
    public abstract float[][] StateBuffers { get; }

    /// <summary>
    /// Puts back saved state buffers (as <see cref="StateBuffers"/> gave them). Returns a reason when they do not fit
    /// this optimizer, null when restored.
    /// </summary>
    public virtual string? RestoreBuffers(float[][] buffers)
    {
        float[][] mine = StateBuffers;
        if (buffers.Length != mine.Length) return $"{buffers.Length} buffers where {Settings.Kind} keeps {mine.Length}";
        for (int b = 0; b < mine.Length; b++)
        {
            if (buffers[b].Length != mine[b].Length) return $"buffer {b + 1} has {buffers[b].Length} values instead of {mine[b].Length}";
            buffers[b].CopyTo(mine[b], 0);
        }
        return null;
    }

    /// <summary>Restores the step count (state buffers are restored through <see cref="RestoreBuffers"/>).</summary>
    public void RestoreStepCount(long steps) => StepCount = steps;

    /// <summary>Puts the schedule back where a saved model left it.</summary>
    public void RestoreSchedule(SchedulePosition position) => Schedule.Restore(position);

    /// <summary>
    /// The threads an update may use: the pool of the workspace that computed the gradients (set by the trainer), so a
    /// large network's update is split across the same threads as its products. Null: the caller's thread alone.
    /// </summary>
    internal WorkerPool? Pool { get; set; }

    // Updates below this many parameters stay on one thread: the hand-off would cost more than it saves.
    private const int SplitThreshold = 32 * 1024;
    private protected int _length;

    /// <summary>Runs an elementwise update over <paramref name="length"/> parameters, split across the pool when large.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected void RunSplit(IPoolWork update, int length)
    {
        _length = length;
        WorkerPool? pool = Pool;
        if (pool is null || pool.ThreadCount == 1 || length < SplitThreshold) update.Execute(0, 1);
        else pool.Run(update, pool.ThreadCount);
    }

    /// <summary>
    /// Where two threads divide the update (0: in halves): the parameters before it are part 0's, the rest part 1's.
    /// The trainer sets it where a two-thread step divides the first layer's weight rows (GemmPlan.RunKHalves), so
    /// that each thread updates the lines its own products touched. Which thread updates a parameter never changes
    /// its value.
    /// </summary>
    internal int SplitPoint { get; set; }

    /// <summary>
    /// Part <paramref name="part"/> of <paramref name="parts"/> of [0, length): at <see cref="SplitPoint"/> for two
    /// parts when it lies inside, else cut at multiples of 64 floats (cache lines).
    /// </summary>
    private protected (int Start, int End) PartOf(int part, int parts, int length)
    {
        if (parts == 2 && SplitPoint > 0 && SplitPoint < length) return part == 0 ? (0, SplitPoint) : (SplitPoint, length);
        int blocks = (length + 63) / 64;
        return (Math.Min(length, part * blocks / parts * 64), Math.Min(length, (part + 1) * blocks / parts * 64));
    }

    /// <summary>Adds weight decay as an L2 gradient term: g += λ·p.</summary>
    protected static void AddWeightDecay(Span<float> gradients, ReadOnlySpan<float> parameters, double weightDecay)
    {
        if (weightDecay != 0) TensorPrimitives.MultiplyAdd(parameters, (float)weightDecay, gradients, gradients);
    }
}
