using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;

namespace NeuralPS.Core.Serialization;

/// <summary>
/// The NeuralPS model file: everything needed to predict with a network and to go on training it exactly where it
/// stopped: the model (architecture, weights, layer state, encoding, class and feature names, history) and, as one
/// section, its training state (the optimizer's configuration and state, schedule position included, and the random
/// streams).
/// <code>
/// offset 0   8 bytes   magic 89 'N' 'P' 'S' 'M' 0D 0A 1A (PNG-style: catches text-mode transfers)
///        8   uint32    format number (little-endian), <see cref="FormatVersion"/>
///       12   int64     payload length P
///       20   P bytes   payload: int32 length + UTF-8 JSON metadata, then int32 count of float blocks,
///                      each int32 length + little-endian float32 values (parameters, layer states, optimizer buffers)
///                      Format 2 keeps the training state in the metadata's "Training" section; format 1 (read, never
///                      written) had the optimizer and random streams at the top level and no schedule position.
///   20 + P   32 bytes  SHA-256 of the payload
/// </code>
/// Any file that is not exactly this is refused with <c>ModelFileCorrupt</c> (or <c>ModelFileVersion</c> for a
/// format this version does not know), never with a crash.
/// </summary>
public static class ModelFile
{
    /// <summary>The format this version writes.</summary>
    public const int FormatVersion = 2;

    /// <summary>The oldest format this version reads.</summary>
    public const int OldestFormatVersion = 1;

    /// <summary>The usual file extension.</summary>
    public const string Extension = ".npsm";

    internal static readonly byte[] Magic = { 0x89, (byte)'N', (byte)'P', (byte)'S', (byte)'M', 0x0D, 0x0A, 0x1A };
    internal const int HeaderLength = 20, ChecksumLength = 32;

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
        return FromBytes(ModelFileHeader.ReadFile(path), path); // the header is checked before the rest is read
    }

    /// <summary>The file's bytes for a network.</summary>
    public static byte[] ToBytes(Network network)
    {
        TrainingState training = TrainingState.Of(network);
        Optimizer? optimizer = training.Optimizer;
        float[][] optimizerBuffers = optimizer?.StateBuffers ?? Array.Empty<float[]>();
        var meta = new ModelMetadata
        {
            Writer = $"NeuralPS {typeof(ModelFile).Assembly.GetName().Version}",
            Name = network.Name,
            InputSize = network.InputSize,
            InputShape = network.InputShape.IsFlat ? null : network.InputShape.Dimensions,
            Seed = network.Seed,
            LossOverride = network.LossOverride,
            Layers = network.Layers.Select(LayerRegistry.Save).ToArray(),
            FeatureNames = network.FeatureNames,
            ClassNames = network.ClassNames,
            Encoding = network.FeatureEncoding,
            InputMean = network.InputMean,
            ImageFormat = network.ImageFormat,
            Series = network.Series,
            History = network.History.ToArray(),
            Training = new TrainingSection
            {
                Optimizer = training.OptimizerSettings,
                OptimizerState = optimizer is null ? null : new OptimizerState
                {
                    StepCount = optimizer.StepCount, Schedule = optimizer.Schedule.Position, Buffers = optimizerBuffers.Length,
                },
                TrainingRandom = training.TrainingRandom.GetState(),
                DropoutRandom = training.DropoutRandom.GetState(),
            },
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
        ModelFileHeader.Check(bytes.AsSpan(0, Math.Min(bytes.Length, HeaderLength)), bytes.Length, source);
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            // An ONNX model, whatever its name, is imported; a .onnx file that is not one is damaged.
            if (Onnx.OnnxImporter.TryParse(bytes) is { } onnx) return Onnx.OnnxImporter.FromModel(onnx, source);
            if (source.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
                throw Onnx.OnnxImporter.Corrupt(source, "its bytes are not an ONNX model (a ModelProto with an IR version and a graph)");
            throw Corrupt(source, "it is not a NeuralPS model file (its first bytes are not the model file's signature)");
        }
        if (bytes.Length < HeaderLength + ChecksumLength)
            throw Corrupt(source, $"it is truncated ({bytes.Length} bytes, not even a whole header)");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (version < OldestFormatVersion || version > FormatVersion)
            throw new NeuralPSException(ErrorIds.ModelFileVersion, ErrorKind.InvalidFile,
                version > FormatVersion
                    ? $"'{source}' has model format {version}, newer than this NeuralPS reads (formats {OldestFormatVersion} to {FormatVersion}). Update NeuralPS to read it."
                    : $"'{source}' has model format {version}, which no NeuralPS ever wrote (this one reads formats {OldestFormatVersion} to {FormatVersion}). The file is damaged.",
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
            return Restore(payload, (int)version, source);
        }
        catch (Exception e) when (e is not NeuralPSException { ErrorId: ErrorIds.ModelFileCorrupt })
        {
            // The checksum matched, so the writer itself produced something this reader cannot rebuild.
            throw Corrupt(source, $"its contents cannot be rebuilt into a network ({e.Message})", e);
        }
    }

    private static Network Restore(ReadOnlySpan<byte> payload, int version, string source)
    {
        var reader = new PayloadReader(payload, source);
        int jsonLength = reader.Int32();
        ModelMetadata meta = JsonSerializer.Deserialize<ModelMetadata>(reader.Bytes(jsonLength), Json)
            ?? throw Corrupt(source, "its metadata is empty");
        TrainingSection training = version >= 2
            ? meta.Training ?? throw Corrupt(source, "its training section is missing")
            : meta.TrainingOfFormat1();
        int blockCount = reader.Int32();
        if (blockCount < 1 || blockCount > 1 + meta.Layers.Length + (training.OptimizerState?.Buffers ?? 0))
            throw Corrupt(source, $"it holds {blockCount} blocks of numbers, which does not fit its {meta.Layers.Length} layers " +
                $"and the {training.OptimizerState?.Buffers ?? 0} optimizer buffers of its field 'Training.OptimizerState.Buffers'");
        var blocks = new float[blockCount][];
        for (int i = 0; i < blockCount; i++) blocks[i] = reader.Floats(reader.Int32());
        if (!reader.AtEnd) throw Corrupt(source, "it has bytes after its last block");
        Layer[] layers = ModelFileValidation.Check(meta, training, blocks, source); // before anything is built from it

        var network = new Network(ModelFileValidation.InputShapeOf(meta), meta.Name, meta.Seed)
        {
            LossOverride = meta.LossOverride,
            FeatureNames = meta.FeatureNames,
            ClassNames = meta.ClassNames,
            FeatureEncoding = meta.Encoding,
            InputMean = meta.InputMean,
            ImageFormat = meta.ImageFormat,
            Series = meta.Series,
        };
        foreach (Layer layer in layers) network.Add(layer);
        network.SetParameters(blocks[0]);
        for (int i = 0; i < meta.Layers.Length; i++)
        {
            Layer layer = network.Layers[i];
            float[] state = 1 + i < blocks.Length ? blocks[1 + i] : throw Corrupt(source, $"layer {i + 1}'s state is missing");
            if (state.Length != layer.State.Length)
                throw Corrupt(source, $"layer {i + 1} ({layer.Kind}) has {state.Length} state values instead of {layer.State.Length}");
            state.CopyTo(layer.State, 0);
        }
        network.History.AddRange(meta.History);
        RestoreTraining(network, training, blocks.AsSpan(1 + meta.Layers.Length), source);
        if (network.FeatureEncoding is FeatureEncoding encoding && encoding.FeatureCount != network.InputSize)
            throw Corrupt(source, $"its encoding makes {encoding.FeatureCount} features for a network of {network.InputSize} inputs");
        if (network.InputMean is float[] mean && mean.Length != network.InputSize)
            throw Corrupt(source, $"its input mean has {mean.Length} values for a network of {network.InputSize} inputs");
        if (network.ImageFormat is ImageFormat image && (image.Height < 1 || image.Width < 1 || image.FeatureCount != network.InputSize))
            throw Corrupt(source, $"its pictures of {image} make {image.FeatureCount} inputs for a network of {network.InputSize}");
        return network;
    }

    /// <summary>Puts the training section back: the optimizer (configuration, schedule position, step count, slots) and the random streams.</summary>
    private static void RestoreTraining(Network network, TrainingSection saved, ReadOnlySpan<float[]> buffers, string source)
    {
        TrainingState training = TrainingState.Of(network);
        training.OptimizerSettings = saved.Optimizer ?? new OptimizerSettings();
        if (saved.OptimizerState is OptimizerState state)
        {
            if (buffers.Length != state.Buffers)
                throw Corrupt(source, $"its optimizer state claims {state.Buffers} buffers but {buffers.Length} follow the layers");
            Optimizer optimizer = training.EnsureOptimizer();
            if (optimizer.RestoreBuffers(buffers.ToArray()) is string why)
                throw Corrupt(source, $"its optimizer state does not fit {training.OptimizerSettings.Kind}: {why}");
            optimizer.RestoreStepCount(state.StepCount);
            optimizer.RestoreSchedule(state.Schedule ?? new SchedulePosition
            {
                // Format 1 kept no position: its schedules counted the epochs of the history (the optimizer set before training).
                Epoch = network.History.Count,
                PlateauRate = training.OptimizerSettings.EffectiveLearningRate,
            });
        }
        else if (buffers.Length != 0) throw Corrupt(source, $"it holds {buffers.Length} optimizer buffers but no optimizer state");
        training.TrainingRandom = new RandomSource(saved.TrainingRandom);
        training.DropoutRandom = new RandomSource(saved.DropoutRandom);
    }

    internal static NeuralPSException Corrupt(string source, string why, Exception? inner = null) =>
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
    /// <summary>Optional (flat inputs and older files have none): T, F for sequence inputs, C, H, W for image inputs.</summary>
    public int[]? InputShape { get; set; }
    public long Seed { get; set; }
    public LossKind? LossOverride { get; set; }
    public JsonObject[] Layers { get; set; } = Array.Empty<JsonObject>(); // each layer's kind and settings (LayerRegistry)
    public string[]? FeatureNames { get; set; }
    public string[]? ClassNames { get; set; }
    public FeatureEncoding? Encoding { get; set; }
    /// <summary>Optional (older files have none): the mean of each input over the first training data.</summary>
    public float[]? InputMean { get; set; }
    /// <summary>Optional (older files have none): how picture files become inputs.</summary>
    public ImageFormat? ImageFormat { get; set; }
    /// <summary>Optional (networks not trained on windows, and older files, have none): how a window over a series is made.</summary>
    public SeriesEncoding? Series { get; set; }
    public EpochResult[] History { get; set; } = Array.Empty<EpochResult>();
    public TrainingSection? Training { get; set; }

    // Format 1 kept the training state at the top level; read, never written.
    public OptimizerSettings? Optimizer { get; set; }
    public OptimizerState? OptimizerState { get; set; }
    public ulong[]? TrainingRandom { get; set; }
    public ulong[]? DropoutRandom { get; set; }

    public TrainingSection TrainingOfFormat1() => new()
    {
        Optimizer = Optimizer,
        OptimizerState = OptimizerState,
        TrainingRandom = TrainingRandom ?? Array.Empty<ulong>(),
        DropoutRandom = DropoutRandom ?? Array.Empty<ulong>(),
    };
}

/// <summary>The training state: the optimizer's configuration and where it stands, and the random streams.</summary>
internal sealed class TrainingSection
{
    public OptimizerSettings? Optimizer { get; set; }
    public OptimizerState? OptimizerState { get; set; }
    public ulong[] TrainingRandom { get; set; } = Array.Empty<ulong>();
    public ulong[] DropoutRandom { get; set; } = Array.Empty<ulong>();
}

/// <summary>Where the optimizer was: its step count, its schedule's position and how many state buffers follow the layer states.</summary>
internal sealed class OptimizerState
{
    public long StepCount { get; set; }
    public SchedulePosition? Schedule { get; set; }
    public int Buffers { get; set; }
}
