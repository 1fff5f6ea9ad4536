namespace NeuralPS.Core.Onnx;

/// <summary>
/// A layer as the ONNX graph describes it, read before any network exists (an activation arrives after its layer's
/// node, and constants after a dense layer fold into its weights); <see cref="OnnxImporter"/> turns the plans into
/// layers. <see cref="Node"/> names the ONNX node the layer came from, for messages.
/// </summary>
internal abstract class LayerPlan
{
    protected LayerPlan(string node) => Node = node;

    public string Node { get; }

    public Activation Activation { get; set; } = Activation.Linear;
}

/// <summary>z = x·W + b, W [inputs, units] row-major as NeuralPS stores it.</summary>
internal sealed class DensePlan : LayerPlan
{
    public DensePlan(string node, int inputs, int units, float[] weights, float[] bias) : base(node)
    {
        Inputs = inputs;
        Units = units;
        Weights = weights;
        Bias = bias;
    }

    public int Inputs { get; }
    public int Units { get; }
    public float[] Weights { get; }
    public float[] Bias { get; }
}

/// <summary>Batch normalization in NeuralPS's terms: its momentum is the weight of a new batch (ONNX's 1 − momentum).</summary>
internal sealed class BatchNormPlan : LayerPlan
{
    public BatchNormPlan(string node, float[] scale, float[] shift, float[] mean, float[] variance, float epsilon, float momentum) : base(node)
    {
        Scale = scale;
        Shift = shift;
        Mean = mean;
        Variance = variance;
        Epsilon = epsilon;
        Momentum = momentum;
    }

    public float[] Scale { get; }
    public float[] Shift { get; }
    public float[] Mean { get; }
    public float[] Variance { get; }
    public float Epsilon { get; }
    public float Momentum { get; }
}

/// <summary>Dropout of a given rate (the identity when predicting).</summary>
internal sealed class DropoutPlan : LayerPlan
{
    public DropoutPlan(string node, float rate) : base(node) => Rate = rate;

    public float Rate { get; }
}

/// <summary>
/// z = (x − mean) / std per input: the constants added, subtracted, multiplied and divided before the first layer,
/// composed in double precision (x − m then ÷ s, as NeuralPS exports its normalization layer, gives back m and s).
/// </summary>
internal sealed class NormalizationPlan : LayerPlan
{
    public NormalizationPlan(string node, int width) : base(node)
    {
        Mean = new double[width];
        StandardDeviation = Enumerable.Repeat(1.0, width).ToArray();
    }

    public double[] Mean { get; }
    public double[] StandardDeviation { get; }
}
