namespace NeuralPS.Core.Layers;

/// <summary>How a dense layer's weights start. Biases always start at zero.</summary>
public enum Initializer
{
    /// <summary>He for ReLU-like activations, Glorot otherwise.</summary>
    Auto,
    /// <summary>U(−a, a), a = √(6 / (in + out)).</summary>
    GlorotUniform,
    /// <summary>N(0, 2 / (in + out)).</summary>
    GlorotNormal,
    /// <summary>U(−a, a), a = √(6 / in).</summary>
    HeUniform,
    /// <summary>N(0, 2 / in).</summary>
    HeNormal,
    /// <summary>N(0, 1 / in).</summary>
    LeCunNormal,
    /// <summary>U(−a, a), a = √(1 / in): the weights of PyTorch's and TorchSharp's nn.Linear by default.</summary>
    LeCunUniform,
    /// <summary>All zeros (for tests and special cases).</summary>
    Zeros,
}

internal static class Initializers
{
    public static Initializer Resolve(Initializer kind, Activation activation) => kind != Initializer.Auto ? kind
        : activation is Activation.Relu or Activation.LeakyRelu or Activation.Elu or Activation.Gelu or Activation.Swish
            ? Initializer.HeNormal : Initializer.GlorotUniform;

    public static void Fill(Initializer kind, Span<float> weights, int fanIn, int fanOut, RandomSource random)
    {
        switch (kind)
        {
            case Initializer.GlorotUniform: Uniform(weights, Math.Sqrt(6.0 / (fanIn + fanOut)), random); break;
            case Initializer.GlorotNormal: Normal(weights, Math.Sqrt(2.0 / (fanIn + fanOut)), random); break;
            case Initializer.HeUniform: Uniform(weights, Math.Sqrt(6.0 / fanIn), random); break;
            case Initializer.HeNormal: Normal(weights, Math.Sqrt(2.0 / fanIn), random); break;
            case Initializer.LeCunNormal: Normal(weights, Math.Sqrt(1.0 / fanIn), random); break;
            case Initializer.LeCunUniform: Uniform(weights, Math.Sqrt(1.0 / fanIn), random); break;
            case Initializer.Zeros: weights.Clear(); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "Resolve Auto first.");
        }
    }

    private static void Uniform(Span<float> w, double limit, RandomSource random)
    {
        for (int i = 0; i < w.Length; i++) w[i] = (float)((random.NextDouble() * 2 - 1) * limit);
    }

    private static void Normal(Span<float> w, double std, RandomSource random)
    {
        for (int i = 0; i < w.Length; i++) w[i] = (float)(random.NextGaussian() * std);
    }
}
