using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;
using NeuralPS.Core.Kernels;

namespace NeuralPS.Core.Optimizers;

/// <summary>
/// An update rule over the whole flat parameter buffer, with PyTorch's formulas (torch.optim).
/// State buffers are allocated once, for the network's parameter count; a step allocates nothing.
/// </summary>
public abstract class Optimizer
{
    /// <summary>Creates the optimizer for <paramref name="parameterCount"/> parameters.</summary>
    public static Optimizer Create(OptimizerSettings settings, int parameterCount) => settings.Kind switch
    {
        OptimizerKind.Sgd => new SgdOptimizer(settings, parameterCount),
        OptimizerKind.AdaGrad => new AdaGradOptimizer(settings, parameterCount),
        OptimizerKind.RmsProp => new RmsPropOptimizer(settings, parameterCount),
        OptimizerKind.Adam or OptimizerKind.AdamW or OptimizerKind.Nadam => new AdamOptimizer(settings, parameterCount),
        OptimizerKind.Lbfgs => throw new NeuralPSException(ErrorIds.FullBatchOptimizer, ErrorKind.InvalidOperation,
            "L-BFGS minimizes over the whole dataset; the trainer runs it, not a per-batch step."),
        _ => throw new ArgumentOutOfRangeException(nameof(settings)),
    };

    /// <summary>The settings this optimizer was made from.</summary>
    public OptimizerSettings Settings { get; }

    /// <summary>Steps taken so far.</summary>
    public long StepCount { get; protected set; }

    /// <summary>Base for the update rules.</summary>
    protected Optimizer(OptimizerSettings settings) => Settings = settings;

    /// <summary>Applies one update to <paramref name="parameters"/> from <paramref name="gradients"/> (which it may change).</summary>
    public abstract void Step(Span<float> parameters, Span<float> gradients, float learningRate);

    /// <summary>The state buffers, in a fixed order, for saving and restoring.</summary>
    public abstract float[][] StateBuffers { get; }

    /// <summary>Restores the step count (state buffers are restored in place through <see cref="StateBuffers"/>).</summary>
    public void RestoreStepCount(long steps) => StepCount = steps;

    /// <summary>
    /// The threads an update may use: the pool of the workspace that computed the gradients (set by it), so a large
    /// network's update is split across the same threads as its products. Null: the caller's thread alone.
    /// </summary>
    internal WorkerPool? Pool { get; set; }

    // Updates below this many parameters stay on one thread: the hand-off would cost more than it saves.
    private const int SplitThreshold = 32 * 1024;
    private protected int _length;

    /// <summary>Runs an elementwise update over <paramref name="length"/> parameters, split across the pool when large.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected void RunSplit(IPoolWork update, int length)
    {
        _length = length;
        WorkerPool? pool = Pool;
        if (pool is null || pool.ThreadCount == 1 || length < SplitThreshold) update.Execute(0, 1);
        else pool.Run(update, pool.ThreadCount);
    }

    /// <summary>Part <paramref name="part"/> of <paramref name="parts"/> of [0, length), cut at multiples of 64 floats (cache lines).</summary>
    private protected static (int Start, int End) PartOf(int part, int parts, int length)
    {
        int blocks = (length + 63) / 64;
        return (Math.Min(length, part * blocks / parts * 64), Math.Min(length, (part + 1) * blocks / parts * 64));
    }

    /// <summary>Adds weight decay as an L2 gradient term: g += λ·p.</summary>
    protected static void AddWeightDecay(Span<float> gradients, ReadOnlySpan<float> parameters, double weightDecay)
    {
        if (weightDecay != 0) TensorPrimitives.MultiplyAdd(parameters, (float)weightDecay, gradients, gradients);
    }
}

/// <summary>Gradient descent with optional momentum, dampening and Nesterov momentum.</summary>
internal sealed class SgdOptimizer : Optimizer
{
    private readonly float[] _velocity;

    public SgdOptimizer(OptimizerSettings settings, int count) : base(settings) =>
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

/// <summary>AdaGrad: sum += g²; p −= lr·g/(√sum + ε).</summary>
internal sealed class AdaGradOptimizer : Optimizer
{
    private readonly float[] _sum;

    public AdaGradOptimizer(OptimizerSettings settings, int count) : base(settings)
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

/// <summary>RMSprop: v = ρ·v + (1−ρ)·g²; with momentum, b = μ·b + g/(√v + ε) and p −= lr·b.</summary>
internal sealed class RmsPropOptimizer : Optimizer
{
    private readonly float[] _square, _momentum, _mean;

    public RmsPropOptimizer(OptimizerSettings settings, int count) : base(settings)
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

/// <summary>
/// Adam, AdamW (decoupled decay: p ← p·(1 − lr·λ) before the step) and NAdam (momentum decay μ_t),
/// sharing the two moment buffers.
/// </summary>
internal sealed unsafe class AdamOptimizer : Optimizer, IPoolWork
{
    private readonly float[] _m, _v;
    private readonly float[] _muProduct = { 1f }; // NAdam: Π μ_t, saved with the state

    public AdamOptimizer(OptimizerSettings settings, int count) : base(settings)
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
        Span<float> m = _m, v = _v;

        if (kind == OptimizerKind.Nadam)
        {
            double md = Settings.MomentumDecay;
            double mu = b1 * (1 - 0.5 * Math.Pow(0.96, t * md));
            double muNext = b1 * (1 - 0.5 * Math.Pow(0.96, (t + 1) * md));
            double muProduct = _muProduct[0] * mu;
            _muProduct[0] = (float)muProduct;
            float gradScale = (float)(lr * (1 - mu) / (1 - muProduct));
            // PyTorch 1.13 (the reference) computes the next product as Π μ · μ_t · μ_{t+1}; we match it.
            float momentumScale = (float)(lr * muNext / (1 - muProduct * mu * muNext));
            for (int i = 0; i < p.Length; i++)
            {
                m[i] = fb1 * m[i] + rb1 * g[i];
                v[i] = fb2 * v[i] + rb2 * g[i] * g[i];
                float denom = (float)(Math.Sqrt(v[i]) / bc2Root) + eps;
                p[i] -= (gradScale * g[i] + momentumScale * m[i]) / denom;
            }
            return;
        }

        _stepSize = (float)(lr / (1 - Math.Pow(b1, t)));
        _invBc2Root = (float)(1 / bc2Root);
        _fb1 = fb1; _fb2 = fb2; _rb1 = rb1; _rb2 = rb2; _eps = eps;
        fixed (float* pp = p, pg = g, pm = _m, pv = _v)
        {
            _p = pp; _g = pg; _pm = pm; _pv = pv;
            RunSplit(this, p.Length);
        }
    }

    // The Adam step of the current call, for the parts the pool runs.
    private float* _p, _g, _pm, _pv;
    private float _stepSize, _invBc2Root, _fb1, _fb2, _rb1, _rb2, _eps;

    /// <summary>
    /// The Adam update of [start, end): vectors, then the scalar tail, with exactly the scalar loop's operations
    /// in the same order (no fused multiply-add), so the bits do not depend on the vector width or the split.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void IPoolWork.Execute(int part, int parts)
    {
        (int start, int end) = PartOf(part, parts, _length);
        float* p = _p, g = _g, m = _pm, v = _pv;
        float fb1 = _fb1, fb2 = _fb2, rb1 = _rb1, rb2 = _rb2, eps = _eps, stepSize = _stepSize, invBc2Root = _invBc2Root;
        int i = start;
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
}
