using NeuralPS.Core.Kernels.Recurrent;
using NeuralPS.Core.Onnx.Proto;

namespace NeuralPS.Core.Onnx;

/// <summary>
/// The ONNX form of a recurrent layer (<see cref="Layers.LstmLayer"/>, <see cref="Layers.GruLayer"/>): ONNX's own LSTM
/// and GRU operators, which ONNX Runtime implements. Their tensors are time-major (layout 0, the only one ONNX Runtime
/// runs): the row [N, T·F] is reshaped to [N, T, F] and transposed to X [T, N, F]. Out comes the last hidden state
/// Y_h [1, N, H], reshaped to rows [N, H], or with ReturnSequences every hidden state Y [T, 1, N, H], transposed back
/// to [N, T, 1, H] and reshaped to rows [N, T·H] (t·H + h, as the layer writes them).
/// <para>
/// Weights: ONNX keeps W [1, G·H, F], R [1, G·H, H] and B [1, 2·G·H] (the input biases, then the recurrent ones) with
/// its own gate order; NeuralPS keeps PyTorch's gates, and its matrices transposed (<see cref="RecurrentLayout"/>).
/// <paramref name="onnxGates"/> lists, for each ONNX gate block in ONNX's order, the NeuralPS block it is.
/// </para>
/// </summary>
internal static class OnnxRecurrent
{
    /// <summary>ONNX LSTM gates i, o, f, c from PyTorch's i, f, g, o.</summary>
    public static readonly int[] LstmGates = { 0, 3, 1, 2 };

    /// <summary>ONNX GRU gates z, r, h from PyTorch's r, z, n.</summary>
    public static readonly int[] GruGates = { 1, 0, 2 };

    /// <summary>Writes the nodes; returns the name of the output rows.</summary>
    public static string Write(OnnxGraph graph, string opType, string prefix, ReadOnlySpan<float> parameters, string input,
        RecurrentLayout layout, int steps, bool returnSequences, int[] onnxGates, params AttributeProto[] attributes)
    {
        int gates = layout.Gates, f = layout.Inputs, h = layout.Units;
        var w = new float[gates * h * f];
        var r = new float[gates * h * h];
        var b = new float[2 * gates * h];
        for (int g = 0; g < gates; g++)
        {
            int source = onnxGates[g];
            for (int u = 0; u < h; u++)
            {
                int row = g * h + u, column = source * h + u;   // ONNX row (gate g, unit u); NeuralPS column
                for (int i = 0; i < f; i++) w[row * f + i] = parameters[layout.InputWeights + i * layout.GateWidth + column];
                for (int j = 0; j < h; j++) r[row * h + j] = parameters[layout.RecurrentWeights + j * layout.GateWidth + column];
                b[row] = parameters[layout.InputBias + column];
                b[gates * h + row] = parameters[layout.RecurrentBias + column];
            }
        }
        string sequences = graph.Node("Reshape", $"{prefix}_sequences", new[] { input, graph.Int64Initializer($"{prefix}_sequence_shape", -1, steps, f) });
        string timeMajor = graph.Node("Transpose", $"{prefix}_time_major", new[] { sequences }, OnnxGraph.IntsAttribute("perm", 1, 0, 2));
        string[] inputs =
        {
            timeMajor,
            graph.Initializer($"{prefix}_W", w, 1, gates * h, f),
            graph.Initializer($"{prefix}_R", r, 1, gates * h, h),
            graph.Initializer($"{prefix}_B", b, 1, 2 * gates * h),
        };
        var all = new List<AttributeProto>(attributes) { OnnxGraph.IntAttribute("hidden_size", h) };
        if (!returnSequences)
        {
            // outputs: Y left out, Y_h [1, N, H]
            string last = graph.Node(opType, prefix, inputs, new[] { "", $"{prefix}_Y_h" }, all.ToArray());
            return graph.Node("Reshape", $"{prefix}_rows", new[] { last, graph.Int64Initializer($"{prefix}_row_shape", -1, h) });
        }
        string every = graph.Node(opType, prefix, inputs, new[] { $"{prefix}_Y" }, all.ToArray());
        string batchMajor = graph.Node("Transpose", $"{prefix}_batch_major", new[] { every }, OnnxGraph.IntsAttribute("perm", 2, 0, 1, 3));
        return graph.Node("Reshape", $"{prefix}_rows", new[] { batchMajor, graph.Int64Initializer($"{prefix}_row_shape", -1, (long)steps * h) });
    }
}
