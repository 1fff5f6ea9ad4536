using NeuralPS.Core.Kernels;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tests.Trust;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>Networks over images: shapes through the layers, the implicit flatten, the model file, the refusals.</summary>
public class ImageNetworkTests
{
    private static Network SmallCnn()
    {
        var net = new Network(new Shape(2, 9, 7), "cnn", seed: 3);
        net.Add(new Conv2DLayer(4, 3, 3, 2, 2, Padding.Same, Activation.Relu));
        net.Add(new MaxPool2DLayer(2, 2, 1, 1));
        net.Add(new AveragePool2DLayer(2, 2));
        net.Add(new DenseLayer(3, Activation.Softmax));
        return net;
    }

    [Fact]
    public void ShapesFlowThroughTheLayersAndAFlattenIsAddedBeforeDense()
    {
        Network net = SmallCnn();
        Assert.Equal(new[] { "Conv2D", "MaxPool2D", "AveragePool2D", "Flatten", "Dense" }, net.Layers.Select(l => l.Kind));
        Assert.Equal(new Shape(4, 5, 4), net.Layers[0].OutputShape);   // ceil(9/2), ceil(7/2)
        Assert.Equal(new Shape(4, 4, 3), net.Layers[1].OutputShape);
        Assert.Equal(new Shape(4, 2, 1), net.Layers[2].OutputShape);
        Assert.Equal(new Shape(8), net.Layers[3].OutputShape);
        Assert.Equal(4 * 2 * 9 + 4, net.Layers[0].ParameterCount);
        Assert.Equal("(None, 4, 5, 4)", net.Layers[0].SummaryLine().OutputShape);
        Assert.Contains("inputs: 2x9x7 = 126", net.ToSummary());
    }

    [Fact]
    public void TheModelFileKeepsTheShapeAndThePredictions()
    {
        Network net = SmallCnn();
        float[] x = Enumerable.Range(0, 5 * 126).Select(i => MathF.Sin(i * 0.37f)).ToArray();
        Network loaded = ModelFile.FromBytes(ModelFile.ToBytes(net));
        Assert.Equal(net.InputShape, loaded.InputShape);
        Assert.Equal(net.Layers.Select(l => l.OutputShape), loaded.Layers.Select(l => l.OutputShape));
        Assert.Equal(net.Predict(x, 5), loaded.Predict(x, 5));
        Assert.Equal(net.Predict(x, 5), net.Clone().Predict(x, 5));
    }

    [Fact]
    public void BatchNormOnImagesNormalizesEachChannelOverTheBatchAndThePixels()
    {
        const int rows = 6, pixels = 3 * 4;
        var net = new Network(new Shape(2, 3, 4), "bn2d", seed: 3);
        net.Add(new BatchNormLayer());
        var bn = (BatchNormLayer)net.Layers[0];
        Assert.Equal((2, 4, 4), (bn.Channels, bn.ParameterCount, bn.State.Length)); // γ, β, running mean and variance per channel
        Assert.Equal(new Shape(2, 3, 4), bn.OutputShape);
        float[] p = { 1.5f, 0.5f, 0.25f, -1f }; // γ, then β
        p.CopyTo(net.ParametersOf(bn));
        // channel 0 around 5 with spread 2, channel 1 around -3 with spread 0.5: each pixel differs
        float[] x = new float[rows * 2 * pixels];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < 2; c++)
                for (int q = 0; q < pixels; q++)
                    x[(r * 2 + c) * pixels + q] = (c == 0 ? 5 + 2 * MathF.Sin(r * 7 + q) : -3 + 0.5f * MathF.Cos(r * 3 + q * 5)) + 0.1f * q;

        // training: each channel's values over the batch and its pixels come out with mean β and deviation γ
        Workspace ws = net.GetWorkspace(rows);
        float[] z = ws.Forward(x, rows, training: true).ToArray();
        for (int c = 0; c < 2; c++)
        {
            double[] values = Channel(x, c), normalized = Channel(z, c);
            double mean = values.Average(), variance = values.Sum(v => (v - mean) * (v - mean)) / values.Length;
            Assert.Equal(p[2 + c], normalized.Average(), 4);
            Assert.Equal(p[c], Math.Sqrt(normalized.Sum(v => (v - p[2 + c]) * (v - p[2 + c])) / values.Length), 3);
            Assert.Equal(0.1 * mean, bn.RunningMean[c], 4);                                                    // momentum 0.1 from 0
            Assert.Equal(0.9 + 0.1 * variance * values.Length / (values.Length - 1), bn.RunningVariance[c], 4); // unbiased, from 1
        }

        // inference: the running statistics, the same for a row alone as in the batch
        float[] predicted = net.Predict(x, rows);
        for (int i = 0; i < x.Length; i++)
        {
            int c = i / pixels % 2;
            double expected = p[c] * (x[i] - bn.RunningMean[c]) / Math.Sqrt(bn.RunningVariance[c] + 1e-5) + p[2 + c];
            Assert.Equal(expected, predicted[i], 4);
        }
        Assert.Equal(predicted[(2 * pixels)..(4 * pixels)], net.Predict(x.AsSpan()[(2 * pixels)..(4 * pixels)], 1));

        // the model file keeps the per-channel state
        Network loaded = ModelFile.FromBytes(ModelFile.ToBytes(net));
        Assert.Equal(bn.State, loaded.Layers[0].State);
        Assert.Equal(predicted, loaded.Predict(x, rows));

        double[] Channel(float[] values, int c) =>
            Enumerable.Range(0, rows).SelectMany(r => values.Skip((r * 2 + c) * pixels).Take(pixels)).Select(v => (double)v).ToArray();
    }

    [Theory]
    [InlineData(new[] { 2, 9, 8 })]    // 144 values for 126 inputs
    [InlineData(new[] { 126, 1, 1, 1 })] // neither T, F nor C, H, W
    [InlineData(new[] { 0, 9, 7 })]
    public void AFileWhoseInputShapeDoesNotFitItsInputsIsRefused(int[] dimensions)
    {
        CraftedModelFile file = CraftedModelFile.Open(ModelFile.ToBytes(SmallCnn()));
        file.Meta["InputShape"] = new System.Text.Json.Nodes.JsonArray(dimensions.Select(d => (System.Text.Json.Nodes.JsonNode?)d).ToArray());
        var error = Assert.Throws<NeuralPSException>(() => ModelFile.FromBytes(file.Seal()));
        Assert.Equal(ErrorIds.ModelFileCorrupt, error.ErrorId);
        Assert.Contains("InputShape", error.Message);
    }

    [Fact]
    public void ImageLayersOnRowsAreNamedErrors()
    {
        var rows = new Network(12);
        Assert.Equal(ErrorIds.ImageInputRequired, Assert.Throws<NeuralPSException>(() => rows.Add(new Conv2DLayer(2, 3, 3))).ErrorId);
        Assert.Equal(ErrorIds.ImageInputRequired, Assert.Throws<NeuralPSException>(() => rows.Add(new MaxPool2DLayer(2, 2))).ErrorId);
        Assert.Equal(ErrorIds.ImageInputRequired, Assert.Throws<NeuralPSException>(() => rows.Add(new GlobalAveragePoolLayer())).ErrorId);
        var images = new Network(new Shape(1, 4, 4));
        Assert.Equal(ErrorIds.InvalidInputShape, Assert.Throws<NeuralPSException>(() => Shape.From(new[] { 1, 28, 28, 1 })).ErrorId);
        Assert.Empty(images.Layers);
        images.Add(new DropoutLayer(0.5f)); // dropout on an image drops single values, as Keras's Dropout does
        Assert.Equal(new Shape(1, 4, 4), images.OutputShape);
    }
}
