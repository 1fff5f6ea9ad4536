using System.Numerics;

namespace NeuralPS.Core.Kernels;

/// <summary>Column sums of a row-major [rows, cols] matrix: the bias gradient, Σ over the batch of dz.</summary>
public static class ColumnSums
{
    /// <summary>
    /// sums[j] = ((0 + x[0,j]) + x[1,j]) + …, row after row: the order of adding whole rows one at a time, so the
    /// bits equal that loop's, but one pass per column strip instead of one call per row.
    /// </summary>
    public static void Compute(ReadOnlySpan<float> x, int rows, int cols, Span<float> sums)
    {
        if (x.Length < (long)rows * cols || sums.Length < cols) throw new ArgumentException("Buffers too small for the shape.");
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            for (; j <= cols - w; j += w)
            {
                Vector<float> sum = Vector<float>.Zero;
                for (int r = 0; r < rows; r++) sum += new Vector<float>(x.Slice(r * cols + j, w));
                sum.CopyTo(sums[j..]);
            }
        }
        for (; j < cols; j++)
        {
            float sum = 0f;
            for (int r = 0; r < rows; r++) sum += x[r * cols + j];
            sums[j] = sum;
        }
    }
}
