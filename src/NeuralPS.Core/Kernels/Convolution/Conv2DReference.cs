namespace NeuralPS.Core.Kernels;

/// <summary>
/// Plain loops over the definition of a 2-D convolution: the specification <see cref="Conv2D"/> is tested against.
/// The float versions sum in the order the fast kernels do (fused multiply-adds in order of k = (c, ki, kj), of n
/// then p for dW), so the two agree bit for bit wherever the CPU fuses; the double versions are the oracle for the
/// finite-difference checks.
/// </summary>
public static class Conv2DReference
{
    /// <summary>y[n, f, oh, ow] = Σ_{c,ki,kj} W[f, c, ki, kj] · x[n, c, oh·SH + ki - PadTop, ow·SW + kj - PadLeft] + b[f].</summary>
    public static void Forward(in Conv2DShape s, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, Span<float> y)
    {
        for (int n = 0; n < batch; n++)
            for (int f = 0; f < s.Filters; f++)
                for (int oh = 0; oh < s.OutHeight; oh++)
                    for (int ow = 0; ow < s.OutWidth; ow++)
                    {
                        float sum = 0f;
                        for (int c = 0; c < s.Channels; c++)
                            for (int ki = 0; ki < s.KernelHeight; ki++)
                                for (int kj = 0; kj < s.KernelWidth; kj++)
                                    if (Input(s, oh, ow, ki, kj, out int ih, out int iw))
                                        sum = MathF.FusedMultiplyAdd(weights[Weight(s, f, c, ki, kj)], x[Pixel(s, n, c, ih, iw)], sum);
                        y[Output(s, n, f, oh, ow)] = bias.IsEmpty ? sum : sum + bias[f];
                    }
    }

    /// <summary>dx[n, c, ih, iw] = Σ over the (f, oh, ow, ki, kj) that read it of W[f, c, ki, kj] · dy[n, f, oh, ow].</summary>
    public static void BackwardInput(in Conv2DShape s, int batch, ReadOnlySpan<float> dy, ReadOnlySpan<float> weights, Span<float> dx)
    {
        dx[..(batch * s.InputSize)].Clear();
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < s.Channels; c++)
                for (int ki = 0; ki < s.KernelHeight; ki++)
                    for (int kj = 0; kj < s.KernelWidth; kj++)
                        for (int oh = 0; oh < s.OutHeight; oh++)
                            for (int ow = 0; ow < s.OutWidth; ow++)
                            {
                                if (!Input(s, oh, ow, ki, kj, out int ih, out int iw)) continue;
                                float sum = 0f;
                                for (int f = 0; f < s.Filters; f++)
                                    sum = MathF.FusedMultiplyAdd(weights[Weight(s, f, c, ki, kj)], dy[Output(s, n, f, oh, ow)], sum);
                                dx[Pixel(s, n, c, ih, iw)] += sum;
                            }
    }

    /// <summary>dW[f, c, ki, kj] = Σ_n Σ_{oh,ow} dy[n, f, oh, ow] · x[n, c, ih, iw]; db[f] = Σ_n Σ_{oh,ow} dy[n, f, oh, ow] (in double).</summary>
    public static void BackwardWeights(in Conv2DShape s, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
        Span<float> weightGradient, Span<float> biasGradient)
    {
        for (int f = 0; f < s.Filters; f++)
        {
            for (int c = 0; c < s.Channels; c++)
                for (int ki = 0; ki < s.KernelHeight; ki++)
                    for (int kj = 0; kj < s.KernelWidth; kj++)
                    {
                        float sum = 0f;
                        for (int n = 0; n < batch; n++)
                            for (int oh = 0; oh < s.OutHeight; oh++)
                                for (int ow = 0; ow < s.OutWidth; ow++)
                                    if (Input(s, oh, ow, ki, kj, out int ih, out int iw))
                                        sum = MathF.FusedMultiplyAdd(dy[Output(s, n, f, oh, ow)], x[Pixel(s, n, c, ih, iw)], sum);
                        weightGradient[Weight(s, f, c, ki, kj)] = sum;
                    }
            if (biasGradient.IsEmpty) continue;
            double total = 0;
            for (int n = 0; n < batch; n++)
                for (int p = 0; p < s.OutPixels; p++) total += dy[Output(s, n, f, 0, 0) + p];
            biasGradient[f] = (float)total;
        }
    }

    /// <summary>The forward pass in double: the oracle.</summary>
    public static double[] ForwardDouble(in Conv2DShape s, int batch, ReadOnlySpan<double> x, ReadOnlySpan<double> weights, ReadOnlySpan<double> bias)
    {
        var y = new double[batch * s.OutputSize];
        for (int n = 0; n < batch; n++)
            for (int f = 0; f < s.Filters; f++)
                for (int oh = 0; oh < s.OutHeight; oh++)
                    for (int ow = 0; ow < s.OutWidth; ow++)
                    {
                        double sum = bias.IsEmpty ? 0 : bias[f];
                        for (int c = 0; c < s.Channels; c++)
                            for (int ki = 0; ki < s.KernelHeight; ki++)
                                for (int kj = 0; kj < s.KernelWidth; kj++)
                                    if (Input(s, oh, ow, ki, kj, out int ih, out int iw))
                                        sum += weights[Weight(s, f, c, ki, kj)] * x[Pixel(s, n, c, ih, iw)];
                        y[Output(s, n, f, oh, ow)] = sum;
                    }
        return y;
    }

    /// <summary>Where kernel tap (ki, kj) of output pixel (oh, ow) reads, and whether that is inside the image.</summary>
    private static bool Input(in Conv2DShape s, int oh, int ow, int ki, int kj, out int ih, out int iw)
    {
        ih = oh * s.StrideHeight + ki - s.PadTop;
        iw = ow * s.StrideWidth + kj - s.PadLeft;
        return ih >= 0 && ih < s.Height && iw >= 0 && iw < s.Width;
    }

    private static int Pixel(in Conv2DShape s, int n, int c, int h, int w) => ((n * s.Channels + c) * s.Height + h) * s.Width + w;
    private static int Output(in Conv2DShape s, int n, int f, int oh, int ow) => ((n * s.Filters + f) * s.OutHeight + oh) * s.OutWidth + ow;
    private static int Weight(in Conv2DShape s, int f, int c, int ki, int kj) => ((f * s.Channels + c) * s.KernelHeight + ki) * s.KernelWidth + kj;
}
