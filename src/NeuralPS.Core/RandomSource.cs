using System.Numerics;
using System.Runtime.CompilerServices;
namespace NeuralPS.Core;

/// <summary>
/// xoshiro256** with a SplitMix64 seeder: the same seed gives the same numbers on every platform
/// and .NET version, and the whole state fits in four words (saved with a model to resume exactly).
/// </summary>
public sealed class RandomSource
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareGaussian = double.NaN;

    /// <summary>A generator seeded from one number.</summary>
    public RandomSource(long seed)
    {
        ulong x = (ulong)seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    /// <summary>A generator restored from a saved state.</summary>
    public RandomSource(ulong[] state)
    {
        if (state.Length != 4) throw new ArgumentException("A random state has four words.", nameof(state));
        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
    }

    /// <summary>The four words of the state.</summary>
    public ulong[] GetState() => new[] { _s0, _s1, _s2, _s3 };

    /// <summary>A seed for a child generator, so that separate streams stay independent.</summary>
    public static long Derive(long seed, long stream)
    {
        ulong x = (ulong)seed ^ (0x9E3779B97F4A7C15UL * (ulong)(stream + 1));
        return (long)SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>64 random bits.</summary>
    public ulong NextUInt64() => Next(ref _s0, ref _s1, ref _s2, ref _s3);

    /// <summary>One step of xoshiro256** on a state held anywhere (the fields, or a loop's locals).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Next(ref ulong s0, ref ulong s1, ref ulong s2, ref ulong s3)
    {
        ulong result = BitOperations.RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
        s2 ^= t;
        s3 = BitOperations.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, 1) as float.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n) => (int)((NextUInt64() >> 33) % (ulong)n);

    /// <summary>Standard normal (Box–Muller).</summary>
    public double NextGaussian()
    {
        if (!double.IsNaN(_spareGaussian)) { double s = _spareGaussian; _spareGaussian = double.NaN; return s; }
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareGaussian = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>
    /// Fisher–Yates shuffle in place, drawing j as <see cref="NextInt"/> does. The state stays in locals for the loop
    /// (not four fields loaded and stored a draw), and the draw's 31 bits are reduced by a 32-bit division, the same
    /// remainder as the 64-bit one at a fraction of its cost: a tiny network shuffles every epoch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Shuffle(Span<int> items)
    {
        ulong s0 = _s0, s1 = _s1, s2 = _s2, s3 = _s3;
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = (int)((uint)(Next(ref s0, ref s1, ref s2, ref s3) >> 33) % (uint)(i + 1));
            (items[i], items[j]) = (items[j], items[i]);
        }
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
    }
}
