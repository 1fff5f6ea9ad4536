using System.Diagnostics;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>
/// The benchmark's per-phase profile: it counts every step, splits the step's time into phases that add up to no
/// more than the step, sees both threads, records nothing when off, and leaves the results' bits alone.
/// In the collection that runs alone: the counters are process-wide.
/// </summary>
[Collection(nameof(TrainingStepTests))]
public class StepProfileTests
{
    private static Dataset Data()
    {
        var random = new Random(3);
        var x = new float[512 * 784];
        var y = new float[512];
        for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble();
        for (int r = 0; r < y.Length; r++) y[r] = random.Next(10);
        return new Dataset(x, 784, y, 1, DatasetTask.Classification, classNames: Enumerable.Range(0, 10).Select(i => $"{i}").ToArray());
    }

    private static Network Net()
    {
        var net = new Network(784, "profiled", seed: 5);
        net.Add(new DenseLayer(128, Activation.Relu));
        net.Add(new DenseLayer(10, Activation.Softmax));
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 1e-3 };
        return net;
    }

    private static (float[] Parameters, double Seconds) Train(bool profile)
    {
        Network net = Net();
        StepProfile.Reset();
        StepProfile.Enabled = profile;
        var clock = Stopwatch.StartNew();
        try
        {
            var trainer = new Trainer(net, Data(), null, new TrainingOptions { Epochs = 1, BatchSize = 64, Seed = 1, ThreadCount = 2 });
            foreach (EpochResult _ in trainer.Run()) { }
        }
        finally { StepProfile.Enabled = false; }
        return (net.Parameters.ToArray(), clock.Elapsed.TotalSeconds);
    }

    [Fact]
    public void PhasesCoverEveryStepAndAddUpToNoMoreThanTheTraining()
    {
        (_, double seconds) = Train(profile: true);
        Assert.Equal(8, StepProfile.Steps); // 512 rows, batches of 64
        StepPhase[] trainerPhases = [StepPhase.Gather, StepPhase.Forward, StepPhase.Backward, StepPhase.Clip, StepPhase.Optimizer, StepPhase.Bookkeeping];
        foreach (StepPhase phase in new[] { StepPhase.Gather, StepPhase.Forward, StepPhase.Backward, StepPhase.Optimizer, StepPhase.Products, StepPhase.Loss })
            Assert.True(StepProfile.Seconds(phase) > 0, $"{phase} recorded no time");
        double steps = trainerPhases.Sum(StepProfile.Seconds);
        Assert.True(steps <= seconds, $"phases {steps} s > training {seconds} s");
        double inside = StepProfile.Seconds(StepPhase.Forward) + StepProfile.Seconds(StepPhase.Backward);
        Assert.True(StepProfile.Seconds(StepPhase.Products) + StepProfile.Seconds(StepPhase.Loss) <= inside,
            "products and loss are parts of the forward and backward passes");
        // 64×784×128 products split across both threads: each thread ran parts.
        Assert.True(StepProfile.BusySeconds(0) > 0 && StepProfile.BusySeconds(1) > 0, "a thread ran no part");
    }

    [Fact]
    public void OffRecordsNothingAndOnChangesNoBit()
    {
        (float[] plain, _) = Train(profile: false);
        Assert.Equal(0, StepProfile.Steps);
        Assert.Equal(0, StepProfile.Seconds(StepPhase.Forward));
        Assert.Equal(0, StepProfile.BusySeconds(1));
        (float[] profiled, _) = Train(profile: true);
        Assert.Equal(plain, profiled);
    }
}
