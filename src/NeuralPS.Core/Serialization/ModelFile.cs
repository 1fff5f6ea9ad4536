using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;

namespace NeuralPS.Core.Serialization;

/// <summary>
/// The NeuralPS model file: everything needed to predict with a network and to go on training it exactly where it
/// stopped (architecture, weights, layer state, optimizer settings and state, random streams, encoding, class and
/// feature names, history).
/// <code>
/// offset 0   8 bytes   magic 89 'N' 'P' 'S' 'M' 0D 0A 1A (PNG-style: catches text-mode transfers)
///        8   uint32    format number (little-endian), <see cref="FormatVersion"/>
///       12   int64     payload length P
///       20   P bytes   payload: int32 length + UTF-8 JSON metadata, then int32 count of float blocks,
///                      each int32 length + little-endian float32 values (parameters, layer states, optimizer buffers)
///   20 + P   32 bytes  SHA-256 of the payload
/// </code>
/// Any file that is not exactly this is refused with <c>ModelFileCorrupt</c> (or <c>ModelFileVersion</c> for a
/// format this version does not know), never with a crash.
/// </summary>
public static class ModelFile
{
    /// <summary>The format this version writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The usual file extension.</summary>
    public const string Extension = ".npsm";

    private static readonly byte[] Magic = { 0x89, (byte)'N', (byte)'P', (byte)'S', (byte)'M', 0x0D, 0x0A, 0x1A };
    private const int HeaderLength = 20, ChecksumLength = 32;

    internal static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// Writes <paramref name="network"/> to <paramref name="path"/>: to a temporary file beside it first, then renamed
    /// over it, so that a crash never leaves a half-written model in place of the previous one.
    /// </summary>
    public static void Write(Network network, string path, bool overwrite = false)
    {
        network.EnsureReady();
        string full = AtomicFile.CheckWritable(path, "model");
        if (!overwrite && File.Exists(full))
            throw new NeuralPSException(ErrorIds.ModelFileExists, ErrorKind.InvalidOperation,
                $"'{full}' already exists. Use -Force to overwrite it, or choose another path.", full);
        AtomicFile.WriteAllBytes(full, ToBytes(network), "model");
    }

    /// <summary>Reads a network written by <see cref="Write"/>.</summary>
    public static Network Read(string path)
    {
        path = Path.GetFullPath(path);
        if (!File.Exists(path))
            throw new NeuralPSException(ErrorIds.FileNotFound, ErrorKind.NotFound, $"Cannot find the model file '{path}'.", path);
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NeuralPSException(ErrorIds.ModelFileReadFailed, ErrorKind.InvalidOperation, $"Cannot read '{path}': {e.Message}", path, e);
        }
        return FromBytes(bytes, path);
    }

    /// <summary>The file's bytes for a network.</summary>
    public static byte[] ToBytes(Network network)
    {
        Optimizer? optimizer = network.Optimizer;
        float[][] optimizerBuffers = optimizer?.StateBuffers ?? Array.Empty<float[]>();
        var meta = new ModelMetadata
        {
            Writer = $"NeuralPS {typeof(ModelFile).Assembly.GetName().Version}",
            Name = network.Name,
            InputSize = network.InputSize,
            Seed = network.Seed,
            LossOverride = network.LossOverride,
            Optimizer = network.OptimizerSettings,
            OptimizerState = optimizer is null ? null : new OptimizerState { StepCount = optimizer.StepCount, Buffers = optimizerBuffers.Length },
            Layers = network.Layers.Select(LayerSpec.From).ToArray(),
            FeatureNames = network.FeatureNames,
            ClassNames = network.ClassNames,
            Encoding = network.FeatureEncoding,
            History = network.History.ToArray(),
            TrainingRandom = network.TrainingRandom.GetState(),
            DropoutRandom = network.DropoutRandom.GetState(),
        };
        var blocks = new List<float[]> { network.Parameters };
        blocks.AddRange(network.Layers.Select(l => l.State));
        blocks.AddRange(optimizerBuffers);

        byte[] json = JsonSerializer.SerializeToUtf8Bytes(meta, Json);
        long payloadLength = 4 + json.Length + 4 + blocks.Sum(b => 4 + 4L * b.Length);
        var bytes = new byte[HeaderLength + payloadLength + ChecksumLength];
        Magic.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(12), payloadLength);
        int at = HeaderLength;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), json.Length); at += 4;
        json.CopyTo(bytes, at); at += json.Length;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), blocks.Count); at += 4;
        foreach (float[] block in blocks)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), block.Length); at += 4;
            Span<byte> target = bytes.AsSpan(at, 4 * block.Length);
            if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(block.AsSpan()).CopyTo(target);
            else for (int i = 0; i < block.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(target[(4 * i)..], block[i]);
            at += 4 * block.Length;
        }
        SHA256.HashData(bytes.AsSpan(HeaderLength, (int)payloadLength), bytes.AsSpan(at, ChecksumLength));
        return bytes;
    }

    /// <summary>A network from a file's bytes; <paramref name="source"/> names the file in messages.</summary>
    public static Network FromBytes(byte[] bytes, string source = "the model file")
    {
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw Corrupt(source, "it is not a NeuralPS model file (its first bytes are not the model file's signature)");
        if (bytes.Length < HeaderLength + ChecksumLength)
            throw Corrupt(source, $"it is truncated ({bytes.Length} bytes, not even a whole header)");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (version != FormatVersion)
            throw new NeuralPSException(ErrorIds.ModelFileVersion, ErrorKind.InvalidFile,
                version > FormatVersion
                    ? $"'{source}' has model format {version}, newer than this NeuralPS reads (format {FormatVersion}). Update NeuralPS to read it."
                    : $"'{source}' has model format {version}, which no NeuralPS ever wrote (this one reads format {FormatVersion}). The file is damaged.",
                source);
        long payloadLength = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(12));
        long expected = HeaderLength + payloadLength + ChecksumLength;
        if (payloadLength < 0 || expected != bytes.Length)
            throw Corrupt(source, payloadLength >= 0 && expected > bytes.Length
                ? $"it is truncated ({bytes.Length} bytes of {expected})"
                : $"its length ({bytes.Length} bytes) does not match its header");
        ReadOnlySpan<byte> payload = bytes.AsSpan(HeaderLength, (int)payloadLength);
        Span<byte> hash = stackalloc byte[ChecksumLength];
        SHA256.HashData(payload, hash);
        if (!hash.SequenceEqual(bytes.AsSpan(HeaderLength + (int)payloadLength, ChecksumLength)))
            throw Corrupt(source, "its checksum does not match its contents (the file was changed or damaged after it was written)");
        try
        {
            return Restore(payload, source);
        }
        catch (Exception e) when (e is not NeuralPSException { ErrorId: ErrorIds.ModelFileCorrupt })
        {
            // The checksum matched, so the writer itself produced something this reader cannot rebuild.
            throw Corrupt(source, $"its contents cannot be rebuilt into a network ({e.Message})", e);
        }
    }

    private static Network Restore(ReadOnlySpan<byte> payload, string source)
    {
        var reader = new PayloadReader(payload, source);
        int jsonLength = reader.Int32();
        ModelMetadata meta = JsonSerializer.Deserialize<ModelMetadata>(reader.Bytes(jsonLength), Json)
            ?? throw Corrupt(source, "its metadata is empty");
        int blockCount = reader.Int32();
        if (blockCount < 1 || blockCount > 1 + meta.Layers.Length + (meta.OptimizerState?.Buffers ?? 0))
            throw Corrupt(source, $"it holds {blockCount} blocks of numbers, which does not fit its {meta.Layers.Length} layers");
        var blocks = new float[blockCount][];
        for (int i = 0; i < blockCount; i++) blocks[i] = reader.Floats(reader.Int32());
        if (!reader.AtEnd) throw Corrupt(source, "it has bytes after its last block");

        var network = new Network(meta.InputSize, meta.Name, meta.Seed)
        {
            LossOverride = meta.LossOverride,
            FeatureNames = meta.FeatureNames,
            ClassNames = meta.ClassNames,
            FeatureEncoding = meta.Encoding,
        };
        foreach (LayerSpec layer in meta.Layers) network.Add(layer.Create());
        network.SetParameters(blocks[0]);
        for (int i = 0; i < meta.Layers.Length; i++)
        {
            Layer layer = network.Layers[i];
            float[] state = 1 + i < blocks.Length ? blocks[1 + i] : throw Corrupt(source, $"layer {i + 1}'s state is missing");
            if (state.Length != layer.State.Length)
                throw Corrupt(source, $"layer {i + 1} ({layer.Kind}) has {state.Length} state values instead of {layer.State.Length}");
            state.CopyTo(layer.State, 0);
            if (layer is NormalizationLayer normalization) normalization.IsAdapted = meta.Layers[i].IsAdapted;
        }
        network.OptimizerSettings = meta.Optimizer ?? new OptimizerSettings();
        if (meta.OptimizerState is OptimizerState saved)
        {
            Optimizer optimizer = Optimizer.Create(network.OptimizerSettings, network.ParameterCount);
            float[][] buffers = optimizer.StateBuffers;
            if (saved.Buffers != buffers.Length || blocks.Length != 1 + meta.Layers.Length + buffers.Length)
                throw Corrupt(source, $"its optimizer state has {saved.Buffers} buffers where {network.OptimizerSettings.Kind} keeps {buffers.Length}");
            for (int b = 0; b < buffers.Length; b++)
            {
                float[] values = blocks[1 + meta.Layers.Length + b];
                if (values.Length != buffers[b].Length)
                    throw Corrupt(source, $"optimizer buffer {b + 1} has {values.Length} values instead of {buffers[b].Length}");
                values.CopyTo(buffers[b], 0);
            }
            optimizer.RestoreStepCount(saved.StepCount);
            network.Optimizer = optimizer;
        }
        network.TrainingRandom = new RandomSource(meta.TrainingRandom);
        network.DropoutRandom = new RandomSource(meta.DropoutRandom);
        network.History.AddRange(meta.History);
        if (network.FeatureEncoding is FeatureEncoding encoding && encoding.FeatureCount != network.InputSize)
            throw Corrupt(source, $"its encoding makes {encoding.FeatureCount} features for a network of {network.InputSize} inputs");
        return network;
    }

    private static NeuralPSException Corrupt(string source, string why, Exception? inner = null) =>
        new(ErrorIds.ModelFileCorrupt, ErrorKind.InvalidFile,
            $"'{source}' cannot be read as a NeuralPS model: {why}. Export the network again, or restore the file from a copy.", source, inner);

    /// <summary>Reads the payload with every length checked against what is left, so no damaged length allocates or overruns.</summary>
    private ref struct PayloadReader
    {
        private readonly ReadOnlySpan<byte> _data;
        private readonly string _source;
        private int _at;

        public PayloadReader(ReadOnlySpan<byte> data, string source)
        {
            _data = data;
            _source = source;
            _at = 0;
        }

        public readonly bool AtEnd => _at == _data.Length;

        public int Int32()
        {
            Need(4);
            int value = BinaryPrimitives.ReadInt32LittleEndian(_data[_at..]);
            _at += 4;
            return value;
        }

        public ReadOnlySpan<byte> Bytes(int count)
        {
            Need(count);
            ReadOnlySpan<byte> bytes = _data.Slice(_at, count);
            _at += count;
            return bytes;
        }

        public float[] Floats(int count)
        {
            if (count < 0 || count > (_data.Length - _at) / 4) throw Corrupt(_source, $"a block claims {count} values, more than the file holds");
            var values = new float[count];
            ReadOnlySpan<byte> bytes = Bytes(4 * count);
            if (BitConverter.IsLittleEndian) bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            else for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
            return values;
        }

        private readonly void Need(int count)
        {
            if (count < 0 || count > _data.Length - _at) throw Corrupt(_source, "a length inside it points past its end");
        }
    }
}

/// <summary>The JSON part of a model file.</summary>
internal sealed class ModelMetadata
{
    public string Writer { get; set; } = "";
    public string Name { get; set; } = "network";
    public int InputSize { get; set; }
    public long Seed { get; set; }
    public LossKind? LossOverride { get; set; }
    public OptimizerSettings? Optimizer { get; set; }
    public OptimizerState? OptimizerState { get; set; }
    public LayerSpec[] Layers { get; set; } = Array.Empty<LayerSpec>();
    public string[]? FeatureNames { get; set; }
    public string[]? ClassNames { get; set; }
    public FeatureEncoding? Encoding { get; set; }
    public EpochResult[] History { get; set; } = Array.Empty<EpochResult>();
    public ulong[] TrainingRandom { get; set; } = Array.Empty<ulong>();
    public ulong[] DropoutRandom { get; set; } = Array.Empty<ulong>();
}

/// <summary>Where the optimizer was: its step count and how many state buffers follow the layer states.</summary>
internal sealed class OptimizerState
{
    public long StepCount { get; set; }
    public int Buffers { get; set; }
}

/// <summary>A layer's kind and settings: enough to rebuild it (its numbers are in the float blocks).</summary>
internal sealed class LayerSpec
{
    public string Kind { get; set; } = "";
    public int Units { get; set; }
    public Activation Activation { get; set; }
    public Initializer Initializer { get; set; }
    public float L1 { get; set; }
    public float L2 { get; set; }
    public float Rate { get; set; }
    public float Momentum { get; set; }
    public float Epsilon { get; set; }
    public bool IsAdapted { get; set; }

    public static LayerSpec From(Layer layer) => layer switch
    {
        DenseLayer d => new LayerSpec { Kind = d.Kind, Units = d.Units, Activation = d.Activation, Initializer = d.Initializer, L1 = d.L1, L2 = d.L2 },
        DropoutLayer d => new LayerSpec { Kind = d.Kind, Units = d.OutputSize, Rate = d.Rate },
        BatchNormLayer b => new LayerSpec { Kind = b.Kind, Units = b.OutputSize, Activation = b.Activation, Momentum = b.Momentum, Epsilon = b.Epsilon },
        NormalizationLayer n => new LayerSpec { Kind = n.Kind, Units = n.OutputSize, IsAdapted = n.IsAdapted },
        _ => throw new NeuralPSException(ErrorIds.UnsupportedLayer, ErrorKind.InvalidOperation, $"A {layer.Kind} layer cannot be saved in a model file yet.", layer),
    };

    public Layer Create() => Kind switch
    {
        "Dense" => new DenseLayer(Units, Activation, Initializer, L1, L2),
        "Dropout" => new DropoutLayer(Rate),
        "BatchNorm" => new BatchNormLayer(Activation, Momentum, Epsilon),
        "Normalization" => new NormalizationLayer(),
        _ => throw new InvalidDataException($"unknown layer kind '{Kind}'"),
    };
}
