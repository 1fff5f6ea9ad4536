namespace NeuralPS.Core.Layers;

/// <summary>
/// The shape of one example as it flows from layer to layer: a row of <see cref="Size"/> features, or an image of
/// <see cref="Channels"/>×<see cref="Height"/>×<see cref="Width"/> (C, H, W) stored in the row in NCHW order
/// (PyTorch's). The buffers stay flat and row-major either way; the image dimensions tell convolution and pooling
/// layers how to read the row. Height and width are 0 for a flat row.
/// </summary>
public readonly record struct Shape
{
    /// <summary>A flat row of <paramref name="size"/> features.</summary>
    public Shape(int size)
    {
        Size = size;
        Channels = Height = Width = 0;
    }

    /// <summary>An image of <paramref name="channels"/>×<paramref name="height"/>×<paramref name="width"/> values.</summary>
    public Shape(int channels, int height, int width)
    {
        if (channels < 1 || height < 1 || width < 1)
            throw new NeuralPSException(ErrorIds.InvalidInputShape, ErrorKind.InvalidArgument,
                $"An image shape needs at least one channel, row and column; {channels},{height},{width} was given.", new[] { channels, height, width });
        long size = (long)channels * height * width;
        if (size > int.MaxValue / 2)
            throw new NeuralPSException(ErrorIds.InvalidInputShape, ErrorKind.InvalidArgument,
                $"An image of {channels}x{height}x{width} values is too large for one row: use smaller images.", new[] { channels, height, width });
        (Channels, Height, Width, Size) = (channels, height, width, (int)size);
    }

    /// <summary>
    /// The shape from a list of dimensions: one (a flat row) or three (C, H, W), as <c>New-Network -InputShape</c>
    /// and <c>Dataset.Shape</c> give them.
    /// </summary>
    public static Shape From(IReadOnlyList<int> dimensions) => dimensions.Count switch
    {
        1 => new Shape(dimensions[0]),
        3 => new Shape(dimensions[0], dimensions[1], dimensions[2]),
        _ => throw new NeuralPSException(ErrorIds.InvalidInputShape, ErrorKind.InvalidArgument,
            $"An input shape is one number (features) or three (channels, height, width); {dimensions.Count} were given ({string.Join(",", dimensions)}).", dimensions),
    };

    /// <summary>Values in one example.</summary>
    public int Size { get; }

    /// <summary>Image channels C (0 for a flat row).</summary>
    public int Channels { get; }

    /// <summary>Image height H (0 for a flat row).</summary>
    public int Height { get; }

    /// <summary>Image width W (0 for a flat row).</summary>
    public int Width { get; }

    /// <summary>True for an image (C, H, W); false for a flat row.</summary>
    public bool IsImage => Height > 0;

    /// <summary>The dimensions: [Size] for a row, [C, H, W] for an image.</summary>
    public int[] Dimensions => IsImage ? new[] { Channels, Height, Width } : new[] { Size };

    /// <summary>Keras's notation, with None for the batch: (None, 64), or (None, 32, 28, 28) for an image (C, H, W).</summary>
    public override string ToString() => IsImage ? $"(None, {Channels}, {Height}, {Width})" : $"(None, {Size})";
}
