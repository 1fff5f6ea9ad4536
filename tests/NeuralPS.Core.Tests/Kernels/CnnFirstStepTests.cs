using System.Text.Json;
using NeuralPS.Core.Kernels;
using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>
/// The first step of every tests/golden/cnn_*.json trajectory, chained from the kernels by hand (until the layer
/// kinds exist): the loss before the step and every parameter's gradient, against PyTorch's float64 numbers to 1e-4.
/// This holds the kernels to the references' conventions (NCHW rows, weight layout, Keras's SAME, flatten order)
/// and the references to the kernels, so the layers built on them start from agreeing pieces.
/// </summary>
public class CnnFirstStepTests
{
    public static IEnumerable<object[]> Files() =>
        Directory.GetFiles(GoldenTests.RepositoryGoldenDirectory(), "cnn_*.json").OrderBy(f => f, StringComparer.Ordinal)
            .Where(f => !Path.GetFileName(f).StartsWith("cnn_bn_", StringComparison.Ordinal)) // no batch-norm kernel to chain: GoldenTests runs those through the layers
            .Select(f => new object[] { Path.GetFileName(f) });

    private sealed class Stage
    {
        public string Type = "", Activation = "linear";
        public int[] In = Array.Empty<int>(), Out = Array.Empty<int>();
        public Conv2DShape Conv;
        public Pool2DShape Pool;
        public float[] W = Array.Empty<float>(), B = Array.Empty<float>();
        public float[] X = Array.Empty<float>(), Z = Array.Empty<float>(), A = Array.Empty<float>();
        public int[] ArgMax = Array.Empty<int>();
        public float[] DW = Array.Empty<float>(), DB = Array.Empty<float>();
        public int InSize => In.Aggregate(1, (a, b) => a * b);
        public int OutSize => Out.Aggregate(1, (a, b) => a * b);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void TheFirstStepMatchesPyTorch(string file)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(GoldenTests.RepositoryGoldenDirectory(), file)));
        JsonElement root = doc.RootElement, spec = root.GetProperty("case");
        int n = spec.GetProperty("batchSize").GetInt32();
        int[] shape = Ints(spec.GetProperty("inputShape"));
        var stages = new List<Stage>();
        JsonElement[] layers = spec.GetProperty("layers").EnumerateArray().ToArray(), initial = root.GetProperty("initial").EnumerateArray().ToArray();
        JsonElement[] outputs = root.GetProperty("outputShapes").EnumerateArray().ToArray();
        for (int i = 0; i < layers.Length; i++)
        {
            JsonElement l = layers[i];
            var st = new Stage { Type = l.GetProperty("type").GetString()!, Activation = l.GetProperty("activation").GetString()!, In = shape };
            switch (st.Type)
            {
                case "conv2d":
                    int[] k = Ints(l.GetProperty("kernelSize")), s = Ints(l.GetProperty("strides"));
                    st.Conv = new Conv2DShape(shape[0], shape[1], shape[2], l.GetProperty("filters").GetInt32(), k[0], k[1], s[0], s[1],
                        l.GetProperty("padding").GetString() == "same" ? Padding.Same : Padding.Valid);
                    st.Out = new[] { st.Conv.Filters, st.Conv.OutHeight, st.Conv.OutWidth };
                    break;
                case "maxpool2d":
                case "averagepool2d":
                    int[] size = Ints(l.GetProperty("poolSize")), stride = Ints(l.GetProperty("strides"));
                    st.Pool = new Pool2DShape(shape[0], shape[1], shape[2], size[0], size[1], stride[0], stride[1]);
                    st.Out = new[] { shape[0], st.Pool.OutHeight, st.Pool.OutWidth };
                    break;
                case "globalaveragepool2d": st.Out = new[] { shape[0] }; break;
                case "flatten": st.Out = new[] { shape.Aggregate(1, (a, b) => a * b) }; break;
                case "dense": st.Out = new[] { l.GetProperty("units").GetInt32() }; break;
                default: throw new NotSupportedException(st.Type);
            }
            Assert.Equal(Ints(outputs[i]), st.Out);   // the kernels' shapes are PyTorch's
            if (initial[i].TryGetProperty("W", out JsonElement w))
            {
                st.W = Flat(w);
                st.B = Flat(initial[i].GetProperty("b"));
            }
            stages.Add(st);
            shape = st.Out;
        }

        // forward on the first batch
        float[] x = Flat(root.GetProperty("x"))[..(n * stages[0].InSize)];
        using var pool = new WorkerPool(2);
        foreach (Stage st in stages)
        {
            st.X = x;
            st.Z = new float[n * st.OutSize];
            switch (st.Type)
            {
                case "conv2d":
                    Conv2D.Forward(st.Conv, n, x, st.W, st.B, st.Z, new float[Conv2D.ScratchFloats(st.Conv, n, 2)], pool);
                    break;
                case "maxpool2d":
                    st.ArgMax = new int[st.Z.Length];
                    Pooling.MaxForward(st.Pool, n, x, st.Z, st.ArgMax, pool);
                    break;
                case "averagepool2d": Pooling.AverageForward(st.Pool, n, x, st.Z, pool); break;
                case "globalaveragepool2d": Pooling.GlobalAverageForward(st.In[0], st.In[1] * st.In[2], n, x, st.Z, pool); break;
                case "flatten": st.Z = x; break;
                case "dense": Gemm.MultiplyBias(GemmForm.NN, n, st.OutSize, st.InSize, x, st.W, st.B, st.Z); break;
            }
            st.A = st.Z.Select(v => st.Activation switch
            {
                "relu" => Math.Max(v, 0f),
                "tanh" => MathF.Tanh(v),
                "linear" or "softmax" => v,
                var a => throw new NotSupportedException(a),
            }).ToArray();
            x = st.A;
        }

        // loss and dz of the last layer
        Stage last = stages[^1];
        int units = last.OutSize;
        string loss = spec.GetProperty("loss").GetString()!;
        JsonElement targets = root.GetProperty("y");
        var dz = new float[n * units];
        double total = 0;
        for (int r = 0; r < n; r++)
        {
            if (loss == "sparse_categorical_crossentropy")
            {
                Assert.Equal("softmax", last.Activation);
                int label = targets[r].GetInt32();
                double max = Enumerable.Range(0, units).Max(j => (double)last.Z[r * units + j]);
                double sum = Enumerable.Range(0, units).Sum(j => Math.Exp(last.Z[r * units + j] - max));
                total += -(last.Z[r * units + label] - max - Math.Log(sum));
                for (int j = 0; j < units; j++)
                    dz[r * units + j] = (float)((Math.Exp(last.Z[r * units + j] - max) / sum - (j == label ? 1 : 0)) / n);
            }
            else
            {
                Assert.Equal(("mse", "linear"), (loss, last.Activation));
                for (int j = 0; j < units; j++)
                {
                    double e = last.A[r * units + j] - targets[r][j].GetDouble();
                    total += e * e / units;
                    dz[r * units + j] = (float)(2 * e / (n * units));
                }
            }
        }
        double expectedLoss = root.GetProperty("lossBeforeStep")[0].GetDouble();
        Assert.True(Math.Abs(total / n - expectedLoss) <= 1e-4 * Math.Abs(expectedLoss), $"{file}: loss {total / n}, PyTorch {expectedLoss}");

        // backward
        for (int i = stages.Count - 1; i >= 0; i--)
        {
            Stage st = stages[i];
            if (i < stages.Count - 1)
                for (int j = 0; j < dz.Length; j++)
                    dz[j] *= st.Activation switch { "relu" => st.Z[j] > 0 ? 1f : 0f, "tanh" => 1 - st.A[j] * st.A[j], _ => 1f };
            var dx = new float[n * st.InSize];
            switch (st.Type)
            {
                case "conv2d":
                    var scratch = new float[Conv2D.ScratchFloats(st.Conv, n, 2)];
                    st.DW = new float[st.W.Length];
                    st.DB = new float[st.B.Length];
                    Conv2D.BackwardWeights(st.Conv, n, st.X, dz, st.DW, st.DB, scratch, pool);
                    Conv2D.BackwardInput(st.Conv, n, dz, st.W, dx, scratch, pool);
                    break;
                case "maxpool2d": Pooling.MaxBackward(st.Pool, n, dz, st.ArgMax, dx, pool); break;
                case "averagepool2d": Pooling.AverageBackward(st.Pool, n, dz, dx, pool); break;
                case "globalaveragepool2d": Pooling.GlobalAverageBackward(st.In[0], st.In[1] * st.In[2], n, dz, dx, pool); break;
                case "flatten": dx = dz; break;
                case "dense":
                    st.DW = new float[st.W.Length];
                    st.DB = new float[st.B.Length];
                    Gemm.Multiply(GemmForm.TN, st.InSize, st.OutSize, n, st.X, dz, st.DW);
                    ColumnSums.Compute(dz, n, st.OutSize, st.DB);
                    Gemm.Multiply(GemmForm.NT, n, st.InSize, st.OutSize, dz, st.W, dx);
                    break;
            }
            dz = dx;
        }

        JsonElement[] grads = root.GetProperty("gradientsAtFirstStep").EnumerateArray().ToArray();
        for (int i = 0; i < stages.Count; i++)
        {
            if (!grads[i].TryGetProperty("W", out JsonElement gw)) continue;
            Near(Flat(gw), stages[i].DW, $"{file} layer {i} ({stages[i].Type}) dW");
            Near(Flat(grads[i].GetProperty("b")), stages[i].DB, $"{file} layer {i} ({stages[i].Type}) db");
        }
    }

    private static void Near(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= Math.Max(1e-6, 1e-4 * Math.Abs(expected[i])), $"{what}[{i}]: {actual[i]}, PyTorch {expected[i]}");
    }

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();

    /// <summary>Any nesting of number arrays, in order, as floats.</summary>
    private static float[] Flat(JsonElement e)
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
}
