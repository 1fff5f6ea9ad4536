namespace NeuralPS.Core.Kernels;

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
