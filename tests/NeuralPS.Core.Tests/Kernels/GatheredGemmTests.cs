using NeuralPS.Core.Kernels;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>
/// A first dense layer's product on a shuffled batch, reading its rows straight from the data
/// (<see cref="Gemm.TryMultiplyBiasGathered(GemmPath, int, int, int, ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, bool, WorkerPool?)"/>):
/// bit for bit the product of the copied rows, on every path, tile shape and thread count.
/// </summary>
public class GatheredGemmTests
{
    public static IEnumerable<object[]> Cases()
    {
        // m, k, n: W1's first layer at batch 32 and 129 (edge tiles), two k blocks (k > 512), the tile shapes of a
        // wide (n = 128), a two-vector (n = 32) and a narrow (n = 10) output, m below one tile; read transposed (the
        // weight gradient: k = the first number, the batch) 600 rows make two k blocks.
        int[][] shapes = { new[] { 32, 784, 128 }, new[] { 129, 784, 128 }, new[] { 300, 600, 70 }, new[] { 201, 300, 32 },
            new[] { 301, 400, 10 }, new[] { 5, 300, 129 }, new[] { 600, 200, 64 } };
        foreach (GemmPath path in Enum.GetValues<GemmPath>())
            foreach (int[] s in shapes)
                yield return new object[] { path, s[0], s[1], s[2] };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GivesTheBitsOfTheCopiedRows(GemmPath path, int m, int k, int n)
    {
        if (!GemmPaths.IsSupported(path) || path == GemmPath.Reference) return;
        var random = new Random(m * 7 + k * 3 + n);
        int dataRows = 3 * m + 11;
        float[] data = Fill(random, dataRows * k), w = Fill(random, k * n), bias = Fill(random, n);
        (int[] order, float[] copied) = PickRows(random, data, k, m);

        using var pool2 = new WorkerPool(2);
        using var pool3 = new WorkerPool(3);
        foreach (bool relu in new[] { false, true })
        {
            var expected = new float[m * n];
            Gemm.Multiply(path, GemmForm.NN, m, n, k, copied, w, expected, false, bias, relu, null, small: false);
            foreach (WorkerPool? pool in new[] { null, pool2, pool3 })
            {
                var c = new float[m * n];
                Array.Fill(c, float.NaN); // the product must overwrite C
                Assert.True(Gemm.TryMultiplyBiasGathered(path, m, n, k, data, order, w, bias, c, relu, pool), $"{path} {m}x{k}x{n}: not taken");
                Assert.Equal(expected, c);
            }
        }
    }

    /// <summary>
    /// On two threads a first layer's forward product splits by k (GemmPlan.RunKHalves): part 1 continues the rows
    /// part 0 has published. Run one after the other on one thread, as the pool's inline spell does, the two parts
    /// give the bits of the copied product too, and part 0 publishes every row before it returns.
    /// </summary>
    [Theory]
    [InlineData(32, 784, 128)]
    [InlineData(129, 784, 128)]
    [InlineData(200, 1100, 128)]
    public unsafe void TwoThreadsSplitTheForwardProductByKAndOneThreadCanRunBothParts(int m, int k, int n)
    {
        GemmPath path = GemmPaths.Selected;
        if (path == GemmPath.Reference) return;
        var random = new Random(m + k + n);
        int dataRows = 2 * m + 5;
        float[] data = Fill(random, dataRows * k), w = Fill(random, k * n), bias = Fill(random, n);
        (int[] order, float[] copied) = PickRows(random, data, k, m);
        var expected = new float[m * n];
        Gemm.Multiply(path, GemmForm.NN, m, n, k, copied, w, expected, false, bias, true, null, small: false);

        var c = new float[m * n];
        Array.Fill(c, float.NaN);
        fixed (float* pa = data, pw = w, pc = c, pbias = bias)
        fixed (int* rows = order)
        {
            var plan = new GemmPlan(path, GemmForm.NN, m, n, k, pa, pw, pc, false, pbias, true, 2, rows);
            Assert.True(plan.SplitsK, $"{m}x{k}x{n} on two threads should split by k");
            Assert.Equal(2, plan.Parts);
            float[] scratch = new float[Math.Max(1, plan.ScratchFloats)];
            int rowsDone = 0;
            fixed (float* ps = scratch)
            {
                plan.RunPart(0, 2, ps, &rowsDone);
                Assert.Equal(m, rowsDone);
                plan.RunPart(1, 2, ps, &rowsDone);
            }
        }
        Assert.Equal(expected, c);
        using var pool2 = new WorkerPool(2);
        Array.Fill(c, float.NaN);
        Assert.True(Gemm.TryMultiplyBiasGathered(path, m, n, k, data, order, w, bias, c, true, pool2));
        Assert.Equal(expected, c);
    }

    /// <summary>
    /// Only a product that would split C by columns splits by k: with more than 256 rows C is split by rows (at
    /// batch 512 the partial C crossing between the cores cost more than the split saved), and three threads
    /// keep the usual split.
    /// </summary>
    [Theory]
    [InlineData(512, 2, false)]
    [InlineData(32, 3, false)]
    [InlineData(32, 1, false)]
    [InlineData(32, 2, true)]
    public unsafe void OnlyTwoThreadsOnAColumnSplitTakeTheKSplit(int m, int threads, bool splits)
    {
        int k = 784, n = 128;
        var data = new float[m * k];
        var w = new float[k * n];
        var c = new float[m * n];
        int[] order = Enumerable.Range(0, m).ToArray();
        fixed (float* pa = data, pw = w, pc = c)
        fixed (int* rows = order)
            Assert.Equal(splits, new GemmPlan(GemmPath.Avx2, GemmForm.NN, m, n, k, pa, pw, pc, false, null, false, threads, rows).SplitsK);
    }

    /// <summary>Where two threads divide a first layer's weight rows: the start of k's second half of blocks.</summary>
    [Theory]
    [InlineData(784, 392)]
    [InlineData(1100, 367)]
    [InlineData(2048, 1024)]
    [InlineData(512, 0)]
    [InlineData(10, 0)]
    public void TheSecondHalfOfKStartsAtABlockBoundary(int k, int expected) => Assert.Equal(expected, GemmPlan.SecondHalfOfK(k));

    /// <summary>The first layer's weight gradient xᵀ·dz with x's rows read in place: m = the data's width, k = the batch.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void TheTransposedProductGivesTheBitsOfTheCopiedRows(GemmPath path, int k, int m, int n)
    {
        if (!GemmPaths.IsSupported(path) || path == GemmPath.Reference) return;
        var random = new Random(m * 5 + k * 11 + n);
        int dataRows = 2 * k + 7;
        float[] data = Fill(random, dataRows * m), dz = Fill(random, k * n);
        (int[] order, float[] copied) = PickRows(random, data, m, k);

        var expected = new float[m * n];
        Gemm.Multiply(path, GemmForm.TN, m, n, k, copied, dz, expected, false, default, false, null, small: false);
        using var pool2 = new WorkerPool(2);
        using var pool3 = new WorkerPool(3);
        foreach (WorkerPool? pool in new[] { null, pool2, pool3 })
        {
            var c = new float[m * n];
            Array.Fill(c, float.NaN);
            Assert.True(Gemm.TryMultiplyGatheredTransposed(path, m, n, k, data, order, dz, c, pool), $"{path} TN {m}x{k}x{n}: not taken");
            Assert.Equal(expected, c);
        }
    }

    [Fact]
    public void ATinyProductOrASingleRowIsLeftToTheCaller()
    {
        float[] data = new float[40], w = new float[4 * 2], bias = new float[2], c = new float[10 * 2];
        int[] order = Enumerable.Range(0, 10).ToArray();
        Assert.False(Gemm.TryMultiplyBiasGathered(4, 2, 4, data, order, w, bias, c, false, null)); // SmallGemm's size
        Assert.False(Gemm.TryMultiplyBiasGathered(1, 2, 4, data, order, w, bias, c, false, null)); // one row
        Assert.False(Gemm.TryMultiplyGatheredTransposed(4, 2, 4, data, order, w, c, null)); // SmallGemm's size
        Assert.False(Gemm.TryMultiplyGatheredTransposed(1, 20, 40, new float[400], order.Concat(order).Concat(order).Concat(order).ToArray(),
            new float[800], c, null)); // one column of x: one-row tiles
        Assert.Equal(new float[20], c);
    }

    [Fact]
    public void ARowOutsideTheDataIsRefused()
    {
        int m = 40, k = 100, n = 64;
        float[] data = new float[m * k], w = new float[k * n], bias = new float[n], c = new float[m * n];
        int[] order = Enumerable.Range(0, m).ToArray();
        order[17] = m; // one past the last row
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.TryMultiplyBiasGathered(m, n, k, data, order, w, bias, c, false, null));
        order[17] = -1;
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.TryMultiplyBiasGathered(m, n, k, data, order, w, bias, c, false, null));
    }

    /// <summary>Through a workspace: W1's network on a shuffled batch, every layer's output as after copying the rows.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void AWorkspaceForwardOnTheDataGivesTheBitsOfTheCopiedBatch(int threads)
    {
        const int rows = 300, batch = 96;
        var random = new Random(5);
        float[] x = Fill(random, rows * 784);
        Network net = W1Network(threads, seed: 3);
        int[] order = Enumerable.Range(0, rows).OrderBy(_ => random.Next()).ToArray();
        var copied = new float[batch * 784];
        for (int i = 0; i < batch; i++) x.AsSpan(order[50 + i] * 784, 784).CopyTo(copied.AsSpan(i * 784, 784));

        var ws = net.GetWorkspace(batch);
        float[] expected = ws.Forward(copied, batch, training: true).ToArray();
        Array.Clear(ws.Inputs);
        ws.Forward(ws.Inputs, batch, training: true); // other outputs in every buffer first
        Assert.NotEqual(expected, ws.Output(batch).ToArray());
        Assert.True(ws.TryForwardGathered(x, order, 50, batch));
        Assert.Equal(expected, ws.Output(batch).ToArray());
    }

    /// <summary>The backward pass after it reads the rows in place again: every gradient as after copying the rows.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void TheBackwardPassAfterItGivesTheGradientsOfTheCopiedBatch(int threads)
    {
        const int rows = 300, batch = 96;
        var random = new Random(6);
        float[] x = Fill(random, rows * 784);
        float[] labels = Enumerable.Range(0, rows).Select(_ => (float)random.Next(10)).ToArray();
        Network net = W1Network(threads, seed: 4);
        int[] order = Enumerable.Range(0, rows).OrderBy(_ => random.Next()).ToArray();
        var ws = net.GetWorkspace(batch);

        ws.Gather(x, 784, labels, 1, order, 20, batch);
        ws.Forward(ws.Inputs, batch, training: true);
        double expectedLoss = ws.Backward(ws.Inputs, ws.Targets.AsSpan(0, batch), 1, batch);
        float[] expected = ws.Gradients.ToArray();

        Array.Clear(ws.Gradients);
        Assert.True(ws.TryForwardGathered(x, order, 20, batch));
        Array.Clear(ws.Inputs);
        ws.Gather(x, 784, labels, 1, order, 20, batch, copyFeatures: false);
        Assert.Equal(new float[batch * 784], ws.Inputs.AsSpan(0, batch * 784).ToArray()); // no copy of the features
        Assert.Equal(expectedLoss, ws.Backward(ws.Inputs, ws.Targets.AsSpan(0, batch), 1, batch));
        Assert.Equal(expected, ws.Gradients);
    }

    /// <summary>
    /// One input column: the forward product is large enough to read the rows in place, its weight gradient (one row
    /// of C) is not; the workspace then reads neither in place, and the batch is copied as before.
    /// </summary>
    [Fact]
    public void BothPassesReadTheRowsInPlaceOrNeither()
    {
        const int rows = 2048;
        Assert.True(Gemm.TakesGathered(GemmPaths.Selected, GemmForm.NN, rows, 300, 1));
        Assert.False(Gemm.TakesGathered(GemmPaths.Selected, GemmForm.TN, 1, 300, rows));
        var net = new Network(1, "one input", seed: 1);
        net.Add(new NeuralPS.Core.Layers.DenseLayer(300, Activation.Relu));
        net.Add(new NeuralPS.Core.Layers.DenseLayer(1, Activation.Linear));
        float[] x = Enumerable.Range(0, rows).Select(i => i / (float)rows).ToArray();
        int[] order = Enumerable.Range(0, rows).Reverse().ToArray();
        Assert.False(net.GetWorkspace(rows).TryForwardGathered(x, order, 0, rows));
    }

    /// <summary>
    /// Short rows (a tiny network's) are copied as two overlapping vectors: every width up to 16 features and targets,
    /// and 17 (the long-row loop), gives exactly the shuffled rows, and writes nothing past the batch.
    /// </summary>
    [Fact]
    public void GatherCopiesTheShuffledRowsOfEveryShortWidth()
    {
        const int rows = 40, batch = 13;
        var random = new Random(8);
        for (int inputs = 1; inputs <= 17; inputs++)
            foreach (int targetWidth in new[] { 1, 2, 5, 10, 16 })
            {
                var net = new Network(inputs, "short rows", seed: 1);
                net.Add(new NeuralPS.Core.Layers.DenseLayer(targetWidth, Activation.Linear));
                float[] x = Fill(random, rows * inputs), t = Fill(random, rows * targetWidth);
                int[] order = Enumerable.Range(0, rows).OrderBy(_ => random.Next()).ToArray();
                var ws = net.GetWorkspace(batch + 2);
                Array.Fill(ws.Inputs, float.NaN);
                Array.Fill(ws.Targets, float.NaN);
                ws.Gather(x, inputs, t, targetWidth, order, 5, batch);
                for (int i = 0; i < batch; i++)
                {
                    Assert.Equal(x.AsSpan(order[5 + i] * inputs, inputs).ToArray(), ws.Inputs.AsSpan(i * inputs, inputs).ToArray());
                    Assert.Equal(t.AsSpan(order[5 + i] * targetWidth, targetWidth).ToArray(), ws.Targets.AsSpan(i * targetWidth, targetWidth).ToArray());
                }
                Assert.All(ws.Inputs.AsSpan(batch * inputs).ToArray(), v => Assert.True(float.IsNaN(v), $"{inputs} inputs: written past the batch"));
                Assert.All(ws.Targets.AsSpan(batch * targetWidth).ToArray(), v => Assert.True(float.IsNaN(v), $"{targetWidth} targets: written past the batch"));
            }
    }

    /// <summary>784 → 128 ReLU (fused in the product) → 64 tanh (a separate pass) → 10 softmax.</summary>
    private static Network W1Network(int threads, int seed)
    {
        var net = new Network(784, "w1", seed) { ThreadCount = threads };
        net.Add(new NeuralPS.Core.Layers.DenseLayer(128, Activation.Relu));
        net.Add(new NeuralPS.Core.Layers.DenseLayer(64, Activation.Tanh));
        net.Add(new NeuralPS.Core.Layers.DenseLayer(10, Activation.Softmax));
        return net;
    }

    /// <summary><paramref name="rows"/> distinct rows of <paramref name="data"/> (rows of <paramref name="width"/>) in a shuffled order, and their copy.</summary>
    private static (int[] Order, float[] Copied) PickRows(Random random, float[] data, int width, int rows)
    {
        int[] order = Enumerable.Range(0, data.Length / width).OrderBy(_ => random.Next()).Take(rows).ToArray();
        float[] copied = new float[rows * width];
        for (int i = 0; i < rows; i++) data.AsSpan(order[i] * width, width).CopyTo(copied.AsSpan(i * width, width));
        return (order, copied);
    }

    private static float[] Fill(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
