using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Layers;

namespace NeuralPS.Core.Training;

/// <summary>
/// Every buffer a training step needs, for batches of up to <see cref="BatchSize"/> rows, allocated once per network
/// and batch size: a training step allocates nothing. The forward buffers are a <see cref="ForwardPass"/>; this adds
/// the batch's inputs and targets, the gradients and the backward pass. Part of a network's training state.
/// </summary>
internal sealed class Workspace : IDisposable
{
    private readonly Network _network;
    private readonly ForwardPass _pass;
    private readonly float[][] _z, _y, _gradient, _scratch;
    private readonly GatherJob _gather = new();

    public Workspace(Network network, int batchSize)
    {
        _network = network;
        Version = network.Version;
        _pass = new ForwardPass(network.Layers, batchSize, network.ThreadCount);
        BatchSize = _pass.BatchSize;
        (_z, _y, _scratch) = (_pass.Z, _pass.Y, _pass.Scratch);
        int count = network.Layers.Count;
        _gradient = new float[count][];
        // On cache lines, as the forward pass's buffers: threads write column halves of them (see CacheAligned).
        for (int i = 0; i < count; i++) _gradient[i] = CacheAligned.Floats(BatchSize * network.Layers[i].OutputSize);
        Inputs = new float[BatchSize * network.InputSize];
        Targets = new float[BatchSize * Math.Max(1, network.OutputSize)];
        Weights = new float[BatchSize];
        Gradients = new float[network.ParameterCount];
    }

    /// <summary>The network's <see cref="Network.Version"/> these buffers were made for.</summary>
    public int Version { get; }

    /// <summary>The stream dropout draws its masks from (the training state's).</summary>
    public RandomSource DropoutRandom
    {
        get => Context.DropoutRandom;
        set => Context.DropoutRandom = value;
    }

    /// <summary>Threads the workspace's pool runs on.</summary>
    public int ThreadCount => Pool.ThreadCount;

    /// <summary>The largest batch these buffers hold.</summary>
    public int BatchSize { get; }

    /// <summary>The batch's inputs [BatchSize, InputSize], gathered here by the trainer.</summary>
    public float[] Inputs { get; }

    /// <summary>The batch's targets [BatchSize, target width].</summary>
    public float[] Targets { get; }

    /// <summary>The batch's row weights [BatchSize], gathered with the rows when the data is weighted.</summary>
    public float[] Weights { get; }

    /// <summary>Gradients of the loss with respect to every parameter, in the flat layout of the parameters.</summary>
    public float[] Gradients { get; }

    public WorkerPool Pool => _pass.Pool;

    public Layers.ExecutionContext Context => _pass.Context;

    /// <summary>The output of the last forward pass.</summary>
    public ReadOnlySpan<float> Output(int rows) => _y[^1].AsSpan(0, rows * _network.OutputSize);

    // Batches at least this many floats are gathered by every thread of the pool (a share of the rows each).
    private const int GatherSplitFloats = 64 * 1024;

    /// <summary>
    /// Copies the shuffled rows <paramref name="order"/>[start..start+count) of the data straight into
    /// <see cref="Inputs"/> and <see cref="Targets"/>; a large batch is split across the pool by rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Gather(float[] features, int inputs, float[] targets, int targetWidth, int[] order, int start, int count,
        float[]? weights = null, bool copyFeatures = true)
    {
        GatherJob job = _gather;
        job.CopyFeatures = copyFeatures;
        job.Features = features; job.Inputs = inputs; job.Targets = targets; job.TargetWidth = targetWidth;
        job.RowWeights = weights; job.W = Weights;
        job.Order = order; job.Start = start; job.Count = count; job.X = Inputs; job.T = Targets;
        if (Pool.ThreadCount == 1 || !copyFeatures || (long)count * inputs < GatherSplitFloats) job.Execute(0, 1);
        else Pool.Run(job, Pool.ThreadCount);
    }

    private sealed unsafe class GatherJob : IPoolWork
    {
        public float[] Features = Array.Empty<float>(), Targets = Array.Empty<float>(), X = Array.Empty<float>(), T = Array.Empty<float>();
        public float[]? RowWeights;
        public float[] W = Array.Empty<float>();
        public int[] Order = Array.Empty<int>();
        public int Inputs, TargetWidth, Start, Count;
        public bool CopyFeatures = true;
        private const int ShortRow = 16;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int part, int parts)
        {
            int first = (int)((long)Count * part / parts), end = (int)((long)Count * (part + 1) / parts);
            int inputs = Inputs, targetWidth = TargetWidth;
            Span<float> x = X, t = T;
            if (inputs <= ShortRow && targetWidth <= ShortRow)
            {
                // Short rows (a tiny network's): element by element, not two memmove calls a row, which cost more than the copy.
                // Each row is checked once against the data and the batch once against the buffers, so the copies
                // need no bounds checks of their own.
                int[] order = Order;
                long dataRows = Math.Min(Features.Length / Math.Max(1, inputs), Targets.Length / Math.Max(1, targetWidth));
                if ((long)end * inputs > X.Length || (long)end * targetWidth > T.Length)
                    throw new InvalidOperationException($"{end} rows do not fit the workspace's buffers.");
                fixed (float* features = Features, targets = Targets, px = X, pt = T)
                    for (int i = first; i < end; i++)
                    {
                        int row = order[Start + i];
                        if ((ulong)row >= (ulong)dataRows) throw new InvalidOperationException($"Row {row} is not in the data.");
                        float* from, to;
                        if (CopyFeatures)
                        {
                            from = features + (long)row * inputs;
                            to = px + (long)i * inputs;
                            for (int j = 0; j < inputs; j++) to[j] = from[j];
                        }
                        from = targets + (long)row * targetWidth;
                        to = pt + (long)i * targetWidth;
                        for (int j = 0; j < targetWidth; j++) to[j] = from[j];
                        if (RowWeights is not null) W[i] = RowWeights[row];
                    }
                return;
            }
            for (int i = first; i < end; i++)
            {
                int row = Order[Start + i];
                if (CopyFeatures)
                {
                    if (i + 1 < end) Prefetch(Order[Start + i + 1] * (long)inputs, inputs);
                    Features.AsSpan(row * inputs, inputs).CopyTo(x.Slice(i * inputs, inputs));
                }
                Targets.AsSpan(row * targetWidth, targetWidth).CopyTo(t.Slice(i * targetWidth, targetWidth));
                if (RowWeights is not null) W[i] = RowWeights[row];
            }
        }

        /// <summary>
        /// Asks for the next row's cache lines while this row is copied: the rows are scattered over the dataset, so
        /// each would otherwise start with a memory round trip the hardware prefetcher cannot foresee.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Prefetch(long offset, int floats)
        {
            if (!Sse.IsSupported) return;
            fixed (float* row = &Features[offset])
                for (int j = 0; j < floats; j += 16) Sse.Prefetch0(row + j);
        }
    }

    // The batch of the last forward pass when its first dense layer read it straight from the data (null otherwise):
    // the backward pass reads the same rows there, and Inputs holds no copy of them.
    private float[]? _gatheredData;
    private int[] _gatheredOrder = Array.Empty<int>();
    private int _gatheredStart;

    /// <summary>
    /// Runs the layers on the rows <paramref name="order"/>[start..start+rows) of <paramref name="features"/> when the
    /// first layer is dense and its product large enough: that product reads the rows straight from the data (their
    /// trip from memory overlaps its arithmetic), and so does the weight gradient of the <see cref="Backward"/> that
    /// follows (which then reads no inputs), so the batch's features are never copied: <see cref="Gather"/> with
    /// <c>copyFeatures: false</c> then copies only the targets and row weights. The same bits as Gather then <see cref="Forward"/>. False, with nothing done, otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryForwardGathered(float[] features, int[] order, int start, int rows)
    {
        _gatheredData = null;
        if (_network.Layers[0] is not DenseLayer dense) return false;
        int size = rows * dense.OutputSize;
        float[] parameters = _network.Parameters;
        if (!dense.TryForwardGathered(parameters.AsSpan(dense.ParameterOffset, dense.ParameterCount), features, order.AsSpan(start, rows),
                _z[0].AsSpan(0, size), _y[0].AsSpan(0, size), rows, Context))
            return false;
        _pass.Forward(parameters, _y[0].AsSpan(0, size), rows, training: true, first: 1);
        (_gatheredData, _gatheredOrder, _gatheredStart) = (features, order, start);
        return true;
    }

    /// <summary>Runs the layers on <paramref name="inputs"/>; returns the output buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> inputs, int rows, bool training)
    {
        _gatheredData = null;
        return _pass.Forward(_network.Parameters, inputs, rows, training);
    }

    /// <summary>
    /// Loss of the last forward pass against <paramref name="targets"/>, then the gradients of every parameter
    /// into <see cref="Gradients"/>, regularization included. Returns the loss (penalty included). With row
    /// <paramref name="weights"/>, the loss is weighted as <see cref="LossFunctions.Compute(LossKind, Activation, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, int, ReadOnlySpan{float}, Span{float})"/> says.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Backward(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int targetWidth, int rows,
        ReadOnlySpan<float> weights = default)
    {
        int last = _network.Layers.Count - 1;
        Layer output = _network.Layers[last];
        Activation outputActivation = output.Activation;
        LossKind lossKind = _network.Loss;
        int width = output.OutputSize;
        Span<float> lossGradient = _gradient[last].AsSpan(0, rows * width);
        long phase = StepProfile.Start();
        double loss = LossFunctions.Compute(lossKind, outputActivation, _z[last].AsSpan(0, rows * width),
            _y[last].AsSpan(0, rows * width), targets, targetWidth, rows, width, weights, lossGradient);
        bool fused = LossFunctions.IsFused(lossKind, outputActivation);
        StepProfile.Stop(StepPhase.Loss, phase);
        Propagate(inputs, rows, fused);

        float[] parameters = _network.Parameters;
        // An indexed loop: foreach over the IReadOnlyList would box an enumerator every step.
        for (int i = 0; i < _network.Layers.Count; i++)
        {
            Layer layer = _network.Layers[i];
            loss += layer.AddPenalty(parameters.AsSpan(layer.ParameterOffset, layer.ParameterCount),
                Gradients.AsSpan(layer.ParameterOffset, layer.ParameterCount));
        }
        return loss;
    }

    /// <summary>
    /// The gradients of Σ outputGradient·output of the last forward pass with respect to every parameter, into
    /// <see cref="Gradients"/> (no loss, no penalty): with one row and a one-hot <paramref name="outputGradient"/>
    /// [rows, OutputSize], one row of the Jacobian of the outputs (what Levenberg–Marquardt needs).
    /// </summary>
    public void BackwardFromOutput(ReadOnlySpan<float> inputs, ReadOnlySpan<float> outputGradient, int rows)
    {
        outputGradient[..(rows * _network.OutputSize)].CopyTo(_gradient[^1]);
        Propagate(inputs, rows, fused: false);
    }

    /// <summary>From the gradient in the last layer's buffer (of z when <paramref name="fused"/>, else of y) back through every layer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Propagate(ReadOnlySpan<float> inputs, int rows, bool fused)
    {
        int last = _network.Layers.Count - 1;
        float[] parameters = _network.Parameters;
        for (int i = last; i >= 0; i--)
        {
            Layer layer = _network.Layers[i];
            int size = rows * layer.OutputSize;
            Span<float> dz = _gradient[i].AsSpan(0, size);
            long phase = StepProfile.Start();
            if (layer.FusesActivation && !(i == last && fused) && Pool.ThreadCount > 1 && size >= ReluSplitFloats)
                ReluBackward(_y[i], _gradient[i], size);
            else if (!(i == last && fused) && layer.Activation != Activation.Linear)
                ActivationFunctions.Backward(layer.Activation, _z[i].AsSpan(0, size), _y[i].AsSpan(0, size), dz, dz, layer.OutputSize);
            StepProfile.Stop(StepPhase.Activations, phase);
            if (i == 0 && _gatheredData is not null)
            {
                // The rows the forward pass read in place, read there again.
                ((DenseLayer)layer).BackwardGathered(_gatheredData, _gatheredOrder.AsSpan(_gatheredStart, rows), dz,
                    Gradients.AsSpan(layer.ParameterOffset, layer.ParameterCount), rows, Context);
                continue;
            }
            ReadOnlySpan<float> x = i == 0 ? inputs : _y[i - 1].AsSpan(0, rows * layer.InputSize);
            Span<float> dx = i == 0 ? Span<float>.Empty : _gradient[i - 1].AsSpan(0, rows * layer.InputSize);
            layer.Backward(parameters.AsSpan(layer.ParameterOffset, layer.ParameterCount), x, dz,
                Gradients.AsSpan(layer.ParameterOffset, layer.ParameterCount), dx, rows, _scratch[i], Context);
        }
    }

    // ReLU derivatives of at least this many floats are split across the pool (a share of the elements each).
    private const int ReluSplitFloats = 32 * 1024;
    private readonly ReluJob _relu = new();

    /// <summary>dy = y &gt; 0 ? dy : 0 over the first <paramref name="size"/> floats, split across the pool.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReluBackward(float[] y, float[] dy, int size)
    {
        _relu.Y = y; _relu.Dy = dy; _relu.Size = size;
        Pool.Run(_relu, Pool.ThreadCount);
    }

    private sealed class ReluJob : IPoolWork
    {
        public float[] Y = Array.Empty<float>(), Dy = Array.Empty<float>();
        public int Size;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int part, int parts)
        {
            // Cut at multiples of 64 floats; elementwise, so the bits are those of one pass.
            int blocks = (Size + 63) / 64;
            int first = Math.Min(Size, part * blocks / parts * 64), end = Math.Min(Size, (part + 1) * blocks / parts * 64);
            Span<float> dy = Dy.AsSpan(first, end - first);
            ElementwiseBackward.Relu(Y.AsSpan(first, end - first), dy, dy);
        }
    }

    /// <summary>Loss of the last forward pass without gradients (for evaluation).</summary>
    public double LossOnly(ReadOnlySpan<float> targets, int targetWidth, int rows, ReadOnlySpan<float> weights = default)
    {
        int last = _network.Layers.Count - 1;
        Layer output = _network.Layers[last];
        int width = output.OutputSize;
        return LossFunctions.Compute(_network.Loss, output.Activation, _z[last].AsSpan(0, rows * width),
            _y[last].AsSpan(0, rows * width), targets, targetWidth, rows, width, weights, Span<float>.Empty);
    }

    /// <summary>Clips <see cref="Gradients"/> by global norm and by value, as the settings ask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Clip(double clipNorm, double clipValue)
    {
        Span<float> g = Gradients;
        if (clipNorm > 0)
        {
            double norm = Math.Sqrt(TensorPrimitives.SumOfSquares(g));
            double coefficient = clipNorm / (norm + 1e-6);
            if (coefficient < 1) TensorPrimitives.Multiply(g, (float)coefficient, g);
        }
        if (clipValue > 0) TensorPrimitives.Clamp(g, (float)-clipValue, (float)clipValue, g);
    }

    public void Dispose() => _pass.Dispose();
}
