using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuralPS.Core.Kernels;

/// <summary>Out-of-place transposition of a row-major matrix, 8×8 blocks through registers where AVX is there.</summary>
internal static unsafe class Transpose
{
    /// <summary>dst[j·rows + i] = src[i·cols + j] for a [rows, cols] source.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Matrix(float* src, int rows, int cols, float* dst)
    {
        int i = 0;
        if (Avx.IsSupported)
            for (; i + 8 <= rows; i += 8)
            {
                int j = 0;
                for (; j + 8 <= cols; j += 8) Block8(src + (nint)i * cols + j, cols, dst + (nint)j * rows + i, rows);
                for (; j < cols; j++)
                    for (int r = i; r < i + 8; r++) dst[(nint)j * rows + r] = src[(nint)r * cols + j];
            }
        for (; i < rows; i++)
            for (int j = 0; j < cols; j++) dst[(nint)j * rows + i] = src[(nint)i * cols + j];
    }

    /// <summary>dst[q, r] = src[r, q] for an 8×8 block (rows of src lds apart, rows of dst ldd apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block8(float* src, nint lds, float* dst, nint ldd)
    {
        Vector256<float> r0 = Vector256.Load(src), r1 = Vector256.Load(src + lds), r2 = Vector256.Load(src + 2 * lds), r3 = Vector256.Load(src + 3 * lds),
            r4 = Vector256.Load(src + 4 * lds), r5 = Vector256.Load(src + 5 * lds), r6 = Vector256.Load(src + 6 * lds), r7 = Vector256.Load(src + 7 * lds);
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1),
            t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3),
            t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5),
            t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE),
            s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE),
            s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE),
            s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        Vector256.Store(Avx.Permute2x128(s0, s4, 0x20), dst);
        Vector256.Store(Avx.Permute2x128(s1, s5, 0x20), dst + ldd);
        Vector256.Store(Avx.Permute2x128(s2, s6, 0x20), dst + 2 * ldd);
        Vector256.Store(Avx.Permute2x128(s3, s7, 0x20), dst + 3 * ldd);
        Vector256.Store(Avx.Permute2x128(s0, s4, 0x31), dst + 4 * ldd);
        Vector256.Store(Avx.Permute2x128(s1, s5, 0x31), dst + 5 * ldd);
        Vector256.Store(Avx.Permute2x128(s2, s6, 0x31), dst + 6 * ldd);
        Vector256.Store(Avx.Permute2x128(s3, s7, 0x31), dst + 7 * ldd);
    }
}
