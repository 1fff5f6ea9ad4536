using System.Text.Json.Nodes;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Onnx;

namespace NeuralPS.Core.Layers;

/// <summary>
/// What the pooling layers over images share: KH×KW windows moved by the stride (the window by default, as Keras and
/// PyTorch), channels apart, windows wholly inside the image; their settings, checked, saved and loaded, their
/// geometry, output shape, ONNX node and summary line. A kind adds its forward and backward passes.
/// </summary>
public abstract class Pool2DLayer : Layer
{
    private Pool2DShape _geometry;

    /// <summary>Windows of poolHeight×poolWidth moved by the strides (0: the window's size).</summary>
    private protected Pool2DLayer(int poolHeight, int poolWidth, int strideHeight, int strideWidth)
    {
        if (poolHeight < 1 || poolWidth < 1 || strideHeight < 0 || strideWidth < 0)
            throw new NeuralPSException(ErrorIds.InvalidPooling, ErrorKind.InvalidArgument,
                $"A pooling window must be at least 1x1 and its stride at least 1; {poolHeight}x{poolWidth} with stride {strideHeight},{strideWidth} was given.", new[] { poolHeight, poolWidth, strideHeight, strideWidth });
        (PoolHeight, PoolWidth) = (poolHeight, poolWidth);
        (StrideHeight, StrideWidth) = (strideHeight == 0 ? poolHeight : strideHeight, strideWidth == 0 ? poolWidth : strideWidth);
    }

    /// <summary>Window height.</summary>
    public int PoolHeight { get; }
    /// <summary>Window width.</summary>
    public int PoolWidth { get; }
    /// <summary>Vertical stride.</summary>
    public int StrideHeight { get; }
    /// <summary>Horizontal stride.</summary>
    public int StrideWidth { get; }

    /// <summary>The windows' geometry, fixed when the layer is built.</summary>
    private protected Pool2DShape Geometry => _geometry;

    /// <summary>What the layer does, for messages ("max pooling").</summary>
    private protected abstract string Operation { get; }

    /// <summary>The ONNX operator (MaxPool, AveragePool).</summary>
    private protected abstract string OnnxOperator { get; }

    protected override Shape OutputShapeFor(Shape input)
    {
        if (!input.IsImage)
            throw new NeuralPSException(ErrorIds.ImageInputRequired, ErrorKind.InvalidOperation,
                $"A {Operation} layer works on images, but its input is a row of {input.Size} features. Give the network an image " +
                "input (New-Network -InputShape 1,28,28) and put convolution and pooling layers before the dense ones.", this);
        _geometry = new Pool2DShape(input.Channels, input.Height, input.Width, PoolHeight, PoolWidth, StrideHeight, StrideWidth);
        return new Shape(input.Channels, _geometry.OutHeight, _geometry.OutWidth);
    }

    internal override void SaveSettings(JsonObject settings)
    {
        settings["PoolHeight"] = PoolHeight;
        settings["PoolWidth"] = PoolWidth;
        settings["StrideHeight"] = StrideHeight;
        settings["StrideWidth"] = StrideWidth;
    }

    /// <summary>The settings <see cref="SaveSettings"/> wrote, for a kind's <c>Load</c>.</summary>
    private protected static (int PoolHeight, int PoolWidth, int StrideHeight, int StrideWidth) LoadSettings(JsonObject s) =>
        (LayerRegistry.Number(s, "PoolHeight", 0), LayerRegistry.Number(s, "PoolWidth", 0),
            LayerRegistry.Number(s, "StrideHeight", 0), LayerRegistry.Number(s, "StrideWidth", 0));

    internal override string ToOnnx(OnnxGraph graph, string prefix, ReadOnlySpan<float> parameters, string input) =>
        graph.Node(OnnxOperator, prefix, new[] { graph.AsImages(prefix, input, InputShape) },
            OnnxGraph.IntsAttribute("kernel_shape", PoolHeight, PoolWidth), OnnxGraph.IntsAttribute("strides", StrideHeight, StrideWidth));

    /// <summary>The layer's line: MaxPool2D 2x2, with the stride when it is not the window's (MaxPool2D 3x3 /1x1).</summary>
    public override string Describe() => $"{Kind} {PoolHeight}x{PoolWidth}"
        + (StrideHeight == PoolHeight && StrideWidth == PoolWidth ? "" : $" /{StrideHeight}x{StrideWidth}");
}
