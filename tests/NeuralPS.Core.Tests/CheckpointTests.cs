using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>
/// Checkpoints (Invoke-Training -CheckpointPath): which files a training writes, and that every one of them resumes
/// with the bits of the training that never stopped.
/// </summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "neuralps-ckpt-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static readonly Dataset Data = SampleDatasets.Get("Regression", 48, 0.1, 1);
    private static readonly Dataset Validation = SampleDatasets.Get("Regression", 24, 0.1, 2);

    private static Network Net()
    {
        var net = new Network(3, "checkpointed", seed: 5);
        net.Add(new DenseLayer(6, Activation.Tanh));
        net.Add(new DropoutLayer(0.2f));
        net.Add(new BatchNormLayer(Activation.Relu));
        net.Add(new DenseLayer(1, Activation.Linear));
        net.OptimizerSettings = new OptimizerSettings
        {
            Kind = OptimizerKind.Adam, LearningRate = 0.01, Schedule = new ScheduleSettings { Kind = ScheduleKind.Step, StepSize = 2, Gamma = 0.5 },
        };
        return net;
    }

    private List<EpochResult> Train(Network net, int epochs, int every = 1, int keep = 100, bool checkpoints = true) =>
        new Trainer(net, Data, Validation, new TrainingOptions
        {
            Epochs = epochs, BatchSize = 16,
            Checkpoints = checkpoints ? new CheckpointOptions { Folder = _folder, Every = every, Keep = keep } : null,
        }).Run().ToList();

    private string[] Files() => Directory.GetFiles(_folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void EveryEpochCheckpointResumesWithTheBitsOfTheTrainingThatNeverStopped()
    {
        const int Epochs = 6;
        Network plain = Net();
        Train(plain, Epochs, checkpoints: false);
        Network whole = Net();
        Train(whole, Epochs);
        Assert.Equal(plain.Parameters, whole.Parameters); // writing checkpoints changes nothing
        Assert.Equal(new[] { "best.npsm", "epoch-0001.npsm", "epoch-0002.npsm", "epoch-0003.npsm", "epoch-0004.npsm", "epoch-0005.npsm", "epoch-0006.npsm", "last.npsm" }, Files());
        Assert.Equal(ModelFile.ToBytes(whole), File.ReadAllBytes(Path.Combine(_folder, "last.npsm")));

        for (int saved = 1; saved < Epochs; saved++)
        {
            Network resumed = ModelFile.Read(Path.Combine(_folder, $"epoch-{saved:D4}.npsm"));
            Assert.Equal(saved, resumed.History.Count);
            new Trainer(resumed, Data, Validation, new TrainingOptions { Epochs = Epochs - saved, BatchSize = 16 }).Run().ToList();
            Assert.True(whole.Parameters.AsSpan().SequenceEqual(resumed.Parameters), $"resumed from epoch {saved}: the weights differ");
            for (int i = 0; i < whole.Layers.Count; i++) Assert.Equal(whole.Layers[i].State, resumed.Layers[i].State);
            Assert.Equal(whole.History.Select(h => (h.Loss, h.ValidationLoss, h.LearningRate)), resumed.History.Select(h => (h.Loss, h.ValidationLoss, h.LearningRate)));
            Assert.Equal(whole.Optimizer.StepCount, resumed.Optimizer.StepCount);
            Assert.Equal(whole.Optimizer.StateBuffers, resumed.Optimizer.StateBuffers);
            Assert.Equal(whole.TrainingRandom.GetState(), resumed.TrainingRandom.GetState());
            Assert.Equal(whole.DropoutRandom.GetState(), resumed.DropoutRandom.GetState());
        }
    }

    [Fact]
    public void BestHoldsTheEpochWithTheLowestValidationLossOfTheWholeHistory()
    {
        Network net = Net();
        Train(net, 8);
        EpochResult best = net.History.MinBy(h => h.ValidationLoss!.Value)!;
        Network fromBest = ModelFile.Read(Path.Combine(_folder, "best.npsm"));
        Assert.Equal(best.Epoch, fromBest.History.Count);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_folder, $"epoch-{best.Epoch:D4}.npsm")), File.ReadAllBytes(Path.Combine(_folder, "best.npsm")));
    }

    [Fact]
    public void EveryNEpochsAndTheRunsLastKeepingTheNewestK()
    {
        Network net = Net();
        Train(net, 5, every: 2, keep: 2);
        // epochs 2 and 4 by the period, 5 as the run's last; the two most recent stay
        Assert.Equal(new[] { "best.npsm", "epoch-0004.npsm", "epoch-0005.npsm", "last.npsm" }, Files());
        Assert.Equal(5, ModelFile.Read(Path.Combine(_folder, "last.npsm")).History.Count);

        // a resumed training goes on numbering by the network's history, into the same folder
        Network resumed = ModelFile.Read(Path.Combine(_folder, "last.npsm"));
        Train(resumed, 2, every: 2, keep: 2);
        Assert.Equal(new[] { "best.npsm", "epoch-0006.npsm", "epoch-0007.npsm", "last.npsm" }, Files());
        Assert.Equal(7, ModelFile.Read(Path.Combine(_folder, "last.npsm")).History.Count);
        int bestEpoch = resumed.History.MinBy(h => h.ValidationLoss!.Value)!.Epoch;
        Assert.Equal(bestEpoch, ModelFile.Read(Path.Combine(_folder, "best.npsm")).History.Count);
    }

    [Fact]
    public void AFileWhereTheFolderShouldBeIsRefused()
    {
        File.WriteAllText(_folder, "not a folder");
        try
        {
            var e = Assert.Throws<NeuralPSException>(() => Train(Net(), 1));
            Assert.Equal(ErrorIds.CannotWriteFile, e.ErrorId);
            Assert.Contains("it is a file", e.Message);
        }
        finally { File.Delete(_folder); }
    }
}
