using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuralPS.Core.Kernels;

/// <summary>
/// One product, planned: the micro-kernel, the cache blocking, and how C is split between threads. The thread
/// count decides only which rectangle of C each thread owns; the blocking of k depends on k alone, so every
/// element is the same chain of operations on any number of threads.
/// </summary>
internal readonly unsafe struct GemmPlan
{
    // Cache blocking (GotoBLAS/BLIS order: columns of C, then k, then rows). KC keeps a row strip of A and a
    // column panel of B in L1/L2; k is cut into equal blocks so 784 becomes 2 × 392 rather than 512 + 272.
    private const int KcMax = 512, Mc = 240, Nc = 512;

    private readonly KernelSpec _kernel;
    private readonly GemmForm _form;
    private readonly int _m, _n, _k, _kc, _kBlocks;
    private readonly float* _a, _b, _c, _bias;
    private readonly int* _rows;                // gathered A (null: in place): its row r (NN: r < m; TN: r < k) is row _rows[r] of the matrix at _a
    private readonly nint _rs, _ks;             // A[i, p] is at a[i·rs + p·ks]
    private readonly bool _accumulate, _relu, _packB, _splitM, _splitK;

    /// <summary>Whether two threads split this product by k (<see cref="RunKHalves"/>).</summary>
    internal bool SplitsK => _splitK;
    public readonly int Parts, ScratchFloats;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public GemmPlan(GemmPath path, GemmForm form, int m, int n, int k, float* a, float* b, float* c,
        bool accumulate, float* bias, bool relu, int threads, int* rows = null)
    {
        _rows = rows;
        _kernel = KernelSpec.For(path, m, n);
        _form = form;
        _m = m; _n = n; _k = k;
        _a = a; _b = b; _c = c; _bias = bias;
        _accumulate = accumulate; _relu = relu;
        (_rs, _ks) = form == GemmForm.TN ? ((nint)1, (nint)m) : ((nint)k, (nint)1);
        (_kBlocks, _kc) = KBlocks(k);

        // Bᵀ must be packed; B itself is read in place (its rows are the kernel's vectors) unless C is large
        // in both directions, where rows a page apart thrash the cache and packing pays for itself.
        _packB = form == GemmForm.NT || (m > 256 && n > 256);
        int mr = _kernel.MR, nr = _kernel.NR;
        int unitsM = (m + mr - 1) / mr, unitsN = (n + nr - 1) / nr;
        Parts = Math.Max(1, Math.Min(threads, Math.Max(unitsM, unitsN)));
        // Which side to split: with B packed, columns (threads pack disjoint parts of B); with many rows, rows
        // (each thread streams only its share of A, the larger operand: 784×128×128 and 512×784×128 at 2 threads);
        // otherwise the side that leaves the least padding per thread.
        long workM = (long)((unitsM + Parts - 1) / Parts) * mr * n;
        long workN = (long)m * ((unitsN + Parts - 1) / Parts) * nr;
        _splitM = Parts > 1 && (_packB ? workM < workN : m > 256 || workM <= workN);
        // A first layer's forward product on two threads (gathered rows: the training step) that would split C by
        // columns splits by k instead: see RunKHalves. Each element keeps its one chain over p = 0..k-1, so the
        // bits are the same. Split by rows (more than 256 of them), it stays so: there the partial C crossing
        // between the cores cost more than the split saved (batch 512: forward 363 -> 410-437 µs a step).
        _splitK = rows != null && form == GemmForm.NN && threads == 2 && !_splitM && _kBlocks >= 2 && unitsM >= 2;
        int ncMax = Math.Min(Nc, ((n + nr - 1) / nr) * nr);
        // A (and Aᵀ) is read in place: packing a deep Aᵀ into k-major panels measured slower here (784×128×512:
        // 78 GFLOP/s packed, 90 in place), the micro-kernel's six broadcasts a step hide the strided rows.
        ScratchFloats = _packB ? _kc * ncMax : (n % nr != 0 ? _kc * nr : 0);
    }

    /// <summary>
    /// The first k row of the second half of k's blocks (0 when k is one block): where a two-thread first layer
    /// divides its weights' rows between the threads (see RunKHalves).
    /// </summary>
    internal static int SecondHalfOfK(int k)
    {
        (int blocks, int kc) = KBlocks(k);
        return blocks < 2 ? 0 : blocks / 2 * kc;
    }

    /// <summary>k cut into equal blocks of at most KcMax: how many, and how long (the last may be shorter).</summary>
    private static (int Blocks, int Kc) KBlocks(int k)
    {
        int blocks = Math.Max(1, (k + KcMax - 1) / KcMax);
        return (blocks, (k + blocks - 1) / blocks);
    }

    /// <summary>
    /// Part <paramref name="part"/> of the product. A k-split plan needs <paramref name="rowsDone"/>: a zeroed
    /// counter both parts see.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void RunPart(int part, int parts, float* scratch, int* rowsDone = null)
    {
        int mr = _kernel.MR, nr = _kernel.NR;
        if (_splitK) RunKHalves(part, scratch, rowsDone);
        else if (_splitM)
        {
            int units = (_m + mr - 1) / mr;
            int i0 = part * units / parts * mr, i1 = Math.Min(_m, (part + 1) * units / parts * mr);
            if (i0 < i1) Block(i0, i1, 0, _n, scratch, 0, _kBlocks);
        }
        else
        {
            int units = (_n + nr - 1) / nr;
            int j0 = part * units / parts * nr, j1 = Math.Min(_n, (part + 1) * units / parts * nr);
            if (j0 < j1) Block(0, _m, j0, j1, scratch, 0, _kBlocks);
        }
    }

    /// <summary>
    /// Two threads, split by k: part 0 runs the first half of k's blocks on a chunk of C's rows, publishes it, and
    /// goes on to the next chunk; part 1 runs the second half on each published chunk, continuing the same chains
    /// (a later k block always starts from C). So part 0 reads only the first rows of B (the weights) and the
    /// first columns of A, part 1 the rest, and each element is the chain it is on one thread.
    /// Why: in a training step the weight gradient is split by the weights' rows and the optimizer follows it
    /// (Optimizer.SplitPoint), so each core then only ever touches its own lines of the first layer. With C split
    /// by columns, the optimizer's stores waited on lines of W that the other core's forward product had read:
    /// Adam took 57 µs a batch-32 step on two threads against 45 on one (bench/probes/first_layer_lines.c).
    /// Part 1 waits only for part 0, and part 0 for no one, so the parts also finish when one thread runs both in
    /// order (the pool's inline spell).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunKHalves(int part, float* scratch, int* rowsDone)
    {
        int mr = _kernel.MR, half = _kBlocks / 2;
        // About eight chunks (part 1 idles through the first, part 0 through the last); each hand-over is one
        // cache line. Chunks of one or two tiles measured no better at 128 rows.
        int chunk = mr * Math.Max(1, (_m + mr - 1) / mr / 8);
        for (int i0 = 0; i0 < _m; i0 += chunk)
        {
            int i1 = Math.Min(_m, i0 + chunk);
            if (part == 0)
            {
                Block(i0, i1, 0, _n, scratch, 0, half);
                Volatile.Write(ref *rowsDone, i1);
            }
            else
            {
                var spinner = new SpinWait();
                while (Volatile.Read(ref *rowsDone) < i1) spinner.SpinOnce(sleep1Threshold: -1);
                Block(i0, i1, 0, _n, scratch, half, _kBlocks);
            }
        }
    }

    /// <summary>C[i0..i1, j0..j1] on this thread, over k's blocks [kb0, kb1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Block(int i0, int i1, int j0, int j1, float* scratch, int kb0, int kb1)
    {
        int mr = _kernel.MR, nr = _kernel.NR, n = _n;
        float** ra = stackalloc float*[mr]; // NN, gathered: a tile's rows
        float** rp = null; // TN, gathered: a k block's rows
        if (_rows != null && _form == GemmForm.TN)
        {
            float** blockRows = stackalloc float*[_kc]; // lives until Block returns
            rp = blockRows;
        }
        bool epilogue = _bias != null || _relu;
        for (int jc = j0; jc < j1; jc += Nc)
        {
            int nc = Math.Min(Nc, j1 - jc);
            for (int kb = kb0; kb < kb1; kb++)
            {
                int p0 = kb * _kc, kc = Math.Max(0, Math.Min(_kc, _k - p0));
                bool load = _accumulate || kb > 0, last = kb == _kBlocks - 1;
                if (_packB) PackB(scratch, p0, kc, jc, nc);
                if (rp != null) for (int q = 0; q < kc; q++) rp[q] = _a + (nint)_rows[p0 + q] * _ks;
                for (int ic = i0; ic < i1; ic += Mc)
                {
                    int mc = Math.Min(Mc, i1 - ic);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        float* bp;
                        nint ldb;
                        if (_packB) { bp = scratch + (jr / nr) * kc * nr; ldb = nr; }
                        else if (cols == nr) { bp = _b + (nint)p0 * n + jc + jr; ldb = n; }
                        else { PackPanel(scratch, p0, kc, jc + jr, cols); bp = scratch; ldb = nr; }
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir), i = ic + ir;
                            float* cp = _c + (nint)i * n + jc + jr;
                            if (rp != null) _kernel.GatheredTransposed(rp, i, rows, bp, ldb, kc, cp, n, cols, load);
                            else if (_rows != null)
                            {
                                for (int r = 0; r < rows; r++) ra[r] = _a + (nint)_rows[i + r] * _rs + p0;
                                _kernel.Kernel(null, _rs, _ks, ra, rows, bp, ldb, kc, cp, n, cols, load);
                            }
                            else _kernel.Kernel(_a + i * _rs + p0 * _ks, _rs, _ks, null, rows, bp, ldb, kc, cp, n, cols, load);
                            if (last && epilogue) _kernel.Epilogue(cp, n, rows, cols, _bias == null ? null : _bias + jc + jr, _relu);
                        }
                    }
                }
            }
        }
    }

    /// <summary>B[p0.., jc..jc+nc] into panels of NR columns (the last zero-padded), kc rows each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackB(float* dst, int p0, int kc, int jc, int nc)
    {
        int nr = _kernel.NR;
        for (int jr = 0; jr < nc; jr += nr, dst += kc * nr)
        {
            int cols = Math.Min(nr, nc - jr);
            if (_form == GemmForm.NT) PackTransposed(dst, p0, kc, jc + jr, cols);
            else PackPanel(dst, p0, kc, jc + jr, cols);
        }
    }

    /// <summary>One panel from row-major B[k, n], zero-padded to NR.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackPanel(float* dst, int p0, int kc, int j, int cols) =>
        _kernel.PackRows(dst, _b + (nint)p0 * _n + j, _n, kc, cols, _kernel.NR);

    /// <summary>
    /// One panel from B[n, k] read as Bᵀ: dst[p, j] = B[j0 + j, p0 + p], zero-padded to NR. 8×8 blocks go through
    /// registers (AVX); the strided scalar loop alone ran at a few cycles an element.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackTransposed(float* dst, int p0, int kc, int j0, int cols)
    {
        int nr = _kernel.NR;
        float* b = _b + (nint)j0 * _k + p0;
        int j = 0;
        if (Avx.IsSupported)
            for (; j + 8 <= cols; j += 8)
            {
                int p = 0;
                for (; p + 8 <= kc; p += 8) Transpose8x8(b + (nint)j * _k + p, _k, dst + (nint)p * nr + j, nr);
                for (; p < kc; p++)
                    for (int jj = j; jj < j + 8; jj++) dst[(nint)p * nr + jj] = b[(nint)jj * _k + p];
            }
        for (int p = 0; p < kc; p++)
        {
            float* d = dst + (nint)p * nr;
            for (int jj = j; jj < cols; jj++) d[jj] = b[(nint)jj * _k + p];
            for (int jj = cols; jj < nr; jj++) d[jj] = 0f;
        }
    }

    /// <summary>dst[q, r] = src[r, q] for an 8×8 block (rows of src lds apart, rows of dst ldd apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose8x8(float* src, nint lds, float* dst, nint ldd)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + lds),
            r2 = Avx.LoadVector256(src + 2 * lds), r3 = Avx.LoadVector256(src + 3 * lds),
            r4 = Avx.LoadVector256(src + 4 * lds), r5 = Avx.LoadVector256(src + 5 * lds),
            r6 = Avx.LoadVector256(src + 6 * lds), r7 = Avx.LoadVector256(src + 7 * lds);
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3),
            t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE), s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE),
            s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE), s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * ldd, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * ldd, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * ldd, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * ldd, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * ldd, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * ldd, Avx.Permute2x128(s3, s7, 0x31));
    }
}
