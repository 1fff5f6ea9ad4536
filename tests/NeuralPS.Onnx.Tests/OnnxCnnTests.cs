using NeuralPS.Core.Data;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Onnx;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Onnx;

/// <summary>
/// Convolutional networks exported to ONNX (Conv, MaxPool, AveragePool, GlobalAveragePool, Flatten) and run by ONNX
/// Runtime give the class probabilities of Network.Predict to 1e-5, after training.
/// </summary>
public sealed class OnnxCnnTests : IDisposable
{
    private const int Channels = 3, Side = 9, Rows = 64;
    private readonly string _folder = Directory.CreateTempSubdirectory("neuralps-onnx-cnn-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static IEnumerable<object[]> Networks()
    {
        yield return new object[] { "same-stride2, maxpool, valid 2x3, avgpool, implicit flatten" };
        yield return new object[] { "valid, maxpool stride 1, 1x1, global average, dropout" };
        yield return new object[] { "batchnorm per channel after a linear conv, maxpool, batchnorm on the flat row" };
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void ACnnsClassProbabilitiesMatchPredict(string name)
    {
        var net = new Network(new Shape(Channels, Side, Side), "cnn", seed: 5);
        if (name.StartsWith("same", StringComparison.Ordinal))
        {
            net.Add(new Conv2DLayer(6, 3, 3, 2, 2, Padding.Same, Activation.Relu));   // pads 1 before and after: 5x5
            net.Add(new MaxPool2DLayer(2, 2));                                         // 2x2
            net.Add(new Conv2DLayer(4, 2, 3, 1, 1, Padding.Same, Activation.Tanh));    // uneven padding, after only
            net.Add(new AveragePool2DLayer(2, 2, 1, 1));
            net.Add(new DenseLayer(3, Activation.Softmax));
        }
        else if (name.StartsWith("batchnorm", StringComparison.Ordinal))
        {
            net.Add(new Conv2DLayer(6, 3, 3, padding: Padding.Same));
            net.Add(new BatchNormLayer(Activation.Relu));                              // per channel: BatchNormalization on NCHW
            net.Add(new MaxPool2DLayer(3, 3));
            net.Add(new FlattenLayer());
            net.Add(new BatchNormLayer(Activation.Tanh));                              // per feature of the row
            net.Add(new DenseLayer(3, Activation.Softmax));
        }
        else
        {
            net.Add(new Conv2DLayer(5, 3, 3, activation: Activation.Swish));
            net.Add(new MaxPool2DLayer(3, 3, 1, 1));
            net.Add(new Conv2DLayer(7, 1, 1, activation: Activation.Relu));
            net.Add(new GlobalAveragePoolLayer());
            net.Add(new DropoutLayer(0.1f));
            net.Add(new DenseLayer(3, Activation.Softmax));
        }
        Dataset data = Images(300, seed: 1);
        net.OptimizerSettings = new Optimizers.OptimizerSettings { Kind = Optimizers.OptimizerKind.Adam, LearningRate = 0.01 };
        foreach (EpochResult _ in new Trainer(net, data, null, new TrainingOptions { Epochs = 3, BatchSize = 32, Seed = 1 }).Run()) { }

        string path = Path.Combine(_folder, "cnn.onnx");
        OnnxExporter.Write(net, path);
        float[] inputs = Images(Rows, seed: 2).Features;
        float[] expected = net.Predict(inputs, Rows), actual = OnnxExportTests.RunOnnx(path, inputs, Rows, 3);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f, $"probability {i}: NeuralPS {expected[i]:R}, ONNX Runtime {actual[i]:R}");
        Assert.Contains(expected, p => p > 0.4f && p < 0.99f); // trained, and not saturated: the comparison means something

        var ops = NeuralPS.Core.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Node.Select(n => n.OpType).ToHashSet();
        Assert.Contains("Conv", ops);
        Assert.Contains("MaxPool", ops);
        Assert.Contains(name.StartsWith("same", StringComparison.Ordinal) ? "AveragePool"
            : name.StartsWith("batchnorm", StringComparison.Ordinal) ? "BatchNormalization" : "GlobalAveragePool", ops);
        Assert.Contains("Flatten", ops);
    }

    [Fact]
    public void AConv1DNetworksClassProbabilitiesMatchPredict()
    {
        const int steps = 12, features = 3;
        var net = new Network(Shape.Sequence(steps, features), "conv1d", seed: 5);
        net.Add(new Conv1DLayer(5, 3, padding: Padding.Same, activation: Activation.Relu));
        net.Add(new Conv1DLayer(4, 4, 3, Padding.Same, Activation.Tanh));   // ceil(12/3) = 4 steps: one zero after
        net.Add(new BatchNormLayer());                                       // per feature over the timesteps
        net.Add(new DenseLayer(3, Activation.Softmax));
        Dataset Windows(int rows, int seed)
        {
            // the class is the feature that rises over the window
            var random = new Random(seed);
            var x = new float[rows * steps * features];
            var y = new float[rows];
            for (int r = 0; r < rows; r++)
            {
                int label = random.Next(3);
                y[r] = label;
                for (int t = 0; t < steps; t++)
                    for (int f = 0; f < features; f++)
                        x[(r * steps + t) * features + f] = (float)(random.NextDouble() + (f == label ? 0.1 * t : 0));
            }
            return new Dataset(x, steps * features, y, 1, DatasetTask.Classification, classNames: new[] { "a", "b", "c" });
        }
        net.OptimizerSettings = new Optimizers.OptimizerSettings { Kind = Optimizers.OptimizerKind.Adam, LearningRate = 0.01 };
        foreach (EpochResult _ in new Trainer(net, Windows(300, 1), null, new TrainingOptions { Epochs = 3, BatchSize = 32, Seed = 1 }).Run()) { }

        string path = Path.Combine(_folder, "conv1d.onnx");
        OnnxExporter.Write(net, path);
        float[] inputs = Windows(Rows, 2).Features;
        float[] expected = net.Predict(inputs, Rows), actual = OnnxExportTests.RunOnnx(path, inputs, Rows, 3);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f, $"probability {i}: NeuralPS {expected[i]:R}, ONNX Runtime {actual[i]:R}");
        Assert.Contains(expected, p => p > 0.4f && p < 0.99f);

        var graph = NeuralPS.Core.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph;
        var conv = graph.Node.Where(n => n.OpType == "Conv").ToArray();
        Assert.Equal(2, conv.Length);
        Assert.Equal(new long[] { 4 }, conv[1].Attribute.Single(a => a.Name == "kernel_shape").Ints);
        Assert.Equal(new long[] { 0, 1 }, conv[1].Attribute.Single(a => a.Name == "pads").Ints);
        Assert.Contains(graph.Node, n => n.OpType == "BatchNormalization");
    }

    /// <summary>Images whose class is the brightest channel, with noise.</summary>
    private static Dataset Images(int rows, int seed)
    {
        var random = new Random(seed);
        int size = Channels * Side * Side;
        var x = new float[rows * size];
        var y = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            int label = random.Next(3);
            y[r] = label;
            for (int i = 0; i < size; i++)
                x[r * size + i] = (float)(random.NextDouble() + (i / (Side * Side) == label ? 0.4 : 0));
        }
        return new Dataset(x, size, y, 1, DatasetTask.Classification, classNames: new[] { "r", "g", "b" });
    }
}
