using System.Text.Json;
using NeuralPS.Core.Data;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>
/// Replays every PyTorch reference trajectory in the repository's tests/golden (or $NEURALPS_GOLDEN_DIR) step by step
/// and compares losses, first-step gradients, final parameters and predictions to 1e-4 relative (1e-6 absolute near
/// zero). tests/golden/README.md says where the files come from.
/// </summary>
public class GoldenTests
{
    private const double Relative = 1e-4, Absolute = 1e-6;

    public static IEnumerable<object[]> Cases() =>
        Directory.GetFiles(GoldenDirectory(), "*.json").OrderBy(f => f, StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) });

    internal static string GoldenDirectory()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("NEURALPS_GOLDEN_DIR");
        return string.IsNullOrEmpty(fromEnvironment) ? RepositoryGoldenDirectory() : fromEnvironment;
    }

    /// <summary>tests/golden of the repository the test assembly was built in (its bin folder sits inside it).</summary>
    internal static string RepositoryGoldenDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "golden");
            if (File.Exists(Path.Combine(dir.FullName, "NeuralPS.sln")) && Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException(
            $"No tests/golden folder in a repository above {AppContext.BaseDirectory}; set NEURALPS_GOLDEN_DIR to a folder of reference files.");
    }

    [Fact]
    public void TheRepositoryCarriesItsReferences()
    {
        // The references travel with the code: a clone has them, whatever lies around it.
        string dir = RepositoryGoldenDirectory();
        string[] files = Directory.GetFiles(dir, "*.json");
        Assert.True(files.Length >= 45, $"{dir} holds {files.Length} reference files, expected the 14 first ones and the 31 of make_golden.py");
        Assert.True(File.Exists(Path.Combine(dir, "README.md")), $"{dir} has no README.md saying where its files come from");
        foreach (string file in files)
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(file));
            Assert.StartsWith("PyTorch ", doc.RootElement.GetProperty("producedBy").GetString());
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string file)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(GoldenDirectory(), file)));
        JsonElement root = doc.RootElement, spec = root.GetProperty("case");
        string? unsupported = UnsupportedFeature(spec);
        Skip.If(unsupported is not null, $"{file}: {unsupported} is not built yet");

        int inputs = spec.GetProperty("inputs").GetInt32();
        int batchSize = spec.GetProperty("batchSize").GetInt32();
        int steps = spec.GetProperty("steps").GetInt32();
        Shape inputShape = spec.TryGetProperty("inputShape", out JsonElement shapeElement)
            ? Shape.From(shapeElement.EnumerateArray().Select(e => e.GetInt32()).ToArray()) : new Shape(inputs);
        Assert.Equal(inputs, inputShape.Size);
        var net = new Network(inputShape, file, seed: 1);
        JsonElement[] layerSpecs = spec.GetProperty("layers").EnumerateArray().ToArray();
        foreach (JsonElement layer in layerSpecs)
        {
            Activation activation = ParseActivation(layer.GetProperty("activation").GetString()!);
            net.Add(layer.GetProperty("type").GetString() switch
            {
                "dense" => new DenseLayer(layer.GetProperty("units").GetInt32(), activation, Initializer.Zeros,
                    Get(layer, "l1"), Get(layer, "l2")),
                "batchnorm" => new BatchNormLayer(activation, (float)GetDouble(layer, "momentum", 0.1),
                    (float)GetDouble(layer, "epsilon", GetDouble(layer, "eps", 1e-5))),
                "conv2d" => new Conv2DLayer(layer.GetProperty("filters").GetInt32(), Pair(layer, "kernelSize").Item1, Pair(layer, "kernelSize").Item2,
                    Pair(layer, "strides").Item1, Pair(layer, "strides").Item2,
                    layer.GetProperty("padding").GetString() == "same" ? Padding.Same : Padding.Valid, activation, Initializer.Zeros),
                "maxpool2d" => new MaxPool2DLayer(Pair(layer, "poolSize").Item1, Pair(layer, "poolSize").Item2,
                    Pair(layer, "strides").Item1, Pair(layer, "strides").Item2),
                "averagepool2d" => new AveragePool2DLayer(Pair(layer, "poolSize").Item1, Pair(layer, "poolSize").Item2,
                    Pair(layer, "strides").Item1, Pair(layer, "strides").Item2),
                "globalaveragepool2d" => new GlobalAveragePoolLayer(),
                "flatten" => new FlattenLayer(),
                "conv1d" => new Conv1DLayer(layer.GetProperty("filters").GetInt32(), layer.GetProperty("kernelSize").GetInt32(),
                    layer.GetProperty("stride").GetInt32(), layer.GetProperty("padding").GetString() == "same" ? Padding.Same : Padding.Valid,
                    activation, Initializer.Zeros),
                "lstm" => new LstmLayer(layer.GetProperty("units").GetInt32(), layer.GetProperty("returnSequences").GetBoolean()),
                "gru" => new GruLayer(layer.GetProperty("units").GetInt32(), layer.GetProperty("returnSequences").GetBoolean()),
                "embedding" => new EmbeddingLayer(layer.GetProperty("feature").GetString()!, layer.GetProperty("column").GetInt32(),
                    layer.GetProperty("categories").GetInt32(), layer.GetProperty("dimensions").GetInt32()),
                var t => throw new NotSupportedException(t),
            });
        }
        Assert.Equal(layerSpecs.Length, net.Layers.Count); // no layer added implicitly: the files' indices hold
        if (root.TryGetProperty("outputShapes", out JsonElement shapes))
            Assert.Equal(shapes.EnumerateArray().Select(e => string.Join(",", e.EnumerateArray().Select(d => d.GetInt32()))),
                net.Layers.Select(l => string.Join(",", l.OutputShape.Dimensions)));
        net.LossOverride = ParseLoss(spec.GetProperty("loss").GetString()!);
        net.OptimizerSettings = ParseOptimizer(spec);
        LoadLayers(net, root.GetProperty("initial"));

        float[] x = Flatten(root.GetProperty("x"));
        JsonElement yElement = root.GetProperty("y");
        float[] y = Flatten(yElement);
        int samples = spec.GetProperty("samples").GetInt32();
        int targetWidth = y.Length / samples;

        double[] expectedLosses = root.GetProperty("lossBeforeStep").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(steps, expectedLosses.Length);
        Workspace ws = net.GetWorkspace(batchSize);
        net.Optimizer = Optimizer.Create(net.OptimizerSettings, net.ParameterCount);
        float lr = (float)net.OptimizerSettings.EffectiveLearningRate;
        int row = 0;
        for (int step = 0; step < steps; step++)
        {
            int count = Math.Min(batchSize, samples - row);
            ReadOnlySpan<float> bx = x.AsSpan(row * inputs, count * inputs);
            ReadOnlySpan<float> by = y.AsSpan(row * targetWidth, count * targetWidth);
            ws.Forward(bx, count, training: true);
            double loss = ws.Backward(bx, by, targetWidth, count);
            Close(expectedLosses[step], loss, $"{file}: loss before step {step}");
            if (step == 0) CompareLayers(net, ws.Gradients, root.GetProperty("gradientsAtFirstStep"), file + ": gradient at step 0", gradients: true);
            ws.Clip(net.OptimizerSettings.ClipNorm, net.OptimizerSettings.ClipValue);
            net.Optimizer.Step(net.Parameters, ws.Gradients, lr);
            row += count;
            if (row >= samples) row = 0;
        }
        CompareLayers(net, net.Parameters, root.GetProperty("final"), file + ": final", gradients: false);

        float[] predictions = net.Predict(x, samples);
        float[] expectedPredictions = Flatten(root.GetProperty("predictionsAfter"));
        Assert.Equal(expectedPredictions.Length, predictions.Length);
        for (int i = 0; i < predictions.Length; i++) Close(expectedPredictions[i], predictions[i], $"{file}: prediction {i}");

        // When the steps make whole passes over the data, the Trainer itself (no shuffling) must arrive at the same
        // place: its batching, partial last batch, penalty, clipping and update are the ones compared above.
        int batches = (samples + batchSize - 1) / batchSize;
        if (steps % batches == 0)
        {
            var trained = new Network(inputShape, file, seed: 1);
            foreach (Layer layer in net.Layers) trained.Add(LayerRegistry.Copy(layer));
            trained.LossOverride = net.LossOverride;
            trained.OptimizerSettings = net.OptimizerSettings;
            LoadLayers(trained, root.GetProperty("initial"));
            bool sparse = targetWidth == 1 && trained.OutputSize > 1;
            var data = new Dataset(x, inputs, y, targetWidth, sparse ? DatasetTask.Classification : DatasetTask.Regression,
                classNames: sparse ? Enumerable.Range(0, trained.OutputSize).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray() : null);
            var results = new Trainer(trained, data, null,
                new TrainingOptions { Epochs = steps / batches, BatchSize = batchSize, Shuffle = false }).Run().ToList();
            Assert.Equal(steps / batches, results.Count);
            CompareLayers(trained, trained.Parameters, root.GetProperty("final"), file + ": final through the Trainer", gradients: false);
            // the epoch loss is the batch losses weighted by their rows
            double last = 0;
            for (int b = 0; b < batches; b++)
                last += expectedLosses[steps - batches + b] * Math.Min(batchSize, samples - b * batchSize);
            Close(last / samples, results[^1].Loss, $"{file}: loss of the last epoch through the Trainer");
        }
    }

    /// <summary>The first feature in the case that the engine does not have, or null.</summary>
    private static string? UnsupportedFeature(JsonElement spec)
    {
        try
        {
            foreach (JsonElement layer in spec.GetProperty("layers").EnumerateArray())
            {
                string type = layer.GetProperty("type").GetString()!;
                if (type is not ("dense" or "batchnorm" or "conv2d" or "maxpool2d" or "averagepool2d" or "globalaveragepool2d" or "flatten"
                    or "lstm" or "gru" or "conv1d" or "embedding"))
                    return $"layer type '{type}'";
                if (type is "maxpool2d" or "averagepool2d" or "globalaveragepool2d" or "flatten" or "lstm" or "gru"
                    && layer.GetProperty("activation").GetString() != "linear")
                    return $"an activation on a {type} layer";
                ParseActivation(layer.GetProperty("activation").GetString()!);
            }
            ParseLoss(spec.GetProperty("loss").GetString()!);
            ParseOptimizer(spec);
            return null;
        }
        catch (NotSupportedException e) { return e.Message; }
    }

    /// <summary>A [height, width] pair (or one number for both).</summary>
    private static (int, int) Pair(JsonElement e, string name)
    {
        JsonElement v = e.GetProperty(name);
        if (v.ValueKind == JsonValueKind.Number) return (v.GetInt32(), v.GetInt32());
        int[] pair = v.EnumerateArray().Select(d => d.GetInt32()).ToArray();
        return (pair[0], pair[1]);
    }

    private static float Get(JsonElement e, string name) => e.TryGetProperty(name, out JsonElement v) ? (float)v.GetDouble() : 0f;

    private static double GetDouble(JsonElement e, string name, double fallback) =>
        e.TryGetProperty(name, out JsonElement v) ? v.GetDouble() : fallback;

    internal static Activation ParseActivation(string name) => name.ToLowerInvariant() switch
    {
        "linear" => Activation.Linear,
        "sigmoid" => Activation.Sigmoid,
        "tanh" => Activation.Tanh,
        "relu" => Activation.Relu,
        "leakyrelu" or "leaky_relu" => Activation.LeakyRelu,
        "elu" => Activation.Elu,
        "gelu" => Activation.Gelu,
        "swish" or "silu" => Activation.Swish,
        "softplus" => Activation.Softplus,
        "softmax" => Activation.Softmax,
        _ => throw new NotSupportedException($"activation '{name}'"),
    };

    private static LossKind ParseLoss(string name) => name switch
    {
        "mse" => LossKind.MeanSquaredError,
        "mae" => LossKind.MeanAbsoluteError,
        "huber" => LossKind.Huber,
        "binary_crossentropy" => LossKind.BinaryCrossEntropy,
        "categorical_crossentropy" => LossKind.CategoricalCrossEntropy,
        "sparse_categorical_crossentropy" => LossKind.SparseCategoricalCrossEntropy,
        _ => throw new NotSupportedException($"loss '{name}'"),
    };

    private static OptimizerSettings ParseOptimizer(JsonElement spec)
    {
        JsonElement o = spec.GetProperty("optimizer");
        string name = o.GetProperty("name").GetString()!;
        OptimizerKind kind = name switch
        {
            "sgd" => OptimizerKind.Sgd,
            "adagrad" => OptimizerKind.AdaGrad,
            "rmsprop" => OptimizerKind.RmsProp,
            "adam" => OptimizerKind.Adam,
            "adamw" => OptimizerKind.AdamW,
            "nadam" => OptimizerKind.Nadam,
            _ => throw new NotSupportedException($"optimizer '{name}'"),
        };
        double clipNorm = 0, clipValue = 0;
        if (spec.TryGetProperty("clip", out JsonElement clip))
        {
            string clipKind = clip.GetProperty("kind").GetString()!;
            if (clipKind == "norm") clipNorm = clip.GetProperty("value").GetDouble();
            else if (clipKind == "value") clipValue = clip.GetProperty("value").GetDouble();
            else throw new NotSupportedException($"clipping '{clipKind}'");
        }
        foreach (JsonProperty p in o.EnumerateObject())
            if (p.Name is not ("name" or "learningRate" or "momentum" or "nesterov" or "beta1" or "beta2" or "epsilon"
                or "weightDecay" or "rho" or "initialAccumulator" or "momentumDecay" or "dampening" or "centered"))
                throw new NotSupportedException($"optimizer setting '{p.Name}'");
        return new OptimizerSettings
        {
            Kind = kind,
            LearningRate = o.GetProperty("learningRate").GetDouble(),
            Momentum = GetDouble(o, "momentum", 0),
            Nesterov = o.TryGetProperty("nesterov", out JsonElement n) && n.GetBoolean(),
            Dampening = GetDouble(o, "dampening", 0),
            Beta1 = GetDouble(o, "beta1", 0.9),
            Beta2 = GetDouble(o, "beta2", 0.999),
            Epsilon = GetDouble(o, "epsilon", double.NaN),
            WeightDecay = GetDouble(o, "weightDecay", double.NaN),
            Rho = GetDouble(o, "rho", 0.99),
            Centered = o.TryGetProperty("centered", out JsonElement c) && c.GetBoolean(),
            InitialAccumulator = GetDouble(o, "initialAccumulator", 0),
            MomentumDecay = GetDouble(o, "momentumDecay", 0.004),
            ClipNorm = clipNorm,
            ClipValue = clipValue,
        };
    }

    internal static float[] Flatten(JsonElement e)
    {
        var values = new List<float>();
        void Walk(JsonElement v)
        {
            if (v.ValueKind == JsonValueKind.Array) foreach (JsonElement item in v.EnumerateArray()) Walk(item);
            else values.Add((float)v.GetDouble());
        }
        Walk(e);
        return values.ToArray();
    }

    /// <summary>Writes the file's per-layer parameters (and batch-norm running statistics) into the network.</summary>
    private static void LoadLayers(Network net, JsonElement layers)
    {
        int i = 0;
        foreach (JsonElement entry in layers.EnumerateArray())
        {
            Layer layer = net.Layers[i++];
            Span<float> p = net.ParametersOf(layer);
            if (layer is DenseLayer dense)
            {
                Flatten(entry.GetProperty("W")).CopyTo(p[..dense.WeightCount]);
                Flatten(entry.GetProperty("b")).CopyTo(p[dense.WeightCount..]);
            }
            else if (layer is Conv2DLayer conv)
            {
                float[] w = Flatten(entry.GetProperty("W"));
                Assert.Equal(conv.WeightCount, w.Length); // [F, C, KH, KW], as stored
                w.CopyTo(p[..conv.WeightCount]);
                Flatten(entry.GetProperty("b")).CopyTo(p[conv.WeightCount..]);
            }
            else if (layer is Conv1DLayer conv1)
            {
                float[] w = Flatten(entry.GetProperty("W"));
                Assert.Equal(conv1.WeightCount, w.Length); // [F, C, K], as stored
                w.CopyTo(p[..conv1.WeightCount]);
                Flatten(entry.GetProperty("b")).CopyTo(p[conv1.WeightCount..]);
            }
            else if (layer is RecurrentLayer)
            {
                float[] all = RecurrentParts(entry).SelectMany(part => part.Values).ToArray();
                Assert.Equal(layer.ParameterCount, all.Length); // W_ih, W_hh, b_ih, b_hh: the layer's own layout
                all.CopyTo(p);
            }
            else if (layer is EmbeddingLayer)
            {
                float[] table = Flatten(entry.GetProperty("table"));
                Assert.Equal(layer.ParameterCount, table.Length); // [categories + 1, dimensions], as stored
                table.CopyTo(p);
            }
            else if (layer is BatchNormLayer bn)
            {
                Flatten(entry.GetProperty("gamma")).CopyTo(p[..bn.Channels]);
                Flatten(entry.GetProperty("beta")).CopyTo(p[bn.Channels..]);
                Flatten(entry.GetProperty("runningMean")).CopyTo(bn.RunningMean);
                Flatten(entry.GetProperty("runningVar")).CopyTo(bn.RunningVariance);
            }
        }
    }

    private static void CompareLayers(Network net, float[] flat, JsonElement expected, string what, bool gradients)
    {
        int i = 0;
        foreach (JsonElement entry in expected.EnumerateArray())
        {
            Layer layer = net.Layers[i];
            ReadOnlySpan<float> p = flat.AsSpan(layer.ParameterOffset, layer.ParameterCount);
            string where = $"{what}, layer {i}";
            if (layer is DenseLayer dense)
            {
                CloseAll(Flatten(entry.GetProperty("W")), p[..dense.WeightCount], where + " W");
                CloseAll(Flatten(entry.GetProperty("b")), p[dense.WeightCount..], where + " b");
            }
            else if (layer is Conv2DLayer conv)
            {
                CloseAll(Flatten(entry.GetProperty("W")), p[..conv.WeightCount], where + " W");
                CloseAll(Flatten(entry.GetProperty("b")), p[conv.WeightCount..], where + " b");
            }
            else if (layer is Conv1DLayer conv1)
            {
                CloseAll(Flatten(entry.GetProperty("W")), p[..conv1.WeightCount], where + " W");
                CloseAll(Flatten(entry.GetProperty("b")), p[conv1.WeightCount..], where + " b");
            }
            else if (layer is RecurrentLayer)
            {
                int offset = 0;
                foreach ((string name, float[] values) in RecurrentParts(entry))
                {
                    CloseAll(values, p.Slice(offset, values.Length), $"{where} {name}");
                    offset += values.Length;
                }
            }
            else if (layer is EmbeddingLayer)
                CloseAll(Flatten(entry.GetProperty("table")), p, where + " table");
            else if (layer is BatchNormLayer bn)
            {
                CloseAll(Flatten(entry.GetProperty("gamma")), p[..bn.Channels], where + " gamma");
                CloseAll(Flatten(entry.GetProperty("beta")), p[bn.Channels..], where + " beta");
                if (!gradients && entry.TryGetProperty("runningMean", out JsonElement mean))
                {
                    CloseAll(Flatten(mean), bn.RunningMean, where + " runningMean");
                    CloseAll(Flatten(entry.GetProperty("runningVar")), bn.RunningVariance, where + " runningVar");
                }
            }
            i++;
        }
    }

    /// <summary>A recurrent layer's parameters in the file, in the order of its slice (<c>RecurrentLayout</c>).</summary>
    private static IEnumerable<(string Name, float[] Values)> RecurrentParts(JsonElement entry) =>
        new[] { "W_ih", "W_hh", "b_ih", "b_hh" }.Select(name => (name, Flatten(entry.GetProperty(name))));

    private static void CloseAll(float[] expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {expected.Length} values expected, {actual.Length} found");
        for (int i = 0; i < expected.Length; i++) Close(expected[i], actual[i], $"{what}[{i}]");
    }

    private static void Close(double expected, double actual, string what)
    {
        double error = Math.Abs(expected - actual);
        bool ok = error <= Absolute || error <= Relative * Math.Abs(expected);
        Assert.True(ok, $"{what}: expected {expected:G9}, got {actual:G9} (error {error:G3})");
    }
}
