using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>
/// Training control through the Trainer as the cmdlets drive it: early stopping and best-weight restoring, learning-rate
/// schedules, L-BFGS, divergence, validation split, dropout, batch norm at inference, initializers, determinism.
/// </summary>
public class TrainingControlTests
{
    // ---------------------------------------------------------------- data and networks

    /// <summary>y = sin(x1) + 0.5·x2² − 0.3·x3 plus a little noise; <paramref name="sign"/> −1 gives a task that fights it.</summary>
    private static Dataset Regression(int rows, int seed, double sign = 1)
    {
        var random = new RandomSource(seed);
        var x = new float[rows * 3];
        var y = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < 3; j++) x[r * 3 + j] = (float)random.NextGaussian();
            y[r] = (float)(sign * (Math.Sin(x[r * 3]) + 0.5 * x[r * 3 + 1] * x[r * 3 + 1] - 0.3 * x[r * 3 + 2]) + 0.05 * random.NextGaussian());
        }
        return new Dataset(x, 3, y, 1, DatasetTask.Regression, name: "regression");
    }

    private static Network RegressionNet(long seed = 3, OptimizerSettings? settings = null)
    {
        var net = new Network(3, "net", seed);
        net.Add(new DenseLayer(12, Activation.Tanh));
        net.Add(new DenseLayer(1, Activation.Linear));
        net.OptimizerSettings = settings ?? new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.05 };
        return net;
    }

    private static List<EpochResult> Train(Network net, Dataset data, TrainingOptions options, Dataset? validation = null,
        CancellationToken token = default) => new Trainer(net, data, validation, options).Run(token).ToList();

    // ---------------------------------------------------------------- early stopping

    [Theory]
    [InlineData(0.0, 3, 8)]  // 5 4 4.5 4.2 3.9 4 4 4: improvements at 1, 2, 5; three epochs without → stops at 8
    [InlineData(0.0, 4, 0)]  // patience 4 is never used up in 8 epochs
    [InlineData(0.2, 3, 5)]  // with min delta 0.2, 4.5 4.2 3.9 are not improvements on 4 → stops at 5
    [InlineData(0.2, 1, 3)]
    public void EarlyStoppingCountsPatienceAndMinDelta(double minDelta, int patience, int expectedStopEpoch)
    {
        double[] losses = { 5, 4, 4.5, 4.2, 3.9, 4, 4, 4 };
        var stopping = new EarlyStopping(RegressionNet(), new TrainingOptions { Patience = patience, MinDelta = minDelta, Monitor = "Loss" }, false);
        int stoppedAt = 0;
        for (int e = 1; e <= losses.Length && stoppedAt == 0; e++)
            if (stopping.ShouldStop(new EpochResult { Epoch = e, Loss = losses[e - 1] })) stoppedAt = e;
        Assert.Equal(expectedStopEpoch, stoppedAt);
        if (stoppedAt > 0) Assert.Contains($"no improvement for {patience} epochs", stopping.Reason);
    }

    [Fact]
    public void EarlyStoppingStopsTrainingAndMinDeltaDecides()
    {
        Dataset data = Regression(64, 1);
        // full-batch descent: the loss falls every epoch, so only the min delta can make it stop
        var all = Train(RegressionNet(), data, new TrainingOptions { Epochs = 15, BatchSize = 0, Patience = 2, Monitor = "Loss" });
        Assert.Equal(15, all.Count);
        Assert.All(all.Skip(1).Zip(all), pair => Assert.True(pair.First.Loss < pair.Second.Loss));

        var net = RegressionNet();
        var trainer = new Trainer(net, data, null, new TrainingOptions { Epochs = 15, BatchSize = 0, Patience = 2, MinDelta = 1.0, Monitor = "Loss" });
        var stopped = trainer.Run().ToList();
        Assert.Equal(3, stopped.Count); // epoch 1 sets the best; 2 and 3 do not beat it by 1.0
        Assert.Contains("no improvement for 2 epochs", trainer.StopReason);
        Assert.Equal(3, net.History.Count);
    }

    public enum Ending { EarlyStopping, EpochsRanOut, Cancelled, ConsumerStopped }

    /// <summary>
    /// The validation task is the training task negated, so the validation loss gets worse as the network learns and
    /// the best epoch is an early one. Whatever ends training, the network ends with the best epoch's weights.
    /// </summary>
    [Theory]
    [InlineData(Ending.EarlyStopping)]
    [InlineData(Ending.EpochsRanOut)]
    [InlineData(Ending.Cancelled)]
    [InlineData(Ending.ConsumerStopped)]
    public void RestoresTheBestWeightsWhateverEndedTraining(Ending ending)
    {
        Dataset train = Regression(64, 1), validation = Regression(32, 2, sign: -1);
        var net = RegressionNet();
        var options = new TrainingOptions { Epochs = 12, BatchSize = 16, Patience = ending == Ending.EarlyStopping ? 3 : 100 };
        using var cancel = new CancellationTokenSource();
        var snapshots = new List<float[]>();
        var results = new List<EpochResult>();
        foreach (EpochResult result in new Trainer(net, train, validation, options).Run(cancel.Token))
        {
            results.Add(result);
            snapshots.Add(net.Parameters.ToArray());
            if (ending == Ending.Cancelled && results.Count == 7) cancel.Cancel();
            if (ending == Ending.ConsumerStopped && results.Count == 7) break;
        }
        int expectedCount = ending switch { Ending.EpochsRanOut => 12, Ending.EarlyStopping => results.Count, _ => 7 };
        Assert.Equal(expectedCount, results.Count);
        if (ending == Ending.EarlyStopping) Assert.True(results.Count < 12, "early stopping ended training");

        int best = BestEpoch(results.Select(r => r.ValidationLoss!.Value).ToList());
        Assert.True(best < results.Count - 1, "the best epoch is not the last (the test would prove nothing)");
        Assert.Equal(snapshots[best], net.Parameters);
        Assert.NotEqual(snapshots[^1], net.Parameters);
        // and the restored network evaluates to the best validation loss
        Assert.Equal(results[best].ValidationLoss!.Value, Evaluator.Evaluate(net, validation).Loss, 12);
    }

    [Fact]
    public void AnEpochTheConsumerStopsAtIsStillACandidateForBest()
    {
        // validation on the same task: the loss falls every epoch, so the last epoch handed out is the best one,
        // even when the consumer stops right there (Select-Object -First 3, Ctrl+C while the result is written)
        Dataset train = Regression(64, 1), validation = Regression(32, 2);
        var net = RegressionNet();
        var results = new List<EpochResult>();
        foreach (EpochResult result in new Trainer(net, train, validation, new TrainingOptions { Epochs = 10, BatchSize = 0, Patience = 5 }).Run())
        {
            results.Add(result);
            if (results.Count == 3) break;
        }
        Assert.True(results[2].ValidationLoss < results[1].ValidationLoss);
        Assert.Equal(results[2].ValidationLoss!.Value, Evaluator.Evaluate(net, validation).Loss, 12);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void KeepsTheLastWeightsWhenAskedNotToRestore(bool earlyStop)
    {
        Dataset train = Regression(64, 1), validation = Regression(32, 2, sign: -1);
        var net = RegressionNet();
        var results = new List<EpochResult>();
        var snapshots = new List<float[]>();
        foreach (EpochResult result in new Trainer(net, train, validation,
            new TrainingOptions { Epochs = 12, BatchSize = 16, Patience = earlyStop ? 3 : 100, RestoreBestWeights = false }).Run())
        {
            results.Add(result);
            snapshots.Add(net.Parameters.ToArray());
        }
        int best = BestEpoch(results.Select(r => r.ValidationLoss!.Value).ToList());
        Assert.True(best < results.Count - 1);
        Assert.Equal(snapshots[^1], net.Parameters);
        Assert.NotEqual(snapshots[best], net.Parameters);
    }

    [Fact]
    public void LbfgsAlsoRestoresTheBestWeights()
    {
        Dataset train = Regression(64, 1), validation = Regression(32, 2, sign: -1);
        var net = RegressionNet(settings: new OptimizerSettings { Kind = OptimizerKind.Lbfgs, MaxIterations = 5 });
        var trainer = new Trainer(net, train, validation, new TrainingOptions { Epochs = 10, Patience = 2 });
        var results = new List<EpochResult>();
        var snapshots = new List<float[]>();
        foreach (EpochResult result in trainer.Run())
        {
            results.Add(result);
            snapshots.Add(net.Parameters.ToArray());
        }
        Assert.True(results.Count < 10, "early stopping ended L-BFGS");
        Assert.NotNull(trainer.StopReason);
        int best = BestEpoch(results.Select(r => r.ValidationLoss!.Value).ToList());
        Assert.True(best < results.Count - 1);
        Assert.Equal(snapshots[best], net.Parameters);
    }

    private static int BestEpoch(IList<double> monitored)
    {
        int best = 0;
        for (int i = 1; i < monitored.Count; i++) if (monitored[i] < monitored[best]) best = i;
        return best;
    }

    [Fact]
    public void MonitorValidationLossNeedsValidationData()
    {
        var e = Assert.Throws<NeuralPSException>(() =>
            Train(RegressionNet(), Regression(20, 1), new TrainingOptions { Epochs = 2, Patience = 2, Monitor = "ValidationLoss" }));
        Assert.Equal("NoValidationData", e.ErrorId);
    }

    // ---------------------------------------------------------------- learning-rate schedules

    public static IEnumerable<object[]> Schedules()
    {
        const double b = 0.05;
        yield return new object[] { new ScheduleSettings(), Enumerable.Repeat(b, 10).ToArray() };
        yield return new object[] { new ScheduleSettings { Kind = ScheduleKind.Step, StepSize = 3, Gamma = 0.5 },
            Enumerable.Range(0, 10).Select(e => b * Math.Pow(0.5, e / 3)).ToArray() };
        yield return new object[] { new ScheduleSettings { Kind = ScheduleKind.Exponential, Gamma = 0.9 },
            Enumerable.Range(0, 10).Select(e => b * Math.Pow(0.9, e)).ToArray() };
        // cosine over the run's 10 epochs (TMax 0), as torch's CosineAnnealingLR with T_max = 10
        yield return new object[] { new ScheduleSettings { Kind = ScheduleKind.Cosine, MinLearningRate = 0.001 },
            Enumerable.Range(0, 10).Select(e => 0.001 + (b - 0.001) * (1 + Math.Cos(Math.PI * e / 10)) / 2).ToArray() };
        // cosine with a shorter period stays at the minimum once the period is over
        yield return new object[] { new ScheduleSettings { Kind = ScheduleKind.Cosine, TMax = 4 },
            Enumerable.Range(0, 10).Select(e => b * (1 + Math.Cos(Math.PI * Math.Min(e, 4) / 4)) / 2).ToArray() };
    }

    [Theory]
    [MemberData(nameof(Schedules))]
    public void ScheduleRatesAreInEveryEpochResult(ScheduleSettings schedule, double[] expected)
    {
        var net = RegressionNet(settings: new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.05, Schedule = schedule });
        var results = Train(net, Regression(40, 1), new TrainingOptions { Epochs = 10, BatchSize = 8 });
        Assert.Equal(expected.Length, results.Count);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], results[i].LearningRate, 1e-12);
    }

    public static IEnumerable<object[]> PersistentSchedules() => new[]
    {
        new object[] { new ScheduleSettings { Kind = ScheduleKind.Step, StepSize = 2, Gamma = 0.5 } },
        new object[] { new ScheduleSettings { Kind = ScheduleKind.Exponential, Gamma = 0.7 } },
        new object[] { new ScheduleSettings { Kind = ScheduleKind.Cosine, TMax = 5, MinLearningRate = 0.001 } },
        new object[] { new ScheduleSettings { Kind = ScheduleKind.ReduceOnPlateau, Patience = 0, Factor = 0.5 } },
    };

    /// <summary>Like the optimizer's moments, the schedule carries on: 3 epochs and 3 more are 6 epochs, bit for bit.</summary>
    [Theory]
    [MemberData(nameof(PersistentSchedules))]
    public void SchedulesCarryOnAcrossTrainingRuns(ScheduleSettings schedule)
    {
        Dataset data = Regression(40, 1);
        var settings = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.05, Momentum = 0.9, Schedule = schedule };
        var once = RegressionNet(settings: settings);
        var whole = Train(once, data, new TrainingOptions { Epochs = 6, BatchSize = 8 });
        var twice = RegressionNet(settings: settings);
        var parts = Train(twice, data, new TrainingOptions { Epochs = 3, BatchSize = 8 })
            .Concat(Train(twice, data, new TrainingOptions { Epochs = 3, BatchSize = 8 })).ToList();
        Assert.Equal(whole.Select(r => r.LearningRate), parts.Select(r => r.LearningRate));
        Assert.NotEqual(whole[0].LearningRate, whole[^1].LearningRate);
        Assert.Equal(once.Parameters, twice.Parameters);

        // setting the optimizer again starts the schedule again
        twice.OptimizerSettings = settings;
        Assert.Equal(0.05, Train(twice, data, new TrainingOptions { Epochs = 1, BatchSize = 8 })[0].LearningRate);
    }

    [Fact]
    public void CosineWithoutTMaxAnnealsOverEachRun()
    {
        var net = RegressionNet(settings: new OptimizerSettings
        {
            Kind = OptimizerKind.Sgd, LearningRate = 0.05, Schedule = new ScheduleSettings { Kind = ScheduleKind.Cosine },
        });
        double[] expected = Enumerable.Range(0, 4).Select(e => 0.05 * (1 + Math.Cos(Math.PI * e / 4)) / 2).ToArray();
        Assert.Equal(expected, Train(net, Regression(40, 1), new TrainingOptions { Epochs = 4 }).Select(r => r.LearningRate));
        Assert.Equal(expected, Train(net, Regression(40, 1), new TrainingOptions { Epochs = 4 }).Select(r => r.LearningRate));
    }

    [Fact]
    public void ReduceOnPlateauCutsTheRateAfterPatienceEpochsWithoutImprovement()
    {
        // a rate so small that no epoch improves the loss by PyTorch's relative threshold of 1e-4
        var net = RegressionNet(settings: new OptimizerSettings
        {
            Kind = OptimizerKind.Sgd, LearningRate = 1e-7,
            Schedule = new ScheduleSettings { Kind = ScheduleKind.ReduceOnPlateau, Patience = 2, Factor = 0.5, MinLearningRate = 2e-8 },
        });
        var results = Train(net, Regression(40, 1), new TrainingOptions { Epochs = 12, BatchSize = 0 });
        double[] expected = { 1e-7, 1e-7, 1e-7, 1e-7, 5e-8, 5e-8, 5e-8, 2.5e-8, 2.5e-8, 2.5e-8, 2e-8, 2e-8 };
        Assert.Equal(expected.Length, results.Count);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], results[i].LearningRate, 1e-20);
    }

    [Fact]
    public void ReduceOnPlateauKeepsTheRateWhileTheLossImproves()
    {
        var net = RegressionNet(settings: new OptimizerSettings
        {
            Kind = OptimizerKind.Sgd, LearningRate = 0.05,
            Schedule = new ScheduleSettings { Kind = ScheduleKind.ReduceOnPlateau, Patience = 0, Factor = 0.5 },
        });
        var results = Train(net, Regression(64, 1), new TrainingOptions { Epochs = 8, BatchSize = 0 });
        Assert.All(results.Skip(1).Zip(results), p => Assert.True(p.First.Loss < p.Second.Loss * (1 - 1e-4)));
        Assert.All(results, r => Assert.Equal(0.05, r.LearningRate));
    }

    [Fact]
    public void TheScheduledRateIsTheRateTheUpdateUses()
    {
        // full-batch SGD without momentum has no state: epoch 2 at the scheduled rate must equal one epoch at that rate
        Dataset data = Regression(32, 1);
        var scheduled = RegressionNet(settings: new OptimizerSettings
        {
            Kind = OptimizerKind.Sgd, LearningRate = 0.2, Schedule = new ScheduleSettings { Kind = ScheduleKind.Exponential, Gamma = 0.25 },
        });
        var results = Train(scheduled, data, new TrainingOptions { Epochs = 2, BatchSize = 0, Shuffle = false });
        Assert.Equal(0.05, results[1].LearningRate, 1e-12);

        var manual = RegressionNet(settings: new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.2 });
        Train(manual, data, new TrainingOptions { Epochs = 1, BatchSize = 0, Shuffle = false });
        manual.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.05 };
        Train(manual, data, new TrainingOptions { Epochs = 1, BatchSize = 0, Shuffle = false });
        Assert.Equal(manual.Parameters, scheduled.Parameters);

        var unscheduled = RegressionNet(settings: new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.2 });
        Train(unscheduled, data, new TrainingOptions { Epochs = 2, BatchSize = 0, Shuffle = false });
        Assert.NotEqual(unscheduled.Parameters, scheduled.Parameters);
    }

    // ---------------------------------------------------------------- L-BFGS

    [Fact]
    public void LbfgsFitsASmallRegressionBetterThan200EpochsOfSgd()
    {
        Dataset data = Regression(64, 1);
        var sgd = RegressionNet(seed: 9, new OptimizerSettings { Kind = OptimizerKind.Sgd }); // lr 0.01, batch 32
        Train(sgd, data, new TrainingOptions { Epochs = 200 });
        double sgdLoss = Evaluator.Evaluate(sgd, data).Loss;

        var lbfgs = RegressionNet(seed: 9, new OptimizerSettings { Kind = OptimizerKind.Lbfgs });
        double initial = Evaluator.Evaluate(lbfgs, data).Loss;
        var results = Train(lbfgs, data, new TrainingOptions { Epochs = 10 });
        double lbfgsLoss = Evaluator.Evaluate(lbfgs, data).Loss;
        Assert.Equal(10, results.Count);
        Assert.True(lbfgsLoss < sgdLoss, $"L-BFGS {lbfgsLoss:G4} is below 200 epochs of SGD {sgdLoss:G4}");
        Assert.True(lbfgsLoss < 0.5 * sgdLoss, $"and well below: L-BFGS {lbfgsLoss:G4}, SGD {sgdLoss:G4}");
        Assert.True(sgdLoss < initial, "SGD learned something too");
        Assert.Equal(lbfgsLoss, results[^1].Loss, 9);
    }

    // ---------------------------------------------------------------- divergence

    [Fact]
    public void ANonFiniteLossStopsWithTheEpochAndBatchAndKeepsTheLastGoodEpoch()
    {
        // three calm epochs, then a step schedule multiplies the rate by 1e30: one step overflows the outputs (a rise
        // to a finite loss would be Diverged, tested below)
        var net = RegressionNet(settings: new OptimizerSettings
        {
            Kind = OptimizerKind.Sgd, LearningRate = 0.01, Schedule = new ScheduleSettings { Kind = ScheduleKind.Step, StepSize = 3, Gamma = 1e30 },
        });
        var snapshots = new List<float[]>();
        var e = Assert.Throws<TrainingDivergedException>(() =>
        {
            foreach (EpochResult _ in new Trainer(net, Regression(64, 1), null, new TrainingOptions { Epochs = 10, BatchSize = 8 }).Run())
                snapshots.Add(net.Parameters.ToArray());
        });
        Assert.Equal("NonFiniteLoss", e.ErrorId);
        Assert.Equal(4, e.Epoch);
        Assert.InRange(e.Batch, 2, 8);
        Assert.Contains($"epoch 4, batch {e.Batch}", e.Message);
        Assert.Equal(3, snapshots.Count);
        Assert.Equal(3, net.History.Count);
        Assert.Equal(snapshots[^1], net.Parameters);
        Assert.All(net.Predict(Regression(5, 7).Features, 5), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void WithEarlyStoppingADivergedRunStillKeepsTheLastGoodEpoch()
    {
        // early stopping would restore the best epoch at the end; a non-finite loss keeps the last good one, as its
        // message says (validation on the negated task makes epoch 1 the best)
        var net = RegressionNet(settings: new OptimizerSettings
        {
            Kind = OptimizerKind.Sgd, LearningRate = 0.01, Schedule = new ScheduleSettings { Kind = ScheduleKind.Step, StepSize = 3, Gamma = 1e9 },
        });
        var snapshots = new List<float[]>();
        var results = new List<EpochResult>();
        var e = Assert.Throws<TrainingDivergedException>(() =>
        {
            foreach (EpochResult r in new Trainer(net, Regression(64, 1), Regression(32, 2, sign: -1),
                new TrainingOptions { Epochs = 10, BatchSize = 8, Patience = 5 }).Run())
            {
                results.Add(r);
                snapshots.Add(net.Parameters.ToArray());
            }
        });
        Assert.Equal(4, e.Epoch);
        Assert.Contains("last good epoch", e.Message);
        Assert.True(BestEpoch(results.Select(r => r.ValidationLoss!.Value).ToList()) < 2);
        Assert.Equal(snapshots[2], net.Parameters);
    }

    [Fact]
    public void DivergingInTheFirstEpochGoesBackToTheStart()
    {
        var net = RegressionNet(settings: new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 1e12 });
        float[] initial = net.Parameters.ToArray();
        var e = Assert.Throws<TrainingDivergedException>(() => Train(net, Regression(64, 1), new TrainingOptions { Epochs = 5, BatchSize = 8 }));
        Assert.Equal(1, e.Epoch);
        Assert.True(e.Batch >= 2);
        Assert.Equal(initial, net.Parameters);
        Assert.Empty(net.History);
        // the optimizer state of the undone steps is dropped; training can go on at a sane rate
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.01 };
        Assert.Equal(2, Train(net, Regression(64, 1), new TrainingOptions { Epochs = 2, BatchSize = 8 }).Count);
    }

    // ---------------------------------------------------------------- validation

    [Fact]
    public void ValidationSplitHoldsOutASeededFraction()
    {
        Dataset data = Regression(40, 1);
        var net = RegressionNet(seed: 21, new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0 });
        var results = Train(net, data, new TrainingOptions { Epochs = 2, BatchSize = 0, ValidationSplit = 0.25 });

        // the held-out rows are the first round(0.25·40) of a shuffle seeded by the network's seed
        int[] order = Enumerable.Range(0, 40).ToArray();
        new RandomSource(RandomSource.Derive(21, 3_000)).Shuffle(order);
        Dataset heldOut = data.Subset(order[..10]), kept = data.Subset(order[10..]);
        Assert.Equal(Evaluator.Evaluate(net, heldOut).Loss, results[^1].ValidationLoss!.Value, 12);
        // with a zero rate the training loss is the loss over exactly the 30 kept rows
        Assert.Equal(Evaluator.Evaluate(net, kept).Loss, results[^1].Loss, 6);
        Assert.NotEqual(Evaluator.Evaluate(net, data).Loss, results[^1].Loss, 6);
    }

    [Fact]
    public void ValidationDataIsEvaluatedEveryEpochAndWinsOverASplit()
    {
        Dataset train = Regression(40, 1), validation = Regression(15, 2);
        var net = RegressionNet();
        var snapshots = new List<double>();
        foreach (EpochResult r in new Trainer(net, train, validation, new TrainingOptions { Epochs = 3, ValidationSplit = 0.5 }).Run())
            snapshots.Add(Evaluator.Evaluate(net, validation).Loss);
        Assert.Equal(3, net.History.Count);
        for (int i = 0; i < 3; i++) Assert.Equal(snapshots[i], net.History[i].ValidationLoss!.Value, 12);
        Assert.Null(Train(RegressionNet(), train, new TrainingOptions { Epochs = 1 })[0].ValidationLoss);
        Assert.Equal("InvalidValidationSplit", Assert.Throws<NeuralPSException>(() =>
            new Trainer(RegressionNet(), train, null, new TrainingOptions { ValidationSplit = 1.0 })).ErrorId);
    }

    // ---------------------------------------------------------------- dropout

    [Fact]
    public void DropoutIsOffAtInferenceAndSeededInTraining()
    {
        var net = new Network(3, "dropout", seed: 5);
        net.Add(new DenseLayer(50, Activation.Relu));
        net.Add(new DropoutLayer(0.5f));
        net.Add(new DenseLayer(1, Activation.Linear));
        var plain = new Network(3, "plain", seed: 5);
        plain.Add(new DenseLayer(50, Activation.Relu));
        plain.Add(new DenseLayer(1, Activation.Linear));
        plain.SetParameters(net.Parameters);
        float[] x = Regression(20, 3).Features;
        Assert.Equal(plain.Predict(x, 20), net.Predict(x, 20));
        Assert.Equal(net.Predict(x, 20), net.Predict(x, 20));

        Workspace ws = net.GetWorkspace(20);
        Assert.NotEqual(plain.Predict(x, 20), ws.Forward(x, 20, training: true).ToArray());

        // in training the mask drops about a fraction `rate` of the inputs and scales the rest by 1/(1 − rate)
        var alone = new Network(4000, "mask", seed: 5);
        alone.Add(new DropoutLayer(0.3f));
        float[] ones = Enumerable.Repeat(1f, 4000).ToArray();
        Assert.Equal(ones, alone.Predict(ones, 1));
        Workspace maskSpace = alone.GetWorkspace(1);
        alone.DropoutRandom = new RandomSource(77);
        float[] mask = maskSpace.Forward(ones, 1, training: true).ToArray();
        Assert.All(mask, m => Assert.True(m == 0f || m == 1f / 0.7f));
        Assert.InRange(mask.Count(m => m == 0f) / 4000.0, 0.28, 0.32);
        // the same stream gives the same mask; another stream another; the stream moves on between batches
        alone.DropoutRandom = new RandomSource(77);
        Assert.Equal(mask, maskSpace.Forward(ones, 1, training: true).ToArray());
        Assert.NotEqual(mask, maskSpace.Forward(ones, 1, training: true).ToArray());
        alone.DropoutRandom = new RandomSource(78);
        Assert.NotEqual(mask, maskSpace.Forward(ones, 1, training: true).ToArray());
    }

    // ---------------------------------------------------------------- batch norm

    [Fact]
    public void BatchNormUsesRunningStatisticsAtInference()
    {
        var net = new Network(3, "bn", seed: 5);
        net.Add(new BatchNormLayer());
        net.Add(new DenseLayer(1, Activation.Linear));
        var bn = (BatchNormLayer)net.Layers[0];
        Dataset data = Regression(16, 4);
        for (int i = 0; i < data.Features.Length; i++) data.Features[i] = data.Features[i] * 3 + 5; // far from mean 0, var 1

        // one full-batch step: running = 0.9·running + 0.1·batch statistic, the variance unbiased
        Train(net, data, new TrainingOptions { Epochs = 1, BatchSize = 0 });
        for (int j = 0; j < 3; j++)
        {
            double[] column = Enumerable.Range(0, 16).Select(r => (double)data.Features[r * 3 + j]).ToArray();
            double mean = column.Average(), unbiased = column.Sum(v => (v - mean) * (v - mean)) / 15;
            Assert.Equal(0.1 * mean, bn.RunningMean[j], 5);
            Assert.Equal(0.9 + 0.1 * unbiased, bn.RunningVariance[j], 4);
        }
        Train(net, data, new TrainingOptions { Epochs = 5, BatchSize = 4 });

        // inference: γ(x − running mean)/√(running var + ε) + β, row by row, whatever the batch
        float[] p = net.Parameters;
        var dense = (DenseLayer)net.Layers[1];
        float[] predictions = net.Predict(data.Features, 16);
        for (int r = 0; r < 16; r++)
        {
            double y = p[dense.ParameterOffset + dense.WeightCount];
            for (int j = 0; j < 3; j++)
            {
                double normalized = p[j] * (data.Features[r * 3 + j] - bn.RunningMean[j]) / Math.Sqrt(bn.RunningVariance[j] + 1e-5) + p[3 + j];
                y += normalized * p[dense.ParameterOffset + j];
            }
            Assert.Equal(y, predictions[r], 4);
            Assert.Equal(predictions[r], net.Predict(data.Features.AsSpan(r * 3, 3), 1)[0], 5);
        }
        // and inference leaves the running statistics alone
        float[] state = bn.State.ToArray();
        net.Predict(data.Features, 16);
        Assert.Equal(state, bn.State);
    }

    // ---------------------------------------------------------------- normalization

    [Fact]
    public void NormalizationLearnsOnTheFirstTrainingAndKeepsItsStatistics()
    {
        var net = new Network(3, "norm", seed: 5);
        net.Add(new NormalizationLayer());
        net.Add(new DenseLayer(1, Activation.Linear));
        var norm = (NormalizationLayer)net.Layers[0];
        Dataset first = Regression(50, 1);
        for (int i = 0; i < first.Features.Length; i++) first.Features[i] = first.Features[i] * (i % 3 + 1) * 10 - 100;
        Assert.False(norm.IsAdapted);
        Train(net, first, new TrainingOptions { Epochs = 1 });
        Assert.True(norm.IsAdapted);
        for (int j = 0; j < 3; j++)
        {
            double[] column = Enumerable.Range(0, 50).Select(r => (double)first.Features[r * 3 + j]).ToArray();
            double mean = column.Average(), std = Math.Sqrt(column.Sum(v => (v - mean) * (v - mean)) / 50);
            Assert.Equal(mean, norm.Mean[j], 3);
            Assert.Equal(std, norm.StandardDeviation[j], 3);
        }
        float[] learned = norm.State.ToArray();
        Train(net, Regression(50, 2), new TrainingOptions { Epochs = 1 });
        Assert.Equal(learned, norm.State);
        Assert.Equal(learned, net.Clone().Layers[0].State);
    }

    // ---------------------------------------------------------------- initializers

    [Theory]
    [InlineData(Initializer.GlorotUniform, Activation.Tanh, true)]
    [InlineData(Initializer.GlorotNormal, Activation.Tanh, false)]
    [InlineData(Initializer.HeUniform, Activation.Relu, true)]
    [InlineData(Initializer.HeNormal, Activation.Relu, false)]
    [InlineData(Initializer.LeCunNormal, Activation.Linear, false)]
    [InlineData(Initializer.LeCunUniform, Activation.Relu, true)]
    [InlineData(Initializer.Auto, Activation.Relu, false)]  // He normal
    [InlineData(Initializer.Auto, Activation.Tanh, true)]   // Glorot uniform
    public void InitializersHaveTheRightVariance(Initializer kind, Activation activation, bool uniform)
    {
        const int fanIn = 300, fanOut = 200;
        var net = new Network(fanIn, "init", seed: 13);
        net.Add(new DenseLayer(fanOut, activation, kind));
        var dense = (DenseLayer)net.Layers[0];
        float[] w = net.Parameters[..dense.WeightCount];
        Initializer resolved = kind != Initializer.Auto ? kind : activation == Activation.Relu ? Initializer.HeNormal : Initializer.GlorotUniform;
        double expected = resolved switch
        {
            Initializer.GlorotUniform or Initializer.GlorotNormal => 2.0 / (fanIn + fanOut),
            Initializer.HeUniform or Initializer.HeNormal => 2.0 / fanIn,
            Initializer.LeCunUniform => 1.0 / (3.0 * fanIn),
            _ => 1.0 / fanIn,
        };
        double mean = w.Average(v => (double)v), variance = w.Sum(v => (v - mean) * (v - mean)) / w.Length;
        Assert.InRange(variance / expected, 0.97, 1.03);
        Assert.InRange(Math.Abs(mean), 0, 4 * Math.Sqrt(expected / w.Length));
        double limit = Math.Sqrt(3 * expected);
        if (uniform)
        {
            Assert.All(w, v => Assert.InRange(Math.Abs(v), 0, limit));
            Assert.True(w.Max(Math.Abs) > 0.99 * limit, "the uniform range reaches its limit");
        }
        else Assert.True(w.Max(Math.Abs) > 1.5 * limit, "normal: tails beyond the uniform limit");
        Assert.All(net.Parameters[dense.WeightCount..], b => Assert.Equal(0f, b));
        var zeros = new Network(4, "zeros", 1);
        zeros.Add(new DenseLayer(3, Activation.Tanh, Initializer.Zeros));
        Assert.All(zeros.Parameters, v => Assert.Equal(0f, v));
    }

    // ---------------------------------------------------------------- determinism

    private static Network Busy(long seed)
    {
        var net = new Network(3, "busy", seed);
        net.Add(new DenseLayer(16, Activation.Relu));
        net.Add(new BatchNormLayer());
        net.Add(new DropoutLayer(0.3f));
        net.Add(new DenseLayer(1, Activation.Linear));
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.01 };
        return net;
    }

    [Fact]
    public void TheSameSeedGivesTheSameBits()
    {
        Dataset data = Regression(100, 1);
        var a = Busy(17);
        var b = Busy(17);
        var c = Busy(18);
        var ra = Train(a, data, new TrainingOptions { Epochs = 4, BatchSize = 8 });
        var rb = Train(b, data, new TrainingOptions { Epochs = 4, BatchSize = 8, ThreadCount = 2 });
        Train(c, data, new TrainingOptions { Epochs = 4, BatchSize = 8 });
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.Equal(a.Layers[1].State, b.Layers[1].State);
        Assert.Equal(ra.Select(r => r.Loss), rb.Select(r => r.Loss));
        Assert.NotEqual(a.Parameters, c.Parameters);

        // TrainingOptions.Seed re-seeds shuffling and dropout: the same run seed repeats, another differs
        var d = Busy(17);
        var e = Busy(17);
        var f = Busy(17);
        Train(d, data, new TrainingOptions { Epochs = 2, BatchSize = 8, Seed = 99 });
        Train(e, data, new TrainingOptions { Epochs = 2, BatchSize = 8, Seed = 99 });
        Train(f, data, new TrainingOptions { Epochs = 2, BatchSize = 8, Seed = 100 });
        Assert.Equal(d.Parameters, e.Parameters);
        Assert.NotEqual(d.Parameters, f.Parameters);
    }
}
