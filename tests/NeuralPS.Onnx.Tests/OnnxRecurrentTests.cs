using NeuralPS.Core.Layers;
using NeuralPS.Core.Onnx;
using Xunit;

namespace NeuralPS.Core.Tests.Onnx;

/// <summary>
/// Recurrent networks exported to ONNX (ONNX's own LSTM and GRU operators, gates reordered, the last hidden state or
/// every one) and run by ONNX Runtime give the outputs of Network.Predict to 1e-5.
/// </summary>
public sealed class OnnxRecurrentTests : IDisposable
{
    private const int Steps = 7, Features = 3, Rows = 16;
    private readonly string _folder = Directory.CreateTempSubdirectory("neuralps-onnx-rnn-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static IEnumerable<object[]> Networks() => new[]
    {
        "lstm, dense", "lstm alone", "lstm sequences, dense", "gru, dense", "gru alone", "gru sequences, lstm, dense",
    }.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Networks))]
    public void OnnxRuntimeReproducesTheOutputs(string name)
    {
        var net = new Network(Shape.Sequence(Steps, Features), "rnn", seed: 3);
        switch (name)
        {
            case "lstm, dense": net.Add(new LstmLayer(5)); net.Add(new DenseLayer(2, Activation.Linear)); break;
            case "lstm alone": net.Add(new LstmLayer(6)); break;
            case "lstm sequences, dense": net.Add(new LstmLayer(4, returnSequences: true)); net.Add(new DenseLayer(3, Activation.Softmax)); break;
            case "gru, dense": net.Add(new GruLayer(6)); net.Add(new DenseLayer(1, Activation.Linear)); break;
            case "gru alone": net.Add(new GruLayer(5)); break;
            default: net.Add(new GruLayer(4, returnSequences: true)); net.Add(new LstmLayer(5)); net.Add(new DenseLayer(2, Activation.Tanh)); break;
        }
        // weights larger than the initial U(-1/√H, 1/√H), and biases away from 0: every gate does something
        var random = new Random(7);
        float[] parameters = net.Parameters.Select(p => p * 2.5f + (float)(random.NextDouble() - 0.5) * 0.4f).ToArray();
        net.SetParameters(parameters);

        string path = Path.Combine(_folder, "rnn.onnx");
        OnnxExporter.Write(net, path);
        float[] inputs = Enumerable.Range(0, Rows * Steps * Features).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        float[] expected = net.Predict(inputs, Rows), actual = OnnxExportTests.RunOnnx(path, inputs, Rows, net.OutputSize);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f, $"output {i}: NeuralPS {expected[i]:R}, ONNX Runtime {actual[i]:R}");
        Assert.Contains(expected, v => Math.Abs(v) > 0.05f && Math.Abs(v) < 0.95f);   // not saturated: the comparison means something

        var ops = NeuralPS.Core.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Node.Select(n => n.OpType).ToHashSet();
        if (name.Contains("lstm", StringComparison.Ordinal)) Assert.Contains("LSTM", ops);
        if (name.Contains("gru", StringComparison.Ordinal)) Assert.Contains("GRU", ops);

        // importing recurrent nodes is not done yet: the error names them rather than misreading the graph
        NeuralPSException import = Assert.Throws<NeuralPSException>(() => OnnxImporter.FromBytes(File.ReadAllBytes(path), path));
        Assert.Equal(ErrorIds.OnnxUnsupportedOperator, import.ErrorId);
        Assert.Contains(name.Contains("lstm", StringComparison.Ordinal) ? "LSTM (node" : "GRU (node", import.Message);
    }
}
