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
