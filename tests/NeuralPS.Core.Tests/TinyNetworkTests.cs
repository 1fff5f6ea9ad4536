using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>
/// What a tiny network's training (XOR: one step an epoch) may cost besides its step: the epoch's result and little
/// more. Memory an epoch allocates is memory the runtime must hand out fresh, page by page, and on a virtual machine
/// each fresh page can cost a page fault of several microseconds, more than the epoch itself.
/// </summary>
public class TinyNetworkTests
{
    private static (Network, Dataset) Xor(ScheduleKind schedule = ScheduleKind.Constant)
    {
        var data = new Dataset(new float[] { 0, 0, 0, 1, 1, 0, 1, 1 }, 2, new float[] { 0, 1, 1, 0 }, 1,
            DatasetTask.Classification, classNames: new[] { "0", "1" });
        var net = new Network(2, "xor", seed: 1);
        net.Add(new DenseLayer(4, Activation.Tanh));
        net.Add(new DenseLayer(1, Activation.Sigmoid));
        net.OptimizerSettings = new OptimizerSettings
        {
            Kind = OptimizerKind.Sgd, LearningRate = 0.5, Schedule = new ScheduleSettings { Kind = schedule, StepSize = 100 },
        };
        return (net, data);
    }

    [Theory]
    [InlineData(ScheduleKind.Constant)]
    [InlineData(ScheduleKind.Step)]
    public void AnEpochAllocatesLittleMoreThanItsResult(ScheduleKind schedule)
    {
        (Network net, Dataset data) = Xor(schedule);
        const int epochs = 2000;
        var trainer = new Trainer(net, data, null, new TrainingOptions { Epochs = epochs, BatchSize = 0, Seed = 1, ThreadCount = 1 });
        IEnumerator<EpochResult> run = trainer.Run().GetEnumerator();
        for (int e = 0; e < 100; e++) Assert.True(run.MoveNext());   // the run's buffers are made
        long before = GC.GetAllocatedBytesForCurrentThread();
        int counted = 0;
        while (run.MoveNext()) counted++;
        long perEpoch = (GC.GetAllocatedBytesForCurrentThread() - before) / counted;
        // The EpochResult (about 110 bytes without -Metric) and the history list's growth; it was 368 bytes with the
        // metrics inline in every result and a new schedule position every epoch.
        Assert.True(perEpoch <= 200, $"{perEpoch} bytes an epoch");
        Assert.Equal(epochs, net.History.Count);
        Assert.Equal(epochs, net.Optimizer.Schedule.Position.Epoch);
        Assert.Equal(epochs, net.Optimizer.Epoch);
    }

    [Fact]
    public void AResultWithoutMetricsReadsNullAndOneWithThemKeepsThem()
    {
        var plain = new EpochResult { Epoch = 1, Loss = 0.5 };
        Assert.Null(plain.F1);
        Assert.Null(plain.ValidationR2);
        plain.F1 = null;   // setting null keeps the result small and reads null
        Assert.Null(plain.F1);

        var measured = new EpochResult { Epoch = 1, Loss = 0.5 };
        measured.F1 = 0.75;
        measured.ValidationMAE = 1.5;
        Assert.Equal(0.75, measured.F1);
        Assert.Equal(1.5, measured.ValidationMAE);
        Assert.Null(measured.Precision);
        measured.F1 = null;
        Assert.Null(measured.F1);
        Assert.Equal(1.5, measured.ValidationMAE);
    }

    [Fact]
    public void TheStepScheduleMovesWithTheEpochsAndResumesWhereItStood()
    {
        (Network net, Dataset data) = Xor(ScheduleKind.Step);
        var options = new TrainingOptions { Epochs = 150, BatchSize = 0, Seed = 1, ThreadCount = 1 };
        EpochResult[] results = new Trainer(net, data, null, options).Run().ToArray();
        Assert.Equal(0.5, results[99].LearningRate, 12);
        Assert.Equal(0.5 * 0.1, results[100].LearningRate, 12);   // StepSize 100, the default gamma 0.1
        SchedulePosition position = net.Optimizer.Schedule.Position;
        Assert.Equal(150, position.Epoch);
        Assert.Same(position, net.Optimizer.Schedule.Position);   // read twice, made once

        Network resumed = Serialization.ModelFile.FromBytes(Serialization.ModelFile.ToBytes(net));
        Assert.Equal(150, resumed.Optimizer.Schedule.Position.Epoch);
        EpochResult next = new Trainer(resumed, data, null, new TrainingOptions { Epochs = 60, BatchSize = 0, Seed = 1, ThreadCount = 1 }).Run().Last();
        Assert.Equal(0.5 * 0.01, next.LearningRate, 12);   // epoch 210: two steps down
    }
}
