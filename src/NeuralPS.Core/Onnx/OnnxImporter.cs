using System.Text.Json;
using Google.Protobuf;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Onnx.Proto;

namespace NeuralPS.Core.Onnx;

/// <summary>
/// Reads an ONNX model of a feed-forward network — what PyTorch's torch.onnx.export and Keras's exporters (tf2onnx)
/// write for a multilayer perceptron, and what <see cref="OnnxExporter"/> writes — into a <see cref="Network"/> that
/// predicts what the model does and trains on from there (its loss follows from its output: softmax → categorical
/// cross-entropy, sigmoid → binary, otherwise MSE). <see cref="OnnxChainReader"/> says which graphs it reads.
/// What it cannot read is an error that names it: <c>OnnxUnsupportedOperator</c> listing the operators NeuralPS has
/// no layer for, <c>OnnxUnsupportedVersion</c> for an IR or operator-set version outside what it knows,
/// <c>OnnxUnsupportedModel</c> for a graph of known operators that is not a chain of NeuralPS layers, and
/// <c>ModelFileCorrupt</c> for bytes that are not a valid ONNX model.
/// </summary>
public static class OnnxImporter
{
    /// <summary>The oldest ONNX IR version read (ONNX 1.2, the first with operator-set versions).</summary>
    public const long OldestIrVersion = 3;

    /// <summary>The newest ONNX IR version read (ONNX 1.18 and 1.19).</summary>
    public const long NewestIrVersion = 11;

    /// <summary>The oldest version of the standard operator set read (Gemm, BatchNormalization and Dropout as today).</summary>
    public const long OldestOpset = 7;

    /// <summary>The newest version of the standard operator set read (ONNX 1.19).</summary>
    public const long NewestOpset = 23;

    /// <summary>The operators read as layers or as nothing; the activations' are <see cref="OnnxActivations.Operators"/>.</summary>
    private static readonly HashSet<string> LayerOperators = new(StringComparer.Ordinal)
    {
        "Gemm", "MatMul", "BatchNormalization", "Dropout", "Softmax", "Identity", "Flatten", "Reshape", "Constant",
    };

    /// <summary>
    /// The network in an ONNX model's bytes; <paramref name="source"/> names the model in messages (a full path gives
    /// the network the file's name when the model has none of its own).
    /// </summary>
    public static Network FromBytes(byte[] bytes, string source = "the ONNX model")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ModelProto model = TryParse(bytes)
            ?? throw Corrupt(source, "its bytes are not an ONNX model (a ModelProto with an IR version and a graph)");
        return FromModel(model, source);
    }

    /// <summary>The ModelProto in <paramref name="bytes"/>, or null when they are not one with an IR version and a graph.</summary>
    internal static ModelProto? TryParse(byte[] bytes)
    {
        try
        {
            ModelProto model = ModelProto.Parser.ParseFrom(bytes);
            return model.IrVersion > 0 && model.Graph is not null ? model : null;
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    /// <summary>The network an ONNX model describes.</summary>
    internal static Network FromModel(ModelProto model, string source)
    {
        long opset = CheckVersions(model, source);
        CheckOperators(model.Graph, source);
        try
        {
            var chain = new OnnxChainReader(model.Graph, opset, source);
            Network network = Build(chain, NameOf(model, source), source);
            ApplyMetadata(network, model);
            return network;
        }
        catch (Exception e) when (e is not NeuralPSException and not OutOfMemoryException)
        {
            // The checks above passed, so the graph has something its reader did not foresee.
            throw Corrupt(source, $"its graph cannot be read ({e.Message})", e);
        }
    }

    /// <summary>Checks the IR version and the standard operator set's version; returns the latter.</summary>
    private static long CheckVersions(ModelProto model, string source)
    {
        if (model.IrVersion < OldestIrVersion || model.IrVersion > NewestIrVersion)
            throw UnsupportedVersion(source,
                $"it is ONNX IR version {model.IrVersion}, {(model.IrVersion < OldestIrVersion ? "older" : "newer")} than NeuralPS reads " +
                $"(IR {OldestIrVersion} to {NewestIrVersion}). " + ConvertAdvice);
        OperatorSetIdProto? standard = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (standard is null)
            throw Corrupt(source, "it does not say which version of the standard ONNX operators it uses (no opset_import for the default domain)");
        if (standard.Version < OldestOpset || standard.Version > NewestOpset)
            throw UnsupportedVersion(source,
                $"it uses version {standard.Version} of the ONNX operator set, {(standard.Version < OldestOpset ? "older" : "newer")} than NeuralPS reads " +
                $"(opset {OldestOpset} to {NewestOpset}). " + ConvertAdvice);
        return standard.Version;
    }

    private const string ConvertAdvice =
        "Export the model again with an operator set in that range (torch.onnx.export(..., opset_version=17); tf2onnx --opset 17), " +
        "or convert it with onnx.version_converter.convert_version(model, 17)";

    /// <summary>Refuses, listing them, the operators NeuralPS has no layer or activation for (Conv, LSTM, …).</summary>
    private static void CheckOperators(GraphProto graph, string source)
    {
        var unsupported = graph.Node
            .Where(n => !OnnxChainReader.IsStandard(n) || !(LayerOperators.Contains(n.OpType) || OnnxActivations.Operators.Contains(n.OpType)))
            .GroupBy(n => OnnxChainReader.IsStandard(n) ? n.OpType : $"{n.Domain}.{n.OpType}")
            .ToArray();
        if (unsupported.Length == 0) return;
        string list = string.Join(", ", unsupported.Select(g =>
        {
            string[] nodes = g.Select(OnnxChainReader.NameOf).ToArray();
            string names = string.Join(", ", nodes.Take(3).Select(n => $"'{n}'")) + (nodes.Length > 3 ? $" and {nodes.Length - 3} more" : "");
            return $"{g.Key} ({(nodes.Length == 1 ? "node" : $"{nodes.Length} nodes:")} {names})";
        }));
        throw new NeuralPSException(ErrorIds.OnnxUnsupportedOperator, ErrorKind.NotSupported,
            $"'{source}' uses ONNX operators NeuralPS cannot import: {list}. NeuralPS imports feed-forward networks: dense layers (Gemm, or MatMul " +
            "and Add), BatchNormalization, Dropout, the activations it has (Relu, Sigmoid, Tanh, LeakyRelu, Elu, Softplus, GELU, Swish as " +
            "x·Sigmoid(x)) and Softmax, and Identity, Flatten and Reshape that keep rows of features. Run this model in an ONNX runtime " +
            "(onnxruntime), or rebuild it from those layers.",
            unsupported.Select(g => g.Key).ToArray());
    }

    /// <summary>
    /// Makes the network from the layers read. The one place that knows NeuralPS's layers: their constructors, and
    /// where each keeps its numbers (a dense layer's W [inputs, units] then b; batch normalization's γ then β and
    /// its running mean and variance; the normalization layer's mean then standard deviation in its state).
    /// </summary>
    private static Network Build(OnnxChainReader chain, string? name, string source)
    {
        var network = new Network(chain.InputSize, name);
        foreach (LayerPlan plan in chain.Layers)
        {
            Layer layer = plan switch
            {
                DensePlan dense => new DenseLayer(dense.Units, dense.Activation),
                BatchNormPlan batchNorm => new BatchNormLayer(batchNorm.Activation, batchNorm.Momentum, batchNorm.Epsilon),
                DropoutPlan dropout => new DropoutLayer(dropout.Rate),
                NormalizationPlan => new NormalizationLayer { IsAdapted = true },
                _ => throw new InvalidOperationException($"No layer for {plan.GetType().Name}."),
            };
            network.Add(layer);
            Span<float> parameters = network.ParametersOf(layer);
            switch (plan)
            {
                case DensePlan dense:
                    dense.Weights.CopyTo(parameters);
                    dense.Bias.CopyTo(parameters[dense.Weights.Length..]);
                    break;
                case BatchNormPlan batchNorm:
                    var batchNormLayer = (BatchNormLayer)layer;
                    batchNorm.Scale.CopyTo(parameters);
                    batchNorm.Shift.CopyTo(parameters[batchNorm.Scale.Length..]);
                    batchNorm.Mean.CopyTo(batchNormLayer.RunningMean);
                    batchNorm.Variance.CopyTo(batchNormLayer.RunningVariance);
                    break;
                case NormalizationPlan normalization:
                    int width = normalization.Mean.Length;
                    for (int j = 0; j < width; j++)
                    {
                        layer.State[j] = (float)normalization.Mean[j];
                        layer.State[width + j] = (float)normalization.StandardDeviation[j];
                    }
                    break;
            }
            foreach (float value in parameters.ToArray().Concat(layer.State))
                if (!float.IsFinite(value))
                    throw new NeuralPSException(ErrorIds.NonFiniteParameters, ErrorKind.InvalidData,
                        $"'{source}' has a value that is {value} in node '{plan.Node}', so the network would predict NaN. Retrain the model, then export it again.",
                        source);
        }
        return network;
    }

    /// <summary>
    /// The network's name: the model's own (NeuralPS writes it in the metadata), else the file's, else the graph's.
    /// </summary>
    private static string? NameOf(ModelProto model, string source)
    {
        if (Metadata(model, "name") is { Length: > 0 } name) return name;
        if (Path.IsPathRooted(source)) return Path.GetFileNameWithoutExtension(source);
        return model.Graph.Name.Length > 0 ? model.Graph.Name : null;
    }

    /// <summary>Class and feature names from the metadata NeuralPS writes (JSON arrays), where they fit the network.</summary>
    private static void ApplyMetadata(Network network, ModelProto model)
    {
        string[]? classes = Names(Metadata(model, "class_names"));
        if (classes is not null && (classes.Length == network.OutputSize || (network.OutputSize == 1 && classes.Length == 2)))
            network.ClassNames = classes;
        string[]? features = Names(Metadata(model, "feature_names"));
        if (features is not null && features.Length == network.InputSize)
            network.FeatureNames = features;
    }

    private static string? Metadata(ModelProto model, string key) => model.MetadataProps.FirstOrDefault(p => p.Key == key)?.Value;

    /// <summary>A JSON array of names, or null (other exporters' metadata is no concern of NeuralPS: it is skipped, not refused).</summary>
    private static string[]? Names(string? json)
    {
        if (json is null) return null;
        try
        {
            string[]? names = JsonSerializer.Deserialize<string[]>(json);
            return names is not null && names.All(n => n is not null) ? names : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // ---- errors ----

    /// <summary>Bytes that are not a valid ONNX model: <c>ModelFileCorrupt</c>, as a damaged NeuralPS model file.</summary>
    internal static NeuralPSException Corrupt(string source, string why, Exception? inner = null) =>
        new(ErrorIds.ModelFileCorrupt, ErrorKind.InvalidFile,
            $"'{source}' cannot be read as an ONNX model: {why}. Export the model again, or restore the file from a copy.", source, inner);

    /// <summary>A valid model that is not a chain of NeuralPS layers.</summary>
    internal static NeuralPSException Unsupported(string source, string why) =>
        new(ErrorIds.OnnxUnsupportedModel, ErrorKind.NotSupported, $"'{source}' cannot be imported: {why}.", source);

    private static NeuralPSException UnsupportedVersion(string source, string why) =>
        new(ErrorIds.OnnxUnsupportedVersion, ErrorKind.NotSupported, $"'{source}' cannot be imported: {why}.", source);
}
