using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Onnx;
using NeuralPS.Core.Onnx.Proto;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Onnx;

/// <summary>
/// Every network NeuralPS can build, exported to ONNX and run by ONNX Runtime, answers as Network.Predict does
/// (to 1e-5 on 256 rows); what ONNX cannot express is refused and nothing is written.
/// </summary>
public sealed class OnnxExportTests : IDisposable
{
    private const int Rows = 256, Features = 5;
    private const float Tolerance = 1e-5f;
    private readonly string _folder = Directory.CreateTempSubdirectory("neuralps-onnx-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static IEnumerable<object[]> HiddenActivations() =>
        Enum.GetValues<Activation>().Where(a => a != Activation.Softmax).Select(a => new object[] { a });

    [Theory]
    [MemberData(nameof(HiddenActivations))]
    public void ClassifierWithEveryLayerKindMatchesPredict(Activation activation)
    {
        Dataset data = Classification(rows: 300, classes: 3, seed: 11);
        var net = new Network(Features, $"classifier-{activation}", seed: 3);
        net.Add(new NormalizationLayer());
        net.Add(new DenseLayer(16, activation));
        net.Add(new BatchNormLayer(activation));
        net.Add(new DropoutLayer(0.2f));
        net.Add(new DenseLayer(8, activation));
        net.Add(new BatchNormLayer());
        net.Add(new DenseLayer(3, Activation.Softmax));
        Train(net, data);

        string path = Export(net);
        float[] inputs = RandomInputs(Rows, seed: 5);
        AssertClose(net.Predict(inputs, Rows), RunOnnx(path, inputs, Rows, net.OutputSize));
    }

    [Theory]
    [MemberData(nameof(HiddenActivations))]
    public void RegressorWithEveryLayerKindMatchesPredict(Activation activation)
    {
        Dataset data = Regression(rows: 300, seed: 12);
        var net = new Network(Features, $"regressor-{activation}", seed: 4);
        net.Add(new NormalizationLayer());
        net.Add(new DenseLayer(12, activation));
        net.Add(new DropoutLayer(0.1f));
        net.Add(new BatchNormLayer(activation));
        net.Add(new DenseLayer(2, Activation.Linear));
        Train(net, data);

        string path = Export(net);
        float[] inputs = RandomInputs(Rows, seed: 6);
        AssertClose(net.Predict(inputs, Rows), RunOnnx(path, inputs, Rows, net.OutputSize));
    }

    [Theory]
    [MemberData(nameof(HiddenActivations))]
    public void EveryActivationAsTheOutputMatchesPredict(Activation activation)
    {
        // Untrained, with wide inputs, so each activation is exercised far into both tails.
        var net = new Network(Features, $"output-{activation}", seed: 9);
        net.Add(new DenseLayer(4, activation));
        float[] inputs = RandomInputs(Rows, seed: 7, scale: 8f);
        AssertClose(net.Predict(inputs, Rows), RunOnnx(Export(net), inputs, Rows, net.OutputSize));
    }

    [Fact]
    public void BinaryClassifierWithSigmoidOutputMatchesPredict()
    {
        Dataset data = Classification(rows: 200, classes: 2, seed: 13);
        var net = new Network(Features, "binary", seed: 5);
        net.Add(new DenseLayer(8, Activation.Relu));
        net.Add(new DenseLayer(1, Activation.Sigmoid));
        Train(net, data);
        float[] inputs = RandomInputs(Rows, seed: 8);
        AssertClose(net.Predict(inputs, Rows), RunOnnx(Export(net), inputs, Rows, 1));
    }

    [Fact]
    public void IrisModelHasItsInputOutputAndMetadata()
    {
        Dataset iris = SampleDatasets.Iris();
        var net = new Network(4, "iris-model", seed: 1);
        net.Add(new NormalizationLayer());
        net.Add(new DenseLayer(10, Activation.Relu));
        net.Add(new DenseLayer(3, Activation.Softmax));
        Train(net, iris);
        string path = Export(net);

        using var session = new InferenceSession(path);
        Assert.Equal(new[] { OnnxExporter.InputName }, session.InputMetadata.Keys);
        NodeMetadata input = session.InputMetadata[OnnxExporter.InputName];
        Assert.Equal(new[] { -1, 4 }, input.Dimensions);
        Assert.Equal(OnnxExporter.BatchDimension, input.SymbolicDimensions[0]);
        Assert.Equal(new[] { -1, 3 }, session.OutputMetadata[OnnxExporter.OutputName].Dimensions);

        ModelMetadata metadata = session.ModelMetadata;
        Assert.Equal("NeuralPS", metadata.ProducerName);
        Assert.Equal("iris-model", metadata.CustomMetadataMap["name"]);
        Assert.Equal("classification", metadata.CustomMetadataMap["task"]);
        string[] classes = System.Text.Json.JsonSerializer.Deserialize<string[]>(metadata.CustomMetadataMap["class_names"])!;
        Assert.Equal(iris.ClassNames, classes);
        string[] features = System.Text.Json.JsonSerializer.Deserialize<string[]>(metadata.CustomMetadataMap["feature_names"])!;
        Assert.Equal(iris.FeatureNames, features);

        // The whole Iris set through ONNX Runtime gives the same classes as the engine.
        float[] outputs = RunOnnx(path, iris.Features, iris.Rows, 3);
        float[] expected = net.Predict(iris.Features, iris.Rows);
        AssertClose(expected, outputs);
        for (int r = 0; r < iris.Rows; r++)
            Assert.Equal(Evaluator.ArgMax(expected.AsSpan(r * 3, 3)), Evaluator.ArgMax(outputs.AsSpan(r * 3, 3)));
    }

    [Fact]
    public void TheFileIsIrVersion8WithOpset17AndAGemmPerDenseLayer()
    {
        var net = new Network(3, "shape", seed: 2);
        net.Add(new DenseLayer(4, Activation.Gelu));
        net.Add(new DropoutLayer(0.5f));
        net.Add(new DenseLayer(2, Activation.Softmax));
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Export(net)));
        Assert.Equal(8, model.IrVersion);
        OperatorSetIdProto opset = Assert.Single(model.OpsetImport);
        Assert.Equal("", opset.Domain);
        Assert.InRange(opset.Version, 13, 17);
        string[] ops = model.Graph.Node.Select(n => n.OpType).ToArray();
        Assert.Equal(2, ops.Count(o => o == "Gemm"));
        Assert.Contains("Erf", ops);
        Assert.Contains("Identity", ops);
        Assert.Equal("Softmax", ops[^1]);
        Assert.Equal(1, model.Graph.Node[^1].Attribute.Single(a => a.Name == "axis").I);
        Assert.Equal(OnnxExporter.OutputName, model.Graph.Node[^1].Output[0]);
    }

    [Fact]
    public void ANetworkWithoutLayersIsRefusedAndNothingIsWritten()
    {
        string path = Path.Combine(_folder, "empty.onnx");
        var e = Assert.Throws<NeuralPSException>(() => OnnxExporter.Write(new Network(3, "empty"), path));
        Assert.Equal(ErrorIds.OnnxUnsupported, e.ErrorId);
        Assert.Contains("no layers", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void NonFiniteWeightsAreRefusedAndThePreviousFileIsKept()
    {
        var net = new Network(2, "broken", seed: 1);
        net.Add(new DenseLayer(2, Activation.Relu));
        net.Add(new DenseLayer(1, Activation.Linear));
        string path = Export(net);
        byte[] before = File.ReadAllBytes(path);
        net.Parameters[3] = float.NaN;
        var e = Assert.Throws<NeuralPSException>(() => OnnxExporter.Write(net, path));
        Assert.Equal(ErrorIds.NonFiniteParameters, e.ErrorId);
        Assert.Contains("layer 1", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void AMissingFolderIsAClearErrorAndNothingIsWritten()
    {
        var net = new Network(2, "tiny", seed: 1);
        net.Add(new DenseLayer(1, Activation.Linear));
        string path = Path.Combine(_folder, "no-such-folder", "model.onnx");
        var e = Assert.Throws<NeuralPSException>(() => OnnxExporter.Write(net, path));
        Assert.Equal(ErrorIds.DirectoryNotFound, e.ErrorId);
        Assert.Contains("does not exist", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void AnUnwritableFolderIsAClearErrorAndNothingIsWritten()
    {
        var net = new Network(2, "tiny", seed: 1);
        net.Add(new DenseLayer(1, Activation.Linear));
        // A path whose "folder" is a file cannot be written by anyone, root included.
        string file = Path.Combine(_folder, "plain-file");
        File.WriteAllText(file, "x");
        var e = Assert.Throws<NeuralPSException>(() => OnnxExporter.Write(net, Path.Combine(file, "model.onnx")));
        Assert.Contains("Cannot write the ONNX model", e.Message);
        Assert.Single(Directory.GetFileSystemEntries(_folder));
    }

    // ---- helpers ----

    private string Export(Network net)
    {
        string path = Path.Combine(_folder, net.Name + ".onnx");
        OnnxExporter.Write(net, path);
        return path;
    }

    private static void Train(Network net, Dataset data)
    {
        net.OptimizerSettings = new Optimizers.OptimizerSettings { Kind = Optimizers.OptimizerKind.Adam, LearningRate = 0.01 };
        foreach (EpochResult _ in new Trainer(net, data, null, new TrainingOptions { Epochs = 5, BatchSize = 32, Seed = 1 }).Run()) { }
    }

    internal static float[] RunOnnx(string path, float[] inputs, int rows, int width)
    {
        using var session = new InferenceSession(path);
        int features = inputs.Length / rows;
        var tensor = new DenseTensor<float>(inputs.AsMemory(0, rows * features), new[] { rows, features });
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results =
            session.Run(new[] { NamedOnnxValue.CreateFromTensor(OnnxExporter.InputName, tensor) });
        DisposableNamedOnnxValue output = Assert.Single(results);
        Assert.Equal(OnnxExporter.OutputName, output.Name);
        Tensor<float> values = output.AsTensor<float>();
        Assert.Equal(new[] { rows, width }, values.Dimensions.ToArray());
        return values.ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance,
                $"output {i}: NeuralPS {expected[i]:R}, ONNX Runtime {actual[i]:R} (difference {Math.Abs(expected[i] - actual[i]):E2})");
    }

    private static float[] RandomInputs(int rows, long seed, float scale = 2f)
    {
        var random = new Random((int)seed);
        var values = new float[rows * Features];
        for (int i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * scale + (i % Features));
        return values;
    }

    private static Dataset Classification(int rows, int classes, int seed)
    {
        var random = new Random(seed);
        var x = new float[rows * Features];
        var y = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < Features; j++) x[r * Features + j] = (float)(random.NextDouble() * 4 - 2 + j);
            double score = x[r * Features] - x[r * Features + 1] + 0.5 * x[r * Features + 2];
            y[r] = classes == 2 ? (score > 0 ? 1 : 0) : score < -1 ? 0 : score < 1 ? 1 : 2;
        }
        return new Dataset(x, Features, y, 1, DatasetTask.Classification, classNames: Enumerable.Range(0, classes).Select(c => $"class{c}").ToArray());
    }

    private static Dataset Regression(int rows, int seed)
    {
        var random = new Random(seed);
        var x = new float[rows * Features];
        var y = new float[rows * 2];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < Features; j++) x[r * Features + j] = (float)(random.NextDouble() * 4 - 2 + j);
            y[r * 2] = x[r * Features] * 2 - x[r * Features + 3];
            y[r * 2 + 1] = MathF.Sin(x[r * Features + 1]);
        }
        return new Dataset(x, Features, y, 2, DatasetTask.Regression);
    }
}
