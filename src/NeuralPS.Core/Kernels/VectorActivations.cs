using System.Numerics;
using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Kernels;

/// <summary>
/// tanh and the sigmoid over a span, built on <see cref="VectorExp"/>, within 2 ulp of the true value over the whole
/// float range, NaN kept, −0 kept by tanh. Our own code rather than TensorPrimitives.Tanh and Sigmoid for the reasons
/// VectorExp gives: the generic library methods run unoptimized for the first second or so of a process (the whole of
/// a tiny network's training), and their bits differ between .NET versions (PowerShell 7.4 runs on .NET 8), where these
/// are the same on every runtime and vector width. Every element goes through the same vector operations (a short
/// tail is padded into one vector), so its result does not depend on its position. The plain twin, which the tests
/// hold them to bit for bit and to Math.Tanh and Math.Exp, is <see cref="VectorActivationsReference"/>.
/// </summary>
internal static class VectorActivations
{
    // Below this |x|, tanh is Cephes's odd polynomial (accurate on [0, 0.625]); above it, (1 − e^−2|x|) / (1 + e^−2|x|).
    internal const float TanhPolynomialBelow = 0.625f;
    // e^−|x| is subnormal above this |x|, where VectorExp gives 0: the sigmoid then squares e^−|x|/2 instead.
    internal const float ExpSubnormalAbove = 87.3365447f;

    /// <summary>y = tanh(x); x and y may be the same span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        int w = Vector<float>.Count, i = 0;
        for (; i + w <= x.Length; i += w)
            Tanh(new Vector<float>(x.Slice(i, w))).CopyTo(y.Slice(i, w));
        if (i == x.Length) return;
        Span<float> tail = stackalloc float[w];
        tail.Clear();
        x[i..].CopyTo(tail);
        Tanh(new Vector<float>(tail)).CopyTo(tail);
        tail[..(x.Length - i)].CopyTo(y[i..]);
    }

    /// <summary>y = 1 / (1 + e^−x); x and y may be the same span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y)
    {
        int w = Vector<float>.Count, i = 0;
        for (; i + w <= x.Length; i += w)
            Sigmoid(new Vector<float>(x.Slice(i, w))).CopyTo(y.Slice(i, w));
        if (i == x.Length) return;
        Span<float> tail = stackalloc float[w];
        tail.Clear();
        x[i..].CopyTo(tail);
        Sigmoid(new Vector<float>(tail)).CopyTo(tail);
        tail[..(x.Length - i)].CopyTo(y[i..]);
    }

    /// <summary>
    /// tanh of |x| with x's sign bit (tanh is odd: this keeps −0 and the symmetry exact). Small |x|: |x| + |x|·z·P(z),
    /// z = x²; there (1 − t)/(1 + t) would lose bits to the cancellation in 1 − t. Elsewhere t = e^−2|x| ≤ 0.29, and
    /// above 43.7 t is 0 and the result 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Tanh(Vector<float> x)
    {
        Vector<float> a = Vector.Abs(x), z = a * a;
        Vector<float> p = new Vector<float>(-5.70498872745e-3f);
        p = p * z + new Vector<float>(2.06390887954e-2f);
        p = p * z + new Vector<float>(-5.37397155531e-2f);
        p = p * z + new Vector<float>(1.33314422036e-1f);
        p = p * z + new Vector<float>(-3.33332819422e-1f);
        Vector<float> small = p * z * a + a;
        Vector<float> t = VectorExp.Exp(a * new Vector<float>(-2f));
        Vector<float> large = (Vector<float>.One - t) / (Vector<float>.One + t);
        Vector<float> magnitude = Vector.ConditionalSelect(Vector.LessThan(a, new Vector<float>(TanhPolynomialBelow)), small, large);
        Vector<int> sign = Vector.AsVectorInt32(x) & new Vector<int>(int.MinValue);
        return Vector.AsVectorSingle(Vector.AsVectorInt32(magnitude) | sign);
    }

    /// <summary>
    /// With t = e^−|x|: 1/(1 + t) for x ≥ 0 and t/(1 + t) for x &lt; 0, so neither side computes a 1 − (something
    /// close to 1) or overflows. Past |x| = 87.34, t is subnormal (the sigmoid of x down to −103.9 is), and VectorExp
    /// gives 0 there: t is then e^−|x|/2 squared, which rounds once into the subnormal range.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Sigmoid(Vector<float> x)
    {
        Vector<float> a = Vector.Abs(x);
        Vector<float> t = VectorExp.Exp(-a);
        Vector<int> subnormal = Vector.GreaterThan(a, new Vector<float>(ExpSubnormalAbove));
        if (!subnormal.Equals(Vector<int>.Zero))
        {
            Vector<float> half = VectorExp.Exp(a * new Vector<float>(-0.5f));
            t = Vector.ConditionalSelect(subnormal, half * half, t);
        }
        Vector<float> numerator = Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero), t, Vector<float>.One);
        return numerator / (Vector<float>.One + t);
    }
}
