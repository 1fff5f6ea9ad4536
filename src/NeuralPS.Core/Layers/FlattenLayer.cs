using System.Text.Json.Nodes;
using NeuralPS.Core.Onnx;

namespace NeuralPS.Core.Layers;

/// <summary>
/// Flattens an image (C, H, W) into a row of C·H·W features for the dense layers after it. The buffers are already
/// rows in NCHW order (PyTorch's flatten order), so it copies its input; it only changes the shape. The network
/// adds one by itself before a dense layer that follows an image. Shapes: x [rows, n] → z [rows, n].
/// </summary>
[LayerKind("Flatten")]
public sealed class FlattenLayer : Layer
{
    protected override Shape OutputShapeFor(Shape input) => new(input.Size);

    internal override void SaveSettings(JsonObject settings) { }

    internal static Layer Load(JsonObject settings) => new FlattenLayer();

    internal override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z,
        int rows, bool training, Span<float> scratch, ExecutionContext context) =>
        input[..(rows * OutputSize)].CopyTo(z);

    internal override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        if (!inputGradient.IsEmpty) dz[..(rows * OutputSize)].CopyTo(inputGradient);
    }

    internal override string ToOnnx(OnnxGraph graph, string prefix, ReadOnlySpan<float> parameters, string input) =>
        graph.Node("Flatten", prefix, new[] { input }, OnnxGraph.IntAttribute("axis", 1));

    /// <inheritdoc />
    public override string Describe() => "Flatten";
}
