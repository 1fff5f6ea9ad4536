using NeuralPS.Core.Data;
using NeuralPS.Core.Distributed;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>
/// Data-parallel training without MPI: ranks are threads of this process joined by <see cref="ThreadCommunicator"/>,
/// so the trainer's sharding, weighted reduce, clipping order, reduced metrics and stopping are checked in
/// milliseconds. The real Open MPI jobs are in tests/Distributed.Tests.ps1.
/// </summary>
public class DistributedTests
{
    private static Dataset Regression(int rows, int seed)
    {
        var random = new RandomSource(seed);
        var x = new float[rows * 3];
        var y = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < 3; j++) x[r * 3 + j] = (float)random.NextGaussian();
            y[r] = (float)(Math.Sin(x[r * 3]) + 0.5 * x[r * 3 + 1] * x[r * 3 + 1] - 0.3 * x[r * 3 + 2]);
        }
        return new Dataset(x, 3, y, 1, DatasetTask.Regression, name: "regression");
    }

    private static Network Net(bool batchNorm = false)
    {
        var net = new Network(3, "net", 5);
        net.Add(new DenseLayer(12, Activation.Tanh, l2: 0.01f));
        if (batchNorm) net.Add(new BatchNormLayer());
        net.Add(new DenseLayer(1, Activation.Linear));
        // A small ClipNorm that every step hits: clipping before the reduce would give another update.
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.1, Momentum = 0.9, ClipNorm = 0.05 };
        return net;
    }

    /// <summary>Trains one network per rank on threads; returns each rank's network and epoch results.</summary>
    private static (Network Net, List<EpochResult> Epochs)[] TrainOnRanks(int ranks, Func<Network> build, Dataset train, Dataset? validation,
        TrainingOptions options)
    {
        var group = new ThreadCommunicator.Group(ranks);
        var tasks = Enumerable.Range(0, ranks).Select(rank => Task.Run(() =>
        {
            Network net = build();
            var rankOptions = new TrainingOptions
            {
                Epochs = options.Epochs, BatchSize = options.BatchSize, Seed = options.Seed, ValidationSplit = options.ValidationSplit,
                Communicator = new ThreadCommunicator(group, rank),
            };
            return (net, new Trainer(net, train, validation, rankOptions).Run().ToList());
        })).ToArray();
        Assert.True(Task.WaitAll(tasks, TimeSpan.FromSeconds(60)), "the ranks did not finish");
        return tasks.Select(t => t.Result).ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual, double relative, double absolute)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Math.Max(relative * Math.Abs(expected[i]), absolute),
                $"parameter {i}: {actual[i]} instead of {expected[i]}");
    }

    [Theory]
    [InlineData(2, 10)] // shards of 5
    [InlineData(3, 10)] // shards of 3, 3 and 4 rows: weights are not all equal
    [InlineData(4, 3)]  // a batch smaller than the job: one rank's shard is empty
    public void RanksAgreeBitForBitAndFollowTheSingleProcessRun(int ranks, int batch)
    {
        Dataset train = Regression(47, 1), validation = Regression(23, 2);
        var options = new TrainingOptions { Epochs = 2, BatchSize = batch, Seed = 9 };
        Network alone = Net();
        List<EpochResult> single = new Trainer(alone, train, validation, options).Run().ToList();

        var results = TrainOnRanks(ranks, () => Net(), train, validation, options);
        foreach (var (net, epochs) in results)
        {
            Assert.Equal(results[0].Net.Parameters, net.Parameters); // the same bits everywhere
            Assert.Equal(2, epochs.Count);
            for (int e = 0; e < 2; e++)
            {
                Assert.Equal(results[0].Epochs[e].Loss, epochs[e].Loss);
                Assert.Equal(single[e].Loss, epochs[e].Loss, 1e-5);
                Assert.Equal(single[e].ValidationLoss!.Value, epochs[e].ValidationLoss!.Value, 1e-5);
            }
        }
        AssertClose(alone.Parameters, results[0].Net.Parameters, 1e-4, 1e-6);
    }

    [Fact]
    public void TheFirstStepEqualsTheSingleProcessStepOnTheWholeBatch()
    {
        Dataset train = Regression(40, 3);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 0, Seed = 1 }; // one step on all 40 rows
        Network alone = Net();
        new Trainer(alone, train, null, options).Run().ToList();
        foreach (int ranks in new[] { 2, 3 })
            AssertClose(alone.Parameters, TrainOnRanks(ranks, () => Net(), train, null, options)[0].Net.Parameters, 1e-6, 1e-7);
    }

    [Fact]
    public void EveryRankHoldsTheSameNetworkFromRank0sStartAndTheSameBatchNormStatistics()
    {
        Dataset train = Regression(60, 4);
        int built = 0;
        // Each rank's network draws its own seed (New-Network without -Seed), so rank 0's must be broadcast.
        Network Build()
        {
            var net = new Network(3, "net", 100 + Interlocked.Increment(ref built));
            net.Add(new DenseLayer(8, Activation.Relu));
            net.Add(new BatchNormLayer());
            net.Add(new DenseLayer(1, Activation.Linear));
            net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.01 };
            return net;
        }
        var results = TrainOnRanks(3, Build, train, null, new TrainingOptions { Epochs = 3, BatchSize = 12, ValidationSplit = 0.25 });
        foreach (var (net, epochs) in results)
        {
            Assert.Equal(results[0].Net.Parameters, net.Parameters);
            for (int i = 0; i < net.Layers.Count; i++) Assert.Equal(results[0].Net.Layers[i].State, net.Layers[i].State);
            Assert.Equal(results[0].Epochs.Select(e => e.ValidationLoss), epochs.Select(e => e.ValidationLoss));
        }
    }

    [Fact]
    public void ShardsAreDisjointSlicesCoveringTheBatch()
    {
        foreach (int size in new[] { 1, 2, 3, 4, 7 })
            foreach (int count in new[] { 1, 2, 5, 64, 513 })
            {
                var group = new ThreadCommunicator.Group(size);
                int next = 100;
                for (int rank = 0; rank < size; rank++)
                {
                    (int start, int rows) = new DataParallel(new ThreadCommunicator(group, rank)).Shard(100, count);
                    Assert.Equal(next, start);
                    Assert.InRange(rows, count / size, count / size + 1);
                    next += rows;
                }
                Assert.Equal(100 + count, next);
            }
    }

    [Fact]
    public void LbfgsIsRefused()
    {
        Network net = Net();
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Lbfgs };
        var options = new TrainingOptions { Communicator = new ThreadCommunicator(new ThreadCommunicator.Group(2), 0) };
        var e = Assert.Throws<NeuralPSException>(() => new Trainer(net, Regression(10, 1), null, options));
        Assert.Equal(ErrorIds.DistributedNotSupported, e.ErrorId);
    }

    [Fact]
    public void TheWaitSeesAStopAndEndsTheJobThroughAbort()
    {
        // Rank 1 never comes: rank 0 waits in its first collective until the token is cancelled, then aborts.
        var group = new ThreadCommunicator.Group(2);
        var rank0 = new ThreadCommunicator(group, 0);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var trainer = new Trainer(Net(), Regression(20, 1), null, new TrainingOptions { Epochs = 1, Communicator = rank0 });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Throws<OperationCanceledException>(() => trainer.Run(stop.Token).ToList());
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.15, 5);
        Assert.Equal(1, rank0.Aborts);
    }

    [Fact]
    public void ThePollerReturnsWhenTheRequestCompletesAndAbortsOnlyWhenStopped()
    {
        int tests = 0, aborts = 0;
        RequestPoller.Wait(0, _ => ++tests == 500, () => aborts++, CancellationToken.None);
        Assert.Equal(500, tests); // past the spinning phase into the yielding one
        Assert.Equal(0, aborts);

        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Assert.Throws<OperationCanceledException>(() => RequestPoller.Wait(0, _ => false, () => aborts++, stop.Token));
        Assert.Equal(1, aborts);
    }
}

/// <summary>
/// Ranks as threads of one process: the collectives meet at a barrier that is waited for through
/// <see cref="RequestPoller"/>, as the MPI requests are, so a stop is seen the same way. Sums add the ranks' buffers in
/// rank order on every rank, so every rank gets the same bits. <see cref="Abort"/> only counts.
/// </summary>
internal sealed class ThreadCommunicator(ThreadCommunicator.Group group, int rank) : ICommunicator
{
    public sealed class Group(int size)
    {
        public readonly int Size = size;
        public readonly object?[] Slots = new object?[size];
        public int Arrived, Generation;
    }

    public int Rank => rank;
    public int Size => group.Size;
    public int Aborts;

    private void Meet(CancellationToken cancellation)
    {
        int generation = Volatile.Read(ref group.Generation);
        if (Interlocked.Increment(ref group.Arrived) == group.Size)
        {
            group.Arrived = 0;
            Interlocked.Increment(ref group.Generation);
            return;
        }
        RequestPoller.Wait(generation, g => Volatile.Read(ref group.Generation) != g, () => Abort("stopped", 2), cancellation);
    }

    public void Broadcast(Span<byte> data, CancellationToken cancellation)
    {
        if (rank == 0) group.Slots[0] = data.ToArray();
        Meet(cancellation);
        ((byte[])group.Slots[0]!).CopyTo(data);
        Meet(cancellation);
    }

    public void Sum(Span<float> data, CancellationToken cancellation) => SumOf(data, cancellation);

    public void Sum(Span<double> data, CancellationToken cancellation) => SumOf(data, cancellation);

    private void SumOf<T>(Span<T> data, CancellationToken cancellation) where T : struct, System.Numerics.INumber<T>
    {
        group.Slots[rank] = data.ToArray();
        Meet(cancellation);
        var total = new T[data.Length];
        for (int r = 0; r < group.Size; r++)
        {
            var part = (T[])group.Slots[r]!;
            for (int i = 0; i < total.Length; i++) total[i] += part[i];
        }
        Meet(cancellation);
        total.CopyTo(data);
    }

    public void Abort(string message, int errorCode) => Interlocked.Increment(ref Aborts);
}
