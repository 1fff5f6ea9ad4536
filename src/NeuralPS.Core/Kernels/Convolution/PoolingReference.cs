namespace NeuralPS.Core.Kernels;

/// <summary>Plain loops over the definitions of the poolings: the specification <see cref="Pooling"/> is tested against.</summary>
public static class PoolingReference
{
    /// <summary>PyTorch's loop: the maximum starts at -∞ with the window's first index, and a value replaces it if greater, or NaN.</summary>
    public static void MaxForward(in Pool2DShape s, int batch, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax)
    {
        for (int q = 0; q < batch * s.Channels; q++)
            for (int oh = 0; oh < s.OutHeight; oh++)
                for (int ow = 0; ow < s.OutWidth; ow++)
                {
                    int h0 = oh * s.StrideHeight, w0 = ow * s.StrideWidth, at = h0 * s.Width + w0;
                    float max = float.NegativeInfinity;
                    for (int h = h0; h < h0 + s.KernelHeight; h++)
                        for (int w = w0; w < w0 + s.KernelWidth; w++)
                        {
                            float v = x[q * s.Height * s.Width + h * s.Width + w];
                            if (v > max || float.IsNaN(v)) { max = v; at = h * s.Width + w; }
                        }
                    int o = (q * s.OutHeight + oh) * s.OutWidth + ow;
                    y[o] = max;
                    argmax[o] = at;
                }
    }

    /// <summary>dx = 0, then every output's dy added at its argmax, outputs in order.</summary>
    public static void MaxBackward(in Pool2DShape s, int batch, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx)
    {
        dx[..(batch * s.InputSize)].Clear();
        for (int q = 0; q < batch * s.Channels; q++)
            for (int o = 0; o < s.OutHeight * s.OutWidth; o++)
                dx[q * s.Height * s.Width + argmax[q * s.OutHeight * s.OutWidth + o]] += dy[q * s.OutHeight * s.OutWidth + o];
    }

    /// <summary>The window's values summed in order (from 0), divided by KH·KW.</summary>
    public static void AverageForward(in Pool2DShape s, int batch, ReadOnlySpan<float> x, Span<float> y)
    {
        for (int q = 0; q < batch * s.Channels; q++)
            for (int oh = 0; oh < s.OutHeight; oh++)
                for (int ow = 0; ow < s.OutWidth; ow++)
                {
                    float sum = 0f;
                    for (int h = oh * s.StrideHeight; h < oh * s.StrideHeight + s.KernelHeight; h++)
                        for (int w = ow * s.StrideWidth; w < ow * s.StrideWidth + s.KernelWidth; w++)
                            sum += x[q * s.Height * s.Width + h * s.Width + w];
                    y[(q * s.OutHeight + oh) * s.OutWidth + ow] = sum / (s.KernelHeight * s.KernelWidth);
                }
    }

    /// <summary>dx = 0, then each output's dy / (KH·KW) added over its window, outputs and taps in order.</summary>
    public static void AverageBackward(in Pool2DShape s, int batch, ReadOnlySpan<float> dy, Span<float> dx)
    {
        dx[..(batch * s.InputSize)].Clear();
        for (int q = 0; q < batch * s.Channels; q++)
            for (int oh = 0; oh < s.OutHeight; oh++)
                for (int ow = 0; ow < s.OutWidth; ow++)
                {
                    float g = dy[(q * s.OutHeight + oh) * s.OutWidth + ow] / (s.KernelHeight * s.KernelWidth);
                    for (int h = oh * s.StrideHeight; h < oh * s.StrideHeight + s.KernelHeight; h++)
                        for (int w = ow * s.StrideWidth; w < ow * s.StrideWidth + s.KernelWidth; w++)
                            dx[q * s.Height * s.Width + h * s.Width + w] += g;
                }
    }

    /// <summary>y[n, c] = (Σ_p x[n, c, p] in double) / P.</summary>
    public static void GlobalAverageForward(int channels, int pixels, int batch, ReadOnlySpan<float> x, Span<float> y)
    {
        for (int q = 0; q < batch * channels; q++)
        {
            double sum = 0;
            for (int p = 0; p < pixels; p++) sum += x[q * pixels + p];
            y[q] = (float)(sum / pixels);
        }
    }

    /// <summary>dx[n, c, p] = dy[n, c] / P.</summary>
    public static void GlobalAverageBackward(int channels, int pixels, int batch, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int q = 0; q < batch * channels; q++)
            for (int p = 0; p < pixels; p++) dx[q * pixels + p] = dy[q] / pixels;
    }
}
