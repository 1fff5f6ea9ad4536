using NeuralPS.Core.Kernels;
using NeuralPS.Core.Kernels.Recurrent;
using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>
/// The LSTM and GRU kernels against their plain double-precision twins (<see cref="LstmReference"/>,
/// <see cref="GruReference"/>), against central finite differences of those twins' forward pass, bit for bit across
/// thread counts, and without allocating. The twins themselves are held to PyTorch by <see cref="RecurrentGoldenTests"/>.
/// </summary>
public class RecurrentKernelTests
{
    public enum Cell { Lstm, Gru }

    /// <summary>The kernel under test, by cell: forward, backward, scratch size and the twin.</summary>
    private sealed record Kernel(Cell Cell)
    {
        public int Gates => Cell == Cell.Lstm ? Lstm.Gates : Gru.Gates;
        public int Scratch(RecurrentShape s) => Cell == Cell.Lstm ? Lstm.ScratchFloats(s) : Gru.ScratchFloats(s);
        public int ParameterCount(RecurrentShape s) => RecurrentLayout.CountFor(Gates, s.Inputs, s.Units);

        public void Forward(RecurrentShape s, float[] p, float[] x, float[] y, float[] scratch, WorkerPool pool)
        {
            if (Cell == Cell.Lstm) Lstm.Forward(s, p, x, y, scratch, pool);
            else Gru.Forward(s, p, x, y, scratch, pool);
        }

        public void Backward(RecurrentShape s, float[] p, float[] dy, float[] dp, float[] dx, float[] scratch, WorkerPool pool)
        {
            if (Cell == Cell.Lstm) Lstm.Backward(s, p, dy, dp, dx, scratch, pool);
            else Gru.Backward(s, p, dy, dp, dx, scratch, pool);
        }

        public double[] ReferenceForward(RecurrentShape s, double[] p, double[] x) =>
            Cell == Cell.Lstm ? LstmReference.Forward(s, p, x) : GruReference.Forward(s, p, x);

        public (double[] Parameters, double[] Input) ReferenceBackward(RecurrentShape s, double[] p, double[] x, double[] dy) =>
            Cell == Cell.Lstm ? LstmReference.Backward(s, p, x, dy) : GruReference.Backward(s, p, x, dy);
    }

    /// <summary>One forward and backward pass of the kernel: output, parameter gradients, input gradient.</summary>
    private static (float[] Y, float[] Dp, float[] Dx) Run(Kernel kernel, RecurrentShape s, float[] p, float[] x, float[] dy, WorkerPool pool)
    {
        var y = new float[s.OutputLength];
        var dp = new float[p.Length];
        var dx = new float[s.InputLength];
        var scratch = new float[kernel.Scratch(s)];
        Array.Fill(scratch, float.NaN);   // nothing may be read before it is written
        Array.Fill(dp, float.NaN);
        Array.Fill(dx, float.NaN);
        kernel.Forward(s, p, x, y, scratch, pool);
        kernel.Backward(s, p, dy, dp, dx, scratch, pool);
        return (y, dp, dx);
    }

    public static IEnumerable<object[]> Shapes()
    {
        // batch, steps, inputs, units: one of everything; units not a whole vector (5, 17, 33); a long sequence; the
        // W6 workload's widths (8 features, 64 units) with a batch large enough that the GEMMs take their blocked path
        int[][] shapes = { new[] { 1, 1, 1, 1 }, new[] { 3, 5, 4, 6 }, new[] { 2, 4, 3, 5 }, new[] { 4, 7, 3, 17 }, new[] { 2, 20, 2, 3 },
            new[] { 5, 3, 9, 33 }, new[] { 64, 6, 8, 64 } };
        foreach (Cell cell in Enum.GetValues<Cell>())
            foreach (int[] v in shapes)
                foreach (bool sequences in new[] { false, true })
                    yield return new object[] { cell, v[0], v[1], v[2], v[3], sequences };
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardAndBackwardMatchThePlainTwin(Cell cell, int batch, int steps, int inputs, int units, bool sequences)
    {
        var kernel = new Kernel(cell);
        var s = new RecurrentShape(batch, steps, inputs, units, sequences);
        (float[] p, float[] x, float[] dy) = Case(kernel, s, seed: batch * 1000 + steps * 100 + units);
        using var pool = new WorkerPool(1);
        (float[] y, float[] dp, float[] dx) = Run(kernel, s, p, x, dy, pool);

        double[] yRef = kernel.ReferenceForward(s, D(p), D(x));
        (double[] dpRef, double[] dxRef) = kernel.ReferenceBackward(s, D(p), D(x), D(dy));
        AssertClose(yRef, y, 2e-6, 2e-5, $"{cell} {s} output");
        AssertClose(dpRef, dp, 2e-5, 1e-4, $"{cell} {s} parameter gradients");
        AssertClose(dxRef, dx, 2e-5, 1e-4, $"{cell} {s} input gradient");
    }

    public static IEnumerable<object[]> GradientCases()
    {
        foreach (Cell cell in Enum.GetValues<Cell>())
            foreach (bool sequences in new[] { false, true })
            {
                yield return new object[] { cell, 2, 4, 3, 5, sequences };
                yield return new object[] { cell, 3, 6, 2, 9, sequences };
            }
    }

    /// <summary>
    /// Every parameter's and every input's gradient from the kernel (float) against central differences (h = 1e-6)
    /// of the double-precision forward pass of Σ c ⊙ output, at the kernel's own parameters.
    /// </summary>
    [Theory]
    [MemberData(nameof(GradientCases))]
    public void GradientsMatchFiniteDifferences(Cell cell, int batch, int steps, int inputs, int units, bool sequences)
    {
        var kernel = new Kernel(cell);
        var s = new RecurrentShape(batch, steps, inputs, units, sequences);
        (float[] p, float[] x, float[] c) = Case(kernel, s, seed: 77 + units);
        using var pool = new WorkerPool(1);
        (_, float[] dp, float[] dx) = Run(kernel, s, p, x, c, pool);

        double[] pd = D(p), xd = D(x), cd = D(c);
        double Objective() => kernel.ReferenceForward(s, pd, xd).Select((v, i) => v * cd[i]).Sum();
        double[] Differences(double[] values)
        {
            const double h = 1e-6;
            var g = new double[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                double keep = values[i];
                values[i] = keep + h;
                double up = Objective();
                values[i] = keep - h;
                double down = Objective();
                values[i] = keep;
                g[i] = (up - down) / (2 * h);
            }
            return g;
        }
        AssertClose(Differences(pd), dp, 2e-5, 1e-4, $"{cell} {s} parameter gradients vs finite differences");
        AssertClose(Differences(xd), dx, 2e-5, 1e-4, $"{cell} {s} input gradient vs finite differences");
        // the twin's own backward pass is the same derivative, to double precision
        (double[] dpRef, double[] dxRef) = kernel.ReferenceBackward(s, pd, xd, cd);
        AssertClose(Differences(pd), dpRef, 1e-8, 1e-7, $"{cell} {s} the twin's parameter gradients");
        AssertClose(Differences(xd), dxRef, 1e-8, 1e-7, $"{cell} {s} the twin's input gradient");
    }

    [Theory]
    [InlineData(Cell.Lstm, false)]
    [InlineData(Cell.Lstm, true)]
    [InlineData(Cell.Gru, false)]
    [InlineData(Cell.Gru, true)]
    public void TheBitsDoNotDependOnTheThreadCount(Cell cell, bool sequences)
    {
        // 64 × 64 units: the recurrent products (2·64·64·256 flops) are large enough to be split between threads
        var kernel = new Kernel(cell);
        var s = new RecurrentShape(64, 5, 8, 64, sequences);
        (float[] p, float[] x, float[] dy) = Case(kernel, s, seed: 5);
        using var one = new WorkerPool(1);
        (float[] y1, float[] dp1, float[] dx1) = Run(kernel, s, p, x, dy, one);
        foreach (int threads in new[] { 2, 3 })
        {
            using var pool = new WorkerPool(threads);
            (float[] y, float[] dp, float[] dx) = Run(kernel, s, p, x, dy, pool);
            Assert.Equal(y1, y);
            Assert.Equal(dp1, dp);
            Assert.Equal(dx1, dx);
        }
    }

    [Theory]
    [InlineData(Cell.Lstm)]
    [InlineData(Cell.Gru)]
    public void ACallAllocatesNothing(Cell cell)
    {
        var kernel = new Kernel(cell);
        var s = new RecurrentShape(64, 6, 8, 64, ReturnSequences: true);
        (float[] p, float[] x, float[] dy) = Case(kernel, s, seed: 9);
        var y = new float[s.OutputLength];
        var dp = new float[p.Length];
        var dx = new float[s.InputLength];
        var scratch = new float[kernel.Scratch(s)];
        using var pool = new WorkerPool(1);
        // The pool's GEMM scratch is made on first use. Forty calls also take each method past tiered compilation's
        // 30 calls (and its loops past on-stack replacement), which can load types on this thread: with one warm-up
        // call, a CI run once counted 7,624 bytes here.
        for (int i = 0; i < 40; i++)
        {
            kernel.Forward(s, p, x, y, scratch, pool);
            kernel.Backward(s, p, dy, dp, dx, scratch, pool);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            kernel.Forward(s, p, x, y, scratch, pool);
            kernel.Backward(s, p, dy, dp, dx, scratch, pool);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void TheInputGradientMayBeSkipped()
    {
        var kernel = new Kernel(Cell.Lstm);
        var s = new RecurrentShape(3, 4, 2, 5);
        (float[] p, float[] x, float[] dy) = Case(kernel, s, seed: 3);
        using var pool = new WorkerPool(1);
        (_, float[] dp, _) = Run(kernel, s, p, x, dy, pool);
        var scratch = new float[kernel.Scratch(s)];
        var y = new float[s.OutputLength];
        var dpOnly = new float[p.Length];
        Lstm.Forward(s, p, x, y, scratch, pool);
        Lstm.Backward(s, p, dy, dpOnly, Span<float>.Empty, scratch, pool);
        Assert.Equal(dp, dpOnly);
    }

    [Fact]
    public void BuffersTooSmallAreRefused()
    {
        var s = new RecurrentShape(2, 3, 4, 5);
        var p = new float[RecurrentLayout.CountFor(Lstm.Gates, 4, 5)];
        using var pool = new WorkerPool(1);
        Assert.Throws<ArgumentException>(() => Lstm.Forward(s, p, new float[s.InputLength], new float[s.OutputLength], new float[Lstm.ScratchFloats(s) - 1], pool));
        Assert.Throws<ArgumentException>(() => Gru.Forward(s, p.AsSpan(0, 10).ToArray(), new float[s.InputLength], new float[s.OutputLength], new float[Gru.ScratchFloats(s)], pool));
        Assert.Throws<ArgumentException>(() => Lstm.Forward(s, p, new float[s.InputLength - 1], new float[s.OutputLength], new float[Lstm.ScratchFloats(s)], pool));
        Assert.Throws<ArgumentException>(() => Lstm.Forward(s with { Steps = 0 }, p, new float[s.InputLength], new float[s.OutputLength], new float[Lstm.ScratchFloats(s)], pool));
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>Parameters drawn as PyTorch draws them (uniform ±1/√H), inputs and output gradients N(0, 1).</summary>
    internal static (float[] P, float[] X, float[] Dy) Case(int gates, RecurrentShape s, int seed)
    {
        var random = new Random(seed);
        float bound = 1f / MathF.Sqrt(s.Units);
        float[] p = Enumerable.Range(0, RecurrentLayout.CountFor(gates, s.Inputs, s.Units)).Select(_ => (float)(random.NextDouble() * 2 - 1) * bound).ToArray();
        return (p, Normal(random, s.InputLength), Normal(random, s.OutputLength));
    }

    private static (float[] P, float[] X, float[] Dy) Case(Kernel kernel, RecurrentShape s, int seed) => Case(kernel.Gates, s, seed);

    private static float[] Normal(Random random, int n) =>
        Enumerable.Range(0, n).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))).ToArray();

    internal static double[] D(float[] values) => values.Select(v => (double)v).ToArray();

    /// <summary>|actual − expected| ≤ absolute + relative·|expected| everywhere; the message names the worst element.</summary>
    internal static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<float> actual, double absolute, double relative, string what) =>
        AssertClose(expected, actual.Select(v => (double)v).ToArray(), absolute, relative, what);

    internal static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double absolute, double relative, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            double excess = Math.Abs(actual[i] - expected[i]) - (absolute + relative * Math.Abs(expected[i]));
            if (!(excess <= worstExcess)) { worst = i; worstExcess = double.IsNaN(excess) ? double.PositiveInfinity : excess; }
        }
        Assert.True(worst < 0, worst < 0 ? "" : $"{what}: element {worst} is {actual[worst]:R}, expected {expected[worst]:R} (off by {Math.Abs(actual[worst] - expected[worst]):E2})");
    }
}
