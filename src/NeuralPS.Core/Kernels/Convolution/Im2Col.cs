using System.Numerics;
using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Kernels;

/// <summary>
/// The patch matrix of one image and its adjoint. Row k = (c·KH + ki)·KW + kj of the matrix holds, for every output
/// pixel p = oh·OW + ow, the input x[c, oh·SH + ki - PadTop, ow·SW + kj - PadLeft], or 0 where that falls in the
/// padding; so y[F, P] = W[F, K] · col[K, P] is the convolution and dx = col2im(Wᵀ · dy) its input gradient.
/// </summary>
internal static unsafe class Im2Col
{
    /// <summary>
    /// col[(k - k0)·P + p] for the rows k0 ≤ k &lt; k1 of image <paramref name="x"/> (C·H·W floats). Stride 1 copies
    /// each output row's inside part as one block; the padding is written as zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gather(in Conv2DShape s, float* x, int k0, int k1, float* col)
    {
        int ow = s.OutWidth, oh = s.OutHeight, p = ow * oh, kh = s.KernelHeight, kw = s.KernelWidth;
        int h = s.Height, w = s.Width, sh = s.StrideHeight, sw = s.StrideWidth;
        for (int k = k0; k < k1; k++, col += p)
        {
            int c = k / (kh * kw), ki = k / kw % kh, kj = k % kw;
            float* plane = x + (nint)c * h * w;
            (int first, int end) = Inside(kj - s.PadLeft, sw, w, ow);
            for (int r = 0; r < oh; r++)
            {
                float* dst = col + (nint)r * ow;
                int ih = r * sh + ki - s.PadTop;
                if ((uint)ih >= (uint)h || first >= end)
                {
                    new Span<float>(dst, ow).Clear();
                    continue;
                }
                for (int j = 0; j < first; j++) dst[j] = 0f;
                for (int j = end; j < ow; j++) dst[j] = 0f;
                float* src = plane + (nint)ih * w + kj - s.PadLeft;
                if (sw == 1) Copy(src + first, dst + first, end - first);
                else for (int j = first; j < end; j++) dst[j] = src[(nint)j * sw];
            }
        }
    }

    /// <summary>
    /// dx += col2im(col) for all K rows of <paramref name="col"/>, row after row in order of k (so each element of dx
    /// receives its terms in order of k): the adjoint of <see cref="Gather"/>. Padding positions are dropped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScatterAdd(in Conv2DShape s, float* col, float* dx)
    {
        int ow = s.OutWidth, oh = s.OutHeight, p = ow * oh, kh = s.KernelHeight, kw = s.KernelWidth;
        int h = s.Height, w = s.Width, sh = s.StrideHeight, sw = s.StrideWidth, patch = s.PatchSize;
        for (int k = 0; k < patch; k++, col += p)
        {
            int c = k / (kh * kw), ki = k / kw % kh, kj = k % kw;
            float* plane = dx + (nint)c * h * w;
            (int first, int end) = Inside(kj - s.PadLeft, sw, w, ow);
            if (first >= end) continue;
            for (int r = 0; r < oh; r++)
            {
                int ih = r * sh + ki - s.PadTop;
                if ((uint)ih >= (uint)h) continue;
                float* src = col + (nint)r * ow;
                float* dst = plane + (nint)ih * w + kj - s.PadLeft;
                if (sw == 1) AddTo(src + first, dst + first, end - first);
                else for (int j = first; j < end; j++) dst[(nint)j * sw] += src[j];
            }
        }
    }

    /// <summary>
    /// The output columns [first, end) whose input column j·stride + offset lies inside [0, size), clamped to
    /// [0, outSize).
    /// </summary>
    internal static (int First, int End) Inside(int offset, int stride, int size, int outSize)
    {
        int first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int last = size - 1 - offset;               // largest j·stride allowed
        int end = last < 0 ? 0 : last / stride + 1;
        return (Math.Min(first, outSize), Math.Min(end, outSize));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* src, float* dst, int count)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (int v = Vector<float>.Count; i <= count - v; i += v)
                Unsafe.WriteUnaligned(dst + i, Unsafe.ReadUnaligned<Vector<float>>(src + i));
        for (; i < count; i++) dst[i] = src[i];
    }

    /// <summary>dst[i] += src[i]: each element one add, so the vector width never changes the result.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTo(float* src, float* dst, int count)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (int v = Vector<float>.Count; i <= count - v; i += v)
                Unsafe.WriteUnaligned(dst + i, Unsafe.ReadUnaligned<Vector<float>>(dst + i) + Unsafe.ReadUnaligned<Vector<float>>(src + i));
        for (; i < count; i++) dst[i] += src[i];
    }
}
