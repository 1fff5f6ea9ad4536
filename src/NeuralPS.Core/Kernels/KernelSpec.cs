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
    public static KernelSpec For(GemmPath path, int m, int n)
    {
        switch (path)
        {
            case GemmPath.Avx512:
                if (n <= 16) return new(12, 16, &MicroKernels.K12x1<Simd512, Vector512<float>>, &TileEpilogue<Simd512, Vector512<float>>);
                if (n <= 32 || (m <= 160 && n % 64 != 0))
                    return new(12, 32, &MicroKernels.K12x2<Simd512, Vector512<float>>, &TileEpilogue<Simd512, Vector512<float>>);
                return new(6, 64, &MicroKernels.K6x4<Simd512, Vector512<float>>, &TileEpilogue<Simd512, Vector512<float>>);
            case GemmPath.Avx2:
                return new(6, 16, &MicroKernels.K6x2<Simd256, Vector256<float>>, &TileEpilogue<Simd256, Vector256<float>>);
            default:
                return new(6, 8, &MicroKernels.K6x2<Simd128, Vector128<float>>, &TileEpilogue<Simd128, Vector128<float>>);
        }
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
