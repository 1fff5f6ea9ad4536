using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using NeuralPS.Core.Data;

namespace NeuralPS.Core.Serialization;

/// <summary>
/// A dataset as one byte array, to send it whole to another process (a PSSession of a sweep): PowerShell remoting
/// turns a float[] into an ArrayList of boxed numbers, slowly, but carries a byte[] as it is.
/// <code>
/// offset 0   8 bytes   magic 89 'N' 'P' 'S' 'D' 0D 0A 1A
///        8   uint32    format number (little-endian), <see cref="FormatVersion"/>
///       12   int32     JSON metadata length J, then J bytes of UTF-8 JSON (sizes, task, names, encoding, row shape)
///   16 + J   int32 count + float32 values of the features, then the same for the targets (little-endian), then,
///            when the metadata says HasWeights (format 2), the same for the row weights
///      end   32 bytes  SHA-256 of everything before it
/// </code>
/// </summary>
public static class DatasetBytes
{
    /// <summary>The format this version writes and reads.</summary>
    public const int FormatVersion = 2;

    // Format 1 had no row weights; its bytes still read (as a dataset without weights).
    private const int OldestReadable = 1;

    private static readonly byte[] Magic = { 0x89, (byte)'N', (byte)'P', (byte)'S', (byte)'D', 0x0D, 0x0A, 0x1A };
    private const int ChecksumLength = 32;

    /// <summary>The bytes of <paramref name="data"/>: its numbers, names, task and encoding.</summary>
    public static byte[] ToBytes(Dataset data)
    {
        var meta = new DatasetMetadata
        {
            Name = data.Name,
            FeatureCount = data.FeatureCount,
            TargetWidth = data.TargetWidth,
            Task = data.Task,
            FeatureNames = data.FeatureNames,
            ClassNames = data.ClassNames,
            LabelName = data.LabelName,
            Encoding = data.Encoding,
            Shape = data.Shape,
            HasWeights = data.Weights is not null,
            WeightName = data.WeightName,
            Series = data.Series,
        };
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(meta, ModelFile.Json);
        long length = Magic.Length + 4 + 4 + json.Length + 4 + 4L * data.Features.Length + 4 + 4L * data.Targets.Length +
            (data.Weights is null ? 0 : 4 + 4L * data.Weights.Length) + ChecksumLength;
        if (length > Array.MaxLength)
            throw new NeuralPSException(ErrorIds.DatasetTooLarge, ErrorKind.InvalidArgument,
                $"The dataset '{data.Name}' ({data.Rows} rows × {data.FeatureCount} features) is too large to send as one array. Send a smaller part, or store it where the other machine can read it.", data);
        var bytes = new byte[length];
        Magic.CopyTo(bytes, 0);
        int at = Magic.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), FormatVersion); at += 4;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), json.Length); at += 4;
        json.CopyTo(bytes, at); at += json.Length;
        at = WriteFloats(bytes, at, data.Features);
        at = WriteFloats(bytes, at, data.Targets);
        if (data.Weights is not null) at = WriteFloats(bytes, at, data.Weights);
        SHA256.HashData(bytes.AsSpan(0, at), bytes.AsSpan(at, ChecksumLength));
        return bytes;
    }

    /// <summary>The dataset in bytes written by <see cref="ToBytes"/>; anything else is refused with <c>InvalidData</c>.</summary>
    public static Dataset FromBytes(byte[] bytes)
    {
        if (bytes.Length < Magic.Length + 8 + ChecksumLength || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw Invalid("they do not start with the dataset signature");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(Magic.Length));
        if (version is < OldestReadable or > FormatVersion)
            throw Invalid($"they have format {version}, and this NeuralPS reads formats {OldestReadable} to {FormatVersion} (use the same NeuralPS version on both sides)");
        int body = bytes.Length - ChecksumLength;
        Span<byte> hash = stackalloc byte[ChecksumLength];
        SHA256.HashData(bytes.AsSpan(0, body), hash);
        if (!hash.SequenceEqual(bytes.AsSpan(body))) throw Invalid("their checksum does not match (they were changed or cut short on the way)");
        try
        {
            int at = Magic.Length + 4;
            int jsonLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at)); at += 4;
            DatasetMetadata meta = JsonSerializer.Deserialize<DatasetMetadata>(bytes.AsSpan(at, jsonLength), ModelFile.Json)
                ?? throw Invalid("their metadata is empty");
            at += jsonLength;
            float[] features = ReadFloats(bytes, ref at, body);
            float[] targets = ReadFloats(bytes, ref at, body);
            float[]? weights = meta.HasWeights ? ReadFloats(bytes, ref at, body) : null;
            if (at != body) throw Invalid($"they have bytes after the {(weights is null ? "targets" : "weights")}");
            // The constructor checks shapes and values again, as for any other dataset.
            return new Dataset(features, meta.FeatureCount, targets, meta.TargetWidth, meta.Task, meta.FeatureNames, meta.ClassNames, meta.Name, meta.LabelName)
            {
                Encoding = meta.Encoding,
                Shape = meta.Shape,
                Weights = weights,
                WeightName = meta.WeightName,
                Series = meta.Series,
            };
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw Invalid($"their metadata cannot be read ({e.Message})");
        }
    }

    private static int WriteFloats(byte[] bytes, int at, float[] values)
    {
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), values.Length); at += 4;
        Span<byte> target = bytes.AsSpan(at, 4 * values.Length);
        if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(target);
        else for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(target[(4 * i)..], values[i]);
        return at + 4 * values.Length;
    }

    private static float[] ReadFloats(byte[] bytes, ref int at, int end)
    {
        if (end - at < 4) throw Invalid("they end before a block of numbers");
        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at)); at += 4;
        if (count < 0 || count > (end - at) / 4) throw Invalid($"a block claims {count} numbers, more than they hold");
        var values = new float[count];
        ReadOnlySpan<byte> source = bytes.AsSpan(at, 4 * count);
        if (BitConverter.IsLittleEndian) source.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        else for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
        at += 4 * count;
        return values;
    }

    private static NeuralPSException Invalid(string why) =>
        new(ErrorIds.InvalidData, ErrorKind.InvalidData, $"The bytes cannot be read as a NeuralPS dataset: {why}.");

    /// <summary>The JSON part: everything but the numbers.</summary>
    private sealed class DatasetMetadata
    {
        public string Name { get; set; } = "dataset";
        public int FeatureCount { get; set; }
        public int TargetWidth { get; set; }
        public DatasetTask Task { get; set; }
        public string[]? FeatureNames { get; set; }
        public string[]? ClassNames { get; set; }
        public string? LabelName { get; set; }
        public FeatureEncoding? Encoding { get; set; }
        public int[]? Shape { get; set; }
        public bool HasWeights { get; set; }
        public string? WeightName { get; set; }
        public SeriesEncoding? Series { get; set; }
    }
}
