namespace NeuralPS.Core.Layers;

/// <summary>
/// The shape of one example as it flows from layer to layer. Today a row of <see cref="Size"/> features; images
/// (C, H, W) and sequences (T, F) will add dimensions here, while the buffers stay flat and row-major (a row holds
/// <see cref="Size"/> values), so layers already infer shapes through this type rather than bare widths.
/// </summary>
public readonly record struct Shape(int Size)
{
    /// <summary>Keras's notation, with None for the batch: (None, 64).</summary>
    public override string ToString() => $"(None, {Size})";
}
