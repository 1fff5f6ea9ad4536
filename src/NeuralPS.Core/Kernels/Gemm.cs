using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Kernels;

/// <summary>Which operands of C = op(A)·op(B) are read transposed.</summary>
public enum GemmForm
{
    /// <summary>C[m,n] = A[m,k] · B[k,n]: the forward pass, y = x·W.</summary>
    NN,
    /// <summary>C[m,n] = A[m,k] · B[n,k]ᵀ: the input gradient, dx = dy·Wᵀ.</summary>
    NT,
    /// <summary>C[m,n] = A[k,m]ᵀ · B[k,n]: the weight gradient, dW = xᵀ·dy.</summary>
    TN,
}

/// <summary>
/// The one matrix product of the engine. Every operand is row-major and contiguous.
/// Work is split over output tiles, never into partial sums over k, so results do not depend on the thread count.
/// (A two-thread first layer runs k's two halves as a pipeline instead, each element's one chain continued from C
/// by the second thread: see GemmPlan.RunKHalves.)
/// </summary>
public static unsafe class Gemm
{
    /// <summary>Products below this many floating-point operations run on the caller's thread: waking a worker costs more.</summary>
    internal const double InlineFlops = 1e6;

    /// <summary>C = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(GemmForm form, int m, int n, int k,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        bool accumulate = false, WorkerPool? pool = null)
    {
        long phase = StepProfile.Start();
        Multiply(GemmPaths.Selected, form, m, n, k, a, b, c, accumulate, default, false, pool);
        StepProfile.Stop(StepPhase.Products, phase);
    }

    /// <summary>
    /// C = op(A)·op(B) + bias (added to every row), then max(C, 0) when <paramref name="relu"/>: a dense layer's
    /// forward pass in one sweep over C. The bias is added after the whole sum, as a separate add would.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyBias(GemmForm form, int m, int n, int k,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, Span<float> c,
        bool relu = false, WorkerPool? pool = null)
    {
        if (bias.Length < n) throw new ArgumentException($"The bias holds {bias.Length} values; n={n} needs {n}.", nameof(bias));
        long phase = StepProfile.Start();
        Multiply(GemmPaths.Selected, form, m, n, k, a, b, c, false, bias, relu, pool);
        StepProfile.Stop(StepPhase.Products, phase);
    }

    /// <summary>
    /// <see cref="MultiplyBias"/> (NN) with A the rows <paramref name="rowIndex"/>[0..m) of the matrix
    /// <paramref name="a"/> [·, k]: a training batch's first product read straight from the shuffled dataset, without
    /// copying its rows first, so the rows' trip from memory overlaps the arithmetic. The same bits as gathering the
    /// rows and calling MultiplyBias. False (nothing done) for products too small for the blocked route; the caller
    /// then gathers the rows itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool TryMultiplyBiasGathered(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<int> rowIndex,
        ReadOnlySpan<float> b, ReadOnlySpan<float> bias, Span<float> c, bool relu, WorkerPool? pool)
        => TryMultiplyBiasGathered(GemmPaths.Selected, m, n, k, a, rowIndex, b, bias, c, relu, pool);

    /// <summary>The same on a named path (tests run every path through this).</summary>
    internal static bool TryMultiplyBiasGathered(GemmPath path, int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<int> rowIndex,
        ReadOnlySpan<float> b, ReadOnlySpan<float> bias, Span<float> c, bool relu, WorkerPool? pool)
        => TryMultiplyGathered(path, GemmForm.NN, m, n, k, a, rowIndex, b, bias, c, relu, pool);

    /// <summary>
    /// C = Aᵀ·B (TN) with A the rows <paramref name="rowIndex"/>[0..k) of the matrix <paramref name="a"/> [·, m]: the
    /// weight gradient xᵀ·dz of a first dense layer whose batch was read straight from the data. The same bits as
    /// gathering the rows and calling <see cref="Multiply(GemmForm, int, int, int, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, bool, WorkerPool?)"/>.
    /// False (nothing done) for products too small for the blocked route.
    /// </summary>
    internal static bool TryMultiplyGatheredTransposed(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<int> rowIndex,
        ReadOnlySpan<float> b, Span<float> c, WorkerPool? pool)
        => TryMultiplyGatheredTransposed(GemmPaths.Selected, m, n, k, a, rowIndex, b, c, pool);

    /// <summary>The same on a named path (tests run every path through this).</summary>
    internal static bool TryMultiplyGatheredTransposed(GemmPath path, int m, int n, int k, ReadOnlySpan<float> a,
        ReadOnlySpan<int> rowIndex, ReadOnlySpan<float> b, Span<float> c, WorkerPool? pool)
        => TryMultiplyGathered(path, GemmForm.TN, m, n, k, a, rowIndex, b, default, c, false, pool);

    /// <summary>
    /// An NN or TN product whose A is made of gathered rows: NN reads m rows of width k, TN k rows of width m (each
    /// row's index checked against <paramref name="a"/>). False, with nothing done, where the product would not take
    /// the blocked route: a tiny product (SmallGemm), or one row of C (NN: the one-row kernels; TN: one-row tiles,
    /// which have no gathered form).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryMultiplyGathered(GemmPath path, GemmForm form, int m, int n, int k, ReadOnlySpan<float> a,
        ReadOnlySpan<int> rowIndex, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, Span<float> c, bool relu, WorkerPool? pool)
    {
        if (!TakesGathered(path, form, m, n, k)) return false;
        if (form == GemmForm.NN && bias.Length < n) throw new ArgumentException($"The bias holds {bias.Length} values; n={n} needs {n}.", nameof(bias));
        (int rows, int width) = form == GemmForm.NN ? (m, k) : (k, m);
        if (rowIndex.Length < rows) throw new ArgumentException($"{rowIndex.Length} row indices where {rows} are needed.", nameof(rowIndex));
        long rowsOfA = a.Length / width;
        for (int i = 0; i < rows; i++)
            if ((uint)rowIndex[i] >= rowsOfA) throw new ArgumentOutOfRangeException(nameof(rowIndex), $"Row {rowIndex[i]} is outside A's {rowsOfA} rows.");
        CheckSizes(form, m, n, k, int.MaxValue, b.Length, c.Length); // A: the rows just checked
        long phase = StepProfile.Start();
        fixed (float* pa = a, pb = b, pc = c, pbias = bias)
        fixed (int* pRows = rowIndex)
            Run(new GemmPlan(path, form, m, n, k, pa, pb, pc, false, bias.IsEmpty ? null : pbias, relu, ThreadsFor(m, n, k, pool), pRows), pool);
        StepProfile.Stop(StepPhase.Products, phase);
        return true;
    }

    /// <summary>Whether a product of this form and shape takes the gathered route (see <see cref="TryMultiplyGathered"/>).</summary>
    internal static bool TakesGathered(GemmPath path, GemmForm form, int m, int n, int k) =>
        path != GemmPath.Reference && m > 1 && n > 0 && k > 0 && !SmallGemm.Takes(path, form, m, n, k);

    /// <summary>Threads a product splits across: the pool's, or the caller's alone below <see cref="InlineFlops"/>.</summary>
    private static int ThreadsFor(int m, int n, int k, WorkerPool? pool) => 2.0 * m * n * k < InlineFlops ? 1 : pool?.ThreadCount ?? 1;

    /// <summary>The product on a named path (tests run every path through this).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Multiply(GemmPath path, GemmForm form, int m, int n, int k,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool accumulate,
        ReadOnlySpan<float> bias, bool relu, WorkerPool? pool)
        => Multiply(path, form, m, n, k, a, b, c, accumulate, bias, relu, pool, small: true);

    /// <summary>
    /// <paramref name="small"/>: whether a tiny product may take <see cref="SmallGemm"/>, and a single row with zeros
    /// <see cref="RowGemm"/> (tests turn it off to compare the routes bit for bit).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Multiply(GemmPath path, GemmForm form, int m, int n, int k,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool accumulate,
        ReadOnlySpan<float> bias, bool relu, WorkerPool? pool, bool small)
    {
        CheckSizes(form, m, n, k, a.Length, b.Length, c.Length);
        if (m == 0 || n == 0) return;
        if (path == GemmPath.Reference)
        {
            GemmReference.MultiplySingle(form, m, n, k, a, b, c, accumulate);
            for (int i = 0; i < m && (!bias.IsEmpty || relu); i++)
            {
                Span<float> row = c.Slice(i * n, n);
                if (!bias.IsEmpty) TensorPrimitives.Add(row, bias[..n], row);
                if (relu) TensorPrimitives.Max(row, 0f, row);
            }
            return;
        }

        int threads = ThreadsFor(m, n, k, pool);
        fixed (float* pa = a, pb = b, pc = c, pbias = bias)
        {
            // One row with zeros in it (a single prediction): only the rows of B that meet a nonzero input.
            if (small && m == 1 && form == GemmForm.NN && !accumulate
                && RowGemm.TryMultiply(path, n, k, pa, pb, pc, bias.IsEmpty ? null : pbias, relu))
                return;
            if (small && SmallGemm.Takes(path, form, m, n, k))
            {
                SmallGemm.Multiply(path, form, m, n, k, pa, pb, pc, accumulate, bias.IsEmpty ? null : pbias, relu);
                return;
            }
            Run(new GemmPlan(path, form, m, n, k, pa, pb, pc, accumulate, bias.IsEmpty ? null : pbias, relu, threads), pool);
        }
    }

    /// <summary>A planned product on the caller's thread or split across the pool.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run(GemmPlan plan, WorkerPool? pool)
    {
        if (plan.Parts == 1)
        {
            if (pool is not null) plan.RunPart(0, 1, pool.Scratch(0, plan.ScratchFloats));
            else if (plan.ScratchFloats == 0) plan.RunPart(0, 1, null);
            else fixed (float* scratch = new float[plan.ScratchFloats]) plan.RunPart(0, 1, scratch);
        }
        else
        {
            GemmJob job = pool!.GemmJob;
            job.Plan = plan;
            job.ResetRowsDone();
            pool.Run(job, plan.Parts);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void CheckSizes(GemmForm form, int m, int n, int k, int aLength, int bLength, int cLength)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), "GEMM sizes must not be negative.");
        if (aLength < (long)m * k) throw new ArgumentException($"A holds {aLength} values; {form} with m={m}, k={k} needs {(long)m * k}.");
        if (bLength < (long)k * n) throw new ArgumentException($"B holds {bLength} values; {form} with k={k}, n={n} needs {(long)k * n}.");
        if (cLength < (long)m * n) throw new ArgumentException($"C holds {cLength} values; m={m}, n={n} needs {(long)m * n}.");
    }
}

/// <summary>The pool's reusable work item for a product: holds the plan of the call in flight.</summary>
internal sealed unsafe class GemmJob : IPoolWork
{
    private readonly WorkerPool _pool;
    public GemmPlan Plan;
    // A k-split plan's hand-over counter (GemmPlan.RunKHalves), pinned, at the middle of 128 bytes: alone on its
    // cache line wherever the array starts.
    private const int Counter = 16;
    private readonly int[] _rowsDone = GC.AllocateArray<int>(2 * Counter, pinned: true);

    public GemmJob(WorkerPool pool) => _pool = pool;

    public void ResetRowsDone() => Volatile.Write(ref _rowsDone[Counter], 0);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int part, int parts) =>
        Plan.RunPart(part, parts, _pool.Scratch(part, Plan.ScratchFloats), (int*)Unsafe.AsPointer(ref _rowsDone[Counter]));
}
