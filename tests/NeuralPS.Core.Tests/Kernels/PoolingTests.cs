using NeuralPS.Core.Kernels;
using Xunit;
using static NeuralPS.Core.Tests.Kernels.Conv2DTests;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>
/// Max, average and global average pooling against <see cref="PoolingReference"/> (bit for bit, vector rows and
/// scalar loops, every thread count) and against double-precision finite differences.
/// </summary>
public class PoolingTests
{
    // (C, H, W, KH, KW, SH, SW)
    public static IEnumerable<object[]> Cases() => new[]
    {
        new object[] { 3, 8, 8, 2, 2, 2, 2 },
        new object[] { 2, 7, 7, 2, 2, 2, 2 },      // odd: the last row and column are in no window
        new object[] { 32, 28, 28, 2, 2, 2, 2 },   // W5's first pooling: 14 outputs a row, a full group and a partial one
        new object[] { 64, 14, 14, 2, 2, 2, 2 },   // W5's second: 7 a row, one partial group
        new object[] { 2, 9, 10, 3, 3, 2, 2 },     // overlapping windows
        new object[] { 2, 5, 21, 3, 3, 1, 1 },     // stride 1: contiguous rows of 19 outputs
        new object[] { 3, 11, 40, 2, 3, 1, 2 },    // rectangular window, mixed strides, 19 outputs a row
        new object[] { 1, 6, 6, 6, 6, 1, 1 },      // one window: the whole image
        new object[] { 2, 10, 35, 3, 3, 3, 3 },    // stride 3 (gathers), 11 outputs a row
    };

    private static Pool2DShape Shape(int c, int h, int w, int kh, int kw, int sh, int sw) => new(c, h, w, kh, kw, sh, sw);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheReferenceBitForBitWithAndWithoutVectorsOnEveryThreadCount(int c, int h, int w, int kh, int kw, int sh, int sw)
    {
        Pool2DShape s = Shape(c, h, w, kh, kw, sh, sw);
        foreach (int batch in new[] { 1, 5 })
        {
            var random = new Random(batch + s.GetHashCode());
            float[] x = Fill(random, batch * s.InputSize), dy = Fill(random, batch * s.OutputSize);
            // ties: a third of the inputs on a few levels, so windows hold equal maxima
            for (int i = 0; i < x.Length; i += 3) x[i] = MathF.Round(x[i] * 2) / 2;
            var y0 = new float[dy.Length]; var at0 = new int[dy.Length]; var dx0 = new float[x.Length];
            var a0 = new float[dy.Length]; var da0 = new float[x.Length];
            PoolingReference.MaxForward(s, batch, x, y0, at0);
            PoolingReference.MaxBackward(s, batch, dy, at0, dx0);
            PoolingReference.AverageForward(s, batch, x, a0);
            PoolingReference.AverageBackward(s, batch, dy, da0);
            foreach (bool vector in new[] { false, true })
                for (int threads = 0; threads <= 3; threads++)
                {
                    using var pool = threads == 0 ? null : new WorkerPool(threads);
                    string what = $"{s} batch {batch} vector {vector} threads {threads}";
                    var y = Nan(y0.Length); var at = new int[y0.Length]; Array.Fill(at, -1);
                    var dx = Nan(x.Length); var a = Nan(y0.Length); var da = Nan(x.Length);
                    Pooling.MaxForward(s, batch, x, y, at, pool, vector);
                    Pooling.MaxBackward(s, batch, dy, at0, dx, pool, vector);
                    Pooling.AverageForward(s, batch, x, a, pool, vector);
                    Pooling.AverageBackward(s, batch, dy, da, pool);
                    Same(y0, y, true, what + " max");
                    Assert.True(at0.AsSpan().SequenceEqual(at), what + " argmax");
                    Same(dx0, dx, true, what + " max backward");
                    Same(a0, a, true, what + " average");
                    Same(da0, da, true, what + " average backward");
                }
        }
    }

    /// <summary>PyTorch's rule: the first of equal maxima; a NaN is taken (the last one in the window); -∞ everywhere gives the first index.</summary>
    [Fact]
    public void TiesTakeTheFirstMaximumAndNaNWins()
    {
        var s = new Pool2DShape(1, 2, 8, 2, 2, 2, 2);   // four 2x2 windows in one row
        float ninf = float.NegativeInfinity, nan = float.NaN;
        float[] x =
        {
            1, 3,   2, 2,   5, nan,   ninf, ninf,
            3, 0,   2, 2,   nan, 7,   ninf, ninf,
        };
        foreach (bool vector in new[] { false, true })
        {
            var y = new float[4];
            var at = new int[4];
            Pooling.MaxForward(s, 1, x, y, at, null, vector);
            Assert.Equal(new[] { 1, 2, 12, 6 }, at);   // 3 at (0,1) before the 3 at (1,0); the first 2; the last NaN; the first -inf
            Assert.Equal(3f, y[0]);
            Assert.Equal(2f, y[1]);
            Assert.True(float.IsNaN(y[2]));
            Assert.Equal(ninf, y[3]);
            var reference = new int[4];
            PoolingReference.MaxForward(s, 1, x, new float[4], reference);
            Assert.Equal(reference, at);
        }
    }

    [Fact]
    public void GlobalAverageMatchesTheReference()
    {
        foreach ((int c, int p) in new[] { (3, 49), (64, 196), (5, 1), (2, 7), (4, 17) })
            foreach (int threads in new[] { 0, 1, 2, 3 })
            {
                using var pool = threads == 0 ? null : new WorkerPool(threads);
                var random = new Random(c * 100 + p);
                const int batch = 7;
                float[] x = Fill(random, batch * c * p), dy = Fill(random, batch * c);
                float[] y0 = new float[batch * c], dx0 = new float[x.Length], y = Nan(y0.Length), dx = Nan(x.Length);
                PoolingReference.GlobalAverageForward(c, p, batch, x, y0);
                PoolingReference.GlobalAverageBackward(c, p, batch, dy, dx0);
                Pooling.GlobalAverageForward(c, p, batch, x, y, pool);
                Pooling.GlobalAverageBackward(c, p, batch, dy, dx, pool);
                // a double sum in another order, rounded once: equal or one float step apart
                for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(y[i] - y0[i]) <= 1e-7f * Math.Max(1, Math.Abs(y0[i])), $"{c}x{p}: {y[i]} vs {y0[i]}");
                Same(dx0, dx, true, $"{c}x{p} backward");
            }
    }

    /// <summary>Backward passes against central differences of L = Σ r·y through double-precision poolings written here.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsMatchDoublePrecisionFiniteDifferences(int c, int h, int w, int kh, int kw, int sh, int sw)
    {
        Pool2DShape s = Shape(c, h, w, kh, kw, sh, sw);
        const int batch = 2;
        var random = new Random(s.GetHashCode());
        // distinct values 0.01 apart, perturbed by 1e-4: no window's maximum changes
        float[] x = Enumerable.Range(0, batch * s.InputSize).Select(i => (float)(i * 0.01)).OrderBy(_ => random.Next()).ToArray();
        float[] r = Fill(random, batch * s.OutputSize);
        using var pool = new WorkerPool(2);
        var y = new float[r.Length]; var at = new int[r.Length]; var dx = new float[x.Length]; var da = new float[x.Length];
        Pooling.MaxForward(s, batch, x, y, at, pool);
        Pooling.MaxBackward(s, batch, r, at, dx, pool);
        Pooling.AverageBackward(s, batch, r, da, pool);
        double[] xd = ToDouble(x);
        CheckGradient(xd, dx, () => Dot(MaxDouble(s, batch, xd), r), $"{s} max dx", 1e-4);
        CheckGradient(xd, da, () => Dot(AverageDouble(s, batch, xd), r), $"{s} average dx", 1e-4);

        float[] g = Fill(random, batch * c), dg = new float[batch * c * h * w];
        Pooling.GlobalAverageBackward(c, h * w, batch, g, dg, pool);
        CheckGradient(xd, dg, () => Dot(GlobalDouble(c, h * w, batch, xd), g), $"{s} global dx", 1e-4);
    }

    [Fact]
    public void AWindowThatDoesNotFitIsANamedError()
    {
        var e = Assert.Throws<NeuralPSException>(() => new Pool2DShape(3, 5, 5, 6, 2));
        Assert.Equal("ShapeMismatch", e.ErrorId);
        Assert.Equal("InvalidArgument", Assert.Throws<NeuralPSException>(() => new Pool2DShape(3, 5, 5, 2, 0)).ErrorId);
    }

    [Fact]
    public void ThePassesAllocateNothing()
    {
        var s = new Pool2DShape(32, 28, 28, 2, 2);
        const int batch = 8;
        var random = new Random(1);
        float[] x = Fill(random, batch * s.InputSize), dy = Fill(random, batch * s.OutputSize);
        float[] y = new float[dy.Length], dx = new float[x.Length], g = new float[batch * 32];
        var at = new int[dy.Length];
        using var pool = new WorkerPool(2);
        void Step()
        {
            Pooling.MaxForward(s, batch, x, y, at, pool);
            Pooling.MaxBackward(s, batch, dy, at, dx, pool);
            Pooling.AverageForward(s, batch, x, y, pool);
            Pooling.AverageBackward(s, batch, dy, dx, pool);
            Pooling.GlobalAverageForward(32, 784, batch, x, g, pool);
            Pooling.GlobalAverageBackward(32, 784, batch, g, dx, pool);
        }
        AssertAllocatesNothing(pool, Step);
    }

    // ------------------------------------------------------------------ double-precision poolings

    private static double[] MaxDouble(in Pool2DShape s, int batch, double[] x)
    {
        var y = new double[batch * s.OutputSize];
        for (int q = 0; q < batch * s.Channels; q++)
            for (int oh = 0; oh < s.OutHeight; oh++)
                for (int ow = 0; ow < s.OutWidth; ow++)
                {
                    double max = double.NegativeInfinity;
                    for (int i = 0; i < s.KernelHeight; i++)
                        for (int j = 0; j < s.KernelWidth; j++)
                            max = Math.Max(max, x[(q * s.Height + oh * s.StrideHeight + i) * s.Width + ow * s.StrideWidth + j]);
                    y[(q * s.OutHeight + oh) * s.OutWidth + ow] = max;
                }
        return y;
    }

    private static double[] AverageDouble(in Pool2DShape s, int batch, double[] x)
    {
        var y = new double[batch * s.OutputSize];
        for (int q = 0; q < batch * s.Channels; q++)
            for (int oh = 0; oh < s.OutHeight; oh++)
                for (int ow = 0; ow < s.OutWidth; ow++)
                {
                    double sum = 0;
                    for (int i = 0; i < s.KernelHeight; i++)
                        for (int j = 0; j < s.KernelWidth; j++)
                            sum += x[(q * s.Height + oh * s.StrideHeight + i) * s.Width + ow * s.StrideWidth + j];
                    y[(q * s.OutHeight + oh) * s.OutWidth + ow] = sum / (s.KernelHeight * s.KernelWidth);
                }
        return y;
    }

    private static double[] GlobalDouble(int c, int p, int batch, double[] x)
    {
        var y = new double[batch * c];
        for (int q = 0; q < batch * c; q++)
        {
            for (int i = 0; i < p; i++) y[q] += x[q * p + i];
            y[q] /= p;
        }
        return y;
    }
}
