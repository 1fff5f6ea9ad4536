using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NeuralPS.Core.Kernels;

/// <summary>
/// Column sums of a row-major [rows, cols] matrix: the bias gradient, Σ over the batch of dz. Its plain twin, which the
/// tests hold it to bit for bit, is <see cref="ColumnSumsReference"/>.
/// </summary>
public static class ColumnSums
{
    /// <summary>
    /// sums[j] = Σ_r x[r,j], accumulated in double (row after row, one pass per column strip) and rounded once.
    /// Terms that cancel exactly (MAE's ±1/n when the signs balance) then give exactly 0, not float rounding noise
    /// that AdaGrad, RMSprop or Adam would divide by its own size and turn into a full step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(ReadOnlySpan<float> x, int rows, int cols, Span<float> sums) => Strip(x, rows, cols, 0, cols, sums);

    // Matrices of at least this many floats are summed by every thread of the pool, a strip of columns each.
    private const int SplitFloats = 32 * 1024;

    /// <summary>
    /// The same, split across <paramref name="pool"/> by columns when large. Each column is the same sum in the same
    /// order whichever thread takes it, so the bits do not depend on the thread count.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Compute(ReadOnlySpan<float> x, int rows, int cols, Span<float> sums, WorkerPool? pool)
    {
        if (x.Length < (long)rows * cols || sums.Length < cols) throw new ArgumentException("Buffers too small for the shape.");
        int w = Vector.IsHardwareAccelerated ? Vector<float>.Count : 1;
        int parts = pool is null ? 1 : Math.Min(pool.ThreadCount, cols / w);
        long phase = StepProfile.Start();
        if (parts <= 1 || (long)rows * cols < SplitFloats) Strip(x, rows, cols, 0, cols, sums);
        else
        {
            fixed (float* px = x, ps = sums)
            {
                ColumnSumsJob job = pool!.ColumnSumsJob;
                job.X = px; job.Sums = ps; job.Rows = rows; job.Cols = cols; job.Width = w;
                pool.Run(job, parts);
            }
        }
        StepProfile.Stop(StepPhase.ColumnSums, phase);
    }

    /// <summary>Columns [first, end) of the sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Strip(ReadOnlySpan<float> x, int rows, int cols, int first, int end, Span<float> sums)
    {
        if (x.Length < (long)rows * cols || sums.Length < cols) throw new ArgumentException("Buffers too small for the shape.");
        if (first < 0 || first > end || end > cols) throw new ArgumentOutOfRangeException(nameof(end), $"Columns [{first}, {end}) are not inside [0, {cols}).");
        int j = first;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count, half = Vector<double>.Count;
            Span<double> strip = stackalloc double[2 * w];
            for (; j < end && end - first >= w; j += 2 * w)
            {
                // Two strips of columns a pass, so that their sums' chains of additions overlap. The last strips are
                // moved left to end at the last column: the columns they share with the strip before are summed again,
                // in the same order, to the same bits, and no column is left to a scalar loop.
                int j0 = Math.Min(j, end - w), j1 = Math.Min(j + w, end - w);
                Vector<double> low0 = Vector<double>.Zero, high0 = Vector<double>.Zero, low1 = Vector<double>.Zero, high1 = Vector<double>.Zero;
                // Rows read through a reference, without a slice and its checks a row: the shape was checked above
                // (j1 + w ≤ cols, so every read stays inside row r).
                ref float row = ref MemoryMarshal.GetReference(x);
                for (int r = 0; r < rows; r++)
                {
                    nuint at = (nuint)r * (nuint)cols;
                    Vector.Widen(Vector.LoadUnsafe(ref row, at + (nuint)j0), out Vector<double> a0, out Vector<double> b0);
                    Vector.Widen(Vector.LoadUnsafe(ref row, at + (nuint)j1), out Vector<double> a1, out Vector<double> b1);
                    low0 += a0;
                    high0 += b0;
                    low1 += a1;
                    high1 += b1;
                }
                low0.CopyTo(strip);
                high0.CopyTo(strip[half..]);
                low1.CopyTo(strip[w..]);
                high1.CopyTo(strip[(w + half)..]);
                for (int k = 0; k < w; k++) sums[j0 + k] = (float)strip[k];
                for (int k = 0; k < w; k++) sums[j1 + k] = (float)strip[w + k];
            }
            if (end - first >= w) return;
        }
        for (; j < end; j++)
        {
            double sum = 0;
            for (int r = 0; r < rows; r++) sum += x[r * cols + j];
            sums[j] = (float)sum;
        }
    }
}

/// <summary>The pool's reusable work item for split column sums: strips of whole vectors, the remainder in the last.</summary>
internal sealed unsafe class ColumnSumsJob : IPoolWork
{
    public float* X, Sums;
    public int Rows, Cols, Width;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int part, int parts)
    {
        int units = Cols / Width;
        int first = part * units / parts * Width, end = part == parts - 1 ? Cols : (part + 1) * units / parts * Width;
        ColumnSums.Strip(new ReadOnlySpan<float>(X, Rows * Cols), Rows, Cols, first, end, new Span<float>(Sums, Cols));
    }
}
