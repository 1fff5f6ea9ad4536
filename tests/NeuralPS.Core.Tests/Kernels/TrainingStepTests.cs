using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>
/// What the fast paths promise about whole training steps: same bits on any thread count, no allocation.
/// Not run beside other tests, which would slow the multithreaded ones down.
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

    /// <summary>
    /// A small CNN over the same rows as 1×28×28 images: convolutions with and without a fused ReLU, Same and Valid,
    /// max pooling (argmax kept between the passes), average pooling and the implicit flatten.
    /// </summary>
    private static Network CnnNetwork()
    {
        var net = new Network(new Shape(1, 28, 28), "cnn", seed: 7);
        net.Add(new Conv2DLayer(8, 3, 3, padding: NeuralPS.Core.Kernels.Padding.Same, activation: Activation.Relu));
        net.Add(new MaxPool2DLayer(2, 2));
        net.Add(new Conv2DLayer(12, 3, 3, activation: Activation.Tanh));
        net.Add(new AveragePool2DLayer(2, 2));
        net.Add(new DenseLayer(10, Activation.Softmax));
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 1e-3 };
        return net;
    }

    /// <summary>
    /// A recurrent network over the same rows as sequences of 28 steps × 28 features: an LSTM returning every state
    /// into a GRU returning its last, then a softmax (the states the backward passes need kept between the passes).
    /// </summary>
    private static Network RecurrentNetwork()
    {
        var net = new Network(Shape.Sequence(28, 28), "rnn", seed: 7);
        net.Add(new LstmLayer(12, returnSequences: true));
        net.Add(new GruLayer(8));
        net.Add(new DenseLayer(10, Activation.Softmax));
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 1e-3 };
        return net;
    }

    private static Network Make(string kind) => kind switch
    {
        "cnn" => CnnNetwork(),
        "rnn" => RecurrentNetwork(),
        _ => W1Network(),
    };

    /// <summary>
    /// A single prediction (the sparse one-row path, which skips zero inputs) gives the bits of the same row predicted
    /// in a batch (the blocked kernels), after some training so that the weights are no longer the initial ones.
    /// </summary>
    [Fact]
    public void APredictionAloneHasTheBitsOfTheSameRowInABatch()
    {
        Dataset data = W1Like(256, seed: 11);
        Network net = W1Network();
        foreach (EpochResult _ in new Trainer(net, data, null, new TrainingOptions { Epochs = 2, BatchSize = 64, Seed = 1 }).Run()) { }
        const int rows = 40;
        float[] batch = net.Predict(data.Features.AsSpan(0, rows * 784), rows);
        var alone = new float[10];
        for (int r = 0; r < rows; r++)
        {
            net.Predict(data.Features.AsSpan(r * 784, 784), 1, alone);
            Assert.True(alone.AsSpan().SequenceEqual(batch.AsSpan(r * 10, 10)), $"row {r}: alone and in a batch differ");
        }
    }

    [Theory]
    [InlineData(32, "w1")]
    [InlineData(128, "w1")]
    [InlineData(200, "w1")]
    [InlineData(16, "cnn")]
    [InlineData(50, "cnn")]
    [InlineData(16, "rnn")]
    [InlineData(64, "rnn")]
    public void ParametersAreBitIdenticalOnOneTwoAndThreeThreads(int batch, string kind)
    {
        Dataset data = W1Like(5 * batch + 17, seed: 1);   // five full batches and a partial one
        float[]? first = null;
        for (int threads = 1; threads <= 3; threads++)
        {
            Network net = Make(kind);
            foreach (EpochResult _ in new Trainer(net, data, null,
                         new TrainingOptions { Epochs = 2, BatchSize = batch, Seed = 3, ThreadCount = threads }).Run()) { }
            first ??= net.Parameters;
            Assert.Equal(first, net.Parameters);
        }
    }

    /// <summary>NAdam runs on Adam's pool-split update (W1 has 100K parameters, above the split threshold): the same bits on any thread count.</summary>
    [Theory]
    [InlineData(OptimizerKind.Nadam)]
    [InlineData(OptimizerKind.AdamW)]
    public void TheSplitAdamFamilyUpdatesAreBitIdenticalOnOneTwoAndThreeThreads(OptimizerKind kind)
    {
        Dataset data = W1Like(3 * 64 + 5, seed: 2);
        float[]? first = null;
        for (int threads = 1; threads <= 3; threads++)
        {
            Network net = W1Network();
            net.OptimizerSettings = new OptimizerSettings { Kind = kind, LearningRate = 1e-3 };
            foreach (EpochResult _ in new Trainer(net, data, null,
                         new TrainingOptions { Epochs = 2, BatchSize = 64, Seed = 3, ThreadCount = threads }).Run()) { }
            first ??= net.Parameters;
            Assert.Equal(first, net.Parameters);
        }
    }

    /// <summary>
    /// Validation passes take up to 1024 rows at a time from the network's workspace; with more validation rows than
    /// the batch size they used to replace (and dispose) the workspace training went on with: on 2 threads the next
    /// epoch's first split product threw ObjectDisposedException.
    /// </summary>
    [Fact]
    public void ValidationLargerThanTheBatchTrainsOnTwoThreadsAsOnOne()
    {
        Dataset train = W1Like(300, seed: 4), validation = W1Like(700, seed: 5);
        float[]? first = null;
        double? firstLoss = null;
        for (int threads = 1; threads <= 2; threads++)
        {
            Network net = W1Network();
            List<EpochResult> epochs = new Trainer(net, train, validation,
                new TrainingOptions { Epochs = 3, BatchSize = 128, Seed = 3, ThreadCount = threads }).Run().ToList();
            Assert.Equal(3, epochs.Count);
            Assert.All(epochs, e => Assert.NotNull(e.ValidationLoss));
            first ??= net.Parameters;
            firstLoss ??= epochs[^1].ValidationLoss;
            Assert.Equal(first, net.Parameters);
            Assert.Equal(firstLoss, epochs[^1].ValidationLoss);
        }
    }

    [Theory]
    [InlineData(1, "w1")]
    [InlineData(2, "w1")]
    [InlineData(1, "cnn")]
    [InlineData(2, "cnn")]
    [InlineData(1, "rnn")]
    [InlineData(2, "rnn")]
    public void ATrainingStepAllocatesNothingAfterWarmUp(int threads, string kind)
    {
        const int batch = 64;
        Dataset data = W1Like(batch * 4, seed: 2);
        Network net = Make(kind);
        net.ThreadCount = threads;
        Workspace ws = net.GetWorkspace(batch);
        Optimizer optimizer = net.Optimizer = Optimizer.Create(net.OptimizerSettings, net.ParameterCount);
        optimizer.Pool = ws.Pool; // as the Trainer does: the update splits across the pool

        int[] order = Enumerable.Range(0, batch * 4).Reverse().ToArray();
        void Step(int s)
        {
            int start = s % 4 * batch;
            // As the trainer: a first dense layer reads its rows from the data (in both passes), the rest is gathered.
            bool forwarded = ws.TryForwardGathered(data.Features, order, start, batch);
            ws.Gather(data.Features, 784, data.Targets, 1, order, start, batch, copyFeatures: !forwarded);
            if (!forwarded) ws.Forward(ws.Inputs, batch, training: true);
            ws.Backward(ws.Inputs, ws.Targets.AsSpan(0, batch), 1, batch);
            ws.Clip(0, 0);
            optimizer.Step(net.Parameters, ws.Gradients, 1e-3f);
        }

        for (int s = 0; s < 200; s++) Step(s);   // warm-up: buffers, worker threads, tiered compilation
        // Counted per thread (the caller and each pool worker), since the process-wide count also sees the test
        // host's own threads. RunOnWorkers: on a loaded machine the pool may be running every part on the caller
        // for a while; the probe must reach each worker.
        var probe = new AllocationProbe(threads);
        long[] before = new long[threads];
        int[] threadIds = new int[threads];
        ws.Pool.RunOnWorkers(probe, threads);
        probe.Bytes.CopyTo(before, 0);
        probe.Threads.CopyTo(threadIds, 0);
        for (int s = 0; s < 300; s++) Step(s);
        ws.Pool.RunOnWorkers(probe, threads);
        Assert.Equal(threads, threadIds.Distinct().Count());
        Assert.Equal(threadIds, probe.Threads);
        for (int t = 0; t < threads; t++) Assert.Equal(before[t], probe.Bytes[t]);
    }
}

/// <summary>
/// Reads each pool thread's allocation counter. Part 0 (the caller) waits until every other part has started, so
/// each part runs on its own worker rather than being taken over by the caller.
/// </summary>
internal sealed class AllocationProbe : NeuralPS.Core.Kernels.IPoolWork
{
    public readonly long[] Bytes;
    public readonly int[] Threads;
    private int _started;

    public AllocationProbe(int threads) => (Bytes, Threads) = (new long[threads], new int[threads]);

    public void Execute(int part, int parts)
    {
        if (part == 0)
        {
            long deadline = Environment.TickCount64 + 10_000;   // no Stopwatch: the probe itself must not allocate
            while (Volatile.Read(ref _started) < parts - 1 && Environment.TickCount64 < deadline) Thread.Yield();
            _started = 0;
        }
        else Interlocked.Increment(ref _started);
        Threads[part] = Environment.CurrentManagedThreadId;
        Bytes[part] = GC.GetAllocatedBytesForCurrentThread();
    }
}

[CollectionDefinition(nameof(TrainingStepTests), DisableParallelization = true)]
public class TrainingStepCollection { }
