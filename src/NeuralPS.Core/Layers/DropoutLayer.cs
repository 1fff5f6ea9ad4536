using System.Text.Json.Nodes;
using NeuralPS.Core.Onnx;

namespace NeuralPS.Core.Layers;

/// <summary>
/// Inverted dropout: in training each input is zeroed with probability <see cref="Rate"/> and the rest scaled
/// by 1/(1−rate); at inference it passes its input through. Masks come from the network's seeded stream.
/// Shapes: x [rows, n] → z [rows, n]; scratch: the mask [rows, n].
/// </summary>
[LayerKind("Dropout")]
public sealed class DropoutLayer : Layer
{
    /// <summary>A dropout layer that drops a fraction <paramref name="rate"/> of its inputs.</summary>
    public DropoutLayer(float rate)
    {
        if (!(rate >= 0 && rate < 1))
            throw new NeuralPSException("InvalidDropoutRate", ErrorKind.InvalidArgument,
                $"A dropout rate must be at least 0 and below 1; {rate} was given.", rate);
        Rate = rate;
    }

    /// <summary>The fraction of inputs dropped in training.</summary>
    public float Rate { get; }

    internal override void SaveSettings(JsonObject settings) => settings["Rate"] = Rate;

    internal static Layer Load(JsonObject settings) => new DropoutLayer(LayerRegistry.Number(settings, "Rate", 0f));

    internal override bool IsIdentityAtInference => true;

    internal override string ToOnnx(OnnxGraph graph, string prefix, ReadOnlySpan<float> parameters, string input) =>
        graph.Node("Identity", prefix, new[] { input });

    /// <summary>The identity at inference: dx = dz.</summary>
    internal override void BackwardAtInference(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context) =>
        dz[..(rows * OutputSize)].CopyTo(inputGradient);

    internal override int ScratchLength(int rows) => rows * OutputSize;

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
        Span<float> mask = scratch[..count];
        RandomSource random = context.DropoutRandom;
        for (int i = 0; i < count; i++)
        {
            mask[i] = random.NextFloat() >= Rate ? keep : 0f;
            z[i] = input[i] * mask[i];
        }
    }

    internal override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        if (inputGradient.IsEmpty) return;
        int count = rows * OutputSize;
        if (Rate == 0) { dz[..count].CopyTo(inputGradient); return; }
        System.Numerics.Tensors.TensorPrimitives.Multiply(dz[..count], scratch[..count], inputGradient[..count]);
    }

    /// <inheritdoc />
    public override string Describe() => $"Dropout ({Rate})";
}
