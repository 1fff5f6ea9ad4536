using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuralPS.Core.Kernels;

/// <summary>
/// Direct loops for a convolution whose patch is short (K = C·KH·KW ≤ <see cref="MaxPatch"/>: a first layer on gray
/// or RGB pictures). Its products are thin (W5's first layer: K = 9 against 32 filters and 784 pixels), and the
/// packed GEMM spends more time packing them than multiplying (conv1's forward and weight gradient ran at 25-30
/// GFLOP/s). Here the forward pass runs across 8 pixels at a time straight into y[F, P] (no transposition, bias and
/// ReLU in the same pass), and the weight gradient across 8 filters at a time from dyᵀ[P, F], 3 patch rows by 32
/// filters in registers. Every output is still one chain of fused multiply-adds in the reference's order (of k for
/// y; of n then p for dW, the chain carried from image to image through dWᵀ in memory), so the bits are
/// <see cref="Conv2DReference"/>'s, on any thread count.
/// </summary>
internal static unsafe class SmallPatch
{
    /// <summary>The longest patch taken: 3 channels of 3×3.</summary>
    public const int MaxPatch = 27;

    private const int Lanes = 8;

    /// <summary>Whether these loops run this shape on this path (Vector256 with FMA; filters in whole vectors).</summary>
    public static bool Takes(GemmPath path, in Conv2DShape s) =>
        (path == GemmPath.Avx2 || path == GemmPath.Avx512) && Fma.IsSupported && !s.IsPointwise
        && s.PatchSize <= MaxPatch && s.Filters % Lanes == 0;

    /// <summary>
    /// y[i, q] = (Σ_k Wᵀ[k, i]·col[k, q], in order of k) + b[i], then max(·, 0) when <paramref name="relu"/>: one image,
    /// <paramref name="col"/> its patch matrix [K, P] (read up to a vector past each row: the patch matrix has slack).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(int k, int f, int p, float* col, float* wt, float* bias, bool relu, float* y)
    {
        int q = 0;
        for (; q + 4 * Lanes <= p; q += 4 * Lanes)
            for (int i = 0; i < f; i++)
            {
                Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
                float* c = col + q;
                for (int kk = 0; kk < k; kk++, c += p)
                {
                    var w = Vector256.Create(wt[(nint)kk * f + i]);
                    a0 = Fma.MultiplyAdd(w, Vector256.Load(c), a0);
                    a1 = Fma.MultiplyAdd(w, Vector256.Load(c + Lanes), a1);
                    a2 = Fma.MultiplyAdd(w, Vector256.Load(c + 2 * Lanes), a2);
                    a3 = Fma.MultiplyAdd(w, Vector256.Load(c + 3 * Lanes), a3);
                }
                float* dst = y + (nint)i * p + q;
                float b = bias == null ? 0f : bias[i];
                Finish(a0, b, bias != null, relu, dst);
                Finish(a1, b, bias != null, relu, dst + Lanes);
                Finish(a2, b, bias != null, relu, dst + 2 * Lanes);
                Finish(a3, b, bias != null, relu, dst + 3 * Lanes);
            }
        for (; q + Lanes <= p; q += Lanes)
            for (int i = 0; i < f; i++)
            {
                Vector256<float> a = Vector256<float>.Zero;
                float* c = col + q;
                for (int kk = 0; kk < k; kk++, c += p) a = Fma.MultiplyAdd(Vector256.Create(wt[(nint)kk * f + i]), Vector256.Load(c), a);
                Finish(a, bias == null ? 0f : bias[i], bias != null, relu, y + (nint)i * p + q);
            }
        for (; q < p; q++)
            for (int i = 0; i < f; i++)
            {
                float sum = 0f;
                for (int kk = 0; kk < k; kk++) sum = MathF.FusedMultiplyAdd(wt[(nint)kk * f + i], col[(nint)kk * p + q], sum);
                if (bias != null) sum += bias[i];
                y[(nint)i * p + q] = relu ? Math.Max(sum, 0f) : sum;
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(Vector256<float> sum, float bias, bool addBias, bool relu, float* dst)
    {
        Vector256<float> v = addBias ? sum + Vector256.Create(bias) : sum;   // no bias: the sum as it is (-0 stays -0)
        if (relu) v = Vector256.Max(v, Vector256<float>.Zero);
        v.Store(dst);
    }

    /// <summary>
    /// block[r, j] (= dWᵀ rows k0.., [kn, F]) continues its chain over one image: block[r, j] = fma(col[r, q], dyt[q, j],
    /// block[r, j]) for q in order; <paramref name="fresh"/> starts the chains at 0 (the first image).
    /// <paramref name="col"/> holds the image's patch rows k0.. [kn, P], <paramref name="dyt"/> its dyᵀ [P, F].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateWeights(int kn, int f, int p, float* col, float* dyt, float* block, bool fresh)
    {
        int r = 0;
        for (; r + 3 <= kn; r += 3)
        {
            int j = 0;
            for (; j + 4 * Lanes <= f; j += 4 * Lanes) Rows3x32(p, f, col + (nint)r * p, dyt + j, block + (nint)r * f + j, fresh);
            for (; j < f; j += Lanes)
                for (int rr = r; rr < r + 3; rr++) Row1x8(p, f, col + (nint)rr * p, dyt + j, block + (nint)rr * f + j, fresh);
        }
        for (; r < kn; r++)
            for (int j = 0; j < f; j += Lanes) Row1x8(p, f, col + (nint)r * p, dyt + j, block + (nint)r * f + j, fresh);
    }

    /// <summary>Three rows by 32 filters: 12 chains in registers, each pixel's 4 vectors of dyᵀ read once for all 3 rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows3x32(int p, int f, float* col, float* dyt, float* block, bool fresh)
    {
        float* b0 = block, b1 = block + f, b2 = block + 2 * f;
        Vector256<float> a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23;
        if (fresh)
        {
            a00 = a01 = a02 = a03 = a10 = a11 = a12 = a13 = a20 = a21 = a22 = a23 = Vector256<float>.Zero;
        }
        else
        {
            a00 = Vector256.Load(b0); a01 = Vector256.Load(b0 + Lanes); a02 = Vector256.Load(b0 + 2 * Lanes); a03 = Vector256.Load(b0 + 3 * Lanes);
            a10 = Vector256.Load(b1); a11 = Vector256.Load(b1 + Lanes); a12 = Vector256.Load(b1 + 2 * Lanes); a13 = Vector256.Load(b1 + 3 * Lanes);
            a20 = Vector256.Load(b2); a21 = Vector256.Load(b2 + Lanes); a22 = Vector256.Load(b2 + 2 * Lanes); a23 = Vector256.Load(b2 + 3 * Lanes);
        }
        float* c1 = col + p, c2 = col + 2 * p;
        for (int q = 0; q < p; q++, dyt += f)
        {
            Vector256<float> d0 = Vector256.Load(dyt), d1 = Vector256.Load(dyt + Lanes), d2 = Vector256.Load(dyt + 2 * Lanes), d3 = Vector256.Load(dyt + 3 * Lanes);
            var x = Vector256.Create(col[q]);
            a00 = Fma.MultiplyAdd(x, d0, a00); a01 = Fma.MultiplyAdd(x, d1, a01); a02 = Fma.MultiplyAdd(x, d2, a02); a03 = Fma.MultiplyAdd(x, d3, a03);
            x = Vector256.Create(c1[q]);
            a10 = Fma.MultiplyAdd(x, d0, a10); a11 = Fma.MultiplyAdd(x, d1, a11); a12 = Fma.MultiplyAdd(x, d2, a12); a13 = Fma.MultiplyAdd(x, d3, a13);
            x = Vector256.Create(c2[q]);
            a20 = Fma.MultiplyAdd(x, d0, a20); a21 = Fma.MultiplyAdd(x, d1, a21); a22 = Fma.MultiplyAdd(x, d2, a22); a23 = Fma.MultiplyAdd(x, d3, a23);
        }
        a00.Store(b0); a01.Store(b0 + Lanes); a02.Store(b0 + 2 * Lanes); a03.Store(b0 + 3 * Lanes);
        a10.Store(b1); a11.Store(b1 + Lanes); a12.Store(b1 + 2 * Lanes); a13.Store(b1 + 3 * Lanes);
        a20.Store(b2); a21.Store(b2 + Lanes); a22.Store(b2 + 2 * Lanes); a23.Store(b2 + 3 * Lanes);
    }

    /// <summary>One row by 8 filters: the remainders.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row1x8(int p, int f, float* col, float* dyt, float* block, bool fresh)
    {
        Vector256<float> a = fresh ? Vector256<float>.Zero : Vector256.Load(block);
        for (int q = 0; q < p; q++, dyt += f) a = Fma.MultiplyAdd(Vector256.Create(col[q]), Vector256.Load(dyt), a);
        a.Store(block);
    }
}
