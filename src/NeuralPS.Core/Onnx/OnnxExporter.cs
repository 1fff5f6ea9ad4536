using System.Reflection;
using System.Text.Json;
using Google.Protobuf;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Onnx.Proto;

namespace NeuralPS.Core.Onnx;

/// <summary>
/// Writes a network as an ONNX model (IR version 8, opset 17) in its inference form. A network whose encoding has a text
/// or boolean column is exported as the whole pipeline: one input per raw column, named after it, encoded inside the
/// model (<see cref="OnnxEncoding"/>, with ai.onnx.ml encoders), so another runtime feeds the raw values. Otherwise
/// (numbers only, images) the input is one row of features as before. Then each layer writes its own nodes
/// (<see cref="Layer.ToOnnx"/>: dense layers as Gemm, the normalization layer as Sub and Div, batch normalization as
/// BatchNormalization with the running statistics, dropout as Identity), and every activation either as its ONNX operator or composed from operators (GELU through
/// Erf, swish as x·Sigmoid(x)). The row input is named <c>input</c>, shaped [N, features] with a dynamic batch
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
        var builder = new OnnxGraph(graph);
        bool rawColumns = OnnxEncoding.Applies(network);
        string current = InputName;
        if (rawColumns) current = OnnxEncoding.Write(builder, network.FeatureEncoding!);
        else graph.Input.Add(TensorValue(InputName, network.InputSize));
        for (int i = 0; i < network.Layers.Count; i++)
        {
            Layer layer = network.Layers[i];
            string prefix = $"layer{i + 1}_{layer.Kind.ToLowerInvariant()}";
            ReadOnlySpan<float> parameters = network.ParametersOf(layer);
            current = layer.ToOnnx(builder, prefix, parameters, current);
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
        if (rawColumns) model.OpsetImport.Add(new OperatorSetIdProto { Domain = OnnxEncoding.MlDomain, Version = OnnxEncoding.MlVersion });
        AddMetadata(model, "name", network.Name);
        AddMetadata(model, "task", network.ClassNames is null ? "regression" : "classification");
        AddMetadata(model, "output_activation", network.OutputActivation.ToString());
        if (network.ClassNames is not null) AddMetadata(model, "class_names", JsonSerializer.Serialize(network.ClassNames));
        if (network.FeatureNames is not null) AddMetadata(model, "feature_names", JsonSerializer.Serialize(network.FeatureNames));
        if (rawColumns)
            AddMetadata(model, "raw_columns", JsonSerializer.Serialize(network.FeatureEncoding!.Columns.Select(c => new { c.Name, Kind = c.Kind.ToString() })));
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
            if (!Enum.IsDefined(layer.Activation))
                throw Unsupported($"layer {i + 1} has the activation {layer.Activation}, which the ONNX exporter does not know.");
            if (layer.Activation == Activation.Softmax && i < network.Layers.Count - 1 &&
                network.Layers.Skip(i + 1).Any(l => !l.IsIdentityAtInference))
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

    private static NeuralPSException Unsupported(string why) => OnnxGraph.Unsupported(why);

    /// <summary>The activation's nodes after <paramref name="input"/>; returns the name of their output.</summary>
    private static string ActivationNodes(OnnxGraph builder, string prefix, Activation activation, string input)
    {
        switch (activation)
        {
            case Activation.Linear: return input;
            case Activation.Sigmoid: return builder.Node("Sigmoid", prefix, new[] { input });
            case Activation.Tanh: return builder.Node("Tanh", prefix, new[] { input });
            case Activation.Relu: return builder.Node("Relu", prefix, new[] { input });
            case Activation.LeakyRelu:
                return builder.Node("LeakyRelu", prefix, new[] { input }, OnnxGraph.FloatAttribute("alpha", ActivationFunctions.LeakySlope));
            case Activation.Elu: return builder.Node("Elu", prefix, new[] { input }, OnnxGraph.FloatAttribute("alpha", 1f));
            case Activation.Softplus: return builder.Node("Softplus", prefix, new[] { input });
            case Activation.Softmax: return builder.Node("Softmax", prefix, new[] { input }, OnnxGraph.IntAttribute("axis", 1));
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

    private static void AddMetadata(ModelProto model, string key, string value) =>
        model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
}
