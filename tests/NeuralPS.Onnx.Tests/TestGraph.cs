using System.Buffers.Binary;
using Google.Protobuf;
using NeuralPS.Core.Onnx.Proto;

namespace NeuralPS.Core.Tests.Onnx;

/// <summary>
/// Builds small ONNX models by hand, node by node, as other exporters write them (MatMul and Add, Constant nodes,
/// float_data, initializers listed as inputs), for the import tests; ONNX Runtime runs the same bytes as an oracle.
/// </summary>
internal sealed class TestGraph
{
    private int _next;

    /// <summary>A model with one float input <paramref name="input"/> shaped [batch, dims…] (a number or a name each).</summary>
    public TestGraph(long opset = 17, long irVersion = 8, string input = "x", params object[] dims)
    {
        Model = new ModelProto { IrVersion = irVersion, ProducerName = "test", Graph = new GraphProto { Name = "test" } };
        Model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        Graph.Input.Add(Value(input, TensorProto.Types.DataType.Float, dims.Length == 0 ? new object[] { "N", 4 } : dims));
        Current = input;
    }

    public ModelProto Model { get; }

    public GraphProto Graph => Model.Graph;

    /// <summary>The output of the last node added (the data, as the chain goes).</summary>
    public string Current { get; private set; }

    /// <summary>A float32 initializer in raw_data (or float_data); returns its name.</summary>
    public string Weight(float[] values, long[] dims, bool floatData = false, string? name = null)
    {
        name ??= $"w{_next++}";
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        if (floatData) tensor.FloatData.AddRange(values);
        else
        {
            var bytes = new byte[4 * values.Length];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
            tensor.RawData = ByteString.CopyFrom(bytes);
        }
        Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Random weights in [−1, 1) of the given shape.</summary>
    public string Random(Random random, params long[] dims)
    {
        var values = new float[dims.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return Weight(values, dims);
    }

    /// <summary>An int64 initializer (a Reshape target).</summary>
    public string Ints(params long[] values)
    {
        var tensor = new TensorProto { Name = $"shape{_next++}", DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>
    /// A Constant node holding one float: as value_float (opset 12 on), or as a scalar tensor in value, as PyTorch
    /// writes its scalars (every opset).
    /// </summary>
    public string Scalar(float value, bool asTensor = false)
    {
        string name = $"c{_next++}";
        var node = new NodeProto { OpType = "Constant", Name = name + "_node" };
        node.Output.Add(name);
        if (asTensor)
        {
            var tensor = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
            tensor.FloatData.Add(value);
            node.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = tensor });
        }
        else node.Attribute.Add(new AttributeProto { Name = "value_float", Type = AttributeProto.Types.AttributeType.Float, F = value });
        Graph.Node.Add(node);
        return name;
    }

    /// <summary>Appends a node reading <paramref name="inputs"/> (null stands for the current data); it becomes the data.</summary>
    public string Node(string op, string?[] inputs, params AttributeProto[] attributes)
    {
        string name = $"{op.ToLowerInvariant()}{_next++}";
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs.Select(i => i ?? Current));
        node.Output.Add(name + "_out");
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return Current = name + "_out";
    }

    /// <summary>A node on the data alone.</summary>
    public string Node(string op, params AttributeProto[] attributes) => Node(op, new string?[] { null }, attributes);

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Text(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>Declares the current data the graph's output, [batch, width]; returns the model's bytes.</summary>
    public byte[] Finish(int width, object? batch = null)
    {
        Graph.Output.Clear();
        Graph.Output.Add(Value(Current, TensorProto.Types.DataType.Float, new[] { batch ?? "N", width }));
        return Model.ToByteArray();
    }

    public static ValueInfoProto Value(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object d in dims)
            shape.Dim.Add(d is string p ? new TensorShapeProto.Types.Dimension { DimParam = p } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }
}
