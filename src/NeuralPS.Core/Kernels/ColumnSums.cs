using System.Runtime.CompilerServices;
using System.Numerics;

namespace NeuralPS.Core.Kernels;

/// <summary>Column sums of a row-major [rows, cols] matrix: the bias gradient, Σ over the batch of dz.</summary>
public static class ColumnSums
{
    /// <summary>
    /// sums[j] = Σ_r x[r,j], accumulated in double (row after row, one pass per column strip) and rounded once.
    /// Terms that cancel exactly (MAE's ±1/n when the signs balance) then give exactly 0, not float rounding noise
    /// that AdaGrad, RMSprop or Adam would divide by its own size and turn into a full step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(ReadOnlySpan<float> x, int rows, int cols, Span<float> sums)
    {
        if (x.Length < (long)rows * cols || sums.Length < cols) throw new ArgumentException("Buffers too small for the shape.");
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count, half = Vector<double>.Count;
            Span<double> strip = stackalloc double[w];
            for (; j <= cols - w; j += w)
            {
                Vector<double> low = Vector<double>.Zero, high = Vector<double>.Zero;
                for (int r = 0; r < rows; r++)
                {
                    Vector.Widen(new Vector<float>(x.Slice(r * cols + j, w)), out Vector<double> a, out Vector<double> b);
                    low += a;
                    high += b;
                }
                low.CopyTo(strip);
                high.CopyTo(strip[half..]);
                for (int k = 0; k < w; k++) sums[j + k] = (float)strip[k];
            }
        }
        for (; j < cols; j++)
        {
            double sum = 0;
            for (int r = 0; r < rows; r++) sum += x[r * cols + j];
            sums[j] = (float)sum;
        }
    }
}
