using NeuralPS.Core.Data;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>1-D convolutions over windows (T, F): shapes, the model file, threads, the refusals.</summary>
public class Conv1DNetworkTests
{
    private static Network Small()
    {
        var net = new Network(Shape.Sequence(10, 3), "conv1d", seed: 5);
        net.Add(new Conv1DLayer(6, 3, padding: Padding.Same, activation: Activation.Relu));
        net.Add(new Conv1DLayer(4, 3, 2, Padding.Valid, Activation.Tanh));
        net.Add(new DenseLayer(2, Activation.Linear));
        return net;
    }

    private static float[] Rows(int rows, int width) => Enumerable.Range(0, rows * width).Select(i => MathF.Sin(i * 0.37f) * 1.5f).ToArray();

    [Fact]
    public void ShapesFlowAsSequencesAndAFlattenIsAddedBeforeDense()
    {
        Network net = Small();
        Assert.Equal(new[] { "Conv1D", "Conv1D", "Flatten", "Dense" }, net.Layers.Select(l => l.Kind));
        Assert.Equal(Shape.Sequence(10, 6), net.Layers[0].OutputShape);
        Assert.Equal(Shape.Sequence(4, 4), net.Layers[1].OutputShape);   // (10 - 3) / 2 + 1
        Assert.Equal(6 * 3 * 3 + 6, net.Layers[0].ParameterCount);         // W [filters, F, K], b
        Assert.Equal("(None, 10, 6)", net.Layers[0].SummaryLine().OutputShape);
        Assert.Equal("Conv1D 4 k3 /2 Valid (Tanh)", net.Layers[1].Describe());
    }

    [Fact]
    public void TheLayoutIsTimeMajorAndTheFeaturesAreTheChannels()
    {
        // one filter that reads feature 1 at the window's first step of each pair: z[t] = x[t, 1]·1 + x[t+1, 1]·10
        var net = new Network(Shape.Sequence(3, 2), "layout", seed: 1);
        net.Add(new Conv1DLayer(1, 2));
        float[] w = { 0, 0, 1, 10, 0.5f }; // W[0, 0, :] = 0, 0; W[0, 1, :] = 1, 10; b = 0.5
        w.CopyTo(net.ParametersOf(net.Layers[0]));
        float[] x = { 1, 2, 3, 4, 5, 6 }; // t0: (1, 2), t1: (3, 4), t2: (5, 6)
        Assert.Equal(new[] { 2 + 40 + 0.5f, 4 + 60 + 0.5f }, net.Predict(x, 1));
    }

    [Fact]
    public void TheModelFileKeepsTheLayerAndTrainingGivesTheSameBitsOnOneAndTwoThreads()
    {
        float[] x = Rows(24, 30);
        var data = new Dataset(x, 30, Rows(24, 2).Select(MathF.Tanh).ToArray(), 2, DatasetTask.Regression) { Shape = new[] { 10, 3 } };
        float[] Train(int threads)
        {
            Network net = Small();
            net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.01 };
            foreach (EpochResult _ in new Trainer(net, data, null, new TrainingOptions { Epochs = 2, BatchSize = 8, Seed = 1, ThreadCount = threads }).Run()) { }
            Network loaded = ModelFile.FromBytes(ModelFile.ToBytes(net));
            Assert.Equal(net.Layers.Select(l => (l.Kind, l.OutputShape, l.Describe())), loaded.Layers.Select(l => (l.Kind, l.OutputShape, l.Describe())));
            Assert.Equal(net.Predict(x, 24), loaded.Predict(x, 24));
            return net.Parameters;
        }
        float[] one = Train(1);
        Assert.NotEqual(Small().Parameters, one);
        Assert.Equal(one, Train(2));
    }

    [Fact]
    public void ConvolutionsOnRowsOrImagesAndKernelsLongerThanTheWindowAreNamedErrors()
    {
        Assert.Equal(ErrorIds.SequenceInputRequired, Assert.Throws<NeuralPSException>(() => new Network(12).Add(new Conv1DLayer(2, 3))).ErrorId);
        Assert.Equal(ErrorIds.SequenceInputRequired,
            Assert.Throws<NeuralPSException>(() => new Network(new Shape(1, 4, 4)).Add(new Conv1DLayer(2, 3))).ErrorId);
        NeuralPSException error = Assert.Throws<NeuralPSException>(() => new Network(Shape.Sequence(4, 2)).Add(new Conv1DLayer(2, 5)));
        Assert.Equal(ErrorIds.ShapeMismatch, error.ErrorId);
        Assert.Contains("-Padding Same", error.Message);
        var same = new Network(Shape.Sequence(4, 2));
        same.Add(new Conv1DLayer(2, 5, padding: Padding.Same));
        Assert.Equal(Shape.Sequence(4, 2), same.OutputShape);
        Assert.Equal(ErrorIds.InvalidConvolution, Assert.Throws<NeuralPSException>(() => new Conv1DLayer(2, 0)).ErrorId);
    }
}
