using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>The learning-rate range test (Find-LearningRate): its curve, its stop, its suggestion, and a network left as it was.</summary>
public class LearningRateFinderTests
{
    private static Network Net(OptimizerSettings settings)
    {
        var net = new Network(4, "finder", seed: 3);
        net.Add(new NormalizationLayer());
        net.Add(new DenseLayer(16, Activation.Relu));
        net.Add(new DropoutLayer(0.1f));
        net.Add(new DenseLayer(3, Activation.Softmax));
        net.OptimizerSettings = settings;
        return net;
    }

    private static readonly OptimizerSettings Adam = new() { Kind = OptimizerKind.Adam, LearningRate = 0.01 };

    [Fact]
    public void TheNetworkIsLeftUntouchedTrainedOrNot()
    {
        Dataset iris = SampleDatasets.Iris();
        // trained: weights, Adam's moments and step count, the schedule, the random streams and the history all exist
        Network trained = Net(Adam with { Schedule = new ScheduleSettings { Kind = ScheduleKind.Step, StepSize = 1, Gamma = 0.5 } });
        new Trainer(trained, iris, null, new TrainingOptions { Epochs = 2, BatchSize = 16 }).Run().ToList();
        byte[] before = ModelFile.ToBytes(trained);
        float[][] moments = trained.Optimizer.StateBuffers.Select(b => b.ToArray()).ToArray();
        LearningRateSearch search = LearningRateFinder.Run(trained, iris, new LearningRateFinderOptions { BatchSize = 8, Steps = 150 });
        Assert.True(search.Curve.Count > 20);
        Assert.Equal(before, ModelFile.ToBytes(trained)); // weights, layer state, optimizer state, streams, history
        Assert.Equal(moments, trained.Optimizer.StateBuffers);

        // never trained: it stays without an optimizer, its normalization unadapted, its streams at their start
        Network fresh = Net(Adam);
        byte[] freshBefore = ModelFile.ToBytes(fresh);
        LearningRateFinder.Run(fresh, iris, new LearningRateFinderOptions { BatchSize = 8, Steps = 50 });
        Assert.Null(fresh.Training.Optimizer);
        Assert.True(fresh.Layers[0].NeedsAdapting);
        Assert.Equal(freshBefore, ModelFile.ToBytes(fresh));
        // and trains afterwards with the bits of a twin that never saw the test
        Network twin = Net(Adam);
        new Trainer(fresh, iris, null, new TrainingOptions { Epochs = 2, BatchSize = 16 }).Run().ToList();
        new Trainer(twin, iris, null, new TrainingOptions { Epochs = 2, BatchSize = 16 }).Run().ToList();
        Assert.Equal(twin.Parameters, fresh.Parameters);
    }

    [Fact]
    public void TheRateGrowsExponentiallyTheLossIsSmoothedWithBiasCorrectionAndTheTestStopsAtFourTimesTheMinimum()
    {
        var options = new LearningRateFinderOptions { BatchSize = 8, Steps = 300 };
        LearningRateSearch search = LearningRateFinder.Run(Net(new OptimizerSettings { Kind = OptimizerKind.Sgd }), SampleDatasets.Iris(), options);
        IReadOnlyList<LearningRatePoint> curve = search.Curve;
        Assert.Equal(1e-7, curve[0].LearningRate, 1e-18);
        for (int i = 0; i < curve.Count; i++)
        {
            Assert.Equal(i + 1, curve[i].Step);
            Assert.Equal(1e-7 * Math.Pow(1e8, i / 299.0), curve[i].LearningRate, curve[i].LearningRate * 1e-9);
        }
        double average = 0, minimum = double.PositiveInfinity;
        for (int i = 0; i < curve.Count; i++)
        {
            average = 0.98 * average + 0.02 * curve[i].Loss;
            double smoothed = average / (1 - Math.Pow(0.98, i + 1));
            Assert.Equal(smoothed, curve[i].SmoothedLoss, 1e-12);
            if (i < curve.Count - 1) Assert.True(smoothed <= 4 * Math.Min(minimum, smoothed), $"step {i + 1} should have stopped the test");
            minimum = Math.Min(minimum, smoothed);
        }
        Assert.Equal(curve[0].Loss, curve[0].SmoothedLoss, 1e-12); // the correction makes the first point the loss itself
        // SGD at rates up to 10 on Iris diverges before the last step
        Assert.Equal(ErrorIds.Diverged, search.StopReason);
        Assert.True(curve.Count < 300);
        Assert.True(curve[^1].SmoothedLoss > 4 * search.MinimumLoss);
        Assert.Equal(search.MinimumLoss, curve.Min(p => p.SmoothedLoss));
        Assert.Equal(curve.MinBy(p => p.SmoothedLoss)!.LearningRate, search.MinimumLossLearningRate);
        Assert.True(search.SuggestedLearningRate < search.MinimumLossLearningRate);
    }

    [Fact]
    public void TheSuggestionIsTheSteepestDescentLeftOfTheMinimum()
    {
        // a smoothed loss that falls fastest at 1e-3 (a logistic in log10 of the rate), bottoms out at 1e-1, climbs and
        // then falls ten times as steeply (yet above its minimum), as a diverging curve can: the suggestion ignores that part
        var curve = new List<LearningRatePoint>();
        for (int i = 0; i < 100; i++)
        {
            double logRate = -7 + 8 * i / 99.0;
            double loss = logRate <= -1 ? 1 + 1 / (1 + Math.Exp(2 * (logRate + 3))) : 1 + 10 * (logRate + 1) - 15 * Math.Max(0, logRate + 0.2);
            curve.Add(new LearningRatePoint(i + 1, Math.Pow(10, logRate), loss, loss));
        }
        int minimumAt = Enumerable.Range(0, curve.Count).MinBy(i => curve[i].SmoothedLoss);
        int steepest = LearningRateFinder.SteepestDescent(curve, minimumAt);
        Assert.InRange(Math.Log10(curve[steepest].LearningRate), -3.1, -2.9);
    }

    [Fact]
    public void LbfgsAndARangeThatDoesNotGrowAreRefused()
    {
        Dataset iris = SampleDatasets.Iris();
        var e = Assert.Throws<NeuralPSException>(() => LearningRateFinder.Run(Net(new OptimizerSettings { Kind = OptimizerKind.Lbfgs }), iris, new LearningRateFinderOptions()));
        Assert.Equal(ErrorIds.LearningRateFinderNotSupported, e.ErrorId);
        e = Assert.Throws<NeuralPSException>(() => LearningRateFinder.Run(Net(Adam), iris, new LearningRateFinderOptions { Start = 1, End = 0.1 }));
        Assert.Equal(ErrorIds.LearningRateFinderNotSupported, e.ErrorId);
        e = Assert.Throws<NeuralPSException>(() => LearningRateFinder.Run(Net(Adam), iris, new LearningRateFinderOptions { BatchSize = 0 }));
        Assert.Equal(ErrorIds.InvalidSteps, e.ErrorId);
    }
}
