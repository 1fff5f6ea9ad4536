using System.Runtime.Intrinsics;

namespace NeuralPS.Core.Kernels;

/// <summary>A micro-kernel and its tile: MR rows by NR columns of C per call.</summary>
internal readonly unsafe struct KernelSpec
{
    public readonly int MR, NR;
    /// <summary>(a, rs, ks, rows, b, ldb, kc, c, ldc, load): see <see cref="MicroKernels"/>.</summary>
    public readonly delegate*<float*, nint, nint, int, float*, nint, int, float*, nint, bool, void> Kernel;
    /// <summary>(c, ldc, rows, bias or null, relu): the epilogue of a full tile, in the same vector width.</summary>
    public readonly delegate*<float*, nint, int, int, float*, bool, void> Epilogue;

    private KernelSpec(int mr, int nr, delegate*<float*, nint, nint, int, float*, nint, int, float*, nint, bool, void> kernel,
        delegate*<float*, nint, int, int, float*, bool, void> epilogue)
    {
        MR = mr; NR = nr; Kernel = kernel; Epilogue = epilogue;
    }

    /// <summary>
    /// The tile for a path and shape. Wide tiles (more accumulators) load less per FMA; narrow ones waste less on
    /// edges. The choice may depend on the shape and nothing else that varies, and never changes results
    /// (every kernel sums in the same order).
    /// </summary>
    public static KernelSpec For(GemmPath path, int m, int n) => path switch
    {
        GemmPath.Avx512 => For<Simd512, Vector512<float>>(m, n, wide: true),
        GemmPath.Avx2 => For<Simd256, Vector256<float>>(m, n, wide: false),
        _ => For<Simd128, Vector128<float>>(m, n, wide: false),
    };

    /// <summary>
    /// <paramref name="wide"/>: 32 vector registers (AVX-512), room for 24 accumulators; otherwise 16 registers and 12.
    /// </summary>
    private static KernelSpec For<S, TV>(int m, int n, bool wide) where S : struct, ISimd<TV> where TV : unmanaged
    {
        int w = S.Width;
        delegate*<float*, nint, int, int, float*, bool, void> epilogue = &TileEpilogue<S, TV>;
        // One row (a single prediction, the XOR step): no rows to waste, as many columns as registers allow.
        if (m == 1)
        {
            if (n <= w) return new(1, w, &MicroKernels.K1x1<S, TV>, epilogue);
            if (n <= 2 * w) return new(1, 2 * w, &MicroKernels.K1x2<S, TV>, epilogue);
            if (n <= 4 * w) return new(1, 4 * w, &MicroKernels.K1x4<S, TV>, epilogue);
            return new(1, 8 * w, &MicroKernels.K1x8<S, TV>, epilogue);
        }
        if (!wide)
            return n <= w ? new(6, w, &MicroKernels.K6x1<S, TV>, epilogue) : new(6, 2 * w, &MicroKernels.K6x2<S, TV>, epilogue);
        if (n <= w) return new(12, w, &MicroKernels.K12x1<S, TV>, epilogue);
        if (n <= 2 * w || (m <= 160 && n % (4 * w) != 0)) return new(12, 2 * w, &MicroKernels.K12x2<S, TV>, epilogue);
        return new(6, 4 * w, &MicroKernels.K6x4<S, TV>, epilogue);
    }

    /// <summary>C = C + bias (per column), then max(C, 0) if asked, over a full tile of rows × (vectors·W).</summary>
    private static void TileEpilogue<S, TV>(float* c, nint ldc, int rows, int columns, float* bias, bool relu)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        int w = S.Width;
        for (int r = 0; r < rows; r++)
        {
            float* row = c + r * ldc;
            for (int j = 0; j < columns; j += w)
            {
                TV x = S.Load(row + j);
                if (bias != null) x = S.Add(x, S.Load(bias + j));
                if (relu) x = S.Relu(x);
                S.Store(row + j, x);
            }
        }
    }
}
