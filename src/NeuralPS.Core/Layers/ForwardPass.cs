using System.Runtime.CompilerServices;
using NeuralPS.Core.Kernels;

namespace NeuralPS.Core.Layers;

/// <summary>
/// The buffers a stack of layers runs forward in, for batches of up to <see cref="BatchSize"/> rows, made once: z and
/// y of every layer (one buffer when the layer applies its activation itself), each layer's scratch, and the threads.
/// What a layer needs here it says itself (<see cref="Layer.ScratchLength"/>, <see cref="Layer.FusesActivation"/>),
/// so this class knows no layer kind. A network predicts in one; a training workspace runs one and adds the
/// backward pass's buffers.
/// </summary>
internal sealed class ForwardPass : IDisposable
{
    private readonly Layer[] _layers;

    public ForwardPass(IReadOnlyList<Layer> layers, int batchSize, int threadCount)
    {
        _layers = layers.ToArray();
        BatchSize = Math.Max(1, batchSize);
        int count = _layers.Length;
        Z = new float[count][];
        Y = new float[count][];
        Scratch = new float[count][];
        for (int i = 0; i < count; i++)
        {
            Layer layer = _layers[i];
            int size = BatchSize * layer.OutputSize;
            // On a cache line: threads write column halves of these (see CacheAligned).
            Z[i] = CacheAligned.Floats(size);
            Y[i] = layer.Activation == Activation.Linear || layer.FusesActivation ? Z[i] : CacheAligned.Floats(size);
        }
        Pool = new WorkerPool(threadCount);
        for (int i = 0; i < count; i++) Scratch[i] = CacheAligned.Floats(_layers[i].ScratchLength(BatchSize, Pool.ThreadCount));
        Context = new ExecutionContext(Pool, new RandomSource(0));
    }

    /// <summary>The largest batch these buffers hold.</summary>
    public int BatchSize { get; }

    /// <summary>Each layer's pre-activation [BatchSize, OutputSize] (the same buffer as y where the layer fuses its activation).</summary>
    public float[][] Z { get; }

    /// <summary>Each layer's output [BatchSize, OutputSize].</summary>
    public float[][] Y { get; }

    /// <summary>Each layer's scratch.</summary>
    public float[][] Scratch { get; }

    /// <summary>The threads.</summary>
    public WorkerPool Pool { get; }

    /// <summary>What the layers get while they run (the threads, the dropout stream).</summary>
    public ExecutionContext Context { get; }

    /// <summary>
    /// Runs the layers from <paramref name="first"/> on (their input <paramref name="inputs"/>) with
    /// <paramref name="parameters"/> (the flat buffer); returns the output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<float> Forward(float[] parameters, ReadOnlySpan<float> inputs, int rows, bool training, int first = 0)
    {
        ReadOnlySpan<float> x = inputs;
        Layer[] layers = _layers;
        for (int i = first; i < layers.Length; i++)
        {
            Layer layer = layers[i];
            int size = rows * layer.OutputSize;
            Span<float> y = Y[i].AsSpan(0, size);
            layer.ForwardActivated(parameters.AsSpan(layer.ParameterOffset, layer.ParameterCount), x, Z[i].AsSpan(0, size), y,
                rows, training, Scratch[i], Context);
            x = y;
        }
        return x;
    }

    public void Dispose() => Pool.Dispose();
}
