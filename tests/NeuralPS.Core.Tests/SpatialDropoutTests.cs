using NeuralPS.Core.Data;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>Spatial dropout (Add-DropoutLayer -Spatial): whole channels dropped, as PyTorch's Dropout2d.</summary>
public class SpatialDropoutTests
{
    [Fact]
    public void EachChannelOfAnImageIsKeptOrDroppedWhole()
    {
        const int rows = 400, channels = 5, pixels = 3 * 4;
        var net = new Network(new Shape(channels, 3, 4), "spatial", seed: 1);
        net.Add(new DropoutLayer(0.3f, spatial: true));
        Assert.Equal("SpatialDropout (0.3)", net.Layers[0].Describe());
        float[] x = Enumerable.Range(0, rows * channels * pixels).Select(i => 1 + i % 7 * 0.5f).ToArray();
        float[] z = net.GetWorkspace(rows).Forward(x, rows, training: true).ToArray();
        int dropped = 0;
        var perChannel = new int[channels];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < channels; c++)
            {
                int start = (r * channels + c) * pixels;
                float[] scale = Enumerable.Range(start, pixels).Select(i => z[i] / x[i]).ToArray();
                Assert.True(scale.All(v => v == 0f) || scale.All(v => Math.Abs(v - 1 / 0.7f) < 1e-6f),
                    $"example {r}, channel {c}: the channel is neither dropped nor kept whole ({string.Join(", ", scale)})");
                if (scale[0] == 0f) { dropped++; perChannel[c]++; }
            }
        // 2000 channels at rate 0.3: 600 ± 20.5 (one standard deviation); each channel's 400 draws 120 ± 9.2
        Assert.InRange(dropped, 600 - 4 * 21, 600 + 4 * 21);
        Assert.All(perChannel, count => Assert.InRange(count, 120 - 4 * 9, 120 + 4 * 9));
        // at inference, the identity
        Assert.Equal(x, net.Predict(x, rows));
    }

    [Fact]
    public void ASequenceLosesWholeFeaturesAtEveryTimestep()
    {
        const int rows = 50, steps = 6, features = 4;
        var net = new Network(Shape.Sequence(steps, features), "spatial1d", seed: 3);
        net.Add(new DropoutLayer(0.5f, spatial: true));
        float[] x = Enumerable.Range(0, rows * steps * features).Select(i => 1f + i % 5).ToArray();
        float[] z = net.GetWorkspace(rows).Forward(x, rows, training: true).ToArray();
        for (int r = 0; r < rows; r++)
            for (int f = 0; f < features; f++)
            {
                bool[] kept = Enumerable.Range(0, steps).Select(t => z[(r * steps + t) * features + f] != 0).ToArray();
                Assert.True(kept.All(k => k) || kept.All(k => !k), $"example {r}, feature {f}: dropped at some timesteps only");
            }
        Assert.Contains(z, v => v == 0);
        Assert.Contains(z, v => v != 0);
    }

    [Fact]
    public void TrainingGivesTheSameBitsOnOneAndTwoThreadsAndTheModelFileKeepsTheLayer()
    {
        var random = new Random(5);
        float[] x = Enumerable.Range(0, 48 * 2 * 6 * 6).Select(_ => (float)random.NextDouble()).ToArray();
        var data = new Dataset(x, 72, Enumerable.Range(0, 48).Select(i => (float)(i % 3)).ToArray(), 1, DatasetTask.Classification,
            classNames: new[] { "a", "b", "c" })
        { Shape = new[] { 2, 6, 6 } };
        Network Train(int threads)
        {
            var net = new Network(new Shape(2, 6, 6), "spatial", seed: 7);
            net.Add(new Conv2DLayer(8, 3, 3, padding: Padding.Same, activation: Activation.Relu));
            net.Add(new DropoutLayer(0.25f, spatial: true));
            net.Add(new DenseLayer(3, Activation.Softmax));
            net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.01 };
            foreach (EpochResult _ in new Trainer(net, data, null, new TrainingOptions { Epochs = 3, BatchSize = 8, Seed = 1, ThreadCount = threads }).Run()) { }
            return net;
        }
        Network one = Train(1), two = Train(2);
        Assert.Equal(one.Parameters, two.Parameters);

        Network loaded = ModelFile.FromBytes(ModelFile.ToBytes(one));
        var layer = Assert.IsType<DropoutLayer>(loaded.Layers[1]);
        Assert.True(layer.Spatial);
        Assert.Equal(0.25f, layer.Rate);
        Assert.Equal(one.Predict(x, 48), loaded.Predict(x, 48));
        Assert.False(((DropoutLayer)ModelFile.FromBytes(ModelFile.ToBytes(Plain())).Layers[0]).Spatial);

        static Network Plain()
        {
            var net = new Network(4);
            net.Add(new DropoutLayer(0.5f));
            return net;
        }
    }

    [Fact]
    public void SpatialDropoutOnARowIsANamedError()
    {
        var error = Assert.Throws<NeuralPSException>(() => new Network(8).Add(new DropoutLayer(0.2f, spatial: true)));
        Assert.Equal(ErrorIds.SpatialDropoutOnRows, error.ErrorId);
        Assert.Contains("-Spatial", error.Message);
    }
}
