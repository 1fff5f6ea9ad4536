using System.Text.Json.Serialization;

namespace NeuralPS.Core.Data;

/// <summary>The channels a picture is read with: one gray plane, or red, green and blue planes.</summary>
public enum ColorMode
{
    /// <summary>One channel: 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601), as libjpeg and Keras make gray.</summary>
    Grayscale,
    /// <summary>Three channels, red, green and blue (any alpha is dropped).</summary>
    Rgb,
}

/// <summary>
/// How a picture becomes a row of inputs: resized to <see cref="Height"/> × <see cref="Width"/>, read in
/// <see cref="ColorMode"/>, pixels scaled to [0, 1], laid out as C·H·W (one plane per channel, rows of pixels in
/// each). A network trained on pictures keeps it, so that Invoke-Prediction can read picture files for it.
/// </summary>
public sealed record ImageFormat(ColorMode ColorMode, int Height, int Width)
{
    /// <summary>1 for grayscale, 3 for RGB.</summary>
    [JsonIgnore]
    public int Channels => ColorMode == ColorMode.Rgb ? 3 : 1;

    /// <summary>The input shape C, H, W.</summary>
    [JsonIgnore]
    public int[] Shape => new[] { Channels, Height, Width };

    /// <summary>Number of inputs a picture becomes.</summary>
    [JsonIgnore]
    public int FeatureCount => Channels * Height * Width;

    /// <summary>The format of rows shaped C, H, W with one or three channels; null for any other shape.</summary>
    public static ImageFormat? FromShape(int[]? shape) => shape is [1 or 3, > 0, > 0]
        ? new ImageFormat(shape[0] == 3 ? ColorMode.Rgb : ColorMode.Grayscale, shape[1], shape[2])
        : null;

    /// <inheritdoc />
    public override string ToString() => $"{Height}×{Width} {ColorMode}";
}
