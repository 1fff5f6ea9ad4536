using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using NeuralPS.Core.Kernels;

namespace NeuralPS.Core.Optimizers;

/// <summary>Gradient descent with optional momentum, dampening and Nesterov momentum.</summary>
internal sealed class SgdOptimizer : Optimizer
{
    private readonly float[] _velocity;

    public SgdOptimizer(OptimizerSettings settings, int count) : base(settings, count) =>
        _velocity = settings.Momentum != 0 ? new float[count] : Array.Empty<float>();

    public override float[][] StateBuffers => new[] { _velocity };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Step(Span<float> p, Span<float> g, float lr)
    {
        AddWeightDecay(g, p, Settings.EffectiveWeightDecay);
        float momentum = (float)Settings.Momentum;
        if (momentum != 0)
        {
            Span<float> v = _velocity;
            if (StepCount == 0) g.CopyTo(v);
            else
            {
                float keep = 1f - (float)Settings.Dampening;
                int i = 0;
                // Vectors then the scalar tail, with the scalar formula's operations in the same order: same bits.
                if (Vector.IsHardwareAccelerated)
                    for (; i <= v.Length - Vector<float>.Count; i += Vector<float>.Count)
                        (momentum * new Vector<float>(v[i..]) + keep * new Vector<float>(g[i..])).CopyTo(v[i..]);
                for (; i < v.Length; i++) v[i] = momentum * v[i] + keep * g[i];
            }
            if (Settings.Nesterov) TensorPrimitives.MultiplyAdd(v, momentum, g, g);
            else v.CopyTo(g);
        }
        Descend(p, g, -lr);
        StepCount++;
    }

    /// <summary>
    /// p = g·s + p, elementwise: TensorPrimitives.MultiplyAdd's operations (a product, then a sum, not fused), so the
    /// same bits, in a loop of its own that is optimized from the first step (the generic library method runs
    /// unoptimized for the first second or so of a process, the whole of a tiny network's training).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Descend(Span<float> p, ReadOnlySpan<float> g, float s)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vs = new Vector<float>(s);
            for (; i <= p.Length - Vector<float>.Count; i += Vector<float>.Count)
                (new Vector<float>(g[i..]) * vs + new Vector<float>(p[i..])).CopyTo(p[i..]);
        }
        for (; i < p.Length; i++) p[i] = g[i] * s + p[i];
    }
}
