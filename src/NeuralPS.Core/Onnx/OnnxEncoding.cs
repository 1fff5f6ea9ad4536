using NeuralPS.Core.Data;
using NeuralPS.Core.Onnx.Proto;

namespace NeuralPS.Core.Onnx;

/// <summary>
/// The front of an exported pipeline: the raw columns of a <see cref="FeatureEncoding"/> as the graph's inputs, each
/// [N, 1] and named after its column, encoded inside the model into the feature row the layers read, as
/// <see cref="FeatureEncoding.Encode(Func{string, ValueTuple{bool, object}}, Span{float}, string)"/> does:
/// <list type="bullet">
/// <item>numeric: float, as it is;</item>
/// <item>boolean: bool, Cast to 0 or 1;</item>
/// <item>categorical (one-hot): string, through ai.onnx.ml OneHotEncoder with the training categories (a category never
/// seen becomes all zeros, where Invoke-Prediction refuses it), reshaped to [N, K];</item>
/// <item>category index (an embedding's column): string, through ai.onnx.ml LabelEncoder to 1..K, 0 for a category never
/// seen, as Invoke-Prediction maps it (without the warning).</item>
/// </list>
/// The columns are then concatenated in feature order; normalization and the layers follow in the graph.
/// </summary>
internal static class OnnxEncoding
{
    /// <summary>The ONNX-ML operator set the encoders come from, and its version (LabelEncoder-2, OneHotEncoder-1).</summary>
    public const string MlDomain = "ai.onnx.ml";

    /// <inheritdoc cref="MlDomain"/>
    public const long MlVersion = 2;

    /// <summary>True when the network's inputs are better fed as raw columns: its encoding has a text or boolean column.</summary>
    public static bool Applies(Network network) =>
        network.FeatureEncoding is FeatureEncoding encoding && !network.InputShape.IsImage && encoding.FeatureCount == network.InputSize
        && encoding.Columns.Any(c => c.Kind != ColumnKind.Numeric);

    /// <summary>Adds one input per column and the nodes that make the feature row; returns the row's name.</summary>
    public static string Write(OnnxGraph graph, FeatureEncoding encoding)
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { OnnxExporter.OutputName };
        var parts = new List<string>();
        for (int c = 0; c < encoding.Columns.Length; c++)
        {
            FeatureColumn column = encoding.Columns[c];
            if (!names.Add(column.Name))
                throw OnnxGraph.Unsupported($"the column '{column.Name}' would be a second input of that name (or the output's name). Rename it.");
            string prefix = $"encode{c + 1}";
            switch (column.Kind)
            {
                case ColumnKind.Numeric:
                    graph.Input(column.Name, TensorProto.Types.DataType.Float, 1);
                    parts.Add(column.Name);
                    break;
                case ColumnKind.Boolean:
                    graph.Input(column.Name, TensorProto.Types.DataType.Bool, 1);
                    parts.Add(graph.Node("Cast", $"{prefix}_cast", new[] { column.Name },
                        OnnxGraph.IntAttribute("to", (long)TensorProto.Types.DataType.Float)));
                    break;
                case ColumnKind.Categorical:
                {
                    graph.Input(column.Name, TensorProto.Types.DataType.String, 1);
                    string onehot = graph.Node(MlDomain, "OneHotEncoder", $"{prefix}_onehot", new[] { column.Name },
                        OnnxGraph.StringsAttribute("cats_strings", column.Categories), OnnxGraph.IntAttribute("zeros", 1));
                    parts.Add(graph.Node("Reshape", $"{prefix}_rows", new[] { onehot,
                        graph.Int64Initializer($"{prefix}_shape", -1, column.Categories.Length) }));
                    break;
                }
                case ColumnKind.CategoryIndex:
                    graph.Input(column.Name, TensorProto.Types.DataType.String, 1);
                    parts.Add(graph.Node(MlDomain, "LabelEncoder", $"{prefix}_index", new[] { column.Name },
                        OnnxGraph.StringsAttribute("keys_strings", column.Categories),
                        OnnxGraph.FloatsAttribute("values_floats", Enumerable.Range(1, column.Categories.Length).Select(i => (float)i)),
                        OnnxGraph.FloatAttribute("default_float", 0f)));
                    break;
                default:
                    throw OnnxGraph.Unsupported($"the column '{column.Name}' is of a kind ({column.Kind}) the exporter does not know.");
            }
        }
        return parts.Count == 1 && encoding.Columns[0].Kind != ColumnKind.Numeric ? parts[0]
            : graph.Node("Concat", "features", parts.ToArray(), OnnxGraph.IntAttribute("axis", 1));
    }
}
