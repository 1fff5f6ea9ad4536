using System.Numerics;
using NeuralPS.Core.Kernels.Recurrent;
using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>The gates' vector tanh and sigmoid against double precision, at the edges too.</summary>
public class GateMathTests
{
    private static float[] Apply(Func<Vector<float>, Vector<float>> f, float[] x)
    {
        int w = Vector<float>.Count;
        var padded = new float[(x.Length + w - 1) / w * w];
        x.CopyTo(padded, 0);
        var y = new float[padded.Length];
        for (int i = 0; i < padded.Length; i += w) f(new Vector<float>(padded, i)).CopyTo(y, i);
        return y[..x.Length];
    }

    [Fact]
    public void TanhAndSigmoidAreWithinAFewUlpsOfDoublePrecision()
    {
        float[] x = Enumerable.Range(-200_000, 400_001).Select(i => i * 1e-4f).ToArray();   // −20 … 20
        float[] tanh = Apply(GateMath.Tanh, x), sigmoid = Apply(GateMath.Sigmoid, x);
        for (int i = 0; i < x.Length; i++)
        {
            double t = Math.Tanh(x[i]), s = 1 / (1 + Math.Exp(-(double)x[i]));
            Assert.True(Math.Abs(tanh[i] - t) <= 4e-7 * Math.Max(Math.Abs(t), 1e-3) + 1e-12, $"tanh({x[i]:R}) = {tanh[i]:R}, not {t:R}");
            Assert.True(Math.Abs(sigmoid[i] - s) <= 2.5e-7, $"σ({x[i]:R}) = {sigmoid[i]:R}, not {s:R}");
            Assert.InRange(sigmoid[i], 0f, 1f);
        }
    }

    [Fact]
    public void TheEdgesAreExactAndNaNStaysNaN()
    {
        float[] x = { 0f, -0f, 1e-30f, -3e-5f, 100f, -100f, float.MaxValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN };
        float[] tanh = Apply(GateMath.Tanh, x), sigmoid = Apply(GateMath.Sigmoid, x);
        Assert.Equal(new[] { 0f, -0f, 1e-30f, -3e-5f, 1f, -1f, 1f, 1f, -1f }, tanh[..9]);
        Assert.Equal(new[] { 0.5f, 0.5f, 0.5f, 1f, 0f, 1f, 1f, 0f }, sigmoid[..3].Concat(sigmoid[4..9]));
        Assert.True(float.IsNaN(tanh[9]) && float.IsNaN(sigmoid[9]));
    }
}
