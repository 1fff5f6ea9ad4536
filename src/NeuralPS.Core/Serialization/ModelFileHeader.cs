using System.Buffers.Binary;

namespace NeuralPS.Core.Serialization;

/// <summary>
/// The first line of defence of <see cref="ModelFile"/>: its 20-byte header (signature, format number, payload
/// length) checked before the rest of a file is read, so that a foreign file (a 1 GB random file, <c>/dev/zero</c>),
/// a folder or a header with a damaged length is refused in microseconds, having read 20 bytes and allocated nothing
/// in proportion to what the file claims.
/// </summary>
internal static class ModelFileHeader
{
    /// <summary>
    /// Format numbers go up by one when the format changes; a number past this one is not a newer format but damage
    /// (a flipped high byte makes format 1 read as 117,440,513).
    /// </summary>
    private const uint PlausibleFormats = 1000;

    /// <summary>The bytes of the model file at <paramref name="path"/> (a full path), its header checked first.</summary>
    public static byte[] ReadFile(string path)
    {
        if (Directory.Exists(path))
            throw new NeuralPSException("PathIsFolder", ErrorKind.InvalidArgument,
                $"'{path}' is a folder, not a model file. Give the path of a model file in it (Get-ChildItem -Filter *{ModelFile.Extension} lists them).", path);
        if (!File.Exists(path))
            throw new NeuralPSException("FileNotFound", ErrorKind.NotFound, $"Cannot find the model file '{path}'.", path);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            var header = new byte[ModelFile.HeaderLength];
            int read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            // Devices and pipes (/dev/zero) have no length; their header alone decides, and the rest is read only as it comes.
            long? length = stream.CanSeek ? stream.Length : null;
            long total = Check(header.AsSpan(0, read), length, path);
            if (total < 0) return ReadForeign(stream, header, read, length, path);
            if (length is not null)
            {
                var bytes = new byte[total];
                header.CopyTo(bytes, 0);
                stream.ReadExactly(bytes, header.Length, bytes.Length - header.Length);
                return bytes;
            }
            return ReadUnseekable(stream, header, total, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NeuralPSException("ModelFileReadFailed", ErrorKind.InvalidOperation, $"Cannot read '{path}': {e.Message}", path, e);
        }
    }

    /// <summary>
    /// Checks a model file's header (its first bytes, up to <see cref="ModelFile.HeaderLength"/>) against the file's
    /// length when known; returns the file's whole length as the header states it, or -1 for a file without the
    /// signature that may be an ONNX model (which <see cref="ModelFile.FromBytes"/> recognizes, to say so).
    /// </summary>
    public static long Check(ReadOnlySpan<byte> header, long? fileLength, string source)
    {
        ReadOnlySpan<byte> magic = ModelFile.Magic;
        if (header.Length < magic.Length || !header[..magic.Length].SequenceEqual(magic))
        {
            if (MayBeOnnx(header) || source.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) return -1;
            throw ModelFile.Corrupt(source, "it is not a NeuralPS model file (its first bytes are not the model file's signature)");
        }
        if (header.Length < ModelFile.HeaderLength)
            throw ModelFile.Corrupt(source, $"it is truncated ({fileLength ?? header.Length} bytes, not even a whole header)");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (version > PlausibleFormats)
            throw ModelFile.Corrupt(source, $"its format number ({version}) is not one any NeuralPS writes, so its header is damaged");
        long payload = BinaryPrimitives.ReadInt64LittleEndian(header[12..]);
        long most = Array.MaxLength - ModelFile.HeaderLength - ModelFile.ChecksumLength;
        if (payload < 0 || payload > most)
            throw ModelFile.Corrupt(source, $"its header states a length of {payload} bytes, which no model file has");
        long total = ModelFile.HeaderLength + payload + ModelFile.ChecksumLength;
        if (fileLength is long actual && actual != total)
            throw ModelFile.Corrupt(source, actual < total
                ? $"it is truncated ({actual} bytes of {total})"
                : $"its length ({actual} bytes) does not match its header");
        return total;
    }

    /// <summary>
    /// True when the first bytes can start an ONNX ModelProto: field 1 (ir_version, a small varint), then the tag of
    /// another field. One random file in about 60,000 passes, and is then read whole to be told apart.
    /// </summary>
    private static bool MayBeOnnx(ReadOnlySpan<byte> header) =>
        header.Length >= 3 && header[0] == 0x08 && header[1] is >= 1 and <= 0x20 && (header[2] & 7) is 0 or 2 && (header[2] >> 3) is >= 2 and <= 20;

    /// <summary>
    /// A file without the signature that may be an ONNX model: read whole when it has a length one buffer holds, for
    /// <see cref="ModelFile.FromBytes"/> to tell an ONNX model (OnnxImportNotSupported) from anything else.
    /// </summary>
    private static byte[] ReadForeign(Stream stream, byte[] header, int read, long? length, string path)
    {
        if (length is not long total || total > Array.MaxLength)
            throw ModelFile.Corrupt(path, "it is not a NeuralPS model file (its first bytes are not the model file's signature)");
        var bytes = new byte[total];
        header.AsSpan(0, read).CopyTo(bytes);
        stream.ReadExactly(bytes, read, bytes.Length - read);
        return bytes;
    }

    /// <summary>The rest of a file without a length, held only as far as it really goes (never past the stated length).</summary>
    private static byte[] ReadUnseekable(Stream stream, byte[] header, long total, string path)
    {
        var bytes = new MemoryStream();
        bytes.Write(header);
        var buffer = new byte[81920];
        while (true)
        {
            int want = (int)Math.Min(buffer.Length, total + 1 - bytes.Length); // one byte past the end shows extra bytes
            int n = want > 0 ? stream.Read(buffer, 0, want) : 0;
            if (n == 0) break;
            bytes.Write(buffer, 0, n);
        }
        if (bytes.Length != total)
            throw ModelFile.Corrupt(path, bytes.Length < total
                ? $"it is truncated ({bytes.Length} bytes of {total})"
                : $"it goes on past the {total} bytes its header states");
        return bytes.ToArray();
    }
}
