using System.Numerics;
using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Kernels.Recurrent;

/// <summary>
/// An embedding table, as nn.Embedding: each index picks a row of table [V, D]. The indices come as floats holding
/// whole numbers, because that is how a dataset's row carries a category's index. Forward gathers rows; backward
/// scatter-adds the output's gradient rows into the table's gradient in index order (position 0, 1, 2, …), one
/// thread, so a row met several times sums its terms in the same order on every run and thread count.
/// <see cref="EmbeddingReference"/> is the plain specification.
/// </summary>
public static class Embedding
{
    /// <summary>output[n, :] = table[indices[n], :] for n &lt; indices.Length; output [N, D], table [V, D].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> indices, ReadOnlySpan<float> table, int dimensions, Span<float> output)
    {
        int rows = CheckSizes(indices, table.Length, dimensions, output.Length);
        for (int n = 0; n < indices.Length; n++)
            table.Slice(Row(indices, n, rows) * dimensions, dimensions).CopyTo(output.Slice(n * dimensions, dimensions));
    }

    /// <summary>tableGradient [V, D] = 0, then tableGradient[indices[n], :] += outputGradient[n, :] for n = 0, 1, … in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> indices, ReadOnlySpan<float> outputGradient, int dimensions, Span<float> tableGradient)
    {
        int rows = CheckSizes(indices, tableGradient.Length, dimensions, outputGradient.Length);
        tableGradient[..(rows * dimensions)].Clear();
        int w = Vector<float>.Count;
        for (int n = 0; n < indices.Length; n++)
        {
            Span<float> target = tableGradient.Slice(Row(indices, n, rows) * dimensions, dimensions);
            ReadOnlySpan<float> source = outputGradient.Slice(n * dimensions, dimensions);
            int j = 0;
            for (; j + w <= dimensions; j += w)
                (new Vector<float>(target.Slice(j, w)) + new Vector<float>(source.Slice(j, w))).CopyTo(target.Slice(j, w));
            for (; j < dimensions; j++) target[j] += source[j];
        }
    }

    /// <summary>The table's rows (V), after checking the buffers hold D values a row.</summary>
    internal static int CheckSizes(ReadOnlySpan<float> indices, int tableLength, int dimensions, int outputLength)
    {
        if (dimensions < 1) throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, "An embedding has at least one dimension.");
        if (tableLength < dimensions) throw new ArgumentException($"The table holds {tableLength} values: not one row of {dimensions}.");
        if (outputLength < (long)indices.Length * dimensions)
            throw new ArgumentException($"The output holds {outputLength} values; {indices.Length} indices × {dimensions} need {(long)indices.Length * dimensions}.");
        return tableLength / dimensions;
    }

    /// <summary>indices[n] as a row of a table of <paramref name="rows"/> rows; anything else is the caller's bug (the layer maps categories to rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Row(ReadOnlySpan<float> indices, int n, int rows)
    {
        float value = indices[n];
        int row = (int)value;
        if (row != value || row < 0 || row >= rows)
            throw new ArgumentOutOfRangeException(nameof(indices), value, $"Index {n} is {value}, not a row of the table's {rows} (0 to {rows - 1}).");
        return row;
    }
}
