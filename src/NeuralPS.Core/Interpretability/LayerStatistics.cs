using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Training;

namespace NeuralPS.Core.Interpretability;

/// <summary>The numbers people look at when training goes wrong, for one layer.</summary>
public sealed class LayerStatistics
{
    /// <summary>The layer's position, 1 for the first.</summary>
    public int Layer { get; init; }

    /// <summary>Dense, Dropout, BatchNorm or Normalization.</summary>
    public string Kind { get; init; } = "";

    /// <summary>The layer's activation.</summary>
    public Activation Activation { get; init; }

    /// <summary>Width of the layer's output.</summary>
    public int Units { get; init; }

    /// <summary>Trainable parameters.</summary>
    public int Parameters { get; init; }

    /// <summary>L2 (Frobenius) norm of the weights (dense) or of γ (batch normalization); null for layers without.</summary>
    public double? WeightNorm { get; init; }

    /// <summary>L2 norm of the bias (dense) or of β (batch normalization); null for layers without.</summary>
    public double? BiasNorm { get; init; }

    /// <summary>Mean of the layer's outputs (after its activation) over the dataset's rows.</summary>
    public double? ActivationMean { get; init; }

    /// <summary>Standard deviation of the layer's outputs over the dataset's rows and units.</summary>
    public double? ActivationStd { get; init; }

    /// <summary>ReLU layers: the units that output zero for every row of the dataset (they never fire).</summary>
    public int? DeadUnits { get; init; }

    /// <summary>ReLU layers: DeadUnits as a fraction of the units.</summary>
    public double? DeadFraction { get; init; }

    /// <summary>L2 norm of the layer's parameter gradients at the last step of the last epoch trained (null before training).</summary>
    public double? GradientNorm { get; init; }

    /// <summary>Rows the activations were measured on (0 without a dataset).</summary>
    public int Rows { get; init; }

    /// <summary>The statistics of every layer of <paramref name="network"/>; activations measured on <paramref name="data"/> if given.</summary>
    public static LayerStatistics[] Compute(Network network, Dataset? data)
    {
        network.EnsureReady();
        if (data is not null && data.FeatureCount != network.InputSize)
            throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidData,
                $"The network expects {network.InputSize} inputs but the dataset '{data.Name}' has {data.FeatureCount} features.", data);
        IReadOnlyList<Layer> layers = network.Layers;
        int count = layers.Count;
        var sums = new double[count];
        var squares = new double[count];
        var fired = new bool[count][];
        for (int i = 0; i < count; i++) fired[i] = new bool[layers[i].OutputSize];
        int rows = data?.Rows ?? 0;
        if (data is not null)
        {
            const int chunk = 512;
            using var engine = new InputGradients(network, Math.Min(chunk, rows));
            for (int start = 0; start < rows; start += chunk)
            {
                int n = Math.Min(chunk, rows - start);
                engine.Forward(data.Features.AsSpan(start * data.FeatureCount, n * data.FeatureCount), n);
                for (int i = 0; i < count; i++)
                {
                    ReadOnlySpan<float> y = engine.LayerOutput(i, n);
                    sums[i] += TensorPrimitives.Sum(y);
                    squares[i] += TensorPrimitives.SumOfSquares(y);
                    int width = layers[i].OutputSize;
                    for (int k = 0; k < y.Length; k++) if (y[k] > 0) fired[i][k % width] = true;
                }
            }
        }

        double[] gradientNorms = network.LastGradientNorms;
        var result = new LayerStatistics[count];
        for (int i = 0; i < count; i++)
        {
            Layer layer = layers[i];
            ReadOnlySpan<float> p = network.ParametersOf(layer);
            double? weightNorm = null, biasNorm = null;
            if (layer.WeightCountForStatistics is int weights)
            {
                weightNorm = Math.Sqrt(TensorPrimitives.SumOfSquares(p[..weights]));
                biasNorm = Math.Sqrt(TensorPrimitives.SumOfSquares(p[weights..]));
            }
            double values = (double)rows * layer.OutputSize;
            double? mean = rows > 0 ? sums[i] / values : null;
            double? std = rows > 0 ? Math.Sqrt(Math.Max(0, squares[i] / values - mean!.Value * mean.Value)) : null;
            bool relu = layer.Activation == Activation.Relu;
            int? dead = relu && rows > 0 ? fired[i].Count(f => !f) : null;
            result[i] = new LayerStatistics
            {
                Layer = i + 1, Kind = layer.Kind, Activation = layer.Activation, Units = layer.OutputSize, Parameters = layer.ParameterCount,
                WeightNorm = weightNorm, BiasNorm = biasNorm, ActivationMean = mean, ActivationStd = std,
                DeadUnits = dead, DeadFraction = dead is int d ? (double)d / layer.OutputSize : null,
                GradientNorm = gradientNorms.Length == count && layer.ParameterCount > 0 ? gradientNorms[i] : null,
                Rows = rows,
            };
        }
        return result;
    }
}
