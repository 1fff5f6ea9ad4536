using System.Runtime.CompilerServices;
using NeuralPS.Core.Layers;

namespace NeuralPS.Core.Training;

/// <summary>Per-layer norms of a flat gradient buffer, kept in the network's training state as its LastGradientNorms.</summary>
internal static class GradientNorms
{
    /// <summary>Stores the L2 norm of each layer's slice of <paramref name="gradients"/> (one pass over the buffer).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Record(Network network, ReadOnlySpan<float> gradients)
    {
        IReadOnlyList<Layer> layers = network.Layers;
        TrainingState state = TrainingState.Of(network);
        double[] norms = state.LastGradientNorms.Length == layers.Count ? state.LastGradientNorms : new double[layers.Count];
        for (int i = 0; i < layers.Count; i++)
        {
            Layer layer = layers[i];
            norms[i] = layer.ParameterCount == 0 ? 0 : Math.Sqrt(SumOfSquares(gradients.Slice(layer.ParameterOffset, layer.ParameterCount)));
        }
        state.LastGradientNorms = norms;
    }

    /// <summary>
    /// Σ x², accumulated in double. A loop of its own rather than TensorPrimitives.SumOfSquares: it runs once an epoch,
    /// which for a tiny network (XOR: one step an epoch) is every step, and a generic library method runs unoptimized
    /// for the first second or so of a process.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double SumOfSquares(ReadOnlySpan<float> x)
    {
        int i = 0;
        double sum = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated && x.Length >= System.Numerics.Vector<float>.Count)
        {
            var low = System.Numerics.Vector<double>.Zero;
            var high = System.Numerics.Vector<double>.Zero;
            for (; i <= x.Length - System.Numerics.Vector<float>.Count; i += System.Numerics.Vector<float>.Count)
            {
                System.Numerics.Vector.Widen(new System.Numerics.Vector<float>(x[i..]), out var a, out var b);
                low += a * a;
                high += b * b;
            }
            sum = System.Numerics.Vector.Sum(low + high);
        }
        for (; i < x.Length; i++) sum += (double)x[i] * x[i];
        return sum;
    }
}
