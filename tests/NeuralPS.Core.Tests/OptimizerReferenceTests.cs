using NeuralPS.Core.Kernels;
using NeuralPS.Core.Optimizers;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>
/// Every optimizer's update (the vector loops, their scalar tails and Adam's update split across the worker pool)
/// against its plain twin in OptimizerReference, bit for bit, step after step: the twins do the same operations in
/// the same order, so the parameters and every state buffer must come out as the same floats.
/// </summary>
public class OptimizerReferenceTests
{
    private static readonly Dictionary<string, OptimizerSettings> Configurations = new()
    {
        ["Sgd"] = new() { Kind = OptimizerKind.Sgd },
        ["Sgd momentum"] = new() { Kind = OptimizerKind.Sgd, Momentum = 0.9 },
        ["Sgd momentum dampening decay"] = new() { Kind = OptimizerKind.Sgd, Momentum = 0.9, Dampening = 0.1, WeightDecay = 0.01 },
        ["Sgd Nesterov decay"] = new() { Kind = OptimizerKind.Sgd, Momentum = 0.8, Nesterov = true, WeightDecay = 0.001 },
        ["AdaGrad"] = new() { Kind = OptimizerKind.AdaGrad },
        ["AdaGrad accumulator decay"] = new() { Kind = OptimizerKind.AdaGrad, InitialAccumulator = 0.1, WeightDecay = 0.01 },
        ["RmsProp"] = new() { Kind = OptimizerKind.RmsProp },
        ["RmsProp centered"] = new() { Kind = OptimizerKind.RmsProp, Centered = true, Rho = 0.9 },
        ["RmsProp momentum centered decay"] = new() { Kind = OptimizerKind.RmsProp, Momentum = 0.9, Centered = true, WeightDecay = 0.01 },
        ["Adam"] = new() { Kind = OptimizerKind.Adam },
        ["Adam decay"] = new() { Kind = OptimizerKind.Adam, WeightDecay = 0.01, Beta1 = 0.8, Beta2 = 0.99 },
        ["AdamW"] = new() { Kind = OptimizerKind.AdamW },
        ["Nadam"] = new() { Kind = OptimizerKind.Nadam },
        ["Nadam decay"] = new() { Kind = OptimizerKind.Nadam, WeightDecay = 0.01, MomentumDecay = 0.01 },
    };

    public static IEnumerable<object[]> Cases() =>
        from name in Configurations.Keys
        from length in new[] { 1, 7, 1003, 40_003 }   // tails of every vector width; past the size the pool splits (32K)
        from threads in new[] { 1, 2, 3 }
        where threads == 1 || length > 32 * 1024
        select new object[] { name, length, threads };

    // On two threads the update is divided at a split point the trainer sets (Optimizer.SplitPoint); one off the
    // vectors' boundaries puts scalar tails on both sides of it.
    private const int TwoThreadSplitPoint = 17_011;

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryStepIsTheReferenceBits(string name, int length, int threads)
    {
        OptimizerSettings settings = Configurations[name];
        var random = new Random(length * 31 + name.Length);
        float[] p = Random(random, length, 1f);
        float[] expected = (float[])p.Clone();
        Optimizer optimizer = Optimizer.Create(settings, length);
        using var pool = new WorkerPool(threads);
        optimizer.Pool = pool;
        if (threads == 2) optimizer.SplitPoint = TwoThreadSplitPoint;
        var state = new ReferenceState(settings, length);

        float[] learningRates = { 0.01f, 0.03f, 0.002f, 0.05f, 0.01f };
        for (int step = 1; step <= learningRates.Length; step++)
        {
            float[] g = Random(random, length, step == 3 ? 1e-4f : 2f);   // a step of tiny gradients, where ε matters
            optimizer.Step(p, (float[])g.Clone(), learningRates[step - 1]);
            state.Step(expected, g, step, learningRates[step - 1]);

            AssertBits(expected, p, $"{name}, {length} parameters on {threads} threads, step {step}: the parameters");
            float[][] buffers = optimizer.StateBuffers;
            float[][] twins = state.Buffers;
            Assert.Equal(twins.Length, buffers.Length);
            for (int b = 0; b < buffers.Length; b++)
                AssertBits(twins[b], buffers[b], $"{name}, {length} parameters on {threads} threads, step {step}: state buffer {b}");
        }
        Assert.Equal(learningRates.Length, optimizer.StepCount);
    }

    /// <summary>
    /// The twins are the formulas, not just the same code twice: one Adam step from zero state moves every parameter by
    /// lr·sign(g) (m̂ = g and v̂ = g² after the bias corrections), up to ε and rounding.
    /// </summary>
    [Fact]
    public void TheAdamTwinTakesAFirstStepOfTheLearningRateAgainstTheGradient()
    {
        float[] p = { 1f, 1f, 1f, 1f }, g = { 0.5f, -2f, 1e-3f, -7f };
        float[] m = new float[4], v = new float[4];
        OptimizerReference.Adam(p, g, m, v, 1, 0.1f, 0.9, 0.999, 1e-8, 0, decoupled: false);
        float[] expected = { 0.9f, 1.1f, 0.9f, 1.1f };
        for (int i = 0; i < 4; i++) Assert.True(Math.Abs(p[i] - expected[i]) < 1e-5, $"p[{i}] = {p[i]}, expected {expected[i]}");
    }

    /// <summary>The twins' state for one optimizer, laid out as its StateBuffers.</summary>
    private sealed class ReferenceState
    {
        private readonly OptimizerSettings _s;
        private readonly float[] _a, _b, _c;
        private readonly float[] _muProduct = { 1f };

        public ReferenceState(OptimizerSettings s, int n)
        {
            _s = s;
            (_a, _b, _c) = s.Kind switch
            {
                OptimizerKind.Sgd => (s.Momentum != 0 ? new float[n] : Array.Empty<float>(), Array.Empty<float>(), Array.Empty<float>()),
                OptimizerKind.AdaGrad => (Enumerable.Repeat((float)s.InitialAccumulator, n).ToArray(), Array.Empty<float>(), Array.Empty<float>()),
                OptimizerKind.RmsProp => (new float[n], s.Momentum != 0 ? new float[n] : Array.Empty<float>(), s.Centered ? new float[n] : Array.Empty<float>()),
                _ => (new float[n], new float[n], Array.Empty<float>()),
            };
        }

        public float[][] Buffers => _s.Kind switch
        {
            OptimizerKind.Sgd or OptimizerKind.AdaGrad => new[] { _a },
            OptimizerKind.RmsProp => new[] { _a, _b, _c },
            _ => new[] { _a, _b, _muProduct },
        };

        public void Step(float[] p, float[] g, int t, float lr)
        {
            double wd = _s.EffectiveWeightDecay, eps = _s.EffectiveEpsilon;
            switch (_s.Kind)
            {
                case OptimizerKind.Sgd: OptimizerReference.Sgd(p, g, _a, t == 1, lr, _s.Momentum, _s.Dampening, _s.Nesterov, wd); break;
                case OptimizerKind.AdaGrad: OptimizerReference.AdaGrad(p, g, _a, lr, eps, wd); break;
                case OptimizerKind.RmsProp: OptimizerReference.RmsProp(p, g, _a, _b, _c, lr, _s.Rho, eps, _s.Momentum, _s.Centered, wd); break;
                case OptimizerKind.Adam or OptimizerKind.AdamW:
                    OptimizerReference.Adam(p, g, _a, _b, t, lr, _s.Beta1, _s.Beta2, eps, wd, decoupled: _s.Kind == OptimizerKind.AdamW);
                    break;
                case OptimizerKind.Nadam:
                    OptimizerReference.NAdam(p, g, _a, _b, ref _muProduct[0], t, lr, _s.Beta1, _s.Beta2, eps, wd, _s.MomentumDecay);
                    break;
                default: throw new InvalidOperationException($"no reference twin for {_s.Kind}");
            }
        }
    }

    private static float[] Random(Random random, int n, float scale)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return a;
    }

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, the reference gives {expected[i]:R}");
    }
}
