namespace NeuralPS.Core.Kernels;

/// <summary>
/// The plain twin of <see cref="VectorActivations"/>: the same operations in the same order, one float at a time, on
/// <see cref="VectorExpReference"/>, so VectorActivations' result is these bits in every lane. Tested in
/// tests/NeuralPS.Core.Tests/Kernels/ElementwiseReferenceTests.cs, where it is also held to Math.Tanh and Math.Exp.
/// </summary>
internal static class VectorActivationsReference
{
    /// <summary>tanh(x): Cephes's odd polynomial below |x| = 0.625, (1 − e^−2|x|) / (1 + e^−2|x|) above; x's sign bit.</summary>
    public static float Tanh(float x)
    {
        float a = MathF.Abs(x), z = a * a;
        float magnitude;
        if (a < VectorActivations.TanhPolynomialBelow)
        {
            float p = -5.70498872745e-3f;
            p = p * z + 2.06390887954e-2f;
            p = p * z + -5.37397155531e-2f;
            p = p * z + 1.33314422036e-1f;
            p = p * z + -3.33332819422e-1f;
            magnitude = p * z * a + a;
        }
        else
        {
            float t = VectorExpReference.Exp(a * -2f);
            magnitude = (1f - t) / (1f + t);
        }
        return BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(magnitude) | (BitConverter.SingleToInt32Bits(x) & int.MinValue));
    }

    /// <summary>1 / (1 + e^−x), as 1/(1 + t) or t/(1 + t) with t = e^−|x| (squared from e^−|x|/2 where it is subnormal).</summary>
    public static float Sigmoid(float x)
    {
        float a = MathF.Abs(x);
        float t;
        if (a > VectorActivations.ExpSubnormalAbove)
        {
            float half = VectorExpReference.Exp(a * -0.5f);
            t = half * half;
        }
        else t = VectorExpReference.Exp(-a);
        return (x < 0 ? t : 1f) / (1f + t);
    }

    /// <summary>y[i] = tanh(x[i]).</summary>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = Tanh(x[i]);
    }

    /// <summary>y[i] = sigmoid(x[i]).</summary>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = Sigmoid(x[i]);
    }
}
