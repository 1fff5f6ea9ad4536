using System.Text.Json;
using NeuralPS.Core.Kernels;
using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>
/// The convolution and pooling kernels against PyTorch's float64 forward and backward passes on the same float32
/// inputs (tests/golden/kernels/conv_pool.json, written by tests/golden-gen/make_golden_cnn.py): 1e-4 relative,
/// 1e-6 absolute near zero. PyTorch pads Same by an explicit F.pad with the Keras rule, so this also pins the padding.
/// </summary>
public class PyTorchKernelTests
{
    private const double Relative = 1e-4, Absolute = 1e-6;

    private static JsonElement Root { get; } = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(GoldenTests.RepositoryGoldenDirectory(), "kernels", "conv_pool.json"))).RootElement;

    public static IEnumerable<object[]> Convolutions() =>
        Enumerable.Range(0, Root.GetProperty("convolutions").GetArrayLength()).Select(i => new object[] { i });

    public static IEnumerable<object[]> Poolings() =>
        Enumerable.Range(0, Root.GetProperty("poolings").GetArrayLength()).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(Convolutions))]
    public void ConvolutionMatchesPyTorch(int index)
    {
        JsonElement c = Root.GetProperty("convolutions")[index];
        int[] input = Ints(c, "inputShape"), kernel = Ints(c, "kernelSize"), strides = Ints(c, "strides");
        var s = new Conv2DShape(input[0], input[1], input[2], c.GetProperty("filters").GetInt32(), kernel[0], kernel[1],
            strides[0], strides[1], c.GetProperty("padding").GetString() == "same" ? Padding.Same : Padding.Valid);
        int batch = c.GetProperty("batch").GetInt32();
        float[] x = Floats(c, "x"), w = Floats(c, "W"), b = Floats(c, "b"), dy = Floats(c, "dy");
        foreach (int threads in new[] { 1, 2 })
        {
            using var pool = new WorkerPool(threads);
            var scratch = new float[Conv2D.ScratchFloats(s, batch, threads)];
            float[] y = new float[batch * s.OutputSize], dx = new float[x.Length], dw = new float[w.Length], db = new float[b.Length];
            Conv2D.Forward(s, batch, x, w, b, y, scratch, pool);
            Conv2D.BackwardInput(s, batch, dy, w, dx, scratch, pool);
            Conv2D.BackwardWeights(s, batch, x, dy, dw, db, scratch, pool);
            string what = $"{s} on {threads} threads";
            Near(Doubles(c, "y"), y, what + " y");
            Near(Doubles(c, "dx"), dx, what + " dx");
            Near(Doubles(c, "dW"), dw, what + " dW");
            Near(Doubles(c, "db"), db, what + " db");
        }
    }

    [Theory]
    [MemberData(nameof(Poolings))]
    public void PoolingMatchesPyTorch(int index)
    {
        JsonElement p = Root.GetProperty("poolings")[index];
        int[] input = Ints(p, "inputShape"), size = Ints(p, "poolSize"), strides = Ints(p, "strides");
        int batch = p.GetProperty("batch").GetInt32();
        float[] x = Floats(p, "x"), dy = Floats(p, "dy");
        float[] y = new float[dy.Length], dx = new float[x.Length];
        string type = p.GetProperty("type").GetString()!;
        if (type == "globalaveragepool2d")
        {
            Pooling.GlobalAverageForward(input[0], input[1] * input[2], batch, x, y);
            Pooling.GlobalAverageBackward(input[0], input[1] * input[2], batch, dy, dx);
        }
        else
        {
            var s = new Pool2DShape(input[0], input[1], input[2], size[0], size[1], strides[0], strides[1]);
            Assert.Equal(dy.Length, batch * s.OutputSize);
            if (type == "maxpool2d")
            {
                var at = new int[y.Length];
                Pooling.MaxForward(s, batch, x, y, at);
                Pooling.MaxBackward(s, batch, dy, at, dx);
            }
            else
            {
                Pooling.AverageForward(s, batch, x, y);
                Pooling.AverageBackward(s, batch, dy, dx);
            }
        }
        Near(Doubles(p, "y"), y, $"{type} {string.Join('x', input)} y");
        Near(Doubles(p, "dx"), dx, $"{type} {string.Join('x', input)} dx");
    }

    private static void Near(double[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= Math.Max(Absolute, Relative * Math.Abs(expected[i])),
                $"{what}[{i}]: {actual[i]}, PyTorch {expected[i]}");
    }

    private static int[] Ints(JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(v => v.GetInt32()).ToArray();
    private static float[] Floats(JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
    private static double[] Doubles(JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(v => v.GetDouble()).ToArray();
}
