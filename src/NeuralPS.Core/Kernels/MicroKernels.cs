// Register-tiled micro-kernels: C[R, V·W] (+)= A[R, kc] · B[kc, V·W], one accumulator register per
// (row, vector). Written out by hand-shape (each accumulator a named local) because the JIT keeps named
// locals in registers but not arrays; generic over the vector type (ISimd) so one source serves
// Vector512, Vector256 and Vector128. Every kernel computes each element as the same chain of fused
// multiply-adds over p = 0..kc-1, starting from C (load) or zero, so the tile shape never changes results.
// A element (row r, step p) is at a[r·rs + p·ks]: rs = k, ks = 1 reads A in place (NN, NT);
// rs = 1, ks = m reads Aᵀ in place (TN). Rows past `rows` re-read the last valid row (edge tiles):
// and only `rows` rows and `cols` columns of C are loaded and stored (masked at the right edge), so edge
// tiles run the same code at the same speed and never touch C outside the product.
using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Kernels;

internal static unsafe class MicroKernels
{

    /// <summary>6 rows × 4 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void K6x4<S, TV>(float* a, nint rs, nint ks, int rows, float* b, nint ldb, int kc, float* c, nint ldc, int cols, bool load)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        nint w = S.Width;
        float* a0 = a;
        float* a1 = a + rs * Math.Min(1, rows - 1);
        float* a2 = a + rs * Math.Min(2, rows - 1);
        float* a3 = a + rs * Math.Min(3, rows - 1);
        float* a4 = a + rs * Math.Min(4, rows - 1);
        float* a5 = a + rs * Math.Min(5, rows - 1);
        TV c0_0, c0_1, c0_2, c0_3, c1_0, c1_1, c1_2, c1_3, c2_0, c2_1, c2_2, c2_3, c3_0, c3_1, c3_2, c3_3, c4_0, c4_1, c4_2, c4_3, c5_0, c5_1, c5_2, c5_3;
        c0_0 = c0_1 = c0_2 = c0_3 = c1_0 = c1_1 = c1_2 = c1_3 = c2_0 = c2_1 = c2_2 = c2_3 = c3_0 = c3_1 = c3_2 = c3_3 = c4_0 = c4_1 = c4_2 = c4_3 = c5_0 = c5_1 = c5_2 = c5_3 = S.Zero;
        if (load && cols == 4 * w)
        {
            c0_0 = S.Load(c + 0 * ldc + 0 * w); c0_1 = S.Load(c + 0 * ldc + 1 * w); c0_2 = S.Load(c + 0 * ldc + 2 * w); c0_3 = S.Load(c + 0 * ldc + 3 * w);
            if (rows > 1) { c1_0 = S.Load(c + 1 * ldc + 0 * w); c1_1 = S.Load(c + 1 * ldc + 1 * w); c1_2 = S.Load(c + 1 * ldc + 2 * w); c1_3 = S.Load(c + 1 * ldc + 3 * w); }
            if (rows > 2) { c2_0 = S.Load(c + 2 * ldc + 0 * w); c2_1 = S.Load(c + 2 * ldc + 1 * w); c2_2 = S.Load(c + 2 * ldc + 2 * w); c2_3 = S.Load(c + 2 * ldc + 3 * w); }
            if (rows > 3) { c3_0 = S.Load(c + 3 * ldc + 0 * w); c3_1 = S.Load(c + 3 * ldc + 1 * w); c3_2 = S.Load(c + 3 * ldc + 2 * w); c3_3 = S.Load(c + 3 * ldc + 3 * w); }
            if (rows > 4) { c4_0 = S.Load(c + 4 * ldc + 0 * w); c4_1 = S.Load(c + 4 * ldc + 1 * w); c4_2 = S.Load(c + 4 * ldc + 2 * w); c4_3 = S.Load(c + 4 * ldc + 3 * w); }
            if (rows > 5) { c5_0 = S.Load(c + 5 * ldc + 0 * w); c5_1 = S.Load(c + 5 * ldc + 1 * w); c5_2 = S.Load(c + 5 * ldc + 2 * w); c5_3 = S.Load(c + 5 * ldc + 3 * w); }
        }
        else if (load)
        {
            c0_0 = S.LoadPartial(c + 0 * ldc + 0 * w, cols - 0 * (int)w); c0_1 = S.LoadPartial(c + 0 * ldc + 1 * w, cols - 1 * (int)w); c0_2 = S.LoadPartial(c + 0 * ldc + 2 * w, cols - 2 * (int)w); c0_3 = S.LoadPartial(c + 0 * ldc + 3 * w, cols - 3 * (int)w);
            if (rows > 1) { c1_0 = S.LoadPartial(c + 1 * ldc + 0 * w, cols - 0 * (int)w); c1_1 = S.LoadPartial(c + 1 * ldc + 1 * w, cols - 1 * (int)w); c1_2 = S.LoadPartial(c + 1 * ldc + 2 * w, cols - 2 * (int)w); c1_3 = S.LoadPartial(c + 1 * ldc + 3 * w, cols - 3 * (int)w); }
            if (rows > 2) { c2_0 = S.LoadPartial(c + 2 * ldc + 0 * w, cols - 0 * (int)w); c2_1 = S.LoadPartial(c + 2 * ldc + 1 * w, cols - 1 * (int)w); c2_2 = S.LoadPartial(c + 2 * ldc + 2 * w, cols - 2 * (int)w); c2_3 = S.LoadPartial(c + 2 * ldc + 3 * w, cols - 3 * (int)w); }
            if (rows > 3) { c3_0 = S.LoadPartial(c + 3 * ldc + 0 * w, cols - 0 * (int)w); c3_1 = S.LoadPartial(c + 3 * ldc + 1 * w, cols - 1 * (int)w); c3_2 = S.LoadPartial(c + 3 * ldc + 2 * w, cols - 2 * (int)w); c3_3 = S.LoadPartial(c + 3 * ldc + 3 * w, cols - 3 * (int)w); }
            if (rows > 4) { c4_0 = S.LoadPartial(c + 4 * ldc + 0 * w, cols - 0 * (int)w); c4_1 = S.LoadPartial(c + 4 * ldc + 1 * w, cols - 1 * (int)w); c4_2 = S.LoadPartial(c + 4 * ldc + 2 * w, cols - 2 * (int)w); c4_3 = S.LoadPartial(c + 4 * ldc + 3 * w, cols - 3 * (int)w); }
            if (rows > 5) { c5_0 = S.LoadPartial(c + 5 * ldc + 0 * w, cols - 0 * (int)w); c5_1 = S.LoadPartial(c + 5 * ldc + 1 * w, cols - 1 * (int)w); c5_2 = S.LoadPartial(c + 5 * ldc + 2 * w, cols - 2 * (int)w); c5_3 = S.LoadPartial(c + 5 * ldc + 3 * w, cols - 3 * (int)w); }
        }
        nint o = 0;
        for (int p = 0; p < kc; p++)
        {
            TV b0 = S.Load(b + 0 * w); TV b1 = S.Load(b + 1 * w); TV b2 = S.Load(b + 2 * w); TV b3 = S.Load(b + 3 * w);
            TV x;
            x = S.Splat(a0 + o); c0_0 = S.MulAdd(x, b0, c0_0); c0_1 = S.MulAdd(x, b1, c0_1); c0_2 = S.MulAdd(x, b2, c0_2); c0_3 = S.MulAdd(x, b3, c0_3);
            x = S.Splat(a1 + o); c1_0 = S.MulAdd(x, b0, c1_0); c1_1 = S.MulAdd(x, b1, c1_1); c1_2 = S.MulAdd(x, b2, c1_2); c1_3 = S.MulAdd(x, b3, c1_3);
            x = S.Splat(a2 + o); c2_0 = S.MulAdd(x, b0, c2_0); c2_1 = S.MulAdd(x, b1, c2_1); c2_2 = S.MulAdd(x, b2, c2_2); c2_3 = S.MulAdd(x, b3, c2_3);
            x = S.Splat(a3 + o); c3_0 = S.MulAdd(x, b0, c3_0); c3_1 = S.MulAdd(x, b1, c3_1); c3_2 = S.MulAdd(x, b2, c3_2); c3_3 = S.MulAdd(x, b3, c3_3);
            x = S.Splat(a4 + o); c4_0 = S.MulAdd(x, b0, c4_0); c4_1 = S.MulAdd(x, b1, c4_1); c4_2 = S.MulAdd(x, b2, c4_2); c4_3 = S.MulAdd(x, b3, c4_3);
            x = S.Splat(a5 + o); c5_0 = S.MulAdd(x, b0, c5_0); c5_1 = S.MulAdd(x, b1, c5_1); c5_2 = S.MulAdd(x, b2, c5_2); c5_3 = S.MulAdd(x, b3, c5_3);
            o += ks;
            b += ldb;
        }
        if (cols == 4 * w)
        {
            S.Store(c + 0 * ldc + 0 * w, c0_0); S.Store(c + 0 * ldc + 1 * w, c0_1); S.Store(c + 0 * ldc + 2 * w, c0_2); S.Store(c + 0 * ldc + 3 * w, c0_3);
            if (rows > 1) { S.Store(c + 1 * ldc + 0 * w, c1_0); S.Store(c + 1 * ldc + 1 * w, c1_1); S.Store(c + 1 * ldc + 2 * w, c1_2); S.Store(c + 1 * ldc + 3 * w, c1_3); }
            if (rows > 2) { S.Store(c + 2 * ldc + 0 * w, c2_0); S.Store(c + 2 * ldc + 1 * w, c2_1); S.Store(c + 2 * ldc + 2 * w, c2_2); S.Store(c + 2 * ldc + 3 * w, c2_3); }
            if (rows > 3) { S.Store(c + 3 * ldc + 0 * w, c3_0); S.Store(c + 3 * ldc + 1 * w, c3_1); S.Store(c + 3 * ldc + 2 * w, c3_2); S.Store(c + 3 * ldc + 3 * w, c3_3); }
            if (rows > 4) { S.Store(c + 4 * ldc + 0 * w, c4_0); S.Store(c + 4 * ldc + 1 * w, c4_1); S.Store(c + 4 * ldc + 2 * w, c4_2); S.Store(c + 4 * ldc + 3 * w, c4_3); }
            if (rows > 5) { S.Store(c + 5 * ldc + 0 * w, c5_0); S.Store(c + 5 * ldc + 1 * w, c5_1); S.Store(c + 5 * ldc + 2 * w, c5_2); S.Store(c + 5 * ldc + 3 * w, c5_3); }
        }
        else
        {
            S.StorePartial(c + 0 * ldc + 0 * w, c0_0, cols - 0 * (int)w); S.StorePartial(c + 0 * ldc + 1 * w, c0_1, cols - 1 * (int)w); S.StorePartial(c + 0 * ldc + 2 * w, c0_2, cols - 2 * (int)w); S.StorePartial(c + 0 * ldc + 3 * w, c0_3, cols - 3 * (int)w);
            if (rows > 1) { S.StorePartial(c + 1 * ldc + 0 * w, c1_0, cols - 0 * (int)w); S.StorePartial(c + 1 * ldc + 1 * w, c1_1, cols - 1 * (int)w); S.StorePartial(c + 1 * ldc + 2 * w, c1_2, cols - 2 * (int)w); S.StorePartial(c + 1 * ldc + 3 * w, c1_3, cols - 3 * (int)w); }
            if (rows > 2) { S.StorePartial(c + 2 * ldc + 0 * w, c2_0, cols - 0 * (int)w); S.StorePartial(c + 2 * ldc + 1 * w, c2_1, cols - 1 * (int)w); S.StorePartial(c + 2 * ldc + 2 * w, c2_2, cols - 2 * (int)w); S.StorePartial(c + 2 * ldc + 3 * w, c2_3, cols - 3 * (int)w); }
            if (rows > 3) { S.StorePartial(c + 3 * ldc + 0 * w, c3_0, cols - 0 * (int)w); S.StorePartial(c + 3 * ldc + 1 * w, c3_1, cols - 1 * (int)w); S.StorePartial(c + 3 * ldc + 2 * w, c3_2, cols - 2 * (int)w); S.StorePartial(c + 3 * ldc + 3 * w, c3_3, cols - 3 * (int)w); }
            if (rows > 4) { S.StorePartial(c + 4 * ldc + 0 * w, c4_0, cols - 0 * (int)w); S.StorePartial(c + 4 * ldc + 1 * w, c4_1, cols - 1 * (int)w); S.StorePartial(c + 4 * ldc + 2 * w, c4_2, cols - 2 * (int)w); S.StorePartial(c + 4 * ldc + 3 * w, c4_3, cols - 3 * (int)w); }
            if (rows > 5) { S.StorePartial(c + 5 * ldc + 0 * w, c5_0, cols - 0 * (int)w); S.StorePartial(c + 5 * ldc + 1 * w, c5_1, cols - 1 * (int)w); S.StorePartial(c + 5 * ldc + 2 * w, c5_2, cols - 2 * (int)w); S.StorePartial(c + 5 * ldc + 3 * w, c5_3, cols - 3 * (int)w); }
        }
    }

    /// <summary>8 rows × 2 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void K8x2<S, TV>(float* a, nint rs, nint ks, int rows, float* b, nint ldb, int kc, float* c, nint ldc, int cols, bool load)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        nint w = S.Width;
        float* a0 = a;
        float* a1 = a + rs * Math.Min(1, rows - 1);
        float* a2 = a + rs * Math.Min(2, rows - 1);
        float* a3 = a + rs * Math.Min(3, rows - 1);
        float* a4 = a + rs * Math.Min(4, rows - 1);
        float* a5 = a + rs * Math.Min(5, rows - 1);
        float* a6 = a + rs * Math.Min(6, rows - 1);
        float* a7 = a + rs * Math.Min(7, rows - 1);
        TV c0_0, c0_1, c1_0, c1_1, c2_0, c2_1, c3_0, c3_1, c4_0, c4_1, c5_0, c5_1, c6_0, c6_1, c7_0, c7_1;
        c0_0 = c0_1 = c1_0 = c1_1 = c2_0 = c2_1 = c3_0 = c3_1 = c4_0 = c4_1 = c5_0 = c5_1 = c6_0 = c6_1 = c7_0 = c7_1 = S.Zero;
        if (load && cols == 2 * w)
        {
            c0_0 = S.Load(c + 0 * ldc + 0 * w); c0_1 = S.Load(c + 0 * ldc + 1 * w);
            if (rows > 1) { c1_0 = S.Load(c + 1 * ldc + 0 * w); c1_1 = S.Load(c + 1 * ldc + 1 * w); }
            if (rows > 2) { c2_0 = S.Load(c + 2 * ldc + 0 * w); c2_1 = S.Load(c + 2 * ldc + 1 * w); }
            if (rows > 3) { c3_0 = S.Load(c + 3 * ldc + 0 * w); c3_1 = S.Load(c + 3 * ldc + 1 * w); }
            if (rows > 4) { c4_0 = S.Load(c + 4 * ldc + 0 * w); c4_1 = S.Load(c + 4 * ldc + 1 * w); }
            if (rows > 5) { c5_0 = S.Load(c + 5 * ldc + 0 * w); c5_1 = S.Load(c + 5 * ldc + 1 * w); }
            if (rows > 6) { c6_0 = S.Load(c + 6 * ldc + 0 * w); c6_1 = S.Load(c + 6 * ldc + 1 * w); }
            if (rows > 7) { c7_0 = S.Load(c + 7 * ldc + 0 * w); c7_1 = S.Load(c + 7 * ldc + 1 * w); }
        }
        else if (load)
        {
            c0_0 = S.LoadPartial(c + 0 * ldc + 0 * w, cols - 0 * (int)w); c0_1 = S.LoadPartial(c + 0 * ldc + 1 * w, cols - 1 * (int)w);
            if (rows > 1) { c1_0 = S.LoadPartial(c + 1 * ldc + 0 * w, cols - 0 * (int)w); c1_1 = S.LoadPartial(c + 1 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 2) { c2_0 = S.LoadPartial(c + 2 * ldc + 0 * w, cols - 0 * (int)w); c2_1 = S.LoadPartial(c + 2 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 3) { c3_0 = S.LoadPartial(c + 3 * ldc + 0 * w, cols - 0 * (int)w); c3_1 = S.LoadPartial(c + 3 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 4) { c4_0 = S.LoadPartial(c + 4 * ldc + 0 * w, cols - 0 * (int)w); c4_1 = S.LoadPartial(c + 4 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 5) { c5_0 = S.LoadPartial(c + 5 * ldc + 0 * w, cols - 0 * (int)w); c5_1 = S.LoadPartial(c + 5 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 6) { c6_0 = S.LoadPartial(c + 6 * ldc + 0 * w, cols - 0 * (int)w); c6_1 = S.LoadPartial(c + 6 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 7) { c7_0 = S.LoadPartial(c + 7 * ldc + 0 * w, cols - 0 * (int)w); c7_1 = S.LoadPartial(c + 7 * ldc + 1 * w, cols - 1 * (int)w); }
        }
        nint o = 0;
        for (int p = 0; p < kc; p++)
        {
            TV b0 = S.Load(b + 0 * w); TV b1 = S.Load(b + 1 * w);
            TV x;
            x = S.Splat(a0 + o); c0_0 = S.MulAdd(x, b0, c0_0); c0_1 = S.MulAdd(x, b1, c0_1);
            x = S.Splat(a1 + o); c1_0 = S.MulAdd(x, b0, c1_0); c1_1 = S.MulAdd(x, b1, c1_1);
            x = S.Splat(a2 + o); c2_0 = S.MulAdd(x, b0, c2_0); c2_1 = S.MulAdd(x, b1, c2_1);
            x = S.Splat(a3 + o); c3_0 = S.MulAdd(x, b0, c3_0); c3_1 = S.MulAdd(x, b1, c3_1);
            x = S.Splat(a4 + o); c4_0 = S.MulAdd(x, b0, c4_0); c4_1 = S.MulAdd(x, b1, c4_1);
            x = S.Splat(a5 + o); c5_0 = S.MulAdd(x, b0, c5_0); c5_1 = S.MulAdd(x, b1, c5_1);
            x = S.Splat(a6 + o); c6_0 = S.MulAdd(x, b0, c6_0); c6_1 = S.MulAdd(x, b1, c6_1);
            x = S.Splat(a7 + o); c7_0 = S.MulAdd(x, b0, c7_0); c7_1 = S.MulAdd(x, b1, c7_1);
            o += ks;
            b += ldb;
        }
        if (cols == 2 * w)
        {
            S.Store(c + 0 * ldc + 0 * w, c0_0); S.Store(c + 0 * ldc + 1 * w, c0_1);
            if (rows > 1) { S.Store(c + 1 * ldc + 0 * w, c1_0); S.Store(c + 1 * ldc + 1 * w, c1_1); }
            if (rows > 2) { S.Store(c + 2 * ldc + 0 * w, c2_0); S.Store(c + 2 * ldc + 1 * w, c2_1); }
            if (rows > 3) { S.Store(c + 3 * ldc + 0 * w, c3_0); S.Store(c + 3 * ldc + 1 * w, c3_1); }
            if (rows > 4) { S.Store(c + 4 * ldc + 0 * w, c4_0); S.Store(c + 4 * ldc + 1 * w, c4_1); }
            if (rows > 5) { S.Store(c + 5 * ldc + 0 * w, c5_0); S.Store(c + 5 * ldc + 1 * w, c5_1); }
            if (rows > 6) { S.Store(c + 6 * ldc + 0 * w, c6_0); S.Store(c + 6 * ldc + 1 * w, c6_1); }
            if (rows > 7) { S.Store(c + 7 * ldc + 0 * w, c7_0); S.Store(c + 7 * ldc + 1 * w, c7_1); }
        }
        else
        {
            S.StorePartial(c + 0 * ldc + 0 * w, c0_0, cols - 0 * (int)w); S.StorePartial(c + 0 * ldc + 1 * w, c0_1, cols - 1 * (int)w);
            if (rows > 1) { S.StorePartial(c + 1 * ldc + 0 * w, c1_0, cols - 0 * (int)w); S.StorePartial(c + 1 * ldc + 1 * w, c1_1, cols - 1 * (int)w); }
            if (rows > 2) { S.StorePartial(c + 2 * ldc + 0 * w, c2_0, cols - 0 * (int)w); S.StorePartial(c + 2 * ldc + 1 * w, c2_1, cols - 1 * (int)w); }
            if (rows > 3) { S.StorePartial(c + 3 * ldc + 0 * w, c3_0, cols - 0 * (int)w); S.StorePartial(c + 3 * ldc + 1 * w, c3_1, cols - 1 * (int)w); }
            if (rows > 4) { S.StorePartial(c + 4 * ldc + 0 * w, c4_0, cols - 0 * (int)w); S.StorePartial(c + 4 * ldc + 1 * w, c4_1, cols - 1 * (int)w); }
            if (rows > 5) { S.StorePartial(c + 5 * ldc + 0 * w, c5_0, cols - 0 * (int)w); S.StorePartial(c + 5 * ldc + 1 * w, c5_1, cols - 1 * (int)w); }
            if (rows > 6) { S.StorePartial(c + 6 * ldc + 0 * w, c6_0, cols - 0 * (int)w); S.StorePartial(c + 6 * ldc + 1 * w, c6_1, cols - 1 * (int)w); }
            if (rows > 7) { S.StorePartial(c + 7 * ldc + 0 * w, c7_0, cols - 0 * (int)w); S.StorePartial(c + 7 * ldc + 1 * w, c7_1, cols - 1 * (int)w); }
        }
    }

    /// <summary>12 rows × 2 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void K12x2<S, TV>(float* a, nint rs, nint ks, int rows, float* b, nint ldb, int kc, float* c, nint ldc, int cols, bool load)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        nint w = S.Width;
        float* a0 = a;
        float* a1 = a + rs * Math.Min(1, rows - 1);
        float* a2 = a + rs * Math.Min(2, rows - 1);
        float* a3 = a + rs * Math.Min(3, rows - 1);
        float* a4 = a + rs * Math.Min(4, rows - 1);
        float* a5 = a + rs * Math.Min(5, rows - 1);
        float* a6 = a + rs * Math.Min(6, rows - 1);
        float* a7 = a + rs * Math.Min(7, rows - 1);
        float* a8 = a + rs * Math.Min(8, rows - 1);
        float* a9 = a + rs * Math.Min(9, rows - 1);
        float* a10 = a + rs * Math.Min(10, rows - 1);
        float* a11 = a + rs * Math.Min(11, rows - 1);
        TV c0_0, c0_1, c1_0, c1_1, c2_0, c2_1, c3_0, c3_1, c4_0, c4_1, c5_0, c5_1, c6_0, c6_1, c7_0, c7_1, c8_0, c8_1, c9_0, c9_1, c10_0, c10_1, c11_0, c11_1;
        c0_0 = c0_1 = c1_0 = c1_1 = c2_0 = c2_1 = c3_0 = c3_1 = c4_0 = c4_1 = c5_0 = c5_1 = c6_0 = c6_1 = c7_0 = c7_1 = c8_0 = c8_1 = c9_0 = c9_1 = c10_0 = c10_1 = c11_0 = c11_1 = S.Zero;
        if (load && cols == 2 * w)
        {
            c0_0 = S.Load(c + 0 * ldc + 0 * w); c0_1 = S.Load(c + 0 * ldc + 1 * w);
            if (rows > 1) { c1_0 = S.Load(c + 1 * ldc + 0 * w); c1_1 = S.Load(c + 1 * ldc + 1 * w); }
            if (rows > 2) { c2_0 = S.Load(c + 2 * ldc + 0 * w); c2_1 = S.Load(c + 2 * ldc + 1 * w); }
            if (rows > 3) { c3_0 = S.Load(c + 3 * ldc + 0 * w); c3_1 = S.Load(c + 3 * ldc + 1 * w); }
            if (rows > 4) { c4_0 = S.Load(c + 4 * ldc + 0 * w); c4_1 = S.Load(c + 4 * ldc + 1 * w); }
            if (rows > 5) { c5_0 = S.Load(c + 5 * ldc + 0 * w); c5_1 = S.Load(c + 5 * ldc + 1 * w); }
            if (rows > 6) { c6_0 = S.Load(c + 6 * ldc + 0 * w); c6_1 = S.Load(c + 6 * ldc + 1 * w); }
            if (rows > 7) { c7_0 = S.Load(c + 7 * ldc + 0 * w); c7_1 = S.Load(c + 7 * ldc + 1 * w); }
            if (rows > 8) { c8_0 = S.Load(c + 8 * ldc + 0 * w); c8_1 = S.Load(c + 8 * ldc + 1 * w); }
            if (rows > 9) { c9_0 = S.Load(c + 9 * ldc + 0 * w); c9_1 = S.Load(c + 9 * ldc + 1 * w); }
            if (rows > 10) { c10_0 = S.Load(c + 10 * ldc + 0 * w); c10_1 = S.Load(c + 10 * ldc + 1 * w); }
            if (rows > 11) { c11_0 = S.Load(c + 11 * ldc + 0 * w); c11_1 = S.Load(c + 11 * ldc + 1 * w); }
        }
        else if (load)
        {
            c0_0 = S.LoadPartial(c + 0 * ldc + 0 * w, cols - 0 * (int)w); c0_1 = S.LoadPartial(c + 0 * ldc + 1 * w, cols - 1 * (int)w);
            if (rows > 1) { c1_0 = S.LoadPartial(c + 1 * ldc + 0 * w, cols - 0 * (int)w); c1_1 = S.LoadPartial(c + 1 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 2) { c2_0 = S.LoadPartial(c + 2 * ldc + 0 * w, cols - 0 * (int)w); c2_1 = S.LoadPartial(c + 2 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 3) { c3_0 = S.LoadPartial(c + 3 * ldc + 0 * w, cols - 0 * (int)w); c3_1 = S.LoadPartial(c + 3 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 4) { c4_0 = S.LoadPartial(c + 4 * ldc + 0 * w, cols - 0 * (int)w); c4_1 = S.LoadPartial(c + 4 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 5) { c5_0 = S.LoadPartial(c + 5 * ldc + 0 * w, cols - 0 * (int)w); c5_1 = S.LoadPartial(c + 5 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 6) { c6_0 = S.LoadPartial(c + 6 * ldc + 0 * w, cols - 0 * (int)w); c6_1 = S.LoadPartial(c + 6 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 7) { c7_0 = S.LoadPartial(c + 7 * ldc + 0 * w, cols - 0 * (int)w); c7_1 = S.LoadPartial(c + 7 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 8) { c8_0 = S.LoadPartial(c + 8 * ldc + 0 * w, cols - 0 * (int)w); c8_1 = S.LoadPartial(c + 8 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 9) { c9_0 = S.LoadPartial(c + 9 * ldc + 0 * w, cols - 0 * (int)w); c9_1 = S.LoadPartial(c + 9 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 10) { c10_0 = S.LoadPartial(c + 10 * ldc + 0 * w, cols - 0 * (int)w); c10_1 = S.LoadPartial(c + 10 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 11) { c11_0 = S.LoadPartial(c + 11 * ldc + 0 * w, cols - 0 * (int)w); c11_1 = S.LoadPartial(c + 11 * ldc + 1 * w, cols - 1 * (int)w); }
        }
        nint o = 0;
        for (int p = 0; p < kc; p++)
        {
            TV b0 = S.Load(b + 0 * w); TV b1 = S.Load(b + 1 * w);
            TV x;
            x = S.Splat(a0 + o); c0_0 = S.MulAdd(x, b0, c0_0); c0_1 = S.MulAdd(x, b1, c0_1);
            x = S.Splat(a1 + o); c1_0 = S.MulAdd(x, b0, c1_0); c1_1 = S.MulAdd(x, b1, c1_1);
            x = S.Splat(a2 + o); c2_0 = S.MulAdd(x, b0, c2_0); c2_1 = S.MulAdd(x, b1, c2_1);
            x = S.Splat(a3 + o); c3_0 = S.MulAdd(x, b0, c3_0); c3_1 = S.MulAdd(x, b1, c3_1);
            x = S.Splat(a4 + o); c4_0 = S.MulAdd(x, b0, c4_0); c4_1 = S.MulAdd(x, b1, c4_1);
            x = S.Splat(a5 + o); c5_0 = S.MulAdd(x, b0, c5_0); c5_1 = S.MulAdd(x, b1, c5_1);
            x = S.Splat(a6 + o); c6_0 = S.MulAdd(x, b0, c6_0); c6_1 = S.MulAdd(x, b1, c6_1);
            x = S.Splat(a7 + o); c7_0 = S.MulAdd(x, b0, c7_0); c7_1 = S.MulAdd(x, b1, c7_1);
            x = S.Splat(a8 + o); c8_0 = S.MulAdd(x, b0, c8_0); c8_1 = S.MulAdd(x, b1, c8_1);
            x = S.Splat(a9 + o); c9_0 = S.MulAdd(x, b0, c9_0); c9_1 = S.MulAdd(x, b1, c9_1);
            x = S.Splat(a10 + o); c10_0 = S.MulAdd(x, b0, c10_0); c10_1 = S.MulAdd(x, b1, c10_1);
            x = S.Splat(a11 + o); c11_0 = S.MulAdd(x, b0, c11_0); c11_1 = S.MulAdd(x, b1, c11_1);
            o += ks;
            b += ldb;
        }
        if (cols == 2 * w)
        {
            S.Store(c + 0 * ldc + 0 * w, c0_0); S.Store(c + 0 * ldc + 1 * w, c0_1);
            if (rows > 1) { S.Store(c + 1 * ldc + 0 * w, c1_0); S.Store(c + 1 * ldc + 1 * w, c1_1); }
            if (rows > 2) { S.Store(c + 2 * ldc + 0 * w, c2_0); S.Store(c + 2 * ldc + 1 * w, c2_1); }
            if (rows > 3) { S.Store(c + 3 * ldc + 0 * w, c3_0); S.Store(c + 3 * ldc + 1 * w, c3_1); }
            if (rows > 4) { S.Store(c + 4 * ldc + 0 * w, c4_0); S.Store(c + 4 * ldc + 1 * w, c4_1); }
            if (rows > 5) { S.Store(c + 5 * ldc + 0 * w, c5_0); S.Store(c + 5 * ldc + 1 * w, c5_1); }
            if (rows > 6) { S.Store(c + 6 * ldc + 0 * w, c6_0); S.Store(c + 6 * ldc + 1 * w, c6_1); }
            if (rows > 7) { S.Store(c + 7 * ldc + 0 * w, c7_0); S.Store(c + 7 * ldc + 1 * w, c7_1); }
            if (rows > 8) { S.Store(c + 8 * ldc + 0 * w, c8_0); S.Store(c + 8 * ldc + 1 * w, c8_1); }
            if (rows > 9) { S.Store(c + 9 * ldc + 0 * w, c9_0); S.Store(c + 9 * ldc + 1 * w, c9_1); }
            if (rows > 10) { S.Store(c + 10 * ldc + 0 * w, c10_0); S.Store(c + 10 * ldc + 1 * w, c10_1); }
            if (rows > 11) { S.Store(c + 11 * ldc + 0 * w, c11_0); S.Store(c + 11 * ldc + 1 * w, c11_1); }
        }
        else
        {
            S.StorePartial(c + 0 * ldc + 0 * w, c0_0, cols - 0 * (int)w); S.StorePartial(c + 0 * ldc + 1 * w, c0_1, cols - 1 * (int)w);
            if (rows > 1) { S.StorePartial(c + 1 * ldc + 0 * w, c1_0, cols - 0 * (int)w); S.StorePartial(c + 1 * ldc + 1 * w, c1_1, cols - 1 * (int)w); }
            if (rows > 2) { S.StorePartial(c + 2 * ldc + 0 * w, c2_0, cols - 0 * (int)w); S.StorePartial(c + 2 * ldc + 1 * w, c2_1, cols - 1 * (int)w); }
            if (rows > 3) { S.StorePartial(c + 3 * ldc + 0 * w, c3_0, cols - 0 * (int)w); S.StorePartial(c + 3 * ldc + 1 * w, c3_1, cols - 1 * (int)w); }
            if (rows > 4) { S.StorePartial(c + 4 * ldc + 0 * w, c4_0, cols - 0 * (int)w); S.StorePartial(c + 4 * ldc + 1 * w, c4_1, cols - 1 * (int)w); }
            if (rows > 5) { S.StorePartial(c + 5 * ldc + 0 * w, c5_0, cols - 0 * (int)w); S.StorePartial(c + 5 * ldc + 1 * w, c5_1, cols - 1 * (int)w); }
            if (rows > 6) { S.StorePartial(c + 6 * ldc + 0 * w, c6_0, cols - 0 * (int)w); S.StorePartial(c + 6 * ldc + 1 * w, c6_1, cols - 1 * (int)w); }
            if (rows > 7) { S.StorePartial(c + 7 * ldc + 0 * w, c7_0, cols - 0 * (int)w); S.StorePartial(c + 7 * ldc + 1 * w, c7_1, cols - 1 * (int)w); }
            if (rows > 8) { S.StorePartial(c + 8 * ldc + 0 * w, c8_0, cols - 0 * (int)w); S.StorePartial(c + 8 * ldc + 1 * w, c8_1, cols - 1 * (int)w); }
            if (rows > 9) { S.StorePartial(c + 9 * ldc + 0 * w, c9_0, cols - 0 * (int)w); S.StorePartial(c + 9 * ldc + 1 * w, c9_1, cols - 1 * (int)w); }
            if (rows > 10) { S.StorePartial(c + 10 * ldc + 0 * w, c10_0, cols - 0 * (int)w); S.StorePartial(c + 10 * ldc + 1 * w, c10_1, cols - 1 * (int)w); }
            if (rows > 11) { S.StorePartial(c + 11 * ldc + 0 * w, c11_0, cols - 0 * (int)w); S.StorePartial(c + 11 * ldc + 1 * w, c11_1, cols - 1 * (int)w); }
        }
    }

    /// <summary>12 rows × 1 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void K12x1<S, TV>(float* a, nint rs, nint ks, int rows, float* b, nint ldb, int kc, float* c, nint ldc, int cols, bool load)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        nint w = S.Width;
        float* a0 = a;
        float* a1 = a + rs * Math.Min(1, rows - 1);
        float* a2 = a + rs * Math.Min(2, rows - 1);
        float* a3 = a + rs * Math.Min(3, rows - 1);
        float* a4 = a + rs * Math.Min(4, rows - 1);
        float* a5 = a + rs * Math.Min(5, rows - 1);
        float* a6 = a + rs * Math.Min(6, rows - 1);
        float* a7 = a + rs * Math.Min(7, rows - 1);
        float* a8 = a + rs * Math.Min(8, rows - 1);
        float* a9 = a + rs * Math.Min(9, rows - 1);
        float* a10 = a + rs * Math.Min(10, rows - 1);
        float* a11 = a + rs * Math.Min(11, rows - 1);
        TV c0_0, c1_0, c2_0, c3_0, c4_0, c5_0, c6_0, c7_0, c8_0, c9_0, c10_0, c11_0;
        c0_0 = c1_0 = c2_0 = c3_0 = c4_0 = c5_0 = c6_0 = c7_0 = c8_0 = c9_0 = c10_0 = c11_0 = S.Zero;
        if (load && cols == 1 * w)
        {
            c0_0 = S.Load(c + 0 * ldc + 0 * w);
            if (rows > 1) { c1_0 = S.Load(c + 1 * ldc + 0 * w); }
            if (rows > 2) { c2_0 = S.Load(c + 2 * ldc + 0 * w); }
            if (rows > 3) { c3_0 = S.Load(c + 3 * ldc + 0 * w); }
            if (rows > 4) { c4_0 = S.Load(c + 4 * ldc + 0 * w); }
            if (rows > 5) { c5_0 = S.Load(c + 5 * ldc + 0 * w); }
            if (rows > 6) { c6_0 = S.Load(c + 6 * ldc + 0 * w); }
            if (rows > 7) { c7_0 = S.Load(c + 7 * ldc + 0 * w); }
            if (rows > 8) { c8_0 = S.Load(c + 8 * ldc + 0 * w); }
            if (rows > 9) { c9_0 = S.Load(c + 9 * ldc + 0 * w); }
            if (rows > 10) { c10_0 = S.Load(c + 10 * ldc + 0 * w); }
            if (rows > 11) { c11_0 = S.Load(c + 11 * ldc + 0 * w); }
        }
        else if (load)
        {
            c0_0 = S.LoadPartial(c + 0 * ldc + 0 * w, cols - 0 * (int)w);
            if (rows > 1) { c1_0 = S.LoadPartial(c + 1 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 2) { c2_0 = S.LoadPartial(c + 2 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 3) { c3_0 = S.LoadPartial(c + 3 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 4) { c4_0 = S.LoadPartial(c + 4 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 5) { c5_0 = S.LoadPartial(c + 5 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 6) { c6_0 = S.LoadPartial(c + 6 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 7) { c7_0 = S.LoadPartial(c + 7 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 8) { c8_0 = S.LoadPartial(c + 8 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 9) { c9_0 = S.LoadPartial(c + 9 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 10) { c10_0 = S.LoadPartial(c + 10 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 11) { c11_0 = S.LoadPartial(c + 11 * ldc + 0 * w, cols - 0 * (int)w); }
        }
        nint o = 0;
        for (int p = 0; p < kc; p++)
        {
            TV b0 = S.Load(b + 0 * w);
            TV x;
            x = S.Splat(a0 + o); c0_0 = S.MulAdd(x, b0, c0_0);
            x = S.Splat(a1 + o); c1_0 = S.MulAdd(x, b0, c1_0);
            x = S.Splat(a2 + o); c2_0 = S.MulAdd(x, b0, c2_0);
            x = S.Splat(a3 + o); c3_0 = S.MulAdd(x, b0, c3_0);
            x = S.Splat(a4 + o); c4_0 = S.MulAdd(x, b0, c4_0);
            x = S.Splat(a5 + o); c5_0 = S.MulAdd(x, b0, c5_0);
            x = S.Splat(a6 + o); c6_0 = S.MulAdd(x, b0, c6_0);
            x = S.Splat(a7 + o); c7_0 = S.MulAdd(x, b0, c7_0);
            x = S.Splat(a8 + o); c8_0 = S.MulAdd(x, b0, c8_0);
            x = S.Splat(a9 + o); c9_0 = S.MulAdd(x, b0, c9_0);
            x = S.Splat(a10 + o); c10_0 = S.MulAdd(x, b0, c10_0);
            x = S.Splat(a11 + o); c11_0 = S.MulAdd(x, b0, c11_0);
            o += ks;
            b += ldb;
        }
        if (cols == 1 * w)
        {
            S.Store(c + 0 * ldc + 0 * w, c0_0);
            if (rows > 1) { S.Store(c + 1 * ldc + 0 * w, c1_0); }
            if (rows > 2) { S.Store(c + 2 * ldc + 0 * w, c2_0); }
            if (rows > 3) { S.Store(c + 3 * ldc + 0 * w, c3_0); }
            if (rows > 4) { S.Store(c + 4 * ldc + 0 * w, c4_0); }
            if (rows > 5) { S.Store(c + 5 * ldc + 0 * w, c5_0); }
            if (rows > 6) { S.Store(c + 6 * ldc + 0 * w, c6_0); }
            if (rows > 7) { S.Store(c + 7 * ldc + 0 * w, c7_0); }
            if (rows > 8) { S.Store(c + 8 * ldc + 0 * w, c8_0); }
            if (rows > 9) { S.Store(c + 9 * ldc + 0 * w, c9_0); }
            if (rows > 10) { S.Store(c + 10 * ldc + 0 * w, c10_0); }
            if (rows > 11) { S.Store(c + 11 * ldc + 0 * w, c11_0); }
        }
        else
        {
            S.StorePartial(c + 0 * ldc + 0 * w, c0_0, cols - 0 * (int)w);
            if (rows > 1) { S.StorePartial(c + 1 * ldc + 0 * w, c1_0, cols - 0 * (int)w); }
            if (rows > 2) { S.StorePartial(c + 2 * ldc + 0 * w, c2_0, cols - 0 * (int)w); }
            if (rows > 3) { S.StorePartial(c + 3 * ldc + 0 * w, c3_0, cols - 0 * (int)w); }
            if (rows > 4) { S.StorePartial(c + 4 * ldc + 0 * w, c4_0, cols - 0 * (int)w); }
            if (rows > 5) { S.StorePartial(c + 5 * ldc + 0 * w, c5_0, cols - 0 * (int)w); }
            if (rows > 6) { S.StorePartial(c + 6 * ldc + 0 * w, c6_0, cols - 0 * (int)w); }
            if (rows > 7) { S.StorePartial(c + 7 * ldc + 0 * w, c7_0, cols - 0 * (int)w); }
            if (rows > 8) { S.StorePartial(c + 8 * ldc + 0 * w, c8_0, cols - 0 * (int)w); }
            if (rows > 9) { S.StorePartial(c + 9 * ldc + 0 * w, c9_0, cols - 0 * (int)w); }
            if (rows > 10) { S.StorePartial(c + 10 * ldc + 0 * w, c10_0, cols - 0 * (int)w); }
            if (rows > 11) { S.StorePartial(c + 11 * ldc + 0 * w, c11_0, cols - 0 * (int)w); }
        }
    }

    /// <summary>8 rows × 1 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void K8x1<S, TV>(float* a, nint rs, nint ks, int rows, float* b, nint ldb, int kc, float* c, nint ldc, int cols, bool load)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        nint w = S.Width;
        float* a0 = a;
        float* a1 = a + rs * Math.Min(1, rows - 1);
        float* a2 = a + rs * Math.Min(2, rows - 1);
        float* a3 = a + rs * Math.Min(3, rows - 1);
        float* a4 = a + rs * Math.Min(4, rows - 1);
        float* a5 = a + rs * Math.Min(5, rows - 1);
        float* a6 = a + rs * Math.Min(6, rows - 1);
        float* a7 = a + rs * Math.Min(7, rows - 1);
        TV c0_0, c1_0, c2_0, c3_0, c4_0, c5_0, c6_0, c7_0;
        c0_0 = c1_0 = c2_0 = c3_0 = c4_0 = c5_0 = c6_0 = c7_0 = S.Zero;
        if (load && cols == 1 * w)
        {
            c0_0 = S.Load(c + 0 * ldc + 0 * w);
            if (rows > 1) { c1_0 = S.Load(c + 1 * ldc + 0 * w); }
            if (rows > 2) { c2_0 = S.Load(c + 2 * ldc + 0 * w); }
            if (rows > 3) { c3_0 = S.Load(c + 3 * ldc + 0 * w); }
            if (rows > 4) { c4_0 = S.Load(c + 4 * ldc + 0 * w); }
            if (rows > 5) { c5_0 = S.Load(c + 5 * ldc + 0 * w); }
            if (rows > 6) { c6_0 = S.Load(c + 6 * ldc + 0 * w); }
            if (rows > 7) { c7_0 = S.Load(c + 7 * ldc + 0 * w); }
        }
        else if (load)
        {
            c0_0 = S.LoadPartial(c + 0 * ldc + 0 * w, cols - 0 * (int)w);
            if (rows > 1) { c1_0 = S.LoadPartial(c + 1 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 2) { c2_0 = S.LoadPartial(c + 2 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 3) { c3_0 = S.LoadPartial(c + 3 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 4) { c4_0 = S.LoadPartial(c + 4 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 5) { c5_0 = S.LoadPartial(c + 5 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 6) { c6_0 = S.LoadPartial(c + 6 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 7) { c7_0 = S.LoadPartial(c + 7 * ldc + 0 * w, cols - 0 * (int)w); }
        }
        nint o = 0;
        for (int p = 0; p < kc; p++)
        {
            TV b0 = S.Load(b + 0 * w);
            TV x;
            x = S.Splat(a0 + o); c0_0 = S.MulAdd(x, b0, c0_0);
            x = S.Splat(a1 + o); c1_0 = S.MulAdd(x, b0, c1_0);
            x = S.Splat(a2 + o); c2_0 = S.MulAdd(x, b0, c2_0);
            x = S.Splat(a3 + o); c3_0 = S.MulAdd(x, b0, c3_0);
            x = S.Splat(a4 + o); c4_0 = S.MulAdd(x, b0, c4_0);
            x = S.Splat(a5 + o); c5_0 = S.MulAdd(x, b0, c5_0);
            x = S.Splat(a6 + o); c6_0 = S.MulAdd(x, b0, c6_0);
            x = S.Splat(a7 + o); c7_0 = S.MulAdd(x, b0, c7_0);
            o += ks;
            b += ldb;
        }
        if (cols == 1 * w)
        {
            S.Store(c + 0 * ldc + 0 * w, c0_0);
            if (rows > 1) { S.Store(c + 1 * ldc + 0 * w, c1_0); }
            if (rows > 2) { S.Store(c + 2 * ldc + 0 * w, c2_0); }
            if (rows > 3) { S.Store(c + 3 * ldc + 0 * w, c3_0); }
            if (rows > 4) { S.Store(c + 4 * ldc + 0 * w, c4_0); }
            if (rows > 5) { S.Store(c + 5 * ldc + 0 * w, c5_0); }
            if (rows > 6) { S.Store(c + 6 * ldc + 0 * w, c6_0); }
            if (rows > 7) { S.Store(c + 7 * ldc + 0 * w, c7_0); }
        }
        else
        {
            S.StorePartial(c + 0 * ldc + 0 * w, c0_0, cols - 0 * (int)w);
            if (rows > 1) { S.StorePartial(c + 1 * ldc + 0 * w, c1_0, cols - 0 * (int)w); }
            if (rows > 2) { S.StorePartial(c + 2 * ldc + 0 * w, c2_0, cols - 0 * (int)w); }
            if (rows > 3) { S.StorePartial(c + 3 * ldc + 0 * w, c3_0, cols - 0 * (int)w); }
            if (rows > 4) { S.StorePartial(c + 4 * ldc + 0 * w, c4_0, cols - 0 * (int)w); }
            if (rows > 5) { S.StorePartial(c + 5 * ldc + 0 * w, c5_0, cols - 0 * (int)w); }
            if (rows > 6) { S.StorePartial(c + 6 * ldc + 0 * w, c6_0, cols - 0 * (int)w); }
            if (rows > 7) { S.StorePartial(c + 7 * ldc + 0 * w, c7_0, cols - 0 * (int)w); }
        }
    }

    /// <summary>6 rows × 2 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void K6x2<S, TV>(float* a, nint rs, nint ks, int rows, float* b, nint ldb, int kc, float* c, nint ldc, int cols, bool load)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        nint w = S.Width;
        float* a0 = a;
        float* a1 = a + rs * Math.Min(1, rows - 1);
        float* a2 = a + rs * Math.Min(2, rows - 1);
        float* a3 = a + rs * Math.Min(3, rows - 1);
        float* a4 = a + rs * Math.Min(4, rows - 1);
        float* a5 = a + rs * Math.Min(5, rows - 1);
        TV c0_0, c0_1, c1_0, c1_1, c2_0, c2_1, c3_0, c3_1, c4_0, c4_1, c5_0, c5_1;
        c0_0 = c0_1 = c1_0 = c1_1 = c2_0 = c2_1 = c3_0 = c3_1 = c4_0 = c4_1 = c5_0 = c5_1 = S.Zero;
        if (load && cols == 2 * w)
        {
            c0_0 = S.Load(c + 0 * ldc + 0 * w); c0_1 = S.Load(c + 0 * ldc + 1 * w);
            if (rows > 1) { c1_0 = S.Load(c + 1 * ldc + 0 * w); c1_1 = S.Load(c + 1 * ldc + 1 * w); }
            if (rows > 2) { c2_0 = S.Load(c + 2 * ldc + 0 * w); c2_1 = S.Load(c + 2 * ldc + 1 * w); }
            if (rows > 3) { c3_0 = S.Load(c + 3 * ldc + 0 * w); c3_1 = S.Load(c + 3 * ldc + 1 * w); }
            if (rows > 4) { c4_0 = S.Load(c + 4 * ldc + 0 * w); c4_1 = S.Load(c + 4 * ldc + 1 * w); }
            if (rows > 5) { c5_0 = S.Load(c + 5 * ldc + 0 * w); c5_1 = S.Load(c + 5 * ldc + 1 * w); }
        }
        else if (load)
        {
            c0_0 = S.LoadPartial(c + 0 * ldc + 0 * w, cols - 0 * (int)w); c0_1 = S.LoadPartial(c + 0 * ldc + 1 * w, cols - 1 * (int)w);
            if (rows > 1) { c1_0 = S.LoadPartial(c + 1 * ldc + 0 * w, cols - 0 * (int)w); c1_1 = S.LoadPartial(c + 1 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 2) { c2_0 = S.LoadPartial(c + 2 * ldc + 0 * w, cols - 0 * (int)w); c2_1 = S.LoadPartial(c + 2 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 3) { c3_0 = S.LoadPartial(c + 3 * ldc + 0 * w, cols - 0 * (int)w); c3_1 = S.LoadPartial(c + 3 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 4) { c4_0 = S.LoadPartial(c + 4 * ldc + 0 * w, cols - 0 * (int)w); c4_1 = S.LoadPartial(c + 4 * ldc + 1 * w, cols - 1 * (int)w); }
            if (rows > 5) { c5_0 = S.LoadPartial(c + 5 * ldc + 0 * w, cols - 0 * (int)w); c5_1 = S.LoadPartial(c + 5 * ldc + 1 * w, cols - 1 * (int)w); }
        }
        nint o = 0;
        for (int p = 0; p < kc; p++)
        {
            TV b0 = S.Load(b + 0 * w); TV b1 = S.Load(b + 1 * w);
            TV x;
            x = S.Splat(a0 + o); c0_0 = S.MulAdd(x, b0, c0_0); c0_1 = S.MulAdd(x, b1, c0_1);
            x = S.Splat(a1 + o); c1_0 = S.MulAdd(x, b0, c1_0); c1_1 = S.MulAdd(x, b1, c1_1);
            x = S.Splat(a2 + o); c2_0 = S.MulAdd(x, b0, c2_0); c2_1 = S.MulAdd(x, b1, c2_1);
            x = S.Splat(a3 + o); c3_0 = S.MulAdd(x, b0, c3_0); c3_1 = S.MulAdd(x, b1, c3_1);
            x = S.Splat(a4 + o); c4_0 = S.MulAdd(x, b0, c4_0); c4_1 = S.MulAdd(x, b1, c4_1);
            x = S.Splat(a5 + o); c5_0 = S.MulAdd(x, b0, c5_0); c5_1 = S.MulAdd(x, b1, c5_1);
            o += ks;
            b += ldb;
        }
        if (cols == 2 * w)
        {
            S.Store(c + 0 * ldc + 0 * w, c0_0); S.Store(c + 0 * ldc + 1 * w, c0_1);
            if (rows > 1) { S.Store(c + 1 * ldc + 0 * w, c1_0); S.Store(c + 1 * ldc + 1 * w, c1_1); }
            if (rows > 2) { S.Store(c + 2 * ldc + 0 * w, c2_0); S.Store(c + 2 * ldc + 1 * w, c2_1); }
            if (rows > 3) { S.Store(c + 3 * ldc + 0 * w, c3_0); S.Store(c + 3 * ldc + 1 * w, c3_1); }
            if (rows > 4) { S.Store(c + 4 * ldc + 0 * w, c4_0); S.Store(c + 4 * ldc + 1 * w, c4_1); }
            if (rows > 5) { S.Store(c + 5 * ldc + 0 * w, c5_0); S.Store(c + 5 * ldc + 1 * w, c5_1); }
        }
        else
        {
            S.StorePartial(c + 0 * ldc + 0 * w, c0_0, cols - 0 * (int)w); S.StorePartial(c + 0 * ldc + 1 * w, c0_1, cols - 1 * (int)w);
            if (rows > 1) { S.StorePartial(c + 1 * ldc + 0 * w, c1_0, cols - 0 * (int)w); S.StorePartial(c + 1 * ldc + 1 * w, c1_1, cols - 1 * (int)w); }
            if (rows > 2) { S.StorePartial(c + 2 * ldc + 0 * w, c2_0, cols - 0 * (int)w); S.StorePartial(c + 2 * ldc + 1 * w, c2_1, cols - 1 * (int)w); }
            if (rows > 3) { S.StorePartial(c + 3 * ldc + 0 * w, c3_0, cols - 0 * (int)w); S.StorePartial(c + 3 * ldc + 1 * w, c3_1, cols - 1 * (int)w); }
            if (rows > 4) { S.StorePartial(c + 4 * ldc + 0 * w, c4_0, cols - 0 * (int)w); S.StorePartial(c + 4 * ldc + 1 * w, c4_1, cols - 1 * (int)w); }
            if (rows > 5) { S.StorePartial(c + 5 * ldc + 0 * w, c5_0, cols - 0 * (int)w); S.StorePartial(c + 5 * ldc + 1 * w, c5_1, cols - 1 * (int)w); }
        }
    }

    /// <summary>6 rows × 1 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void K6x1<S, TV>(float* a, nint rs, nint ks, int rows, float* b, nint ldb, int kc, float* c, nint ldc, int cols, bool load)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        nint w = S.Width;
        float* a0 = a;
        float* a1 = a + rs * Math.Min(1, rows - 1);
        float* a2 = a + rs * Math.Min(2, rows - 1);
        float* a3 = a + rs * Math.Min(3, rows - 1);
        float* a4 = a + rs * Math.Min(4, rows - 1);
        float* a5 = a + rs * Math.Min(5, rows - 1);
        TV c0_0, c1_0, c2_0, c3_0, c4_0, c5_0;
        c0_0 = c1_0 = c2_0 = c3_0 = c4_0 = c5_0 = S.Zero;
        if (load && cols == 1 * w)
        {
            c0_0 = S.Load(c + 0 * ldc + 0 * w);
            if (rows > 1) { c1_0 = S.Load(c + 1 * ldc + 0 * w); }
            if (rows > 2) { c2_0 = S.Load(c + 2 * ldc + 0 * w); }
            if (rows > 3) { c3_0 = S.Load(c + 3 * ldc + 0 * w); }
            if (rows > 4) { c4_0 = S.Load(c + 4 * ldc + 0 * w); }
            if (rows > 5) { c5_0 = S.Load(c + 5 * ldc + 0 * w); }
        }
        else if (load)
        {
            c0_0 = S.LoadPartial(c + 0 * ldc + 0 * w, cols - 0 * (int)w);
            if (rows > 1) { c1_0 = S.LoadPartial(c + 1 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 2) { c2_0 = S.LoadPartial(c + 2 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 3) { c3_0 = S.LoadPartial(c + 3 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 4) { c4_0 = S.LoadPartial(c + 4 * ldc + 0 * w, cols - 0 * (int)w); }
            if (rows > 5) { c5_0 = S.LoadPartial(c + 5 * ldc + 0 * w, cols - 0 * (int)w); }
        }
        nint o = 0;
        for (int p = 0; p < kc; p++)
        {
            TV b0 = S.Load(b + 0 * w);
            TV x;
            x = S.Splat(a0 + o); c0_0 = S.MulAdd(x, b0, c0_0);
            x = S.Splat(a1 + o); c1_0 = S.MulAdd(x, b0, c1_0);
            x = S.Splat(a2 + o); c2_0 = S.MulAdd(x, b0, c2_0);
            x = S.Splat(a3 + o); c3_0 = S.MulAdd(x, b0, c3_0);
            x = S.Splat(a4 + o); c4_0 = S.MulAdd(x, b0, c4_0);
            x = S.Splat(a5 + o); c5_0 = S.MulAdd(x, b0, c5_0);
            o += ks;
            b += ldb;
        }
        if (cols == 1 * w)
        {
            S.Store(c + 0 * ldc + 0 * w, c0_0);
            if (rows > 1) { S.Store(c + 1 * ldc + 0 * w, c1_0); }
            if (rows > 2) { S.Store(c + 2 * ldc + 0 * w, c2_0); }
            if (rows > 3) { S.Store(c + 3 * ldc + 0 * w, c3_0); }
            if (rows > 4) { S.Store(c + 4 * ldc + 0 * w, c4_0); }
            if (rows > 5) { S.Store(c + 5 * ldc + 0 * w, c5_0); }
        }
        else
        {
            S.StorePartial(c + 0 * ldc + 0 * w, c0_0, cols - 0 * (int)w);
            if (rows > 1) { S.StorePartial(c + 1 * ldc + 0 * w, c1_0, cols - 0 * (int)w); }
            if (rows > 2) { S.StorePartial(c + 2 * ldc + 0 * w, c2_0, cols - 0 * (int)w); }
            if (rows > 3) { S.StorePartial(c + 3 * ldc + 0 * w, c3_0, cols - 0 * (int)w); }
            if (rows > 4) { S.StorePartial(c + 4 * ldc + 0 * w, c4_0, cols - 0 * (int)w); }
            if (rows > 5) { S.StorePartial(c + 5 * ldc + 0 * w, c5_0, cols - 0 * (int)w); }
        }
    }

    /// <summary>4 rows × 4 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void K4x4<S, TV>(float* a, nint rs, nint ks, int rows, float* b, nint ldb, int kc, float* c, nint ldc, int cols, bool load)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        nint w = S.Width;
        float* a0 = a;
        float* a1 = a + rs * Math.Min(1, rows - 1);
        float* a2 = a + rs * Math.Min(2, rows - 1);
        float* a3 = a + rs * Math.Min(3, rows - 1);
        TV c0_0, c0_1, c0_2, c0_3, c1_0, c1_1, c1_2, c1_3, c2_0, c2_1, c2_2, c2_3, c3_0, c3_1, c3_2, c3_3;
        c0_0 = c0_1 = c0_2 = c0_3 = c1_0 = c1_1 = c1_2 = c1_3 = c2_0 = c2_1 = c2_2 = c2_3 = c3_0 = c3_1 = c3_2 = c3_3 = S.Zero;
        if (load && cols == 4 * w)
        {
            c0_0 = S.Load(c + 0 * ldc + 0 * w); c0_1 = S.Load(c + 0 * ldc + 1 * w); c0_2 = S.Load(c + 0 * ldc + 2 * w); c0_3 = S.Load(c + 0 * ldc + 3 * w);
            if (rows > 1) { c1_0 = S.Load(c + 1 * ldc + 0 * w); c1_1 = S.Load(c + 1 * ldc + 1 * w); c1_2 = S.Load(c + 1 * ldc + 2 * w); c1_3 = S.Load(c + 1 * ldc + 3 * w); }
            if (rows > 2) { c2_0 = S.Load(c + 2 * ldc + 0 * w); c2_1 = S.Load(c + 2 * ldc + 1 * w); c2_2 = S.Load(c + 2 * ldc + 2 * w); c2_3 = S.Load(c + 2 * ldc + 3 * w); }
            if (rows > 3) { c3_0 = S.Load(c + 3 * ldc + 0 * w); c3_1 = S.Load(c + 3 * ldc + 1 * w); c3_2 = S.Load(c + 3 * ldc + 2 * w); c3_3 = S.Load(c + 3 * ldc + 3 * w); }
        }
        else if (load)
        {
            c0_0 = S.LoadPartial(c + 0 * ldc + 0 * w, cols - 0 * (int)w); c0_1 = S.LoadPartial(c + 0 * ldc + 1 * w, cols - 1 * (int)w); c0_2 = S.LoadPartial(c + 0 * ldc + 2 * w, cols - 2 * (int)w); c0_3 = S.LoadPartial(c + 0 * ldc + 3 * w, cols - 3 * (int)w);
            if (rows > 1) { c1_0 = S.LoadPartial(c + 1 * ldc + 0 * w, cols - 0 * (int)w); c1_1 = S.LoadPartial(c + 1 * ldc + 1 * w, cols - 1 * (int)w); c1_2 = S.LoadPartial(c + 1 * ldc + 2 * w, cols - 2 * (int)w); c1_3 = S.LoadPartial(c + 1 * ldc + 3 * w, cols - 3 * (int)w); }
            if (rows > 2) { c2_0 = S.LoadPartial(c + 2 * ldc + 0 * w, cols - 0 * (int)w); c2_1 = S.LoadPartial(c + 2 * ldc + 1 * w, cols - 1 * (int)w); c2_2 = S.LoadPartial(c + 2 * ldc + 2 * w, cols - 2 * (int)w); c2_3 = S.LoadPartial(c + 2 * ldc + 3 * w, cols - 3 * (int)w); }
            if (rows > 3) { c3_0 = S.LoadPartial(c + 3 * ldc + 0 * w, cols - 0 * (int)w); c3_1 = S.LoadPartial(c + 3 * ldc + 1 * w, cols - 1 * (int)w); c3_2 = S.LoadPartial(c + 3 * ldc + 2 * w, cols - 2 * (int)w); c3_3 = S.LoadPartial(c + 3 * ldc + 3 * w, cols - 3 * (int)w); }
        }
        nint o = 0;
        for (int p = 0; p < kc; p++)
        {
            TV b0 = S.Load(b + 0 * w); TV b1 = S.Load(b + 1 * w); TV b2 = S.Load(b + 2 * w); TV b3 = S.Load(b + 3 * w);
            TV x;
            x = S.Splat(a0 + o); c0_0 = S.MulAdd(x, b0, c0_0); c0_1 = S.MulAdd(x, b1, c0_1); c0_2 = S.MulAdd(x, b2, c0_2); c0_3 = S.MulAdd(x, b3, c0_3);
            x = S.Splat(a1 + o); c1_0 = S.MulAdd(x, b0, c1_0); c1_1 = S.MulAdd(x, b1, c1_1); c1_2 = S.MulAdd(x, b2, c1_2); c1_3 = S.MulAdd(x, b3, c1_3);
            x = S.Splat(a2 + o); c2_0 = S.MulAdd(x, b0, c2_0); c2_1 = S.MulAdd(x, b1, c2_1); c2_2 = S.MulAdd(x, b2, c2_2); c2_3 = S.MulAdd(x, b3, c2_3);
            x = S.Splat(a3 + o); c3_0 = S.MulAdd(x, b0, c3_0); c3_1 = S.MulAdd(x, b1, c3_1); c3_2 = S.MulAdd(x, b2, c3_2); c3_3 = S.MulAdd(x, b3, c3_3);
            o += ks;
            b += ldb;
        }
        if (cols == 4 * w)
        {
            S.Store(c + 0 * ldc + 0 * w, c0_0); S.Store(c + 0 * ldc + 1 * w, c0_1); S.Store(c + 0 * ldc + 2 * w, c0_2); S.Store(c + 0 * ldc + 3 * w, c0_3);
            if (rows > 1) { S.Store(c + 1 * ldc + 0 * w, c1_0); S.Store(c + 1 * ldc + 1 * w, c1_1); S.Store(c + 1 * ldc + 2 * w, c1_2); S.Store(c + 1 * ldc + 3 * w, c1_3); }
            if (rows > 2) { S.Store(c + 2 * ldc + 0 * w, c2_0); S.Store(c + 2 * ldc + 1 * w, c2_1); S.Store(c + 2 * ldc + 2 * w, c2_2); S.Store(c + 2 * ldc + 3 * w, c2_3); }
            if (rows > 3) { S.Store(c + 3 * ldc + 0 * w, c3_0); S.Store(c + 3 * ldc + 1 * w, c3_1); S.Store(c + 3 * ldc + 2 * w, c3_2); S.Store(c + 3 * ldc + 3 * w, c3_3); }
        }
        else
        {
            S.StorePartial(c + 0 * ldc + 0 * w, c0_0, cols - 0 * (int)w); S.StorePartial(c + 0 * ldc + 1 * w, c0_1, cols - 1 * (int)w); S.StorePartial(c + 0 * ldc + 2 * w, c0_2, cols - 2 * (int)w); S.StorePartial(c + 0 * ldc + 3 * w, c0_3, cols - 3 * (int)w);
            if (rows > 1) { S.StorePartial(c + 1 * ldc + 0 * w, c1_0, cols - 0 * (int)w); S.StorePartial(c + 1 * ldc + 1 * w, c1_1, cols - 1 * (int)w); S.StorePartial(c + 1 * ldc + 2 * w, c1_2, cols - 2 * (int)w); S.StorePartial(c + 1 * ldc + 3 * w, c1_3, cols - 3 * (int)w); }
            if (rows > 2) { S.StorePartial(c + 2 * ldc + 0 * w, c2_0, cols - 0 * (int)w); S.StorePartial(c + 2 * ldc + 1 * w, c2_1, cols - 1 * (int)w); S.StorePartial(c + 2 * ldc + 2 * w, c2_2, cols - 2 * (int)w); S.StorePartial(c + 2 * ldc + 3 * w, c2_3, cols - 3 * (int)w); }
            if (rows > 3) { S.StorePartial(c + 3 * ldc + 0 * w, c3_0, cols - 0 * (int)w); S.StorePartial(c + 3 * ldc + 1 * w, c3_1, cols - 1 * (int)w); S.StorePartial(c + 3 * ldc + 2 * w, c3_2, cols - 2 * (int)w); S.StorePartial(c + 3 * ldc + 3 * w, c3_3, cols - 3 * (int)w); }
        }
    }

    /// <summary>1 rows × 8 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void K1x8<S, TV>(float* a, nint rs, nint ks, int rows, float* b, nint ldb, int kc, float* c, nint ldc, int cols, bool load)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        nint w = S.Width;
        float* a0 = a;
        TV c0_0, c0_1, c0_2, c0_3, c0_4, c0_5, c0_6, c0_7;
        c0_0 = c0_1 = c0_2 = c0_3 = c0_4 = c0_5 = c0_6 = c0_7 = S.Zero;
        if (load && cols == 8 * w)
        {
            c0_0 = S.Load(c + 0 * ldc + 0 * w); c0_1 = S.Load(c + 0 * ldc + 1 * w); c0_2 = S.Load(c + 0 * ldc + 2 * w); c0_3 = S.Load(c + 0 * ldc + 3 * w); c0_4 = S.Load(c + 0 * ldc + 4 * w); c0_5 = S.Load(c + 0 * ldc + 5 * w); c0_6 = S.Load(c + 0 * ldc + 6 * w); c0_7 = S.Load(c + 0 * ldc + 7 * w);
        }
        else if (load)
        {
            c0_0 = S.LoadPartial(c + 0 * ldc + 0 * w, cols - 0 * (int)w); c0_1 = S.LoadPartial(c + 0 * ldc + 1 * w, cols - 1 * (int)w); c0_2 = S.LoadPartial(c + 0 * ldc + 2 * w, cols - 2 * (int)w); c0_3 = S.LoadPartial(c + 0 * ldc + 3 * w, cols - 3 * (int)w); c0_4 = S.LoadPartial(c + 0 * ldc + 4 * w, cols - 4 * (int)w); c0_5 = S.LoadPartial(c + 0 * ldc + 5 * w, cols - 5 * (int)w); c0_6 = S.LoadPartial(c + 0 * ldc + 6 * w, cols - 6 * (int)w); c0_7 = S.LoadPartial(c + 0 * ldc + 7 * w, cols - 7 * (int)w);
        }
        nint o = 0;
        for (int p = 0; p < kc; p++)
        {
            TV b0 = S.Load(b + 0 * w); TV b1 = S.Load(b + 1 * w); TV b2 = S.Load(b + 2 * w); TV b3 = S.Load(b + 3 * w); TV b4 = S.Load(b + 4 * w); TV b5 = S.Load(b + 5 * w); TV b6 = S.Load(b + 6 * w); TV b7 = S.Load(b + 7 * w);
            TV x;
            x = S.Splat(a0 + o); c0_0 = S.MulAdd(x, b0, c0_0); c0_1 = S.MulAdd(x, b1, c0_1); c0_2 = S.MulAdd(x, b2, c0_2); c0_3 = S.MulAdd(x, b3, c0_3); c0_4 = S.MulAdd(x, b4, c0_4); c0_5 = S.MulAdd(x, b5, c0_5); c0_6 = S.MulAdd(x, b6, c0_6); c0_7 = S.MulAdd(x, b7, c0_7);
            o += ks;
            b += ldb;
        }
        if (cols == 8 * w)
        {
            S.Store(c + 0 * ldc + 0 * w, c0_0); S.Store(c + 0 * ldc + 1 * w, c0_1); S.Store(c + 0 * ldc + 2 * w, c0_2); S.Store(c + 0 * ldc + 3 * w, c0_3); S.Store(c + 0 * ldc + 4 * w, c0_4); S.Store(c + 0 * ldc + 5 * w, c0_5); S.Store(c + 0 * ldc + 6 * w, c0_6); S.Store(c + 0 * ldc + 7 * w, c0_7);
        }
        else
        {
            S.StorePartial(c + 0 * ldc + 0 * w, c0_0, cols - 0 * (int)w); S.StorePartial(c + 0 * ldc + 1 * w, c0_1, cols - 1 * (int)w); S.StorePartial(c + 0 * ldc + 2 * w, c0_2, cols - 2 * (int)w); S.StorePartial(c + 0 * ldc + 3 * w, c0_3, cols - 3 * (int)w); S.StorePartial(c + 0 * ldc + 4 * w, c0_4, cols - 4 * (int)w); S.StorePartial(c + 0 * ldc + 5 * w, c0_5, cols - 5 * (int)w); S.StorePartial(c + 0 * ldc + 6 * w, c0_6, cols - 6 * (int)w); S.StorePartial(c + 0 * ldc + 7 * w, c0_7, cols - 7 * (int)w);
        }
    }

    /// <summary>1 rows × 4 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void K1x4<S, TV>(float* a, nint rs, nint ks, int rows, float* b, nint ldb, int kc, float* c, nint ldc, int cols, bool load)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        nint w = S.Width;
        float* a0 = a;
        TV c0_0, c0_1, c0_2, c0_3;
        c0_0 = c0_1 = c0_2 = c0_3 = S.Zero;
        if (load && cols == 4 * w)
        {
            c0_0 = S.Load(c + 0 * ldc + 0 * w); c0_1 = S.Load(c + 0 * ldc + 1 * w); c0_2 = S.Load(c + 0 * ldc + 2 * w); c0_3 = S.Load(c + 0 * ldc + 3 * w);
        }
        else if (load)
        {
            c0_0 = S.LoadPartial(c + 0 * ldc + 0 * w, cols - 0 * (int)w); c0_1 = S.LoadPartial(c + 0 * ldc + 1 * w, cols - 1 * (int)w); c0_2 = S.LoadPartial(c + 0 * ldc + 2 * w, cols - 2 * (int)w); c0_3 = S.LoadPartial(c + 0 * ldc + 3 * w, cols - 3 * (int)w);
        }
        nint o = 0;
        for (int p = 0; p < kc; p++)
        {
            TV b0 = S.Load(b + 0 * w); TV b1 = S.Load(b + 1 * w); TV b2 = S.Load(b + 2 * w); TV b3 = S.Load(b + 3 * w);
            TV x;
            x = S.Splat(a0 + o); c0_0 = S.MulAdd(x, b0, c0_0); c0_1 = S.MulAdd(x, b1, c0_1); c0_2 = S.MulAdd(x, b2, c0_2); c0_3 = S.MulAdd(x, b3, c0_3);
            o += ks;
            b += ldb;
        }
        if (cols == 4 * w)
        {
            S.Store(c + 0 * ldc + 0 * w, c0_0); S.Store(c + 0 * ldc + 1 * w, c0_1); S.Store(c + 0 * ldc + 2 * w, c0_2); S.Store(c + 0 * ldc + 3 * w, c0_3);
        }
        else
        {
            S.StorePartial(c + 0 * ldc + 0 * w, c0_0, cols - 0 * (int)w); S.StorePartial(c + 0 * ldc + 1 * w, c0_1, cols - 1 * (int)w); S.StorePartial(c + 0 * ldc + 2 * w, c0_2, cols - 2 * (int)w); S.StorePartial(c + 0 * ldc + 3 * w, c0_3, cols - 3 * (int)w);
        }
    }

    /// <summary>1 rows × 2 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void K1x2<S, TV>(float* a, nint rs, nint ks, int rows, float* b, nint ldb, int kc, float* c, nint ldc, int cols, bool load)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        nint w = S.Width;
        float* a0 = a;
        TV c0_0, c0_1;
        c0_0 = c0_1 = S.Zero;
        if (load && cols == 2 * w)
        {
            c0_0 = S.Load(c + 0 * ldc + 0 * w); c0_1 = S.Load(c + 0 * ldc + 1 * w);
        }
        else if (load)
        {
            c0_0 = S.LoadPartial(c + 0 * ldc + 0 * w, cols - 0 * (int)w); c0_1 = S.LoadPartial(c + 0 * ldc + 1 * w, cols - 1 * (int)w);
        }
        nint o = 0;
        for (int p = 0; p < kc; p++)
        {
            TV b0 = S.Load(b + 0 * w); TV b1 = S.Load(b + 1 * w);
            TV x;
            x = S.Splat(a0 + o); c0_0 = S.MulAdd(x, b0, c0_0); c0_1 = S.MulAdd(x, b1, c0_1);
            o += ks;
            b += ldb;
        }
        if (cols == 2 * w)
        {
            S.Store(c + 0 * ldc + 0 * w, c0_0); S.Store(c + 0 * ldc + 1 * w, c0_1);
        }
        else
        {
            S.StorePartial(c + 0 * ldc + 0 * w, c0_0, cols - 0 * (int)w); S.StorePartial(c + 0 * ldc + 1 * w, c0_1, cols - 1 * (int)w);
        }
    }

    /// <summary>1 rows × 1 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void K1x1<S, TV>(float* a, nint rs, nint ks, int rows, float* b, nint ldb, int kc, float* c, nint ldc, int cols, bool load)
        where S : struct, ISimd<TV> where TV : unmanaged
    {
        nint w = S.Width;
        float* a0 = a;
        TV c0_0;
        c0_0 = S.Zero;
        if (load && cols == 1 * w)
        {
            c0_0 = S.Load(c + 0 * ldc + 0 * w);
        }
        else if (load)
        {
            c0_0 = S.LoadPartial(c + 0 * ldc + 0 * w, cols - 0 * (int)w);
        }
        nint o = 0;
        for (int p = 0; p < kc; p++)
        {
            TV b0 = S.Load(b + 0 * w);
            TV x;
            x = S.Splat(a0 + o); c0_0 = S.MulAdd(x, b0, c0_0);
            o += ks;
            b += ldb;
        }
        if (cols == 1 * w)
        {
            S.Store(c + 0 * ldc + 0 * w, c0_0);
        }
        else
        {
            S.StorePartial(c + 0 * ldc + 0 * w, c0_0, cols - 0 * (int)w);
        }
    }
}
