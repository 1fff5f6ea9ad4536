using System.Text.Json.Nodes;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Onnx;

namespace NeuralPS.Core.Layers;

/// <summary>
/// 1-D convolution over sequences (T, F): <see cref="Filters"/> filters of <see cref="KernelSize"/> timesteps moved
/// by the stride, the features being the input channels, as PyTorch's Conv1d on (N, F, T) and Keras's Conv1D; Valid
/// or Same padding (Keras's rule). The output is again a sequence, (T', Filters), so recurrent, pooling-free dense or
/// further Conv1D layers follow. Rows stay time-major (t·F + f, as <c>ConvertTo-Dataset -Window</c> makes them), so
/// the layer transposes each row to channels-first (F, T), runs <see cref="Conv2D"/>'s kernels on an image of height 1
/// and transposes the result back. Parameters: W [Filters, F, K] (PyTorch's and ONNX's layout), then b [Filters].
/// Shapes: x [rows, T·F] → z [rows, T'·Filters]; scratch: x transposed [rows, F·T], z transposed [rows, Filters·T'],
/// then the convolution's own scratch. Weights start as Conv2D's do (fans F·K in, Filters·K out); biases at zero.
/// </summary>
[LayerKind("Conv1D")]
public sealed class Conv1DLayer : Layer
{
    private Conv2DShape _geometry;

    /// <summary>A convolution of <paramref name="filters"/> filters spanning <paramref name="kernelSize"/> timesteps.</summary>
    public Conv1DLayer(int filters, int kernelSize, int stride = 1, Padding padding = Padding.Valid,
        Activation activation = Activation.Linear, Initializer initializer = Initializer.Auto)
    {
        foreach ((int value, string name) in new[] { (filters, "filter count"), (kernelSize, "kernel size"), (stride, "stride") })
            if (value < 1)
                throw new NeuralPSException(ErrorIds.InvalidConvolution, ErrorKind.InvalidArgument,
                    $"A convolution's {name} must be at least 1; {value} was given.", value);
        Filters = filters;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Activation = activation;
        Initializer = initializer;
    }

    /// <summary>Number of filters (the features of each output timestep).</summary>
    public int Filters { get; }
    /// <summary>Timesteps a filter spans.</summary>
    public int KernelSize { get; }
    /// <summary>Timesteps between two outputs.</summary>
    public int Stride { get; }
    /// <summary>Valid (no padding) or Same (zeros so that out = ceil(in / stride)).</summary>
    public Padding Padding { get; }
    /// <summary>How the weights were initialized.</summary>
    public Initializer Initializer { get; }

    /// <summary>Number of weights (the bias follows them).</summary>
    public int WeightCount => _geometry.WeightCount;

    /// <inheritdoc />
    public override int ParameterCount => NetworkSize.ParameterCount((long)_geometry.WeightCount + Filters, this);

    private int Steps => InputShape.Steps;
    private int Features => InputShape.Features;
    private int OutSteps => _geometry.OutWidth;

    protected override Shape OutputShapeFor(Shape input)
    {
        if (!input.IsSequence)
            throw new NeuralPSException(ErrorIds.SequenceInputRequired, ErrorKind.InvalidOperation,
                $"A 1-D convolution works on sequences (timesteps, features), but its input is {(input.IsImage ? "an image" : "a row of features")} " +
                $"{input}. Give the network a sequence input (New-Network -InputShape $data.Shape for a dataset from ConvertTo-Dataset -Window).", this);
        if (Padding == Padding.Valid && KernelSize > input.Steps)
            throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidArgument,
                $"A kernel of {KernelSize} timesteps with Valid padding does not fit windows of {input.Steps} timesteps: use -Padding Same, " +
                "a smaller -KernelSize or longer windows.", this);
        // time as the width of an image of height 1, the features as its channels
        _geometry = new Conv2DShape(input.Features, 1, input.Steps, Filters, 1, KernelSize, 1, Stride, Padding);
        return Shape.Sequence(_geometry.OutWidth, Filters);
    }

    internal override void SaveSettings(JsonObject settings)
    {
        settings["Filters"] = Filters;
        settings["KernelSize"] = KernelSize;
        settings["Stride"] = Stride;
        settings["Padding"] = Padding.ToString();
        settings["Activation"] = Activation.ToString();
        settings["Initializer"] = Initializer.ToString();
    }

    internal static Layer Load(JsonObject s) => new Conv1DLayer(LayerRegistry.Number(s, "Filters", 0),
        LayerRegistry.Number(s, "KernelSize", 0), LayerRegistry.Number(s, "Stride", 1),
        LayerRegistry.Enum(s, "Padding", Padding.Valid), LayerRegistry.Enum(s, "Activation", Activation.Linear),
        LayerRegistry.Enum(s, "Initializer", Initializer.Auto));

    internal override int? WeightCountForStatistics => WeightCount;

    internal override int ScratchLength(int rows, int threads) =>
        checked((int)((long)rows * (InputSize + OutputSize) + Conv2D.ScratchFloats(_geometry, rows, threads)));

    internal override void Initialize(Span<float> parameters, RandomSource random)
    {
        Initializers.Fill(Initializers.Resolve(Initializer, Activation), parameters[..WeightCount],
            _geometry.PatchSize, Filters * KernelSize, random);
        parameters[WeightCount..].Clear();
    }

    // scratch = [channels-first input, rows·T·F][channels-first output or its gradient, rows·T'·Filters][Conv2D's]
    private static Span<float> ChannelsFirstInput(Span<float> scratch, int rows, int inputSize) => scratch[..(rows * inputSize)];
    private Span<float> ChannelsFirstOutput(Span<float> scratch, int rows) => scratch.Slice(rows * InputSize, rows * OutputSize);
    private Span<float> ConvolutionScratch(Span<float> scratch, int rows) => scratch[(rows * (InputSize + OutputSize))..];

    internal override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z,
        int rows, bool training, Span<float> scratch, ExecutionContext context)
    {
        Span<float> xT = ChannelsFirstInput(scratch, rows, InputSize), zT = ChannelsFirstOutput(scratch, rows), work = ConvolutionScratch(scratch, rows);
        TransposeRows(input, rows, Steps, Features, xT);               // [T, F] → [F, T]; kept for the weight gradient
        Conv2D.Forward(_geometry, rows, xT, parameters[..WeightCount], parameters.Slice(WeightCount, Filters), zT, work, context.Pool);
        TransposeRows(zT, rows, Filters, OutSteps, z);                 // [Filters, T'] → [T', Filters]
    }

    internal override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        Span<float> xT = ChannelsFirstInput(scratch, rows, InputSize), dzT = ChannelsFirstOutput(scratch, rows), work = ConvolutionScratch(scratch, rows);
        TransposeRows(dz, rows, OutSteps, Filters, dzT);
        Conv2D.BackwardWeights(_geometry, rows, xT, dzT, parameterGradients[..WeightCount], parameterGradients.Slice(WeightCount, Filters),
            work, context.Pool);
        if (inputGradient.IsEmpty) return;
        Span<float> dxT = xT; // the transposed input is spent: its room takes the transposed input gradient
        Conv2D.BackwardInput(_geometry, rows, dzT, parameters[..WeightCount], dxT, work, context.Pool);
        TransposeRows(dxT, rows, Features, Steps, inputGradient);
    }

    /// <summary>Each of <paramref name="rows"/> [a, b] blocks of <paramref name="source"/> into a [b, a] block of <paramref name="target"/>.</summary>
    private static unsafe void TransposeRows(ReadOnlySpan<float> source, int rows, int a, int b, Span<float> target)
    {
        int size = a * b;
        fixed (float* s = source, t = target)
            for (int r = 0; r < rows; r++) Transpose.Matrix(s + (nint)r * size, a, b, t + (nint)r * size);
    }

    /// <summary>ONNX Conv with 1-D attributes on [N, F, T] (the rows transposed in and out): W [Filters, F, K] as stored.</summary>
    internal override string ToOnnx(OnnxGraph graph, string prefix, ReadOnlySpan<float> parameters, string input)
    {
        Conv2DShape g = _geometry;
        string channels = graph.SequenceToChannels(prefix, input, InputShape);
        string weights = graph.Initializer($"{prefix}_W", parameters[..WeightCount], Filters, Features, KernelSize);
        string bias = graph.Initializer($"{prefix}_b", parameters.Slice(WeightCount, Filters), Filters);
        long after = Padding == Padding.Valid ? 0 : Math.Max((g.OutWidth - 1) * Stride + KernelSize - Steps - g.PadLeft, 0);
        string convolved = graph.Node("Conv", prefix + "_conv", new[] { channels, weights, bias },
            OnnxGraph.IntsAttribute("kernel_shape", KernelSize),
            OnnxGraph.IntsAttribute("strides", Stride),
            OnnxGraph.IntsAttribute("pads", g.PadLeft, after));
        return graph.ChannelsToSequence(prefix, convolved, OutputShape);
    }

    /// <summary>The layer's line: Conv1D 16 k3 /2 Same (Relu).</summary>
    public override string Describe() =>
        $"Conv1D {Filters} k{KernelSize}" + (Stride != 1 ? $" /{Stride}" : "") + $" {Padding} ({Activation})";
}
