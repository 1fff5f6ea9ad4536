namespace NeuralPS.Core.Layers;

/// <summary>
/// Standardizes each input feature with a mean and standard deviation learned from the training data the
/// first time the network trains (or set explicitly). The statistics travel with the model, so a trained
/// network takes raw inputs. State: mean [features] then standard deviation [features].
/// </summary>
public sealed class NormalizationLayer : Layer
{
    /// <inheritdoc />
    public override string Kind => "Normalization";

    /// <summary>True once the statistics have been learned or set.</summary>
    public bool IsAdapted { get; internal set; }

    internal void SetWidth(int width)
    {
        OutputSize = width;
        State = new float[2 * width];
        State.AsSpan(width).Fill(1f);
    }

    /// <summary>The learned mean of each feature.</summary>
    public ReadOnlySpan<float> Mean => State.AsSpan(0, OutputSize);

    /// <summary>The learned standard deviation of each feature (1 where a feature is constant).</summary>
    public ReadOnlySpan<float> StandardDeviation => State.AsSpan(OutputSize, OutputSize);

    /// <summary>Learns mean and standard deviation from [rows, width] data, in double precision.</summary>
    public void Adapt(ReadOnlySpan<float> data, int rows)
    {
        int n = OutputSize;
        for (int j = 0; j < n; j++)
        {
            double mean = 0;
            for (int r = 0; r < rows; r++) mean += data[r * n + j];
            mean /= Math.Max(rows, 1);
            double variance = 0;
            for (int r = 0; r < rows; r++) { double d = data[r * n + j] - mean; variance += d * d; }
            double std = Math.Sqrt(variance / Math.Max(rows, 1));
            State[j] = (float)mean;
            State[n + j] = std > 1e-12 ? (float)std : 1f;
        }
        IsAdapted = true;
    }

    internal override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z,
        int rows, bool training, Span<float> scratch, ExecutionContext context)
    {
        int n = OutputSize;
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j++)
                z[r * n + j] = (input[r * n + j] - State[j]) / State[n + j];
    }

    internal override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        if (inputGradient.IsEmpty) return;
        int n = OutputSize;
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j++)
                inputGradient[r * n + j] = dz[r * n + j] / State[n + j];
    }

    /// <inheritdoc />
    public override string Describe() => IsAdapted ? "Normalization" : "Normalization (not yet adapted)";
}
