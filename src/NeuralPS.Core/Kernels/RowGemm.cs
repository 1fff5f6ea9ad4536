using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralPS.Core.Kernels;

/// <summary>
/// One row times a matrix, c = a·B (+ bias, then max(·, 0)), that reads only the rows of B whose input is not zero:
/// a single prediction. Such a product is bound by reading B (a 784×128 layer is 400 KB, streamed from L2 at about
/// 110 GB/s here, 3.6 µs), so the rows it can leave out are the time it saves: half the pixels of a Fashion-MNIST
/// image are 0, one-hot encoded features are mostly 0, and after a ReLU layer so are many hidden values.
/// Each element is the same chain of fused multiply-adds over p = 0..k-1 as in the blocked kernels, starting from
/// zero, with the terms where a[p] = 0 left out. Adding 0·B[p, j] to a sum does not change it (B finite), so the
/// result equals the general path's, bit for bit, with two exceptions no trained network meets: a weight that is
/// NaN or infinite facing a zero input is not seen (the general path gives NaN), and a sum that underflows to -0
/// stays -0 where adding +0 would make it +0.
/// </summary>
internal static unsafe class RowGemm
{
    /// <summary>Longer rows keep the general path: the row's mask of nonzero inputs (a bit each) lives on the stack.</summary>
    private const int MaxInputs = 32 * 1024;

    /// <summary>
    /// c[0..n) = a[0..k) · B[k, n] (+ bias, then ReLU), B row-major with n columns, C written (never read), when the
    /// row has enough zeros that skipping them pays: returns false and leaves C alone otherwise (a dense row runs as
    /// fast on the general path's one-row kernels, which need no scan of the row). The row is scanned once: the same
    /// mask decides and then drives every panel of columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryMultiply(GemmPath path, int n, int k, float* a, float* b, float* c, float* bias, bool relu)
    {
        if (path == GemmPath.Reference || k < 16 || k > MaxInputs) return false;
        Span<uint> live = stackalloc uint[(k + 31) / 32];
        int zeros = 0;
        for (int i = 0; i < live.Length; i++)
        {
            int count = Math.Min(32, k - 32 * i);
            live[i] = NonZero(a + 32 * i, count);
            zeros += count - BitOperations.PopCount(live[i]);
        }
        if (zeros * 8 < k) return false;   // fewer than an eighth of the rows would be left out
        switch (path)
        {
            case GemmPath.Avx512: Multiply<Simd512, Vector512<float>>(n, live, a, b, c, bias, relu); break;
            case GemmPath.Avx2: Multiply<Simd256, Vector256<float>>(n, live, a, b, c, bias, relu); break;
            default: Multiply<Simd128, Vector128<float>>(n, live, a, b, c, bias, relu); break;
        }
        return true;
    }

    // Columns go in panels of eight whole vectors (128 floats with AVX-512, the width of a W1 layer), then four,
    // then one, then a last partial vector: each row of B that is read at all is read in as few passes as possible,
    // which keeps the hardware prefetcher streaming; eight independent chains keep the FMA units busy while the loads
    // from L2 set the pace (and fit AVX2's 16 registers). Every panel walks the same nonzero p in the same order.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Multiply<S, TV>(int n, ReadOnlySpan<uint> live, float* a, float* b, float* c, float* bias, bool relu)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        int w = S.Width;
        Span<TV> sums = stackalloc TV[8];
        for (int j = 0; j < n;)
        {
            int left = n - j, width;
            if (left >= 8 * w) { Panel<S, TV, Eight>(live, a, b + j, n, left, sums); width = 8 * w; }
            else if (left >= 4 * w) { Panel<S, TV, Four>(live, a, b + j, n, left, sums); width = 4 * w; }
            else if (left >= w) { Panel<S, TV, One>(live, a, b + j, n, left, sums); width = w; }
            else { Panel<S, TV, Partial>(live, a, b + j, n, left, sums); width = left; }
            for (int v = 0; v * w < width; v++)
            {
                // The bias, then ReLU, after the whole sum (as the general path's epilogue), then the store.
                int count = Math.Min(w, width - v * w);
                TV sum = sums[v];
                if (bias != null) sum = S.Add(sum, S.LoadPartial(bias + j + v * w, count));
                if (relu) sum = S.Relu(sum);
                S.StorePartial(c + j + v * w, sum, count);
            }
            j += width;
        }
    }

    /// <summary>How many vectors a panel is wide, as a type, so each width gets its own compiled loop.</summary>
    private interface IPanel { static abstract int Vectors { get; } }
    private struct Eight : IPanel { public static int Vectors => 8; }
    private struct Four : IPanel { public static int Vectors => 4; }
    private struct One : IPanel { public static int Vectors => 1; }
    /// <summary>One vector cut at the right edge (fewer than W columns left).</summary>
    private struct Partial : IPanel { public static int Vectors => 0; }

    /// <summary>
    /// sums[v] = Σ over the nonzero a[p] (bit p of <paramref name="live"/>), p ascending, of a[p]·B[p, vW..(v+1)W) for
    /// the panel's vectors: the chain of the dense kernels without its zero terms.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Panel<S, TV, P>(ReadOnlySpan<uint> live, float* a, float* b, nint ldb, int left, Span<TV> sums)
        where S : struct, ISimd<TV> where TV : unmanaged where P : struct, IPanel
    {
        nint w = S.Width;
        int vectors = P.Vectors;
        TV c0 = S.Zero, c1 = S.Zero, c2 = S.Zero, c3 = S.Zero, c4 = S.Zero, c5 = S.Zero, c6 = S.Zero, c7 = S.Zero;
        for (int i = 0; i < live.Length; i++)
        {
            // The nonzero inputs among the next 32, lowest first.
            uint bits = live[i];
            while (bits != 0)
            {
                int p = 32 * i + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                float* row = b + p * ldb;
                TV x = S.Splat(a + p);
                if (vectors == 0) { c0 = S.MulAdd(x, S.LoadPartial(row, left), c0); continue; }
                c0 = S.MulAdd(x, S.Load(row), c0);
                if (vectors > 1)
                {
                    c1 = S.MulAdd(x, S.Load(row + w), c1);
                    c2 = S.MulAdd(x, S.Load(row + 2 * w), c2);
                    c3 = S.MulAdd(x, S.Load(row + 3 * w), c3);
                }
                if (vectors > 4)
                {
                    c4 = S.MulAdd(x, S.Load(row + 4 * w), c4);
                    c5 = S.MulAdd(x, S.Load(row + 5 * w), c5);
                    c6 = S.MulAdd(x, S.Load(row + 6 * w), c6);
                    c7 = S.MulAdd(x, S.Load(row + 7 * w), c7);
                }
            }
        }
        sums[0] = c0; sums[1] = c1; sums[2] = c2; sums[3] = c3; sums[4] = c4; sums[5] = c5; sums[6] = c6; sums[7] = c7;
    }

    /// <summary>Bit i set where a[i] ≠ 0, for i &lt; count (count ≤ 32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint NonZero(float* a, int count)
    {
        if (count == 32 && Vector256.IsHardwareAccelerated)
        {
            uint zero = Vector256.Equals(Vector256.Load(a), Vector256<float>.Zero).ExtractMostSignificantBits()
                | Vector256.Equals(Vector256.Load(a + 8), Vector256<float>.Zero).ExtractMostSignificantBits() << 8
                | Vector256.Equals(Vector256.Load(a + 16), Vector256<float>.Zero).ExtractMostSignificantBits() << 16
                | Vector256.Equals(Vector256.Load(a + 24), Vector256<float>.Zero).ExtractMostSignificantBits() << 24;
            return ~zero;
        }
        uint live = 0;
        for (int i = 0; i < count; i++) live |= (a[i] != 0f ? 1u : 0u) << i;
        return live;
    }
}
