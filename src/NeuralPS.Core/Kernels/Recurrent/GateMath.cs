using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuralPS.Core.Kernels.Recurrent;

/// <summary>
/// The gates' nonlinearities in vectors, and the loads and stores of a row cut into vectors. Our own code rather than
/// TensorPrimitives: the cells call them once per timestep inside a training step, where the library's generic code
/// would be recompiled by the JIT mid-training. A row's last, partial vector goes through a zero-padded copy, so
/// every element takes exactly the same operations whatever its position.
/// </summary>
internal static class GateMath
{
    // tanh's rational approximation x·P(x²)/Q(x²) on [−7.9053, 7.9053] (Eigen's generic_fast_tanh_float): within
    // 4e-7 of tanh everywhere, with one division and no e^x. Beyond it tanh is ±1.
    private const float Clamp = 7.90531110763549805f, Tiny = 0.0004f;
    private const float A1 = 4.89352455891786e-03f, A3 = 6.37261928875436e-04f, A5 = 1.48572235717979e-05f,
        A7 = 5.12229709037114e-08f, A9 = -8.60467152213735e-11f, A11 = 2.00018790482477e-13f, A13 = -2.76076847742355e-16f;
    private const float B0 = 4.89352518554385e-03f, B2 = 2.26843463243900e-03f, B4 = 1.18534705686654e-04f, B6 = 1.19825839466702e-06f;

    /// <summary>
    /// tanh x as a rational function: the gates' five nonlinearities a cell are most of a step's work besides the
    /// GEMM, and this needs no e^x. Below |x| = 0.0004 it is x itself; NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Tanh(Vector<float> x)
    {
        // Clamped by compare and select, not Vector.Min/Max: those propagate NaN since .NET 9 at four times the
        // instructions, and a NaN passes the compares untouched here anyway (and stays NaN to the end).
        Vector<float> limit = new Vector<float>(Clamp);
        Vector<int> above = Vector.GreaterThanOrEqual(x, limit), below = Vector.LessThanOrEqual(x, -limit);
        Vector<float> c = Vector.ConditionalSelect(above, limit, Vector.ConditionalSelect(below, -limit, x));
        Vector<float> s = c * c;
        Vector<float> p = MulAdd(new Vector<float>(A13), s, new Vector<float>(A11));
        p = MulAdd(p, s, new Vector<float>(A9));
        p = MulAdd(p, s, new Vector<float>(A7));
        p = MulAdd(p, s, new Vector<float>(A5));
        p = MulAdd(p, s, new Vector<float>(A3));
        p = MulAdd(p, s, new Vector<float>(A1));
        Vector<float> q = MulAdd(new Vector<float>(B6), s, new Vector<float>(B4));
        q = MulAdd(q, s, new Vector<float>(B2));
        q = MulAdd(q, s, new Vector<float>(B0));
        Vector<float> t = Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(x), new Vector<float>(Tiny)), x, c * p / q);
        // ±1 beyond the clamp, where tanh is 1 within float's 6e-8 and the fraction is not quite (4e-7 short, fused)
        return Vector.ConditionalSelect(above, Vector<float>.One, Vector.ConditionalSelect(below, -Vector<float>.One, t));
    }

    /// <summary>a·b + c, fused (one rounding, half the latency of the polynomials' chains) where the CPU has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> MulAdd(Vector<float> a, Vector<float> b, Vector<float> c)
    {
        if (Fma.IsSupported && Vector<float>.Count == Vector256<float>.Count)
            return Fma.MultiplyAdd(a.AsVector256(), b.AsVector256(), c.AsVector256()).AsVector();
        return a * b + c;
    }

    /// <summary>σ(x) = (1 + tanh(x/2)) / 2: within 2e-7 of σ (absolute), 0 or 1 where σ rounds to them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Sigmoid(Vector<float> x)
    {
        Vector<float> half = new Vector<float>(0.5f);
        return half + half * Tanh(half * x);
    }

    /// <summary>row[j .. j+count] as a vector (count ≤ the vector width; the lanes past count are 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Load(ReadOnlySpan<float> row, int j, int count, Span<float> pad)
    {
        if (count == Vector<float>.Count) return new Vector<float>(row.Slice(j, count));
        pad.Clear();
        row.Slice(j, count).CopyTo(pad);
        return new Vector<float>(pad);
    }

    /// <summary>The first <paramref name="count"/> lanes of <paramref name="v"/> into row[j ..].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector<float> v, Span<float> row, int j, int count, Span<float> pad)
    {
        if (count == Vector<float>.Count) { v.CopyTo(row.Slice(j, count)); return; }
        v.CopyTo(pad);
        pad[..count].CopyTo(row.Slice(j, count));
    }

    /// <summary>a[i] += b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(Span<float> a, ReadOnlySpan<float> b)
    {
        int i = 0, w = Vector<float>.Count;
        for (; i + w <= a.Length; i += w) (new Vector<float>(a.Slice(i, w)) + new Vector<float>(b.Slice(i, w))).CopyTo(a.Slice(i, w));
        for (; i < a.Length; i++) a[i] += b[i];
    }

    /// <summary>
    /// dst[j, i, :] = src[i, j, :] for src [outer, inner, width]: batch-major sequences [B, T, X] to time-major
    /// [T, B, X] (so a timestep's rows are contiguous for its GEMM) and back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SwapOuter(ReadOnlySpan<float> src, Span<float> dst, int outer, int inner, int width)
    {
        for (int i = 0; i < outer; i++)
            for (int j = 0; j < inner; j++)
                src.Slice((i * inner + j) * width, width).CopyTo(dst.Slice((j * outer + i) * width, width));
    }
}
