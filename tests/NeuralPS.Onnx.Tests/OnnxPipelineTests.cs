using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Onnx;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Onnx;

/// <summary>
/// The whole pipeline exported: a network trained on records with text, category-index and boolean columns takes the
/// raw columns in ONNX Runtime (the encoders and the normalization inside the model) and answers as Invoke-Prediction
/// (the encoding's Encode, then Predict) does on the same records; an embedding layer exports as Gather.
/// </summary>
public sealed class OnnxPipelineTests : IDisposable
{
    private const float Tolerance = 1e-5f;
    private readonly string _folder = Directory.CreateTempSubdirectory("neuralps-onnx-pipeline-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static readonly string[] Columns = { "Host", "Color", "Remote", "Load" };

    /// <summary>Records: Host (many values, embedded), Color (one-hot), Remote (boolean), Load (number); the label Slow.</summary>
    private static object[][] Records(int count, int seed, int hosts = 15)
    {
        var random = new Random(seed);
        string[] colors = { "red", "green", "blue" };
        return Enumerable.Range(0, count).Select(i =>
        {
            int host = random.Next(hosts);
            string color = colors[random.Next(3)];
            bool remote = random.Next(2) == 1;
            double load = Math.Round(random.NextDouble() * 10, 2);
            bool slow = host % 3 == 0 ^ (color == "red" && load > 5) ^ remote && load > 2;
            return new object[] { $"host{host:d2}", color, remote, load, slow ? "slow" : "fast" };
        }).ToArray();
    }

    private static Network TrainedPipeline(out FeatureEncoding encoding)
    {
        var builder = new DatasetBuilder(Columns, "Slow", new DatasetBuildOptions { CategoryIndex = new[] { "Host" } });
        foreach (object[] record in Records(400, seed: 1))
        {
            for (int c = 0; c < record.Length; c++) builder.Add(c, record[c]);
            builder.EndRow();
        }
        Dataset data = builder.Build();
        encoding = data.Encoding!;
        Assert.Equal(new[] { ColumnKind.CategoryIndex, ColumnKind.Categorical, ColumnKind.Boolean, ColumnKind.Numeric }, encoding.Columns.Select(c => c.Kind));
        var net = new Network(data.FeatureCount, "pipeline", seed: 5) { FeatureEncoding = encoding, FeatureNames = data.FeatureNames };
        net.Add(EmbeddingLayer.For(net, "Host", 4));
        net.Add(new DenseLayer(12, Activation.Relu));
        net.Add(new DenseLayer(2, Activation.Softmax));
        net.OptimizerSettings = new Optimizers.OptimizerSettings { Kind = Optimizers.OptimizerKind.Adam, LearningRate = 0.02 };
        foreach (EpochResult _ in new Trainer(net, data, null, new TrainingOptions { Epochs = 10, BatchSize = 32, Seed = 1, Normalize = true }).Run()) { }
        Assert.IsType<NormalizationLayer>(net.Layers[0]);
        return net;
    }

    [Fact]
    public void APipelineWithTextColumnsTakesRawRecordsAndAnswersAsPredictionDoes()
    {
        Network net = TrainedPipeline(out FeatureEncoding encoding);
        string path = Path.Combine(_folder, "pipeline.onnx");
        OnnxExporter.Write(net, path);

        // new records: known hosts, hosts never seen (the reserved row), every color, both booleans
        object[][] records = Records(300, seed: 9, hosts: 18);
        Assert.Contains(records, r => (string)r[0] == "host17");
        int rows = records.Length;
        var expected = new float[rows * 2];
        var row = new float[net.InputSize];
        var unseen = new UnseenCategories();
        for (int r = 0; r < rows; r++)
        {
            object[] record = records[r];
            encoding.Encode(name => (true, record[Array.IndexOf(Columns, name)]), row, $"Record {r + 1}", unseen);
            net.Predict(row, 1).CopyTo(expected, r * 2);
        }
        Assert.True(unseen.Count("Host") > 0);

        using var session = new InferenceSession(path);
        Assert.Equal(Columns.OrderBy(c => c, StringComparer.Ordinal), session.InputMetadata.Keys.OrderBy(c => c, StringComparer.Ordinal));
        Assert.Equal(typeof(string), session.InputMetadata["Host"].ElementType);
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("Host", new DenseTensor<string>(records.Select(r => (string)r[0]).ToArray(), new[] { rows, 1 })),
            NamedOnnxValue.CreateFromTensor("Color", new DenseTensor<string>(records.Select(r => (string)r[1]).ToArray(), new[] { rows, 1 })),
            NamedOnnxValue.CreateFromTensor("Remote", new DenseTensor<bool>(records.Select(r => (bool)r[2]).ToArray(), new[] { rows, 1 })),
            NamedOnnxValue.CreateFromTensor("Load", new DenseTensor<float>(records.Select(r => (float)(double)r[3]).ToArray(), new[] { rows, 1 })),
        };
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run(inputs);
        float[] actual = Assert.Single(results).AsTensor<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"output {i}: NeuralPS {expected[i]:R}, ONNX Runtime {actual[i]:R}");
        Assert.Contains("\"Kind\":\"CategoryIndex\"", session.ModelMetadata.CustomMetadataMap["raw_columns"]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    public void AnEmbeddingAnywhereInTheRowExportsAsGather(int column)
    {
        // a plain row of 5 features, the index at <column>: no encoding, so the model keeps its one row input
        var net = new Network(5, "embedding", seed: 8);
        net.Add(new EmbeddingLayer("id", column, 9, 6));
        net.Add(new DenseLayer(4, Activation.Tanh));
        net.Add(new DenseLayer(1, Activation.Linear));
        const int rows = 256;
        var random = new Random(column + 1);
        float[] x = Enumerable.Range(0, rows * 5).Select(i => i % 5 == column ? random.Next(10) : (float)(random.NextDouble() * 4 - 2)).ToArray();
        string path = Path.Combine(_folder, $"embedding{column}.onnx");
        OnnxExporter.Write(net, path);
        float[] onnx = OnnxExportTests.RunOnnx(path, x, rows, 1);
        float[] expected = net.Predict(x, rows);
        for (int i = 0; i < rows; i++)
            Assert.True(Math.Abs(expected[i] - onnx[i]) <= Tolerance, $"row {i}: NeuralPS {expected[i]:R}, ONNX Runtime {onnx[i]:R}");
    }
}
