using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using NeuralPS.Core.Kernels;

namespace NeuralPS.Core.Optimizers;

/// <summary>AdaGrad: sum += g²; p −= lr·g/(√sum + ε).</summary>
internal sealed class AdaGradOptimizer : Optimizer
{
    private readonly float[] _sum;

    public AdaGradOptimizer(OptimizerSettings settings, int count) : base(settings, count)
    {
        _sum = new float[count];
        _sum.AsSpan().Fill((float)settings.InitialAccumulator);
    }

    public override float[][] StateBuffers => new[] { _sum };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Step(Span<float> p, Span<float> g, float lr)
    {
        AddWeightDecay(g, p, Settings.EffectiveWeightDecay);
        float eps = (float)Settings.EffectiveEpsilon;
        Span<float> sum = _sum;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= p.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var gi = new Vector<float>(g[i..]);
                Vector<float> si = new Vector<float>(sum[i..]) + gi * gi;
                si.CopyTo(sum[i..]);
                (new Vector<float>(p[i..]) - lr * gi / (Vector.SquareRoot(si) + new Vector<float>(eps))).CopyTo(p[i..]);
            }
        for (; i < p.Length; i++)
        {
            sum[i] += g[i] * g[i];
            p[i] -= lr * g[i] / (MathF.Sqrt(sum[i]) + eps);
        }
        StepCount++;
    }
}
