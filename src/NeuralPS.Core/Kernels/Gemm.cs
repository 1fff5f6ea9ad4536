namespace NeuralPS.Core.Kernels;

/// <summary>Which operands of C = op(A)·op(B) are read transposed.</summary>
public enum GemmForm
{
    /// <summary>C[m,n] = A[m,k] · B[k,n]: the forward pass, y = x·W.</summary>
    NN,
    /// <summary>C[m,n] = A[m,k] · B[n,k]ᵀ: the input gradient, dx = dy·Wᵀ.</summary>
    NT,
    /// <summary>C[m,n] = A[k,m]ᵀ · B[k,n]: the weight gradient, dW = xᵀ·dy.</summary>
    TN,
}

/// <summary>
/// The one matrix product of the engine. Every operand is row-major and contiguous.
/// Work is split over output tiles only, never over k, so results do not depend on the thread count.
/// </summary>
public static class Gemm
{
    /// <summary>C = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>.</summary>
    public static void Multiply(GemmForm form, int m, int n, int k,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        bool accumulate = false, WorkerPool? pool = null)
    {
        CheckSizes(form, m, n, k, a.Length, b.Length, c.Length);
        GemmReference.MultiplySingle(form, m, n, k, a, b, c, accumulate);
    }

    internal static void CheckSizes(GemmForm form, int m, int n, int k, int aLength, int bLength, int cLength)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), "GEMM sizes must not be negative.");
        if (aLength < (long)m * k) throw new ArgumentException($"A holds {aLength} values; {form} with m={m}, k={k} needs {(long)m * k}.");
        if (bLength < (long)k * n) throw new ArgumentException($"B holds {bLength} values; {form} with k={k}, n={n} needs {(long)k * n}.");
        if (cLength < (long)m * n) throw new ArgumentException($"C holds {cLength} values; m={m}, n={n} needs {(long)m * n}.");
    }
}

/// <summary>Plain loops: the specification the fast kernels are tested against.</summary>
public static class GemmReference
{
    /// <summary>Single-precision product in the order i, p, j (vectorizes B's rows).</summary>
    public static void MultiplySingle(GemmForm form, int m, int n, int k,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool accumulate)
    {
        if (!accumulate) c[..(m * n)].Clear();
        for (int i = 0; i < m; i++)
        {
            Span<float> row = c.Slice(i * n, n);
            for (int p = 0; p < k; p++)
            {
                float aip = form == GemmForm.TN ? a[p * m + i] : a[i * k + p];
                if (aip == 0f && form != GemmForm.NT) continue;
                if (form == GemmForm.NT)
                {
                    for (int j = 0; j < n; j++) row[j] += aip * b[j * k + p];
                }
                else
                {
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), aip, row, row);
                }
            }
        }
    }

    /// <summary>Double-precision product: the oracle for tests.</summary>
    public static double[] MultiplyDouble(GemmForm form, int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = form == GemmForm.TN ? a[p * m + i] : a[i * k + p];
                    double bv = form == GemmForm.NT ? b[j * k + p] : b[p * n + j];
                    s += av * bv;
                }
                c[i * n + j] = s;
            }
        return c;
    }
}
