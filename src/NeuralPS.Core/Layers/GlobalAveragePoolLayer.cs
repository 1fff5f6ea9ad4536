using System.Text.Json.Nodes;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Onnx;

namespace NeuralPS.Core.Layers;

/// <summary>
/// Global average pooling: the mean of each channel of an image (C, H, W) over its H·W pixels, a row of C values
/// (as Keras's GlobalAveragePooling2D). Shapes: x [rows, C·H·W] → z [rows, C].
/// </summary>
[LayerKind("GlobalAveragePool")]
public sealed class GlobalAveragePoolLayer : Layer
{
    private int Pixels => InputShape.Height * InputShape.Width;

    protected override Shape OutputShapeFor(Shape input) => input.IsImage ? new Shape(input.Channels)
        : throw new NeuralPSException(ErrorIds.ImageInputRequired, ErrorKind.InvalidOperation,
            $"A global average pooling layer works on images, but its input is a row of {input.Size} features. Give the network " +
            "an image input (New-Network -InputShape 1,28,28) and put it after the convolution layers.", this);

    internal override void SaveSettings(JsonObject settings) { }

    internal static Layer Load(JsonObject settings) => new GlobalAveragePoolLayer();

    internal override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z,
        int rows, bool training, Span<float> scratch, ExecutionContext context) =>
        Pooling.GlobalAverageForward(InputShape.Channels, Pixels, rows, input, z, context.Pool);

    internal override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        if (inputGradient.IsEmpty) return;
        Pooling.GlobalAverageBackward(InputShape.Channels, Pixels, rows, dz, inputGradient, context.Pool);
    }

    /// <summary>GlobalAveragePool gives [N, C, 1, 1]; a Flatten makes it the row [N, C] the layer outputs.</summary>
    internal override string ToOnnx(OnnxGraph graph, string prefix, ReadOnlySpan<float> parameters, string input)
    {
        string pooled = graph.Node("GlobalAveragePool", prefix + "_pool", new[] { graph.AsImages(prefix, input, InputShape) });
        return graph.Node("Flatten", prefix, new[] { pooled }, OnnxGraph.IntAttribute("axis", 1));
    }

    /// <inheritdoc />
    public override string Describe() => "GlobalAveragePool";
}
