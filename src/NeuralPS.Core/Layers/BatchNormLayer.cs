using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using NeuralPS.Core.Onnx;

namespace NeuralPS.Core.Layers;

/// <summary>
/// Batch normalization over the features: in training z = γ·(x − μ_B)/√(σ²_B + ε) + β with the batch's
/// biased variance, and running = (1 − momentum)·running + momentum·batch (unbiased variance);
/// at inference the running statistics are used. Parameters: γ [units] then β [units].
/// State: running mean [units] then running variance [units]. Shapes: x [rows, n] → z [rows, n].
/// </summary>
[LayerKind("BatchNorm")]
public sealed class BatchNormLayer : Layer
{
    /// <summary>A batch normalization layer with the given momentum and epsilon (PyTorch's defaults).</summary>
    public BatchNormLayer(Activation activation = Activation.Linear, float momentum = 0.1f, float epsilon = 1e-5f)
    {
        // The model file refuses what is outside these ranges, so nothing outside them is made.
        if (!(momentum >= 0 && momentum <= 1) || !(epsilon > 0 && epsilon <= 1))
            throw new NeuralPSException(ErrorIds.InvalidBatchNormSetting, ErrorKind.InvalidArgument,
                $"A batch normalization needs a momentum from 0 to 1 and an epsilon above 0 and at most 1; {momentum} and {epsilon} were given.", this);
        Activation = activation;
        Momentum = momentum;
        Epsilon = epsilon;
    }

    /// <summary>Weight of the newest batch in the running statistics.</summary>
    public float Momentum { get; }

    /// <summary>Added to the variance before the square root.</summary>
    public float Epsilon { get; }

    /// <inheritdoc />
    public override int ParameterCount => 2 * OutputSize;

    protected override int StateLength => 2 * OutputSize;

    /// <summary>Running mean 0, running variance 1.</summary>
    protected override void InitializeState(Span<float> state) => state[OutputSize..].Fill(1f);

    internal override void SaveSettings(JsonObject settings)
    {
        settings["Activation"] = Activation.ToString();
        settings["Momentum"] = Momentum;
        settings["Epsilon"] = Epsilon;
    }

    internal static Layer Load(JsonObject s) => new BatchNormLayer(LayerRegistry.Enum(s, "Activation", Activation.Linear),
        LayerRegistry.Number(s, "Momentum", 0.1f, 0f, 1f), LayerRegistry.Number(s, "Epsilon", 1e-5f, float.Epsilon, 1f));

    /// <summary>γ are the weights, β the biases.</summary>
    internal override int? WeightCountForStatistics => OutputSize;

    internal override bool TrainsDifferently => true; // batch statistics in training, running ones at inference

    /// <summary>Inference form (training_mode = 0): y = γ·(x − running mean)/√(running var + ε) + β.</summary>
    internal override string ToOnnx(OnnxGraph graph, string prefix, ReadOnlySpan<float> parameters, string input)
    {
        int n = OutputSize;
        string scale = graph.Initializer($"{prefix}_gamma", parameters[..n], n);
        string shift = graph.Initializer($"{prefix}_beta", parameters.Slice(n, n), n);
        string mean = graph.Initializer($"{prefix}_running_mean", RunningMean, n);
        string variance = graph.Initializer($"{prefix}_running_var", RunningVariance, n);
        return graph.Node("BatchNormalization", prefix, new[] { input, scale, shift, mean, variance },
            OnnxGraph.FloatAttribute("epsilon", Epsilon), OnnxGraph.FloatAttribute("momentum", 1f - Momentum), OnnxGraph.IntAttribute("training_mode", 0));
    }

    /// <summary>Inference form: an affine map per feature, dx = dz · γ/√(running variance + ε).</summary>
    internal override void BackwardAtInference(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        int n = OutputSize;
        ReadOnlySpan<float> gamma = parameters[..n];
        for (int j = 0; j < n; j++)
        {
            float scale = gamma[j] / MathF.Sqrt(RunningVariance[j] + Epsilon);
            for (int r = 0; r < rows; r++) inputGradient[r * n + j] = dz[r * n + j] * scale;
        }
    }

    /// <summary>The running mean.</summary>
    public Span<float> RunningMean => State.AsSpan(0, OutputSize);

    /// <summary>The running variance.</summary>
    public Span<float> RunningVariance => State.AsSpan(OutputSize, OutputSize);

    // The decimal values the user gave (0.1, 1e-5), not their float roundings, for the double arithmetic below.
    private double MomentumValue => double.Parse(Momentum.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    private double EpsilonValue => double.Parse(Epsilon.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    // scratch: the batch mean [units] then 1/σ [units], both in double (4·units floats). The backward pass
    // recomputes x̂ from the input in double: the input gradient is a difference of nearly equal terms, and x̂
    // rounded to float would leave rounding noise where the exact gradient is (nearly) zero.
    /// <summary>
    /// Per feature only: Keras and PyTorch normalize an image per channel (over N, H, W), which this layer's
    /// per-feature statistics do not; rather than normalize each pixel apart, an image input is refused.
    /// </summary>
    protected override Shape OutputShapeFor(Shape input) => input.IsImage
        ? throw new NeuralPSException(ErrorIds.BatchNormOnImage, ErrorKind.InvalidOperation,
            $"Batch normalization works on rows of features, not on images ({input.Channels}x{input.Height}x{input.Width}): per-channel " +
            "batch normalization is not built yet. Put Add-BatchNormLayer after Add-FlattenLayer or a dense layer, or leave it out.", this)
        : input;

    internal override int ScratchLength(int rows, int threads) => 4 * OutputSize;

    private Span<double> Statistics(Span<float> scratch) => MemoryMarshal.Cast<float, double>(scratch[..(4 * OutputSize)]);

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
        double epsilon = EpsilonValue;
        if (!training)
        {
            for (int j = 0; j < n; j++)
            {
                double scale = gamma[j] / Math.Sqrt(RunningVariance[j] + epsilon);
                double shift = beta[j] - RunningMean[j] * scale;
                for (int r = 0; r < rows; r++) z[r * n + j] = (float)(input[r * n + j] * scale + shift);
            }
            return;
        }

        Span<double> statistics = Statistics(scratch);
        Span<double> means = statistics[..n], inverseStd = statistics.Slice(n, n);
        double momentum = MomentumValue;
        for (int j = 0; j < n; j++)
        {
            double mean = 0;
            for (int r = 0; r < rows; r++) mean += input[r * n + j];
            mean /= rows;
            double variance = 0;
            for (int r = 0; r < rows; r++) { double d = input[r * n + j] - mean; variance += d * d; }
            variance /= rows;
            double inv = 1.0 / Math.Sqrt(variance + epsilon);
            means[j] = mean;
            inverseStd[j] = inv;
            for (int r = 0; r < rows; r++)
                z[r * n + j] = (float)(gamma[j] * ((input[r * n + j] - mean) * inv) + beta[j]);
            double unbiased = rows > 1 ? variance * rows / (rows - 1) : variance;
            RunningMean[j] = (float)((1 - momentum) * RunningMean[j] + momentum * mean);
            RunningVariance[j] = (float)((1 - momentum) * RunningVariance[j] + momentum * unbiased);
        }
    }

    internal override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        int n = OutputSize;
        ReadOnlySpan<float> gamma = parameters[..n];
        Span<double> statistics = Statistics(scratch);
        Span<double> means = statistics[..n], inverseStd = statistics.Slice(n, n);
        for (int j = 0; j < n; j++)
        {
            double mean = means[j], inv = inverseStd[j];
            double dGamma = 0, dBeta = 0;
            for (int r = 0; r < rows; r++)
            {
                double g = dz[r * n + j];
                dGamma += g * ((input[r * n + j] - mean) * inv);
                dBeta += g;
            }
            parameterGradients[j] = (float)dGamma;
            parameterGradients[n + j] = (float)dBeta;
            if (inputGradient.IsEmpty) continue;
            double factor = gamma[j] * inv / rows;
            for (int r = 0; r < rows; r++)
            {
                double normalized = (input[r * n + j] - mean) * inv;
                inputGradient[r * n + j] = (float)(factor * (rows * (double)dz[r * n + j] - dBeta - normalized * dGamma));
            }
        }
    }

    /// <inheritdoc />
    public override string Describe() => Activation == Activation.Linear ? "BatchNorm" : $"BatchNorm ({Activation})";
}
