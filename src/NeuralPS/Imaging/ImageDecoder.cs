using NeuralPS.Core;
using NeuralPS.Core.Data;
using SkiaSharp;

namespace NeuralPS.Imaging;

/// <summary>
/// Reads picture files into rows of inputs with SkiaSharp (PNG, JPEG, BMP, GIF, WebP: the format is read from the
/// content, not the extension). A picture is decoded to 8-bit RGBA, resized bilinearly to the format's size when its
/// own differs (as Keras's image_dataset_from_directory does, without keeping the aspect ratio), made gray with the
/// BT.601 weights rounded to 8 bits when asked (as libjpeg and TensorFlow's decoders do), and scaled to [0, 1]; alpha
/// is dropped. The row is C·H·W: one plane per channel, each plane rows of pixels, so a PNG written from an IDX image
/// gives back the IDX reader's values bit for bit.
/// </summary>
/// <remarks>
/// This lives in the cmdlet assembly, not in NeuralPS.Core: SkiaSharp brings a native library per platform, which
/// the module resolves from its own runtimes folder (<see cref="NativeLibraries"/>), and the engine stays plain managed
/// code that the benchmark, the host and MPI ranks load without it.
/// </remarks>
internal static class ImageDecoder
{
    /// <summary>The extensions that mark a path given to Invoke-Prediction as a picture.</summary>
    public static readonly string[] Extensions = { ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp" };

    /// <summary>Whether <paramref name="path"/> ends with a picture extension.</summary>
    public static bool HasImageExtension(string path) =>
        Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>The width and height of the picture in <paramref name="path"/>, read from its header.</summary>
    public static (int Height, int Width) Size(string path)
    {
        using SKCodec codec = Open(path);
        return (codec.Info.Height, codec.Info.Width);
    }

    /// <summary>Decodes the picture in <paramref name="path"/> into <paramref name="row"/> (<see cref="ImageFormat.FeatureCount"/> values).</summary>
    public static void Decode(string path, ImageFormat format, Span<float> row)
    {
        if (row.Length < format.FeatureCount)
            throw new ArgumentException($"The row has room for {row.Length} values; {format.FeatureCount} are needed.", nameof(row));
        NativeLibraries.Register();
        using SKCodec codec = Open(path);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var decoded = new SKBitmap(info);
        SKCodecResult result = codec.GetPixels(info, decoded.GetPixels());
        if (result != SKCodecResult.Success)
            throw Invalid(path, result == SKCodecResult.IncompleteInput ? "the file is cut short" : $"SkiaSharp could not decode it ({result})");
        SKBitmap? resized = null;
        try
        {
            if (info.Width != format.Width || info.Height != format.Height)
            {
                resized = decoded.Resize(info.WithSize(format.Width, format.Height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None))
                    ?? throw Invalid(path, $"it could not be resized from {info.Height}×{info.Width} to {format.Height}×{format.Width}");
            }
            ToPlanes((resized ?? decoded).GetPixelSpan(), (resized ?? decoded).RowBytes, format, row);
        }
        finally
        {
            resized?.Dispose();
        }
    }

    /// <summary>RGBA pixels [H, W, 4] to planes [C, H, W] in [0, 1].</summary>
    private static void ToPlanes(ReadOnlySpan<byte> rgba, int rowBytes, ImageFormat format, Span<float> row)
    {
        int plane = format.Height * format.Width;
        for (int y = 0; y < format.Height; y++)
        {
            ReadOnlySpan<byte> line = rgba.Slice(y * rowBytes, 4 * format.Width);
            for (int x = 0; x < format.Width; x++)
            {
                int r = line[4 * x], g = line[4 * x + 1], b = line[4 * x + 2], i = y * format.Width + x;
                if (format.ColorMode == ColorMode.Grayscale)
                    row[i] = ((299 * r + 587 * g + 114 * b + 500) / 1000) / 255f; // a gray pixel (r = g = b) stays itself
                else
                {
                    row[i] = r / 255f;
                    row[plane + i] = g / 255f;
                    row[2 * plane + i] = b / 255f;
                }
            }
        }
    }

    private static SKCodec Open(string path)
    {
        NativeLibraries.Register();
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new NeuralPSException(ErrorIds.FileNotFound, ErrorKind.NotFound, $"Cannot find the picture '{path}'.", path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NeuralPSException(ErrorIds.ImageReadFailed, ErrorKind.InvalidFile, $"Cannot read the picture '{path}': {e.Message}", path, e);
        }
        using var data = SKData.CreateCopy(bytes);
        SKCodec? codec = SKCodec.Create(data);
        if (codec is null)
            throw Invalid(path, bytes.Length == 0 ? "the file is empty" : "it is not a picture SkiaSharp reads (PNG, JPEG, BMP, GIF or WebP)");
        if (codec.Info.Width < 1 || codec.Info.Height < 1)
        {
            codec.Dispose();
            throw Invalid(path, "it has no pixels");
        }
        return codec;
    }

    private static NeuralPSException Invalid(string path, string why) =>
        new(ErrorIds.InvalidImage, ErrorKind.InvalidFile, $"'{path}' cannot be read as a picture: {why}. Replace or remove the file.", path);
}
