using System.Text.Json.Nodes;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Kernels.Recurrent;
using NeuralPS.Core.Onnx;

namespace NeuralPS.Core.Layers;

/// <summary>
/// A long short-term memory layer with PyTorch's equations and gate order (nn.LSTM: i, f, g, o; zero initial state):
/// <code>
///   [i f g o] = [σ σ tanh σ](x W_ih + b_ih + h W_hh + b_hh)     c' = f ⊙ c + i ⊙ g     h' = o ⊙ tanh(c')
/// </code>
/// Parameters: W_ih [F, 4H], W_hh [H, 4H], b_ih [4H], b_hh [4H]. Shapes: x [rows, T·F] → z [rows, H], or [rows, T·H]
/// with <see cref="RecurrentLayer.ReturnSequences"/>. The work is <see cref="Lstm"/>'s.
/// </summary>
[LayerKind("LSTM")]
public sealed class LstmLayer : RecurrentLayer
{
    /// <summary>An LSTM of <paramref name="units"/> hidden units.</summary>
    public LstmLayer(int units, bool returnSequences = false) : base(units, returnSequences) { }

    internal static Layer Load(JsonObject s) =>
        new LstmLayer(LayerRegistry.Number(s, "Units", 0), LayerRegistry.Number(s, "ReturnSequences", false));

    private protected override int Gates => Lstm.Gates;

    private protected override int KernelScratch(RecurrentShape shape) => Lstm.ScratchFloats(shape);

    private protected override void KernelForward(RecurrentShape shape, ReadOnlySpan<float> parameters, ReadOnlySpan<float> x,
        Span<float> output, Span<float> scratch, WorkerPool pool) => Lstm.Forward(shape, parameters, x, output, scratch, pool);

    private protected override void KernelBackward(RecurrentShape shape, ReadOnlySpan<float> parameters, ReadOnlySpan<float> outputGradient,
        Span<float> gradients, Span<float> inputGradient, Span<float> scratch, WorkerPool pool) =>
        Lstm.Backward(shape, parameters, outputGradient, gradients, inputGradient, scratch, pool);

    /// <summary>ONNX's LSTM operator, gates reordered to its i, o, f, c (<see cref="OnnxRecurrent"/>).</summary>
    internal override string ToOnnx(OnnxGraph graph, string prefix, ReadOnlySpan<float> parameters, string input) =>
        OnnxRecurrent.Write(graph, "LSTM", prefix, parameters, input, Layout, InputShape.Steps, ReturnSequences, OnnxRecurrent.LstmGates);
}
