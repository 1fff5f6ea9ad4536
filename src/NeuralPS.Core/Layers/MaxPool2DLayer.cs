using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Onnx;

namespace NeuralPS.Core.Layers;

/// <summary>
/// Max pooling over images (C, H, W): the maximum of each KH×KW window moved by the stride (the window by default,
/// as Keras and PyTorch), channels apart, windows wholly inside the image. Shapes: x [rows, C·H·W] → z [rows,
/// C·OH·OW]; scratch: the argmax of each output (one int a float), kept from the forward pass for the backward.
/// </summary>
[LayerKind("MaxPool2D")]
public sealed class MaxPool2DLayer : Layer
{
    private Pool2DShape _geometry;

    /// <summary>Windows of poolHeight×poolWidth moved by the strides (0: the window's size).</summary>
    public MaxPool2DLayer(int poolHeight, int poolWidth, int strideHeight = 0, int strideWidth = 0)
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
        _geometry = PoolSettings.Geometry("max pooling", input, PoolHeight, PoolWidth, StrideHeight, StrideWidth, this);
        return new Shape(input.Channels, _geometry.OutHeight, _geometry.OutWidth);
    }

    internal override void SaveSettings(JsonObject settings) => PoolSettings.Save(settings, PoolHeight, PoolWidth, StrideHeight, StrideWidth);

    internal static Layer Load(JsonObject s)
    {
        (int ph, int pw, int sh, int sw) = PoolSettings.Load(s);
        return new MaxPool2DLayer(ph, pw, sh, sw);
    }

    internal override int ScratchLength(int rows, int threads) => rows * OutputSize;

    private static Span<int> Argmax(Span<float> scratch, int count) => MemoryMarshal.Cast<float, int>(scratch)[..count];

    internal override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z,
        int rows, bool training, Span<float> scratch, ExecutionContext context) =>
        Pooling.MaxForward(_geometry, rows, input, z, Argmax(scratch, rows * OutputSize), context.Pool);

    internal override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        if (inputGradient.IsEmpty) return;
        Pooling.MaxBackward(_geometry, rows, dz, Argmax(scratch, rows * OutputSize), inputGradient, context.Pool);
    }

    internal override string ToOnnx(OnnxGraph graph, string prefix, ReadOnlySpan<float> parameters, string input) =>
        graph.Node("MaxPool", prefix, new[] { graph.AsImages(prefix, input, InputShape) },
            OnnxGraph.IntsAttribute("kernel_shape", PoolHeight, PoolWidth), OnnxGraph.IntsAttribute("strides", StrideHeight, StrideWidth));

    /// <inheritdoc />
    public override string Describe() => $"MaxPool2D {PoolHeight}x{PoolWidth}" + PoolSettings.StrideText(PoolHeight, PoolWidth, StrideHeight, StrideWidth);
}
