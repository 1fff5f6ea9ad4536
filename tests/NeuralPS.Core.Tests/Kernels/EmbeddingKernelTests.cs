using NeuralPS.Core.Kernels.Recurrent;
using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>The embedding kernel against its plain twin, its gradient by finite differences, and its order of sums.</summary>
public class EmbeddingKernelTests
{
    private static (float[] Table, float[] Indices, float[] Dy) Case(int rows, int dimensions, int count, int seed)
    {
        var random = new Random(seed);
        float[] table = Enumerable.Range(0, rows * dimensions).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        // every row but the last at least once, some many times, in no order
        float[] indices = Enumerable.Range(0, count).Select(i => (float)(i < rows - 1 ? i : random.Next(rows - 1))).OrderBy(_ => random.Next()).ToArray();
        float[] dy = Enumerable.Range(0, count * dimensions).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return (table, indices, dy);
    }

    [Theory]
    [InlineData(7, 4, 15)]
    [InlineData(30, 17, 200)]
    [InlineData(2, 1, 9)]
    public void ForwardAndBackwardMatchThePlainTwin(int rows, int dimensions, int count)
    {
        (float[] table, float[] indices, float[] dy) = Case(rows, dimensions, count, rows + dimensions);
        var y = new float[count * dimensions];
        Embedding.Forward(indices, table, dimensions, y);
        Assert.Equal(EmbeddingReference.Forward(indices, RecurrentKernelTests.D(table), dimensions).Select(v => (float)v), y);

        var dTable = new float[table.Length];
        Array.Fill(dTable, float.NaN);   // overwritten, never read
        Embedding.Backward(indices, dy, dimensions, dTable);
        double[] expected = EmbeddingReference.Backward(indices, RecurrentKernelTests.D(dy), rows, dimensions);
        RecurrentKernelTests.AssertClose(expected, dTable, 1e-6, 1e-6, "table gradient");
        Assert.All(Enumerable.Range(0, dimensions), d => Assert.Equal(0f, dTable[(rows - 1) * dimensions + d]));   // the row never used
    }

    [Fact]
    public void GradientMatchesFiniteDifferences()
    {
        (float[] table, float[] indices, float[] c) = Case(5, 3, 12, 1);
        var dTable = new float[table.Length];
        Embedding.Backward(indices, c, 3, dTable);
        double[] t = RecurrentKernelTests.D(table);
        var fd = new double[t.Length];
        for (int i = 0; i < t.Length; i++)
        {
            double keep = t[i];
            t[i] = keep + 1e-6;
            double up = EmbeddingReference.Forward(indices, t, 3).Select((v, n) => v * c[n]).Sum();
            t[i] = keep - 1e-6;
            double down = EmbeddingReference.Forward(indices, t, 3).Select((v, n) => v * c[n]).Sum();
            t[i] = keep;
            fd[i] = (up - down) / 2e-6;
        }
        RecurrentKernelTests.AssertClose(fd, dTable, 1e-6, 1e-5, "table gradient vs finite differences");
    }

    [Fact]
    public void ARowMetManyTimesSumsInIndexOrder()
    {
        // float addition is not associative: the sum must be position 0, then 1, then 2, ... on every call
        float[] indices = { 1, 0, 1, 1, 1 };
        float[] dy = { 1e8f, 1, 1f, -1e8f, 1f };
        var dTable = new float[2];
        Embedding.Backward(indices, dy, 1, dTable);
        float expected = 0;
        foreach (float v in new[] { 1e8f, 1f, -1e8f, 1f }) expected += v;
        Assert.Equal(expected, dTable[1]);
        Assert.Equal(1f, dTable[0]);
    }

    [Theory]
    [InlineData(-1f)]
    [InlineData(3f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void AnIndexOutsideTheTableIsRefused(float bad)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Embedding.Forward(new[] { 0f, bad }, new float[6], 2, new float[4]));
        Assert.Contains("Index 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Embedding.Backward(new[] { bad }, new float[2], 2, new float[6]));
    }
}
