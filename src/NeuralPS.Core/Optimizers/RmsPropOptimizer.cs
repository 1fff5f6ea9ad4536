using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using NeuralPS.Core.Kernels;

namespace NeuralPS.Core.Optimizers;

/// <summary>RMSprop: v = ρ·v + (1−ρ)·g²; with momentum, b = μ·b + g/(√v + ε) and p −= lr·b.</summary>
internal sealed class RmsPropOptimizer : Optimizer
{
    private readonly float[] _square, _momentum, _mean;

    public RmsPropOptimizer(OptimizerSettings settings, int count) : base(settings, count)
    {
        _square = new float[count];
        _momentum = settings.Momentum != 0 ? new float[count] : Array.Empty<float>();
        _mean = settings.Centered ? new float[count] : Array.Empty<float>();
    }

    public override float[][] StateBuffers => new[] { _square, _momentum, _mean };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Step(Span<float> p, Span<float> g, float lr)
    {
        AddWeightDecay(g, p, Settings.EffectiveWeightDecay);
        float rho = (float)Settings.Rho, oneMinusRho = (float)(1 - Settings.Rho), eps = (float)Settings.EffectiveEpsilon, mu = (float)Settings.Momentum;
        bool centered = Settings.Centered;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= p.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var gi = new Vector<float>(g[i..]);
                Vector<float> v = rho * new Vector<float>(_square, i) + oneMinusRho * gi * gi;
                v.CopyTo(_square, i);
                if (centered)
                {
                    Vector<float> m = rho * new Vector<float>(_mean, i) + oneMinusRho * gi;
                    m.CopyTo(_mean, i);
                    v -= m * m;
                }
                Vector<float> update = gi / (Vector.SquareRoot(v) + new Vector<float>(eps));
                if (mu != 0)
                {
                    update = mu * new Vector<float>(_momentum, i) + update;
                    update.CopyTo(_momentum, i);
                }
                (new Vector<float>(p[i..]) - lr * update).CopyTo(p[i..]);
            }
        for (; i < p.Length; i++)
        {
            float v = _square[i] = rho * _square[i] + oneMinusRho * g[i] * g[i];
            if (centered)
            {
                float m = _mean[i] = rho * _mean[i] + oneMinusRho * g[i];
                v -= m * m;
            }
            float update = g[i] / (MathF.Sqrt(v) + eps);
            if (mu != 0) update = _momentum[i] = mu * _momentum[i] + update;
            p[i] -= lr * update;
        }
        StepCount++;
    }
}
