using System.Numerics;
using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Kernels;

/// <summary>
/// e^x over a span, for the softmax: the Cephes single-precision algorithm (x = n·ln2 + r, a degree-6 polynomial in r,
/// times 2^n), about 1 ulp from the true value, with e^x = 0 below -87.3 (where the float result would be subnormal),
/// ∞ above 88.7, and NaN kept. Our own code rather than a library call so that a training step runs no generic library
/// code that .NET compiles first unoptimized and recompiles on a background thread during the second epoch, taking a
/// core from a 2-thread run. Every element goes through the same vector operations (a short tail is padded into one
/// vector), so an element's result does not depend on its position or on the length of the span. Its plain twin, which
/// the tests hold it to bit for bit, is <see cref="VectorExpReference"/>.
/// </summary>
internal static class VectorExp
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    private const float Lowest = -87.3365447f, Highest = 88.7228391f;

    /// <summary>values[i] = e^values[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Exp(Span<float> values)
    {
        int w = Vector<float>.Count, i = 0;
        for (; i + w <= values.Length; i += w)
            Exp(new Vector<float>(values.Slice(i, w))).CopyTo(values.Slice(i, w));
        if (i == values.Length) return;
        Span<float> tail = stackalloc float[w];
        tail.Clear();
        values[i..].CopyTo(tail);
        Exp(new Vector<float>(tail)).CopyTo(tail);
        tail[..(values.Length - i)].CopyTo(values[i..]);
    }

    /// <summary>e^x in every lane (the tanh and the sigmoid of <see cref="VectorActivations"/> build on it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<float> Exp(Vector<float> x)
    {
        Vector<float> clamped = Vector.Min(Vector.Max(x, new Vector<float>(Lowest)), new Vector<float>(Highest));
        Vector<float> n = Vector.Floor(clamped * new Vector<float>(Log2E) + new Vector<float>(0.5f));
        Vector<float> r = clamped - n * new Vector<float>(Ln2Hi) - n * new Vector<float>(Ln2Lo);
        Vector<float> r2 = r * r;
        Vector<float> p = new Vector<float>(1.9875691500e-4f);
        p = p * r + new Vector<float>(1.3981999507e-3f);
        p = p * r + new Vector<float>(8.3334519073e-3f);
        p = p * r + new Vector<float>(4.1665795894e-2f);
        p = p * r + new Vector<float>(1.6666665459e-1f);
        p = p * r + new Vector<float>(5.0000001201e-1f);
        p = p * r2 + r + Vector<float>.One;
        // 2^n built in the exponent bits; n ≤ 128 here, so 2^n is split into two factors to stay finite up to 88.7.
        Vector<int> whole = Vector.ConvertToInt32(n), half = Vector.ShiftRightArithmetic(whole, 1);
        Vector<float> scaleA = Vector.AsVectorSingle(Vector.ShiftLeft(half + new Vector<int>(127), 23));
        Vector<float> scaleB = Vector.AsVectorSingle(Vector.ShiftLeft(whole - half + new Vector<int>(127), 23));
        Vector<float> result = p * scaleA * scaleB;
        result = Vector.ConditionalSelect(Vector.LessThan(x, new Vector<float>(Lowest)), Vector<float>.Zero, result);
        result = Vector.ConditionalSelect(Vector.GreaterThan(x, new Vector<float>(Highest)), new Vector<float>(float.PositiveInfinity), result);
        return Vector.ConditionalSelect(Vector.Equals(x, x), result, x);   // NaN stays NaN
    }
}
