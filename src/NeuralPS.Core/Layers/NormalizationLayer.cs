using System.Text.Json.Nodes;
using NeuralPS.Core.Onnx;

namespace NeuralPS.Core.Layers;

/// <summary>
/// Standardizes each input feature with a mean and standard deviation learned from the training data the
/// first time the network trains (or set explicitly). The statistics travel with the model, so a trained
/// network takes raw inputs. State: mean [features] then standard deviation [features]. It reads the raw inputs, so
/// it is the first layer. Shapes: x [rows, n] → z [rows, n].
/// </summary>
[LayerKind("Normalization")]
public sealed class NormalizationLayer : Layer
{
    /// <summary>True once the statistics have been learned or set.</summary>
    public bool IsAdapted { get; internal set; }

    protected override int StateLength => 2 * OutputSize;

    /// <summary>Mean 0, standard deviation 1: the identity until adapted.</summary>
    protected override void InitializeState(Span<float> state) => state[OutputSize..].Fill(1f);

    internal override void SaveSettings(JsonObject settings) => settings["IsAdapted"] = IsAdapted;

    internal static Layer Load(JsonObject settings) =>
        new NormalizationLayer { IsAdapted = settings["IsAdapted"] is JsonNode adapted && adapted.GetValue<bool>() };

    internal override bool MustBeFirst => true;

    /// <inheritdoc />
    public override bool NeedsAdapting => !IsAdapted;

    /// <summary>Sub and Div by the learned statistics.</summary>
    internal override string ToOnnx(OnnxGraph graph, string prefix, ReadOnlySpan<float> parameters, string input)
    {
        string mean = graph.Initializer($"{prefix}_mean", Mean, OutputSize);
        string std = graph.Initializer($"{prefix}_std", StandardDeviation, OutputSize);
        string centered = graph.Node("Sub", $"{prefix}_sub", new[] { input, mean });
        return graph.Node("Div", $"{prefix}_div", new[] { centered, std });
    }

    /// <summary>The learned mean of each feature.</summary>
    public ReadOnlySpan<float> Mean => State.AsSpan(0, OutputSize);

    /// <summary>The learned standard deviation of each feature (1 where a feature is constant).</summary>
    public ReadOnlySpan<float> StandardDeviation => State.AsSpan(OutputSize, OutputSize);

    /// <summary>
    /// Learns mean and standard deviation from [rows, width] data, in double precision. A category-index column of
    /// <paramref name="encoding"/> (what an embedding layer reads) is left as it is: mean 0, standard deviation 1.
    /// </summary>
    public override void Adapt(ReadOnlySpan<float> data, int rows, Data.FeatureEncoding? encoding = null)
    {
        int n = OutputSize;
        var indexColumns = new HashSet<int>();
        if (encoding is not null && encoding.FeatureCount == n)
        {
            int offset = 0;
            foreach (Data.FeatureColumn column in encoding.Columns)
            {
                if (column.Kind == Data.ColumnKind.CategoryIndex) indexColumns.Add(offset);
                offset += column.Width;
            }
        }
        for (int j = 0; j < n; j++)
        {
            if (indexColumns.Contains(j))
            {
                State[j] = 0f;
                State[n + j] = 1f;
                continue;
            }
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
