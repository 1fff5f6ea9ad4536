using System.Text.Json.Nodes;
using NeuralPS.Core.Kernels;

namespace NeuralPS.Core.Layers;

/// <summary>
/// Average pooling over images (C, H, W): the mean of each window (see <see cref="Pool2DLayer"/>). Shapes: x [rows,
/// C·H·W] → z [rows, C·OH·OW].
/// </summary>
[LayerKind("AveragePool2D")]
public sealed class AveragePool2DLayer : Pool2DLayer
{
    /// <summary>Windows of poolHeight×poolWidth moved by the strides (0: the window's size).</summary>
    public AveragePool2DLayer(int poolHeight, int poolWidth, int strideHeight = 0, int strideWidth = 0)
        : base(poolHeight, poolWidth, strideHeight, strideWidth) { }

    private protected override string Operation => "average pooling";

    private protected override string OnnxOperator => "AveragePool";

    internal static Layer Load(JsonObject s)
    {
        (int ph, int pw, int sh, int sw) = LoadSettings(s);
        return new AveragePool2DLayer(ph, pw, sh, sw);
    }

    internal override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z,
        int rows, bool training, Span<float> scratch, ExecutionContext context) =>
        Pooling.AverageForward(Geometry, rows, input, z, context.Pool);

    internal override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        if (inputGradient.IsEmpty) return;
        Pooling.AverageBackward(Geometry, rows, dz, inputGradient, context.Pool);
    }
}
