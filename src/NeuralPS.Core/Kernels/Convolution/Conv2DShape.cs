namespace NeuralPS.Core.Kernels;

/// <summary>How a convolution treats the image border.</summary>
public enum Padding
{
    /// <summary>No padding: only windows wholly inside the image; out = floor((in - kernel) / stride) + 1.</summary>
    Valid,
    /// <summary>
    /// Zeros around the image so that out = ceil(in / stride), TensorFlow's and Keras's SAME rule: the padding
    /// needed, max((out - 1)·stride + kernel - in, 0), is split with the smaller half before (top, left) and the
    /// larger after (bottom, right). For stride 1 that is PyTorch's padding='same' too (symmetric for odd kernels).
    /// </summary>
    Same,
}

/// <summary>
/// The geometry of a 2-D convolution over a batch of images stored NCHW in flat rows: image n is the row
/// x[n, C·H·W] with x[n, c, h, w] at n·C·H·W + (c·H + h)·W + w, and the output row y[n, F·OH·OW] the same way.
/// The weights are [F, C, KH, KW] row-major (PyTorch's and ONNX's layout), i.e. a [F, K] matrix with
/// K = C·KH·KW, followed elsewhere by a bias [F].
/// </summary>
public readonly struct Conv2DShape : IEquatable<Conv2DShape>
{
    /// <summary>The geometry of <paramref name="filters"/> filters of kernelHeight×kernelWidth over channels×height×width images.</summary>
    public Conv2DShape(int channels, int height, int width, int filters, int kernelHeight, int kernelWidth,
        int strideHeight = 1, int strideWidth = 1, Padding padding = Padding.Valid)
    {
        CheckPositive(channels, nameof(channels)); CheckPositive(height, nameof(height)); CheckPositive(width, nameof(width));
        CheckPositive(filters, nameof(filters)); CheckPositive(kernelHeight, nameof(kernelHeight)); CheckPositive(kernelWidth, nameof(kernelWidth));
        CheckPositive(strideHeight, nameof(strideHeight)); CheckPositive(strideWidth, nameof(strideWidth));
        if (padding == Padding.Valid && (kernelHeight > height || kernelWidth > width))
            throw new NeuralPSException("ShapeMismatch", ErrorKind.InvalidArgument,
                $"A {kernelHeight}x{kernelWidth} kernel with Valid padding does not fit a {height}x{width} image: use Same padding or a smaller kernel.");
        Channels = channels; Height = height; Width = width; Filters = filters;
        KernelHeight = kernelHeight; KernelWidth = kernelWidth; StrideHeight = strideHeight; StrideWidth = strideWidth;
        Padding = padding;
        (OutHeight, PadTop) = Extent(height, kernelHeight, strideHeight, padding);
        (OutWidth, PadLeft) = Extent(width, kernelWidth, strideWidth, padding);
        if ((long)channels * height * width > int.MaxValue / 2 || (long)filters * OutHeight * OutWidth > int.MaxValue / 2
            || (long)channels * kernelHeight * kernelWidth * OutHeight * OutWidth > int.MaxValue / 2)
            throw new NeuralPSException("ShapeMismatch", ErrorKind.InvalidArgument,
                $"A convolution of {filters} {kernelHeight}x{kernelWidth} filters over {channels}x{height}x{width} images is too large for one image row: use smaller images.");
    }

    /// <summary>Input channels C.</summary>
    public int Channels { get; }
    /// <summary>Input height H.</summary>
    public int Height { get; }
    /// <summary>Input width W.</summary>
    public int Width { get; }
    /// <summary>Output channels F (filters).</summary>
    public int Filters { get; }
    /// <summary>Kernel height KH.</summary>
    public int KernelHeight { get; }
    /// <summary>Kernel width KW.</summary>
    public int KernelWidth { get; }
    /// <summary>Vertical stride.</summary>
    public int StrideHeight { get; }
    /// <summary>Horizontal stride.</summary>
    public int StrideWidth { get; }
    /// <summary>The padding rule.</summary>
    public Padding Padding { get; }
    /// <summary>Output height OH.</summary>
    public int OutHeight { get; }
    /// <summary>Output width OW.</summary>
    public int OutWidth { get; }
    /// <summary>Zero rows above the image (the rest of the padding goes below).</summary>
    public int PadTop { get; }
    /// <summary>Zero columns left of the image (the rest of the padding goes right).</summary>
    public int PadLeft { get; }

    /// <summary>Floats in one input image, C·H·W.</summary>
    public int InputSize => Channels * Height * Width;
    /// <summary>Floats in one output image, F·OH·OW.</summary>
    public int OutputSize => Filters * OutHeight * OutWidth;
    /// <summary>Output pixels per channel, P = OH·OW.</summary>
    public int OutPixels => OutHeight * OutWidth;
    /// <summary>Inputs one output pixel of one filter sees, K = C·KH·KW.</summary>
    public int PatchSize => Channels * KernelHeight * KernelWidth;
    /// <summary>Number of weights, F·K (the bias's F values are not counted).</summary>
    public int WeightCount => Filters * PatchSize;

    /// <summary>A 1×1 kernel with stride 1 and no padding: the image itself is the patch matrix (no im2col copy).</summary>
    internal bool IsPointwise => KernelHeight == 1 && KernelWidth == 1 && StrideHeight == 1 && StrideWidth == 1 && PadTop == 0 && PadLeft == 0;

    /// <summary>(output size, padding before) along one axis.</summary>
    internal static (int Out, int PadBefore) Extent(int size, int kernel, int stride, Padding padding)
    {
        if (padding == Padding.Valid) return ((size - kernel) / stride + 1, 0);
        int output = (size + stride - 1) / stride;
        int total = Math.Max((output - 1) * stride + kernel - size, 0);
        return (output, total / 2);
    }

    private static void CheckPositive(int value, string name)
    {
        if (value <= 0)
            throw new NeuralPSException("InvalidArgument", ErrorKind.InvalidArgument,
                $"A convolution's {name} must be at least 1 (it is {value}).");
    }

    /// <inheritdoc />
    public bool Equals(Conv2DShape other) =>
        Channels == other.Channels && Height == other.Height && Width == other.Width && Filters == other.Filters
        && KernelHeight == other.KernelHeight && KernelWidth == other.KernelWidth && StrideHeight == other.StrideHeight
        && StrideWidth == other.StrideWidth && Padding == other.Padding;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Conv2DShape other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(HashCode.Combine(Channels, Height, Width, Filters),
        KernelHeight, KernelWidth, StrideHeight, StrideWidth, Padding);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Channels}x{Height}x{Width} -> {Filters}x{OutHeight}x{OutWidth} ({KernelHeight}x{KernelWidth}, stride {StrideHeight},{StrideWidth}, {Padding})";
}
