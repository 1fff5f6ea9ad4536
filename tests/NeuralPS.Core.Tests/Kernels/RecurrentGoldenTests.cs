using System.Text.Json;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Kernels.Recurrent;
using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>
/// The recurrent kernels (float32) and their double twins against PyTorch's nn.LSTM, nn.GRU and nn.Embedding in
/// float64: tests/golden/kernels/rnn_*.json, written by tests/golden-gen/make_golden_rnn.py (its docstring has the format).
/// The kernels match to 1e-4 relative (1e-5 absolute near zero); the twins, in double, to 1e-9.
/// </summary>
public class RecurrentGoldenTests
{
    private const double Relative = 1e-4, Absolute = 1e-5;

    public static IEnumerable<object[]> Files() =>
        Directory.GetFiles(Folder(), "rnn_*.json").OrderBy(f => f, StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) });

    /// <summary>$NEURALPS_GOLDEN_DIR when it holds rnn_ files (make_golden_rnn.py writes anywhere), else the repository's tests/golden/kernels.</summary>
    private static string Folder()
    {
        string dir = GoldenTests.GoldenDirectory();
        return Directory.GetFiles(dir, "rnn_*.json").Length > 0 ? dir : Repository;
    }

    private static string Repository => Path.Combine(GoldenTests.RepositoryGoldenDirectory(), "kernels");

    [Fact]
    public void TheRepositoryCarriesTheRecurrentReferences()
    {
        string[] names = Directory.GetFiles(Repository, "rnn_*.json").Select(Path.GetFileName).ToArray()!;
        foreach (string kind in new[] { "lstm", "gru", "embedding" })
            Assert.Contains(names, n => n.StartsWith($"rnn_{kind}", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void MatchesPyTorch(string file)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder(), file)));
        JsonElement root = doc.RootElement, spec = root.GetProperty("case");
        Assert.StartsWith("PyTorch ", root.GetProperty("producedBy").GetString());
        JsonElement parameters = root.GetProperty("parameters"), gradients = root.GetProperty("gradients");
        double[] dy = Flat(root.GetProperty("outputGradient")), expectedOutput = Flat(root.GetProperty("output"));
        string kind = spec.GetProperty("kind").GetString()!;
        if (kind == "embedding")
        {
            int dimensions = spec.GetProperty("dimensions").GetInt32();
            float[] indices = Flat(root.GetProperty("indices")).Select(v => (float)v).ToArray();
            double[] table = Flat(parameters.GetProperty("table"));
            var y = new float[indices.Length * dimensions];
            Embedding.Forward(indices, F(table), dimensions, y);
            Compare(expectedOutput, y, $"{file}: output");
            var dTable = new float[table.Length];
            Embedding.Backward(indices, F(dy), dimensions, dTable);
            Compare(Flat(gradients.GetProperty("table")), dTable, $"{file}: table gradient");
            return;
        }

        var shape = new RecurrentShape(spec.GetProperty("batch").GetInt32(), spec.GetProperty("steps").GetInt32(),
            spec.GetProperty("inputs").GetInt32(), spec.GetProperty("units").GetInt32(), spec.GetProperty("returnSequences").GetBoolean());
        bool lstm = kind == "lstm";
        string[] names = { "W_ih", "W_hh", "b_ih", "b_hh" };   // the order of RecurrentLayout
        double[] p = names.SelectMany(n => Flat(parameters.GetProperty(n))).ToArray();
        double[] x = Flat(root.GetProperty("x"));
        double[] expectedParameterGradients = names.SelectMany(n => Flat(gradients.GetProperty(n))).ToArray();
        double[] expectedInputGradient = Flat(gradients.GetProperty("x"));
        Assert.Equal(RecurrentLayout.CountFor(lstm ? Lstm.Gates : Gru.Gates, shape.Inputs, shape.Units), p.Length);

        // the float32 kernel
        var output = new float[shape.OutputLength];
        var dp = new float[p.Length];
        var dx = new float[shape.InputLength];
        var scratch = new float[lstm ? Lstm.ScratchFloats(shape) : Gru.ScratchFloats(shape)];
        using var pool = new WorkerPool(2);
        if (lstm)
        {
            Lstm.Forward(shape, F(p), F(x), output, scratch, pool);
            Lstm.Backward(shape, F(p), F(dy), dp, dx, scratch, pool);
        }
        else
        {
            Gru.Forward(shape, F(p), F(x), output, scratch, pool);
            Gru.Backward(shape, F(p), F(dy), dp, dx, scratch, pool);
        }
        Compare(expectedOutput, output, $"{file}: output");
        Compare(expectedParameterGradients, dp, $"{file}: parameter gradients");
        Compare(expectedInputGradient, dx, $"{file}: input gradient");

        // the double twin: the same numbers to double precision
        double[] referenceOutput = lstm ? LstmReference.Forward(shape, p, x) : GruReference.Forward(shape, p, x);
        (double[] referenceDp, double[] referenceDx) = lstm ? LstmReference.Backward(shape, p, x, dy) : GruReference.Backward(shape, p, x, dy);
        RecurrentKernelTests.AssertClose(expectedOutput, referenceOutput, 1e-9, 1e-9, $"{file}: the twin's output");
        RecurrentKernelTests.AssertClose(expectedParameterGradients, referenceDp, 1e-9, 1e-9, $"{file}: the twin's parameter gradients");
        RecurrentKernelTests.AssertClose(expectedInputGradient, referenceDx, 1e-9, 1e-9, $"{file}: the twin's input gradient");
    }

    private static void Compare(double[] expected, float[] actual, string what) => RecurrentKernelTests.AssertClose(expected, actual, Absolute, Relative, what);

    private static float[] F(double[] values) => values.Select(v => (float)v).ToArray();

    /// <summary>A nested JSON array of numbers, flattened in row-major order.</summary>
    private static double[] Flat(JsonElement element)
    {
        var values = new List<double>();
        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Array) foreach (JsonElement item in e.EnumerateArray()) Walk(item);
            else values.Add(e.GetDouble());
        }
        Walk(element);
        return values.ToArray();
    }
}
