using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace NeuralPS.Core.Kernels;

/// <summary>
/// The few vector operations a micro-kernel needs, as static members of a struct so the JIT specializes and
/// inlines each kernel per vector width (one kernel source, three instruction sets).
/// </summary>
internal unsafe interface ISimd<TV> where TV : unmanaged
{
    static abstract int Width { get; }
    static abstract TV Zero { get; }
    static abstract TV Load(float* p);
    static abstract void Store(float* p, TV v);
    /// <summary>All lanes = *p.</summary>
    static abstract TV Splat(float* p);
    /// <summary>a·b + c, fused (one rounding) wherever the hardware has FMA.</summary>
    static abstract TV MulAdd(TV a, TV b, TV c);
    static abstract TV Add(TV a, TV b);
    static abstract TV Relu(TV a);
    /// <summary>The first <paramref name="count"/> lanes from p, the rest zero; never reads past them (any count).</summary>
    static abstract TV LoadPartial(float* p, int count);
    /// <summary>Writes only the first <paramref name="count"/> lanes (any count): the right edge of C.</summary>
    static abstract void StorePartial(float* p, TV v, int count);
}

/// <summary>Lane masks for the partial loads and stores: masked AVX moves never touch memory outside the mask.</summary>
internal static unsafe class LaneMask
{
    /// <summary>Lanes 0..count-1 set (count in 0..8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> First256(int count) =>
        Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(count)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> First128(int count) =>
        Vector128.LessThan(Vector128.Create(0, 1, 2, 3), Vector128.Create(count)).AsSingle();

    /// <summary>Without AVX (ARM64, old x64): through a stack copy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load128(float* p, int count)
    {
        float* t = stackalloc float[4] { 0, 0, 0, 0 };
        for (int i = 0; i < count; i++) t[i] = p[i];
        return Vector128.Load(t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store128(float* p, Vector128<float> v, int count)
    {
        for (int i = 0; i < count; i++) p[i] = v.GetElement(i);
    }
}

/// <summary>AVX-512F: 16 floats, 32 registers.</summary>
internal unsafe struct Simd512 : ISimd<Vector512<float>>
{
    public static int Width => 16;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, Vector512<float> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Splat(float* p) => Vector512.Create(*p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Relu(Vector512<float> a) => Vector512.Max(a, Vector512<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadPartial(float* p, int count)
    {
        if (count >= 16) return Vector512.Load(p);
        if (count <= 0) return Vector512<float>.Zero;
        Vector256<float> low = count >= 8 ? Vector256.Load(p) : Avx.MaskLoad(p, LaneMask.First256(count));
        Vector256<float> high = count > 8 ? Avx.MaskLoad(p + 8, LaneMask.First256(count - 8)) : Vector256<float>.Zero;
        return Vector512.Create(low, high);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StorePartial(float* p, Vector512<float> v, int count)
    {
        if (count >= 16) { v.Store(p); return; }
        if (count <= 0) return;
        if (count >= 8) v.GetLower().Store(p);
        else Avx.MaskStore(p, LaneMask.First256(count), v.GetLower());
        if (count > 8) Avx.MaskStore(p + 8, LaneMask.First256(count - 8), v.GetUpper());
    }
}

/// <summary>AVX2 + FMA: 8 floats, 16 registers.</summary>
internal unsafe struct Simd256 : ISimd<Vector256<float>>
{
    public static int Width => 8;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, Vector256<float> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Splat(float* p) => Vector256.Create(*p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fma.MultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Relu(Vector256<float> a) => Vector256.Max(a, Vector256<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadPartial(float* p, int count) =>
        count >= 8 ? Vector256.Load(p) : count <= 0 ? Vector256<float>.Zero : Avx.MaskLoad(p, LaneMask.First256(count));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StorePartial(float* p, Vector256<float> v, int count)
    {
        if (count >= 8) v.Store(p);
        else if (count > 0) Avx.MaskStore(p, LaneMask.First256(count), v);
    }
}

/// <summary>
/// The portable path: 4 floats (SSE, NEON). Fused where the CPU can (x64 FMA, ARM64 AdvSimd), otherwise a
/// multiply then an add; either way the same on every thread count.
/// </summary>
internal unsafe struct Simd128 : ISimd<Vector128<float>>
{
    public static int Width => 4;
    public static Vector128<float> Zero => Vector128<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, Vector128<float> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Splat(float* p) => Vector128.Create(*p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c)
    {
        if (Fma.IsSupported) return Fma.MultiplyAdd(a, b, c);
        if (AdvSimd.IsSupported) return AdvSimd.FusedMultiplyAdd(c, a, b);
        return a * b + c;
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Relu(Vector128<float> a) => Vector128.Max(a, Vector128<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadPartial(float* p, int count)
    {
        if (count >= 4) return Vector128.Load(p);
        if (count <= 0) return Vector128<float>.Zero;
        return Avx.IsSupported ? Avx.MaskLoad(p, LaneMask.First128(count)) : LaneMask.Load128(p, count);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StorePartial(float* p, Vector128<float> v, int count)
    {
        if (count >= 4) v.Store(p);
        else if (count > 0)
        {
            if (Avx.IsSupported) Avx.MaskStore(p, LaneMask.First128(count), v);
            else LaneMask.Store128(p, v, count);
        }
    }
}
