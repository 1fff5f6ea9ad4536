using System.Reflection;
using System.Text.Json;
using Google.Protobuf;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Onnx.Proto;

namespace NeuralPS.Core.Onnx;

/// <summary>
/// Writes a network as an ONNX model (IR version 8, opset 17) in its inference form: dense layers as Gemm, the
/// normalization layer as Sub and Div, batch normalization as BatchNormalization with the running statistics,
/// dropout as Identity, and every activation either as its ONNX operator or composed from operators (GELU through
/// Erf, swish as x·Sigmoid(x)). The input is named <c>input</c>, shaped [N, features] with a dynamic batch
/// dimension; the output is <c>output</c>, [N, outputs]. The model's name, class names and feature names travel in
/// metadata_props.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The ONNX IR version written.</summary>
    public const long IrVersion = 8;

    /// <summary>The version of the default ("ai.onnx") operator set the graph uses.</summary>
    public const long OpsetVersion = 17;

    /// <summary>Name of the graph's input.</summary>
    public const string InputName = "input";

    /// <summary>Name of the graph's output.</summary>
    public const string OutputName = "output";

    /// <summary>Name of the dynamic batch dimension.</summary>
    public const string BatchDimension = "N";

    /// <summary>
    /// Writes <paramref name="network"/> to <paramref name="path"/> as an ONNX model. The file is written to a
    /// temporary file beside the target and renamed, so a failure leaves no file (and no previous one damaged).
    /// Throws <see cref="NeuralPSException"/> if the network cannot be expressed in ONNX or the file cannot be written.
    /// </summary>
    public static void Write(Network network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.CheckWritable(path, "ONNX model");
        AtomicFile.WriteAllBytes(path, ToBytes(network), "ONNX model");
    }

    /// <summary>The ONNX model as bytes (the serialized ModelProto).</summary>
    public static byte[] ToBytes(Network network) => Build(network).ToByteArray();

    /// <summary>Builds the ModelProto for <paramref name="network"/>, checking first that ONNX can express all of it.</summary>
    internal static ModelProto Build(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        Check(network);
        var graph = new GraphProto { Name = string.IsNullOrWhiteSpace(network.Name) ? "network" : network.Name };
        graph.Input.Add(TensorValue(InputName, network.InputSize));
        var builder = new GraphBuilder(graph);

        string current = InputName;
        for (int i = 0; i < network.Layers.Count; i++)
        {
            Layer layer = network.Layers[i];
            string prefix = $"layer{i + 1}_{layer.Kind.ToLowerInvariant()}";
            ReadOnlySpan<float> parameters = network.ParametersOf(layer);
            current = layer switch
            {
                DenseLayer dense => Dense(builder, prefix, dense, parameters, current),
                NormalizationLayer normalization => Normalization(builder, prefix, normalization, current),
                BatchNormLayer batchNorm => BatchNorm(builder, prefix, batchNorm, parameters, current),
                DropoutLayer => builder.Node("Identity", prefix, new[] { current }),
                _ => throw Unsupported($"layer {i + 1} is a {layer.Kind} layer, which the ONNX exporter does not know."),
            };
            current = ActivationNodes(builder, $"{prefix}_{layer.Activation.ToString().ToLowerInvariant()}", layer.Activation, current);
        }
        // The last node writes the graph's output under its public name.
        NodeProto last = graph.Node[^1];
        last.Output[0] = OutputName;
        graph.Output.Add(TensorValue(OutputName, network.OutputSize));

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "NeuralPS",
            ProducerVersion = ProducerVersion,
            Domain = "neuralps",
            ModelVersion = 1,
            DocString = $"{network.Name}: a NeuralPS network with {network.InputSize} inputs and {network.OutputSize} outputs, exported in inference form.",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        AddMetadata(model, "name", network.Name);
        AddMetadata(model, "task", network.ClassNames is null ? "regression" : "classification");
        AddMetadata(model, "output_activation", network.OutputActivation.ToString());
        if (network.ClassNames is not null) AddMetadata(model, "class_names", JsonSerializer.Serialize(network.ClassNames));
        if (network.FeatureNames is not null) AddMetadata(model, "feature_names", JsonSerializer.Serialize(network.FeatureNames));
        return model;
    }

    private static string ProducerVersion =>
        typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0";

    /// <summary>Refuses, before anything is built, what ONNX would get wrong.</summary>
    private static void Check(Network network)
    {
        if (network.Layers.Count == 0)
            throw Unsupported($"the network '{network.Name}' has no layers. Add some (Add-DenseLayer) and train it first.");
        for (int i = 0; i < network.Layers.Count; i++)
        {
            Layer layer = network.Layers[i];
            if (layer is not (DenseLayer or NormalizationLayer or BatchNormLayer or DropoutLayer))
                throw Unsupported($"layer {i + 1} is a {layer.Kind} layer, which the ONNX exporter does not know.");
            if (!Enum.IsDefined(layer.Activation))
                throw Unsupported($"layer {i + 1} has the activation {layer.Activation}, which the ONNX exporter does not know.");
            if (layer.Activation == Activation.Softmax && i < network.Layers.Count - 1 &&
                network.Layers.Skip(i + 1).Any(l => l is not DropoutLayer))
                throw Unsupported($"layer {i + 1} has a softmax activation, which only the output layer may have.");
            foreach (float value in network.ParametersOf(layer))
                if (!float.IsFinite(value))
                    throw new NeuralPSException(ErrorIds.NonFiniteParameters, ErrorKind.InvalidOperation,
                        $"Cannot export '{network.Name}' to ONNX: layer {i + 1} ({layer.Kind}) has a weight that is {value}. " +
                        "Retrain it (a lower learning rate or -ClipNorm helps) before exporting.", network);
            foreach (float value in layer.State)
                if (!float.IsFinite(value))
                    throw new NeuralPSException(ErrorIds.NonFiniteParameters, ErrorKind.InvalidOperation,
                        $"Cannot export '{network.Name}' to ONNX: layer {i + 1} ({layer.Kind}) has a statistic that is {value}.", network);
        }
    }

    private static NeuralPSException Unsupported(string why) =>
        new(ErrorIds.OnnxUnsupported, ErrorKind.InvalidOperation, $"Cannot export to ONNX: {why}");

    private static string Dense(GraphBuilder builder, string prefix, DenseLayer layer, ReadOnlySpan<float> parameters, string input)
    {
        // W is stored [inputs, units] row-major, exactly Gemm's B with transB = 0; then the bias [units] as C.
        string weights = builder.Initializer($"{prefix}_W", parameters[..layer.WeightCount], layer.InputSize, layer.Units);
        string bias = builder.Initializer($"{prefix}_b", parameters.Slice(layer.WeightCount, layer.Units), layer.Units);
        return builder.Node("Gemm", prefix, new[] { input, weights, bias },
            FloatAttribute("alpha", 1f), FloatAttribute("beta", 1f), IntAttribute("transA", 0), IntAttribute("transB", 0));
    }

    private static string Normalization(GraphBuilder builder, string prefix, NormalizationLayer layer, string input)
    {
        string mean = builder.Initializer($"{prefix}_mean", layer.Mean, layer.OutputSize);
        string std = builder.Initializer($"{prefix}_std", layer.StandardDeviation, layer.OutputSize);
        string centered = builder.Node("Sub", $"{prefix}_sub", new[] { input, mean });
        return builder.Node("Div", $"{prefix}_div", new[] { centered, std });
    }

    private static string BatchNorm(GraphBuilder builder, string prefix, BatchNormLayer layer, ReadOnlySpan<float> parameters, string input)
    {
        int n = layer.OutputSize;
        string scale = builder.Initializer($"{prefix}_gamma", parameters[..n], n);
        string shift = builder.Initializer($"{prefix}_beta", parameters.Slice(n, n), n);
        string mean = builder.Initializer($"{prefix}_running_mean", layer.RunningMean, n);
        string variance = builder.Initializer($"{prefix}_running_var", layer.RunningVariance, n);
        // Inference form (training_mode = 0): y = γ·(x − running mean)/√(running var + ε) + β.
        return builder.Node("BatchNormalization", prefix, new[] { input, scale, shift, mean, variance },
            FloatAttribute("epsilon", layer.Epsilon), FloatAttribute("momentum", 1f - layer.Momentum), IntAttribute("training_mode", 0));
    }

    /// <summary>The activation's nodes after <paramref name="input"/>; returns the name of their output.</summary>
    private static string ActivationNodes(GraphBuilder builder, string prefix, Activation activation, string input)
    {
        switch (activation)
        {
            case Activation.Linear: return input;
            case Activation.Sigmoid: return builder.Node("Sigmoid", prefix, new[] { input });
            case Activation.Tanh: return builder.Node("Tanh", prefix, new[] { input });
            case Activation.Relu: return builder.Node("Relu", prefix, new[] { input });
            case Activation.LeakyRelu:
                return builder.Node("LeakyRelu", prefix, new[] { input }, FloatAttribute("alpha", ActivationFunctions.LeakySlope));
            case Activation.Elu: return builder.Node("Elu", prefix, new[] { input }, FloatAttribute("alpha", 1f));
            case Activation.Softplus: return builder.Node("Softplus", prefix, new[] { input });
            case Activation.Softmax: return builder.Node("Softmax", prefix, new[] { input }, IntAttribute("axis", 1));
            case Activation.Swish:
            {
                // x·σ(x)
                string sigmoid = builder.Node("Sigmoid", $"{prefix}_sigmoid", new[] { input });
                return builder.Node("Mul", prefix, new[] { input, sigmoid });
            }
            case Activation.Gelu:
            {
                // Exact GELU, x·Φ(x) = x · 0.5 · (1 + erf(x/√2)) (the Gelu operator only arrives in opset 20).
                string sqrt2 = builder.Scalar($"{prefix}_sqrt2", MathF.Sqrt(2f));
                string one = builder.Scalar($"{prefix}_one", 1f);
                string half = builder.Scalar($"{prefix}_half", 0.5f);
                string scaled = builder.Node("Div", $"{prefix}_div", new[] { input, sqrt2 });
                string erf = builder.Node("Erf", $"{prefix}_erf", new[] { scaled });
                string shifted = builder.Node("Add", $"{prefix}_add", new[] { erf, one });
                string cdf = builder.Node("Mul", $"{prefix}_cdf", new[] { shifted, half });
                return builder.Node("Mul", prefix, new[] { input, cdf });
            }
            default:
                throw Unsupported($"the activation {activation} has no ONNX form.");
        }
    }

    private static ValueInfoProto TensorValue(string name, int width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = BatchDimension });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static AttributeProto FloatAttribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static void AddMetadata(ModelProto model, string key, string value) =>
        model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });

    /// <summary>Appends nodes and initializers to a graph, naming each node's single output after the node.</summary>
    private sealed class GraphBuilder
    {
        private readonly GraphProto _graph;

        public GraphBuilder(GraphProto graph) => _graph = graph;

        public string Node(string opType, string name, string[] inputs, params AttributeProto[] attributes)
        {
            var node = new NodeProto { OpType = opType, Name = name };
            node.Input.AddRange(inputs);
            node.Output.Add(name);
            node.Attribute.AddRange(attributes);
            _graph.Node.Add(node);
            return name;
        }

        public string Initializer(string name, ReadOnlySpan<float> values, params long[] dims)
        {
            var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
            tensor.Dims.AddRange(dims);
            // raw_data is little-endian IEEE 754, as the ONNX specification requires.
            var bytes = new byte[values.Length * sizeof(float)];
            for (int i = 0; i < values.Length; i++)
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
            tensor.RawData = ByteString.CopyFrom(bytes);
            _graph.Initializer.Add(tensor);
            return name;
        }

        public string Scalar(string name, float value) => Initializer(name, new[] { value });
    }
}
