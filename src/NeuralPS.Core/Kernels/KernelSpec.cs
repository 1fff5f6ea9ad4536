using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralPS.Core.Kernels;

/// <summary>A micro-kernel and its tile: MR rows by NR columns of C per call.</summary>
internal readonly unsafe struct KernelSpec
{
    public readonly int MR, NR;
    /// <summary>(a, rs, ks, rows, b, ldb, kc, c, ldc, cols, load): see <see cref="MicroKernels"/>.</summary>
    public readonly delegate*<float*, nint, nint, float**, int, float*, nint, int, float*, nint, int, bool, void> Kernel;
    /// <summary>
    /// (rp, col, rows, b, ldb, kc, c, ldc, cols, load): the same tile of Aᵀ·B with A's rows gathered (row p at rp[p]);
    /// null for the one-row tiles.
    /// </summary>
    public readonly delegate*<float**, nint, int, float*, nint, int, float*, nint, int, bool, void> GatheredTransposed;
    /// <summary>(c, ldc, rows, cols, bias or null, relu): the epilogue of a tile, in the same vector width.</summary>
    public readonly delegate*<float*, nint, int, int, float*, bool, void> Epilogue;

    /// <summary>(dst, src, lds, kc, cols, NR): kc rows of cols floats into a zero-padded panel NR wide.</summary>
    public readonly delegate*<float*, float*, nint, int, int, int, void> PackRows;

    private KernelSpec(int mr, int nr, delegate*<float*, nint, nint, float**, int, float*, nint, int, float*, nint, int, bool, void> kernel,
        delegate*<float*, nint, int, int, float*, bool, void> epilogue, delegate*<float*, float*, nint, int, int, int, void> packRows,
        delegate*<float**, nint, int, float*, nint, int, float*, nint, int, bool, void> gatheredTransposed = null)
    {
        MR = mr; NR = nr; Kernel = kernel; Epilogue = epilogue; PackRows = packRows; GatheredTransposed = gatheredTransposed;
    }

    /// <summary>
    /// The tile for a path and shape. Wide tiles (more accumulators) load less per FMA; narrow ones waste less on
    /// edges. The choice may depend on the shape and nothing else that varies, and never changes results
    /// (every kernel sums in the same order).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static KernelSpec For(GemmPath path, int m, int n) => path switch
    {
        GemmPath.Avx512 => For<Simd512, Vector512<float>>(m, n, wide: true),
        GemmPath.Avx2 => For<Simd256, Vector256<float>>(m, n, wide: false),
        _ => For<Simd128, Vector128<float>>(m, n, wide: false),
    };

    /// <summary>
    /// <paramref name="wide"/>: 32 vector registers (AVX-512), room for 24 accumulators; otherwise 16 registers and 12.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static KernelSpec For<S, TV>(int m, int n, bool wide) where S : struct, ISimd<TV> where TV : unmanaged
    {
        int w = S.Width;
        delegate*<float*, nint, int, int, float*, bool, void> epilogue = &TileEpilogue<S, TV>;
        delegate*<float*, float*, nint, int, int, int, void> pack = &PackRowsOf<S, TV>;
        // One row (a single prediction, the XOR step): no rows to waste, as many columns as registers allow.
        if (m == 1)
        {
            if (n <= w) return new(1, w, &MicroKernels.K1x1<S, TV>, epilogue, pack);
            if (n <= 2 * w) return new(1, 2 * w, &MicroKernels.K1x2<S, TV>, epilogue, pack);
            if (n <= 4 * w) return new(1, 4 * w, &MicroKernels.K1x4<S, TV>, epilogue, pack);
            return new(1, 8 * w, &MicroKernels.K1x8<S, TV>, epilogue, pack);
        }
        if (!wide)
            return n <= w ? new(6, w, &MicroKernels.K6x1<S, TV>, epilogue, pack, &MicroKernels.K6x1T<S, TV>) : new(6, 2 * w, &MicroKernels.K6x2<S, TV>, epilogue, pack, &MicroKernels.K6x2T<S, TV>);
        // Narrow C (the output layer): one vector wide, 12 or 8 rows, whichever pads m less.
        if (n <= w) return (m + 11) / 12 * 12 <= (m + 7) / 8 * 8
            ? new(12, w, &MicroKernels.K12x1<S, TV>, epilogue, pack, &MicroKernels.K12x1T<S, TV>) : new(8, w, &MicroKernels.K8x1<S, TV>, epilogue, pack, &MicroKernels.K8x1T<S, TV>);
        // Few rows (a small batch): 12 × 2 vectors, half the loads of B per multiply-add of 6 × 4 (B streams from L2);
        // measured on W1's 32×784×128: 166–176 GFLOP/s against 153–157 (at 128 rows 6 × 4 wins, 187–193 against 151–158).
        if (n <= 2 * w || m <= 64 || (m <= 160 && n % (4 * w) != 0)) return new(12, 2 * w, &MicroKernels.K12x2<S, TV>, epilogue, pack, &MicroKernels.K12x2T<S, TV>);
        return new(6, 4 * w, &MicroKernels.K6x4<S, TV>, epilogue, pack, &MicroKernels.K6x4T<S, TV>);
    }

    /// <summary>Row copies through vector registers, masked at the right edge, zeros beyond it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackRowsOf<S, TV>(float* dst, float* src, nint lds, int kc, int cols, int nr)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        int w = S.Width;
        for (int p = 0; p < kc; p++, dst += nr, src += lds)
            for (int j = 0; j < nr; j += w) S.Store(dst + j, S.LoadPartial(src + j, cols - j));
    }

    /// <summary>C = C + bias (per column), then max(C, 0) if asked, over rows × cols (masked at the right edge).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TileEpilogue<S, TV>(float* c, nint ldc, int rows, int cols, float* bias, bool relu)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        int w = S.Width;
        for (int r = 0; r < rows; r++)
        {
            float* row = c + r * ldc;
            for (int j = 0; j < cols; j += w)
            {
                TV x = S.LoadPartial(row + j, cols - j);
                if (bias != null) x = S.Add(x, S.LoadPartial(bias + j, cols - j));
                if (relu) x = S.Relu(x);
                S.StorePartial(row + j, x, cols - j);
            }
        }
    }
}
