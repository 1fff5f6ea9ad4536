using System.Buffers.Binary;
using System.IO.Compression;

namespace NeuralPS.Core.Data;

/// <summary>
/// Reads IDX files as MNIST and Fashion-MNIST ship them (gzipped or not): unsigned-byte images scaled to [0, 1]
/// and unsigned-byte labels.
/// </summary>
public static class IdxReader
{
    /// <summary>
    /// An image dataset with class labels; class names default to the digits 0–9. Images of two dimensions (rows ×
    /// columns, as MNIST's) keep their shape as 1, H, W: one channel.
    /// </summary>
    public static Dataset ReadDataset(string imagesPath, string labelsPath, string[]? classNames = null, string? name = null)
    {
        (float[] pixels, int rows, int width, int[] shape) = Read(imagesPath);
        byte[] labels = ReadLabels(labelsPath);
        if (labels.Length != rows)
            throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidData,
                $"'{imagesPath}' has {rows} images but '{labelsPath}' has {labels.Length} labels.", labelsPath);
        int classes = classNames?.Length ?? Math.Max(10, labels.Max() + 1);
        var targets = new float[rows];
        for (int i = 0; i < rows; i++) targets[i] = labels[i];
        string[] names = classNames ?? Enumerable.Range(0, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        string[] features = Enumerable.Range(0, width).Select(i => $"pixel{i}").ToArray();
        return new Dataset(pixels, width, targets, 1, DatasetTask.Classification, features, names,
            name ?? Path.GetFileNameWithoutExtension(imagesPath), "label")
        {
            Shape = shape.Length == 2 ? new[] { 1, shape[0], shape[1] } : null,
        };
    }

    /// <summary>Images as [rows, width] floats in [0, 1], width being the product of the image dimensions.</summary>
    public static (float[] Pixels, int Rows, int Width) ReadImages(string path)
    {
        (float[] pixels, int rows, int width, _) = Read(path);
        return (pixels, rows, width);
    }

    /// <summary>The images and the dimensions of one image.</summary>
    private static (float[] Pixels, int Rows, int Width, int[] Shape) Read(string path)
    {
        byte[] bytes = ReadAll(path);
        (int[] dims, int offset) = Header(bytes, path);
        if (dims.Length < 2)
            throw new NeuralPSException(ErrorIds.InvalidIdxFile, ErrorKind.InvalidFile, $"'{path}' holds labels, not images (one dimension).", path);
        int rows = dims[0];
        int width = 1;
        for (int i = 1; i < dims.Length; i++) width *= dims[i];
        long needed = offset + (long)rows * width;
        if (bytes.Length < needed)
            throw new NeuralPSException(ErrorIds.InvalidIdxFile, ErrorKind.InvalidFile, $"'{path}' is truncated: {bytes.Length} bytes, {needed} expected.", path);
        var pixels = new float[rows * width];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = bytes[offset + i] / 255f;
        return (pixels, rows, width, dims[1..]);
    }

    /// <summary>One label byte per row.</summary>
    public static byte[] ReadLabels(string path)
    {
        byte[] bytes = ReadAll(path);
        (int[] dims, int offset) = Header(bytes, path);
        if (dims.Length != 1)
            throw new NeuralPSException(ErrorIds.InvalidIdxFile, ErrorKind.InvalidFile, $"'{path}' is not a label file (it has {dims.Length} dimensions).", path);
        if (bytes.Length < offset + dims[0])
            throw new NeuralPSException(ErrorIds.InvalidIdxFile, ErrorKind.InvalidFile, $"'{path}' is truncated.", path);
        return bytes.AsSpan(offset, dims[0]).ToArray();
    }

    private static byte[] ReadAll(string path)
    {
        if (!File.Exists(path))
            throw new NeuralPSException(ErrorIds.FileNotFound, ErrorKind.NotFound, $"Cannot find the IDX file '{path}'.", path);
        using var file = File.OpenRead(path);
        bool gzip = file.Length > 2 && file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        using Stream input = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var memory = new MemoryStream();
        input.CopyTo(memory);
        return memory.ToArray();
    }

    private static (int[] Dims, int Offset) Header(byte[] bytes, string path)
    {
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08)
            throw new NeuralPSException(ErrorIds.InvalidIdxFile, ErrorKind.InvalidFile,
                $"'{path}' is not an IDX file of unsigned bytes (as MNIST ships them).", path);
        int count = bytes[3];
        if (count < 1 || bytes.Length < 4 + 4 * count)
            throw new NeuralPSException(ErrorIds.InvalidIdxFile, ErrorKind.InvalidFile, $"'{path}' has a damaged IDX header.", path);
        var dims = new int[count];
        for (int i = 0; i < count; i++) dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
        return (dims, 4 + 4 * count);
    }
}
