using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Onnx;

namespace NeuralPS.Core.Layers;

/// <summary>
/// 2-D convolution over images (C, H, W): <see cref="Filters"/> filters of KH×KW moved by the stride, with Valid or
/// Same padding (Keras's rule, <see cref="Padding"/>). Parameters: W [F, C, KH, KW] (PyTorch's and ONNX's layout),
/// then b [F]. Shapes: x [rows, C·H·W] → z [rows, F·OH·OW]; scratch: what <see cref="Conv2D"/> needs for the batch
/// on the pool's threads. The work is <see cref="Conv2D"/>'s (im2col and packed products, the same bits on any
/// thread count). Weights start as a dense layer's do (<see cref="Initializer.Auto"/>: He normal for ReLU-like
/// activations, Glorot uniform otherwise, with Keras's fans C·KH·KW in and F·KH·KW out); biases start at zero.
/// </summary>
[LayerKind("Conv2D")]
public sealed class Conv2DLayer : Layer
{
    private Conv2DShape _geometry;

    /// <summary>A convolution of <paramref name="filters"/> kernelHeight×kernelWidth filters.</summary>
    public Conv2DLayer(int filters, int kernelHeight, int kernelWidth, int strideHeight = 1, int strideWidth = 1,
        Padding padding = Padding.Valid, Activation activation = Activation.Linear, Initializer initializer = Initializer.Auto)
    {
        foreach ((int value, string name) in new[] { (filters, "filter count"), (kernelHeight, "kernel height"), (kernelWidth, "kernel width"),
            (strideHeight, "vertical stride"), (strideWidth, "horizontal stride") })
            if (value < 1)
                throw new NeuralPSException(ErrorIds.InvalidConvolution, ErrorKind.InvalidArgument,
                    $"A convolution's {name} must be at least 1; {value} was given.", value);
        Filters = filters;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        StrideHeight = strideHeight;
        StrideWidth = strideWidth;
        Padding = padding;
        Activation = activation;
        Initializer = initializer;
    }

    /// <summary>Number of filters (output channels).</summary>
    public int Filters { get; }
    /// <summary>Kernel height.</summary>
    public int KernelHeight { get; }
    /// <summary>Kernel width.</summary>
    public int KernelWidth { get; }
    /// <summary>Vertical stride.</summary>
    public int StrideHeight { get; }
    /// <summary>Horizontal stride.</summary>
    public int StrideWidth { get; }
    /// <summary>Valid (no padding) or Same (zeros so that out = ceil(in / stride)).</summary>
    public Padding Padding { get; }
    /// <summary>How the weights were initialized.</summary>
    public Initializer Initializer { get; }

    /// <summary>The convolution's geometry, fixed when the layer is built.</summary>
    public Conv2DShape Geometry => _geometry;

    /// <summary>Number of weights (the bias follows them).</summary>
    public int WeightCount => _geometry.WeightCount;

    /// <inheritdoc />
    public override int ParameterCount => NetworkSize.ParameterCount((long)_geometry.WeightCount + Filters, this);

    protected override Shape OutputShapeFor(Shape input)
    {
        if (!input.IsImage)
            throw new NeuralPSException(ErrorIds.ImageInputRequired, ErrorKind.InvalidOperation,
                $"A convolution works on images, but its input is a row of {input.Size} features. Give the network an image " +
                "input (New-Network -InputShape 1,28,28) and put convolution and pooling layers before the dense ones.", this);
        _geometry = new Conv2DShape(input.Channels, input.Height, input.Width, Filters, KernelHeight, KernelWidth,
            StrideHeight, StrideWidth, Padding);
        return new Shape(Filters, _geometry.OutHeight, _geometry.OutWidth);
    }

    internal override void SaveSettings(JsonObject settings)
    {
        settings["Filters"] = Filters;
        settings["KernelHeight"] = KernelHeight;
        settings["KernelWidth"] = KernelWidth;
        settings["StrideHeight"] = StrideHeight;
        settings["StrideWidth"] = StrideWidth;
        settings["Padding"] = Padding.ToString();
        settings["Activation"] = Activation.ToString();
        settings["Initializer"] = Initializer.ToString();
    }

    internal static Layer Load(JsonObject s) => new Conv2DLayer(LayerRegistry.Number(s, "Filters", 0),
        LayerRegistry.Number(s, "KernelHeight", 0), LayerRegistry.Number(s, "KernelWidth", 0),
        LayerRegistry.Number(s, "StrideHeight", 1), LayerRegistry.Number(s, "StrideWidth", 1),
        LayerRegistry.Enum(s, "Padding", Padding.Valid), LayerRegistry.Enum(s, "Activation", Activation.Linear),
        LayerRegistry.Enum(s, "Initializer", Initializer.Auto));

    internal override int? WeightCountForStatistics => WeightCount;

    internal override int ScratchLength(int rows, int threads) => Conv2D.ScratchFloats(_geometry, rows, threads);

    internal override void Initialize(Span<float> parameters, RandomSource random)
    {
        int window = KernelHeight * KernelWidth;
        Initializers.Fill(Initializers.Resolve(Initializer, Activation), parameters[..WeightCount],
            _geometry.PatchSize, Filters * window, random);
        parameters[WeightCount..].Clear();
    }

    /// <summary>A ReLU convolution applies the ReLU in its epilogue: z and y are one buffer, and ReLU' reads y.</summary>
    internal override bool FusesActivation => Activation == Activation.Relu;

    internal override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z,
        int rows, bool training, Span<float> scratch, ExecutionContext context) =>
        Conv2D.Forward(_geometry, rows, input, parameters[..WeightCount], parameters.Slice(WeightCount, Filters), z, scratch, context.Pool);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override void ForwardActivated(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z, Span<float> y,
        int rows, bool training, Span<float> scratch, ExecutionContext context)
    {
        if (FusesActivation)
            Conv2D.Forward(_geometry, rows, input, parameters[..WeightCount], parameters.Slice(WeightCount, Filters), y, scratch,
                context.Pool, relu: true);
        else
            base.ForwardActivated(parameters, input, z, y, rows, training, scratch, context);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        Conv2D.BackwardWeights(_geometry, rows, input, dz, parameterGradients[..WeightCount], parameterGradients.Slice(WeightCount, Filters),
            scratch, context.Pool);
        if (!inputGradient.IsEmpty)
            Conv2D.BackwardInput(_geometry, rows, dz, parameters[..WeightCount], inputGradient, scratch, context.Pool);
    }

    /// <summary>ONNX Conv: OIHW weights as stored; Same padding as explicit pads [top, left, bottom, right].</summary>
    internal override string ToOnnx(OnnxGraph graph, string prefix, ReadOnlySpan<float> parameters, string input)
    {
        Conv2DShape g = _geometry;
        string images = graph.AsImages(prefix, input, InputShape);
        string weights = graph.Initializer($"{prefix}_W", parameters[..WeightCount], Filters, g.Channels, KernelHeight, KernelWidth);
        string bias = graph.Initializer($"{prefix}_b", parameters.Slice(WeightCount, Filters), Filters);
        // The padding after is what makes the last window fit: (out - 1)·stride + kernel - in - before, never below 0.
        long bottom = Math.Max((g.OutHeight - 1) * StrideHeight + KernelHeight - g.Height - g.PadTop, 0);
        long right = Math.Max((g.OutWidth - 1) * StrideWidth + KernelWidth - g.Width - g.PadLeft, 0);
        if (Padding == Padding.Valid) bottom = right = 0;
        return graph.Node("Conv", prefix, new[] { images, weights, bias },
            OnnxGraph.IntsAttribute("kernel_shape", KernelHeight, KernelWidth),
            OnnxGraph.IntsAttribute("strides", StrideHeight, StrideWidth),
            OnnxGraph.IntsAttribute("pads", g.PadTop, g.PadLeft, bottom, right));
    }

    /// <inheritdoc />
    public override string Describe() =>
        $"Conv2D {Filters} {KernelHeight}x{KernelWidth}" + (StrideHeight != 1 || StrideWidth != 1 ? $" /{StrideHeight}x{StrideWidth}" : "")
        + $" {Padding} ({Activation})";
}
