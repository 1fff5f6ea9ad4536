namespace NeuralPS.Core.Kernels;

/// <summary>
/// The geometry of a 2-D pooling over NCHW images in flat rows (as <see cref="Conv2DShape"/>): windows of
/// KH×KW moved by the stride, only windows wholly inside the image (valid), so OH = floor((H - KH) / SH) + 1.
/// The channels are pooled independently: the output row is [C, OH, OW].
/// </summary>
public readonly struct Pool2DShape : IEquatable<Pool2DShape>
{
    /// <summary>Windows of kernelHeight×kernelWidth over channels×height×width images, moved by the strides.</summary>
    public Pool2DShape(int channels, int height, int width, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth)
    {
        CheckPositive(channels, nameof(channels)); CheckPositive(height, nameof(height)); CheckPositive(width, nameof(width));
        CheckPositive(kernelHeight, nameof(kernelHeight)); CheckPositive(kernelWidth, nameof(kernelWidth));
        CheckPositive(strideHeight, nameof(strideHeight)); CheckPositive(strideWidth, nameof(strideWidth));
        if (kernelHeight > height || kernelWidth > width)
            throw new NeuralPSException("ShapeMismatch", ErrorKind.InvalidArgument,
                $"A {kernelHeight}x{kernelWidth} pooling window does not fit a {height}x{width} image: use a smaller window.");
        if ((long)channels * height * width > int.MaxValue / 2)
            throw new NeuralPSException("ShapeMismatch", ErrorKind.InvalidArgument,
                $"A pooling over {channels}x{height}x{width} images is too large for one image row: use smaller images.");
        Channels = channels; Height = height; Width = width;
        KernelHeight = kernelHeight; KernelWidth = kernelWidth; StrideHeight = strideHeight; StrideWidth = strideWidth;
        OutHeight = (height - kernelHeight) / strideHeight + 1;
        OutWidth = (width - kernelWidth) / strideWidth + 1;
    }

    /// <summary>Square windows of <paramref name="kernel"/> moved by <paramref name="stride"/> both ways.</summary>
    public Pool2DShape(int channels, int height, int width, int kernel, int stride)
        : this(channels, height, width, kernel, kernel, stride, stride) { }

    /// <summary>Channels C.</summary>
    public int Channels { get; }
    /// <summary>Input height H.</summary>
    public int Height { get; }
    /// <summary>Input width W.</summary>
    public int Width { get; }
    /// <summary>Window height KH.</summary>
    public int KernelHeight { get; }
    /// <summary>Window width KW.</summary>
    public int KernelWidth { get; }
    /// <summary>Vertical stride.</summary>
    public int StrideHeight { get; }
    /// <summary>Horizontal stride.</summary>
    public int StrideWidth { get; }
    /// <summary>Output height OH.</summary>
    public int OutHeight { get; }
    /// <summary>Output width OW.</summary>
    public int OutWidth { get; }

    /// <summary>Floats in one input image, C·H·W.</summary>
    public int InputSize => Channels * Height * Width;
    /// <summary>Floats in one output image, C·OH·OW.</summary>
    public int OutputSize => Channels * OutHeight * OutWidth;

    private static void CheckPositive(int value, string name)
    {
        if (value <= 0)
            throw new NeuralPSException("InvalidArgument", ErrorKind.InvalidArgument,
                $"A pooling's {name} must be at least 1 (it is {value}).");
    }

    /// <inheritdoc />
    public bool Equals(Pool2DShape other) =>
        Channels == other.Channels && Height == other.Height && Width == other.Width && KernelHeight == other.KernelHeight
        && KernelWidth == other.KernelWidth && StrideHeight == other.StrideHeight && StrideWidth == other.StrideWidth;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Pool2DShape other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Channels, Height, Width, KernelHeight, KernelWidth, StrideHeight, StrideWidth);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Channels}x{Height}x{Width} -> {Channels}x{OutHeight}x{OutWidth} ({KernelHeight}x{KernelWidth}, stride {StrideHeight},{StrideWidth})";
}
