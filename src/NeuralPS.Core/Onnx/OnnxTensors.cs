using System.Buffers.Binary;
using NeuralPS.Core.Onnx.Proto;

namespace NeuralPS.Core.Onnx;

/// <summary>
/// A constant tensor of an ONNX graph (an initializer, or a Constant node's value) as the importer uses it: its shape
/// and its values, as floats (weights, statistics, scalars) or as integers (Reshape's target shape, Dropout's
/// training_mode).
/// </summary>
internal sealed class OnnxConstant
{
    public OnnxConstant(string name, long[] dims, float[]? floats, long[]? integers)
    {
        Name = name;
        Dims = dims;
        Floats = floats;
        Integers = integers;
    }

    public string Name { get; }

    /// <summary>The shape; empty for a scalar.</summary>
    public long[] Dims { get; }

    /// <summary>The values of a float32 (or float64) tensor, row-major; null for an integer tensor.</summary>
    public float[]? Floats { get; }

    /// <summary>The values of an integer or boolean tensor; null for a float tensor.</summary>
    public long[]? Integers { get; }

    /// <summary>Number of values.</summary>
    public int Count => Floats?.Length ?? Integers!.Length;

    /// <summary>The shape as ONNX tools print it, [8, 4].</summary>
    public string Shape => $"[{string.Join(", ", Dims)}]";
}

/// <summary>Reads ONNX TensorProto values (float32 or float64 from raw_data or the typed fields; integers and booleans).</summary>
internal static class OnnxTensors
{
    /// <summary>
    /// The constant a tensor holds. Throws <c>ModelFileCorrupt</c> when its values do not fill its shape, and
    /// <c>OnnxUnsupportedModel</c> for a type the importer does not read (float16, strings) or values kept outside the file.
    /// </summary>
    public static OnnxConstant Read(TensorProto tensor, string name, string source)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0)
            throw OnnxImporter.Unsupported(source,
                $"the tensor '{name}' keeps its values in another file (ONNX external data). Save the model with its weights inside it " +
                "(onnx.save_model(model, path, save_as_external_data=False)) and import that file");
        long[] dims = tensor.Dims.ToArray();
        long count = 1;
        foreach (long d in dims)
        {
            if (d < 0) throw OnnxImporter.Corrupt(source, $"the tensor '{name}' has a negative dimension ({d})");
            count = d == 0 || count <= Array.MaxLength / d ? count * d : throw OnnxImporter.Corrupt(source, $"the tensor '{name}' claims more values than a file can hold");
        }
        int n = (int)count;
        ReadOnlySpan<byte> raw = tensor.RawData.Span;
        switch ((TensorProto.Types.DataType)tensor.DataType)
        {
            case TensorProto.Types.DataType.Float:
            {
                var values = new float[n];
                if (tensor.HasRawData)
                {
                    Expect(raw.Length, 4L * n, name, "bytes", source);
                    for (int i = 0; i < n; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]);
                }
                else
                {
                    Expect(tensor.FloatData.Count, n, name, "values", source);
                    tensor.FloatData.CopyTo(values, 0);
                }
                return new OnnxConstant(name, dims, values, null);
            }
            case TensorProto.Types.DataType.Double:
            {
                var values = new float[n];
                if (tensor.HasRawData)
                {
                    Expect(raw.Length, 8L * n, name, "bytes", source);
                    for (int i = 0; i < n; i++) values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw[(8 * i)..]);
                }
                else
                {
                    Expect(tensor.DoubleData.Count, n, name, "values", source);
                    for (int i = 0; i < n; i++) values[i] = (float)tensor.DoubleData[i];
                }
                return new OnnxConstant(name, dims, values, null);
            }
            case TensorProto.Types.DataType.Int64:
            {
                var values = new long[n];
                if (tensor.HasRawData)
                {
                    Expect(raw.Length, 8L * n, name, "bytes", source);
                    for (int i = 0; i < n; i++) values[i] = BinaryPrimitives.ReadInt64LittleEndian(raw[(8 * i)..]);
                }
                else
                {
                    Expect(tensor.Int64Data.Count, n, name, "values", source);
                    tensor.Int64Data.CopyTo(values, 0);
                }
                return new OnnxConstant(name, dims, null, values);
            }
            case TensorProto.Types.DataType.Int32:
            case TensorProto.Types.DataType.Bool:
            {
                // int32 and bool values travel in int32_data (or raw_data: 4 bytes an int32, 1 byte a bool).
                bool isBool = tensor.DataType == (int)TensorProto.Types.DataType.Bool;
                var values = new long[n];
                if (tensor.HasRawData)
                {
                    Expect(raw.Length, (isBool ? 1L : 4L) * n, name, "bytes", source);
                    for (int i = 0; i < n; i++) values[i] = isBool ? raw[i] : BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * i)..]);
                }
                else
                {
                    Expect(tensor.Int32Data.Count, n, name, "values", source);
                    for (int i = 0; i < n; i++) values[i] = tensor.Int32Data[i];
                }
                return new OnnxConstant(name, dims, null, values);
            }
            default:
                throw OnnxImporter.Unsupported(source,
                    $"the tensor '{name}' holds {TypeName(tensor.DataType)} values; NeuralPS reads float32 (and float64) weights. " +
                    "Export the model in float32 (model.float() in PyTorch before torch.onnx.export)");
        }
    }

    private static void Expect(long actual, long expected, string name, string what, string source)
    {
        if (actual != expected)
            throw OnnxImporter.Corrupt(source, $"the tensor '{name}' has {actual} {what} where its shape needs {expected}");
    }

    /// <summary>ONNX's name of a tensor element type (TensorProto.DataType).</summary>
    public static string TypeName(int dataType) => dataType switch
    {
        1 => "float32",
        2 => "uint8",
        3 => "int8",
        4 => "uint16",
        5 => "int16",
        6 => "int32",
        7 => "int64",
        8 => "string",
        9 => "bool",
        10 => "float16",
        11 => "float64",
        12 => "uint32",
        13 => "uint64",
        14 => "complex64",
        15 => "complex128",
        16 => "bfloat16",
        _ => $"type {dataType}",
    };
}
