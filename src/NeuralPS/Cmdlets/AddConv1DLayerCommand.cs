using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Layers;

namespace NeuralPS.Cmdlets;

/// <summary>Adds a 1-D convolution over sequences (timesteps, features).</summary>
[Cmdlet(VerbsCommon.Add, "Conv1DLayer")]
[OutputType(typeof(Network))]
public sealed class AddConv1DLayerCommand : LayerCommandBase
{
    /// <summary>Number of filters.</summary>
    [Parameter(Mandatory = true, Position = 0, HelpMessage = "Number of filters: the features of each output timestep.")]
    [ValidateRange(1, int.MaxValue)]
    public int Filters { get; set; }

    /// <summary>Kernel size in timesteps.</summary>
    [Parameter(HelpMessage = "Timesteps each filter spans. Default 3.")]
    [ValidateRange(1, int.MaxValue)]
    public int KernelSize { get; set; } = 3;

    /// <summary>Stride in timesteps.</summary>
    [Parameter(HelpMessage = "Timesteps between two outputs. Default 1.")]
    [ValidateRange(1, int.MaxValue)]
    public int Stride { get; set; } = 1;

    /// <summary>Padding.</summary>
    [Parameter(HelpMessage = "Valid (no padding, the default) or Same (zeros before and after so that the output has ceil(timesteps / stride) steps, Keras's rule).")]
    public Padding Padding { get; set; } = Padding.Valid;

    /// <summary>The activation.</summary>
    [Parameter(Position = 1, HelpMessage = "Activation: Linear (default), Relu, Tanh, Sigmoid, LeakyRelu, Elu, Gelu, Swish, Softplus.")]
    public Activation Activation { get; set; } = Activation.Linear;

    /// <summary>Weight initialization.</summary>
    [Parameter(HelpMessage = "Weight initialization: Auto (He normal for ReLU-like, Glorot uniform otherwise), GlorotUniform (Keras's default), LeCunUniform (PyTorch's), HeNormal, HeUniform, GlorotNormal, LeCunNormal, Zeros.")]
    public Initializer Initializer { get; set; } = Initializer.Auto;

    protected override Layer CreateLayer() => new Conv1DLayer(Filters, KernelSize, Stride, Padding, Activation, Initializer);
}
