using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralPS.Core.Kernels;

/// <summary>
/// The patch matrix of one image and its adjoint. Row k = (c·KH + ki)·KW + kj of the matrix holds, for every output
/// pixel p = oh·OW + ow, the input x[c, oh·SH + ki - PadTop, ow·SW + kj - PadLeft], or 0 where that falls in the
/// padding; so y[F, P] = W[F, K] · col[K, P] is the convolution and dx = col2im(Wᵀ · dy) its input gradient.
/// Stride 1 goes through a zero-padded copy of the image, [C, OH + KH - 1, OW + KW - 1]: every patch row is then a
/// plain copy of OW floats per output row, done in whole vectors that run past the row (into the next row, which
/// is written after it, or into <see cref="Slack"/> floats after the buffer).
/// </summary>
internal static unsafe class Im2Col
{
    /// <summary>Floats past the end of a padded image, a patch matrix or its gradient that whole-vector copies may touch.</summary>
    public const int Slack = 16;

    /// <summary>Whether this shape goes through the padded copy (stride 1, and not a pointwise kernel, which needs no patch matrix).</summary>
    public static bool Padded(in Conv2DShape s) => s.StrideHeight == 1 && s.StrideWidth == 1 && !s.IsPointwise;

    /// <summary>Floats of the padded copy of one image, with its slack.</summary>
    public static int PaddedFloats(in Conv2DShape s) =>
        s.Channels * (s.OutHeight + s.KernelHeight - 1) * (s.OutWidth + s.KernelWidth - 1) + Slack;

    /// <summary>The padded copy of image <paramref name="x"/>: zeros around it, PadTop rows above and PadLeft columns left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pad(in Conv2DShape s, float* x, float* padded)
    {
        int hp = s.OutHeight + s.KernelHeight - 1, wp = s.OutWidth + s.KernelWidth - 1, h = s.Height, w = s.Width;
        new Span<float>(padded, PaddedFloats(s)).Clear();
        for (int c = 0; c < s.Channels; c++)
            for (int r = 0; r < h; r++)
                new ReadOnlySpan<float>(x + ((nint)c * h + r) * w, w)
                    .CopyTo(new Span<float>(padded + ((nint)c * hp + r + s.PadTop) * wp + s.PadLeft, w));
    }

    /// <summary>Rows [k0, k1) of the patch matrix from the padded copy, into col[(k - k0)·P + p] (plus slack).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GatherPadded(in Conv2DShape s, float* padded, int k0, int k1, float* col)
    {
        int oh = s.OutHeight, ow = s.OutWidth, kh = s.KernelHeight, kw = s.KernelWidth;
        int hp = oh + kh - 1, wp = ow + kw - 1;
        for (int k = k0; k < k1; k++, col += (nint)oh * ow)
        {
            float* src = padded + ((nint)(k / (kh * kw)) * hp + k / kw % kh) * wp + k % kw;
            for (int r = 0; r < oh; r++) CopyOver(src + (nint)r * wp, col + (nint)r * ow, ow);
        }
    }

    /// <summary>
    /// padded += col2im(col) for all K rows, in order of k (each element receives its terms in order of k), then the
    /// inside of the padded gradient into <paramref name="dx"/>. <paramref name="padded"/> must be zero on entry.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScatterAddPadded(in Conv2DShape s, float* col, float* padded, float* dx)
    {
        int oh = s.OutHeight, ow = s.OutWidth, kh = s.KernelHeight, kw = s.KernelWidth, h = s.Height, w = s.Width;
        int hp = oh + kh - 1, wp = ow + kw - 1, patch = s.PatchSize;
        for (int k = 0; k < patch; k++, col += (nint)oh * ow)
        {
            float* dst = padded + ((nint)(k / (kh * kw)) * hp + k / kw % kh) * wp + k % kw;
            for (int r = 0; r < oh; r++) AddMasked(col + (nint)r * ow, dst + (nint)r * wp, ow);
        }
        for (int c = 0; c < s.Channels; c++)
            for (int r = 0; r < h; r++)
                new ReadOnlySpan<float>(padded + ((nint)c * hp + r + s.PadTop) * wp + s.PadLeft, w)
                    .CopyTo(new Span<float>(dx + ((nint)c * h + r) * w, w));
    }

    /// <summary>
    /// col[(k - k0)·ld + p] for the rows k0 ≤ k &lt; k1 of image <paramref name="x"/> (C·H·W floats), any stride,
    /// straight from the image; the padding is written as zeros. Rows are <paramref name="ld"/> apart (P unless given).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gather(in Conv2DShape s, float* x, int k0, int k1, float* col, int ld = 0)
    {
        int ow = s.OutWidth, oh = s.OutHeight, kh = s.KernelHeight, kw = s.KernelWidth;
        int h = s.Height, w = s.Width, sh = s.StrideHeight, sw = s.StrideWidth;
        for (int k = k0; k < k1; k++, col += ld > 0 ? ld : (nint)ow * oh)
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
                for (int j = first; j < end; j++) dst[j] = src[(nint)j * sw];
            }
        }
    }

    /// <summary>
    /// dx += col2im(col) for all K rows of <paramref name="col"/>, any stride, row after row in order of k (so each
    /// element of dx receives its terms in order of k): the adjoint of <see cref="Gather"/>. Padding positions are
    /// dropped. Rows of col are <paramref name="ld"/> apart (P unless given).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScatterAdd(in Conv2DShape s, float* col, float* dx, int ld = 0)
    {
        int ow = s.OutWidth, oh = s.OutHeight, kh = s.KernelHeight, kw = s.KernelWidth;
        int h = s.Height, w = s.Width, sh = s.StrideHeight, sw = s.StrideWidth, patch = s.PatchSize;
        for (int k = 0; k < patch; k++, col += ld > 0 ? ld : (nint)ow * oh)
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
                for (int j = first; j < end; j++) dst[(nint)j * sw] += src[j];
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

    /// <summary>Copies count floats in whole vectors: up to one vector less one past the end is read and written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyOver(float* src, float* dst, int count)
    {
        if (Vector256.IsHardwareAccelerated)
            for (int i = 0; i < count; i += 8) Vector256.Store(Vector256.Load(src + i), dst + i);
        else
            for (int i = 0; i < count; i += 4) Vector128.Store(Vector128.Load(src + i), dst + i);
    }

    /// <summary>
    /// dst[i] += src[i] for i &lt; count, each element one add (the vector width never changes a sum). The last vector
    /// reads past src's count and adds +0 past dst's (which leaves every value as it was, but for -0, made +0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddMasked(float* src, float* dst, int count)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            int i = 0;
            for (; i <= count - 8; i += 8) Vector256.Store(Vector256.Load(dst + i) + Vector256.Load(src + i), dst + i);
            if (i < count)
            {
                Vector256<float> keep = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(count - i)).AsSingle();
                Vector256.Store(Vector256.Load(dst + i) + (Vector256.Load(src + i) & keep), dst + i);
            }
            return;
        }
        for (int i = 0; i < count; i++) dst[i] += src[i];
    }
}
