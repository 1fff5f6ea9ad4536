using NeuralPS.Core.Layers;

namespace NeuralPS.Core.Interpretability;

/// <summary>
/// The integrated-gradients attribution of one picture, pixel by pixel, in the picture's own shape (C, H, W): what
/// <c>Get-Attribution</c> gives for a network over images, and what <c>Export-TrainingChart</c> draws as a saliency map.
/// </summary>
public sealed class ImageAttribution
{
    internal ImageAttribution(Shape shape, float[] pixels, double[] values, FeatureAttribution first, string? source)
    {
        (Channels, Height, Width) = (shape.Channels, shape.Height, shape.Width);
        Pixels = pixels;
        Values = values;
        Target = first.Target;
        Output = first.Output;
        BaselineOutput = first.BaselineOutput;
        Steps = first.Steps;
        Record = first.Record;
        Source = source;
    }

    /// <summary>Channels C of the picture.</summary>
    public int Channels { get; }

    /// <summary>Height H of the picture in pixels.</summary>
    public int Height { get; }

    /// <summary>Width W of the picture in pixels.</summary>
    public int Width { get; }

    /// <summary>The shape C, H, W.</summary>
    public int[] Shape => new[] { Channels, Height, Width };

    /// <summary>The picture's inputs, C·H·W in C, H, W order (as the network read them).</summary>
    public float[] Pixels { get; }

    /// <summary>The attribution of each input, C·H·W in C, H, W order; they sum to Output − BaselineOutput.</summary>
    public double[] Values { get; }

    /// <summary>The attribution as a C×H×W array: <c>$a.Attribution[c, y, x]</c>.</summary>
    public double[,,] Attribution
    {
        get
        {
            var cube = new double[Channels, Height, Width];
            Buffer.BlockCopy(Values, 0, cube, 0, Values.Length * sizeof(double));
            return cube;
        }
    }

    /// <summary>The saliency of each pixel, H×W: the sum over the channels of the absolute attributions.</summary>
    public double[,] Saliency
    {
        get
        {
            var map = new double[Height, Width];
            int plane = Height * Width;
            for (int c = 0; c < Channels; c++)
                for (int i = 0; i < plane; i++) map[i / Width, i % Width] += Math.Abs(Values[c * plane + i]);
            return map;
        }
    }

    /// <summary>The sum of the attributions (Output − BaselineOutput, up to the quadrature error).</summary>
    public double Sum => Values.Sum();

    /// <summary>The output explained: a class name, or "output" / "output[k]" for a regression.</summary>
    public string Target { get; }

    /// <summary>The network's explained output for the picture.</summary>
    public double Output { get; }

    /// <summary>The network's explained output for the baseline.</summary>
    public double BaselineOutput { get; }

    /// <summary>Intervals of the path the integral was computed over.</summary>
    public int Steps { get; }

    /// <summary>The record's number in the input (1 for the first).</summary>
    public int Record { get; }

    /// <summary>The picture file, when the input was one.</summary>
    public string? Source { get; }

    /// <summary>The attributions of a picture from its per-input attributions (C·H·W of them, in that order).</summary>
    public static ImageAttribution FromInputs(Shape shape, ReadOnlySpan<float> pixels, FeatureAttribution[] perInput, string? source = null)
    {
        if (!shape.IsImage || perInput.Length != shape.Size || pixels.Length != shape.Size)
            throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidArgument,
                $"An image attribution needs {shape.Size} values for a {string.Join("x", shape.Dimensions)} picture; {perInput.Length} were given.");
        return new ImageAttribution(shape, pixels.ToArray(), perInput.Select(a => a.Attribution).ToArray(), perInput[0], source);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Target}: {Channels}x{Height}x{Width} attributions summing to {Sum:+0.####;-0.####;0}";
}
