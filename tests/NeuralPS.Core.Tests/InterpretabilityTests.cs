using NeuralPS.Core.Data;
using NeuralPS.Core.Interpretability;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>Input gradients, integrated gradients, permutation importance and layer statistics.</summary>
public class InterpretabilityTests
{
    [Theory]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Gelu)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Swish)]
    [InlineData(Activation.Elu)]
    [InlineData(Activation.Softplus)]
    public void InputGradientsMatchFiniteDifferencesThroughEveryLayerKind(Activation activation)
    {
        Dataset data = SignalData(rows: 200, features: 4, seed: 3);
        var net = new Network(4, "gradients", seed: 5);
        net.Add(new NormalizationLayer());
        net.Add(new DenseLayer(8, activation));
        net.Add(new BatchNormLayer(activation));
        net.Add(new DropoutLayer(0.3f));
        net.Add(new DenseLayer(2, Activation.Softmax));
        Train(net, data, epochs: 3);

        float[] x = { 0.3f, -1.2f, 0.8f, 2.1f };
        var gradient = new float[4];
        using var engine = new InputGradients(net, 1);
        for (int k = 0; k < 2; k++)
        {
            float[] weights = new float[2];
            weights[k] = 1;
            engine.Compute(x, 1, weights, gradient);
            Assert.Equal(net.Predict(x, 1)[k], engine.Outputs(1)[k], 6);
            for (int i = 0; i < 4; i++)
            {
                const float h = 1e-2f;
                float[] plus = (float[])x.Clone(), minus = (float[])x.Clone();
                plus[i] += h;
                minus[i] -= h;
                double numeric = (net.Predict(plus, 1)[k] - (double)net.Predict(minus, 1)[k]) / (2 * h);
                Assert.True(Math.Abs(numeric - gradient[i]) <= 2e-3 + 2e-2 * Math.Abs(numeric),
                    $"{activation}, output {k}, input {i}: analytic {gradient[i]}, numeric {numeric}");
            }
        }
    }

    [Fact]
    public void IntegratedGradientsAreCompleteForAClassifier()
    {
        Dataset data = SignalData(rows: 300, features: 5, seed: 4);
        var net = new Network(5, "ig", seed: 2);
        net.Add(new NormalizationLayer());
        net.Add(new DenseLayer(16, Activation.Relu));
        net.Add(new BatchNormLayer());
        net.Add(new DenseLayer(8, Activation.Gelu));
        net.Add(new DenseLayer(2, Activation.Softmax));
        Train(net, data, epochs: 20);

        for (int r = 0; r < 5; r++)
        {
            float[] record = data.Features.AsSpan(r * 5, 5).ToArray();
            FeatureAttribution[] attributions = IntegratedGradients.Explain(net, record, new float[5], steps: 32, recordNumber: r + 1, tolerance: 1e-4);
            Assert.Equal(5, attributions.Length);
            double sum = attributions.Sum(a => a.Attribution);
            FeatureAttribution first = attributions[0];
            Assert.True(Math.Abs(sum - (first.Output - first.BaselineOutput)) <= 1e-3,
                $"row {r}: attributions sum to {sum}, output − baseline output is {first.Output - first.BaselineOutput}");
            // The explained output is the predicted class's probability.
            float[] output = net.Predict(record, 1);
            int predicted = Evaluator.ArgMax(output);
            Assert.Equal(data.ClassNames![predicted], first.Target);
            Assert.Equal(output[predicted], first.Output, 5);
            Assert.Equal(net.Predict(new float[5], 1)[predicted], first.BaselineOutput, 5);
            Assert.Equal(data.FeatureNames, attributions.Select(a => a.Feature));
        }
    }

    [Fact]
    public void IntegratedGradientsAreCompleteForASigmoidClassifierAndARegressionFromAnyBaseline()
    {
        Dataset data = SignalData(rows: 300, features: 3, seed: 6);
        var binary = new Network(3, "binary", seed: 1);
        binary.Add(new DenseLayer(8, Activation.Tanh));
        binary.Add(new DenseLayer(1, Activation.Sigmoid));
        Train(binary, data, epochs: 10);
        float[] record = { 1.5f, -0.5f, 0.25f }, baseline = { -1f, 0.5f, 0.1f };
        FeatureAttribution[] a = IntegratedGradients.Explain(binary, record, baseline, steps: 64);
        Assert.True(Math.Abs(a.Sum(x => x.Attribution) - (a[0].Output - a[0].BaselineOutput)) <= 1e-3);
        float p = binary.Predict(record, 1)[0];
        Assert.Equal(p >= 0.5f ? p : 1 - p, a[0].Output, 5);

        var regression = new Network(3, "regression", seed: 2);
        regression.Add(new DenseLayer(8, Activation.Softplus));
        regression.Add(new DenseLayer(1, Activation.Linear));
        FeatureAttribution[] b = IntegratedGradients.Explain(regression, record, baseline, steps: 64);
        Assert.Equal("output", b[0].Target);
        Assert.True(Math.Abs(b.Sum(x => x.Attribution) - (b[0].Output - b[0].BaselineOutput)) <= 1e-3);
        // A linear model's integrated gradients are exact: wᵢ·(xᵢ − x′ᵢ).
        var linear = new Network(3, "linear", seed: 3);
        linear.Add(new DenseLayer(1, Activation.Linear));
        FeatureAttribution[] c = IntegratedGradients.Explain(linear, record, baseline, steps: 1);
        for (int i = 0; i < 3; i++) Assert.Equal(linear.Parameters[i] * (record[i] - baseline[i]), c[i].Attribution, 5);
    }

    [Fact]
    public void PermutationImportanceRanksTheTwoSignalFeaturesFirst()
    {
        // Ten features; the class depends on x3 and x8 only.
        Dataset data = SignalData(rows: 600, features: 10, seed: 7, signal: new[] { 2, 7 });
        var net = new Network(10, "importance", seed: 3);
        net.Add(new NormalizationLayer());
        net.Add(new DenseLayer(16, Activation.Relu));
        net.Add(new DenseLayer(2, Activation.Softmax));
        Train(net, data, epochs: 30);

        FeatureImportance[] importance = PermutationImportance.Compute(net, data, repeats: 5, seed: 1);
        Assert.Equal(10, importance.Length);
        Assert.All(importance, i => Assert.Equal("Accuracy", i.Metric));
        Assert.True(importance[0].Baseline > 0.9, $"the network should have learned the task (accuracy {importance[0].Baseline})");
        string[] top = importance.OrderBy(i => i.Rank).Take(2).Select(i => i.Feature).OrderBy(f => f).ToArray();
        Assert.Equal(new[] { "x3", "x8" }, top);
        Assert.All(importance.Where(i => i.Feature is not ("x3" or "x8")), i => Assert.True(Math.Abs(i.Importance) < 0.05, $"{i.Feature}: {i.Importance}"));
        Assert.All(importance.Where(i => i.Feature is "x3" or "x8"), i => Assert.True(i.Importance > 0.15, $"{i.Feature}: {i.Importance}"));

        // The same seed gives the same numbers.
        FeatureImportance[] again = PermutationImportance.Compute(net, data, repeats: 5, seed: 1);
        Assert.Equal(importance.Select(i => i.Importance), again.Select(i => i.Importance));
    }

    [Fact]
    public void PermutationImportanceOfARegressionIsTheIncreaseInMeanSquaredError()
    {
        var random = new Random(2);
        int rows = 400;
        var x = new float[rows * 3];
        var y = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < 3; j++) x[r * 3 + j] = (float)(random.NextDouble() * 2 - 1);
            y[r] = 3 * x[r * 3 + 1];
        }
        var data = new Dataset(x, 3, y, 1, DatasetTask.Regression, new[] { "a", "b", "c" });
        var net = new Network(3, "mse", seed: 1);
        net.Add(new DenseLayer(1, Activation.Linear));
        Train(net, data, epochs: 60);
        FeatureImportance[] importance = PermutationImportance.Compute(net, data, repeats: 3, seed: 2);
        Assert.All(importance, i => Assert.Equal("MeanSquaredError", i.Metric));
        Assert.Equal("b", importance.Single(i => i.Rank == 1).Feature);
        // Shuffling b roughly doubles the variance it explains: E[(3b − 3b′)²] = 18·Var(b) = 6.
        Assert.InRange(importance.Single(i => i.Feature == "b").Importance, 4, 8);
    }

    [Fact]
    public void PermutationImportanceRefusesADatasetOfAnotherWidth()
    {
        var net = new Network(3, "w", seed: 1);
        net.Add(new DenseLayer(1, Activation.Linear));
        var e = Assert.Throws<NeuralPSException>(() => PermutationImportance.Compute(net, SignalData(10, 4, 1)));
        Assert.Equal(ErrorIds.ShapeMismatch, e.ErrorId);
        Assert.Contains("expects 3 inputs but the dataset", e.Message);
    }

    [Fact]
    public void LayerStatisticsFindTheDeadUnitsOfANetworkBuiltToHaveThem()
    {
        Dataset data = SignalData(rows: 200, features: 4, seed: 9);
        var net = new Network(4, "dead", seed: 4);
        net.Add(new NormalizationLayer());
        net.Add(new DenseLayer(10, Activation.Relu));
        net.Add(new DenseLayer(2, Activation.Softmax));
        Train(net, data, epochs: 2);
        Assert.Equal(3, net.LastGradientNorms.Length);

        // Kill units 0, 3 and 7 of the ReLU layer: a bias far below anything the inputs can reach.
        var dense = (DenseLayer)net.Layers[1];
        Span<float> p = net.ParametersOf(dense);
        foreach (int unit in new[] { 0, 3, 7 }) p[dense.WeightCount + unit] = -1000f;

        LayerStatistics[] stats = LayerStatistics.Compute(net, data);
        Assert.Equal(3, stats.Length);
        Assert.Equal(3, stats[1].DeadUnits);
        Assert.Equal(0.3, stats[1].DeadFraction!.Value, 10);
        Assert.Null(stats[2].DeadUnits); // softmax: not a ReLU layer
        Assert.Null(stats[0].WeightNorm);
        double expectedNorm = Math.Sqrt(p[..dense.WeightCount].ToArray().Sum(v => (double)v * v));
        Assert.Equal(expectedNorm, stats[1].WeightNorm!.Value, 4);
        Assert.True(stats[1].GradientNorm > 0 && stats[2].GradientNorm > 0);
        Assert.Null(stats[0].GradientNorm); // no parameters
        // Normalization outputs are standardized: mean 0, std 1 on the data they learned from.
        Assert.Equal(0, stats[0].ActivationMean!.Value, 3);
        Assert.Equal(1, stats[0].ActivationStd!.Value, 3);
        Assert.Equal(1.0 / 2, stats[2].ActivationMean!.Value, 5); // softmax rows sum to 1 over 2 units
        Assert.All(stats, s => Assert.Equal(200, s.Rows));
    }

    [Fact]
    public void GradientNormsOfTheLastEpochAreThoseOfItsLastStep()
    {
        Dataset data = SignalData(rows: 64, features: 3, seed: 1);
        var net = new Network(3, "norms", seed: 1);
        net.Add(new DenseLayer(4, Activation.Tanh));
        net.Add(new DenseLayer(2, Activation.Softmax));
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.1 };
        // Full batch, no shuffle: the last step's gradients are those at the parameters before that step.
        foreach (EpochResult _ in new Trainer(net, data, null, new TrainingOptions { Epochs = 2, BatchSize = 0, Shuffle = false }).Run()) { }
        double[] recorded = (double[])net.LastGradientNorms.Clone();

        // Step back: with plain SGD, θ_before = θ_after + lr·g, so g = (θ_before − θ_after)/lr.
        var replay = new Network(3, "norms", seed: 1);
        replay.Add(new DenseLayer(4, Activation.Tanh));
        replay.Add(new DenseLayer(2, Activation.Softmax));
        replay.OptimizerSettings = net.OptimizerSettings;
        foreach (EpochResult _ in new Trainer(replay, data, null, new TrainingOptions { Epochs = 1, BatchSize = 0, Shuffle = false }).Run()) { }
        for (int l = 0; l < 2; l++)
        {
            Layer layer = net.Layers[l];
            float[] before = replay.ParametersOf(replay.Layers[l]).ToArray(), after = net.ParametersOf(layer).ToArray();
            double norm = Math.Sqrt(before.Zip(after, (b, a) => (b - a) / 0.1).Sum(g => g * g));
            Assert.Equal(norm, recorded[l], 3);
        }
    }

    [Fact]
    public void LbfgsTrainingRecordsGradientNormsToo()
    {
        Dataset data = SignalData(rows: 64, features: 3, seed: 2);
        var net = new Network(3, "lbfgs", seed: 1);
        net.Add(new DenseLayer(4, Activation.Tanh));
        net.Add(new DropoutLayer(0f));
        net.Add(new DenseLayer(2, Activation.Softmax));
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Lbfgs, LearningRate = 1, MaxIterations = 5 };
        foreach (EpochResult _ in new Trainer(net, data, null, new TrainingOptions { Epochs = 1 }).Run()) { }
        Assert.Equal(3, net.LastGradientNorms.Length);
        Assert.True(net.LastGradientNorms[0] > 0 && net.LastGradientNorms[2] > 0);
        LayerStatistics[] stats = LayerStatistics.Compute(net, null);
        Assert.Null(stats[1].GradientNorm); // dropout: no parameters
        Assert.Equal(net.LastGradientNorms[2], stats[2].GradientNorm);
        Assert.All(stats, s => Assert.Null(s.ActivationMean)); // no data, no activations
    }

    // ---- helpers ----

    private static void Train(Network net, Dataset data, int epochs)
    {
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.02 };
        foreach (EpochResult _ in new Trainer(net, data, null, new TrainingOptions { Epochs = epochs, BatchSize = 32, Seed = 1 }).Run()) { }
    }

    /// <summary>Two classes decided by the sign of the sum of the signal features (the first two by default).</summary>
    internal static Dataset SignalData(int rows, int features, int seed, int[]? signal = null)
    {
        signal ??= new[] { 0, Math.Min(1, features - 1) };
        var random = new Random(seed);
        var x = new float[rows * features];
        var y = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < features; j++) x[r * features + j] = (float)(random.NextDouble() * 4 - 2);
            y[r] = signal.Sum(j => x[r * features + j]) > 0 ? 1 : 0;
        }
        return new Dataset(x, features, y, 1, DatasetTask.Classification, classNames: new[] { "no", "yes" });
    }
}
