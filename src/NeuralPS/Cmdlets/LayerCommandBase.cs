using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Layers;

namespace NeuralPS.Cmdlets;

/// <summary>The builders: take a network from the pipeline, add a layer, pass the network on.</summary>
public abstract class LayerCommandBase : NeuralPSCmdlet
{
    /// <summary>The network to add the layer to.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, HelpMessage = "The network to add the layer to (from New-Network or another Add- cmdlet).")]
    public Network Network { get; set; } = null!;

    /// <summary>The layer to add.</summary>
    protected abstract Layer CreateLayer();

    protected override void ProcessRecord() => Guard(() =>
    {
        using (Use(Network, NetworkUse.Change)) Network.Add(CreateLayer()); // given back before the network goes on
        WriteVerbose($"Added layer {Network.Layers.Count}: {Network.Layers[^1].Describe()}, {Network.Layers[^1].ParameterCount} parameters.");
        WriteObject(Network);
    }, Network);
}

/// <summary>Adds a fully connected layer.</summary>
[Cmdlet(VerbsCommon.Add, "DenseLayer")]
[OutputType(typeof(Network))]
public sealed class AddDenseLayerCommand : LayerCommandBase
{
    /// <summary>Number of units.</summary>
    [Parameter(Mandatory = true, Position = 0, HelpMessage = "Number of units (outputs) of the layer.")]
    [ValidateRange(1, int.MaxValue)]
    public int Units { get; set; }

    /// <summary>The activation.</summary>
    [Parameter(Position = 1, HelpMessage = "Activation: Linear, Sigmoid, Tanh, Relu, LeakyRelu, Elu, Gelu, Swish, Softplus, Softmax.")]
    public Activation Activation { get; set; } = Activation.Linear;

    /// <summary>Weight initialization.</summary>
    [Parameter(HelpMessage = "Weight initialization: Auto (He for ReLU-like, Glorot otherwise), GlorotUniform, GlorotNormal, HeUniform, HeNormal, LeCunNormal, LeCunUniform (PyTorch's default), Zeros.")]
    public Initializer Initializer { get; set; } = Initializer.Auto;

    /// <summary>L1 penalty on the weights.</summary>
    [Parameter(HelpMessage = "L1 penalty factor on the weights (not biases): adds L1·Σ|W| to the loss.")]
    [ValidateRange(0.0, double.MaxValue)]
    public double L1 { get; set; }

    /// <summary>L2 penalty on the weights.</summary>
    [Parameter(HelpMessage = "L2 penalty factor on the weights (not biases): adds L2·ΣW² to the loss.")]
    [ValidateRange(0.0, double.MaxValue)]
    public double L2 { get; set; }

    protected override Layer CreateLayer() =>
        Activation == Activation.Softmax && Units == 1 ? throw Core.Training.Evaluator.SoftmaxOverOneUnit(Network)
            : new DenseLayer(Units, Activation, Initializer, (float)L1, (float)L2);
}

/// <summary>Adds inverted dropout.</summary>
[Cmdlet(VerbsCommon.Add, "DropoutLayer")]
[OutputType(typeof(Network))]
public sealed class AddDropoutLayerCommand : LayerCommandBase
{
    /// <summary>Fraction dropped.</summary>
    [Parameter(Mandatory = true, Position = 0, HelpMessage = "Fraction of inputs dropped in training, at least 0 and below 1.")]
    public double Rate { get; set; }

    /// <summary>Drop whole channels.</summary>
    [Parameter(HelpMessage = "Drop whole channels rather than single values: an image's feature maps (PyTorch's Dropout2d, Keras's SpatialDropout2D) or a sequence's features at every timestep (SpatialDropout1D). For after convolution layers.")]
    public SwitchParameter Spatial { get; set; }

    protected override Layer CreateLayer() => new DropoutLayer((float)Rate, Spatial);
}

/// <summary>Adds batch normalization.</summary>
[Cmdlet(VerbsCommon.Add, "BatchNormLayer")]
[OutputType(typeof(Network))]
public sealed class AddBatchNormLayerCommand : LayerCommandBase
{
    /// <summary>Activation after normalizing.</summary>
    [Parameter(Position = 0, HelpMessage = "Activation applied after normalizing (Linear by default).")]
    public Activation Activation { get; set; } = Activation.Linear;

    /// <summary>Running-statistics momentum.</summary>
    [Parameter(HelpMessage = "Weight of each new batch in the running statistics (PyTorch's momentum, 0.1).")]
    [ValidateRange(0.0, 1.0)]
    public double Momentum { get; set; } = 0.1;

    /// <summary>Added to the variance.</summary>
    [Parameter(HelpMessage = "Added to the variance before the square root (1e-5).")]
    [ValidateRange(0.0, 1.0)]
    public double Epsilon { get; set; } = 1e-5;

    protected override Layer CreateLayer() => new BatchNormLayer(Activation, (float)Momentum, (float)Epsilon);
}

/// <summary>Adds an input normalization layer.</summary>
[Cmdlet(VerbsCommon.Add, "NormalizationLayer")]
[OutputType(typeof(Network))]
public sealed class AddNormalizationLayerCommand : LayerCommandBase
{
    protected override Layer CreateLayer() => new NormalizationLayer();
}
