using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>
/// What the fast paths promise about whole training steps: same bits on any thread count, no allocation.
/// Not run beside other tests: the allocation count is process-wide.
/// </summary>
[Collection(nameof(TrainingStepTests))]
public class TrainingStepTests
{
    private static Dataset W1Like(int rows, int seed)
    {
        var random = new Random(seed);
        var x = new float[rows * 784];
        var y = new float[rows];
        for (int i = 0; i < x.Length; i++) x[i] = random.Next(4) == 0 ? (float)random.NextDouble() : 0f;  // sparse, as images are
        for (int r = 0; r < rows; r++) y[r] = random.Next(10);
        return new Dataset(x, 784, y, 1, DatasetTask.Classification, classNames: Enumerable.Range(0, 10).Select(i => $"{i}").ToArray());
    }

    private static Network W1Network()
    {
        var net = new Network(784, "w1", seed: 7);
        net.Add(new DenseLayer(128, Activation.Relu));
        net.Add(new DenseLayer(64, Activation.Relu));
        net.Add(new DenseLayer(10, Activation.Softmax));
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 1e-3 };
        return net;
    }

    [Theory]
    [InlineData(32)]
    [InlineData(128)]
    [InlineData(200)]
    public void ParametersAreBitIdenticalOnOneTwoAndThreeThreads(int batch)
    {
        Dataset data = W1Like(5 * batch + 17, seed: 1);   // five full batches and a partial one
        float[]? first = null;
        for (int threads = 1; threads <= 3; threads++)
        {
            Network net = W1Network();
            foreach (EpochResult _ in new Trainer(net, data, null,
                         new TrainingOptions { Epochs = 2, BatchSize = batch, Seed = 3, ThreadCount = threads }).Run()) { }
            first ??= net.Parameters;
            Assert.Equal(first, net.Parameters);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ATrainingStepAllocatesNothingAfterWarmUp(int threads)
    {
        const int batch = 64;
        Dataset data = W1Like(batch * 4, seed: 2);
        Network net = W1Network();
        net.ThreadCount = threads;
        Workspace ws = net.GetWorkspace(batch);
        Optimizer optimizer = net.Optimizer = Optimizer.Create(net.OptimizerSettings, net.ParameterCount);

        void Step(int s)
        {
            int start = s % 4 * batch;
            data.Features.AsSpan(start * 784, batch * 784).CopyTo(ws.Inputs);
            data.Targets.AsSpan(start, batch).CopyTo(ws.Targets);
            ws.Forward(ws.Inputs, batch, training: true);
            ws.Backward(ws.Inputs, ws.Targets.AsSpan(0, batch), 1, batch);
            ws.Clip(0, 0);
            optimizer.Step(net.Parameters, ws.Gradients, 1e-3f);
        }

        for (int s = 0; s < 200; s++) Step(s);   // warm-up: buffers, worker threads, tiered compilation
        // The calling thread must allocate nothing at all. The process-wide count also sees the test host's own
        // threads, which add a few hundred bytes now and then; an allocation in the step itself, on a worker,
        // would add at least 24 bytes × 300 steps to every round.
        long quietestHere = long.MaxValue, quietestTotal = long.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            long total = GC.GetTotalAllocatedBytes(precise: true), here = GC.GetAllocatedBytesForCurrentThread();
            for (int s = 0; s < 300; s++) Step(s);
            quietestHere = Math.Min(quietestHere, GC.GetAllocatedBytesForCurrentThread() - here);
            quietestTotal = Math.Min(quietestTotal, GC.GetTotalAllocatedBytes(precise: true) - total);
        }
        Assert.Equal(0, quietestHere);
        Assert.True(quietestTotal < 300 * 24, $"{quietestTotal} bytes allocated over 300 steps");
    }
}

[CollectionDefinition(nameof(TrainingStepTests), DisableParallelization = true)]
public class TrainingStepCollection { }
