using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NeuralPS.Core.Kernels;

namespace NeuralPS.Core.Optimizers;

/// <summary>
/// Adam, AdamW (decoupled decay: p ← p·(1 − lr·λ) before the step) and NAdam (momentum decay μ_t),
/// sharing the two moment buffers.
/// </summary>
internal sealed unsafe class AdamOptimizer : Optimizer, IPoolWork
{
    private readonly float[] _m, _v;
    private readonly float[] _muProduct = { 1f }; // NAdam: Π μ_t, saved with the state

    public AdamOptimizer(OptimizerSettings settings, int count) : base(settings, count)
    {
        _m = new float[count];
        _v = new float[count];
    }

    public override float[][] StateBuffers => new[] { _m, _v, _muProduct };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Step(Span<float> p, Span<float> g, float lr)
    {
        OptimizerKind kind = Settings.Kind;
        double wd = Settings.EffectiveWeightDecay;
        if (kind == OptimizerKind.AdamW) { if (wd != 0) TensorPrimitives.Multiply(p, (float)(1 - lr * wd), p); }
        else AddWeightDecay(g, p, wd);

        StepCount++;
        long t = StepCount;
        double b1 = Settings.Beta1, b2 = Settings.Beta2;
        // 1 − β in double, then rounded: 1 − (float)0.999 would be off by 1e-5 relative.
        float fb1 = (float)b1, fb2 = (float)b2, rb1 = (float)(1 - b1), rb2 = (float)(1 - b2), eps = (float)Settings.EffectiveEpsilon;
        double bc2Root = Math.Sqrt(1 - Math.Pow(b2, t));
        _invBc2Root = (float)(1 / bc2Root);
        _fb1 = fb1; _fb2 = fb2; _rb1 = rb1; _rb2 = rb2; _eps = eps;
        _nadam = kind == OptimizerKind.Nadam;
        if (_nadam)
        {
            double md = Settings.MomentumDecay;
            double mu = b1 * (1 - 0.5 * Math.Pow(0.96, t * md));
            double muNext = b1 * (1 - 0.5 * Math.Pow(0.96, (t + 1) * md));
            double muProduct = _muProduct[0] * mu;
            _muProduct[0] = (float)muProduct;
            _stepSize = (float)(lr * (1 - mu) / (1 - muProduct));
            // PyTorch 1.13 (the reference) computes the next product as Π μ · μ_t · μ_{t+1}; we match it.
            _momentumScale = (float)(lr * muNext / (1 - muProduct * mu * muNext));
        }
        else _stepSize = (float)(lr / (1 - Math.Pow(b1, t)));
        fixed (float* pp = p, pg = g, pm = _m, pv = _v)
        {
            _p = pp; _g = pg; _pm = pm; _pv = pv;
            RunSplit(this, p.Length);
        }
    }

    // The Adam step of the current call, for the parts the pool runs.
    private float* _p, _g, _pm, _pv;
    private float _stepSize, _momentumScale, _invBc2Root, _fb1, _fb2, _rb1, _rb2, _eps;
    private bool _nadam;

    /// <summary>
    /// The Adam or NAdam update of [start, end): vectors, then the scalar tail, with exactly the scalar loop's
    /// operations in the same order (no fused multiply-add), so the bits do not depend on the vector width or the split.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void IPoolWork.Execute(int part, int parts)
    {
        (int start, int end) = PartOf(part, parts, _length);
        if (_nadam) { Nadam(start, end); return; }
        float* p = _p, g = _g, m = _pm, v = _pv;
        float fb1 = _fb1, fb2 = _fb2, rb1 = _rb1, rb2 = _rb2, eps = _eps, stepSize = _stepSize, invBc2Root = _invBc2Root;
        int i = start;
        if (Vector512.IsHardwareAccelerated)
        {
            // Square roots and divisions bound this loop: 16 lanes an instruction where the CPU has them (Vector<T>
            // stays at 8 on AVX-512 machines). The same operations as the loops below, so the same bits.
            for (; i <= end - 16; i += 16)
            {
                Vector512<float> gi = Vector512.Load(g + i);
                Vector512<float> mi = fb1 * Vector512.Load(m + i) + rb1 * gi;
                Vector512<float> vi = fb2 * Vector512.Load(v + i) + rb2 * gi * gi;
                mi.Store(m + i);
                vi.Store(v + i);
                Vector512<float> update = stepSize * mi / (Vector512.Sqrt(vi) * invBc2Root + Vector512.Create(eps));
                (Vector512.Load(p + i) - update).Store(p + i);
            }
        }
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            for (; i <= end - w; i += w)
            {
                Vector<float> gi = Vector.Load(g + i);
                Vector<float> mi = fb1 * Vector.Load(m + i) + rb1 * gi;
                Vector<float> vi = fb2 * Vector.Load(v + i) + rb2 * gi * gi;
                mi.Store(m + i);
                vi.Store(v + i);
                Vector<float> update = stepSize * mi / (Vector.SquareRoot(vi) * invBc2Root + new Vector<float>(eps));
                (Vector.Load(p + i) - update).Store(p + i);
            }
        }
        for (; i < end; i++)
        {
            m[i] = fb1 * m[i] + rb1 * g[i];
            v[i] = fb2 * v[i] + rb2 * g[i] * g[i];
            p[i] -= stepSize * m[i] / (MathF.Sqrt(v[i]) * invBc2Root + eps);
        }
    }

    /// <summary>
    /// NAdam over [start, end): m and v as Adam's, then p −= (s_g·g + s_m·m)/(√v/√(1−β₂ᵗ) + ε), where s_g and s_m carry
    /// the rate and the momentum-decay products (computed once a step in double). Same rules as Adam's loop: vectors,
    /// then the scalar tail with the same operations in the same order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Nadam(int start, int end)
    {
        float* p = _p, g = _g, m = _pm, v = _pv;
        float fb1 = _fb1, fb2 = _fb2, rb1 = _rb1, rb2 = _rb2, eps = _eps, gradScale = _stepSize, momentumScale = _momentumScale,
            invBc2Root = _invBc2Root;
        int i = start;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= end - 16; i += 16)
            {
                Vector512<float> gi = Vector512.Load(g + i);
                Vector512<float> mi = fb1 * Vector512.Load(m + i) + rb1 * gi;
                Vector512<float> vi = fb2 * Vector512.Load(v + i) + rb2 * gi * gi;
                mi.Store(m + i);
                vi.Store(v + i);
                Vector512<float> update = (gradScale * gi + momentumScale * mi) / (Vector512.Sqrt(vi) * invBc2Root + Vector512.Create(eps));
                (Vector512.Load(p + i) - update).Store(p + i);
            }
        }
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            for (; i <= end - w; i += w)
            {
                Vector<float> gi = Vector.Load(g + i);
                Vector<float> mi = fb1 * Vector.Load(m + i) + rb1 * gi;
                Vector<float> vi = fb2 * Vector.Load(v + i) + rb2 * gi * gi;
                mi.Store(m + i);
                vi.Store(v + i);
                Vector<float> update = (gradScale * gi + momentumScale * mi) / (Vector.SquareRoot(vi) * invBc2Root + new Vector<float>(eps));
                (Vector.Load(p + i) - update).Store(p + i);
            }
        }
        for (; i < end; i++)
        {
            m[i] = fb1 * m[i] + rb1 * g[i];
            v[i] = fb2 * v[i] + rb2 * g[i] * g[i];
            p[i] -= (gradScale * g[i] + momentumScale * m[i]) / (MathF.Sqrt(v[i]) * invBc2Root + eps);
        }
    }
}
