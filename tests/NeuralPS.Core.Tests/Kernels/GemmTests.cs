using NeuralPS.Core.Kernels;
using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>Every form and instruction-set path against the double-precision oracle, on awkward shapes.</summary>
public class GemmTests
{
    public static IEnumerable<object[]> Cases()
    {
        int[][] shapes = { new[] { 1, 1, 1 }, new[] { 1, 784, 128 }, new[] { 7, 13, 5 }, new[] { 33, 65, 17 },
            new[] { 127, 129, 3 }, new[] { 784, 128, 128 }, new[] { 32, 784, 128 }, new[] { 128, 64, 10 }, new[] { 257, 520, 258 } };
        foreach (GemmPath path in Enum.GetValues<GemmPath>())
            foreach (GemmForm form in Enum.GetValues<GemmForm>())
                foreach (int[] s in shapes)
                    yield return new object[] { path, form, s[0], s[1], s[2] };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheDoubleOracle(GemmPath path, GemmForm form, int m, int k, int n)
    {
        if (!GemmPaths.IsSupported(path)) return;
        var random = new Random(m * 1000 + k * 10 + n);
        float[] a = Fill(random, m * k), b = Fill(random, k * n), c0 = Fill(random, m * n), bias = Fill(random, n);
        double[] exact = GemmReference.MultiplyDouble(form, m, n, k, a, b);
        double[] bound = GemmReference.MultiplyDouble(form, m, n, k, Abs(a), Abs(b));

        using var pool = new WorkerPool(3);
        foreach (WorkerPool? p in new[] { null, pool })
        {
            var c = new float[m * n];
            Array.Fill(c, float.NaN);   // a product must overwrite, never read, C
            Gemm.Multiply(path, form, m, n, k, a, b, c, false, default, false, p);
            Check(c, i => exact[i], bound, k, $"{path} {form} {m}x{k}x{n}");

            c = (float[])c0.Clone();
            Gemm.Multiply(path, form, m, n, k, a, b, c, true, default, false, p);
            Check(c, i => exact[i] + c0[i], bound, k, $"{path} {form} {m}x{k}x{n} accumulate");

            Array.Fill(c, float.NaN);
            Gemm.Multiply(path, form, m, n, k, a, b, c, false, bias, true, p);
            Check(c, i => Math.Max(0, exact[i] + bias[i % n]), bound, k, $"{path} {form} {m}x{k}x{n} bias+relu");
        }
    }

    public static IEnumerable<object[]> SmallCases()
    {
        // m, k, n: the tiny networks' layers (XOR 4×2×4, 4×4×1; regression 32×10×10, 10×32×10, 32×1×10), one and two
        // vectors wide on every path (n = 1, 3, 4, 5, 8, 9, 15, 16, 17, 31, 32), k = 0 and 1, rows not a multiple of 4;
        // m = 1 (a single prediction, dense here) is routed to the general path's one-row kernels; B's rows narrower than
        // the vectors (n = 1, 2, 10, 20) are read in place up to the last few rows, which are copied (k·n below, equal to
        // and above a vector or two).
        int[][] shapes = { new[] { 1, 1, 1 }, new[] { 4, 2, 4 }, new[] { 4, 4, 1 }, new[] { 32, 10, 10 }, new[] { 10, 32, 10 },
            new[] { 32, 1, 10 }, new[] { 7, 13, 5 }, new[] { 5, 3, 17 }, new[] { 9, 20, 31 }, new[] { 6, 7, 32 }, new[] { 3, 0, 9 },
            new[] { 13, 40, 16 }, new[] { 2, 9, 15 }, new[] { 11, 5, 8 }, new[] { 1, 200, 3 }, new[] { 64, 32, 10 }, new[] { 2, 200, 3 }, new[] { 3, 1, 1 },
            new[] { 10, 32, 1 }, new[] { 33, 7, 2 }, new[] { 40, 300, 10 }, new[] { 5, 6, 20 } };
        foreach (GemmPath path in Enum.GetValues<GemmPath>())
            foreach (GemmForm form in Enum.GetValues<GemmForm>())
                foreach (int[] s in shapes)
                    yield return new object[] { path, form, s[0], s[1], s[2] };
    }

    /// <summary>
    /// Tiny products take the direct path (no plan, no blocking): against the double oracle, and bit for bit the
    /// same as the blocked path on every form, with accumulate, bias and ReLU.
    /// </summary>
    [Theory]
    [MemberData(nameof(SmallCases))]
    public void TheSmallPathMatchesTheOracleAndTheBlockedPathBitForBit(GemmPath path, GemmForm form, int m, int k, int n)
    {
        if (!GemmPaths.IsSupported(path) || path == GemmPath.Reference) return;
        // One dense row goes to the general path's one-row kernels (a single prediction); the rest of these shapes are small.
        if (m == 1) Assert.False(SmallGemm.Takes(path, form, m, n, k), $"{path} {form} {m}x{k}x{n}: one row takes the one-row kernels");
        else Assert.True(SmallGemm.Takes(path, form, m, n, k) || n > 8, $"{path} {form} {m}x{k}x{n} should take the small path");
        var random = new Random(m * 1000 + k * 10 + n + (int)form);
        float[] a = Fill(random, m * k), b = Fill(random, k * n), c0 = Fill(random, m * n), bias = Fill(random, n);
        double[] exact = GemmReference.MultiplyDouble(form, m, n, k, a, b);
        double[] bound = GemmReference.MultiplyDouble(form, m, n, k, Abs(a), Abs(b));
        foreach ((bool accumulate, bool withBias, bool relu) in new[] { (false, false, false), (true, false, false), (false, true, true), (true, true, false) })
        {
            float[] small = (float[])c0.Clone(), blocked = (float[])c0.Clone();
            if (!accumulate) { Array.Fill(small, float.NaN); Array.Fill(blocked, float.NaN); }
            ReadOnlySpan<float> b2 = withBias ? bias : default;
            Gemm.Multiply(path, form, m, n, k, a, b, small, accumulate, b2, relu, null, small: true);
            Gemm.Multiply(path, form, m, n, k, a, b, blocked, accumulate, b2, relu, null, small: false);
            string what = $"{path} {form} {m}x{k}x{n} accumulate={accumulate} bias={withBias} relu={relu}";
            Assert.True(small.AsSpan().SequenceEqual(blocked), what + ": small and blocked paths differ");
            Check(small, i =>
            {
                double e = exact[i] + (accumulate ? c0[i] : 0) + (withBias ? bias[i % n] : 0);
                return relu ? Math.Max(0, e) : e;
            }, bound.Select((x, i) => x + (accumulate ? Math.Abs(c0[i]) : 0) + (withBias ? Math.Abs(bias[i % n]) : 0)).ToArray(), k,
                what);
        }
    }

    [Fact]
    public void EveryThreadCountGivesTheSameBits()
    {
        var random = new Random(5);
        foreach (GemmForm form in Enum.GetValues<GemmForm>())
            foreach ((int m, int k, int n) in new[] { (128, 784, 128), (784, 128, 128), (1024, 300, 520), (32, 784, 128), (128, 64, 10) })
            {
                float[] a = Fill(random, m * k), b = Fill(random, k * n);
                float[]? first = null;
                for (int threads = 1; threads <= 3; threads++)
                {
                    using var pool = new WorkerPool(threads);
                    var c = new float[m * n];
                    Gemm.Multiply(form, m, n, k, a, b, c, false, pool);
                    first ??= c;
                    Assert.Equal(first, c);
                }
            }
    }

    public static IEnumerable<object[]> RowCases()
    {
        // k, n, share of zero inputs: the W1 layers (784×128, 128×64, 64×10), every edge of a four-vector panel on
        // each path (n = 1, 5, 15, 17, 33, 63, 65, 130, 300), k not a multiple of 32, rows all zero and rows dense.
        int[][] shapes = { new[] { 784, 128 }, new[] { 128, 64 }, new[] { 64, 10 }, new[] { 100, 1 }, new[] { 37, 5 }, new[] { 33, 15 },
            new[] { 70, 17 }, new[] { 65, 33 }, new[] { 200, 63 }, new[] { 31, 65 }, new[] { 300, 130 }, new[] { 95, 300 } };
        foreach (GemmPath path in new[] { GemmPath.Avx512, GemmPath.Avx2, GemmPath.Portable })
            foreach (int[] s in shapes)
                foreach (double zeros in new[] { 0.5, 0.9, 1.0 })
                    yield return new object[] { path, s[0], s[1], zeros };
    }

    /// <summary>
    /// A single row with zeros in it reads only the rows of B that meet a nonzero input: against the double oracle,
    /// and bit for bit the same as the general path's one-row kernels, plain and with bias and ReLU.
    /// </summary>
    [Theory]
    [MemberData(nameof(RowCases))]
    public unsafe void TheSparseRowPathMatchesTheOracleAndTheGeneralPathBitForBit(GemmPath path, int k, int n, double zeros)
    {
        if (!GemmPaths.IsSupported(path)) return;
        var random = new Random(k * 1000 + n + (int)(zeros * 10));
        float[] a = Fill(random, k), b = Fill(random, k * n), bias = Fill(random, n);
        for (int p = 0; p < k; p++) if (random.NextDouble() < zeros) a[p] = p % 2 == 0 ? 0f : -0f;
        double[] exact = GemmReference.MultiplyDouble(GemmForm.NN, 1, n, k, a, b);
        double[] bound = GemmReference.MultiplyDouble(GemmForm.NN, 1, n, k, Abs(a), Abs(b));
        foreach ((bool withBias, bool relu) in new[] { (false, false), (true, true), (true, false) })
        {
            float[] sparse = new float[n + 1], routed = new float[n + 1], general = new float[n + 1];
            Array.Fill(sparse, float.NaN); Array.Fill(routed, float.NaN); Array.Fill(general, float.NaN);   // C is written, never read; C[n] never touched
            string what = $"{path} 1x{k}x{n} zeros={zeros:P0} bias={withBias} relu={relu}";
            fixed (float* pa = a, pb = b, pc = sparse, pbias = bias)
                Assert.True(RowGemm.TryMultiply(path, n, k, pa, pb, pc, withBias ? pbias : null, relu), what + ": the sparse path should take the row");
            ReadOnlySpan<float> b2 = withBias ? bias : default;
            Gemm.Multiply(path, GemmForm.NN, 1, n, k, a, b, routed, false, b2, relu, null, small: true);
            Gemm.Multiply(path, GemmForm.NN, 1, n, k, a, b, general, false, b2, relu, null, small: false);
            Assert.True(float.IsNaN(sparse[n]), what + ": wrote past the end of C");
            Assert.True(sparse.AsSpan().SequenceEqual(routed), what + ": the product of one row did not take the sparse path");
            Assert.True(sparse.AsSpan(0, n).SequenceEqual(general.AsSpan(0, n)), what + ": sparse and general paths differ");
            Check(sparse[..n], i =>
            {
                double e = exact[i] + (withBias ? bias[i] : 0);
                return relu ? Math.Max(0, e) : e;
            }, bound.Select((x, i) => x + (withBias ? Math.Abs(bias[i]) : 0)).ToArray(), k, what);
        }
    }

    [Fact]
    public unsafe void ADenseRowOrATinyOneKeepsTheGeneralPath()
    {
        var random = new Random(3);
        float[] dense = Fill(random, 784);
        dense[0] = 0;
        Assert.False(TryRow(GemmPath.Avx512, dense), "one zero in 784 is not worth a scan");
        Assert.False(TryRow(GemmPath.Avx512, new float[8]), "k = 8 has nothing to gain");
        Assert.False(TryRow(GemmPath.Reference, new float[100]), "the reference path stays naive");
        Assert.False(TryRow(GemmPath.Avx512, new float[32 * 1024 + 1]), "a longer row's mask would not fit the stack");

        // A row the path declines leaves C as it was, for the general path to write.
        static bool TryRow(GemmPath path, float[] a)
        {
            const int n = 3;
            float[] b = new float[a.Length * n], c = { float.NaN, float.NaN, float.NaN };
            bool taken;
            fixed (float* pa = a, pb = b, pc = c) taken = RowGemm.TryMultiply(path, n, a.Length, pa, pb, pc, null, false);
            if (!taken) Assert.All(c, v => Assert.True(float.IsNaN(v)));
            return taken;
        }
    }

    [Fact]
    public void ThePathCanBeForcedByName()
    {
        Assert.Equal(GemmPath.Reference, GemmPaths.Choose("reference"));
        Assert.Equal(GemmPath.Portable, GemmPaths.Choose("PORTABLE"));
        Assert.Equal(GemmPaths.Best, GemmPaths.Choose(null));
        Assert.True(GemmPaths.IsSupported(GemmPaths.Choose("avx512")));
    }

    private static void Check(float[] c, Func<int, double> expected, double[] bound, int k, string what)
    {
        for (int i = 0; i < c.Length; i++)
        {
            double e = expected(i), tolerance = 2e-7 * (k + 2) * (bound[i] + Math.Abs(e)) + 1e-30;
            Assert.True(Math.Abs(c[i] - e) <= tolerance, $"{what}: C[{i}] = {c[i]}, expected {e} (±{tolerance})");
        }
    }

    private static float[] Fill(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    private static float[] Abs(float[] values) => values.Select(MathF.Abs).ToArray();
}
