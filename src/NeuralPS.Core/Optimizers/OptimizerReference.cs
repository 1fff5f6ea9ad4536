namespace NeuralPS.Core.Optimizers;

/// <summary>
/// The update rules as plain loops over spans, one element at a time, in PyTorch's formulas (torch.optim): the
/// specification the optimizers' vector loops and pool-split updates are tested against, bit for bit
/// (tests/NeuralPS.Core.Tests/OptimizerReferenceTests.cs). The operations are the optimizers' own, in the same order,
/// and so are the roundings of the hyperparameters, which arrive as the settings hold them (double) and are rounded
/// here exactly where the optimizers round them: that is part of what gives the same bits.
/// Ordered from simple to complex. Each takes the parameters p, the gradient g (which it may change) and its state.
/// </summary>
internal static class OptimizerReference
{
    /// <summary>
    /// SGD: g += λ·p; with momentum μ, v = g on the first step, else v = μ·v + (1 − τ)·g, and g = g + μ·v (Nesterov)
    /// or g = v; then p = p − lr·g (written g·(−lr) + p, as the optimizer computes it).
    /// </summary>
    public static void Sgd(Span<float> p, Span<float> g, Span<float> velocity, bool firstStep, float lr,
        double momentum, double dampening, bool nesterov, double weightDecay)
    {
        float wd = (float)weightDecay, mu = (float)momentum, keep = 1f - (float)dampening;
        for (int i = 0; i < p.Length; i++)
        {
            float gi = weightDecay != 0 ? p[i] * wd + g[i] : g[i];
            if (momentum != 0)
            {
                velocity[i] = firstStep ? gi : mu * velocity[i] + keep * gi;
                gi = nesterov ? velocity[i] * mu + gi : velocity[i];
            }
            g[i] = gi;
            p[i] = gi * -lr + p[i];
        }
    }

    /// <summary>AdaGrad: g += λ·p; sum += g²; p = p − lr·g / (√sum + ε).</summary>
    public static void AdaGrad(Span<float> p, Span<float> g, Span<float> sum, float lr, double epsilon, double weightDecay)
    {
        float wd = (float)weightDecay, eps = (float)epsilon;
        for (int i = 0; i < p.Length; i++)
        {
            float gi = weightDecay != 0 ? p[i] * wd + g[i] : g[i];
            sum[i] = sum[i] + gi * gi;
            p[i] = p[i] - lr * gi / (MathF.Sqrt(sum[i]) + eps);
        }
    }

    /// <summary>
    /// RMSprop: g += λ·p; s = ρ·s + (1 − ρ)·g²; centered, a = ρ·a + (1 − ρ)·g and the variance s − a²; u = g / (√var + ε);
    /// with momentum μ, b = μ·b + u and u = b; p = p − lr·u.
    /// </summary>
    public static void RmsProp(Span<float> p, Span<float> g, Span<float> square, Span<float> momentumBuffer, Span<float> mean,
        float lr, double rho, double epsilon, double momentum, bool centered, double weightDecay)
    {
        float wd = (float)weightDecay, fRho = (float)rho, oneMinusRho = (float)(1 - rho), eps = (float)epsilon, mu = (float)momentum;
        for (int i = 0; i < p.Length; i++)
        {
            float gi = weightDecay != 0 ? p[i] * wd + g[i] : g[i];
            float variance = square[i] = fRho * square[i] + oneMinusRho * gi * gi;
            if (centered)
            {
                float average = mean[i] = fRho * mean[i] + oneMinusRho * gi;
                variance -= average * average;
            }
            float update = gi / (MathF.Sqrt(variance) + eps);
            if (momentum != 0) update = momentumBuffer[i] = mu * momentumBuffer[i] + update;
            p[i] = p[i] - lr * update;
        }
    }

    /// <summary>
    /// Adam at step t (1 for the first): m = β₁·m + (1 − β₁)·g, v = β₂·v + (1 − β₂)·g²,
    /// p = p − (lr / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε). Weight decay λ: AdamW first scales p by (1 − lr·λ)
    /// (decoupled); Adam adds λ·p to g.
    /// </summary>
    public static void Adam(Span<float> p, Span<float> g, Span<float> m, Span<float> v, long t, float lr,
        double beta1, double beta2, double epsilon, double weightDecay, bool decoupled)
    {
        float keep = (float)(1 - lr * weightDecay), wd = (float)weightDecay;
        // 1 − β in double, then rounded (1 − (float)0.999 would be off by 1e-5 relative); the bias corrections in double.
        float b1 = (float)beta1, b2 = (float)beta2, rb1 = (float)(1 - beta1), rb2 = (float)(1 - beta2), eps = (float)epsilon;
        float stepSize = (float)(lr / (1 - Math.Pow(beta1, t)));
        float invBc2Root = (float)(1 / Math.Sqrt(1 - Math.Pow(beta2, t)));
        for (int i = 0; i < p.Length; i++)
        {
            float gi = g[i];
            if (weightDecay != 0)
            {
                if (decoupled) p[i] *= keep;
                else gi = p[i] * wd + gi;
            }
            m[i] = b1 * m[i] + rb1 * gi;
            v[i] = b2 * v[i] + rb2 * gi * gi;
            p[i] = p[i] - stepSize * m[i] / (MathF.Sqrt(v[i]) * invBc2Root + eps);
        }
    }

    /// <summary>
    /// NAdam at step t, as PyTorch 1.13 (the golden files' reference) computes it: μ_t = β₁·(1 − ½·0.96^(t·ψ)),
    /// Π = Π·μ_t (kept in <paramref name="muProduct"/>, a float as the optimizer saves it);
    /// p = p − [lr·(1 − μ_t)/(1 − Π)·g + lr·μ_{t+1}/(1 − Π·μ_t·μ_{t+1})·m] / (√v / √(1 − β₂ᵗ) + ε), after Adam's m and v,
    /// with Adam's denominator (√v in float, times the rounded 1/√(1 − β₂ᵗ)).
    /// </summary>
    public static void NAdam(Span<float> p, Span<float> g, Span<float> m, Span<float> v, ref float muProduct, long t, float lr,
        double beta1, double beta2, double epsilon, double weightDecay, double momentumDecay)
    {
        float wd = (float)weightDecay, b1 = (float)beta1, b2 = (float)beta2, rb1 = (float)(1 - beta1), rb2 = (float)(1 - beta2), eps = (float)epsilon;
        float invBc2Root = (float)(1 / Math.Sqrt(1 - Math.Pow(beta2, t)));
        double mu = beta1 * (1 - 0.5 * Math.Pow(0.96, t * momentumDecay));
        double muNext = beta1 * (1 - 0.5 * Math.Pow(0.96, (t + 1) * momentumDecay));
        double product = muProduct * mu;
        muProduct = (float)product;
        float gradScale = (float)(lr * (1 - mu) / (1 - product));
        float momentumScale = (float)(lr * muNext / (1 - product * mu * muNext));
        for (int i = 0; i < p.Length; i++)
        {
            float gi = weightDecay != 0 ? p[i] * wd + g[i] : g[i];
            m[i] = b1 * m[i] + rb1 * gi;
            v[i] = b2 * v[i] + rb2 * gi * gi;
            p[i] = p[i] - (gradScale * gi + momentumScale * m[i]) / (MathF.Sqrt(v[i]) * invBc2Root + eps);
        }
    }
}
