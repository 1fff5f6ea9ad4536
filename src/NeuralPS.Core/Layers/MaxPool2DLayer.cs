using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using NeuralPS.Core.Kernels;

namespace NeuralPS.Core.Layers;

/// <summary>
/// Max pooling over images (C, H, W): the maximum of each window (see <see cref="Pool2DLayer"/>). Shapes: x [rows,
/// C·H·W] → z [rows, C·OH·OW]; scratch: the argmax of each output (one int a float), kept from the forward pass for
/// the backward.
/// </summary>
[LayerKind("MaxPool2D")]
public sealed class MaxPool2DLayer : Pool2DLayer
{
    /// <summary>Windows of poolHeight×poolWidth moved by the strides (0: the window's size).</summary>
    public MaxPool2DLayer(int poolHeight, int poolWidth, int strideHeight = 0, int strideWidth = 0)
        : base(poolHeight, poolWidth, strideHeight, strideWidth) { }

    private protected override string Operation => "max pooling";

    private protected override string OnnxOperator => "MaxPool";

    internal static Layer Load(JsonObject s)
    {
        (int ph, int pw, int sh, int sw) = LoadSettings(s);
        return new MaxPool2DLayer(ph, pw, sh, sw);
    }

    internal override int ScratchLength(int rows, int threads) => rows * OutputSize;

    private static Span<int> Argmax(Span<float> scratch, int count) => MemoryMarshal.Cast<float, int>(scratch)[..count];

    internal override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z,
        int rows, bool training, Span<float> scratch, ExecutionContext context) =>
        Pooling.MaxForward(Geometry, rows, input, z, Argmax(scratch, rows * OutputSize), context.Pool);

    internal override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        if (inputGradient.IsEmpty) return;
        Pooling.MaxBackward(Geometry, rows, dz, Argmax(scratch, rows * OutputSize), inputGradient, context.Pool);
    }
}
