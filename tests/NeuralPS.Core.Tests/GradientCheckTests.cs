using NeuralPS.Core.Kernels;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>
/// Finite-difference gradient checks. The gradients under test are the engine's own, from Workspace.Forward and
/// Workspace.Backward into Workspace.Gradients. The reference is a double-precision oracle written here from the
/// definitions (not from the engine's code): the same network evaluated in double at the engine's parameters, and
/// its gradient by central differences with h = 1e-6. The oracle's loss must also equal the engine's loss, so the
/// forward pass is checked as well. A float-only check (parameters perturbed in float, central differences through
/// the engine's own forward pass) backs it up for smooth networks.
/// </summary>
public class GradientCheckTests
{
    private const int Rows = 7;
    private const long DropoutSeed = 4242;

    // ---------------------------------------------------------------- cases

    private static readonly Activation[] Hidden =
    {
        Activation.Linear, Activation.Sigmoid, Activation.Tanh, Activation.Relu, Activation.LeakyRelu,
        Activation.Elu, Activation.Gelu, Activation.Swish, Activation.Softplus,
    };

    public static IEnumerable<object[]> HiddenActivations() => Hidden.Select(a => new object[] { a });

    /// <summary>Every activation as a hidden layer (twice, so its backward pass feeds another layer), MSE on a linear output.</summary>
    [Theory]
    [MemberData(nameof(HiddenActivations))]
    public void HiddenActivation(Activation activation)
    {
        var net = Build(4, new DenseLayer(5, activation, Initializer.GlorotNormal), new DenseLayer(4, activation, Initializer.GlorotNormal),
            new DenseLayer(2, Activation.Linear, Initializer.GlorotNormal));
        float[] x = Normal(Rows * 4, 1, 1.5);
        Check(net, x, Regression(Rows * 2, 2), 2, LossKind.MeanSquaredError);
    }

    [Fact]
    public void SoftplusAboveItsThreshold()
    {
        // inputs large enough that some pre-activations pass softplus' threshold of 20 (where softplus(x) = x)
        var net = Build(3, new DenseLayer(4, Activation.Softplus, Initializer.GlorotNormal), new DenseLayer(1, Activation.Linear, Initializer.GlorotNormal));
        float[] x = Normal(Rows * 3, 3, 25);
        var oracle = new Oracle(net, x, Rows, Regression(Rows, 4), 1, LossKind.MeanSquaredError);
        Assert.Contains(oracle.PreActivations(0), z => z > 20);
        Assert.Contains(oracle.PreActivations(0), z => z < 20);
        CheckAgainstOracle(net, oracle);
    }

    public static IEnumerable<object[]> LossPairs()
    {
        // (loss, output activation, outputs, target kind): fused pairs and non-fused ones
        foreach (Activation a in Hidden.Append(Activation.Softmax))
            yield return new object[] { LossKind.MeanSquaredError, a, 3, a is Activation.Sigmoid or Activation.Softmax ? "unit" : "regression" };
        yield return new object[] { LossKind.MeanAbsoluteError, Activation.Linear, 2, "regression" };
        yield return new object[] { LossKind.MeanAbsoluteError, Activation.Sigmoid, 2, "unit" };
        yield return new object[] { LossKind.MeanAbsoluteError, Activation.Tanh, 2, "regression" };
        yield return new object[] { LossKind.Huber, Activation.Linear, 2, "wide" }; // both branches of Huber
        yield return new object[] { LossKind.Huber, Activation.Tanh, 2, "regression" };
        yield return new object[] { LossKind.Huber, Activation.Softplus, 3, "wide" };
        yield return new object[] { LossKind.BinaryCrossEntropy, Activation.Sigmoid, 1, "binary" }; // fused, single label
        yield return new object[] { LossKind.BinaryCrossEntropy, Activation.Sigmoid, 3, "binary" }; // fused, multi-label
        yield return new object[] { LossKind.BinaryCrossEntropy, Activation.Sigmoid, 3, "unit" };   // fused, soft targets
        yield return new object[] { LossKind.BinaryCrossEntropy, Activation.Softmax, 3, "binary" }; // not fused
        yield return new object[] { LossKind.CategoricalCrossEntropy, Activation.Softmax, 4, "onehot" }; // fused
        yield return new object[] { LossKind.CategoricalCrossEntropy, Activation.Softmax, 4, "soft" };   // fused, probability targets
        yield return new object[] { LossKind.CategoricalCrossEntropy, Activation.Sigmoid, 4, "onehot" }; // not fused
        yield return new object[] { LossKind.SparseCategoricalCrossEntropy, Activation.Softmax, 4, "sparse" }; // fused
        yield return new object[] { LossKind.SparseCategoricalCrossEntropy, Activation.Sigmoid, 4, "sparse" }; // not fused
    }

    /// <summary>Every loss with the output activations it meets, fused (softmax/sigmoid with cross-entropy) or not.</summary>
    [Theory]
    [MemberData(nameof(LossPairs))]
    public void LossWithOutputActivation(LossKind loss, Activation output, int outputs, string targetKind)
    {
        var net = Build(4, new DenseLayer(5, Activation.Tanh, Initializer.GlorotNormal), new DenseLayer(outputs, output, Initializer.GlorotNormal));
        float[] x = Normal(Rows * 4, 11, 1.5);
        (float[] t, int width) = Targets(targetKind, outputs, 12);
        Check(net, x, t, width, loss);
    }

    [Fact]
    public void L1AndL2Penalties()
    {
        var net = Build(4, new DenseLayer(5, Activation.Tanh, Initializer.GlorotNormal, l1: 0.01f, l2: 0.02f),
            new DenseLayer(3, Activation.Linear, Initializer.GlorotNormal, l1: 0.03f),
            new DenseLayer(2, Activation.Linear, Initializer.GlorotNormal, l2: 0.05f));
        float[] x = Normal(Rows * 4, 21, 1);
        float[] t = Regression(Rows * 2, 22);
        var oracle = new Oracle(net, x, Rows, t, 2, LossKind.MeanSquaredError);
        Assert.True(oracle.Penalty() > 0.01, "the penalty is large enough to matter");
        CheckAgainstOracle(net, oracle);

        // the penalty's gradient is exactly sign(W)·L1 + 2·L2·W on top of the data gradient, and nothing on biases
        float[] withPenalty = EngineGradients(net, x, t, 2, out _);
        var plain = Build(4, new DenseLayer(5, Activation.Tanh, Initializer.GlorotNormal), new DenseLayer(3, Activation.Linear, Initializer.GlorotNormal),
            new DenseLayer(2, Activation.Linear, Initializer.GlorotNormal));
        plain.SetParameters(net.Parameters);
        plain.LossOverride = LossKind.MeanSquaredError;
        float[] without = EngineGradients(plain, x, t, 2, out _);
        foreach (Layer layer in net.Layers)
        {
            var dense = (DenseLayer)layer;
            for (int i = 0; i < layer.ParameterCount; i++)
            {
                int k = layer.ParameterOffset + i;
                float w = net.Parameters[k];
                double expected = i < dense.WeightCount ? dense.L1 * Math.Sign(w) + 2.0 * dense.L2 * w : 0;
                Assert.True(Math.Abs(withPenalty[k] - without[k] - expected) < 1e-6, $"penalty gradient of parameter {k}");
            }
        }
    }

    [Fact]
    public void BatchNormInTrainingMode()
    {
        // dense → batch norm (with an activation) → softmax: batch statistics, the input gradient flows back
        var net = Build(4, new DenseLayer(6, Activation.Linear, Initializer.GlorotNormal), new BatchNormLayer(Activation.Relu),
            new DenseLayer(3, Activation.Softmax, Initializer.GlorotNormal));
        SetBatchNorm(net, 1, 31);
        (float[] t, int w) = Targets("sparse", 3, 32);
        Check(net, Normal(Rows * 4, 33, 2), t, w, LossKind.SparseCategoricalCrossEntropy);
    }

    [Fact]
    public void BatchNormFirstLastAndCustomEpsilon()
    {
        // batch norm on the raw inputs, in the middle with a large epsilon, and as the output layer
        var net = Build(3, new BatchNormLayer(Activation.Tanh), new DenseLayer(5, Activation.Swish, Initializer.GlorotNormal),
            new BatchNormLayer(Activation.Linear, momentum: 0.3f, epsilon: 0.5f), new DenseLayer(2, Activation.Linear, Initializer.GlorotNormal),
            new BatchNormLayer(Activation.Sigmoid));
        SetBatchNorm(net, 0, 41);
        SetBatchNorm(net, 2, 42);
        SetBatchNorm(net, 4, 43);
        (float[] t, int w) = Targets("binary", 2, 44);
        Check(net, Normal(Rows * 3, 45, 3), t, w, LossKind.BinaryCrossEntropy);
    }

    [Fact]
    public void DropoutWithAFixedMask()
    {
        // the mask comes from the network's dropout stream; re-seeding the stream before each pass fixes it
        var net = Build(5, new DropoutLayer(0.2f), new DenseLayer(8, Activation.Tanh, Initializer.GlorotNormal), new DropoutLayer(0.5f),
            new DenseLayer(3, Activation.Softmax, Initializer.GlorotNormal));
        (float[] t, int w) = Targets("onehot", 3, 52);
        float[] x = Normal(Rows * 5, 51, 1);
        var oracle = new Oracle(net, x, Rows, t, w, LossKind.CategoricalCrossEntropy);
        Assert.Contains(oracle.DropoutMask(0), m => m == 0);
        Assert.Contains(oracle.DropoutMask(1), m => m == 0);
        Assert.Contains(oracle.DropoutMask(1), m => m == 2f);
        CheckAgainstOracle(net, oracle);
    }

    [Fact]
    public void NormalizationLayerFirst()
    {
        var net = Build(3, new NormalizationLayer(), new DenseLayer(4, Activation.Gelu, Initializer.GlorotNormal), new DenseLayer(1, Activation.Linear, Initializer.GlorotNormal));
        float[] x = Normal(Rows * 3, 61, 1);
        for (int i = 0; i < x.Length; i++) x[i] = x[i] * (1 + i % 3 * 4) + 10 * (i % 3); // features on different scales
        ((NormalizationLayer)net.Layers[0]).Adapt(x, Rows);
        Check(net, x, Regression(Rows, 62), 1, LossKind.MeanSquaredError);
    }

    public static IEnumerable<object[]> ConvolutionCases()
    {
        // (name): each builds a small CNN over odd-sized images with several channels; the names say what it covers
        yield return new object[] { "conv3x3-valid-tanh, maxpool2, dense softmax (implicit flatten)" };
        yield return new object[] { "conv3x3-stride2-same-relu, conv2x3-stride1x2-same, avgpool2, flatten, dense" };
        yield return new object[] { "conv3x3-stride2-valid-swish, conv1x1-relu, global average, dense softmax" };
        yield return new object[] { "conv2x2-same (padding after only), maxpool3-stride1, avgpool2x3-stride1x2, dense sigmoid" };
        yield return new object[] { "conv1d-k3-valid, conv1d-k2-stride2-same (padding after), batch norm over features, dense softmax" };
        yield return new object[] { "conv1d-k4-stride3-same, conv1d-k1, dense linear" };
        yield return new object[] { "conv3x3-spatial-dropout, spatial dropout over an image's channels, dense softmax" };
        yield return new object[] { "conv1d-spatial-dropout, spatial dropout over a sequence's features, dense" };
        yield return new object[] { "conv3x3-same-batchnorm, per-channel batch norm (swish) after a convolution, maxpool2, batch norm on a row, dense" };
    }

    /// <summary>Convolution and pooling layers against the oracle: strides 1 and 2, valid and same, odd sizes, channels.</summary>
    [Theory]
    [MemberData(nameof(ConvolutionCases))]
    public void ConvolutionAndPooling(string name)
    {
        const int rows = 5;
        Network net;
        float[] t;
        int width;
        LossKind loss;
        switch (name[..name.IndexOf(',')])
        {
            case "conv3x3-valid-tanh":
                net = Build(new Shape(2, 7, 6), new Conv2DLayer(3, 3, 3, activation: Activation.Tanh, initializer: Initializer.GlorotNormal),
                    new MaxPool2DLayer(2, 2), new DenseLayer(3, Activation.Softmax, Initializer.GlorotNormal));
                Assert.IsType<FlattenLayer>(net.Layers[2]);
                (t, width, loss) = (Enumerable.Range(0, rows).Select(r => (float)(r % 3)).ToArray(), 1, LossKind.SparseCategoricalCrossEntropy);
                break;
            case "conv3x3-stride2-same-relu":
                net = Build(new Shape(3, 7, 7), new Conv2DLayer(4, 3, 3, 2, 2, Padding.Same, Activation.Relu, Initializer.GlorotNormal),
                    new Conv2DLayer(2, 2, 3, 1, 2, Padding.Same, Activation.Linear, Initializer.GlorotNormal),
                    new AveragePool2DLayer(2, 2), new FlattenLayer(), new DenseLayer(2, Activation.Linear, Initializer.GlorotNormal));
                Assert.Equal(new Shape(4, 4, 4), net.Layers[0].OutputShape);
                Assert.Equal(new Shape(2, 4, 2), net.Layers[1].OutputShape);
                (t, width, loss) = (Normal(rows * 2, 102, 1), 2, LossKind.MeanSquaredError);
                break;
            case "conv3x3-stride2-valid-swish":
                net = Build(new Shape(2, 9, 8), new Conv2DLayer(3, 3, 3, 2, 2, Padding.Valid, Activation.Swish, Initializer.GlorotNormal),
                    new Conv2DLayer(5, 1, 1, activation: Activation.Relu, initializer: Initializer.GlorotNormal),
                    new GlobalAveragePoolLayer(), new DenseLayer(3, Activation.Softmax, Initializer.GlorotNormal));
                Assert.Equal(new Shape(3, 4, 3), net.Layers[0].OutputShape);
                Assert.Equal(new Shape(5), net.Layers[2].OutputShape);
                (t, width, loss) = (Enumerable.Range(0, rows).Select(r => (float)((r * 2) % 3)).ToArray(), 1, LossKind.SparseCategoricalCrossEntropy);
                break;
            case "conv1d-k3-valid":
                net = Build(Shape.Sequence(9, 3), new Conv1DLayer(4, 3, activation: Activation.Tanh, initializer: Initializer.GlorotNormal),
                    new Conv1DLayer(3, 2, 2, Padding.Same, Activation.Swish, Initializer.GlorotNormal),
                    new BatchNormLayer(Activation.Tanh), new DenseLayer(3, Activation.Softmax, Initializer.GlorotNormal));
                Assert.Equal(Shape.Sequence(7, 4), net.Layers[0].OutputShape);
                Assert.Equal(Shape.Sequence(4, 3), net.Layers[1].OutputShape);   // ceil(7/2), one zero after
                Assert.Equal(6, net.Layers[2].ParameterCount);                    // γ, β per feature
                SetBatchNorm(net, 2, 107);
                (t, width, loss) = (Enumerable.Range(0, rows).Select(r => (float)(r % 3)).ToArray(), 1, LossKind.SparseCategoricalCrossEntropy);
                break;
            case "conv1d-k4-stride3-same":
                net = Build(Shape.Sequence(8, 2), new Conv1DLayer(3, 4, 3, Padding.Same, Activation.Sigmoid, Initializer.GlorotNormal),
                    new Conv1DLayer(2, 1, activation: Activation.Linear, initializer: Initializer.GlorotNormal),
                    new DenseLayer(2, Activation.Linear, Initializer.GlorotNormal));
                Assert.Equal(Shape.Sequence(3, 3), net.Layers[0].OutputShape);   // ceil(8/3): pads 1 before, 2 after
                Assert.IsType<FlattenLayer>(net.Layers[2]);
                (t, width, loss) = (Normal(rows * 2, 108, 1), 2, LossKind.MeanSquaredError);
                break;
            case "conv3x3-spatial-dropout":
                net = Build(new Shape(3, 5, 5), new Conv2DLayer(6, 3, 3, activation: Activation.Tanh, initializer: Initializer.GlorotNormal),
                    new DropoutLayer(0.4f, spatial: true), new FlattenLayer(), new DenseLayer(2, Activation.Softmax, Initializer.GlorotNormal));
                (t, width, loss) = (Enumerable.Range(0, rows).Select(r => (float)(r % 2)).ToArray(), 1, LossKind.SparseCategoricalCrossEntropy);
                break;
            case "conv1d-spatial-dropout":
                net = Build(Shape.Sequence(6, 2), new Conv1DLayer(5, 2, activation: Activation.Tanh, initializer: Initializer.GlorotNormal),
                    new DropoutLayer(0.4f, spatial: true), new DenseLayer(2, Activation.Linear, Initializer.GlorotNormal));
                (t, width, loss) = (Normal(rows * 2, 109, 1), 2, LossKind.MeanSquaredError);
                break;
            case "conv3x3-same-batchnorm":
                net = Build(new Shape(2, 5, 6), new Conv2DLayer(3, 3, 3, padding: Padding.Same, initializer: Initializer.GlorotNormal),
                    new BatchNormLayer(Activation.Swish), new MaxPool2DLayer(2, 2), new FlattenLayer(), new BatchNormLayer(Activation.Tanh, epsilon: 0.1f),
                    new DenseLayer(3, Activation.Softmax, Initializer.GlorotNormal));
                Assert.Equal(6, net.Layers[1].ParameterCount); // γ and β per channel
                Assert.Equal(2 * 3 * 2 * 3, net.Layers[4].ParameterCount); // per feature after the flatten
                SetBatchNorm(net, 1, 105);
                SetBatchNorm(net, 4, 106);
                (t, width, loss) = (Enumerable.Range(0, rows).Select(r => (float)(r % 3)).ToArray(), 1, LossKind.SparseCategoricalCrossEntropy);
                break;
            default:
                net = Build(new Shape(2, 5, 7), new Conv2DLayer(3, 2, 2, padding: Padding.Same, activation: Activation.Tanh, initializer: Initializer.GlorotNormal),
                    new MaxPool2DLayer(3, 3, 1, 1), new AveragePool2DLayer(2, 3, 1, 2), new DenseLayer(2, Activation.Sigmoid, Initializer.GlorotNormal));
                Assert.Equal(new Shape(3, 5, 7), net.Layers[0].OutputShape);
                Assert.Equal(new Shape(3, 2, 2), net.Layers[2].OutputShape);
                (t, width, loss) = (Enumerable.Range(0, rows * 2).Select(i => (float)(i % 3 == 0 ? 1 : 0)).ToArray(), 2, LossKind.BinaryCrossEntropy);
                break;
        }
        // biases off zero, so that a wrong bias gradient shows
        foreach (Layer layer in net.Layers)
            if (layer is Conv2DLayer or Conv1DLayer)
            {
                Span<float> b = net.ParametersOf(layer)[(layer is Conv2DLayer conv ? conv.WeightCount : ((Conv1DLayer)layer).WeightCount)..];
                for (int i = 0; i < b.Length; i++) b[i] = 0.1f * (i % 3) - 0.05f;
            }
        float[] x = Normal(rows * net.InputSize, 101 + name.Length, 1.5);
        CheckAgainstOracle(net, new Oracle(net, x, rows, t, width, loss));
    }

    public static IEnumerable<object[]> RecurrentCases()
    {
        // (kind, T timesteps, F features, H units, every state out, dense outputs, what follows before the dense layer)
        yield return new object[] { "lstm", 5, 3, 4, false, 2, "" };
        yield return new object[] { "lstm", 3, 2, 5, true, 1, "" };          // a dense layer after sequences: implicit flatten
        yield return new object[] { "lstm", 1, 4, 2, false, 1, "" };         // one timestep
        yield return new object[] { "lstm", 6, 2, 11, false, 1, "" };        // more units than a vector's lanes
        yield return new object[] { "lstm", 4, 3, 4, true, 2, "lstm 3" };    // stacked
        yield return new object[] { "gru", 6, 2, 3, false, 1, "" };
        yield return new object[] { "gru", 4, 3, 5, true, 2, "" };
        yield return new object[] { "gru", 5, 2, 9, false, 1, "" };
        yield return new object[] { "lstm", 5, 2, 4, true, 1, "gru 3 sequences, gru 2" }; // mixed and stacked three deep
    }

    /// <summary>LSTM and GRU layers against the oracle: several T, F and H, last state and sequences, stacked.</summary>
    [Theory]
    [MemberData(nameof(RecurrentCases))]
    public void RecurrentLayers(string kind, int steps, int features, int units, bool sequences, int outputs, string then)
    {
        const int rows = 5;
        var layers = new List<Layer> { kind == "lstm" ? new LstmLayer(units, sequences) : new GruLayer(units, sequences) };
        foreach (string next in then.Split(", ", StringSplitOptions.RemoveEmptyEntries))
        {
            string[] words = next.Split(' ');
            int size = int.Parse(words[1], System.Globalization.CultureInfo.InvariantCulture);
            bool all = words.Length > 2;
            layers.Add(words[0] == "lstm" ? new LstmLayer(size, all) : new GruLayer(size, all));
        }
        layers.Add(new DenseLayer(outputs, Activation.Linear, Initializer.GlorotNormal));
        Network net = Build(Shape.Sequence(steps, features), layers.ToArray());
        Assert.Equal(sequences ? Shape.Sequence(steps, units) : new Shape(units), net.Layers[0].OutputShape);
        if (sequences && then.Length == 0) Assert.IsType<FlattenLayer>(net.Layers[1]);
        // inputs of scale 1.5 drive some gates towards saturation; the biases are PyTorch's draws, off zero
        float[] x = Normal(rows * net.InputSize, 111 + steps * 7 + units, 1.5);
        CheckAgainstOracle(net, new Oracle(net, x, rows, Normal(rows * outputs, 112, 1), outputs, LossKind.MeanSquaredError));
    }

    /// <summary>
    /// Two embedding layers chained (the second finds its column moved by the first), indices repeated within the
    /// batch and the reserved row 0 used, feeding dense layers: every table row's gradient is the sum of its rows'.
    /// </summary>
    [Fact]
    public void EmbeddingLayers()
    {
        const int rows = 9;
        var net = Build(4, new EmbeddingLayer("a", 1, 4, 3), new EmbeddingLayer("b", 5, 2, 2),
            new DenseLayer(5, Activation.Tanh, Initializer.GlorotNormal), new DenseLayer(3, Activation.Softmax, Initializer.GlorotNormal));
        Assert.Equal(new Shape(6), net.Layers[0].OutputShape);
        Assert.Equal(new Shape(7), net.Layers[1].OutputShape);
        float[] x = Normal(rows * 4, 81, 1.2);
        for (int r = 0; r < rows; r++)
        {
            x[r * 4 + 1] = r % 5;        // 0..4: every row of the table, 0 (unseen) included, repeats
            x[r * 4 + 3] = (r * 2) % 3;  // 0..2
        }
        float[] t = Enumerable.Range(0, rows).Select(r => (float)(r % 3)).ToArray();
        CheckAgainstOracle(net, new Oracle(net, x, rows, t, 1, LossKind.SparseCategoricalCrossEntropy));
    }

    /// <summary>The input gradient of each layer kind, directly: d(Σ c·z)/dx by central differences in double on the layer's forward.</summary>
    [Theory]
    [InlineData("dense")]
    [InlineData("batchnorm")]
    [InlineData("dropout")]
    [InlineData("normalization")]
    [InlineData("lstm")]
    [InlineData("gru")]
    [InlineData("lstm-sequences")]
    [InlineData("gru-sequences")]
    [InlineData("batchnorm-image")]
    [InlineData("batchnorm-sequence")]
    public void LayerInputGradient(string kind)
    {
        const int rows = 5;
        bool recurrent = kind.StartsWith("lstm", StringComparison.Ordinal) || kind.StartsWith("gru", StringComparison.Ordinal);
        var net = Build(recurrent ? Shape.Sequence(3, 2) : kind == "batchnorm-image" ? new Shape(2, 2, 3)
            : kind == "batchnorm-sequence" ? Shape.Sequence(4, 3) : new Shape(4), kind switch
            {
                "dense" => new DenseLayer(3, Activation.Linear, Initializer.GlorotNormal),
                "batchnorm" or "batchnorm-image" or "batchnorm-sequence" => new BatchNormLayer(),
                "dropout" => new DropoutLayer(0.4f),
                "lstm" => new LstmLayer(4),
                "gru" => new GruLayer(4),
                "lstm-sequences" => new LstmLayer(3, returnSequences: true),
                "gru-sequences" => new GruLayer(3, returnSequences: true),
                _ => new NormalizationLayer(),
            });
        int width = net.InputSize;
        Layer layer = net.Layers[0];
        if (layer is BatchNormLayer) SetBatchNorm(net, 0, 71);
        float[] x = Normal(rows * width, 72, 2);
        if (layer is NormalizationLayer n) n.Adapt(Normal(rows * width * 3, 73, 5), rows * 3);
        int outputs = layer.OutputSize;
        double[] c = Normal(rows * outputs, 74, 1).Select(v => (double)v).ToArray();
        using var pool = new WorkerPool(1);
        var context = new NeuralPS.Core.Layers.ExecutionContext(pool, new RandomSource(DropoutSeed));
        float[] scratch = new float[layer.ScratchLength(rows, pool.ThreadCount)];
        float[] p = net.ParametersOf(layer).ToArray();

        double Objective(float[] input)
        {
            context.DropoutRandom = new RandomSource(DropoutSeed);
            var z = new float[rows * outputs];
            layer.Forward(p, input, z, rows, training: true, scratch, context);
            double s = 0;
            for (int i = 0; i < z.Length; i++) s += c[i] * z[i];
            return s;
        }

        Objective(x);
        float[] dz = c.Select(v => (float)v).ToArray();
        float[] dx = new float[rows * width];
        layer.Backward(p, x, dz, new float[layer.ParameterCount], dx, rows, scratch, context);

        // float perturbation, central differences; the objective is linear in z, so only the layer's own curvature counts
        const float h = 1e-2f;
        double max = dx.Max(v => Math.Abs((double)v));
        Assert.True(max > 0.1, "the gradient is not trivially zero");
        for (int i = 0; i < x.Length; i++)
        {
            float keep = x[i];
            x[i] = keep + h; double plus = Objective(x);
            x[i] = keep - h; double minus = Objective(x);
            x[i] = keep;
            double numeric = (plus - minus) / (2 * h);
            Assert.True(Math.Abs(numeric - dx[i]) <= 2e-3 * max + 1e-2 * Math.Abs(numeric),
                $"{kind}: d/dx[{i}]: finite difference {numeric:G6}, backward {dx[i]:G6}");
        }
    }

    /// <summary>
    /// The float-only check: parameters perturbed in float (h = 1e-3), loss from the engine's own forward pass (in
    /// double from its float outputs), central differences, against the engine's backward pass.
    /// </summary>
    [Theory]
    [InlineData(LossKind.CategoricalCrossEntropy)]
    [InlineData(LossKind.MeanSquaredError)]
    [InlineData(LossKind.BinaryCrossEntropy)]
    public void FloatPerturbationThroughTheEngine(LossKind loss)
    {
        Activation output = loss switch
        {
            LossKind.CategoricalCrossEntropy => Activation.Softmax,
            LossKind.BinaryCrossEntropy => Activation.Sigmoid,
            _ => Activation.Linear,
        };
        var net = Build(4, new DenseLayer(6, Activation.Tanh, Initializer.GlorotNormal, l2: 0.01f), new BatchNormLayer(Activation.Gelu),
            new DropoutLayer(0.25f), new DenseLayer(5, Activation.Softplus, Initializer.GlorotNormal, l1: 0.002f),
            new DenseLayer(3, output, Initializer.GlorotNormal));
        SetBatchNorm(net, 1, 81);
        (float[] t, int w) = Targets(loss switch
        {
            LossKind.CategoricalCrossEntropy => "soft",
            LossKind.BinaryCrossEntropy => "binary",
            _ => "regression",
        }, 3, 82);
        float[] x = Normal(Rows * 4, 83, 1.5);
        net.LossOverride = loss;
        float[] analytic = EngineGradients(net, x, t, w, out _);
        Workspace ws = net.GetWorkspace(Rows);

        double Loss()
        {
            net.DropoutRandom = new RandomSource(DropoutSeed);
            ws.Forward(x, Rows, training: true);
            return ws.LossOnly(t, w, Rows) + net.Penalty();
        }

        const float h = 1e-3f;
        double max = analytic.Max(v => Math.Abs((double)v));
        for (int i = 0; i < net.ParameterCount; i++)
        {
            float keep = net.Parameters[i];
            net.Parameters[i] = keep + h; double plus = Loss();
            net.Parameters[i] = keep - h; double minus = Loss();
            net.Parameters[i] = keep;
            double numeric = (plus - minus) / (2.0 * h);
            Assert.True(Math.Abs(numeric - analytic[i]) <= 2e-3 * max + 2e-2 * Math.Abs(numeric),
                $"parameter {i}: finite difference {numeric:G6}, backward {analytic[i]:G6}");
        }
    }

    /// <summary>
    /// Gradients that are exactly zero in exact arithmetic must come out exactly zero: AdaGrad, RMSprop and Adam divide
    /// a gradient by its own running size, so float rounding noise of 1e-9 where PyTorch has 0 becomes a full step.
    /// </summary>
    [Fact]
    public void ExactlyCancellingGradientsAreExactlyZero()
    {
        // MAE on 6 rows, 2 outputs: the bias gradient sums ±1/12, three of each sign, in an order that float
        // addition does not cancel exactly (+ + + − − −)
        var dense = Build(2, new DenseLayer(2, Activation.Linear, Initializer.GlorotNormal));
        Layer layer = dense.Layers[0];
        float a = 1f / 12;
        float[] dz = { a, -a, a, a, a, -a, -a, a, -a, -a, -a, a };
        float[] gradients = new float[layer.ParameterCount];
        using var pool = new WorkerPool(1);
        var context = new NeuralPS.Core.Layers.ExecutionContext(pool, new RandomSource(1));
        layer.Backward(dense.ParametersOf(layer).ToArray(), Normal(12, 1, 1), dz, gradients, Span<float>.Empty, 6, Array.Empty<float>(), context);
        Assert.Equal(0f, gradients[4]);
        Assert.Equal(0f, gradients[5]);

        // softmax backward of a row whose upstream gradient is the same everywhere: Σ y = 1 only up to rounding
        var random = new RandomSource(3);
        for (int trial = 0; trial < 200; trial++)
        {
            int width = 2 + trial % 9;
            float[] z = Enumerable.Range(0, width).Select(_ => (float)(3 * random.NextGaussian())).ToArray();
            float[] y = new float[width];
            ActivationFunctions.Forward(Activation.Softmax, z, y, width);
            float c = (float)random.NextGaussian();
            float[] dy = Enumerable.Repeat(c, width).ToArray(), dzSoftmax = new float[width];
            ActivationFunctions.Backward(Activation.Softmax, z, y, dy, dzSoftmax, width);
            Assert.All(dzSoftmax, v => Assert.Equal(0f, v));
        }
    }

    /// <summary>The check itself must fail on a wrong gradient: a tampered gradient is caught.</summary>
    [Fact]
    public void TheCheckCatchesAWrongGradient()
    {
        var net = Build(3, new DenseLayer(4, Activation.Tanh, Initializer.GlorotNormal), new DenseLayer(2, Activation.Linear, Initializer.GlorotNormal));
        float[] x = Normal(Rows * 3, 91, 1);
        var oracle = new Oracle(net, x, Rows, Regression(Rows * 2, 92), 2, LossKind.MeanSquaredError);
        double[] reference = oracle.NumericGradient();
        float[] g = EngineGradients(net, x, oracle.Targets, 2, out _);
        Assert.Null(FirstMismatch(g, reference));
        int k = Array.IndexOf(reference, reference.MaxBy(Math.Abs));
        g[k] *= 1.01f;
        Assert.NotNull(FirstMismatch(g, reference));
    }

    // ---------------------------------------------------------------- machinery

    private static Network Build(int inputs, params Layer[] layers) => Build(new Shape(inputs), layers);

    private static Network Build(Shape inputs, params Layer[] layers)
    {
        var net = new Network(inputs, "gradcheck", seed: 7);
        foreach (Layer layer in layers) net.Add(layer);
        return net;
    }

    /// <summary>Non-trivial γ and β, so that the check does not pass on γ = 1, β = 0 by accident.</summary>
    private static void SetBatchNorm(Network net, int index, int seed)
    {
        Span<float> p = net.ParametersOf(net.Layers[index]);
        var random = new RandomSource(seed);
        int n = p.Length / 2;
        for (int j = 0; j < n; j++)
        {
            p[j] = (float)(0.6 + 0.8 * random.NextDouble());
            p[n + j] = (float)(0.6 * random.NextDouble() - 0.3);
        }
    }

    private static float[] Normal(int count, int seed, double scale)
    {
        var random = new RandomSource(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextGaussian() * scale);
        return values;
    }

    private static float[] Regression(int count, int seed) => Normal(count, seed, 1);

    private static (float[] Targets, int Width) Targets(string kind, int outputs, int seed)
    {
        var random = new RandomSource(seed);
        var t = new float[Rows * outputs];
        switch (kind)
        {
            case "regression": return (Normal(Rows * outputs, seed, 1), outputs);
            case "wide": return (Normal(Rows * outputs, seed, 3), outputs);
            case "unit":
                for (int i = 0; i < t.Length; i++) t[i] = (float)(0.05 + 0.9 * random.NextDouble());
                return (t, outputs);
            case "binary":
                for (int i = 0; i < t.Length; i++) t[i] = random.NextDouble() < 0.5 ? 1f : 0f;
                return (t, outputs);
            case "onehot":
                for (int r = 0; r < Rows; r++) t[r * outputs + (r % outputs)] = 1f;
                return (t, outputs);
            case "soft":
                for (int r = 0; r < Rows; r++)
                {
                    double sum = 0;
                    for (int j = 0; j < outputs; j++) sum += t[r * outputs + j] = (float)(0.1 + random.NextDouble());
                    for (int j = 0; j < outputs; j++) t[r * outputs + j] = (float)(t[r * outputs + j] / sum);
                }
                return (t, outputs);
            case "sparse":
                return (Enumerable.Range(0, Rows).Select(r => (float)((r * 3 + 1) % outputs)).ToArray(), 1);
            default: throw new ArgumentException(kind);
        }
    }

    /// <summary>The engine's loss and gradients for one batch, with the dropout mask fixed by <see cref="DropoutSeed"/>.</summary>
    private static float[] EngineGradients(Network net, float[] x, float[] t, int width, out double loss, int rows = Rows)
    {
        net.DropoutRandom = new RandomSource(DropoutSeed);
        Workspace ws = net.GetWorkspace(rows);
        ws.Forward(x, rows, training: true);
        loss = ws.Backward(x, t, width, rows);
        return ws.Gradients.ToArray();
    }

    private static void Check(Network net, float[] x, float[] t, int width, LossKind loss) =>
        CheckAgainstOracle(net, new Oracle(net, x, Rows, t, width, loss));

    private static void CheckAgainstOracle(Network net, Oracle oracle)
    {
        net.LossOverride = oracle.Loss;
        float[] g = EngineGradients(net, oracle.X, oracle.Targets, oracle.TargetWidth, out double engineLoss, oracle.Rows);
        double oracleLoss = oracle.Evaluate(net.Parameters.Select(v => (double)v).ToArray());
        Assert.True(Math.Abs(engineLoss - oracleLoss) <= 1e-5 * Math.Abs(oracleLoss) + 1e-7,
            $"loss: oracle {oracleLoss:G9}, engine {engineLoss:G9}");
        Assert.True(oracle.KinkDistance > 1e-4,
            $"a kink (ReLU at 0, |error| = 0 or 1, |w| = 0) lies within {oracle.KinkDistance:G3}: choose other data");
        double[] reference = oracle.NumericGradient();
        Assert.True(reference.Max(Math.Abs) > 1e-3, "the gradient is not trivially zero");
        string? mismatch = FirstMismatch(g, reference);
        Assert.True(mismatch is null, mismatch);
    }

    private static string? FirstMismatch(float[] engine, double[] reference)
    {
        double max = reference.Max(Math.Abs);
        for (int i = 0; i < reference.Length; i++)
        {
            double error = Math.Abs(engine[i] - reference[i]);
            if (error > 1e-3 * Math.Abs(reference[i]) + 1e-5 * max)
                return $"parameter {i}: finite difference (double) {reference[i]:G9}, engine {engine[i]:G9}";
        }
        return null;
    }

    /// <summary>
    /// The network in double precision, from the definitions: dense z = x·W + b; batch norm with the batch's mean and
    /// biased variance; inverted dropout with the mask the engine's stream draws; normalization (x − μ)/σ; each
    /// activation; each loss as the mean over the batch of the per-sample loss (multi-output MSE, MAE, Huber and BCE
    /// averaged over the outputs), plus L1·Σ|W| + L2·ΣW².
    /// </summary>
    private sealed class Oracle
    {
        private readonly Network _net;
        private readonly int _rows;
        private readonly List<double[]> _preActivations = new();
        private readonly List<float[]> _masks = new();

        public Oracle(Network net, float[] x, int rows, float[] targets, int targetWidth, LossKind loss)
        {
            _net = net;
            X = x;
            _rows = rows;
            Targets = targets;
            TargetWidth = targetWidth;
            Loss = loss;
            // the dropout masks, drawn exactly as the engine draws them: layer by layer, element by element
            var random = new RandomSource(DropoutSeed);
            foreach (Layer layer in net.Layers)
                if (layer is DropoutLayer d)
                {
                    float keep = 1f / (1f - d.Rate);
                    if (!d.Spatial)
                    {
                        _masks.Add(Enumerable.Range(0, rows * d.OutputSize).Select(_ => random.NextFloat() >= d.Rate ? keep : 0f).ToArray());
                        continue;
                    }
                    // spatial: one draw per example and channel, in that order, for all the channel's values
                    Shape s = d.InputShape;
                    int channels = s.IsImage ? s.Channels : s.Features, n = s.Size;
                    float[] drawn = Enumerable.Range(0, rows * channels).Select(_ => random.NextFloat() >= d.Rate ? keep : 0f).ToArray();
                    _masks.Add(Enumerable.Range(0, rows * n).Select(i =>
                        drawn[i / n * channels + (s.IsImage ? i % n / (s.Height * s.Width) : i % n % channels)]).ToArray());
                }
            Evaluate(net.Parameters.Select(v => (double)v).ToArray());
        }

        public float[] X { get; }
        public int Rows => _rows;
        public float[] Targets { get; }
        public int TargetWidth { get; }
        public LossKind Loss { get; }

        /// <summary>The smallest distance, at the last evaluation, from a point where the loss is not differentiable.</summary>
        public double KinkDistance { get; private set; } = double.PositiveInfinity;

        public IEnumerable<double> PreActivations(int layer) => _preActivations[layer];
        public float[] DropoutMask(int index) => _masks[index];

        public double Penalty()
        {
            double total = 0;
            foreach (Layer layer in _net.Layers)
                if (layer is DenseLayer d)
                    for (int i = 0; i < d.WeightCount; i++)
                    {
                        double w = _net.Parameters[d.ParameterOffset + i];
                        total += d.L1 * Math.Abs(w) + d.L2 * w * w;
                    }
            return total;
        }

        public double[] NumericGradient()
        {
            double[] p = _net.Parameters.Select(v => (double)v).ToArray();
            var g = new double[p.Length];
            for (int i = 0; i < p.Length; i++)
            {
                double keep = p[i], h = 1e-6 * Math.Max(1, Math.Abs(keep));
                p[i] = keep + h; double plus = Evaluate(p);
                p[i] = keep - h; double minus = Evaluate(p);
                p[i] = keep;
                g[i] = (plus - minus) / (2 * h);
            }
            Evaluate(p);
            return g;
        }

        public double Evaluate(double[] p)
        {
            KinkDistance = double.PositiveInfinity;
            _preActivations.Clear();
            int rows = _rows, width = _net.InputSize, maskIndex = 0;
            double[] a = X.Take(rows * width).Select(v => (double)v).ToArray();
            double[] z = a;
            double penalty = 0;
            foreach (Layer layer in _net.Layers)
            {
                int n = layer.OutputSize, o = layer.ParameterOffset;
                z = new double[rows * n];
                switch (layer)
                {
                    case DenseLayer d:
                        for (int r = 0; r < rows; r++)
                            for (int j = 0; j < n; j++)
                            {
                                double s = p[o + d.WeightCount + j];
                                for (int k = 0; k < width; k++) s += a[r * width + k] * p[o + k * n + j];
                                z[r * n + j] = s;
                            }
                        for (int i = 0; i < d.WeightCount; i++)
                        {
                            penalty += d.L1 * Math.Abs(p[o + i]) + d.L2 * p[o + i] * p[o + i];
                            if (d.L1 != 0) Kink(Math.Abs(p[o + i]));
                        }
                        break;
                    case BatchNormLayer b:
                    {
                        // per feature of a row; per channel of an image, over the batch and the channel's pixels; per
                        // feature of a sequence, over the batch and the timesteps
                        Shape s = b.InputShape;
                        int channels = s.IsImage ? s.Channels : s.IsSequence ? s.Features : n, pixels = n / channels;
                        for (int j = 0; j < channels; j++)
                        {
                            int[] at = Enumerable.Range(0, rows).SelectMany(r => Enumerable.Range(0, pixels)
                                .Select(q => s.IsSequence ? r * n + q * channels + j : r * n + j * pixels + q)).ToArray();
                            double mean = at.Average(i => a[i]);
                            double variance = at.Average(i => (a[i] - mean) * (a[i] - mean)); // biased, as in training
                            foreach (int i in at) z[i] = p[o + j] * (a[i] - mean) / Math.Sqrt(variance + b.Epsilon) + p[o + channels + j];
                        }
                    }
                    break;
                    case DropoutLayer:
                        float[] mask = _masks[maskIndex++];
                        for (int i = 0; i < z.Length; i++) z[i] = a[i] * mask[i];
                        break;
                    case NormalizationLayer norm:
                        for (int r = 0; r < rows; r++)
                            for (int j = 0; j < n; j++)
                                z[r * n + j] = (a[r * n + j] - norm.Mean[j]) / norm.StandardDeviation[j];
                        break;
                    case Conv2DLayer c:
                        Convolve(c, a, p, o, z);
                        break;
                    case Conv1DLayer c1:
                        Convolve1D(c1, a, p, o, z);
                        break;
                    case MaxPool2DLayer m:
                        Pool(m.InputShape, m.PoolHeight, m.PoolWidth, m.StrideHeight, m.StrideWidth, a, z, max: true);
                        break;
                    case AveragePool2DLayer v:
                        Pool(v.InputShape, v.PoolHeight, v.PoolWidth, v.StrideHeight, v.StrideWidth, a, z, max: false);
                        break;
                    case GlobalAveragePoolLayer g:
                    {
                        int pixels = g.InputShape.Height * g.InputShape.Width;
                        for (int i = 0; i < z.Length; i++) z[i] = a.Skip(i * pixels).Take(pixels).Sum() / pixels;
                    }
                    break;
                    case FlattenLayer:
                        Array.Copy(a, z, z.Length);
                        break;
                    case RecurrentLayer r:
                        Recur(r, a, p, o, z);
                        break;
                    case EmbeddingLayer e:
                        // the input row with the index column replaced by the table's row for that index
                        for (int r = 0; r < rows; r++)
                        {
                            int index = (int)a[r * width + e.Column], k = 0;
                            for (int j = 0; j < width; j++)
                                if (j != e.Column) z[r * n + (j < e.Column ? j : j - 1 + e.Dimensions)] = a[r * width + j];
                                else for (k = 0; k < e.Dimensions; k++) z[r * n + j + k] = p[o + index * e.Dimensions + k];
                        }
                        break;
                    default: throw new NotSupportedException(layer.Kind);
                }
                _preActivations.Add(z);
                a = Activate(layer.Activation, z, n);
                width = n;
            }
            return LossOf(z, a, width) + penalty;
        }

        /// <summary>Along one axis, Keras's rule: Same pads so that out = ceil(in / stride), the smaller half before.</summary>
        private static (int Out, int Before) Axis(int size, int kernel, int stride, Padding padding)
        {
            if (padding == Padding.Valid) return ((size - kernel) / stride + 1, 0);
            int output = (int)Math.Ceiling(size / (double)stride);
            return (output, Math.Max((output - 1) * stride + kernel - size, 0) / 2);
        }

        /// <summary>z[n, f, oh, ow] = b[f] + Σ_c,i,j W[f, c, i, j] · x[n, c, oh·sh − top + i, ow·sw − left + j] (zero outside).</summary>
        private void Convolve(Conv2DLayer c, double[] a, double[] p, int o, double[] z)
        {
            Shape s = c.InputShape;
            (int oh, int top) = Axis(s.Height, c.KernelHeight, c.StrideHeight, c.Padding);
            (int ow, int left) = Axis(s.Width, c.KernelWidth, c.StrideWidth, c.Padding);
            int weights = c.Filters * s.Channels * c.KernelHeight * c.KernelWidth;
            for (int n = 0; n < _rows; n++)
                for (int f = 0; f < c.Filters; f++)
                    for (int y = 0; y < oh; y++)
                        for (int x = 0; x < ow; x++)
                        {
                            double sum = p[o + weights + f];
                            for (int ch = 0; ch < s.Channels; ch++)
                                for (int i = 0; i < c.KernelHeight; i++)
                                    for (int j = 0; j < c.KernelWidth; j++)
                                    {
                                        int h = y * c.StrideHeight - top + i, w = x * c.StrideWidth - left + j;
                                        if (h < 0 || h >= s.Height || w < 0 || w >= s.Width) continue;
                                        sum += p[o + ((f * s.Channels + ch) * c.KernelHeight + i) * c.KernelWidth + j]
                                            * a[n * s.Size + (ch * s.Height + h) * s.Width + w];
                                    }
                            z[((n * c.Filters + f) * oh + y) * ow + x] = sum;
                        }
        }

        /// <summary>
        /// PyTorch's nn.LSTM (gates i, f, g, o) and nn.GRU (r, z, n; r on h·W_hn + b_hn) over each sequence from a zero
        /// state, with W_ih [F, G·H], W_hh [H, G·H], b_ih, b_hh [G·H] in the layer's slice; z is the last h, or every h.
        /// </summary>
        private void Recur(RecurrentLayer r, double[] a, double[] p, int o, double[] z)
        {
            int steps = r.InputShape.Steps, features = r.InputShape.Features, units = r.Units;
            bool lstm = r is LstmLayer;
            int g = lstm ? 4 : 3, width = g * units;
            int wih = o, whh = o + features * width, bih = whh + units * width, bhh = bih + width;
            static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
            for (int n = 0; n < _rows; n++)
            {
                var h = new double[units];
                var c = new double[units];
                for (int t = 0; t < steps; t++)
                {
                    double[] xi = new double[width], hh = new double[width];
                    for (int k = 0; k < width; k++)
                    {
                        xi[k] = p[bih + k];
                        for (int f = 0; f < features; f++) xi[k] += a[(n * steps + t) * features + f] * p[wih + f * width + k];
                        hh[k] = p[bhh + k];
                        for (int j = 0; j < units; j++) hh[k] += h[j] * p[whh + j * width + k];
                    }
                    var next = new double[units];
                    for (int j = 0; j < units; j++)
                    {
                        if (lstm)
                        {
                            double i = Sigmoid(xi[j] + hh[j]), fg = Sigmoid(xi[units + j] + hh[units + j]);
                            double cell = Math.Tanh(xi[2 * units + j] + hh[2 * units + j]), og = Sigmoid(xi[3 * units + j] + hh[3 * units + j]);
                            c[j] = fg * c[j] + i * cell;
                            next[j] = og * Math.Tanh(c[j]);
                        }
                        else
                        {
                            double reset = Sigmoid(xi[j] + hh[j]), update = Sigmoid(xi[units + j] + hh[units + j]);
                            double candidate = Math.Tanh(xi[2 * units + j] + reset * hh[2 * units + j]);
                            next[j] = (1 - update) * candidate + update * h[j];
                        }
                    }
                    h = next;
                    if (r.ReturnSequences) Array.Copy(h, 0, z, (n * steps + t) * units, units);
                }
                if (!r.ReturnSequences) Array.Copy(h, 0, z, n * units, units);
            }
        }

        /// <summary>z[n, t, f] = b[f] + Σ_c,k W[f, c, k] · x[n, t·s − left + k, c] (zero outside), rows time-major.</summary>
        private void Convolve1D(Conv1DLayer c, double[] a, double[] p, int o, double[] z)
        {
            Shape s = c.InputShape;
            (int steps, int left) = Axis(s.Steps, c.KernelSize, c.Stride, c.Padding);
            int weights = c.Filters * s.Features * c.KernelSize;
            for (int n = 0; n < _rows; n++)
                for (int t = 0; t < steps; t++)
                    for (int f = 0; f < c.Filters; f++)
                    {
                        double sum = p[o + weights + f];
                        for (int ch = 0; ch < s.Features; ch++)
                            for (int k = 0; k < c.KernelSize; k++)
                            {
                                int at = t * c.Stride - left + k;
                                if (at >= 0 && at < s.Steps) sum += p[o + (f * s.Features + ch) * c.KernelSize + k] * a[n * s.Size + at * s.Features + ch];
                            }
                        z[(n * steps + t) * c.Filters + f] = sum;
                    }
        }

        /// <summary>The maximum (a kink where the two largest of a window meet) or the mean of each window, valid only.</summary>
        private void Pool(Shape s, int kh, int kw, int sh, int sw, double[] a, double[] z, bool max)
        {
            int oh = (s.Height - kh) / sh + 1, ow = (s.Width - kw) / sw + 1, k = 0;
            for (int n = 0; n < _rows; n++)
                for (int ch = 0; ch < s.Channels; ch++)
                    for (int y = 0; y < oh; y++)
                        for (int x = 0; x < ow; x++)
                        {
                            var window = new List<double>();
                            for (int i = 0; i < kh; i++)
                                for (int j = 0; j < kw; j++)
                                    window.Add(a[n * s.Size + (ch * s.Height + y * sh + i) * s.Width + x * sw + j]);
                            window.Sort();
                            if (max && window.Count > 1) Kink(window[^1] - window[^2]);
                            z[k++] = max ? window[^1] : window.Sum() / window.Count;
                        }
        }

        private void Kink(double distance) => KinkDistance = Math.Min(KinkDistance, distance);

        private double[] Activate(Activation kind, double[] z, int n)
        {
            var y = new double[z.Length];
            for (int i = 0; i < z.Length; i++)
            {
                double v = z[i];
                if (kind is Activation.Relu or Activation.LeakyRelu or Activation.Elu) Kink(Math.Abs(v));
                y[i] = kind switch
                {
                    Activation.Linear => v,
                    Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
                    Activation.Tanh => Math.Tanh(v),
                    Activation.Relu => Math.Max(v, 0),
                    Activation.LeakyRelu => v > 0 ? v : 0.01 * v,
                    Activation.Elu => v > 0 ? v : Math.Exp(v) - 1,
                    Activation.Gelu => v * MathNet.Numerics.Distributions.Normal.CDF(0, 1, v),
                    Activation.Swish => v / (1 + Math.Exp(-v)),
                    Activation.Softplus => Math.Max(v, 0) + Math.Log(1 + Math.Exp(-Math.Abs(v))),
                    Activation.Softmax => double.NaN,
                    _ => throw new NotSupportedException(kind.ToString()),
                };
            }
            if (kind == Activation.Softmax)
                for (int r = 0; r < z.Length / n; r++)
                {
                    double max = z.Skip(r * n).Take(n).Max(), sum = 0;
                    for (int j = 0; j < n; j++) sum += y[r * n + j] = Math.Exp(z[r * n + j] - max);
                    for (int j = 0; j < n; j++) y[r * n + j] /= sum;
                }
            return y;
        }

        private double Target(int r, int j, int n) =>
            TargetWidth == 1 && n > 1 ? ((int)Targets[r] == j ? 1 : 0) : Targets[r * TargetWidth + j];

        private double LossOf(double[] z, double[] y, int n)
        {
            int rows = _rows;
            double total = 0;
            for (int r = 0; r < rows; r++)
            {
                double sample = 0;
                for (int j = 0; j < n; j++)
                {
                    int i = r * n + j;
                    double t = Target(r, j, n), d = y[i] - t;
                    switch (Loss)
                    {
                        case LossKind.MeanSquaredError: sample += d * d / n; break;
                        case LossKind.MeanAbsoluteError: Kink(Math.Abs(d)); sample += Math.Abs(d) / n; break;
                        case LossKind.Huber:
                            Kink(Math.Abs(Math.Abs(d) - 1));
                            sample += (Math.Abs(d) <= 1 ? 0.5 * d * d : Math.Abs(d) - 0.5) / n;
                            break;
                        case LossKind.BinaryCrossEntropy:
                            sample -= (t * Math.Log(y[i]) + (1 - t) * Math.Log(1 - y[i])) / n;
                            break;
                        case LossKind.CategoricalCrossEntropy:
                        case LossKind.SparseCategoricalCrossEntropy:
                            sample -= t * Math.Log(y[i]);
                            break;
                    }
                }
                total += sample;
            }
            return total / rows;
        }
    }
}
