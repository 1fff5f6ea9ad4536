using System.Numerics;
using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Kernels.Recurrent;

/// <summary>
/// The gates' nonlinearities in vectors, and the loads and stores of a row cut into vectors. Our own code (on
/// <see cref="VectorExp"/>) rather than TensorPrimitives: the cells call them once per timestep inside a training step,
/// where the library's generic code would be recompiled by the JIT mid-training. A row's last, partial vector goes
/// through a zero-padded copy, so every element takes exactly the same operations whatever its position.
/// </summary>
internal static class GateMath
{
    /// <summary>σ(x) = 1 / (1 + e^−x): 0 below −88.7 (e^−x is ∞), 1 above 87.3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Sigmoid(Vector<float> x) => Vector<float>.One / (Vector<float>.One + VectorExp.Exp(-x));

    /// <summary>
    /// tanh x, as Cephes' tanhf: an odd polynomial below |x| = 0.625, where 1 − 2/(e^2x + 1) would lose the small
    /// values to cancellation, and that formula above (±1 once e^2|x| is ∞).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Tanh(Vector<float> x)
    {
        Vector<float> ax = Vector.Abs(x), s = x * x;
        Vector<float> p = new Vector<float>(-5.70498872745e-3f);
        p = p * s + new Vector<float>(2.06390887954e-2f);
        p = p * s + new Vector<float>(-5.37397155531e-2f);
        p = p * s + new Vector<float>(1.33314422036e-1f);
        p = p * s + new Vector<float>(-3.33332819422e-1f);
        Vector<float> small = p * s * x + x;
        Vector<float> large = Vector<float>.One - new Vector<float>(2f) / (VectorExp.Exp(ax + ax) + Vector<float>.One);
        large = Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero), -large, large);
        return Vector.ConditionalSelect(Vector.LessThan(ax, new Vector<float>(0.625f)), small, large);
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
