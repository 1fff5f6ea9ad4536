using System.Diagnostics;
using NeuralPS.Core.Kernels;

namespace NeuralPS.Benchmarks;

/// <summary>
/// W5k: the kernels of W5's convolutional layers at batch 64 — Conv(32, 3×3, same) on 1×28×28 and Conv(64, 3×3,
/// same) on 32×14×14, forward, input gradient and weight gradient, and the 2×2 max poolings after them — timed one
/// pass at a time. Two ways to run a convolution on the GEMM family are measured side by side:
///   per_image  the engine's Conv2D: one image's patch matrix at a time, threads over images (dW: over blocks of it)
///   batched    one patch matrix for the whole batch, [K, N·P], and one product per pass threaded by output tiles
///              (the patch matrix is kept from the forward pass for dW, as such an engine would)
/// The engine's lines are "work": "w5k" (as bench/peers' torch_bench.py and TorchSharp print them), the
/// alternative's "w5k_batched".
/// </summary>
internal static unsafe class ConvWorkload
{
    private static readonly (string Name, Conv2DShape Shape, bool First)[] Layers =
    {
        ("conv1", new Conv2DShape(1, 28, 28, 32, 3, 3, 1, 1, Padding.Same), true),
        ("conv2", new Conv2DShape(32, 14, 14, 64, 3, 3, 1, 1, Padding.Same), false),
    };

    public static void Run(BenchOptions options)
    {
        int batch = options.BatchGiven ? options.Batch : 64;
        Output.Emit(("work", "w5k"), ("clock", options.Threads == 1 ? "process cpu time" : "wall"));
        using var pool = new WorkerPool(options.Threads);
        var random = new Random(0);
        foreach ((string name, Conv2DShape s, bool first) in Layers)
        {
            float[] x = Fill(random, batch * s.InputSize), w = Fill(random, s.WeightCount), b = Fill(random, s.Filters);
            float[] dy = Fill(random, batch * s.OutputSize), y = new float[dy.Length], dx = new float[x.Length];
            float[] dw = new float[w.Length], db = new float[s.Filters];
            var scratch = new float[Conv2D.ScratchFloats(s, batch, options.Threads)];
            double flops = 2.0 * s.Filters * s.PatchSize * s.OutPixels * batch;

            var perImage = new (string, Action)[]
            {
                ("forward", () => Conv2D.Forward(s, batch, x, w, b, y, scratch, pool)),
                ("input", () => Conv2D.BackwardInput(s, batch, dy, w, dx, scratch, pool)),
                ("weights", () => Conv2D.BackwardWeights(s, batch, x, dy, dw, db, scratch, pool)),
            };
            var batched = new Batched(s, batch, pool, x, w, b, y, dy, dx, dw, db);
            var whole = new (string, Action)[]
            {
                ("forward", batched.Forward), ("input", batched.Input), ("weights", batched.Weights),
            };
            // The two ways compute the same sums in the same order: check that before timing them.
            foreach ((string _, Action run) in perImage) run();
            float[] y1 = (float[])y.Clone(), dx1 = (float[])dx.Clone(), dw1 = (float[])dw.Clone();
            foreach ((string _, Action run) in whole) run();
            bool same = y1.AsSpan().SequenceEqual(y) && dx1.AsSpan().SequenceEqual(dx) && dw1.AsSpan().SequenceEqual(dw);
            Output.Emit(("work", "w5k"), ("layer", name), ("shape", s.ToString()), ("variants_same_bits", same));
            foreach ((string variant, (string, Action)[] passes) in new[] { ("per_image", perImage), ("batched", whole) })
            {
                double step = 0;
                foreach ((string pass, Action run) in passes)
                {
                    (double median, double best) = Measure(run, options.Threads == 1);
                    if (!(first && pass == "input")) step += median;   // a first layer's dx is never needed
                    Output.Emit(("work", Work(variant)), ("layer", name), ("pass", pass), ("batch", batch),
                        ("ms_median", median * 1e3), ("ms_best", best * 1e3), ("gflops_median", flops / median / 1e9));
                }
                Output.Emit(("work", Work(variant)), ("layer", name), ("pass", "train_step"), ("batch", batch),
                    ("ms_median", step * 1e3), ("gflops_median", flops * (first ? 2 : 3) / step / 1e9));
            }
        }
        foreach ((string name, Pool2DShape s) in new[] { ("pool1", new Pool2DShape(32, 28, 28, 2, 2)), ("pool2", new Pool2DShape(64, 14, 14, 2, 2)) })
        {
            float[] x = Fill(random, batch * s.InputSize), dy = Fill(random, batch * s.OutputSize);
            float[] y = new float[dy.Length], dx = new float[x.Length];
            var at = new int[dy.Length];
            foreach ((string pass, Action run) in new (string, Action)[]
            {
                ("forward", () => Pooling.MaxForward(s, batch, x, y, at, pool)),
                ("backward", () => Pooling.MaxBackward(s, batch, dy, at, dx, pool)),
                ("train_step", () => { Pooling.MaxForward(s, batch, x, y, at, pool); Pooling.MaxBackward(s, batch, dy, at, dx, pool); }),
            })
            {
                (double median, double best) = Measure(run, options.Threads == 1);
                Output.Emit(("work", "w5k"), ("layer", name), ("pass", pass), ("batch", batch),
                    ("ms_median", median * 1e3), ("ms_best", best * 1e3));
            }
        }
    }

    private static string Work(string variant) => variant == "per_image" ? "w5k" : "w5k_" + variant;

    /// <summary>
    /// The alternative: col[K, N·P] for the whole batch (image n's pixels at columns n·P..), and one product per
    /// pass on the pool: Y'[F, N·P] = W·col, dW = dY'·colᵀ, dcol = Wᵀ·dY', with dy copied to dY'[F, N·P] and y
    /// copied back from Y'. The same sums in the same order as Conv2D (same bits), in one big product each.
    /// </summary>
    private sealed class Batched
    {
        private readonly Conv2DShape _s;
        private readonly int _n;
        private readonly WorkerPool _pool;
        private readonly float[] _x, _w, _b, _y, _dy, _dx, _dw, _db;
        private readonly float[] _col, _wide, _dyWide;   // [K, N·P], [max(F, K), N·P], [F, N·P]

        public Batched(Conv2DShape s, int n, WorkerPool pool, float[] x, float[] w, float[] b, float[] y, float[] dy, float[] dx, float[] dw, float[] db)
        {
            _s = s; _n = n; _pool = pool; _x = x; _w = w; _b = b; _y = y; _dy = dy; _dx = dx; _dw = dw; _db = db;
            int wide = n * s.OutPixels;
            _col = new float[s.PatchSize * wide];
            _wide = new float[Math.Max(s.Filters, s.PatchSize) * wide];
            _dyWide = new float[s.Filters * wide];
        }

        /// <summary>col = im2col of every image; Y' = W·col; y[n, f, p] = Y'[f, n·P + p] + b[f].</summary>
        public void Forward()
        {
            int p = _s.OutPixels, k = _s.PatchSize, f = _s.Filters, wide = _n * p;
            fixed (float* x = _x, col = _col, y = _y, yw = _wide, b = _b)
            {
                for (int i = 0; i < _n; i++) Im2Col.Gather(_s, x + (nint)i * _s.InputSize, 0, k, col + (nint)i * p, wide);
                Gemm.Multiply(GemmForm.NN, f, wide, k, _w, _col, _wide, false, _pool);
                for (int i = 0; i < _n; i++)
                    for (int j = 0; j < f; j++)
                    {
                        float* src = yw + ((nint)j * _n + i) * p, dst = y + ((nint)i * f + j) * p;
                        for (int q = 0; q < p; q++) dst[q] = src[q] + b[j];
                    }
            }
        }

        /// <summary>dY'[f, n·P + p] = dy[n, f, p]; dcol = Wᵀ·dY'; dx = col2im(dcol) image by image.</summary>
        public void Input()
        {
            int p = _s.OutPixels, k = _s.PatchSize, f = _s.Filters, wide = _n * p;
            fixed (float* dy = _dy, dyw = _dyWide, dx = _dx, dcol = _wide)
            {
                for (int i = 0; i < _n; i++)
                    for (int j = 0; j < f; j++)
                        new ReadOnlySpan<float>(dy + ((nint)i * f + j) * p, p).CopyTo(new Span<float>(dyw + ((nint)j * _n + i) * p, p));
                Gemm.Multiply(GemmForm.TN, k, wide, f, _w, _dyWide, _wide, false, _pool);
                new Span<float>(dx, _n * _s.InputSize).Clear();
                for (int i = 0; i < _n; i++) Im2Col.ScatterAdd(_s, dcol + (nint)i * p, dx + (nint)i * _s.InputSize, wide);
            }
        }

        /// <summary>dW = dY'·colᵀ (dY' as Input left it, col as Forward left it); db by channel sums.</summary>
        public void Weights()
        {
            int p = _s.OutPixels, k = _s.PatchSize, f = _s.Filters, wide = _n * p;
            Gemm.Multiply(GemmForm.NT, f, k, wide, _dyWide, _col, _dw, false, _pool);
            fixed (float* dy = _dy)
                for (int j = 0; j < f; j++) _db[j] = Conv2D.ChannelSum(dy, _n, _s.OutputSize, j, p);
        }
    }

    /// <summary>
    /// Warm up (tiered compilation), calibrate to about 0.2 s, then the median and best of 7 runs (seconds a call).
    /// On one thread the time is the process's CPU time, which a busy machine's preemptions do not inflate.
    /// </summary>
    internal static (double Median, double Best) Measure(Action run, bool cpu)
    {
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 300) run();
        int iterations = 1;
        while (true)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < iterations; i++) run();
            double seconds = clock.Elapsed.TotalSeconds;
            if (seconds > 0.05) { iterations = Math.Max(1, (int)(iterations * 0.2 / seconds)); break; }
            iterations *= 2;
        }
        var times = new List<double>();
        using var process = Process.GetCurrentProcess();
        for (int r = 0; r < 7; r++)
        {
            process.Refresh();
            TimeSpan used = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < iterations; i++) run();
            double wall = clock.Elapsed.TotalSeconds;
            process.Refresh();
            times.Add((cpu ? (process.TotalProcessorTime - used).TotalSeconds : wall) / iterations);
        }
        return (Output.Median(times), times.Min());
    }

    private static float[] Fill(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
