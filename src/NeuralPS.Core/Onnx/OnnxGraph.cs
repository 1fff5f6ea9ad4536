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

    /// <summary>Appends a node of the operator set <paramref name="domain"/> (ai.onnx.ml) with one output; returns its name.</summary>
    public string Node(string domain, string opType, string name, string[] inputs, params AttributeProto[] attributes)
    {
        Node(opType, name, inputs, attributes);
        _graph.Node[^1].Domain = domain;
        return name;
    }

    /// <summary>Adds a graph input of element type <paramref name="type"/> shaped [N, <paramref name="width"/>].</summary>
    public void Input(string name, TensorProto.Types.DataType type, long width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = OnnxExporter.BatchDimension });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
        _graph.Input.Add(new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        });
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

    /// <summary>Adds a one-dimensional int64 initializer (a Reshape's shape); returns its name.</summary>
    public string Int64Initializer(string name, params long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>
    /// <paramref name="input"/> as [N, C, H, W] images: the graph's input is rows of C·H·W values, and a layer on
    /// images cannot know whether the node before it wrote rows or images, so it reshapes (a no-op on images).
    /// </summary>
    public string AsImages(string prefix, string input, Layers.Shape shape) =>
        Node("Reshape", $"{prefix}_images", new[] { input, Int64Initializer($"{prefix}_image_shape", -1, shape.Channels, shape.Height, shape.Width) });

    /// <summary>
    /// <paramref name="input"/>, rows of a (T, F) sequence stored time-major, as [N, F, T]: the channels-first layout
    /// of ONNX's Conv and BatchNormalization (Reshape to [N, T, F], then Transpose).
    /// </summary>
    public string SequenceToChannels(string prefix, string input, Layers.Shape shape)
    {
        string steps = Node("Reshape", $"{prefix}_steps", new[] { input, Int64Initializer($"{prefix}_steps_shape", -1, shape.Steps, shape.Features) });
        return Node("Transpose", $"{prefix}_to_channels", new[] { steps }, IntsAttribute("perm", 0, 2, 1));
    }

    /// <summary>[N, F, T] back to rows of T·F values, time-major (Transpose, then Reshape); the node is named <paramref name="name"/>.</summary>
    public string ChannelsToSequence(string name, string input, Layers.Shape shape)
    {
        string steps = Node("Transpose", $"{name}_to_steps", new[] { input }, IntsAttribute("perm", 0, 2, 1));
        return Node("Reshape", name, new[] { steps, Int64Initializer($"{name}_rows_shape", -1, shape.Size) });
    }

    /// <summary>Adds a one-value initializer.</summary>
    public string Scalar(string name, float value) => Initializer(name, new[] { value });

    /// <summary>A float attribute.</summary>
    public static AttributeProto FloatAttribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>An integer attribute.</summary>
    public static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>An integer-list attribute.</summary>
    public static AttributeProto IntsAttribute(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A string-list attribute.</summary>
    public static AttributeProto StringsAttribute(string name, IEnumerable<string> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        attribute.Strings.AddRange(values.Select(ByteString.CopyFromUtf8));
        return attribute;
    }

    /// <summary>A float-list attribute.</summary>
    public static AttributeProto FloatsAttribute(string name, IEnumerable<float> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        attribute.Floats.AddRange(values);
        return attribute;
    }

    /// <summary>The error for what ONNX export cannot express.</summary>
    public static NeuralPSException Unsupported(string why) =>
        new(ErrorIds.OnnxUnsupported, ErrorKind.InvalidOperation, $"Cannot export to ONNX: {why}");
}
