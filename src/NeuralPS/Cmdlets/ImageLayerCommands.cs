using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Layers;

namespace NeuralPS.Cmdlets;

/// <summary>Sizes given as one number (both ways) or two (height, width), as Keras's kernel_size and strides.</summary>
internal static class SizePair
{
    public static (int Height, int Width) Of(int[] values, string name) => values.Length switch
    {
        1 => (values[0], values[0]),
        2 => (values[0], values[1]),
        _ => throw new NeuralPSException(ErrorIds.InvalidArgument, ErrorKind.InvalidArgument,
            $"-{name} is one number (the same both ways) or two (height, width); {values.Length} were given.", values),
    };
}

/// <summary>Adds a 2-D convolution over images.</summary>
[Cmdlet(VerbsCommon.Add, "Conv2DLayer")]
[OutputType(typeof(Network))]
public sealed class AddConv2DLayerCommand : LayerCommandBase
{
    /// <summary>Number of filters.</summary>
    [Parameter(Mandatory = true, Position = 0, HelpMessage = "Number of filters: the channels of the layer's output.")]
    [ValidateRange(1, int.MaxValue)]
    public int Filters { get; set; }

    /// <summary>Kernel size.</summary>
    [Parameter(HelpMessage = "Kernel size: one number (3 for 3x3) or height, width (3,5). Default 3.")]
    [ValidateCount(1, 2)]
    [ValidateRange(1, int.MaxValue)]
    public int[] KernelSize { get; set; } = { 3 };

    /// <summary>Stride.</summary>
    [Parameter(HelpMessage = "Stride: one number or vertical, horizontal. Default 1.")]
    [ValidateCount(1, 2)]
    [ValidateRange(1, int.MaxValue)]
    public int[] Stride { get; set; } = { 1 };

    /// <summary>Padding.</summary>
    [Parameter(HelpMessage = "Valid (no padding, the default) or Same (zeros around the image so that the output is ceil(input / stride), Keras's rule).")]
    public Padding Padding { get; set; } = Padding.Valid;

    /// <summary>The activation.</summary>
    [Parameter(Position = 1, HelpMessage = "Activation: Linear (default), Relu, Tanh, Sigmoid, LeakyRelu, Elu, Gelu, Swish, Softplus.")]
    public Activation Activation { get; set; } = Activation.Linear;

    /// <summary>Weight initialization.</summary>
    [Parameter(HelpMessage = "Weight initialization: Auto (He normal for ReLU-like, Glorot uniform otherwise), GlorotUniform (Keras's default), LeCunUniform (PyTorch's), HeNormal, HeUniform, GlorotNormal, LeCunNormal, Zeros.")]
    public Initializer Initializer { get; set; } = Initializer.Auto;

    protected override Layer CreateLayer()
    {
        (int kh, int kw) = SizePair.Of(KernelSize, nameof(KernelSize));
        (int sh, int sw) = SizePair.Of(Stride, nameof(Stride));
        return new Conv2DLayer(Filters, kh, kw, sh, sw, Padding, Activation, Initializer);
    }
}

/// <summary>The pooling cmdlets: their -PoolSize and -Stride, read as the layer's window and stride.</summary>
public abstract class PoolLayerCommandBase : LayerCommandBase
{
    /// <summary>Window size.</summary>
    [Parameter(Position = 0, HelpMessage = "Window size: one number (2 for 2x2, the default) or height, width.")]
    [ValidateCount(1, 2)]
    [ValidateRange(1, int.MaxValue)]
    public int[] PoolSize { get; set; } = { 2 };

    /// <summary>Stride.</summary>
    [Parameter(HelpMessage = "Stride: one number or vertical, horizontal. Default: the window size (windows side by side).")]
    [ValidateCount(1, 2)]
    [ValidateRange(1, int.MaxValue)]
    public int[]? Stride { get; set; }

    /// <summary>The layer for windows of poolHeight×poolWidth and the strides (0: the window's).</summary>
    private protected abstract Layer CreatePool(int poolHeight, int poolWidth, int strideHeight, int strideWidth);

    protected sealed override Layer CreateLayer()
    {
        (int ph, int pw) = SizePair.Of(PoolSize, nameof(PoolSize));
        (int sh, int sw) = Stride is null ? (0, 0) : SizePair.Of(Stride, nameof(Stride));
        return CreatePool(ph, pw, sh, sw);
    }
}

/// <summary>Adds max pooling over images.</summary>
[Cmdlet(VerbsCommon.Add, "MaxPoolLayer")]
[OutputType(typeof(Network))]
public sealed class AddMaxPoolLayerCommand : PoolLayerCommandBase
{
    private protected override Layer CreatePool(int poolHeight, int poolWidth, int strideHeight, int strideWidth) =>
        new MaxPool2DLayer(poolHeight, poolWidth, strideHeight, strideWidth);
}

/// <summary>Adds average pooling over images.</summary>
[Cmdlet(VerbsCommon.Add, "AveragePoolLayer")]
[OutputType(typeof(Network))]
public sealed class AddAveragePoolLayerCommand : PoolLayerCommandBase
{
    private protected override Layer CreatePool(int poolHeight, int poolWidth, int strideHeight, int strideWidth) =>
        new AveragePool2DLayer(poolHeight, poolWidth, strideHeight, strideWidth);
}

/// <summary>Adds global average pooling: one value a channel.</summary>
[Cmdlet(VerbsCommon.Add, "GlobalAveragePoolLayer")]
[OutputType(typeof(Network))]
public sealed class AddGlobalAveragePoolLayerCommand : LayerCommandBase
{
    protected override Layer CreateLayer() => new GlobalAveragePoolLayer();
}

/// <summary>Adds a flatten layer: images to rows of features.</summary>
[Cmdlet(VerbsCommon.Add, "FlattenLayer")]
[OutputType(typeof(Network))]
public sealed class AddFlattenLayerCommand : LayerCommandBase
{
    protected override Layer CreateLayer() => new FlattenLayer();
}
