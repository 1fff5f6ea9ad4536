using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Trust;

/// <summary>A training that diverges while its loss is finite stops with Diverged and keeps the last good weights.</summary>
public class DivergenceTests
{
    private static Network Iris(double learningRate, OptimizerKind kind = OptimizerKind.Sgd)
    {
        var net = new Network(4, "iris", seed: 1);
        net.Add(new DenseLayer(16, Activation.Relu));
        net.Add(new DenseLayer(3, Activation.Softmax));
        net.OptimizerSettings = new OptimizerSettings { Kind = kind, LearningRate = learningRate };
        return net;
    }

    private static List<EpochResult> Train(Network net, int epochs, int batchSize = 32) =>
        new Trainer(net, SampleDatasets.Iris(), null, new TrainingOptions { Epochs = epochs, BatchSize = batchSize, Seed = 1 }).Run().ToList();

    [Fact]
    public void SgdAtAMillionOnIrisIsDivergedWithinTheFirstEpochWithItsWeightsRestored()
    {
        // before: the loss went to 7e22 and the weights to 2e18 with no error
        Network net = Iris(1e6);
        float[] initial = net.Parameters.ToArray();
        var e = Assert.Throws<TrainingDivergedException>(() => Train(net, 20));
        Assert.Equal("Diverged", e.ErrorId);
        Assert.Equal(1, e.Epoch);
        Assert.InRange(e.Batch, 2, 5); // 150 rows in batches of 32
        Assert.Contains($"at epoch 1, batch {e.Batch}", e.Message);
        Assert.Contains("Lower the learning rate", e.Message);
        Assert.Equal(initial, net.Parameters);
        Assert.Empty(net.History);
        // it trains on at a sane rate, from the restored weights
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.05 };
        Assert.Equal(3, Train(net, 3).Count);
    }

    [Fact]
    public void DivergingInALaterEpochKeepsTheEpochBefore()
    {
        // three calm epochs, then the schedule multiplies the rate by a million
        Network net = Iris(0.01);
        net.OptimizerSettings = new OptimizerSettings
        {
            Kind = OptimizerKind.Sgd, LearningRate = 0.01, Schedule = new ScheduleSettings { Kind = ScheduleKind.Step, StepSize = 3, Gamma = 1e8 },
        };
        var snapshots = new List<float[]>();
        var e = Assert.Throws<TrainingDivergedException>(() =>
        {
            foreach (EpochResult _ in new Trainer(net, SampleDatasets.Iris(), null, new TrainingOptions { Epochs = 10, BatchSize = 16 }).Run())
                snapshots.Add(net.Parameters.ToArray());
        });
        Assert.Equal("Diverged", e.ErrorId);
        Assert.Equal(4, e.Epoch);
        Assert.Equal(3, net.History.Count);
        Assert.Equal(snapshots[^1], net.Parameters);
    }

    [Fact]
    public void AResumedNetworkAtATinyLossIsMeasuredAgainstItsFirstEpoch()
    {
        // a well-trained network's first batch of a new run may be 1e-4 of where it started; a later batch 1e4 times
        // that is noise, not divergence: the reference is the larger of the first epoch ever and this run's first batch
        var network = new Network(1, "resumed", seed: 1);
        network.History.Add(new EpochResult { Epoch = 1, Loss = 2.0 });
        var guard = new DivergenceGuard(network);
        Assert.False(guard.Exceeded(1e-4)); // the first batch of this run
        Assert.Equal(2e4, guard.Bound);
        Assert.False(guard.Exceeded(1.0));
        Assert.False(guard.Exceeded(19_999));
        Assert.True(guard.Exceeded(20_001));
    }

    [Fact]
    public void WithoutHistoryTheFirstBatchIsTheReference()
    {
        var guard = new DivergenceGuard(new Network(1, "new", seed: 1));
        Assert.True(double.IsPositiveInfinity(guard.Bound));
        Assert.False(guard.Exceeded(3.0));
        Assert.Equal(3e4, guard.Bound);
        Assert.True(guard.Exceeded(3e4 + 1));
        Assert.Equal("NonFiniteLoss", guard.Error(1, 2, double.NaN).ErrorId);
        Assert.Equal("Diverged", guard.Error(1, 2, 4e4).ErrorId);
        TrainingDivergedException weights = guard.Error(2, 5, 1.5, weights: true);
        Assert.Equal("Diverged", weights.ErrorId);
        Assert.Contains("weights stopped being finite at epoch 2, batch 5", weights.Message);
    }

    [Fact]
    public void NonFiniteWeightsAreFound()
    {
        Assert.True(DivergenceGuard.AreFinite(new float[] { 0, -1e38f, 3 }));
        Assert.False(DivergenceGuard.AreFinite(new float[] { 0, float.PositiveInfinity }));
        Assert.False(DivergenceGuard.AreFinite(new float[] { float.NaN, 1 }));
    }

    [Fact]
    public void OrdinaryTrainingIsNotStopped()
    {
        // Adam at its usual rate, and SGD at a high but converging one, on several seeds
        foreach (long seed in new long[] { 1, 2, 3 })
        {
            Network adam = Iris(0.01, OptimizerKind.Adam);
            Assert.Equal(30, new Trainer(adam, SampleDatasets.Iris(), null, new TrainingOptions { Epochs = 30, BatchSize = 8, Seed = seed }).Run().Count());
            Network sgd = Iris(0.5);
            Assert.Equal(30, new Trainer(sgd, SampleDatasets.Iris(), null, new TrainingOptions { Epochs = 30, BatchSize = 8, Seed = seed }).Run().Count());
        }
    }
}
