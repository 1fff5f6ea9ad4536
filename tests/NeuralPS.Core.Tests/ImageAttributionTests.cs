using NeuralPS.Core.Charts;
using NeuralPS.Core.Data;
using NeuralPS.Core.Interpretability;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>Integrated gradients on pictures: the attribution per pixel in the picture's shape, and its saliency map.</summary>
public class ImageAttributionTests
{
    private const int Side = 8, Region = 3;

    /// <summary>1×8×8 pictures of dim noise; class 1 has a bright 3×3 block at rows 4–6, columns 1–3, class 0 not.</summary>
    private static Dataset Pictures(int rows, int seed)
    {
        var random = new Random(seed);
        var x = new float[rows * Side * Side];
        var y = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            y[r] = r % 2;
            for (int i = 0; i < Side * Side; i++)
                x[r * Side * Side + i] = (float)(0.25 * random.NextDouble() + (r % 2 == 1 && InRegion(i) ? 0.75 : 0));
        }
        return new Dataset(x, Side * Side, y, 1, DatasetTask.Classification, classNames: new[] { "plain", "block" }) { Shape = new[] { 1, Side, Side } };
    }

    private static bool InRegion(int pixel) => pixel / Side is >= 4 and < 4 + Region && pixel % Side is >= 1 and < 1 + Region;

    [Fact]
    public void TheAttributionMassOfAPictureLiesInTheRegionThatDecidesItsClass()
    {
        var net = new Network(new Shape(1, Side, Side), "regions", seed: 2);
        net.Add(new Conv2DLayer(4, 3, 3, padding: Padding.Same, activation: Activation.Relu));
        net.Add(new BatchNormLayer());
        net.Add(new MaxPool2DLayer(2, 2));
        net.Add(new DenseLayer(2, Activation.Softmax));
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.01 };
        foreach (EpochResult _ in new Trainer(net, Pictures(240, 1), null, new TrainingOptions { Epochs = 15, BatchSize = 16, Seed = 1 }).Run()) { }

        Dataset test = Pictures(10, 2);
        var zeros = new float[Side * Side];
        for (int r = 1; r < test.Rows; r += 2) // the pictures with the block
        {
            float[] picture = test.Features.AsSpan(r * Side * Side, Side * Side).ToArray();
            FeatureAttribution[] perInput = IntegratedGradients.Explain(net, picture, zeros, 64, recordNumber: r + 1, tolerance: 1e-3);
            ImageAttribution a = ImageAttribution.FromInputs(net.InputShape, picture, perInput);
            Assert.Equal("block", a.Target);
            Assert.Equal(new[] { 1, Side, Side }, a.Shape);
            Assert.Equal(new[] { 1, Side, Side }, new[] { a.Attribution.GetLength(0), a.Attribution.GetLength(1), a.Attribution.GetLength(2) });
            Assert.Equal(perInput[5 * Side + 2].Attribution, a.Attribution[0, 5, 2]);
            Assert.True(Math.Abs(a.Sum - (a.Output - a.BaselineOutput)) < 1e-3, $"completeness: {a.Sum} against {a.Output - a.BaselineOutput}");
            double[,] map = a.Saliency;
            double inside = 0, total = 0;
            for (int i = 0; i < Side * Side; i++)
            {
                total += map[i / Side, i % Side];
                if (InRegion(i)) inside += map[i / Side, i % Side];
            }
            // 9 of 64 pixels (14%) by chance
            Assert.True(inside / total > 0.5, $"picture {r + 1}: {inside / total:P0} of the attribution lies in the deciding region");
        }
    }

    [Fact]
    public void TheSaliencyMapHasThePicturesSizeAndIsHottestWhereTheAttributionIsLargest()
    {
        var shape = new Shape(3, 5, 7);
        float[] pixels = Enumerable.Range(0, shape.Size).Select(i => (float)(i % 11) / 10).ToArray();
        FeatureAttribution[] perInput = Enumerable.Range(0, shape.Size)
            .Select(i => new FeatureAttribution { Attribution = i % 35 == 2 * 7 + 4 ? -0.5 : 0.01 * (i % 3), Target = "x" }).ToArray();
        ImageAttribution a = ImageAttribution.FromInputs(shape, pixels, perInput);
        Chart chart = Chart.FromImageAttribution(a, "t");
        var panel = Assert.IsType<SaliencyPanel>(Assert.Single(chart.Panels));
        Assert.Equal((5, 7), (panel.Rows, panel.Columns));
        Assert.Equal(1.0, panel.Heat[2 * 7 + 4]);                       // |−0.5| in each of the three channels: the largest
        Assert.Equal(35, panel.Heat.Length);
        string svg = SvgChartWriter.Render(chart, 300, 300);
        Assert.Equal(35, System.Text.RegularExpressions.Regex.Count(svg, "class=\"pixel\""));
        (byte red, byte green, _) = panel.Color(2 * 7 + 4);
        Assert.True(red > 150 && green < 100, "the hottest pixel is red");
        Assert.Equal(ErrorIds.ShapeMismatch, Assert.Throws<NeuralPSException>(() => ImageAttribution.FromInputs(new Shape(1, 5, 7), pixels, perInput)).ErrorId);
    }
}
