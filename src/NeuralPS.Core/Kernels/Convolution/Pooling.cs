using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuralPS.Core.Kernels;

/// <summary>
/// Max, average and global average pooling of NCHW images in flat rows (see <see cref="Pool2DShape"/>), forward and
/// backward. Every (image, channel) plane is independent: the pool's threads take whole planes, so the bits never
/// depend on the thread count. With AVX2 a row of outputs is computed eight at a time (loads for stride 1, loads and a
/// shuffle for stride 2, gathers otherwise); each output is the same sequence of operations as in the scalar loop and in
/// <see cref="PoolingReference"/>, so the results are equal bit for bit.
/// <code>
/// max       y[n,c,oh,ow] = max over the window of x, argmax[n,c,oh,ow] = h·W + w of the first maximum
///           (PyTorch's rule: a later value replaces the maximum only if it is greater, or NaN)
///           dx[n,c,h,w]  = Σ of dy[n,c,oh,ow] over the windows whose argmax is (h, w)
/// average   y = (Σ over the window of x, in window order) / (KH·KW);  dx += dy / (KH·KW) over each window
/// global    y[n,c] = (Σ_p x[n,c,p] in double) / P;                  dx[n,c,p] = dy[n,c] / P
/// </code>
/// The argmax indices are what max pooling's backward needs: the caller keeps them between the passes.
/// </summary>
public static unsafe class Pooling
{
    // Below this many input floats a call runs on the caller's thread: waking a worker costs more.
    private const int SplitFloats = 32 * 1024;

    /// <summary>y[batch, C·OH·OW] = the maximum of each window of x[batch, C·H·W]; argmax[batch, C·OH·OW] its index in the plane.</summary>
    public static void MaxForward(in Pool2DShape shape, int batch, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, WorkerPool? pool = null)
        => MaxForward(shape, batch, x, y, argmax, pool, Avx2.IsSupported);

    /// <summary>dx[batch, C·H·W] (overwritten) from dy and the argmax indices of <see cref="MaxForward(in Pool2DShape, int, ReadOnlySpan{float}, Span{float}, Span{int}, WorkerPool?)"/>.</summary>
    public static void MaxBackward(in Pool2DShape shape, int batch, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx, WorkerPool? pool = null)
        => MaxBackward(shape, batch, dy, argmax, dx, pool, Avx2.IsSupported);

    /// <summary>y[batch, C·OH·OW] = the mean of each window of x[batch, C·H·W].</summary>
    public static void AverageForward(in Pool2DShape shape, int batch, ReadOnlySpan<float> x, Span<float> y, WorkerPool? pool = null)
        => AverageForward(shape, batch, x, y, pool, Avx2.IsSupported);

    /// <summary>dx[batch, C·H·W] (overwritten) from dy[batch, C·OH·OW].</summary>
    public static void AverageBackward(in Pool2DShape shape, int batch, ReadOnlySpan<float> dy, Span<float> dx, WorkerPool? pool = null)
    {
        CheckBatch(batch);
        Check(dy.Length, (long)batch * shape.OutputSize, nameof(dy));
        Check(dx.Length, (long)batch * shape.InputSize, nameof(dx));
        fixed (float* pdy = dy, pdx = dx)
        {
            var call = new Call(Op.AverageBackward, shape, batch * shape.Channels, false) { Y = pdy, X = pdx };
            Run(ref call, pool);
        }
    }

    /// <summary>y[batch, C] = the mean of each channel of x[batch, C·pixels].</summary>
    public static void GlobalAverageForward(int channels, int pixels, int batch, ReadOnlySpan<float> x, Span<float> y, WorkerPool? pool = null)
    {
        CheckBatch(batch);
        CheckGlobal(channels, pixels);
        Check(x.Length, (long)batch * channels * pixels, nameof(x));
        Check(y.Length, (long)batch * channels, nameof(y));
        fixed (float* px = x, py = y)
        {
            var call = new Call(Op.GlobalForward, new Pool2DShape(1, 1, pixels, 1, 1), batch * channels, false) { X = px, Y = py };
            Run(ref call, pool);
        }
    }

    /// <summary>dx[batch, C·pixels] (overwritten): each channel's dy spread evenly over its pixels.</summary>
    public static void GlobalAverageBackward(int channels, int pixels, int batch, ReadOnlySpan<float> dy, Span<float> dx, WorkerPool? pool = null)
    {
        CheckBatch(batch);
        CheckGlobal(channels, pixels);
        Check(dy.Length, (long)batch * channels, nameof(dy));
        Check(dx.Length, (long)batch * channels * pixels, nameof(dx));
        fixed (float* pdy = dy, pdx = dx)
        {
            var call = new Call(Op.GlobalBackward, new Pool2DShape(1, 1, pixels, 1, 1), batch * channels, false) { Y = pdy, X = pdx };
            Run(ref call, pool);
        }
    }

    /// <summary><paramref name="vector"/>: whether the AVX2 rows may be used (tests compare both ways).</summary>
    internal static void MaxForward(in Pool2DShape s, int batch, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, WorkerPool? pool, bool vector)
    {
        CheckBatch(batch);
        Check(x.Length, (long)batch * s.InputSize, nameof(x));
        Check(y.Length, (long)batch * s.OutputSize, nameof(y));
        Check(argmax.Length, (long)batch * s.OutputSize, nameof(argmax));
        fixed (float* px = x, py = y)
        fixed (int* pi = argmax)
        {
            var call = new Call(Op.MaxForward, s, batch * s.Channels, vector && Avx2.IsSupported) { X = px, Y = py, Index = pi };
            Run(ref call, pool);
        }
    }

    internal static void MaxBackward(in Pool2DShape s, int batch, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx, WorkerPool? pool, bool vector)
    {
        CheckBatch(batch);
        Check(dy.Length, (long)batch * s.OutputSize, nameof(dy));
        Check(argmax.Length, (long)batch * s.OutputSize, nameof(argmax));
        Check(dx.Length, (long)batch * s.InputSize, nameof(dx));
        fixed (float* pdy = dy, pdx = dx)
        fixed (int* pi = argmax)
        {
            var call = new Call(Op.MaxBackward, s, batch * s.Channels, vector && Avx2.IsSupported) { Y = pdy, X = pdx, Index = pi };
            Run(ref call, pool);
        }
    }

    internal static void AverageForward(in Pool2DShape s, int batch, ReadOnlySpan<float> x, Span<float> y, WorkerPool? pool, bool vector)
    {
        CheckBatch(batch);
        Check(x.Length, (long)batch * s.InputSize, nameof(x));
        Check(y.Length, (long)batch * s.OutputSize, nameof(y));
        fixed (float* px = x, py = y)
        {
            var call = new Call(Op.AverageForward, s, batch * s.Channels, vector && Avx2.IsSupported) { X = px, Y = py };
            Run(ref call, pool);
        }
    }

    // ------------------------------------------------------------------ planes

    internal enum Op { MaxForward, MaxBackward, AverageForward, AverageBackward, GlobalForward, GlobalBackward }

    /// <summary>One call in flight: X is the input side (x or dx), Y the output side (y or dy), over Planes planes.</summary>
    internal struct Call
    {
        public readonly Op Op;
        public readonly Pool2DShape Shape;
        public readonly int Planes;
        public readonly bool Vector;
        public float* X, Y;
        public int* Index;

        public Call(Op op, in Pool2DShape shape, int planes, bool vector)
        {
            Op = op; Shape = shape; Planes = planes; Vector = vector;
        }
    }

    private static void Run(ref Call call, WorkerPool? pool)
    {
        int parts = pool is null || (long)call.Planes * call.Shape.Height * call.Shape.Width < SplitFloats
            ? 1 : Math.Min(pool.ThreadCount, call.Planes);
        if (parts <= 1)
        {
            RunPart(ref call, 0, 1);
            return;
        }
        Pool2DJob job = pool!.Pool2DJob;
        job.Call = call;
        pool.Run(job, parts);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RunPart(ref Call call, int part, int parts)
    {
        ref readonly Pool2DShape s = ref call.Shape;
        int inPlane = s.Height * s.Width, outPlane = s.OutHeight * s.OutWidth;
        if (call.Op == Op.GlobalForward || call.Op == Op.GlobalBackward) outPlane = 1;
        int first = (int)((long)part * call.Planes / parts), end = (int)((long)(part + 1) * call.Planes / parts);
        for (int q = first; q < end; q++)
        {
            float* x = call.X + (nint)q * inPlane, y = call.Y + (nint)q * outPlane;
            int* index = call.Index + (nint)q * outPlane;
            switch (call.Op)
            {
                case Op.MaxForward:
                    if (call.Vector) MaxPlaneAvx2(s, x, y, index); else MaxPlane(s, x, y, index);
                    break;
                case Op.MaxBackward:
                    if (call.Vector && s.KernelHeight == 2 && s.KernelWidth == 2 && s.StrideHeight == 2 && s.StrideWidth == 2)
                        MaxBackPlane2x2Avx2(s, y, index, x);
                    else MaxBackPlane(s, y, index, x);
                    break;
                case Op.AverageForward:
                    if (call.Vector) AveragePlaneAvx2(s, x, y); else AveragePlane(s, x, y);
                    break;
                case Op.AverageBackward:
                    AverageBackPlane(s, y, x);
                    break;
                case Op.GlobalForward:
                    *y = (float)(Sum(x, inPlane) / inPlane);
                    break;
                case Op.GlobalBackward:
                    Fill(x, inPlane, *y / inPlane);
                    break;
            }
        }
    }

    // ------------------------------------------------------------------ max

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxPlane(in Pool2DShape s, float* x, float* y, int* index)
    {
        int w = s.Width, kh = s.KernelHeight, kw = s.KernelWidth;
        for (int oh = 0; oh < s.OutHeight; oh++)
            for (int ow = 0; ow < s.OutWidth; ow++)
            {
                int first = oh * s.StrideHeight * w + ow * s.StrideWidth, at = first;
                float max = x[first];
                for (int ki = 0; ki < kh; ki++)
                    for (int kj = 0; kj < kw; kj++)
                    {
                        int i = first + ki * w + kj;
                        float v = x[i];
                        if (v > max || float.IsNaN(v)) { max = v; at = i; }
                    }
                y[oh * s.OutWidth + ow] = max;
                index[oh * s.OutWidth + ow] = at;
            }
    }

    /// <summary>
    /// Eight outputs of a row at a time (the last group masked): lane i holds output ow0 + i, and every tap is one
    /// compare-and-blend, so each output sees its window in the scalar loop's order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxPlaneAvx2(in Pool2DShape s, float* x, float* y, int* index)
    {
        int w = s.Width, kh = s.KernelHeight, kw = s.KernelWidth, ow = s.OutWidth, sw = s.StrideWidth;
        Vector256<int> lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        for (int oh = 0; oh < s.OutHeight; oh++)
            for (int ow0 = 0; ow0 < ow; ow0 += 8)
            {
                int count = Math.Min(8, ow - ow0);
                Vector256<int> mask = Vector256.LessThan(lanes, Vector256.Create(count));
                Vector256<int> first = Vector256.Create(oh * s.StrideHeight * w + ow0 * sw) + lanes * sw;
                Vector256<int> at = first;
                Vector256<float> max = Tap(x, first, oh * s.StrideHeight * w + ow0 * sw, sw, mask, count, w - ow0 * sw);
                for (int ki = 0; ki < kh; ki++)
                    for (int kj = 0; kj < kw; kj++)
                    {
                        if (ki == 0 && kj == 0) continue;
                        int offset = ki * w + kj;
                        Vector256<int> i = first + Vector256.Create(offset);
                        Vector256<float> v = Tap(x, i, oh * s.StrideHeight * w + ow0 * sw + offset, sw, mask, count, w - ow0 * sw - kj);
                        Vector256<float> take = Vector256.GreaterThan(v, max) | ~Vector256.Equals(v, v);
                        max = Vector256.ConditionalSelect(take, v, max);
                        at = Vector256.ConditionalSelect(take.AsInt32(), i, at);
                    }
                float* py = y + oh * ow + ow0;
                int* pi = index + oh * ow + ow0;
                if (count == 8) { max.Store(py); at.Store(pi); }
                else { Avx.MaskStore(py, mask.AsSingle(), max); Avx2.MaskStore(pi, mask, at); }
            }
    }

    /// <summary>
    /// The inputs at plane indices <paramref name="i"/> (lane i = <paramref name="start"/> + i·stride, the row
    /// holding <paramref name="left"/> floats from start on); masked lanes read nothing. Stride 1 is a load; stride 2
    /// two loads (masked at the row's end) whose even elements are gathered by a shuffle; other strides a gather.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Tap(float* x, Vector256<int> i, int start, int stride, Vector256<int> mask, int count, int left)
    {
        if (stride == 1) return count == 8 ? Vector256.Load(x + start) : Avx.MaskLoad(x + start, mask.AsSingle());
        if (stride == 2)
        {
            Vector256<float> low, high;
            if (left >= 16) { low = Vector256.Load(x + start); high = Vector256.Load(x + start + 8); }
            else
            {
                Vector256<int> lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
                low = Avx.MaskLoad(x + start, Vector256.LessThan(lanes, Vector256.Create(left)).AsSingle());
                high = Avx.MaskLoad(x + start + 8, Vector256.LessThan(lanes, Vector256.Create(left - 8)).AsSingle());
            }
            // [l0 l2 h0 h2 | l4 l6 h4 h6] -> [l0 l2 l4 l6 h0 h2 h4 h6]
            return Avx2.Permute4x64(Avx.Shuffle(low, high, 0x88).AsDouble(), 0xD8).AsSingle();
        }
        return Avx2.GatherMaskVector256(Vector256<float>.Zero, x, i, mask.AsSingle(), 4);
    }

    /// <summary>dx = 0, then dy added at each output's argmax, outputs in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxBackPlane(in Pool2DShape s, float* dy, int* index, float* dx)
    {
        new Span<float>(dx, s.Height * s.Width).Clear();
        int outputs = s.OutHeight * s.OutWidth;
        for (int o = 0; o < outputs; o++) dx[index[o]] += dy[o];
    }

    /// <summary>
    /// 2×2 windows with stride 2 do not overlap, so each input has at most one window, and its gradient is that
    /// window's dy if it is the window's argmax, else 0: written eight inputs at a time from four windows, with no
    /// separate clearing pass. (0 + dy is dy, so this equals the scatter above.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxBackPlane2x2Avx2(in Pool2DShape s, float* dy, int* index, float* dx)
    {
        int w = s.Width, ow = s.OutWidth, covered = 2 * ow;
        Vector256<int> lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        Vector256<int> pairs = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);
        Vector128<int> lanes4 = Vector128.Create(0, 1, 2, 3);
        for (int ih = 0; ih < s.Height; ih++)
        {
            float* row = dx + (nint)ih * w;
            int oh = ih >> 1;
            if (oh >= s.OutHeight)
            {
                new Span<float>(row, w).Clear();
                continue;
            }
            float* g = dy + oh * ow;
            int* at = index + oh * ow;
            for (int iw0 = 0; iw0 < covered; iw0 += 8)
            {
                int count = Math.Min(8, covered - iw0), ow0 = iw0 >> 1;
                Vector128<float> g4;
                Vector128<int> at4;
                if (count == 8) { g4 = Vector128.Load(g + ow0); at4 = Vector128.Load(at + ow0); }
                else
                {
                    Vector128<int> mask4 = Vector128.LessThan(lanes4, Vector128.Create(count >> 1));
                    g4 = Avx.MaskLoad(g + ow0, mask4.AsSingle());
                    at4 = Avx2.MaskLoad(at + ow0, mask4);
                }
                Vector256<float> g8 = Avx2.PermuteVar8x32(Vector256.Create(g4, g4), pairs);
                Vector256<int> at8 = Avx2.PermuteVar8x32(Vector256.Create(at4, at4), pairs);
                Vector256<int> here = Vector256.Create(ih * w + iw0) + lanes;
                Vector256<float> v = Vector256.ConditionalSelect(Vector256.Equals(at8, here).AsSingle(), g8, Vector256<float>.Zero);
                if (count == 8) v.Store(row + iw0);
                else Avx.MaskStore(row + iw0, Vector256.LessThan(lanes, Vector256.Create(count)).AsSingle(), v);
            }
            for (int iw = covered; iw < w; iw++) row[iw] = 0f;
        }
    }

    // ------------------------------------------------------------------ average

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AveragePlane(in Pool2DShape s, float* x, float* y)
    {
        int w = s.Width, kh = s.KernelHeight, kw = s.KernelWidth;
        float count = kh * kw;
        for (int oh = 0; oh < s.OutHeight; oh++)
            for (int ow = 0; ow < s.OutWidth; ow++)
            {
                float* window = x + oh * s.StrideHeight * w + ow * s.StrideWidth;
                float sum = 0f;
                for (int ki = 0; ki < kh; ki++)
                    for (int kj = 0; kj < kw; kj++) sum += window[ki * w + kj];
                y[oh * s.OutWidth + ow] = sum / count;
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AveragePlaneAvx2(in Pool2DShape s, float* x, float* y)
    {
        int w = s.Width, kh = s.KernelHeight, kw = s.KernelWidth, ow = s.OutWidth, sw = s.StrideWidth;
        Vector256<float> count = Vector256.Create((float)(kh * kw));
        Vector256<int> lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        for (int oh = 0; oh < s.OutHeight; oh++)
            for (int ow0 = 0; ow0 < ow; ow0 += 8)
            {
                int n = Math.Min(8, ow - ow0), start = oh * s.StrideHeight * w + ow0 * sw;
                Vector256<int> mask = Vector256.LessThan(lanes, Vector256.Create(n));
                Vector256<int> first = Vector256.Create(start) + lanes * sw;
                Vector256<float> sum = Vector256<float>.Zero;
                for (int ki = 0; ki < kh; ki++)
                    for (int kj = 0; kj < kw; kj++)
                    {
                        int offset = ki * w + kj;
                        sum += Tap(x, first + Vector256.Create(offset), start + offset, sw, mask, n, w - ow0 * sw - kj);
                    }
                sum /= count;
                float* py = y + oh * ow + ow0;
                if (n == 8) sum.Store(py);
                else Avx.MaskStore(py, mask.AsSingle(), sum);
            }
    }

    /// <summary>dx = 0, then each output's dy / (KH·KW) added over its window, outputs and taps in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AverageBackPlane(in Pool2DShape s, float* dy, float* dx)
    {
        int w = s.Width, kh = s.KernelHeight, kw = s.KernelWidth;
        float count = kh * kw;
        new Span<float>(dx, s.Height * w).Clear();
        for (int oh = 0; oh < s.OutHeight; oh++)
            for (int ow = 0; ow < s.OutWidth; ow++)
            {
                float g = dy[oh * s.OutWidth + ow] / count;
                float* window = dx + oh * s.StrideHeight * w + ow * s.StrideWidth;
                for (int ki = 0; ki < kh; ki++)
                    for (int kj = 0; kj < kw; kj++) window[ki * w + kj] += g;
            }
    }

    // ------------------------------------------------------------------ global average

    /// <summary>Σ x[0..count) in double: vector lanes, then the lanes in order, then the tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Sum(float* x, int count)
    {
        var lanes = Vector<double>.Zero;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (int w = Vector<float>.Count; i <= count - w; i += w)
            {
                Vector.Widen(Unsafe.ReadUnaligned<Vector<float>>(x + i), out Vector<double> low, out Vector<double> high);
                lanes += low + high;
            }
        double sum = 0;
        for (int j = 0; j < Vector<double>.Count; j++) sum += lanes[j];
        for (; i < count; i++) sum += x[i];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Fill(float* dst, int count, float value)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (var v = new Vector<float>(value); i <= count - Vector<float>.Count; i += Vector<float>.Count)
                Unsafe.WriteUnaligned(dst + i, v);
        for (; i < count; i++) dst[i] = value;
    }

    private static void CheckBatch(int batch)
    {
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), "The batch size must not be negative.");
    }

    private static void CheckGlobal(int channels, int pixels)
    {
        if (channels <= 0 || pixels <= 0)
            throw new ArgumentOutOfRangeException(nameof(pixels), $"Global pooling needs at least one channel and one pixel (got {channels} and {pixels}).");
    }

    private static void Check(int length, long needed, string name)
    {
        if (length < needed) throw new ArgumentException($"{name} holds {length} values; the pooling needs {needed}.", name);
    }
}

/// <summary>The pool's reusable work item for a pooling pass: holds the call in flight.</summary>
internal sealed unsafe class Pool2DJob : IPoolWork
{
    public Pooling.Call Call;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int part, int parts) => Pooling.RunPart(ref Call, part, parts);
}
