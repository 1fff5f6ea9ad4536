using NeuralPS.Core.Kernels;

namespace NeuralPS.Core;

/// <summary>
/// Plain loops: the specification of the optimized activation code in Activation.cs (the softmax over a whole batch
/// with <see cref="VectorExp"/>, and <see cref="ElementwiseBackward"/>'s vector loops), which the tests compare
/// against bit for bit (tests/NeuralPS.Core.Tests/Kernels/ElementwiseReferenceTests.cs): the operations are the same,
/// in the same order.
/// </summary>
internal static class ActivationReference
{
    /// <summary>
    /// Softmax of each row of <paramref name="width"/>: y = e^(z − max) / Σ e^(z − max), the exponential by
    /// <see cref="VectorExpReference"/>, the sum in float from the first column to the last.
    /// </summary>
    public static void Softmax(ReadOnlySpan<float> z, Span<float> y, int width)
    {
        for (int r = 0; r < z.Length / width; r++)
        {
            ReadOnlySpan<float> zr = z.Slice(r * width, width);
            Span<float> yr = y.Slice(r * width, width);
            float max = zr[0];
            for (int j = 1; j < width; j++)
                if (zr[j] > max) max = zr[j];
            float sum = 0;
            for (int j = 0; j < width; j++)
            {
                yr[j] = VectorExpReference.Exp(zr[j] - max);
                sum += yr[j];
            }
            for (int j = 0; j < width; j++) yr[j] /= sum;
        }
    }

    /// <summary>ReLU's derivative: dz = z &gt; 0 ? dy : 0 (a NaN z gives 0).</summary>
    public static void ReluBackward(ReadOnlySpan<float> z, ReadOnlySpan<float> dy, Span<float> dz)
    {
        for (int i = 0; i < z.Length; i++) dz[i] = z[i] > 0 ? dy[i] : 0f;
    }

    /// <summary>The sigmoid's derivative from its output: dz = dy·y·(1 − y).</summary>
    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz)
    {
        for (int i = 0; i < y.Length; i++) dz[i] = dy[i] * y[i] * (1f - y[i]);
    }

    /// <summary>tanh's derivative from its output: dz = dy·(1 − y²).</summary>
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz)
    {
        for (int i = 0; i < y.Length; i++) dz[i] = dy[i] * (1f - y[i] * y[i]);
    }
}
