using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuralPS.Core.Kernels;

/// <summary>The instruction-set paths of the GEMM, widest first in capability.</summary>
public enum GemmPath
{
    /// <summary>The plain loops of <see cref="GemmReference"/>.</summary>
    Reference,
    /// <summary>Vector128 (SSE or NEON): any 64-bit CPU .NET runs on.</summary>
    Portable,
    /// <summary>Vector256 with FMA.</summary>
    Avx2,
    /// <summary>Vector512 (AVX-512F).</summary>
    Avx512,
}

/// <summary>
/// Which path the process uses, chosen once at start-up: the widest the CPU has, unless the environment variable
/// NEURALPS_GEMM_PATH (avx512, avx2, portable, reference) asks for another, so tests and benchmarks can run every
/// path on one machine. Read-only after start-up: it never changes while networks train.
/// </summary>
public static class GemmPaths
{
    /// <summary>The environment variable that forces a path.</summary>
    public const string EnvironmentVariable = "NEURALPS_GEMM_PATH";

    /// <summary>The path every product uses unless a test names another.</summary>
    public static GemmPath Selected { get; } = Choose(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>The widest path this CPU runs.</summary>
    public static GemmPath Best =>
        IsSupported(GemmPath.Avx512) ? GemmPath.Avx512 : IsSupported(GemmPath.Avx2) ? GemmPath.Avx2 : GemmPath.Portable;

    /// <summary>True when this CPU can run <paramref name="path"/>.</summary>
    public static bool IsSupported(GemmPath path) => path switch
    {
        GemmPath.Avx512 => Avx512F.IsSupported && Vector512.IsHardwareAccelerated,
        GemmPath.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        _ => true,
    };

    /// <summary>The path a setting asks for, narrowed to what the CPU runs; the best one when empty or unknown.</summary>
    internal static GemmPath Choose(string? setting)
    {
        GemmPath wanted = setting?.Trim().ToLowerInvariant() switch
        {
            "avx512" => GemmPath.Avx512,
            "avx2" => GemmPath.Avx2,
            "portable" => GemmPath.Portable,
            "reference" => GemmPath.Reference,
            _ => Best,
        };
        while (!IsSupported(wanted)) wanted--;
        return wanted;
    }
}
