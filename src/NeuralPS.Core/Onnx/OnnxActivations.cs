using NeuralPS.Core.Onnx.Proto;

namespace NeuralPS.Core.Onnx;

/// <summary>
/// Recognizes an activation in a run of elementwise ONNX nodes: one operator (Relu, Sigmoid, LeakyRelu …) or several
/// (exporters write GELU as Div, Erf, Add, Mul, Mul and SiLU as Sigmoid and Mul, each in its own order). Rather than
/// match node patterns, it evaluates the nodes in double precision at points from −30 to 30 and compares the result
/// with each of NeuralPS's activations as the engine computes them (<see cref="ActivationFunctions.Forward"/>): the
/// run is that activation when they agree to 1e-5 (relative) everywhere. So any exporter's spelling of a function
/// NeuralPS has is read, and anything else (GELU's tanh approximation, a LeakyRelu of another slope) is not.
/// </summary>
internal static class OnnxActivations
{
    /// <summary>The operators a run may consist of: each maps one value to one value, given scalar constants.</summary>
    public static readonly IReadOnlySet<string> Operators = new HashSet<string>(StringComparer.Ordinal)
    {
        "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Softplus", "Gelu", "Erf", "Exp", "Log", "Neg", "Sqrt", "Identity",
        "Add", "Sub", "Mul", "Div", "Pow",
    };

    private const double Tolerance = 1e-5;

    /// <summary>The points the functions are compared at.</summary>
    private static readonly float[] Points = MakePoints();

    private static float[] MakePoints()
    {
        var points = new List<float> { -30f, -20f, 20f, 30f };
        for (int i = -192; i <= 192; i++) points.Add(i / 16f); // −12 to 12 by 1/16
        return points.ToArray();
    }

    /// <summary>
    /// The activation the <paramref name="nodes"/> (in graph order) compute from <paramref name="input"/> to
    /// <paramref name="output"/>, or null when they compute none of NeuralPS's. Softmax is not elementwise: it is
    /// read as its own node.
    /// </summary>
    public static Activation? Recognize(IReadOnlyList<NodeProto> nodes, string input, string output,
        IReadOnlyDictionary<string, OnnxConstant> constants)
    {
        var values = new Dictionary<string, double[]>(StringComparer.Ordinal) { [input] = Points.Select(p => (double)p).ToArray() };
        foreach (NodeProto node in nodes) values[node.Output[0]] = Evaluate(node, values, constants);
        double[] result = values[output];

        var engine = new float[Points.Length];
        foreach (Activation candidate in Enum.GetValues<Activation>())
        {
            if (candidate == Activation.Softmax) continue;
            ActivationFunctions.Forward(candidate, Points, engine, width: 1);
            if (Agrees(result, engine)) return candidate;
        }
        return null;
    }

    private static bool Agrees(double[] onnx, float[] engine)
    {
        for (int i = 0; i < onnx.Length; i++)
            if (!(Math.Abs(onnx[i] - engine[i]) <= Tolerance * (1 + Math.Abs(engine[i])))) return false; // NaN never agrees
        return true;
    }

    /// <summary>One node's output at every point; its inputs are earlier outputs or scalar constants.</summary>
    private static double[] Evaluate(NodeProto node, Dictionary<string, double[]> values, IReadOnlyDictionary<string, OnnxConstant> constants)
    {
        double[] Operand(int i) =>
            values.TryGetValue(node.Input[i], out double[]? v) ? v : Enumerable.Repeat((double)constants[node.Input[i]].Floats![0], Points.Length).ToArray();

        double[] a = Operand(0);
        double[] b = node.Input.Count > 1 && node.Input[1].Length > 0 ? Operand(1) : a;
        double alpha = FloatAttribute(node, "alpha", node.OpType == "LeakyRelu" ? 0.01 : 1.0);
        Func<double, double, double> f = node.OpType switch
        {
            "Relu" => (x, _) => Math.Max(x, 0),
            "Sigmoid" => (x, _) => 1 / (1 + Math.Exp(-x)),
            "Tanh" => (x, _) => Math.Tanh(x),
            "LeakyRelu" => (x, _) => x >= 0 ? x : alpha * x,
            "Elu" => (x, _) => x >= 0 ? x : alpha * (Math.Exp(x) - 1),
            "Softplus" => (x, _) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x))),
            "Gelu" when StringAttribute(node, "approximate") == "tanh" =>
                (x, _) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
            "Gelu" => (x, _) => 0.5 * x * (1 + ActivationFunctions.Erf(x / Math.Sqrt(2))),
            "Erf" => (x, _) => ActivationFunctions.Erf(x),
            "Exp" => (x, _) => Math.Exp(x),
            "Log" => (x, _) => Math.Log(x),
            "Neg" => (x, _) => -x,
            "Sqrt" => (x, _) => Math.Sqrt(x),
            "Identity" => (x, _) => x,
            "Add" => (x, y) => x + y,
            "Sub" => (x, y) => x - y,
            "Mul" => (x, y) => x * y,
            "Div" => (x, y) => x / y,
            "Pow" => Math.Pow,
            _ => throw new InvalidOperationException($"{node.OpType} is not an elementwise operator the importer evaluates."),
        };
        var result = new double[Points.Length];
        for (int i = 0; i < result.Length; i++) result[i] = f(a[i], b[i]);
        return result;
    }

    private static double FloatAttribute(NodeProto node, string name, double fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } attribute ? attribute.F : fallback;

    private static string? StringAttribute(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.S.ToStringUtf8();
}
