using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NeuralPS.Core.Kernels;

namespace NeuralPS.Core;

/// <summary>The activation functions a layer can apply after its linear part.</summary>
public enum Activation
{
    /// <summary>Identity.</summary>
    Linear,
    /// <summary>1 / (1 + e^-x).</summary>
    Sigmoid,
    /// <summary>Hyperbolic tangent.</summary>
    Tanh,
    /// <summary>max(0, x).</summary>
    Relu,
    /// <summary>x for x &gt; 0, else 0.01·x.</summary>
    LeakyRelu,
    /// <summary>x for x &gt; 0, else e^x − 1.</summary>
    Elu,
    /// <summary>x·Φ(x), with the exact normal CDF (erf).</summary>
    Gelu,
    /// <summary>x·sigmoid(x) (SiLU).</summary>
    Swish,
    /// <summary>log(1 + e^x).</summary>
    Softplus,
    /// <summary>Row-wise e^x / Σe^x.</summary>
    Softmax,
}

/// <summary>Forward and backward passes of every activation over [rows, width] buffers.</summary>
public static class ActivationFunctions
{
    internal const float LeakySlope = 0.01f;
    private const float SoftplusThreshold = 20f; // as PyTorch: above it softplus(x) = x

    /// <summary>y = f(z), elementwise (row-wise for softmax). z and y may be the same buffer except for softmax.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(Activation kind, ReadOnlySpan<float> z, Span<float> y, int width)
    {
        switch (kind)
        {
            case Activation.Linear: if (!z.Overlaps(y)) z.CopyTo(y); break;
            case Activation.Sigmoid: VectorActivations.Sigmoid(z, y); break;
            case Activation.Tanh: VectorActivations.Tanh(z, y); break;
            case Activation.Relu: TensorPrimitives.Max(z, 0f, y); break;
            case Activation.LeakyRelu:
                for (int i = 0; i < z.Length; i++) { float v = z[i]; y[i] = v > 0 ? v : LeakySlope * v; }
                break;
            case Activation.Elu:
                for (int i = 0; i < z.Length; i++) { float v = z[i]; y[i] = v > 0 ? v : MathF.Exp(v) - 1f; }
                break;
            case Activation.Gelu:
                for (int i = 0; i < z.Length; i++) { float v = z[i]; y[i] = (float)(0.5 * v * (1.0 + Erf(v / Math.Sqrt(2.0)))); }
                break;
            case Activation.Swish:
                for (int i = 0; i < z.Length; i++) { float v = z[i]; y[i] = v / (1f + MathF.Exp(-v)); }
                break;
            case Activation.Softplus:
                for (int i = 0; i < z.Length; i++)
                {
                    float v = z[i];
                    y[i] = v > SoftplusThreshold ? v : MathF.Max(v, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(v)));
                }
                break;
            case Activation.Softmax: Softmax(z, y, width); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    /// <summary>
    /// Softmax of each row of <paramref name="width"/>: e^(z−max) / Σe^(z−max). Subtracting the row's largest logit
    /// keeps every term in [0, 1] and the sum in [1, width], so no logit overflows e^z (∞/∞) or underflows the sum
    /// (0/0). One pass finds each row's max and writes z − max, one vector pass takes e^ of the whole batch
    /// (<see cref="VectorExp"/>, our own code: no generic library code to recompile in the middle of training), and
    /// one pass divides each row by its sum. A NaN logit makes its row NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Softmax(ReadOnlySpan<float> z, Span<float> y, int width)
    {
        int rows = z.Length / width;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> zr = z.Slice(r * width, width);
            Span<float> yr = y.Slice(r * width, width);
            float max = RowMax(zr);
            for (int j = 0; j < width; j++) yr[j] = zr[j] - max;
        }
        VectorExp.Exp(y[..(rows * width)]);
        for (int r = 0; r < rows; r++)
        {
            Span<float> yr = y.Slice(r * width, width);
            float sum = 0;
            for (int j = 0; j < width; j++) sum += yr[j];
            for (int j = 0; j < width; j++) yr[j] /= sum;
        }
    }

    /// <summary>
    /// The largest value of a row, to subtract before e^. A NaN in the row needs no case of its own: z − max is NaN
    /// there (or everywhere, if the NaN comes first), so the row's sum and with it the whole row is NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float RowMax(ReadOnlySpan<float> row)
    {
        float max = row[0];
        if (Sse.IsSupported)
        {
            // MAXSS(a, b) is a > b ? a : b, the branch below without its mispredictions (the largest logit's place
            // is random): the same result for NaN and signed zeros.
            Vector128<float> m = Vector128.CreateScalarUnsafe(max);
            for (int j = 1; j < row.Length; j++) m = Sse.MaxScalar(Vector128.CreateScalarUnsafe(row[j]), m);
            return m.ToScalar();
        }
        for (int j = 1; j < row.Length; j++)
            if (row[j] > max) max = row[j];
        return max;
    }

    /// <summary>
    /// dz = dy · f'(z), given the pre-activation z and the output y. dz may be the same buffer as dy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(Activation kind, ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, int width)
    {
        switch (kind)
        {
            case Activation.Linear: if (!dy.Overlaps(dz)) dy.CopyTo(dz); break;
            case Activation.Sigmoid:
                ElementwiseBackward.Sigmoid(y, dy, dz);
                break;
            case Activation.Tanh:
                ElementwiseBackward.Tanh(y, dy, dz);
                break;
            case Activation.Relu:
                ElementwiseBackward.Relu(z, dy, dz);
                break;
            case Activation.LeakyRelu:
                for (int i = 0; i < z.Length; i++) dz[i] = z[i] > 0 ? dy[i] : LeakySlope * dy[i];
                break;
            case Activation.Elu:
                for (int i = 0; i < z.Length; i++) dz[i] = z[i] > 0 ? dy[i] : dy[i] * (y[i] + 1f);
                break;
            case Activation.Gelu:
                for (int i = 0; i < z.Length; i++)
                {
                    double v = z[i];
                    double cdf = 0.5 * (1.0 + Erf(v / Math.Sqrt(2.0)));
                    double pdf = Math.Exp(-0.5 * v * v) / Math.Sqrt(2.0 * Math.PI);
                    dz[i] = (float)(dy[i] * (cdf + v * pdf));
                }
                break;
            case Activation.Swish:
                for (int i = 0; i < z.Length; i++)
                {
                    float s = 1f / (1f + MathF.Exp(-z[i]));
                    dz[i] = dy[i] * (s + y[i] * (1f - s));
                }
                break;
            case Activation.Softplus:
                for (int i = 0; i < z.Length; i++)
                    dz[i] = z[i] > SoftplusThreshold ? dy[i] : dy[i] / (1f + MathF.Exp(-z[i]));
                break;
            case Activation.Softmax:
                for (int r = 0; r < z.Length / width; r++)
                {
                    var yr = y.Slice(r * width, width);
                    var dyr = dy.Slice(r * width, width);
                    // dz = y·(dy − Σ y·dy / Σ y), in double: Σ y is 1 only up to float rounding, and a row whose dy
                    // is constant (MAE when every output errs the same way) must give exactly 0, not rounding noise
                    // that an adaptive optimizer would turn into a step.
                    double dot = 0, total = 0;
                    for (int j = 0; j < width; j++) { dot += (double)yr[j] * dyr[j]; total += yr[j]; }
                    float mean = (float)(dot / total);
                    var dzr = dz.Slice(r * width, width);
                    for (int j = 0; j < width; j++) dzr[j] = yr[j] * (dyr[j] - mean);
                }
                break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    /// <summary>The error function, double precision (Math.NET's implementation).</summary>
    internal static double Erf(double x) => MathNet.Numerics.SpecialFunctions.Erf(x);
}

/// <summary>
/// The hot activation derivatives in vectors, with exactly the scalar formulas' operations in the same order
/// (no fused multiply-add), so the bits match the scalar loops they replace (<see cref="ActivationReference"/>, which
/// the tests hold them to, as they hold the softmax).
/// </summary>
internal static class ElementwiseBackward
{
    /// <summary>dz = z &gt; 0 ? dy : 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Relu(ReadOnlySpan<float> z, ReadOnlySpan<float> dy, Span<float> dz)
    {
        int i = 0, w = System.Numerics.Vector<float>.Count;
        if (System.Numerics.Vector.IsHardwareAccelerated)
            for (; i <= z.Length - w; i += w)
            {
                var zi = new System.Numerics.Vector<float>(z[i..]);
                var mask = System.Numerics.Vector.GreaterThan(zi, System.Numerics.Vector<float>.Zero);
                System.Numerics.Vector.ConditionalSelect(mask, new System.Numerics.Vector<float>(dy[i..]), System.Numerics.Vector<float>.Zero).CopyTo(dz[i..]);
            }
        for (; i < z.Length; i++) dz[i] = z[i] > 0 ? dy[i] : 0f;
    }

    /// <summary>dz = dy·y·(1 − y).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sigmoid(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz)
    {
        int i = 0, w = System.Numerics.Vector<float>.Count;
        if (System.Numerics.Vector.IsHardwareAccelerated)
            for (; i <= y.Length - w; i += w)
            {
                var yi = new System.Numerics.Vector<float>(y[i..]);
                (new System.Numerics.Vector<float>(dy[i..]) * yi * (System.Numerics.Vector<float>.One - yi)).CopyTo(dz[i..]);
            }
        for (; i < y.Length; i++) dz[i] = dy[i] * y[i] * (1f - y[i]);
    }

    /// <summary>dz = dy·(1 − y²).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tanh(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz)
    {
        int i = 0, w = System.Numerics.Vector<float>.Count;
        if (System.Numerics.Vector.IsHardwareAccelerated)
            for (; i <= y.Length - w; i += w)
            {
                var yi = new System.Numerics.Vector<float>(y[i..]);
                (new System.Numerics.Vector<float>(dy[i..]) * (System.Numerics.Vector<float>.One - yi * yi)).CopyTo(dz[i..]);
            }
        for (; i < y.Length; i++) dz[i] = dy[i] * (1f - y[i] * y[i]);
    }
}
