namespace NeuralPS.Core.Kernels;

/// <summary>
/// The plain twin of <see cref="VectorExp"/>: the same Cephes single-precision algorithm, one float at a time, with the
/// same operations in the same order (C# neither fuses nor reorders float arithmetic), so VectorExp's result is these
/// bits in every lane. Tested in tests/NeuralPS.Core.Tests/Kernels/ElementwiseReferenceTests.cs, where it is also
/// held to Math.Exp.
/// </summary>
internal static class VectorExpReference
{
    /// <summary>e^x: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 polynomial, times 2^n built in the exponent bits.</summary>
    public static float Exp(float x)
    {
        if (float.IsNaN(x)) return x;
        if (x < -87.3365447f) return 0f;                       // e^x would be subnormal: 0
        if (x > 88.7228391f) return float.PositiveInfinity;
        float n = MathF.Floor(x * 1.44269504088896341f + 0.5f); // round(x / ln2)
        float r = x - n * 0.693359375f - n * -2.12194440e-4f;   // ln2 in two parts, so r keeps its low bits
        float p = 1.9875691500e-4f;
        p = p * r + 1.3981999507e-3f;
        p = p * r + 8.3334519073e-3f;
        p = p * r + 4.1665795894e-2f;
        p = p * r + 1.6666665459e-1f;
        p = p * r + 5.0000001201e-1f;
        p = p * (r * r) + r + 1f;
        // 2^n as two factors: n reaches 128 at the top of the range, where 2^n alone is not a float.
        int whole = (int)n, half = whole >> 1;
        return p * BitConverter.Int32BitsToSingle((half + 127) << 23) * BitConverter.Int32BitsToSingle((whole - half + 127) << 23);
    }

    /// <summary>values[i] = e^values[i].</summary>
    public static void Exp(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = Exp(values[i]);
    }
}
