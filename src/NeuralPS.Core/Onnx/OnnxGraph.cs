using Google.Protobuf;
using NeuralPS.Core.Onnx.Proto;

namespace NeuralPS.Core.Onnx;

/// <summary>
/// Appends nodes and initializers to an ONNX graph, naming each node's single output after the node: what a layer
/// writes its ONNX form with (<see cref="Layers.Layer.ToOnnx"/>).
/// </summary>
internal sealed class OnnxGraph
{
    private readonly GraphProto _graph;

    public OnnxGraph(GraphProto graph) => _graph = graph;

    /// <summary>Appends a node with one output, named <paramref name="name"/>; returns that name.</summary>
    public string Node(string opType, string name, string[] inputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(name);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return name;
    }

    /// <summary>Adds a float tensor initializer of shape <paramref name="dims"/>; returns its name.</summary>
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

    /// <summary>Adds a one-value initializer.</summary>
    public string Scalar(string name, float value) => Initializer(name, new[] { value });

    /// <summary>A float attribute.</summary>
    public static AttributeProto FloatAttribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>An integer attribute.</summary>
    public static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>The error for what ONNX export cannot express.</summary>
    public static NeuralPSException Unsupported(string why) =>
        new("OnnxUnsupported", ErrorKind.InvalidOperation, $"Cannot export to ONNX: {why}");
}
