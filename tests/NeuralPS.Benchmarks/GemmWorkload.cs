using System.Diagnostics;
using NeuralPS.Core.Kernels;

namespace NeuralPS.Benchmarks;

/// <summary>W3: float32 GEMM GFLOP/s at 1024³ and the W1 shapes, timed as torch_bench.py times torch.mm.</summary>
internal static class GemmWorkload
{
    private static readonly (int M, int K, int N)[] Shapes =
    {
        (1024, 1024, 1024), (128, 784, 128), (784, 128, 128), (128, 128, 64), (128, 64, 10), (32, 784, 128), (512, 784, 128),
    };

    public static void Run(BenchOptions options)
    {
        using var pool = new WorkerPool(options.Threads);
        var random = new Random(0);
        foreach ((int m, int k, int n) in Shapes)
        {
            float[] a = Fill(random, m * k), b = Fill(random, k * n), c = new float[m * n];
            void Product() => Gemm.Multiply(GemmForm.NN, m, n, k, a, b, c, false, pool);
            (double median, double best, int iterations) = Measure(Product, 2.0 * m * n * k);
            Output.Emit(("work", "w3"), ("m", m), ("k", k), ("n", n), ("gflops_median", median), ("gflops_best", best),
                ("iters", iterations), ("path", GemmPaths.Selected.ToString()));
        }
    }

    /// <summary>
    /// W3step: each product of one W1 training step at <c>--batch</c> B in the form the step runs it (forward NN,
    /// weight gradients TN, input gradients NT), with the pool of <c>--threads</c>: which of them falls short of the peak.
    /// </summary>
    public static void RunStep(BenchOptions options)
    {
        using var pool = new WorkerPool(options.Threads);
        var random = new Random(0);
        int b = options.Batch;
        (string Name, GemmForm Form, int M, int N, int K)[] products =
        {
            ("forward 1", GemmForm.NN, b, 128, 784), ("forward 2", GemmForm.NN, b, 64, 128), ("forward 3", GemmForm.NN, b, 10, 64),
            ("weights 3", GemmForm.TN, 64, 10, b), ("inputs 3", GemmForm.NT, b, 64, 10),
            ("weights 2", GemmForm.TN, 128, 64, b), ("inputs 2", GemmForm.NT, b, 128, 64),
            ("weights 1", GemmForm.TN, 784, 128, b),
        };
        foreach ((string name, GemmForm form, int m, int n, int k) in products)
        {
            float[] a = Fill(random, m * k), bm = Fill(random, k * n), c = new float[m * n];
            void Product() => Gemm.Multiply(form, m, n, k, a, bm, c, false, pool);
            (double median, double best, int iterations) = Measure(Product, 2.0 * m * n * k);
            Output.Emit(("work", "w3step"), ("product", name), ("form", form.ToString()), ("m", m), ("n", n), ("k", k),
                ("gflops_median", median), ("us_median", 2.0 * m * n * k / median / 1e3), ("gflops_best", best), ("iters", iterations));
        }
    }

    /// <summary>Warm up (tiered compilation), calibrate to about 0.3 s, then the median and best of 5 runs.</summary>
    private static (double Median, double Best, int Iterations) Measure(Action product, double flops)
    {
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 200) product();
        int iterations = 1;
        double seconds;
        while (true)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < iterations; i++) product();
            seconds = clock.Elapsed.TotalSeconds;
            if (seconds > 0.05) break;
            iterations *= 2;
        }
        iterations = Math.Max(1, (int)(iterations * 0.3 / seconds));
        var rates = new List<double>();
        for (int r = 0; r < 5; r++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < iterations; i++) product();
            rates.Add(flops * iterations / clock.Elapsed.TotalSeconds / 1e9);
        }
        return (Output.Median(rates), rates.Max(), iterations);
    }

    private static float[] Fill(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
