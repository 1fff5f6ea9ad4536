namespace NeuralPS.Core.Layers;

/// <summary>
/// Batch normalization over the features: in training z = γ·(x − μ_B)/√(σ²_B + ε) + β with the batch's
/// biased variance, and running = (1 − momentum)·running + momentum·batch (unbiased variance);
/// at inference the running statistics are used. Parameters: γ [units] then β [units].
/// State: running mean [units] then running variance [units].
/// </summary>
public sealed class BatchNormLayer : Layer
{
    /// <summary>A batch normalization layer with the given momentum and epsilon (PyTorch's defaults).</summary>
    public BatchNormLayer(Activation activation = Activation.Linear, float momentum = 0.1f, float epsilon = 1e-5f)
    {
        Activation = activation;
        Momentum = momentum;
        Epsilon = epsilon;
    }

    /// <inheritdoc />
    public override string Kind => "BatchNorm";

    /// <summary>Weight of the newest batch in the running statistics.</summary>
    public float Momentum { get; }

    /// <summary>Added to the variance before the square root.</summary>
    public float Epsilon { get; }

    /// <inheritdoc />
    public override int ParameterCount => 2 * OutputSize;

    internal void SetWidth(int width)
    {
        OutputSize = width;
        State = new float[2 * width];
        State.AsSpan(width).Fill(1f);
    }

    /// <summary>The running mean.</summary>
    public Span<float> RunningMean => State.AsSpan(0, OutputSize);

    /// <summary>The running variance.</summary>
    public Span<float> RunningVariance => State.AsSpan(OutputSize, OutputSize);

    // scratch: normalized input x̂ [rows, units], then 1/σ [units]
    internal override int ScratchLength(int rows) => rows * OutputSize + OutputSize;

    internal override void Initialize(Span<float> parameters, RandomSource random)
    {
        parameters[..OutputSize].Fill(1f);
        parameters[OutputSize..].Clear();
    }

    internal override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z,
        int rows, bool training, Span<float> scratch, ExecutionContext context)
    {
        int n = OutputSize;
        ReadOnlySpan<float> gamma = parameters[..n], beta = parameters.Slice(n, n);
        if (!training)
        {
            for (int j = 0; j < n; j++)
            {
                float scale = gamma[j] / MathF.Sqrt(RunningVariance[j] + Epsilon);
                float shift = beta[j] - RunningMean[j] * scale;
                for (int r = 0; r < rows; r++) z[r * n + j] = input[r * n + j] * scale + shift;
            }
            return;
        }

        Span<float> normalized = scratch[..(rows * n)];
        Span<float> inverseStd = scratch.Slice(rows * n, n);
        for (int j = 0; j < n; j++)
        {
            double mean = 0;
            for (int r = 0; r < rows; r++) mean += input[r * n + j];
            mean /= rows;
            double variance = 0;
            for (int r = 0; r < rows; r++) { double d = input[r * n + j] - mean; variance += d * d; }
            variance /= rows;
            float inv = (float)(1.0 / Math.Sqrt(variance + Epsilon));
            inverseStd[j] = inv;
            for (int r = 0; r < rows; r++)
            {
                float xh = (float)((input[r * n + j] - mean) * inv);
                normalized[r * n + j] = xh;
                z[r * n + j] = gamma[j] * xh + beta[j];
            }
            double unbiased = rows > 1 ? variance * rows / (rows - 1) : variance;
            RunningMean[j] = (float)((1 - Momentum) * RunningMean[j] + Momentum * mean);
            RunningVariance[j] = (float)((1 - Momentum) * RunningVariance[j] + Momentum * unbiased);
        }
    }

    internal override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        int n = OutputSize;
        ReadOnlySpan<float> gamma = parameters[..n];
        ReadOnlySpan<float> normalized = scratch[..(rows * n)];
        ReadOnlySpan<float> inverseStd = scratch.Slice(rows * n, n);
        for (int j = 0; j < n; j++)
        {
            double dGamma = 0, dBeta = 0;
            for (int r = 0; r < rows; r++)
            {
                dGamma += dz[r * n + j] * normalized[r * n + j];
                dBeta += dz[r * n + j];
            }
            parameterGradients[j] = (float)dGamma;
            parameterGradients[n + j] = (float)dBeta;
            if (inputGradient.IsEmpty) continue;
            double factor = gamma[j] * inverseStd[j] / rows;
            for (int r = 0; r < rows; r++)
                inputGradient[r * n + j] = (float)(factor * (rows * dz[r * n + j] - dBeta - normalized[r * n + j] * dGamma));
        }
    }

    /// <inheritdoc />
    public override string Describe() => Activation == Activation.Linear ? "BatchNorm" : $"BatchNorm ({Activation})";
}
