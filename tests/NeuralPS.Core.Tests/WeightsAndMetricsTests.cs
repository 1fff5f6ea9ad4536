using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>
/// Row and class weights in the losses, the trainer and the data; the -Metric metrics against scikit-learn on fixed
/// vectors (the numbers were printed by Debian's python3-sklearn 1.2.1 and python3-torch 1.13.1, float64); early
/// stopping on a metric; and the imbalanced breast-cancer case the issue names.
/// </summary>
public class WeightsAndMetricsTests
{
    // ---------------------------------------------------------------- the weighted loss

    // torch.nn.functional.cross_entropy(z, y, weight=[0.5, 2, 3]) on these five rows, float64.
    private static readonly float[] Logits = { 1.0f, 2.0f, 0.5f, 0.1f, -1.0f, 2.0f, 3.0f, 0.0f, -1.0f, 0.2f, 0.3f, 0.1f, -0.5f, 1.5f, 0.7f };
    private static readonly float[] Labels = { 1, 2, 0, 0, 1 };
    private static readonly double[] ClassWeight = { 0.5, 2.0, 3.0 };
    private const double TorchWeightedCrossEntropy = 0.37234368851390043;
    private const double TorchCrossEntropy = 0.45487051505021003;

    private static float[] Softmax(float[] z, int width)
    {
        var y = new float[z.Length];
        ActivationFunctions.Forward(Activation.Softmax, z, y, width);
        return y;
    }

    [Fact]
    public void AFullBatchWithClassWeightsIsPyTorchsWeightedCrossEntropy()
    {
        // The trainer's weights: each row's class weight divided by their mean over the rows (RowWeights).
        var data = new Dataset(new float[5], 1, Labels, 1, DatasetTask.Classification, classNames: new[] { "a", "b", "c" });
        float[] weights = RowWeights.For(data, ClassWeight)!;
        Assert.Equal(5.0, weights.Sum(), 5);
        float[] y = Softmax(Logits, 3);
        double weighted = LossFunctions.Compute(LossKind.SparseCategoricalCrossEntropy, Activation.Softmax, Logits, y, Labels, 1, 5, 3, weights, Span<float>.Empty);
        double plain = LossFunctions.Compute(LossKind.SparseCategoricalCrossEntropy, Activation.Softmax, Logits, y, Labels, 1, 5, 3, Span<float>.Empty);
        Assert.Equal(TorchWeightedCrossEntropy, weighted, 6);
        Assert.Equal(TorchCrossEntropy, plain, 6);
    }

    [Theory]
    [InlineData(LossKind.MeanSquaredError, Activation.Linear)]
    [InlineData(LossKind.MeanAbsoluteError, Activation.Linear)]
    [InlineData(LossKind.Huber, Activation.Linear)]
    [InlineData(LossKind.BinaryCrossEntropy, Activation.Sigmoid)]
    [InlineData(LossKind.CategoricalCrossEntropy, Activation.Softmax)]
    [InlineData(LossKind.SparseCategoricalCrossEntropy, Activation.Softmax)]
    public void EveryLossWeighsRowsAsKerasReduces(LossKind loss, Activation activation)
    {
        // Reference: (1/rows)·Σ w_r·loss_r with each row's loss computed alone, in double; the gradient against
        // central differences of that weighted loss.
        const int rows = 4, width = 3;
        var random = new RandomSource(7);
        float[] z = Enumerable.Range(0, rows * width).Select(_ => (float)random.NextGaussian()).ToArray();
        float[] weights = { 0.5f, 2f, 0f, 1.5f };
        bool sparse = loss == LossKind.SparseCategoricalCrossEntropy;
        int targetWidth = sparse ? 1 : width;
        float[] targets = sparse ? new float[] { 2, 0, 1, 1 }
            : loss == LossKind.CategoricalCrossEntropy ? new float[] { 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0 }
            : loss == LossKind.BinaryCrossEntropy ? new float[] { 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0 }
            : Enumerable.Range(0, rows * width).Select(_ => (float)(2 * random.NextGaussian())).ToArray();
        float[] Output(float[] pre)
        {
            var y = new float[pre.Length];
            ActivationFunctions.Forward(activation, pre, y, width);
            return y;
        }
        double Weighted(float[] pre)
        {
            float[] y = Output(pre);
            double total = 0;
            for (int r = 0; r < rows; r++)
                total += weights[r] * LossFunctions.Compute(loss, activation, pre.AsSpan(r * width, width), y.AsSpan(r * width, width),
                    targets.AsSpan(r * targetWidth, targetWidth), targetWidth, 1, width, Span<float>.Empty);
            return total / rows;
        }
        var grad = new float[rows * width];
        double value = LossFunctions.Compute(loss, activation, z, Output(z), targets, targetWidth, rows, width, weights, grad);
        Assert.Equal(Weighted(z), value, 6);
        // A fused loss gives d/dz; otherwise d/dy, which the finite differences take through the identity output.
        Assert.True(LossFunctions.IsFused(loss, activation) || activation == Activation.Linear);
        for (int i = 0; i < z.Length; i++)
        {
            const float h = 1e-2f;
            float[] up = (float[])z.Clone(), down = (float[])z.Clone();
            up[i] += h;
            down[i] -= h;
            double numeric = (Weighted(up) - Weighted(down)) / (2 * h);
            Assert.True(Math.Abs(numeric - grad[i]) < 2e-3 + 0.02 * Math.Abs(numeric), $"{loss} [{i}]: {grad[i]} against {numeric}");
        }
        Assert.All(grad.AsSpan(2 * width, width).ToArray(), g => Assert.Equal(0f, g)); // a row of weight 0 pulls nothing
    }

    [Fact]
    public void BalancedIsScikitLearnsComputeClassWeight()
    {
        // compute_class_weight('balanced', classes=[0, 1, 2], y=[0,0,0,0,0,0,1,1,2,2,2,0])
        float[] labels = { 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 0 };
        var data = new Dataset(new float[12], 1, labels, 1, DatasetTask.Classification, classNames: new[] { "a", "b", "c" });
        double[] weights = ClassWeights.Balanced.Resolve(data);
        double[] sklearn = { 0.5714285714285714, 2.0, 1.3333333333333333 };
        for (int c = 0; c < 3; c++) Assert.Equal(sklearn[c], weights[c], 12);
        Assert.Equal(new[] { 1.0, 5.0, 1.0 }, ClassWeights.From(new System.Collections.Hashtable { ["b"] = 5 }).Resolve(data));
        Assert.Equal(ErrorIds.InvalidClassWeight, Assert.Throws<NeuralPSException>(() => ClassWeights.From(new System.Collections.Hashtable { ["d"] = 5 }).Resolve(data)).ErrorId);
        Assert.Equal(ErrorIds.InvalidClassWeight, Assert.Throws<NeuralPSException>(() => ClassWeights.From("balance")).ErrorId);
        Assert.Equal(ErrorIds.InvalidClassWeight, Assert.Throws<NeuralPSException>(() => ClassWeights.From(new System.Collections.Hashtable { ["a"] = -1 })).ErrorId);
        Assert.Equal(ErrorIds.InvalidClassWeight, Assert.Throws<NeuralPSException>(() => ClassWeights.Balanced.Resolve(Regression(10, 1))).ErrorId);
    }

    // ---------------------------------------------------------------- weights through the trainer and the data

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

    private static Network RegressionNet(OptimizerSettings settings)
    {
        var net = new Network(3, "net", 3);
        net.Add(new DenseLayer(8, Activation.Tanh));
        net.Add(new DenseLayer(1, Activation.Linear));
        net.OptimizerSettings = settings;
        return net;
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Lbfgs)]
    public void AWeightOfTwoTrainsAsTheRowTwice(OptimizerKind kind)
    {
        Dataset data = Regression(20, 1);
        int[] twice = Enumerable.Range(0, 20).Append(0).ToArray();
        Dataset duplicated = data.Subset(twice);
        var weights = Enumerable.Repeat(1f, 20).ToArray();
        weights[0] = 2;
        Dataset weighted = data.WithWeights(weights, "w");
        var settings = new OptimizerSettings { Kind = kind, LearningRate = kind == OptimizerKind.Sgd ? 0.1 : 1, MaxIterations = 5 };
        var options = new TrainingOptions { Epochs = 3, BatchSize = 0, Shuffle = false };
        Network a = RegressionNet(settings), b = RegressionNet(settings);
        var ea = new Trainer(a, duplicated, null, options).Run().ToList();
        var eb = new Trainer(b, weighted, null, options).Run().ToList();
        for (int e = 0; e < 3; e++) Assert.Equal(ea[e].Loss, eb[e].Loss, 5);
        for (int i = 0; i < a.Parameters.Length; i++) Assert.Equal(a.Parameters[i], b.Parameters[i], 4);
        // Evaluation weighs the same way.
        Assert.Equal(Evaluator.Evaluate(a, duplicated).Loss, Evaluator.Evaluate(b, weighted).Loss, 5);
    }

    [Fact]
    public void WeightsTravelThroughSubsetsSplitsAndBytes()
    {
        Dataset iris = SampleDatasets.Iris();
        float[] weights = Enumerable.Range(0, iris.Rows).Select(r => (float)(r % 3 + 1)).ToArray();
        Dataset weighted = iris.WithWeights(weights, "Importance");
        Dataset[] parts = DatasetSplitter.Split(weighted, 0.2, 0, stratify: true, seed: 4);
        foreach (Dataset part in parts)
        {
            Assert.Equal("Importance", part.WeightName);
            for (int r = 0; r < part.Rows; r++)
            {
                // Its weight came with the row: one of the weights of the original rows with the same features and class.
                int row = r;
                Assert.Contains(part.Weights![r], Enumerable.Range(0, iris.Rows)
                    .Where(o => iris.LabelOf(o) == part.LabelOf(row) && iris.Features.AsSpan(o * 4, 4).SequenceEqual(part.Features.AsSpan(row * 4, 4)))
                    .Select(o => weights[o]));
            }
        }
        Dataset back = DatasetBytes.FromBytes(DatasetBytes.ToBytes(weighted));
        Assert.Equal(weights, back.Weights);
        Assert.Equal("Importance", back.WeightName);
        Assert.Null(DatasetBytes.FromBytes(DatasetBytes.ToBytes(iris)).Weights);
        Assert.Contains(back.RowValues(0), p => p.Key == "Importance" && (float)p.Value == 1f);
        Assert.Equal(ErrorIds.InvalidWeight, Assert.Throws<NeuralPSException>(() => iris.WithWeights(new float[iris.Rows], "w")).ErrorId);
        Assert.Equal(ErrorIds.InvalidWeight, Assert.Throws<NeuralPSException>(() => iris.WithWeights(Enumerable.Repeat(-1f, iris.Rows).ToArray(), "w")).ErrorId);
        Assert.Equal(ErrorIds.InvalidWeight, Assert.Throws<NeuralPSException>(() => iris.WithWeights(new float[3], "w")).ErrorId);
    }

    [Fact]
    public void DatasetBytesOfFormatOneStillRead()
    {
        // Format 1 is format 2 without weights: the same bytes with the old number and a checksum over them.
        byte[] bytes = DatasetBytes.ToBytes(SampleDatasets.Iris());
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 1);
        System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));
        Dataset back = DatasetBytes.FromBytes(bytes);
        Assert.Equal(150, back.Rows);
        Assert.Null(back.Weights);
    }

    // ---------------------------------------------------------------- the done-when case: breast cancer, benign at 5%

    /// <summary>
    /// Breast cancer with the benign class (class 0) under-sampled to 5% of the training rows; recall of benign on a
    /// stratified 30% test split that was never under-sampled.
    /// </summary>
    private static double BenignRecall(long seed, ClassWeights? classWeight)
    {
        Dataset[] parts = DatasetSplitter.Split(SampleDatasets.BreastCancer(), 0.3, 0, stratify: true, seed: 1);
        Dataset train = parts[0], test = parts[1];
        int[] malignant = Enumerable.Range(0, train.Rows).Where(r => train.LabelOf(r) == 1).ToArray();
        int[] benign = Enumerable.Range(0, train.Rows).Where(r => train.LabelOf(r) == 0).ToArray();
        int keep = (int)Math.Round(malignant.Length * 5 / 95.0);
        Dataset imbalanced = train.Subset(malignant.Concat(benign.Take(keep)).ToArray(), "benign at 5%");
        Assert.InRange(imbalanced.ClassCounts()[0] / (double)imbalanced.Rows, 0.045, 0.055);
        var net = new Network(30, "bc", seed);
        net.Add(new DenseLayer(16, Activation.Relu));
        net.Add(new DenseLayer(1, Activation.Sigmoid));
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.001 };
        var options = new TrainingOptions { Epochs = 20, Seed = seed, Normalize = true, ClassWeight = classWeight };
        _ = new Trainer(net, imbalanced, null, options).Run().ToList();
        return Evaluation.Compute(net, test).Classes![0].Recall;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void BalancedClassWeightsRaiseTheMinorityRecallByTwentyPoints(long seed)
    {
        double plain = BenignRecall(seed, null), balanced = BenignRecall(seed, ClassWeights.Balanced);
        Assert.True(balanced - plain >= 0.20, $"seed {seed}: benign recall {plain:P1} unweighted, {balanced:P1} with Balanced");
    }

    // ---------------------------------------------------------------- metrics against scikit-learn

    private static readonly int[] Actual = { 0, 1, 1, 0, 1, 1, 0, 0, 1, 0 };
    private static readonly int[] Predicted = { 0, 1, 0, 0, 1, 1, 1, 0, 1, 1 };
    private static readonly float[] Weights = { 1, 2, 1, 0.5f, 1, 3, 1, 1, 2, 1 };
    private static readonly int[] Actual3 = { 0, 1, 2, 2, 1, 0, 2, 1, 0, 2 };
    private static readonly int[] Predicted3 = { 0, 2, 2, 2, 1, 0, 1, 1, 2, 2 };

    [Fact]
    public void PrecisionRecallAndF1AreScikitLearns()
    {
        var (p, r, f) = MetricFunctions.PrecisionRecallF1(Actual, Predicted, 2);
        Assert.Equal((0.6666666666666666, 0.8, 0.7272727272727272), (Math.Round(p, 12), Math.Round(r, 12), Math.Round(f, 12)), Close);
        (p, r, f) = MetricFunctions.PrecisionRecallF1(Actual, Predicted, 2, Weights);
        Assert.Equal((0.8, 0.8888888888888888, 0.8421052631578948), (p, r, f), Close);
        (p, r, f) = MetricFunctions.PrecisionRecallF1(Actual3, Predicted3, 3);
        Assert.Equal((0.7555555555555555, 0.6944444444444443, 0.7111111111111111), (p, r, f), Close);
        (p, r, f) = MetricFunctions.PrecisionRecallF1(Actual3, Predicted3, 3, Weights);
        Assert.Equal((0.6837606837606837, 0.626984126984127, 0.6238095238095238), (p, r, f), Close);
    }

    private static readonly IEqualityComparer<(double, double, double)> Close = new Within(1e-6);

    private sealed class Within(double tolerance) : IEqualityComparer<(double, double, double)>
    {
        public bool Equals((double, double, double) a, (double, double, double) b) =>
            Math.Abs(a.Item1 - b.Item1) < tolerance && Math.Abs(a.Item2 - b.Item2) < tolerance && Math.Abs(a.Item3 - b.Item3) < tolerance;
        public int GetHashCode((double, double, double) obj) => 0;
    }

    [Fact]
    public void AucIsScikitLearnsBinaryAndOneVsRest()
    {
        float[] scores = { 0.1f, 0.8f, 0.4f, 0.4f, 0.9f, 0.7f, 0.4f, 0.2f, 0.6f, 0.3f }; // ties at 0.4 across the classes
        Assert.Equal(0.96, MetricFunctions.Auc(scores, 1, Actual, 2)!.Value, 9);
        Assert.Equal(0.9814814814814815, MetricFunctions.Auc(scores, 1, Actual, 2, Weights)!.Value, 6);
        // A softmax pair: the second column is the score.
        float[] pairs = scores.SelectMany(s => new[] { 1 - s, s }).ToArray();
        Assert.Equal(0.96, MetricFunctions.Auc(pairs, 2, Actual, 2)!.Value, 6);
        float[] probabilities =
        {
            0.7f, 0.2f, 0.1f, 0.1f, 0.3f, 0.6f, 0.2f, 0.2f, 0.6f, 0.3f, 0.3f, 0.4f, 0.1f, 0.8f, 0.1f,
            0.6f, 0.3f, 0.1f, 0.3f, 0.4f, 0.3f, 0.2f, 0.5f, 0.3f, 0.3f, 0.3f, 0.4f, 0.1f, 0.1f, 0.8f,
        };
        Assert.Equal(0.8819444444444443, MetricFunctions.Auc(probabilities, 3, Actual3, 3)!.Value, 6);
        Assert.Equal(0.8564327485380118, MetricFunctions.Auc(probabilities, 3, Actual3, 3, Weights)!.Value, 6);
        Assert.Null(MetricFunctions.Auc(scores, 1, new int[10], 2)); // one class only: undefined
    }

    [Fact]
    public void MaeAndR2AreScikitLearns()
    {
        float[] targets = { 1.0f, 2.0f, 2.0f, 0.5f, 3.0f, 1.5f, 4.0f, -1.0f, 5.0f, 0.0f };
        float[] outputs = { 1.5f, 1.0f, 1.8f, 0.7f, 3.3f, 1.0f, 3.0f, -0.5f, 5.5f, 0.2f };
        float[] weights = { 1, 2, 0.5f, 1, 3 };
        Assert.Equal(0.49, MetricFunctions.MeanAbsoluteError(outputs, targets, 2), 6);
        Assert.Equal(0.42000000377496083, MetricFunctions.MeanAbsoluteError(outputs, targets, 2, weights), 6);
        Assert.Equal(0.7799035108525841, MetricFunctions.RSquared(outputs, targets, 2), 6);
        Assert.Equal(0.8001012730689815, MetricFunctions.RSquared(outputs, targets, 2, weights), 6);
    }

    // ---------------------------------------------------------------- metrics in training

    private static Network IrisNet(long seed)
    {
        var net = new Network(4, "iris", seed);
        net.Add(new DenseLayer(8, Activation.Relu));
        net.Add(new DenseLayer(3, Activation.Softmax));
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.01 };
        return net;
    }

    [Fact]
    public void EpochMetricsAreThoseOfTheValidationData()
    {
        Dataset[] parts = DatasetSplitter.Split(SampleDatasets.Iris(), 0.3, 0, stratify: true, seed: 2);
        Network net = IrisNet(2);
        var options = new TrainingOptions { Epochs = 5, Seed = 2, Normalize = true, Metrics = new[] { TrainingMetric.F1, TrainingMetric.AUC, TrainingMetric.Precision, TrainingMetric.Recall } };
        List<EpochResult> epochs = new Trainer(net, parts[0], parts[1], options).Run().ToList();
        EpochResult last = epochs[^1];
        Assert.All(epochs, e => Assert.NotNull(e.F1));
        Assert.Null(last.MAE);
        Evaluation evaluation = Evaluation.Compute(net, parts[1]);
        Assert.Equal(evaluation.Classes!.Average(c => c.F1), last.ValidationF1!.Value, 9);
        Assert.Equal(evaluation.Classes!.Average(c => c.Precision), last.ValidationPrecision!.Value, 9);
        Assert.Equal(evaluation.Classes!.Average(c => c.Recall), last.ValidationRecall!.Value, 9);
        Assert.InRange(last.ValidationAUC!.Value, 0, 1);
        // The metrics are part of the history a model file keeps.
        EpochResult loaded = ModelFile.FromBytes(ModelFile.ToBytes(net)).History[^1];
        Assert.Equal(last.ValidationF1, loaded.ValidationF1);
        Assert.Equal(last.AUC, loaded.AUC);
        Assert.Null(loaded.R2);
    }

    [Fact]
    public void AMetricThatDoesNotFitTheTaskIsRefusedBeforeTraining()
    {
        Network net = IrisNet(1);
        var e = Assert.Throws<NeuralPSException>(() => new Trainer(net, SampleDatasets.Iris(), null, new TrainingOptions { Metrics = new[] { TrainingMetric.R2 } }));
        Assert.Equal(ErrorIds.MetricMismatch, e.ErrorId);
        Assert.Empty(net.History);
        var reg = RegressionNet(new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.01 });
        Assert.Equal(ErrorIds.MetricMismatch, Assert.Throws<NeuralPSException>(() =>
            new Trainer(reg, Regression(10, 1), null, new TrainingOptions { Monitor = "ValidationAUC", ValidationSplit = 0.2 })).ErrorId);
        Assert.Equal(ErrorIds.InvalidMonitor, Assert.Throws<NeuralPSException>(() =>
            new Trainer(reg, Regression(10, 1), null, new TrainingOptions { Monitor = "Validation1" })).ErrorId);
    }

    [Fact]
    public void EarlyStoppingOnAMetricKeepsTheEpochWhereItWasHighest()
    {
        Dataset[] parts = DatasetSplitter.Split(SampleDatasets.Iris(), 0.3, 0, stratify: true, seed: 3);
        Network net = IrisNet(3);
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.02 };
        var options = new TrainingOptions { Epochs = 40, Seed = 3, Normalize = true, Patience = 4, Monitor = "ValidationF1", BatchSize = 16 };
        List<EpochResult> epochs = new Trainer(net, parts[0], parts[1], options).Run().ToList();
        double best = epochs.Max(e => e.ValidationF1!.Value);
        // F1 is maximized: the first epoch reaching the highest value is the one kept, not the one of lowest F1.
        Assert.NotEqual(best, epochs.Min(e => e.ValidationF1!.Value));
        double restored = Evaluation.Compute(net, parts[1]).Classes!.Average(c => c.F1);
        Assert.Equal(best, restored, 9);
        // The MAE of a regression is minimized.
        Network reg = RegressionNet(new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.05 });
        Dataset data = Regression(60, 2);
        var regEpochs = new Trainer(reg, data, null, new TrainingOptions { Epochs = 30, Patience = 3, Monitor = "MAE", BatchSize = 0 }).Run().ToList();
        Assert.True(regEpochs[^1].MAE <= regEpochs[0].MAE);
    }
}
