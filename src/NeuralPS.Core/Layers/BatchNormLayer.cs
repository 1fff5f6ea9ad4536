using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using NeuralPS.Core.Onnx;

namespace NeuralPS.Core.Layers;

/// <summary>
/// Batch normalization. On a row of features it normalizes each feature (PyTorch's BatchNorm1d, Keras's
/// BatchNormalization); on an image (C, H, W) it normalizes each channel over the batch and the H·W pixels
/// (PyTorch's BatchNorm2d); on a sequence (T, F) each feature over the batch and the T timesteps (Keras's
/// BatchNormalization on the last axis, PyTorch's BatchNorm1d on (N, F, T)). In training z = γ·(x − μ_B)/√(σ²_B + ε) + β with the batch's biased variance, and
/// running = (1 − momentum)·running + momentum·batch (unbiased variance); at inference the running statistics are
/// used. Parameters: γ [channels] then β [channels]. State: running mean [channels] then running variance [channels].
/// Shapes: x [rows, n] → z [rows, n], where n = channels·pixels (pixels = 1 for a row of features, T for a sequence).
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
    /// <summary>Number of normalized groups: the features of a row or of a sequence's timestep, or the channels of an image.</summary>
    public int Channels => InputShape.IsImage ? InputShape.Channels : InputShape.IsSequence ? InputShape.Features : InputShape.Size;

    // Values of one channel in one example (H·W for an image, T for a sequence, 1 for a row).
    private int Pixels => InputShape.IsImage ? InputShape.Height * InputShape.Width : InputShape.IsSequence ? InputShape.Steps : 1;

    // Value q of channel c in an example lies at c·ChannelStride + q·PixelStride: an image keeps a channel's pixels
    // together (NCHW), a sequence interleaves its features (t·F + f).
    private (int Channel, int Pixel) Strides => InputShape.IsSequence ? (1, InputShape.Features) : (Pixels, 1);

    /// <inheritdoc />
    public override int ParameterCount => 2 * Channels;

    protected override int StateLength => 2 * Channels;

    /// <summary>Running mean 0, running variance 1.</summary>
    protected override void InitializeState(Span<float> state) => state[Channels..].Fill(1f);

    internal override void SaveSettings(JsonObject settings)
    {
        settings["Activation"] = Activation.ToString();
        settings["Momentum"] = Momentum;
        settings["Epsilon"] = Epsilon;
    }

    internal static Layer Load(JsonObject s) => new BatchNormLayer(LayerRegistry.Enum(s, "Activation", Activation.Linear),
        LayerRegistry.Number(s, "Momentum", 0.1f, 0f, 1f), LayerRegistry.Number(s, "Epsilon", 1e-5f, float.Epsilon, 1f));

    /// <summary>γ are the weights, β the biases.</summary>
    internal override int? WeightCountForStatistics => Channels;

    internal override bool TrainsDifferently => true; // batch statistics in training, running ones at inference

    /// <summary>
    /// Inference form (training_mode = 0): y = γ·(x − running mean)/√(running var + ε) + β, over axis 1: the features of
    /// a row [N, n], the channels of an image [N, C, H, W], or the features of a sequence, transposed to [N, F, T] and back.
    /// </summary>
    internal override string ToOnnx(OnnxGraph graph, string prefix, ReadOnlySpan<float> parameters, string input)
    {
        int n = Channels;
        if (InputShape.IsImage) input = graph.AsImages(prefix, input, InputShape);
        if (InputShape.IsSequence) input = graph.SequenceToChannels(prefix, input, InputShape);
        string scale = graph.Initializer($"{prefix}_gamma", parameters[..n], n);
        string shift = graph.Initializer($"{prefix}_beta", parameters.Slice(n, n), n);
        string mean = graph.Initializer($"{prefix}_running_mean", RunningMean, n);
        string variance = graph.Initializer($"{prefix}_running_var", RunningVariance, n);
        string output = graph.Node("BatchNormalization", InputShape.IsSequence ? prefix + "_channels" : prefix, new[] { input, scale, shift, mean, variance },
            OnnxGraph.FloatAttribute("epsilon", Epsilon), OnnxGraph.FloatAttribute("momentum", 1f - Momentum), OnnxGraph.IntAttribute("training_mode", 0));
        return InputShape.IsSequence ? graph.ChannelsToSequence(prefix, output, OutputShape) : output;
    }

    /// <summary>Inference form: an affine map per channel, dx = dz · γ/√(running variance + ε).</summary>
    internal override void BackwardAtInference(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        int channels = Channels, pixels = Pixels, n = OutputSize;
        (int cs, int ps) = Strides;
        ReadOnlySpan<float> gamma = parameters[..channels];
        for (int c = 0; c < channels; c++)
        {
            float scale = gamma[c] / MathF.Sqrt(RunningVariance[c] + Epsilon);
            for (int r = 0; r < rows; r++)
                for (int q = 0, i = r * n + c * cs; q < pixels; q++, i += ps) inputGradient[i] = dz[i] * scale;
        }
    }

    /// <summary>The running mean (one a channel).</summary>
    public Span<float> RunningMean => State.AsSpan(0, Channels);

    /// <summary>The running variance (one a channel).</summary>
    public Span<float> RunningVariance => State.AsSpan(Channels, Channels);

    // The decimal values the user gave (0.1, 1e-5), not their float roundings, for the double arithmetic below.
    private double MomentumValue => double.Parse(Momentum.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    private double EpsilonValue => double.Parse(Epsilon.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    // scratch: the batch mean [channels] then 1/σ [channels], both in double (4·channels floats). The backward pass
    // recomputes x̂ from the input in double: the input gradient is a difference of nearly equal terms, and x̂
    // rounded to float would leave rounding noise where the exact gradient is (nearly) zero.
    internal override int ScratchLength(int rows, int threads) => 4 * Channels;

    private Span<double> Statistics(Span<float> scratch) => MemoryMarshal.Cast<float, double>(scratch[..(4 * Channels)]);

    internal override void Initialize(Span<float> parameters, RandomSource random)
    {
        parameters[..Channels].Fill(1f);
        parameters[Channels..].Clear();
    }

    // The loops below run over channels, then examples, then the channel's values in the example (see Strides).
    internal override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z,
        int rows, bool training, Span<float> scratch, ExecutionContext context)
    {
        int channels = Channels, pixels = Pixels, n = OutputSize;
        (int cs, int ps) = Strides;
        ReadOnlySpan<float> gamma = parameters[..channels], beta = parameters.Slice(channels, channels);
        double epsilon = EpsilonValue;
        if (!training)
        {
            for (int c = 0; c < channels; c++)
            {
                double scale = gamma[c] / Math.Sqrt(RunningVariance[c] + epsilon);
                double shift = beta[c] - RunningMean[c] * scale;
                for (int r = 0; r < rows; r++)
                    for (int q = 0, i = r * n + c * cs; q < pixels; q++, i += ps) z[i] = (float)(input[i] * scale + shift);
            }
            return;
        }

        Span<double> statistics = Statistics(scratch);
        Span<double> means = statistics[..channels], inverseStd = statistics.Slice(channels, channels);
        double momentum = MomentumValue;
        long count = (long)rows * pixels;
        for (int c = 0; c < channels; c++)
        {
            double mean = 0;
            for (int r = 0; r < rows; r++)
                for (int q = 0, i = r * n + c * cs; q < pixels; q++, i += ps) mean += input[i];
            mean /= count;
            double variance = 0;
            for (int r = 0; r < rows; r++)
                for (int q = 0, i = r * n + c * cs; q < pixels; q++, i += ps) { double d = input[i] - mean; variance += d * d; }
            variance /= count;
            double inv = 1.0 / Math.Sqrt(variance + epsilon);
            means[c] = mean;
            inverseStd[c] = inv;
            for (int r = 0; r < rows; r++)
                for (int q = 0, i = r * n + c * cs; q < pixels; q++, i += ps) z[i] = (float)(gamma[c] * ((input[i] - mean) * inv) + beta[c]);
            double unbiased = count > 1 ? variance * count / (count - 1) : variance;
            RunningMean[c] = (float)((1 - momentum) * RunningMean[c] + momentum * mean);
            RunningVariance[c] = (float)((1 - momentum) * RunningVariance[c] + momentum * unbiased);
        }
    }

    internal override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        int channels = Channels, pixels = Pixels, n = OutputSize;
        (int cs, int ps) = Strides;
        ReadOnlySpan<float> gamma = parameters[..channels];
        Span<double> statistics = Statistics(scratch);
        Span<double> means = statistics[..channels], inverseStd = statistics.Slice(channels, channels);
        long count = (long)rows * pixels;
        for (int c = 0; c < channels; c++)
        {
            double mean = means[c], inv = inverseStd[c];
            double dGamma = 0, dBeta = 0;
            for (int r = 0; r < rows; r++)
                for (int q = 0, i = r * n + c * cs; q < pixels; q++, i += ps)
                {
                    double g = dz[i];
                    dGamma += g * ((input[i] - mean) * inv);
                    dBeta += g;
                }
            parameterGradients[c] = (float)dGamma;
            parameterGradients[channels + c] = (float)dBeta;
            if (inputGradient.IsEmpty) continue;
            double factor = gamma[c] * inv / count;
            for (int r = 0; r < rows; r++)
                for (int q = 0, i = r * n + c * cs; q < pixels; q++, i += ps)
                {
                    double normalized = (input[i] - mean) * inv;
                    inputGradient[i] = (float)(factor * (count * (double)dz[i] - dBeta - normalized * dGamma));
                }
        }
    }

    /// <inheritdoc />
    public override string Describe() => Activation == Activation.Linear ? "BatchNorm" : $"BatchNorm ({Activation})";
}
