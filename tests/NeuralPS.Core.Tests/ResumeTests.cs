using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>
/// Resuming is exact: a network saved to a model file mid-run and loaded trains on with the same bits as the run that
/// never stopped, for every optimizer and every schedule, because the optimizer owns its schedule, the schedule's
/// position and its step count, and the model file saves all of it with the random streams.
/// </summary>
public class ResumeTests
{
    private const int Epochs = 6;

    private static Dataset Data() => SampleDatasets.Get("Regression", 48, 0.1, 1);

    private static Network Net(OptimizerSettings settings)
    {
        var net = new Network(3, "resume", seed: 11);
        net.Add(new DenseLayer(6, Activation.Tanh));
        net.Add(new DropoutLayer(0.2f));
        net.Add(new BatchNormLayer(Activation.Relu));
        net.Add(new DenseLayer(1, Activation.Linear));
        net.OptimizerSettings = settings;
        return net;
    }

    private static List<EpochResult> Train(Network net, int epochs) =>
        new Trainer(net, Data(), null, new TrainingOptions { Epochs = epochs, BatchSize = 16 }).Run().ToList();

    private static Network SaveAndLoad(Network net) => ModelFile.FromBytes(ModelFile.ToBytes(net));

    public static IEnumerable<object[]> Optimizers() => new (string, OptimizerSettings)[]
    {
        ("Sgd", new() { Kind = OptimizerKind.Sgd, LearningRate = 0.05 }),
        ("Nesterov", new() { Kind = OptimizerKind.Sgd, LearningRate = 0.05, Momentum = 0.9, Nesterov = true }),
        ("AdaGrad", new() { Kind = OptimizerKind.AdaGrad, LearningRate = 0.05 }),
        ("RmsProp", new() { Kind = OptimizerKind.RmsProp, Momentum = 0.5, Centered = true }),
        ("Adam", new() { Kind = OptimizerKind.Adam, LearningRate = 0.01 }),
        ("AdamW", new() { Kind = OptimizerKind.AdamW, LearningRate = 0.01 }),
        ("Nadam", new() { Kind = OptimizerKind.Nadam }),
        ("Lbfgs", new() { Kind = OptimizerKind.Lbfgs, MaxIterations = 3 }),
    }.SelectMany(o => Schedules().Select(s => new object[]
    {
        // the plateau schedule watches a rate too small to improve the loss, so that it has something to cut
        o.Item1, s.Item1, o.Item2 with { Schedule = s.Item2, LearningRate = s.Item2.Kind == ScheduleKind.ReduceOnPlateau ? 1e-7 : o.Item2.LearningRate },
    }));

    private static IEnumerable<(string, ScheduleSettings)> Schedules() => new (string, ScheduleSettings)[]
    {
        ("None", new()),
        ("Step", new() { Kind = ScheduleKind.Step, StepSize = 2, Gamma = 0.5 }),
        ("Exponential", new() { Kind = ScheduleKind.Exponential, Gamma = 0.7 }),
        ("Cosine", new() { Kind = ScheduleKind.Cosine, TMax = 4, MinLearningRate = 1e-4 }),
        ("ReduceOnPlateau", new() { Kind = ScheduleKind.ReduceOnPlateau, Patience = 0, Factor = 0.5 }),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void EveryOptimizerAndScheduleResumesFromAFileWithTheSameBits(string optimizer, string schedule, OptimizerSettings settings)
    {
        Network whole = Net(settings);
        List<EpochResult> uninterrupted = Train(whole, Epochs);
        if (schedule != "None" && !(schedule == "ReduceOnPlateau" && optimizer == "Lbfgs"))
            Assert.NotEqual(uninterrupted[0].LearningRate, uninterrupted[^1].LearningRate);

        foreach (int savedAt in new[] { 1, 3, 5 })
        {
            Network first = Net(settings);
            Train(first, savedAt);
            Network resumed = SaveAndLoad(first);
            Train(resumed, Epochs - savedAt);
            string where = $"{optimizer} × {schedule}, saved after epoch {savedAt}";
            Assert.True(whole.Parameters.AsSpan().SequenceEqual(resumed.Parameters), $"{where}: the weights differ");
            for (int i = 0; i < resumed.Layers.Count; i++) Assert.Equal(whole.Layers[i].State, resumed.Layers[i].State);
            Assert.Equal(Epochs, resumed.History.Count);
            for (int e = 0; e < Epochs; e++)
            {
                (EpochResult a, EpochResult b) = (uninterrupted[e], resumed.History[e]);
                Assert.True(a.Epoch == b.Epoch && a.Loss.Equals(b.Loss) && a.LearningRate.Equals(b.LearningRate),
                    $"{where}: epoch {e + 1} was loss {a.Loss:R} at rate {a.LearningRate:R}, resumed loss {b.Loss:R} at rate {b.LearningRate:R}");
            }
            Assert.Equal(whole.Optimizer.StepCount, resumed.Optimizer.StepCount);
            Assert.Equal(whole.Optimizer.Schedule.Position, resumed.Optimizer.Schedule.Position);
            Assert.Equal(whole.TrainingRandom.GetState(), resumed.TrainingRandom.GetState());
            Assert.Equal(whole.DropoutRandom.GetState(), resumed.DropoutRandom.GetState());
        }
    }

    /// <summary>The measured bug: a Step schedule set after 3 epochs, saved and loaded at epoch 5, went on at 0.025 and 0.0125.</summary>
    [Fact]
    public void AScheduleSetLaterCountsItsOwnEpochsAcrossAFile()
    {
        var settings = new OptimizerSettings
        {
            Kind = OptimizerKind.Sgd, LearningRate = 0.05, Schedule = new ScheduleSettings { Kind = ScheduleKind.Step, StepSize = 4, Gamma = 0.5 },
        };
        Network net = Net(new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.01 });
        Train(net, 3);
        net.OptimizerSettings = settings;
        Train(net, 2);
        Network loaded = SaveAndLoad(net);
        Assert.Equal(new[] { 0.05, 0.05 }, Train(loaded, 2).Select(r => r.LearningRate));
        Assert.Equal(new[] { 0.05, 0.05 }, Train(net, 2).Select(r => r.LearningRate));
        Assert.Equal(net.Parameters, loaded.Parameters);
        Assert.Equal(new[] { 0.025, 0.025 }, Train(loaded, 2).Select(r => r.LearningRate));
    }

    /// <summary>The measured bug: ReduceOnPlateau's watch was not saved, so a loaded network went back to the base rate.</summary>
    [Fact]
    public void ThePlateauScheduleKeepsItsWatchAcrossAFile()
    {
        var settings = new OptimizerSettings
        {
            Kind = OptimizerKind.Sgd, LearningRate = 1e-9,
            Schedule = new ScheduleSettings { Kind = ScheduleKind.ReduceOnPlateau, Patience = 1, Factor = 0.5 },
        };
        Network whole = Net(settings);
        List<EpochResult> uninterrupted = Train(whole, 7);
        Network net = Net(settings);
        List<EpochResult> first = Train(net, 5);
        Assert.True(first[^1].LearningRate < 1e-9, "the rate was cut before the file was written");
        Network loaded = SaveAndLoad(net);
        List<EpochResult> resumed = Train(loaded, 2);
        Assert.Equal(uninterrupted.Skip(5).Select(r => r.LearningRate), resumed.Select(r => r.LearningRate));
        Assert.True(resumed[0].LearningRate < 1e-9, "not back to the base rate");
        Assert.Equal(whole.Parameters, loaded.Parameters);
    }

    /// <summary>
    /// A file of format 1 (checked in, written by NeuralPS before the training state had a section of its own: an
    /// iris classifier with every layer kind, Adam at 0.01 with a Step schedule of StepSize 2 and Gamma 0.5 set before
    /// training, trained 3 epochs at batch 16) loads and resumes: the schedule counts the epochs of its history.
    /// </summary>
    [Fact]
    public void AFileOfTheFormerFormatLoadsAndResumes()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Data", "iris-format1.npsm"));
        Assert.Equal(1, BitConverter.ToInt32(bytes, 8));
        Network net = ModelFile.FromBytes(bytes);
        Assert.Equal(3, net.History.Count);
        Assert.Equal(new[] { 0.01, 0.01, 0.005 }, net.History.Select(h => h.LearningRate));
        Assert.Equal(OptimizerKind.Adam, net.OptimizerSettings.Kind);
        Assert.Equal(3 * 10, net.Optimizer.StepCount); // 150 rows in batches of 16
        Assert.Equal(3, net.Optimizer.Epoch);

        Network again = ModelFile.FromBytes(bytes);
        var resumed = new Trainer(net, SampleDatasets.Iris(), null, new TrainingOptions { Epochs = 2, BatchSize = 16 }).Run().ToList();
        Assert.Equal(new[] { 0.005, 0.0025 }, resumed.Select(r => r.LearningRate));
        // what the format-1 code itself gave when it resumed this file (its rates were right for a schedule set
        // before training); a kernel that sums in another order may move the last digits
        Assert.Equal(0.3140766606179655, resumed[0].Loss, 1e-6);
        Assert.Equal(0.2894121302803594, resumed[1].Loss, 1e-6);

        // and resuming through a file of the new format changes nothing
        new Trainer(again, SampleDatasets.Iris(), null, new TrainingOptions { Epochs = 1, BatchSize = 16 }).Run().ToList();
        Network converted = SaveAndLoad(again);
        Assert.Equal(ModelFile.FormatVersion, BitConverter.ToInt32(ModelFile.ToBytes(converted), 8));
        new Trainer(converted, SampleDatasets.Iris(), null, new TrainingOptions { Epochs = 1, BatchSize = 16 }).Run().ToList();
        Assert.Equal(net.Parameters, converted.Parameters);
        Assert.Equal(net.History.Select(h => h.Loss), converted.History.Select(h => h.Loss));
    }

    /// <summary>A layer added after training leaves an optimizer whose slots no longer fit: it is not saved, and training starts a fresh one.</summary>
    [Fact]
    public void ALayerAddedAfterTrainingStartsAFreshOptimizer()
    {
        Network net = Net(new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.01 });
        Train(net, 2);
        net.Add(new DenseLayer(1, Activation.Linear));
        Assert.Null(net.Training.Optimizer);
        Network loaded = SaveAndLoad(net);
        Assert.Null(loaded.Training.Optimizer);
        Assert.Equal(net.OptimizerSettings, loaded.OptimizerSettings);
        Train(net, 1);
        Train(loaded, 1);
        Assert.Equal(net.Parameters, loaded.Parameters);
        Assert.Equal(net.ParameterCount, net.Optimizer.ParameterCount);
    }

    [Fact]
    public void LbfgsHonoursItsLearningRate()
    {
        List<float[]> results = new();
        foreach (double rate in new[] { 1.0, 0.5 })
        {
            Network net = Net(new OptimizerSettings { Kind = OptimizerKind.Lbfgs, LearningRate = rate, MaxIterations = 5 });
            List<EpochResult> epochs = Train(net, 2);
            Assert.All(epochs, e => Assert.Equal(rate, e.LearningRate));
            Assert.True(epochs[^1].Loss < epochs[0].Loss || epochs[0].Loss < 1e-3, "L-BFGS learns at either rate");
            results.Add(net.Parameters.ToArray());
        }
        Assert.NotEqual(results[0], results[1]);
    }

    [Fact]
    public void TheNetworkDoesNotDependOnTraining()
    {
        // Network.cs is the model: it must not reach for the training side (Trainer, Workspace, schedules, optimizers).
        string source = File.ReadAllText(Path.Combine(RepoRoot(), "src", "NeuralPS.Core", "Network.cs"));
        foreach (string word in new[] { "NeuralPS.Core.Training", "NeuralPS.Core.Optimizers", "Trainer", "Workspace", "Schedule", "OptimizerSettings", "TrainingState" })
            Assert.DoesNotContain(word, source);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NeuralPS.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("NeuralPS.sln not found above the test assembly.");
    }
}
