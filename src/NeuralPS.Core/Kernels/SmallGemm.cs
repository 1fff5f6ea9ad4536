using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralPS.Core.Kernels;

/// <summary>
/// Products so small that planning, blocking and packing cost more than the arithmetic (the layers of a tiny
/// network: 32×10×10, 4×2×4, the 10-unit output of a larger one). C is computed eight rows at a time one vector
/// wide, or four rows two vectors wide (eight independent chains of fused multiply-adds either way), straight from
/// A and B, with bias and ReLU applied in registers before the one store. Only Bᵀ (NT) is copied, transposed into a
/// zero-padded stack buffer. B's rows narrower than the vectors are read whole where a whole vector stays inside B
/// (the lanes past the row hold the next row's values, which only reach lanes of C that are never kept), and B's last
/// few rows are copied once, zero padded, so that no load needs a mask: masked loads (VMASKMOVPS) cost a third of a
/// tiny product's time on AMD Zen, one a row of B.
/// Each element is the same chain of fused multiply-adds over p = 0..k-1 as in the blocked kernels, starting from
/// zero (or C), then + bias, then max(·, 0): the same bits as the general path, on any thread count (a small
/// product always runs on the calling thread).
/// </summary>
internal static unsafe class SmallGemm
{
    /// <summary>Largest product (floating-point operations) taken by this path.</summary>
    internal const double MaxFlops = 1 << 18;

    /// <summary>Largest Bᵀ copy (floats, on the stack).</summary>
    private const int MaxPacked = 4096;

    /// <summary>Whether this path takes the product: at most two vectors wide, a small product, a small Bᵀ copy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Takes(GemmPath path, GemmForm form, int m, int n, int k)
    {
        int w = path switch { GemmPath.Avx512 => 16, GemmPath.Avx2 => 8, GemmPath.Portable => 4, _ => 0 };
        // One row (a single prediction) has its own one-row kernels on the general path, which waste no rows.
        if (w == 0 || m == 1 || n > 2 * w || 2.0 * m * n * k > MaxFlops) return false;
        int padded = n <= w ? w : 2 * w;
        return form != GemmForm.NT || (long)k * padded <= MaxPacked;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(GemmPath path, GemmForm form, int m, int n, int k, float* a, float* b, float* c,
        bool accumulate, float* bias, bool relu)
    {
        switch (path)
        {
            case GemmPath.Avx512: Multiply<Simd512, Vector512<float>>(form, m, n, k, a, b, c, accumulate, bias, relu); break;
            case GemmPath.Avx2: Multiply<Simd256, Vector256<float>>(form, m, n, k, a, b, c, accumulate, bias, relu); break;
            default: Multiply<Simd128, Vector128<float>>(form, m, n, k, a, b, c, accumulate, bias, relu); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void Multiply<S, TV>(GemmForm form, int m, int n, int k, float* a, float* b, float* c,
        bool accumulate, float* bias, bool relu) where S : struct, ISimd<TV> where TV : unmanaged
    {
        int w = S.Width;
        if (form == GemmForm.TN && m <= w && !accumulate && bias == null && !relu)
        {
            if (n <= 8) { ColumnsTN<S, TV>(m, n, k, a, b, c); return; }
            // Sixteen columns need sixteen accumulators: AVX-512 has the registers for them (32), AVX2 does not (16).
            if (w == 16 && n <= 16) { ColumnsTN16<S, TV>(m, n, k, a, b, c); return; }
        }
        bool two = n > w;
        int padded = two ? 2 * w : w;
        // op(B) is read in whole vectors, never with a mask. Bᵀ (NT) is copied once, transposed, into a zero-padded
        // stack panel. B (NN, TN) is read in place, row p at b + p·n, for the rows whose whole vectors stay inside B;
        // its last rows (at most padded/n + 1) are copied into a zero-padded tail, read after them.
        bool transpose = form == GemmForm.NT;
        float* panel = null;
        if (transpose)
        {
            float* room = stackalloc float[k * padded]; // only here: a stack allocation of variable size is not free
            panel = room;
        }
        float* tail = stackalloc float[4 * 16]; // fewer than padded floats copied, then padded zeros (padded ≤ 2·16)
        float* bp = b, bt = tail;
        nint ldb = n;
        int kb = k; // rows read from bp; rows kb..k-1 from bt
        if (transpose)
        {
            for (int p = 0; p < k; p++)
            {
                float* row = panel + (nint)p * padded;
                for (int j = 0; j < n; j++) row[j] = b[(nint)j * k + p];
                for (int j = n; j < padded; j++) row[j] = 0f;
            }
            bp = panel;
            ldb = padded;
        }
        else if (n != padded)
        {
            long total = (long)k * n;
            kb = total >= padded ? (int)Math.Min(k, (total - padded) / n + 1) : 0;
            int copied = (k - kb) * n;
            for (int i = 0; i < copied; i++) tail[i] = b[(nint)kb * n + i];
            S.Store(tail + copied, S.Zero);             // the padding, a vector or two of zeros
            if (two) S.Store(tail + copied + w, S.Zero);
        }
        float* biasPanel = stackalloc float[2 * 16];
        if (bias != null)
        {
            S.Store(biasPanel, S.LoadPartial(bias, n));
            if (two) S.Store(biasPanel + w, S.LoadPartial(bias + w, n - w));
            bias = biasPanel;
        }
        (nint rs, nint ks) = form == GemmForm.TN ? ((nint)1, (nint)m) : ((nint)k, (nint)1);
        // Stores: a row narrower than the vectors is stored whole, running into the next rows, which are stored
        // after it (rows go in order); only where a whole store would pass the end of C, or C is read (accumulate),
        // is the row stored in part.
        float* spill = stackalloc float[16];
        var tile = new Tile(c + (nint)m * n, accumulate, spill);
        var source = new Source(bp, ldb, kb, bt, k - kb);
        if (two)
            for (int i = 0; i < m; i += 4)
                Rows4x2<S, TV>(a + i * rs, rs, ks, Math.Min(4, m - i), source, c + (nint)i * n, n, n, accumulate, bias, relu, tile);
        else
            for (int i = 0; i < m; i += 8)
                Rows8x1<S, TV>(a + i * rs, rs, ks, Math.Min(8, m - i), source, c + (nint)i * n, n, n, accumulate, bias, relu, tile);
    }

    /// <summary>
    /// C[m, n] = Aᵀ·B with A [k, m], B [k, n], m ≤ W, n ≤ 8: the weight gradient of a tiny layer (10 inputs, a batch
    /// of 32). A vector holds a whole column of C (A's row p is contiguous across C's rows), so the k steps run once for
    /// all of C, one chain of fused multiply-adds per column (eight at a time), instead of once per eight rows of C with
    /// most lanes wasted: a 10x1 output layer's gradient over 32 rows takes half the time. Each element is the same
    /// chain as in the other kernels (A[p,i]·B[p,j] added in p order from zero), the same bits. A's and B's last rows,
    /// where a whole read would pass their end, are copied into zero-padded buffers; columns past n are computed from
    /// what follows B's row, and never stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ColumnsTN<S, TV>(int m, int n, int k, float* a, float* b, float* c)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        // B's rows are read 8 floats wide.
        float* tail = stackalloc float[2 * 16], tailB = stackalloc float[2 * 8];
        (int ka, int kb) = Tails<S, TV>(m, n, k, a, b, 8, tail, tailB);
        TV c0 = S.Zero, c1 = S.Zero, c2 = S.Zero, c3 = S.Zero, c4 = S.Zero, c5 = S.Zero, c6 = S.Zero, c7 = S.Zero;
        float* ap = a, bp = b;
        for (int p = 0; p < k; p++)
        {
            if (p == ka) ap = tail;
            if (p == kb) bp = tailB;
            TV x = S.Load(ap);
            c0 = S.MulAdd(x, S.Splat(bp), c0);
            c1 = S.MulAdd(x, S.Splat(bp + 1), c1);
            c2 = S.MulAdd(x, S.Splat(bp + 2), c2);
            c3 = S.MulAdd(x, S.Splat(bp + 3), c3);
            c4 = S.MulAdd(x, S.Splat(bp + 4), c4);
            c5 = S.MulAdd(x, S.Splat(bp + 5), c5);
            c6 = S.MulAdd(x, S.Splat(bp + 6), c6);
            c7 = S.MulAdd(x, S.Splat(bp + 7), c7);
            ap += m;
            bp += n;
        }
        // Column j of C is lanes 0..m-1 of cj: through the stack into C's rows.
        float* column = stackalloc float[16];
        Column<S, TV>(c0, column, c, m, n, 0);
        if (n > 1) Column<S, TV>(c1, column, c, m, n, 1);
        if (n > 2) Column<S, TV>(c2, column, c, m, n, 2);
        if (n > 3) Column<S, TV>(c3, column, c, m, n, 3);
        if (n > 4) Column<S, TV>(c4, column, c, m, n, 4);
        if (n > 5) Column<S, TV>(c5, column, c, m, n, 5);
        if (n > 6) Column<S, TV>(c6, column, c, m, n, 6);
        if (n > 7) Column<S, TV>(c7, column, c, m, n, 7);
    }

    /// <summary>
    /// The column kernels' reads past the ends of A and B: A's rows are read a whole vector wide and B's
    /// <paramref name="cols"/> floats wide, in place while that stays inside them, then from zero-padded copies of their
    /// last rows (tail: 2·16 floats, tailB: 2·cols). Returns the first row of each read from its copy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int Ka, int Kb) Tails<S, TV>(int m, int n, int k, float* a, float* b, int cols, float* tail, float* tailB)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        int w = S.Width;
        long total = (long)k * m;
        int ka = total >= w ? (int)Math.Min(k, (total - w) / m + 1) : 0;
        int copied = (k - ka) * m;   // fewer than w floats
        for (int i = 0; i < copied; i++) tail[i] = a[(nint)ka * m + i];
        S.Store(tail + copied, S.Zero);
        long totalB = (long)k * n;
        int kb = totalB >= cols ? (int)Math.Min(k, (totalB - cols) / n + 1) : 0;
        int copiedB = (k - kb) * n;   // fewer than cols floats
        for (int i = 0; i < copiedB; i++) tailB[i] = b[(nint)kb * n + i];
        ZeroPad<S, TV>(tailB + copiedB, cols);
        return (ka, kb);
    }

    /// <summary>
    /// <see cref="ColumnsTN"/> for 8 &lt; n ≤ 16 (the weight gradient of a 10-unit layer over a batch, 10×32×10): sixteen
    /// chains instead of two calls of the row kernel, whose eight chains run k steps for 8 rows of C and again for the
    /// rest. The same chain per element, the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ColumnsTN16<S, TV>(int m, int n, int k, float* a, float* b, float* c)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        // B's rows are read 16 floats wide.
        float* tail = stackalloc float[2 * 16], tailB = stackalloc float[2 * 16];
        (int ka, int kb) = Tails<S, TV>(m, n, k, a, b, 16, tail, tailB);
        TV c0 = S.Zero, c1 = S.Zero, c2 = S.Zero, c3 = S.Zero, c4 = S.Zero, c5 = S.Zero, c6 = S.Zero, c7 = S.Zero;
        TV c8 = S.Zero, c9 = S.Zero, c10 = S.Zero, c11 = S.Zero, c12 = S.Zero, c13 = S.Zero, c14 = S.Zero, c15 = S.Zero;
        float* ap = a, bp = b;
        for (int p = 0; p < k; p++)
        {
            if (p == ka) ap = tail;
            if (p == kb) bp = tailB;
            TV x = S.Load(ap);
            c0 = S.MulAdd(x, S.Splat(bp), c0);
            c1 = S.MulAdd(x, S.Splat(bp + 1), c1);
            c2 = S.MulAdd(x, S.Splat(bp + 2), c2);
            c3 = S.MulAdd(x, S.Splat(bp + 3), c3);
            c4 = S.MulAdd(x, S.Splat(bp + 4), c4);
            c5 = S.MulAdd(x, S.Splat(bp + 5), c5);
            c6 = S.MulAdd(x, S.Splat(bp + 6), c6);
            c7 = S.MulAdd(x, S.Splat(bp + 7), c7);
            c8 = S.MulAdd(x, S.Splat(bp + 8), c8);
            // The columns past n in pairs only when needed: the products, not their latency, bound this loop.
            if (n > 9) c9 = S.MulAdd(x, S.Splat(bp + 9), c9);
            if (n > 10) { c10 = S.MulAdd(x, S.Splat(bp + 10), c10); c11 = S.MulAdd(x, S.Splat(bp + 11), c11); }
            if (n > 12) { c12 = S.MulAdd(x, S.Splat(bp + 12), c12); c13 = S.MulAdd(x, S.Splat(bp + 13), c13); }
            if (n > 14) { c14 = S.MulAdd(x, S.Splat(bp + 14), c14); c15 = S.MulAdd(x, S.Splat(bp + 15), c15); }
            ap += m;
            bp += n;
        }
        float* column = stackalloc float[16];
        Column<S, TV>(c0, column, c, m, n, 0); Column<S, TV>(c1, column, c, m, n, 1);
        Column<S, TV>(c2, column, c, m, n, 2); Column<S, TV>(c3, column, c, m, n, 3);
        Column<S, TV>(c4, column, c, m, n, 4); Column<S, TV>(c5, column, c, m, n, 5);
        Column<S, TV>(c6, column, c, m, n, 6); Column<S, TV>(c7, column, c, m, n, 7);
        Column<S, TV>(c8, column, c, m, n, 8);   // n > 8 here
        if (n > 9) Column<S, TV>(c9, column, c, m, n, 9);
        if (n > 10) Column<S, TV>(c10, column, c, m, n, 10);
        if (n > 11) Column<S, TV>(c11, column, c, m, n, 11);
        if (n > 12) Column<S, TV>(c12, column, c, m, n, 12);
        if (n > 13) Column<S, TV>(c13, column, c, m, n, 13);
        if (n > 14) Column<S, TV>(c14, column, c, m, n, 14);
        if (n > 15) Column<S, TV>(c15, column, c, m, n, 15);
    }

    /// <summary>Zeroes <paramref name="count"/> (8 or 16) floats at p in whole vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ZeroPad<S, TV>(float* p, int count) where S : struct, ISimd<TV> where TV : unmanaged
    {
        if (count == 16 && S.Width == 16) S.Store(p, S.Zero);
        else if (count == 8) Vector256.Store(Vector256<float>.Zero, p);
        else for (int i = 0; i < count; i++) p[i] = 0f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column<S, TV>(TV v, float* column, float* c, int m, int n, int j) where S : struct, ISimd<TV> where TV : unmanaged
    {
        S.Store(column, v);
        for (int i = 0; i < m; i++) c[(nint)i * n + j] = column[i];
    }

    /// <summary>op(B)'s rows: <see cref="Head"/> of them from <see cref="B"/> (stride <see cref="Ldb"/>), then <see cref="Rest"/> from <see cref="Tail"/> (same stride).</summary>
    private readonly struct Source
    {
        public readonly float* B, Tail;
        public readonly nint Ldb;
        public readonly int Head, Rest;
        public Source(float* b, nint ldb, int head, float* tail, int rest) { B = b; Ldb = ldb; Head = head; Tail = tail; Rest = rest; }
    }

    /// <summary>Where C ends, whether stores must stay inside each row (C is read: accumulate), and a spill vector.</summary>
    private readonly struct Tile
    {
        public readonly float* End, Spill;
        public readonly bool Exact;
        public Tile(float* end, bool exact, float* spill) { End = end; Exact = exact; Spill = spill; }
    }

    /// <summary>The first <paramref name="cols"/> lanes of v at p; more lanes when they fall on rows stored later.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<S, TV>(float* p, TV v, int cols, Tile tile) where S : struct, ISimd<TV> where TV : unmanaged
    {
        if (cols >= S.Width || (!tile.Exact && p + S.Width <= tile.End)) S.Store(p, v);
        else
        {
            // Through the stack, not a masked store: AMD runs VMASKMOVPS stores in microcode (tens of cycles each).
            S.Store(tile.Spill, v);
            for (int j = 0; j < cols; j++) p[j] = tile.Spill[j];
        }
    }

    /// <summary>Up to 8 rows of C, one vector wide (cols ≤ W); B's rows and the bias are whole (zero-padded) vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows8x1<S, TV>(float* a, nint rs, nint ks, int rows, Source source, float* c, nint ldc, int cols,
        bool load, float* bias, bool relu, Tile tile) where S : struct, ISimd<TV> where TV : unmanaged
    {
        float* a0 = a, a1 = a + rs * Math.Min(1, rows - 1), a2 = a + rs * Math.Min(2, rows - 1), a3 = a + rs * Math.Min(3, rows - 1),
            a4 = a + rs * Math.Min(4, rows - 1), a5 = a + rs * Math.Min(5, rows - 1), a6 = a + rs * Math.Min(6, rows - 1), a7 = a + rs * Math.Min(7, rows - 1);
        TV c0 = S.Zero, c1 = S.Zero, c2 = S.Zero, c3 = S.Zero, c4 = S.Zero, c5 = S.Zero, c6 = S.Zero, c7 = S.Zero;
        if (load)
        {
            c0 = S.LoadPartial(c, cols);
            if (rows > 1) c1 = S.LoadPartial(c + ldc, cols);
            if (rows > 2) c2 = S.LoadPartial(c + 2 * ldc, cols);
            if (rows > 3) c3 = S.LoadPartial(c + 3 * ldc, cols);
            if (rows > 4) c4 = S.LoadPartial(c + 4 * ldc, cols);
            if (rows > 5) c5 = S.LoadPartial(c + 5 * ldc, cols);
            if (rows > 6) c6 = S.LoadPartial(c + 6 * ldc, cols);
            if (rows > 7) c7 = S.LoadPartial(c + 7 * ldc, cols);
        }
        nint o = 0, ldb = source.Ldb;
        // p ascending: B's rows in place (Head of them), then its copied last rows (Rest).
        float* b = source.B;
        for (int p = 0, end = source.Head + source.Rest; p < end; p++)
        {
            if (p == source.Head) b = source.Tail;
            TV b0 = S.Load(b);
            c0 = S.MulAdd(S.Splat(a0 + o), b0, c0);
            c1 = S.MulAdd(S.Splat(a1 + o), b0, c1);
            c2 = S.MulAdd(S.Splat(a2 + o), b0, c2);
            c3 = S.MulAdd(S.Splat(a3 + o), b0, c3);
            c4 = S.MulAdd(S.Splat(a4 + o), b0, c4);
            c5 = S.MulAdd(S.Splat(a5 + o), b0, c5);
            c6 = S.MulAdd(S.Splat(a6 + o), b0, c6);
            c7 = S.MulAdd(S.Splat(a7 + o), b0, c7);
            o += ks;
            b += ldb;
        }
        if (bias != null)
        {
            TV bv = S.Load(bias);
            c0 = S.Add(c0, bv); c1 = S.Add(c1, bv); c2 = S.Add(c2, bv); c3 = S.Add(c3, bv);
            c4 = S.Add(c4, bv); c5 = S.Add(c5, bv); c6 = S.Add(c6, bv); c7 = S.Add(c7, bv);
        }
        if (relu)
        {
            c0 = S.Relu(c0); c1 = S.Relu(c1); c2 = S.Relu(c2); c3 = S.Relu(c3);
            c4 = S.Relu(c4); c5 = S.Relu(c5); c6 = S.Relu(c6); c7 = S.Relu(c7);
        }
        Put<S, TV>(c, c0, cols, tile);
        if (rows > 1) Put<S, TV>(c + ldc, c1, cols, tile);
        if (rows > 2) Put<S, TV>(c + 2 * ldc, c2, cols, tile);
        if (rows > 3) Put<S, TV>(c + 3 * ldc, c3, cols, tile);
        if (rows > 4) Put<S, TV>(c + 4 * ldc, c4, cols, tile);
        if (rows > 5) Put<S, TV>(c + 5 * ldc, c5, cols, tile);
        if (rows > 6) Put<S, TV>(c + 6 * ldc, c6, cols, tile);
        if (rows > 7) Put<S, TV>(c + 7 * ldc, c7, cols, tile);
    }

    /// <summary>Up to 4 rows of C, two vectors wide (W &lt; cols ≤ 2W); B's rows and the bias are whole (zero-padded) vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows4x2<S, TV>(float* a, nint rs, nint ks, int rows, Source source, float* c, nint ldc, int cols,
        bool load, float* bias, bool relu, Tile tile) where S : struct, ISimd<TV> where TV : unmanaged
    {
        int w = S.Width, rest = cols - w;
        float* a0 = a, a1 = a + rs * Math.Min(1, rows - 1), a2 = a + rs * Math.Min(2, rows - 1), a3 = a + rs * Math.Min(3, rows - 1);
        TV c00 = S.Zero, c01 = S.Zero, c10 = S.Zero, c11 = S.Zero, c20 = S.Zero, c21 = S.Zero, c30 = S.Zero, c31 = S.Zero;
        if (load)
        {
            c00 = S.Load(c); c01 = S.LoadPartial(c + w, rest);
            if (rows > 1) { c10 = S.Load(c + ldc); c11 = S.LoadPartial(c + ldc + w, rest); }
            if (rows > 2) { c20 = S.Load(c + 2 * ldc); c21 = S.LoadPartial(c + 2 * ldc + w, rest); }
            if (rows > 3) { c30 = S.Load(c + 3 * ldc); c31 = S.LoadPartial(c + 3 * ldc + w, rest); }
        }
        nint o = 0, ldb = source.Ldb;
        // p ascending: B's rows in place (Head of them), then its copied last rows (Rest).
        float* b = source.B;
        for (int p = 0, end = source.Head + source.Rest; p < end; p++)
        {
            if (p == source.Head) b = source.Tail;
            TV b0 = S.Load(b), b1 = S.Load(b + w), x;
            x = S.Splat(a0 + o); c00 = S.MulAdd(x, b0, c00); c01 = S.MulAdd(x, b1, c01);
            x = S.Splat(a1 + o); c10 = S.MulAdd(x, b0, c10); c11 = S.MulAdd(x, b1, c11);
            x = S.Splat(a2 + o); c20 = S.MulAdd(x, b0, c20); c21 = S.MulAdd(x, b1, c21);
            x = S.Splat(a3 + o); c30 = S.MulAdd(x, b0, c30); c31 = S.MulAdd(x, b1, c31);
            o += ks;
            b += ldb;
        }
        if (bias != null)
        {
            TV b0 = S.Load(bias), b1 = S.Load(bias + w);
            c00 = S.Add(c00, b0); c01 = S.Add(c01, b1); c10 = S.Add(c10, b0); c11 = S.Add(c11, b1);
            c20 = S.Add(c20, b0); c21 = S.Add(c21, b1); c30 = S.Add(c30, b0); c31 = S.Add(c31, b1);
        }
        if (relu)
        {
            c00 = S.Relu(c00); c01 = S.Relu(c01); c10 = S.Relu(c10); c11 = S.Relu(c11);
            c20 = S.Relu(c20); c21 = S.Relu(c21); c30 = S.Relu(c30); c31 = S.Relu(c31);
        }
        S.Store(c, c00); Put<S, TV>(c + w, c01, rest, tile);
        if (rows > 1) { S.Store(c + ldc, c10); Put<S, TV>(c + ldc + w, c11, rest, tile); }
        if (rows > 2) { S.Store(c + 2 * ldc, c20); Put<S, TV>(c + 2 * ldc + w, c21, rest, tile); }
        if (rows > 3) { S.Store(c + 3 * ldc, c30); Put<S, TV>(c + 3 * ldc + w, c31, rest, tile); }
    }
}
