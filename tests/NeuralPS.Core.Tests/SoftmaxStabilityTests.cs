using System.Numerics.Tensors;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>Softmax outputs stay finite when the logits grow large or very negative (overflow/underflow of e^z).</summary>
public class SoftmaxStabilityTests
{
    [Theory]
    [InlineData(100f, 0f, -5f)]      // e^100 overflows float: ∞/∞
    [InlineData(1000f, 999f, 0f)]
    [InlineData(-200f, -201f, -300f)] // every e^z underflows to 0: 0/0
    public void SoftmaxOfLargeOrVeryNegativeLogitsIsFiniteAndSumsToOne(float a, float b, float c)
    {
        float[] z = { a, b, c, 1f, 2f, 3f }, y = new float[6];
        z[3] += a; z[4] += a; z[5] += a; // second row: moderate spread around the same level
        ActivationFunctions.Forward(Activation.Softmax, z, y, 3);
        for (int r = 0; r < 2; r++)
        {
            double m = Math.Max(z[r * 3], Math.Max(z[r * 3 + 1], z[r * 3 + 2]));
            double sum = 0;
            for (int j = 0; j < 3; j++) sum += Math.Exp(z[r * 3 + j] - m);
            for (int j = 0; j < 3; j++)
            {
                Assert.True(float.IsFinite(y[r * 3 + j]), $"y[{r},{j}] = {y[r * 3 + j]}");
                Assert.Equal(Math.Exp(z[r * 3 + j] - m) / sum, y[r * 3 + j], 6);
            }
        }
    }

    /// <summary>Moderate logits keep exactly the library's bits (the golden tests depend on them).</summary>
    [Fact]
    public void SoftmaxOfModerateLogitsIsTheLibrarysResult()
    {
        float[] z = { 3.5f, -2f, 60f, -60f, 0.25f, 1f }, y = new float[6], expected = new float[6];
        ActivationFunctions.Forward(Activation.Softmax, z, y, 3);
        TensorPrimitives.SoftMax(z.AsSpan(0, 3), expected.AsSpan(0, 3));
        TensorPrimitives.SoftMax(z.AsSpan(3, 3), expected.AsSpan(3, 3));
        Assert.Equal(expected, y);
    }

    /// <summary>
    /// The reported case (Invoke-Training on Iris, Adam 0.01, batch 16): the fit becomes perfect and a logit passes ~88.7
    /// while the weights stay small; the softmax gave NaN there and training stopped with "loss became NaN at epoch 1683, batch 8".
    /// </summary>
    [Fact]
    public void IrisAdamSmallBatchesStayFiniteThrough3000Epochs()
    {
        Dataset[] parts = DatasetSplitter.Split(SampleDatasets.Iris(), 0.2, 0, true, 1);
        var net = new Network(4, "iris", 2);
        net.Add(new NormalizationLayer());
        net.Add(new DenseLayer(8, Activation.Relu));
        net.Add(new DenseLayer(3, Activation.Softmax));
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.01 };
        EpochResult? last = null;
        foreach (EpochResult r in new Trainer(net, parts[0], null, new TrainingOptions { Epochs = 3000, BatchSize = 16, Seed = 2 }).Run())
            last = r;
        Assert.NotNull(last);
        Assert.Equal(3000, last!.Epoch);
        Assert.True(double.IsFinite(last.Loss));
    }
}
