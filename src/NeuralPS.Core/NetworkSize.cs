using System.Globalization;
using NeuralPS.Core.Layers;

namespace NeuralPS.Core;

/// <summary>
/// Sizes that can pass 2³¹ (a layer's parameter count, a batch of activations), computed in 64 bits and checked
/// before anything is allocated: what one float[] cannot index, or the machine cannot hold, is <c>NetworkTooLarge</c>
/// with the bytes it would need, never a wrapped int, an OverflowException or an OutOfMemoryException.
/// </summary>
public static class NetworkSize
{
    /// <summary>The most values one buffer (a float[]) holds.</summary>
    public static long MaxValues => Array.MaxLength;

    /// <summary>Rows the engine predicts and evaluates at once (Network.Predict's and the evaluator's chunk).</summary>
    private const int PredictionRows = 1024;

    /// <summary>The widest a layer (or the input) can be: a chunk of predictions of that width fills one buffer.</summary>
    internal static long MaxWidth => MaxValues / PredictionRows;

    /// <summary>
    /// A layer's parameter count, computed in 64 bits by the layer: returned when one buffer can hold it, else
    /// <c>NetworkTooLarge</c>.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static int ParameterCount(long count, Layer layer)
    {
        if (count > MaxValues)
            throw TooLarge($"A {layer.Describe()} layer of {Count(layer.OutputSize)} units on {Count(layer.InputSize)} inputs would have " +
                $"{Count(count)} parameters ({Bytes(4 * count)}), more than one buffer holds ({Count(MaxValues)} values). {Fewer}", layer);
        return (int)count;
    }

    /// <summary>
    /// Checks, before <see cref="Network.Add"/> grows the parameter buffer, that the network with
    /// <paramref name="layer"/> (already fixed to its input) fits one buffer and this machine's memory, and that its
    /// predictions' buffers ([rows, units] for a chunk of rows) can be indexed.
    /// </summary>
    public static void EnsureCanAdd(Network network, Layer layer)
    {
        long total = network.ParameterCount + (long)layer.ParameterCount;
        if (total > MaxValues)
            throw TooLarge($"With this {layer.Describe()} layer the network '{network.Name}' would have {Count(total)} parameters " +
                $"({Bytes(4 * total)}), more than one buffer holds ({Count(MaxValues)} values). {Fewer}", layer);
        if ((long)layer.OutputSize * PredictionRows > MaxValues)
            throw TooLarge($"A layer of {Count(layer.OutputSize)} units is too wide: predictions run {PredictionRows} rows at a time, " +
                $"and {PredictionRows} × {Count(layer.OutputSize)} values are more than one buffer holds. {Fewer}", layer);
        // The old buffer and the grown one live side by side while the parameters are copied.
        long needed = 4 * (network.ParameterCount + total);
        long machine = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (machine > 0 && needed > machine)
            throw TooLarge($"With this {layer.Describe()} layer the network '{network.Name}' would have {Count(total)} parameters: " +
                $"adding it needs {Bytes(needed)}, and this machine has {Bytes(machine)}. {Fewer}", layer);
    }

    /// <summary>
    /// Checks that a batch of <paramref name="rows"/> fits the buffers training allocates for it ([rows, units] for the
    /// widest layer, and the inputs).
    /// </summary>
    public static void EnsureBatchFits(Network network, int rows)
    {
        long widest = Math.Max(network.InputSize, network.Layers.Count == 0 ? 0 : network.Layers.Max(l => l.OutputSize));
        long values = rows * widest;
        if (values > MaxValues)
            throw TooLarge($"A batch of {Count(rows)} rows × {Count(widest)} values (the widest layer of '{network.Name}') is " +
                $"{Count(values)} values ({Bytes(4 * values)}), more than one buffer holds. Give a smaller -BatchSize " +
                $"(at most {Count(MaxValues / widest)}).", network);
    }

    private const string Fewer = "Make the layers narrower or fewer.";

    private static NeuralPSException TooLarge(string message, object target) => new(ErrorIds.NetworkTooLarge, ErrorKind.TooLarge, message, target);

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A byte count as people read it: 40.0 GB (decimal units, as disks and the memory the OS reports).</summary>
    internal static string Bytes(long bytes) => bytes switch
    {
        >= 1_000_000_000 => (bytes / 1e9).ToString("N1", CultureInfo.InvariantCulture) + " GB",
        >= 1_000_000 => (bytes / 1e6).ToString("N1", CultureInfo.InvariantCulture) + " MB",
        _ => Count(bytes) + " bytes",
    };
}
