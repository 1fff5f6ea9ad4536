using NeuralPS.Core.Kernels;

namespace NeuralPS.Core.Layers;

/// <summary>What a layer needs from the engine while it runs: the threads and the dropout random stream.</summary>
public sealed class ExecutionContext
{
    internal ExecutionContext(WorkerPool pool, RandomSource dropoutRandom)
    {
        Pool = pool;
        DropoutRandom = dropoutRandom;
    }

    /// <summary>The network's worker pool.</summary>
    public WorkerPool Pool { get; }

    /// <summary>The random stream that draws dropout masks.</summary>
    public RandomSource DropoutRandom { get; internal set; }
}

/// <summary>
/// One layer of a sequential network. A layer computes a pre-activation z = g(x) from its input;
/// the network then applies the layer's activation, y = f(z). Parameters live in the network's one flat
/// buffer at <see cref="ParameterOffset"/>; non-trainable state (running statistics) lives in <see cref="State"/>.
/// </summary>
public abstract class Layer
{
    /// <summary>The layer kind as users name it: Dense, Dropout, BatchNorm, Normalization.</summary>
    public abstract string Kind { get; }

    /// <summary>Width of the input.</summary>
    public int InputSize { get; internal set; }

    /// <summary>Width of the output.</summary>
    public int OutputSize { get; protected set; }

    /// <summary>The activation applied to the layer's output.</summary>
    public Activation Activation { get; internal set; } = Activation.Linear;

    /// <summary>Where this layer's parameters begin in the network's flat buffer.</summary>
    public int ParameterOffset { get; internal set; }

    /// <summary>Number of trainable parameters.</summary>
    public virtual int ParameterCount => 0;

    /// <summary>Non-trainable values kept with the model (running statistics, normalization).</summary>
    public float[] State { get; protected set; } = Array.Empty<float>();

    /// <summary>Floats of per-batch scratch this layer needs for a batch of <paramref name="rows"/>.</summary>
    internal virtual int ScratchLength(int rows) => 0;

    /// <summary>Sets the initial parameters.</summary>
    internal virtual void Initialize(Span<float> parameters, RandomSource random) { }

    /// <summary>z[rows, OutputSize] from x[rows, InputSize]. <paramref name="parameters"/> is this layer's slice.</summary>
    internal abstract void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z,
        int rows, bool training, Span<float> scratch, ExecutionContext context);

    /// <summary>
    /// From dz (the gradient with respect to z, which the layer may overwrite) to the parameter gradients
    /// (this layer's slice, overwritten) and, unless <paramref name="inputGradient"/> is empty, dx.
    /// </summary>
    internal abstract void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context);

    /// <summary>A short description of the layer's settings for the summary view.</summary>
    public virtual string Describe() => Activation == Activation.Linear ? Kind : $"{Kind} ({Activation})";
}
