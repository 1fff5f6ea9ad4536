using NeuralPS.Core.Kernels;
using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>
/// Every optimized elementwise kernel against its plain twin (ColumnSumsReference, VectorExpReference,
/// ActivationReference), bit for bit: each twin does the kernel's operations in the kernel's order, one element at a
/// time, so any difference is a bug in the vector loop, its tail or its split across threads. The shapes are awkward
/// on purpose: lengths that leave every possible vector tail, and sizes past the thresholds where work is split.
/// </summary>
public class ElementwiseReferenceTests
{
    private static float[] Fill(Random random, int n, float scale = 1f)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return a;
    }

    private static void AssertBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, the reference gives {expected[i]:R}");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(32, 10)]
    [InlineData(4, 8)]         // one strip exactly; below, strips moved left to end at the last column, and twice the same
    [InlineData(5, 17)]
    [InlineData(9, 24)]
    [InlineData(17, 33)]
    [InlineData(64, 129)]
    [InlineData(512, 128)]     // 64K floats: split across the pool
    [InlineData(300, 1001)]    // split, with a remainder of columns in the last strip
    public void ColumnSumsAreTheReferenceBitsOnAnyThreadCount(int rows, int cols)
    {
        // Values of mixed sign and size, so that the order of the additions shows in the low bits.
        var random = new Random(rows * 7919 + cols);
        float[] x = Fill(random, rows * cols, 1000f);
        for (int i = 0; i < x.Length; i += 3) x[i] *= 1e-4f;
        var expected = new float[cols];
        ColumnSumsReference.Compute(x, rows, cols, expected);

        var sums = new float[cols];
        ColumnSums.Compute(x, rows, cols, sums);
        AssertBits(expected, sums, $"{rows}x{cols}");
        foreach (int threads in new[] { 1, 2, 3 })
        {
            using var pool = new WorkerPool(threads);
            Array.Fill(sums, float.NaN);
            ColumnSums.Compute(x, rows, cols, sums, pool);
            AssertBits(expected, sums, $"{rows}x{cols} on {threads} threads");
        }
    }

    [Fact]
    public void ColumnSumsReferenceAddsInDoubleAndRoundsOnce()
    {
        // Column 0: in float, 1e8 + 3 is 1e8 again (its ulp is 8) and the column would sum to 0; in double it is 6.
        // Column 1: terms that cancel exactly give exactly 0.
        float[] x = { 1e8f, 0.1f, 3f, 0.2f, 3f, -0.1f, -1e8f, -0.2f };
        var sums = new float[2];
        ColumnSumsReference.Compute(x, 4, 2, sums);
        Assert.Equal(new[] { 6f, 0f }, sums);
    }

    /// <summary>The float inputs the exponential is held to: a sweep of its whole range, and its edges.</summary>
    private static float[] ExpInputs()
    {
        var values = new List<float>();
        for (float v = -90f; v <= 90f; v += 0.0137f) values.Add(v);
        var random = new Random(5);
        for (int i = 0; i < 20_000; i++) values.Add((float)(random.NextDouble() * 180 - 90));
        values.AddRange(new[]
        {
            0f, -0f, 1e-30f, -1e-30f, float.Epsilon, -float.Epsilon, 1f, -1f, 0.5f, -0.5f,
            -87.3365447f, MathF.BitDecrement(-87.3365447f), MathF.BitIncrement(-87.3365447f),
            88.7228391f, MathF.BitDecrement(88.7228391f), MathF.BitIncrement(88.7228391f),
            -1000f, 1000f, float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN,
        });
        return values.ToArray();
    }

    [Fact]
    public void VectorExpIsTheReferenceBitsInEveryLaneAndTail()
    {
        float[] x = ExpInputs();
        float[] expected = (float[])x.Clone();
        VectorExpReference.Exp(expected);
        float[] actual = (float[])x.Clone();
        VectorExp.Exp(actual);
        AssertBits(expected, actual, "e^x");
        // Every offset and tail length: a value's lane and whether it is in the padded tail do not change its bits.
        for (int start = 0; start < 17; start++)
            for (int length = 0; length <= 40; length++)
            {
                float[] part = x.AsSpan(start * 101, length).ToArray();
                VectorExp.Exp(part);
                AssertBits(expected.AsSpan(start * 101, length), part, $"e^x of {length} values from {start * 101}");
            }
    }

    /// <summary>
    /// The twin is also held to the truth: within 2 ulp of e^x rounded from double (Cephes's polynomial is good to about
    /// 1 ulp on its interval; reducing x by ln2 in two parts and scaling by 2^n in two factors each add at most half an
    /// ulp), 0 below the smallest normal result and ∞ above the largest float.
    /// </summary>
    [Fact]
    public void VectorExpReferenceIsWithinTwoUlpOfMathExp()
    {
        int worst = 0;
        foreach (float x in ExpInputs())
        {
            float e = VectorExpReference.Exp(x);
            if (float.IsNaN(x)) { Assert.True(float.IsNaN(e)); continue; }
            if (x < -87.3365447f) { Assert.Equal(0f, e); continue; }
            if (x > 88.7228391f) { Assert.Equal(float.PositiveInfinity, e); continue; }
            float exact = (float)Math.Exp(x);
            int ulps = Math.Abs(BitConverter.SingleToInt32Bits(e) - BitConverter.SingleToInt32Bits(exact));
            Assert.True(ulps <= 2, $"e^{x:R} = {e:R}, Math.Exp gives {exact:R}: {ulps} ulp apart");
            worst = Math.Max(worst, ulps);
        }
        Assert.True(worst >= 1, "no input was off by an ulp: the inputs do not exercise the bound");
    }

    /// <summary>
    /// The inputs tanh and the sigmoid are held to: every 65,537th float bit pattern (the whole range, both signs,
    /// subnormals, infinities and NaNs), a fine sweep of where they bend and saturate, and the edges of their branches.
    /// </summary>
    private static float[] ActivationInputs()
    {
        var values = new List<float>();
        for (long bits = 0; bits <= uint.MaxValue; bits += 65_537) values.Add(BitConverter.Int32BitsToSingle((int)(uint)bits));
        for (float v = -110f; v <= 110f; v += 0.0071f) values.Add(v);
        var random = new Random(17);
        for (int i = 0; i < 20_000; i++) values.Add((float)(random.NextDouble() * 20 - 10));
        foreach (float edge in new[] { VectorActivations.TanhPolynomialBelow, VectorActivations.ExpSubnormalAbove, 43.7f, 103.9f, 174.7f })
            foreach (float v in new[] { edge, MathF.BitDecrement(edge), MathF.BitIncrement(edge) })
                values.AddRange(new[] { v, -v });
        values.AddRange(new[]
        {
            0f, -0f, float.Epsilon, -float.Epsilon, 1e-30f, -1e-30f, 1e-4f, -1e-4f, 1f, -1f, 9f, -9f,
            float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN,
        });
        return values.ToArray();
    }

    [Fact]
    public void VectorTanhAndSigmoidAreTheReferenceBitsInEveryLaneAndTail()
    {
        float[] x = ActivationInputs();
        foreach ((string name, Action<float[], float[]> vector, Func<float, float> reference) in new (string, Action<float[], float[]>, Func<float, float>)[]
        {
            ("tanh", (a, b) => VectorActivations.Tanh(a, b), VectorActivationsReference.Tanh),
            ("sigmoid", (a, b) => VectorActivations.Sigmoid(a, b), VectorActivationsReference.Sigmoid),
        })
        {
            float[] expected = x.Select(reference).ToArray();
            var actual = new float[x.Length];
            vector(x, actual);
            AssertBits(expected, actual, name);
            float[] inPlace = (float[])x.Clone();
            vector(inPlace, inPlace);
            AssertBits(expected, inPlace, $"{name} in place");
            // Every offset and tail length: a value's lane and whether it is in the padded tail do not change its bits.
            for (int start = 0; start < 17; start++)
                for (int length = 0; length <= 40; length++)
                {
                    float[] part = x.AsSpan(start * 101, length).ToArray();
                    vector(part, part);
                    AssertBits(expected.AsSpan(start * 101, length), part, $"{name} of {length} values from {start * 101}");
                }
        }
    }

    [Fact]
    public void ActivationForwardRunsOurTanhAndSigmoid()
    {
        float[] z = ActivationInputs();
        var y = new float[z.Length];
        var expected = new float[z.Length];
        ActivationFunctions.Forward(Activation.Tanh, z, y, 1);
        VectorActivationsReference.Tanh(z, expected);
        AssertBits(expected, y, "Activation.Tanh");
        ActivationFunctions.Forward(Activation.Sigmoid, z, y, 1);
        VectorActivationsReference.Sigmoid(z, expected);
        AssertBits(expected, y, "Activation.Sigmoid");
    }

    /// <summary>Ulps between two floats of the same sign, or 0 and a float (the distance in the ordered bit patterns).</summary>
    private static long UlpsApart(float a, float b)
    {
        static long Ordered(float v) { int bits = BitConverter.SingleToInt32Bits(v); return bits < 0 ? (long)int.MinValue - bits : bits; }
        return Math.Abs(Ordered(a) - Ordered(b));
    }

    /// <summary>
    /// The twins against the truth in double, over the whole range: within 2 ulp (a search over all 2^32 floats found
    /// 2 the worst for both), subnormal sigmoids included; NaN in, NaN out; tanh keeps −0 and saturates at ±1.
    /// </summary>
    [Fact]
    public void TanhAndSigmoidReferencesAreWithinTwoUlpOfTheTruth()
    {
        int worstTanh = 0, worstSigmoid = 0;
        foreach (float x in ActivationInputs())
        {
            float tanh = VectorActivationsReference.Tanh(x), sigmoid = VectorActivationsReference.Sigmoid(x);
            if (float.IsNaN(x))
            {
                Assert.True(float.IsNaN(tanh) && float.IsNaN(sigmoid), "a NaN input must give NaN");
                continue;
            }
            long t = UlpsApart(tanh, (float)Math.Tanh(x)), s = UlpsApart(sigmoid, (float)(1 / (1 + Math.Exp(-(double)x))));
            Assert.True(t <= 2, $"tanh({x:R}) = {tanh:R}, Math.Tanh gives {(float)Math.Tanh(x):R}: {t} ulp apart");
            Assert.True(s <= 2, $"sigmoid({x:R}) = {sigmoid:R}, the truth is {(float)(1 / (1 + Math.Exp(-(double)x))):R}: {s} ulp apart");
            worstTanh = Math.Max(worstTanh, (int)t);
            worstSigmoid = Math.Max(worstSigmoid, (int)s);
        }
        Assert.True(worstTanh >= 1 && worstSigmoid >= 1, "no input was off by an ulp: the inputs do not exercise the bound");
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(VectorActivationsReference.Tanh(-0f)));
        Assert.Equal(-float.Epsilon, VectorActivationsReference.Tanh(-float.Epsilon));
        Assert.Equal(1f, VectorActivationsReference.Tanh(float.PositiveInfinity));
        Assert.Equal(-1f, VectorActivationsReference.Tanh(-50f));
        Assert.Equal(0.5f, VectorActivationsReference.Sigmoid(-0f));
        Assert.Equal(1f, VectorActivationsReference.Sigmoid(float.PositiveInfinity));
        Assert.Equal(0f, VectorActivationsReference.Sigmoid(float.NegativeInfinity));
        Assert.True(VectorActivationsReference.Sigmoid(-100f) > 0, "sigmoid(-100) is a subnormal float, not 0");
    }

    /// <summary>
    /// The mean squared error's vector loop against its plain formula, bit for bit, for every tail length: the loss
    /// (Σ (y − t)² in double, in order, over rows·width) and the gradient 2·(y − t)/(rows·width), and the loss alone.
    /// </summary>
    [Fact]
    public void MeanSquaredErrorIsThePlainLoopsBitsForEveryTail()
    {
        var random = new Random(13);
        for (int n = 1; n <= 70; n++)
        {
            float[] y = Fill(random, n, 3f), t = Fill(random, n, 3f);
            y[0] = 1e5f;   // a large term early: the order of the sum shows in the low bits
            int rows = n % 2 == 0 ? n / 2 : n, width = n / rows;
            float scale = 1f / (rows * width);
            double expected = 0;
            var expectedGrad = new float[n];
            for (int i = 0; i < n; i++)
            {
                float d = y[i] - t[i];
                expected += d * d;
                expectedGrad[i] = 2f * d * scale;
            }
            expected /= rows * width;
            var grad = new float[n];
            double loss = LossFunctions.Compute(LossKind.MeanSquaredError, Activation.Linear, y, y, t, width, rows, width, grad);
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(loss));
            AssertBits(expectedGrad, grad, $"MSE gradient of {n}");
            double alone = LossFunctions.Compute(LossKind.MeanSquaredError, Activation.Linear, y, y, t, width, rows, width, Span<float>.Empty);
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(alone));
        }
    }

    [Fact]
    public void SoftmaxIsTheReferenceBitsForEveryWidth()
    {
        var random = new Random(3);
        for (int width = 1; width <= 40; width++)
        {
            int rows = 2 + width % 7;
            float[] z = Fill(random, rows * width, 30f);
            if (width > 3) z[width + 1] = 95f;      // a logit past e^x's overflow: the max is subtracted first
            z[0] = -200f;                            // and one far below it, whose term is 0
            var expected = new float[z.Length];
            ActivationReference.Softmax(z, expected, width);
            var y = new float[z.Length];
            ActivationFunctions.Forward(Activation.Softmax, z, y, width);
            AssertBits(expected, y, $"softmax of width {width}");
        }
    }

    [Fact]
    public void ActivationDerivativesAreTheReferenceBitsForEveryTail()
    {
        var random = new Random(11);
        for (int n = 0; n <= 70; n++)
        {
            float[] z = Fill(random, n, 4f), dy = Fill(random, n, 2f);
            if (n > 5) { z[3] = 0f; z[4] = -0f; z[5] = float.NaN; }
            float[] sigmoid = z.Select(v => 1f / (1f + MathF.Exp(-v))).ToArray(), tanh = z.Select(MathF.Tanh).ToArray();
            var expected = new float[n];
            var actual = new float[n];

            ActivationReference.ReluBackward(z, dy, expected);
            ElementwiseBackward.Relu(z, dy, actual);
            AssertBits(expected, actual, $"ReLU' of {n}");

            ActivationReference.SigmoidBackward(sigmoid, dy, expected);
            ElementwiseBackward.Sigmoid(sigmoid, dy, actual);
            AssertBits(expected, actual, $"sigmoid' of {n}");

            ActivationReference.TanhBackward(tanh, dy, expected);
            ElementwiseBackward.Tanh(tanh, dy, actual);
            AssertBits(expected, actual, $"tanh' of {n}");

            // In place (dz = dy), as the workspace calls them.
            float[] inPlace = (float[])dy.Clone();
            ElementwiseBackward.Relu(z, inPlace, inPlace);
            ActivationReference.ReluBackward(z, dy, expected);
            AssertBits(expected, inPlace, $"ReLU' of {n} in place");
        }
    }
}
