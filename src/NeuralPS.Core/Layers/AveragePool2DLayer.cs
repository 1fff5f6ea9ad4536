using System.Text.Json.Nodes;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Onnx;

namespace NeuralPS.Core.Layers;

/// <summary>
/// Average pooling over images (C, H, W): the mean of each KH×KW window moved by the stride (the window by default,
/// as Keras and PyTorch), channels apart, windows wholly inside the image. Shapes: x [rows, C·H·W] → z [rows, C·OH·OW].
/// </summary>
[LayerKind("AveragePool2D")]
public sealed class AveragePool2DLayer : Layer
{
    private Pool2DShape _geometry;

    /// <summary>Windows of poolHeight×poolWidth moved by the strides (0: the window's size).</summary>
    public AveragePool2DLayer(int poolHeight, int poolWidth, int strideHeight = 0, int strideWidth = 0)
    {
        (PoolHeight, PoolWidth, StrideHeight, StrideWidth) = PoolSettings.Check(poolHeight, poolWidth, strideHeight, strideWidth);
    }

    /// <summary>Window height.</summary>
    public int PoolHeight { get; }
    /// <summary>Window width.</summary>
    public int PoolWidth { get; }
    /// <summary>Vertical stride.</summary>
    public int StrideHeight { get; }
    /// <summary>Horizontal stride.</summary>
    public int StrideWidth { get; }

    protected override Shape OutputShapeFor(Shape input)
    {
        _geometry = PoolSettings.Geometry("average pooling", input, PoolHeight, PoolWidth, StrideHeight, StrideWidth, this);
        return new Shape(input.Channels, _geometry.OutHeight, _geometry.OutWidth);
    }

    internal override void SaveSettings(JsonObject settings) => PoolSettings.Save(settings, PoolHeight, PoolWidth, StrideHeight, StrideWidth);

    internal static Layer Load(JsonObject s)
    {
        (int ph, int pw, int sh, int sw) = PoolSettings.Load(s);
        return new AveragePool2DLayer(ph, pw, sh, sw);
    }

    internal override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z,
        int rows, bool training, Span<float> scratch, ExecutionContext context) =>
        Pooling.AverageForward(_geometry, rows, input, z, context.Pool);

    internal override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        if (inputGradient.IsEmpty) return;
        Pooling.AverageBackward(_geometry, rows, dz, inputGradient, context.Pool);
    }

    internal override string ToOnnx(OnnxGraph graph, string prefix, ReadOnlySpan<float> parameters, string input) =>
        graph.Node("AveragePool", prefix, new[] { graph.AsImages(prefix, input, InputShape) },
            OnnxGraph.IntsAttribute("kernel_shape", PoolHeight, PoolWidth), OnnxGraph.IntsAttribute("strides", StrideHeight, StrideWidth));

    /// <inheritdoc />
    public override string Describe() => $"AveragePool2D {PoolHeight}x{PoolWidth}" + PoolSettings.StrideText(PoolHeight, PoolWidth, StrideHeight, StrideWidth);
}
