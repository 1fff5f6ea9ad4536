using System.Text.Json.Nodes;
using NeuralPS.Core.Onnx;

namespace NeuralPS.Core.Layers;

/// <summary>
/// Inverted dropout: in training each input is zeroed with probability <see cref="Rate"/> and the rest scaled
/// by 1/(1−rate); at inference it passes its input through. Masks come from the network's seeded stream.
/// <see cref="Spatial"/> dropout draws one mask value per example and channel instead and applies it to the whole
/// channel: a feature map of an image (PyTorch's Dropout2d, Keras's SpatialDropout2D) or a feature at every timestep
/// of a sequence (Keras's SpatialDropout1D), since neighbouring values of a map are too alike for single drops to
/// regularize. Shapes: x [rows, n] → z [rows, n]; scratch: the mask [rows, n], or [rows, channels] when spatial.
/// </summary>
[LayerKind("Dropout")]
public sealed class DropoutLayer : Layer
{
    /// <summary>A dropout layer that drops a fraction <paramref name="rate"/> of its inputs (of its channels when <paramref name="spatial"/>).</summary>
    public DropoutLayer(float rate, bool spatial = false)
    {
        if (!(rate >= 0 && rate < 1))
            throw new NeuralPSException(ErrorIds.InvalidDropoutRate, ErrorKind.InvalidArgument,
                $"A dropout rate must be at least 0 and below 1; {rate} was given.", rate);
        Rate = rate;
        Spatial = spatial;
    }

    /// <summary>The fraction of inputs (channels, when spatial) dropped in training.</summary>
    public float Rate { get; }

    /// <summary>True when whole channels are dropped: an image's feature maps, or a sequence's features at every timestep.</summary>
    public bool Spatial { get; }

    // Spatial: channels of an example, and how the values of one channel lie (see BatchNormLayer: the same layouts).
    private int Channels => InputShape.IsImage ? InputShape.Channels : InputShape.Features;
    private int Pixels => InputShape.IsImage ? InputShape.Height * InputShape.Width : InputShape.Steps;

    protected override Shape OutputShapeFor(Shape input) => !Spatial || !input.IsFlat ? input
        : throw new NeuralPSException(ErrorIds.SpatialDropoutOnRows, ErrorKind.InvalidOperation,
            $"Spatial dropout drops whole channels of images or features of sequences, but its input is a row of {input.Size} features. " +
            "Put Add-DropoutLayer -Spatial after a convolution (or on an image or sequence input), or leave -Spatial out to drop single values.", this);

    internal override void SaveSettings(JsonObject settings)
    {
        settings["Rate"] = Rate;
        if (Spatial) settings["Spatial"] = true; // absent in files written before spatial dropout, and for plain dropout
    }

    internal static Layer Load(JsonObject settings) =>
        new DropoutLayer(LayerRegistry.Number(settings, "Rate", 0f), settings["Spatial"]?.GetValue<bool>() ?? false);

    internal override bool IsIdentityAtInference => true;

    internal override string ToOnnx(OnnxGraph graph, string prefix, ReadOnlySpan<float> parameters, string input) =>
        graph.Node("Identity", prefix, new[] { input });

    /// <summary>The identity at inference: dx = dz.</summary>
    internal override void BackwardAtInference(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context) =>
        dz[..(rows * OutputSize)].CopyTo(inputGradient);

    internal override int ScratchLength(int rows, int threads) => rows * (Spatial ? Channels : OutputSize);

    internal override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z,
        int rows, bool training, Span<float> scratch, ExecutionContext context)
    {
        int count = rows * OutputSize;
        if (!training || Rate == 0)
        {
            input[..count].CopyTo(z);
            return;
        }
        float keep = 1f / (1f - Rate);
        if (Spatial)
        {
            ForwardSpatial(input, z, rows, keep, scratch, context.DropoutRandom);
            return;
        }
        Span<float> mask = scratch[..count];
        RandomSource random = context.DropoutRandom;
        for (int i = 0; i < count; i++)
        {
            mask[i] = random.NextFloat() >= Rate ? keep : 0f;
            z[i] = input[i] * mask[i];
        }
    }

    /// <summary>One draw per example and channel, in that order; the channel's values all take it.</summary>
    private void ForwardSpatial(ReadOnlySpan<float> input, Span<float> z, int rows, float keep, Span<float> scratch, RandomSource random)
    {
        int channels = Channels;
        Span<float> mask = scratch[..(rows * channels)];
        for (int i = 0; i < mask.Length; i++) mask[i] = random.NextFloat() >= Rate ? keep : 0f;
        ApplyChannelMask(input, mask, z, rows);
    }

    /// <summary>target[r, value of channel c] = source[r, same] · mask[r, c], for either layout.</summary>
    private void ApplyChannelMask(ReadOnlySpan<float> source, ReadOnlySpan<float> mask, Span<float> target, int rows)
    {
        int channels = Channels, pixels = Pixels, n = OutputSize;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = source.Slice(r * n, n), m = mask.Slice(r * channels, channels);
            Span<float> output = target.Slice(r * n, n);
            if (InputShape.IsImage)
                for (int c = 0; c < channels; c++)
                    System.Numerics.Tensors.TensorPrimitives.Multiply(row.Slice(c * pixels, pixels), m[c], output.Slice(c * pixels, pixels));
            else // a sequence: timestep after timestep, each a row of the channels
                for (int t = 0; t < pixels; t++)
                    System.Numerics.Tensors.TensorPrimitives.Multiply(row.Slice(t * channels, channels), m, output.Slice(t * channels, channels));
        }
    }

    internal override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        if (inputGradient.IsEmpty) return;
        int count = rows * OutputSize;
        if (Rate == 0) { dz[..count].CopyTo(inputGradient); return; }
        if (Spatial) { ApplyChannelMask(dz, scratch, inputGradient, rows); return; }
        System.Numerics.Tensors.TensorPrimitives.Multiply(dz[..count], scratch[..count], inputGradient[..count]);
    }

    /// <inheritdoc />
    public override string Describe() => Spatial ? $"SpatialDropout ({Rate})" : $"Dropout ({Rate})";
}
