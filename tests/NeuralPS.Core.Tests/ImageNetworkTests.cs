using NeuralPS.Core.Kernels;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tests.Trust;
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
    public void ImageLayersOnRowsAndBatchNormOnImagesAreNamedErrors()
    {
        var rows = new Network(12);
        Assert.Equal(ErrorIds.ImageInputRequired, Assert.Throws<NeuralPSException>(() => rows.Add(new Conv2DLayer(2, 3, 3))).ErrorId);
        Assert.Equal(ErrorIds.ImageInputRequired, Assert.Throws<NeuralPSException>(() => rows.Add(new MaxPool2DLayer(2, 2))).ErrorId);
        Assert.Equal(ErrorIds.ImageInputRequired, Assert.Throws<NeuralPSException>(() => rows.Add(new GlobalAveragePoolLayer())).ErrorId);
        var images = new Network(new Shape(1, 4, 4));
        Assert.Equal(ErrorIds.BatchNormOnImage, Assert.Throws<NeuralPSException>(() => images.Add(new BatchNormLayer())).ErrorId);
        Assert.Equal(ErrorIds.InvalidInputShape, Assert.Throws<NeuralPSException>(() => Shape.From(new[] { 1, 28, 28, 1 })).ErrorId);
        Assert.Empty(images.Layers);
        images.Add(new DropoutLayer(0.5f)); // dropout on an image drops single values, as Keras's Dropout does
        Assert.Equal(new Shape(1, 4, 4), images.OutputShape);
    }
}
