namespace NeuralPS.Core.Kernels.Recurrent;

/// <summary>The plain specification of <see cref="Embedding"/>, in double precision: a lookup and its sum of gradients.</summary>
public static class EmbeddingReference
{
    /// <summary>output[n, d] = table[indices[n], d].</summary>
    public static double[] Forward(ReadOnlySpan<float> indices, ReadOnlySpan<double> table, int dimensions)
    {
        var output = new double[indices.Length * dimensions];
        for (int n = 0; n < indices.Length; n++)
            for (int d = 0; d < dimensions; d++)
                output[n * dimensions + d] = table[(int)indices[n] * dimensions + d];
        return output;
    }

    /// <summary>gradient[v, d] = Σ over the n with indices[n] = v of outputGradient[n, d]; the table has <paramref name="rows"/> rows.</summary>
    public static double[] Backward(ReadOnlySpan<float> indices, ReadOnlySpan<double> outputGradient, int rows, int dimensions)
    {
        var gradient = new double[rows * dimensions];
        for (int n = 0; n < indices.Length; n++)
            for (int d = 0; d < dimensions; d++)
                gradient[(int)indices[n] * dimensions + d] += outputGradient[n * dimensions + d];
        return gradient;
    }
}
