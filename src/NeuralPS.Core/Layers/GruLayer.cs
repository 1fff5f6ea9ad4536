using System.Text.Json.Nodes;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Kernels.Recurrent;
using NeuralPS.Core.Onnx;

namespace NeuralPS.Core.Layers;

/// <summary>
/// A gated recurrent unit layer with PyTorch's equations and gate order (nn.GRU: r, z, n; zero initial state; the
/// reset gate applied to the recurrent part with its bias, ONNX's linear_before_reset = 1):
/// <code>
///   [r z] = σ(x W_i[rz] + b_i[rz] + h W_h[rz] + b_h[rz])     n = tanh(x W_in + b_in + r ⊙ (h W_hn + b_hn))
///   h' = (1 − z) ⊙ n + z ⊙ h
/// </code>
/// Parameters: W_ih [F, 3H], W_hh [H, 3H], b_ih [3H], b_hh [3H]. Shapes: x [rows, T·F] → z [rows, H], or [rows, T·H]
/// with <see cref="RecurrentLayer.ReturnSequences"/>. The work is <see cref="Gru"/>'s.
/// </summary>
[LayerKind("GRU")]
public sealed class GruLayer : RecurrentLayer
{
    /// <summary>A GRU of <paramref name="units"/> hidden units.</summary>
    public GruLayer(int units, bool returnSequences = false) : base(units, returnSequences) { }

    internal static Layer Load(JsonObject s) =>
        new GruLayer(LayerRegistry.Number(s, "Units", 0), LayerRegistry.Number(s, "ReturnSequences", false));

    private protected override int Gates => Gru.Gates;

    private protected override int KernelScratch(RecurrentShape shape) => Gru.ScratchFloats(shape);

    private protected override void KernelForward(RecurrentShape shape, ReadOnlySpan<float> parameters, ReadOnlySpan<float> x,
        Span<float> output, Span<float> scratch, WorkerPool pool) => Gru.Forward(shape, parameters, x, output, scratch, pool);

    private protected override void KernelBackward(RecurrentShape shape, ReadOnlySpan<float> parameters, ReadOnlySpan<float> outputGradient,
        Span<float> gradients, Span<float> inputGradient, Span<float> scratch, WorkerPool pool) =>
        Gru.Backward(shape, parameters, outputGradient, gradients, inputGradient, scratch, pool);

    /// <summary>ONNX's GRU operator, gates reordered to its z, r, h, with linear_before_reset = 1: PyTorch's r ⊙ (h W_hn + b_hn) (<see cref="OnnxRecurrent"/>).</summary>
    internal override string ToOnnx(OnnxGraph graph, string prefix, ReadOnlySpan<float> parameters, string input) =>
        OnnxRecurrent.Write(graph, "GRU", prefix, parameters, input, Layout, InputShape.Steps, ReturnSequences, OnnxRecurrent.GruGates, OnnxGraph.IntAttribute("linear_before_reset", 1));
}
