using NeuralPS.Core.Data;
using NeuralPS.Core.Kernels;
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

    /// <summary>Random rows of every width from 1 to 40: within a few float roundings of the double-precision softmax.</summary>
    [Fact]
    public void SoftmaxMatchesTheDoubleReference()
    {
        var random = new Random(4);
        for (int width = 1; width <= 40; width++)
        {
            int rows = 7;
            float[] z = new float[rows * width], y = new float[rows * width];
            for (int i = 0; i < z.Length; i++) z[i] = (float)((random.NextDouble() * 2 - 1) * (i % 3 == 0 ? 30 : 4));
            ActivationFunctions.Forward(Activation.Softmax, z, y, width);
            for (int r = 0; r < rows; r++)
            {
                double m = double.NegativeInfinity, sum = 0;
                for (int j = 0; j < width; j++) m = Math.Max(m, z[r * width + j]);
                for (int j = 0; j < width; j++) sum += Math.Exp(z[r * width + j] - m);
                for (int j = 0; j < width; j++)
                {
                    double shifted = z[r * width + j] - m, expected = Math.Exp(shifted) / sum;
                    // A few roundings, plus the float rounding of z − max (its ulp grows with |z − max|).
                    double tolerance = expected * (1e-6 + 1.2e-7 * Math.Abs(shifted)) + 1e-37;
                    Assert.True(Math.Abs(y[r * width + j] - expected) <= tolerance,
                        $"width {width}, row {r}, column {j}: {y[r * width + j]} vs {expected}");
                }
            }
        }
    }

    /// <summary>A NaN logit makes its row NaN and leaves the other rows alone.</summary>
    [Fact]
    public void ANaNLogitMakesItsRowNaN()
    {
        float[] z = { 1f, float.NaN, 2f, 1f, 2f, 3f }, y = new float[6];
        ActivationFunctions.Forward(Activation.Softmax, z, y, 3);
        Assert.All(y[..3], v => Assert.True(float.IsNaN(v)));
        Assert.All(y[3..], v => Assert.True(float.IsFinite(v)));
    }

    /// <summary>
    /// e^x of the softmax: within 2e-7 relative of Math.Exp over the float range, 0 below it, ∞ above, NaN kept, and
    /// the same bits for a value wherever it sits in a span of any length (vector lanes and the padded tail alike).
    /// </summary>
    [Fact]
    public void TheExponentialIsAccurateAndTheSameInEveryPosition()
    {
        var random = new Random(9);
        float[] x = new float[10_000];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 175 - 87);
        float[] e = (float[])x.Clone();
        VectorExp.Exp(e);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = Math.Exp(x[i]);
            Assert.True(Math.Abs(e[i] - expected) <= 2e-7 * expected, $"e^{x[i]} = {e[i]}, expected {expected}");
        }
        float[] edges = { -1000f, -88f, 0f, -0f, 89f, float.PositiveInfinity, float.NegativeInfinity, float.NaN };
        VectorExp.Exp(edges);
        Assert.Equal(new[] { 0f, 0f, 1f, 1f, float.PositiveInfinity, float.PositiveInfinity, 0f }, edges[..7]);
        Assert.True(float.IsNaN(edges[7]));
        for (int length = 1; length <= 37; length++)
        {
            float[] span = x[..length].ToArray();
            VectorExp.Exp(span);
            Assert.True(span.AsSpan().SequenceEqual(e.AsSpan(0, length)), $"length {length}: a value's e^x depends on its position");
        }
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
