namespace NeuralPS.Core.Layers;

/// <summary>
/// The shape of one example as it flows from layer to layer: a row of <see cref="Size"/> features, an image of
/// <see cref="Channels"/>×<see cref="Height"/>×<see cref="Width"/> (C, H, W) stored in the row in NCHW order
/// (PyTorch's), or a sequence of <see cref="Steps"/> timesteps of <see cref="Features"/> features (T, F) stored
/// timestep after timestep (t·F + f, PyTorch's batch_first). The buffers stay flat and row-major whichever it is; the
/// dimensions tell convolution, pooling and recurrent layers how to read the row. The dimensions a shape is not are 0.
/// </summary>
public readonly record struct Shape
{
    /// <summary>A flat row of <paramref name="size"/> features.</summary>
    public Shape(int size)
    {
        Size = size;
        Channels = Height = Width = Steps = Features = 0;
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

    /// <summary>A sequence of <paramref name="steps"/> timesteps of <paramref name="features"/> features each (T, F).</summary>
    public static Shape Sequence(int steps, int features)
    {
        if (steps < 1 || features < 1)
            throw new NeuralPSException(ErrorIds.InvalidInputShape, ErrorKind.InvalidArgument,
                $"A sequence shape needs at least one timestep and one feature; {steps},{features} was given.", new[] { steps, features });
        long size = (long)steps * features;
        if (size > int.MaxValue / 2)
            throw new NeuralPSException(ErrorIds.InvalidInputShape, ErrorKind.InvalidArgument,
                $"A sequence of {steps}x{features} values is too large for one row: use shorter windows.", new[] { steps, features });
        return new Shape((int)size) { Steps = steps, Features = features };
    }

    /// <summary>
    /// The shape from a list of dimensions: one (a flat row), two (T, F: a sequence) or three (C, H, W), as
    /// <c>New-Network -InputShape</c> and <c>Dataset.Shape</c> give them.
    /// </summary>
    public static Shape From(IReadOnlyList<int> dimensions) => dimensions.Count switch
    {
        1 => new Shape(dimensions[0]),
        2 => Sequence(dimensions[0], dimensions[1]),
        3 => new Shape(dimensions[0], dimensions[1], dimensions[2]),
        _ => throw new NeuralPSException(ErrorIds.InvalidInputShape, ErrorKind.InvalidArgument,
            $"An input shape is one number (features), two (timesteps, features) or three (channels, height, width); {dimensions.Count} were given ({string.Join(",", dimensions)}).", dimensions),
    };

    /// <summary>Values in one example.</summary>
    public int Size { get; }

    /// <summary>Image channels C (0 for a flat row).</summary>
    public int Channels { get; }

    /// <summary>Image height H (0 for a flat row).</summary>
    public int Height { get; }

    /// <summary>Image width W (0 for a flat row).</summary>
    public int Width { get; }

    /// <summary>Timesteps T of a sequence (0 otherwise).</summary>
    public int Steps { get; private init; }

    /// <summary>Features F at each timestep of a sequence (0 otherwise).</summary>
    public int Features { get; private init; }

    /// <summary>True for an image (C, H, W).</summary>
    public bool IsImage => Height > 0;

    /// <summary>True for a sequence (T, F).</summary>
    public bool IsSequence => Steps > 0;

    /// <summary>True for a flat row of features (neither an image nor a sequence).</summary>
    public bool IsFlat => !IsImage && !IsSequence;

    /// <summary>The dimensions: [Size] for a row, [T, F] for a sequence, [C, H, W] for an image.</summary>
    public int[] Dimensions => IsImage ? new[] { Channels, Height, Width } : IsSequence ? new[] { Steps, Features } : new[] { Size };

    /// <summary>
    /// Keras's notation, with None for the batch: (None, 64), (None, 48, 8) for a sequence (T, F), or (None, 32, 28, 28)
    /// for an image (C, H, W).
    /// </summary>
    public override string ToString() => $"(None, {string.Join(", ", Dimensions)})";
}
