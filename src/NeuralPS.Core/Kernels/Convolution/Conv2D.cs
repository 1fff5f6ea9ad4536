using System.Numerics;
using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Kernels;

/// <summary>
/// 2-D convolution of a batch of NCHW images (see <see cref="Conv2DShape"/> for the layouts), forward and backward,
/// as packed products of the engine's GEMM family over each image's patch matrix col(x_n)[K, P] (im2col):
/// <code>
/// forward           y_n[F, P]    = (col(x_n)ᵀ[P, K] · Wᵀ[K, F])ᵀ + b       (TN, then a transposition)
/// input gradient    dx_n[C,H,W]  = col2im(Wᵀ[K, F] · dy_n[F, P])          (TN)
/// weight gradient   dW[F, K]     = (Σ_n col(x_n)[K, P] · dy_nᵀ[P, F])ᵀ    (NT, accumulated image after image)
/// bias gradient     db[f]        = Σ_n Σ_p dy_n[f, p]                      (in double, rounded once)
/// </code>
/// The products are oriented so that the long side (P or K) runs down the rows of C and the filters across: W5's
/// second layer then fills the 6×64 tiles (forward 36 µs an image against 47 with y_n = W · col directly).
/// The pool's threads take whole images (forward and input gradient), or disjoint blocks of rows of dWᵀ over all
/// images in order (weight gradient); each product runs on one thread. So every output element is the same chain
/// of fused multiply-adds, in the order of k (or of n then p for dW), on any number of threads, and equal to
/// <see cref="Conv2DReference"/>'s loops bit for bit.
/// A short patch (K ≤ 27, a first layer on gray or RGB pictures) skips the products for <see cref="SmallPatch"/>'s
/// direct loops in the forward pass and the weight gradient: the same chains, so the same bits.
/// Nothing is allocated: the caller passes <see cref="ScratchFloats"/> floats of scratch (Wᵀ or dWᵀ, and per thread
/// the padded image, the patch matrix, the transposed output and the products' packing buffers).
/// </summary>
public static unsafe class Conv2D
{
    // The weight gradient is split between threads in blocks of this many rows of dWᵀ (the 6×64 tile's height).
    private const int RowUnit = 6;

    /// <summary>
    /// Floats of scratch that <see cref="Forward"/>, <see cref="BackwardInput"/> and <see cref="BackwardWeights"/>
    /// need for <paramref name="batch"/> images on a pool of <paramref name="threads"/> threads (one buffer serves all three).
    /// </summary>
    public static int ScratchFloats(in Conv2DShape shape, int batch, int threads) =>
        ScratchFloats(GemmPaths.Selected, shape, batch, threads);

    internal static int ScratchFloats(GemmPath path, in Conv2DShape s, int batch, int threads)
    {
        int images = ImageParts(batch, threads), rows = WeightParts(s, threads);
        long shared = s.WeightCount;
        long forward = (long)images * PartFloats(path, s, Pass.Forward, 1);
        long input = (long)images * PartFloats(path, s, Pass.Input, 1);
        long weights = (long)rows * PartFloats(path, s, Pass.Weights, rows);
        long most = shared + Math.Max(forward, Math.Max(input, weights));
        if (most > int.MaxValue) throw new ArgumentException($"The convolution {s} needs more than 2^31 floats of scratch.");
        return (int)most;
    }

    /// <summary>y[batch, F·OH·OW] = conv(x[batch, C·H·W], W) + b, then max(y, 0) when <paramref name="relu"/>; an empty bias adds nothing.</summary>
    public static void Forward(in Conv2DShape shape, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, Span<float> y, Span<float> scratch, WorkerPool? pool = null, bool relu = false)
        => Forward(GemmPaths.Selected, shape, batch, x, weights, bias, y, scratch, pool, relu);

    /// <summary>dx[batch, C·H·W] from dy[batch, F·OH·OW] (overwritten, never accumulated).</summary>
    public static void BackwardInput(in Conv2DShape shape, int batch, ReadOnlySpan<float> dy, ReadOnlySpan<float> weights,
        Span<float> dx, Span<float> scratch, WorkerPool? pool = null)
        => BackwardInput(GemmPaths.Selected, shape, batch, dy, weights, dx, scratch, pool);

    /// <summary>dW[F·K] and db[F] (overwritten) from the layer's input x and dy; an empty <paramref name="biasGradient"/> is skipped.</summary>
    public static void BackwardWeights(in Conv2DShape shape, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
        Span<float> weightGradient, Span<float> biasGradient, Span<float> scratch, WorkerPool? pool = null)
        => BackwardWeights(GemmPaths.Selected, shape, batch, x, dy, weightGradient, biasGradient, scratch, pool);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Forward(GemmPath path, in Conv2DShape s, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, Span<float> y, Span<float> scratch, WorkerPool? pool, bool relu)
    {
        CheckBatch(batch);
        Check(x.Length, (long)batch * s.InputSize, nameof(x));
        Check(weights.Length, s.WeightCount, nameof(weights));
        if (!bias.IsEmpty) Check(bias.Length, s.Filters, nameof(bias));
        Check(y.Length, (long)batch * s.OutputSize, nameof(y));
        int parts = ImageParts(batch, pool?.ThreadCount ?? 1);
        int share = PartFloats(path, s, Pass.Forward, 1);
        Check(scratch.Length, s.WeightCount + (long)parts * share, nameof(scratch));
        fixed (float* px = x, pw = weights, pb = bias, py = y, ps = scratch)
        {
            Transpose.Matrix(pw, s.Filters, s.PatchSize, ps);   // Wᵀ[K, F], read by every thread
            var call = new Call(Pass.Forward, path, s, batch, share)
            {
                X = px, W = ps, B = bias.IsEmpty ? null : pb, Y = py, Scratch = ps + s.WeightCount, Relu = relu,
            };
            Run(ref call, parts, pool);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void BackwardInput(GemmPath path, in Conv2DShape s, int batch, ReadOnlySpan<float> dy, ReadOnlySpan<float> weights,
        Span<float> dx, Span<float> scratch, WorkerPool? pool)
    {
        CheckBatch(batch);
        Check(dy.Length, (long)batch * s.OutputSize, nameof(dy));
        Check(weights.Length, s.WeightCount, nameof(weights));
        Check(dx.Length, (long)batch * s.InputSize, nameof(dx));
        int parts = ImageParts(batch, pool?.ThreadCount ?? 1);
        int share = PartFloats(path, s, Pass.Input, 1);
        Check(scratch.Length, s.WeightCount + (long)parts * share, nameof(scratch));
        fixed (float* pdy = dy, pw = weights, pdx = dx, ps = scratch)
        {
            var call = new Call(Pass.Input, path, s, batch, share) { Y = pdy, W = pw, X = pdx, Scratch = ps + s.WeightCount };
            Run(ref call, parts, pool);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void BackwardWeights(GemmPath path, in Conv2DShape s, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
        Span<float> weightGradient, Span<float> biasGradient, Span<float> scratch, WorkerPool? pool)
    {
        CheckBatch(batch);
        Check(x.Length, (long)batch * s.InputSize, nameof(x));
        Check(dy.Length, (long)batch * s.OutputSize, nameof(dy));
        Check(weightGradient.Length, s.WeightCount, nameof(weightGradient));
        if (!biasGradient.IsEmpty) Check(biasGradient.Length, s.Filters, nameof(biasGradient));
        int parts = WeightParts(s, pool?.ThreadCount ?? 1);
        int share = PartFloats(path, s, Pass.Weights, parts);
        Check(scratch.Length, s.WeightCount + (long)parts * share, nameof(scratch));
        fixed (float* px = x, pdy = dy, pdw = weightGradient, pdb = biasGradient, ps = scratch)
        {
            var call = new Call(Pass.Weights, path, s, batch, share)
            {
                X = px, Y = pdy, W = pdw, B = biasGradient.IsEmpty ? null : pdb, Shared = ps, Scratch = ps + s.WeightCount,
            };
            Run(ref call, parts, pool);
        }
    }

    // ------------------------------------------------------------------ the work of one part

    internal enum Pass { Forward, Input, Weights }

    /// <summary>
    /// One call in flight. Forward: X → Y (+ B), W holding Wᵀ. Input: Y (dy) → X (dx). Weights: X and Y (dy) → W (dW)
    /// and B (db), with dWᵀ built in Shared.
    /// </summary>
    internal struct Call
    {
        public readonly Pass Pass;
        public readonly GemmPath Path;
        public readonly Conv2DShape Shape;
        public readonly int Batch, Share;
        public float* X, W, B, Y, Shared, Scratch;
        public bool Relu;

        public Call(Pass pass, GemmPath path, in Conv2DShape shape, int batch, int share)
        {
            Pass = pass; Path = path; Shape = shape; Batch = batch; Share = share;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run(ref Call call, int parts, WorkerPool? pool)
    {
        if (parts == 1 || pool is null)
        {
            for (int part = 0; part < parts; part++) RunPart(ref call, part, parts);
            return;
        }
        Conv2DJob job = pool.Conv2DJob;
        job.Call = call;
        pool.Run(job, parts);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RunPart(ref Call call, int part, int parts)
    {
        float* scratch = call.Scratch + (nint)part * call.Share;
        if (call.Pass == Pass.Weights)
        {
            WeightPart(ref call, part, parts, scratch);
            return;
        }
        int first = (int)((long)part * call.Batch / parts), end = (int)((long)(part + 1) * call.Batch / parts);
        for (int n = first; n < end; n++)
            if (call.Pass == Pass.Forward) ForwardImage(ref call, n, scratch);
            else InputImage(ref call, n, scratch);
    }

    /// <summary>The patch matrix of image <paramref name="x"/>, rows [k0, k1), into <paramref name="col"/> (the padded copy goes to <paramref name="padded"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PatchRows(in Conv2DShape s, float* x, int k0, int k1, float* padded, float* col)
    {
        if (Im2Col.Padded(s))
        {
            Im2Col.Pad(s, x, padded);
            Im2Col.GatherPadded(s, padded, k0, k1, col);
        }
        else Im2Col.Gather(s, x, k0, k1, col);
    }

    /// <summary>yᵀ = col(x_n)ᵀ · Wᵀ, transposed into y_n, then + b and ReLU row by row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardImage(ref Call call, int n, float* scratch)
    {
        ref readonly Conv2DShape s = ref call.Shape;
        int p = s.OutPixels, k = s.PatchSize, f = s.Filters;
        float* x = call.X + (nint)n * s.InputSize, y = call.Y + (nint)n * s.OutputSize;
        float* yt = scratch, col = x;
        scratch += (nint)p * f;
        if (!s.IsPointwise)
        {
            float* padded = scratch;
            if (Im2Col.Padded(s)) scratch += Im2Col.PaddedFloats(s);
            col = scratch;
            scratch += (nint)k * p + Im2Col.Slack;
            PatchRows(s, x, 0, k, padded, col);
        }
        if (SmallPatch.Takes(call.Path, s))
        {
            SmallPatch.Forward(k, f, p, col, call.W, call.B, call.Relu, y);
            return;
        }
        Product(call.Path, GemmForm.TN, p, f, k, col, call.W, yt, false, scratch);
        Transpose.Matrix(yt, p, f, y);
        if (call.B != null || call.Relu)
            for (int i = 0; i < f; i++) BiasRelu(y + (nint)i * p, p, call.B == null ? 0f : call.B[i], call.Relu);
    }

    /// <summary>dx_n = col2im(Wᵀ · dy_n); for a pointwise kernel Wᵀ · dy_n is dx_n itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputImage(ref Call call, int n, float* scratch)
    {
        ref readonly Conv2DShape s = ref call.Shape;
        int p = s.OutPixels, k = s.PatchSize, f = s.Filters;
        float* dy = call.Y + (nint)n * s.OutputSize, dx = call.X + (nint)n * s.InputSize;
        if (s.IsPointwise)
        {
            Product(call.Path, GemmForm.TN, k, p, f, call.W, dy, dx, false, scratch);
            return;
        }
        float* dcol = scratch;
        scratch += (nint)k * p + Im2Col.Slack;
        float* padded = scratch;
        if (Im2Col.Padded(s)) scratch += Im2Col.PaddedFloats(s);
        Product(call.Path, GemmForm.TN, k, p, f, call.W, dy, dcol, false, scratch);
        if (Im2Col.Padded(s))
        {
            new Span<float>(padded, Im2Col.PaddedFloats(s)).Clear();
            Im2Col.ScatterAddPadded(s, dcol, padded, dx);
        }
        else
        {
            new Span<float>(dx, s.InputSize).Clear();
            Im2Col.ScatterAdd(s, dcol, dx);
        }
    }

    /// <summary>
    /// This part's rows [k0, k1) of dWᵀ[K, F] over every image in order (each image's patch rows k0..k1 gathered
    /// here, so no row is gathered twice), written into columns k0..k1 of dW at the end; and its share of db.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightPart(ref Call call, int part, int parts, float* scratch)
    {
        ref readonly Conv2DShape s = ref call.Shape;
        int p = s.OutPixels, k = s.PatchSize, f = s.Filters;
        (int k0, int k1) = WeightRows(s, part, parts);
        int kn = k1 - k0;
        float* block = call.Shared + (nint)k0 * f;   // dWᵀ[k0..k1, F]
        if (call.Batch == 0) new Span<float>(block, kn * f).Clear();
        float* padded = scratch, col = null;
        if (Im2Col.Padded(s)) scratch += Im2Col.PaddedFloats(s);
        if (!s.IsPointwise)
        {
            col = scratch;
            scratch += (nint)kn * p + Im2Col.Slack;
        }
        bool small = SmallPatch.Takes(call.Path, s);
        for (int n = 0; n < call.Batch && kn > 0; n++)
        {
            float* x = call.X + (nint)n * s.InputSize, dy = call.Y + (nint)n * s.OutputSize;
            float* rows = col;
            if (s.IsPointwise) rows = x + (nint)k0 * p;    // the image's channels are the patch rows
            else PatchRows(s, x, k0, k1, padded, col);
            if (small)
            {
                Transpose.Matrix(dy, f, p, scratch);       // dyᵀ[P, F]: the filters side by side
                SmallPatch.AccumulateWeights(kn, f, p, rows, scratch, block, fresh: n == 0);
            }
            else Product(call.Path, GemmForm.NT, kn, f, p, rows, dy, block, n > 0, scratch);
        }
        for (int i = 0; i < f; i++)
            for (int j = k0; j < k1; j++) call.W[(nint)i * k + j] = call.Shared[(nint)j * f + i];
        if (call.B != null)
        {
            int b0 = (int)((long)part * f / parts), b1 = (int)((long)(part + 1) * f / parts);
            for (int i = b0; i < b1; i++) call.B[i] = ChannelSum(call.Y, call.Batch, s.OutputSize, i, p);
        }
    }

    /// <summary>Σ_n Σ_p dy[n, channel, p] in double (vector lanes, then the lanes in order), rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float ChannelSum(float* dy, int batch, int imageSize, int channel, int p)
    {
        var lanes = Vector<double>.Zero;
        double tail = 0;
        int w = Vector<float>.Count;
        for (int n = 0; n < batch; n++)
        {
            float* row = dy + (nint)n * imageSize + (nint)channel * p;
            int j = 0;
            if (Vector.IsHardwareAccelerated)
                for (; j <= p - w; j += w)
                {
                    Vector.Widen(Unsafe.ReadUnaligned<Vector<float>>(row + j), out Vector<double> low, out Vector<double> high);
                    lanes += low + high;
                }
            for (; j < p; j++) tail += row[j];
        }
        double sum = 0;
        for (int i = 0; i < Vector<double>.Count; i++) sum += lanes[i];
        return (float)(sum + tail);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BiasRelu(float* row, int count, float bias, bool relu)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var b = new Vector<float>(bias);
            for (int w = Vector<float>.Count; i <= count - w; i += w)
            {
                Vector<float> v = Unsafe.ReadUnaligned<Vector<float>>(row + i) + b;
                if (relu) v = Vector.Max(v, Vector<float>.Zero);
                Unsafe.WriteUnaligned(row + i, v);
            }
        }
        for (; i < count; i++)
        {
            float v = row[i] + bias;
            row[i] = relu ? Math.Max(v, 0f) : v;
        }
    }

    /// <summary>One product on the calling thread, routed as <see cref="Gemm"/> routes it (same bits), with the caller's scratch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Product(GemmPath path, GemmForm form, int m, int n, int k, float* a, float* b, float* c, bool accumulate, float* scratch)
    {
        if (m == 0 || n == 0) return;
        if (path == GemmPath.Reference)
        {
            GemmReference.MultiplySingle(form, m, n, k, new ReadOnlySpan<float>(a, m * k), new ReadOnlySpan<float>(b, k * n),
                new Span<float>(c, m * n), accumulate);
            return;
        }
        if (SmallGemm.Takes(path, form, m, n, k))
        {
            SmallGemm.Multiply(path, form, m, n, k, a, b, c, accumulate, null, false);
            return;
        }
        new GemmPlan(path, form, m, n, k, a, b, c, accumulate, null, false, 1).RunPart(0, 1, scratch);
    }

    /// <summary>The scratch <see cref="Product"/> needs for this shape.</summary>
    private static int ProductScratch(GemmPath path, GemmForm form, int m, int n, int k)
    {
        if (m == 0 || n == 0 || path == GemmPath.Reference || SmallGemm.Takes(path, form, m, n, k)) return 0;
        return new GemmPlan(path, form, m, n, k, null, null, null, false, null, false, 1).ScratchFloats;
    }

    // ------------------------------------------------------------------ how the work is split

    private static int ImageParts(int batch, int threads) => Math.Max(1, Math.Min(threads, batch));

    /// <summary>Threads for the weight gradient: one block of at least <see cref="RowUnit"/> rows of dWᵀ each.</summary>
    internal static int WeightParts(in Conv2DShape s, int threads) =>
        Math.Max(1, Math.Min(threads, (s.PatchSize + RowUnit - 1) / RowUnit));

    /// <summary>The rows [k0, k1) of dWᵀ that a part computes: whole units, the remainder in the last part.</summary>
    private static (int K0, int K1) WeightRows(in Conv2DShape s, int part, int parts)
    {
        int k = s.PatchSize, units = (k + RowUnit - 1) / RowUnit;
        int k0 = Math.Min(k, part * units / parts * RowUnit), k1 = Math.Min(k, (part + 1) * units / parts * RowUnit);
        return (k0, k1);
    }

    /// <summary>Scratch floats one part of a pass needs (the largest over the parts of a split), besides the shared Wᵀ or dWᵀ.</summary>
    private static int PartFloats(GemmPath path, in Conv2DShape s, Pass pass, int parts)
    {
        int p = s.OutPixels, k = s.PatchSize, f = s.Filters;
        long padded = Im2Col.Padded(s) ? Im2Col.PaddedFloats(s) : 0;
        long col = s.IsPointwise ? 0 : (long)k * p + Im2Col.Slack;
        long floats = pass switch
        {
            Pass.Forward => (long)p * f + padded + col + ProductScratch(path, GemmForm.TN, p, f, k),
            Pass.Input => s.IsPointwise ? ProductScratch(path, GemmForm.TN, k, p, f) : col + padded + ProductScratch(path, GemmForm.TN, k, p, f),
            _ => 0,
        };
        for (int part = 0; pass == Pass.Weights && part < parts; part++)
        {
            (int k0, int k1) = WeightRows(s, part, parts);
            int kn = k1 - k0;
            long rows = s.IsPointwise ? 0 : (long)kn * p + Im2Col.Slack;
            long product = SmallPatch.Takes(path, s) ? (long)p * f : ProductScratch(path, GemmForm.NT, kn, f, p);   // dyᵀ, or the packing
            floats = Math.Max(floats, padded + rows + product);
        }
        return (int)Math.Min(floats, int.MaxValue);
    }

    private static void CheckBatch(int batch)
    {
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), "The batch size must not be negative.");
    }

    private static void Check(int length, long needed, string name)
    {
        if (length < needed) throw new ArgumentException($"{name} holds {length} floats; the convolution needs {needed}.", name);
    }
}

/// <summary>The pool's reusable work item for a convolution pass: holds the call in flight.</summary>
internal sealed unsafe class Conv2DJob : IPoolWork
{
    public Conv2D.Call Call;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int part, int parts) => Conv2D.RunPart(ref Call, part, parts);
}
