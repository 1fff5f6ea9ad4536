namespace NeuralPS.Core.Kernels;

/// <summary>
/// Plain loops: the specification <see cref="ColumnSums"/> is tested against (tests/NeuralPS.Core.Tests/Kernels/
/// ElementwiseReferenceTests.cs), as <see cref="GemmReference"/> is for the products.
/// </summary>
internal static class ColumnSumsReference
{
    /// <summary>
    /// sums[j] = Σ_r x[r,j] over a row-major [rows, cols] matrix: one double accumulator per column, rows in order,
    /// rounded to float once. ColumnSums keeps this order in every vector lane and on any thread count (each column is
    /// one thread's), so its result is these bits.
    /// </summary>
    public static void Compute(ReadOnlySpan<float> x, int rows, int cols, Span<float> sums)
    {
        for (int j = 0; j < cols; j++)
        {
            double sum = 0;
            for (int r = 0; r < rows; r++) sum += x[r * cols + j];
            sums[j] = (float)sum;
        }
    }
}
