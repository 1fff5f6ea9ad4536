using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using NeuralPS.Core.Kernels;

namespace NeuralPS.Core;

/// <summary>The loss functions. The per-sample loss of a multi-output loss is the mean over the outputs.</summary>
public enum LossKind
{
    /// <summary>Mean squared error.</summary>
    MeanSquaredError,
    /// <summary>Mean absolute error.</summary>
    MeanAbsoluteError,
    /// <summary>Huber loss with delta 1.</summary>
    Huber,
    /// <summary>Binary cross-entropy, single or multi-label (fused with a sigmoid output).</summary>
    BinaryCrossEntropy,
    /// <summary>Cross-entropy against one-hot (or probability) targets (fused with a softmax output).</summary>
    CategoricalCrossEntropy,
    /// <summary>Cross-entropy against class indices (fused with a softmax output).</summary>
    SparseCategoricalCrossEntropy,
}

/// <summary>
/// Loss values and gradients for a batch. When the output activation and the loss pair up
/// (softmax with cross-entropy, sigmoid with binary cross-entropy) the gradient is taken with
/// respect to the pre-activation in one stable pass (log-sum-exp); otherwise with respect to the output.
/// </summary>
public static class LossFunctions
{
    /// <summary>The loss a network gets when none is set: from its output activation.</summary>
    public static LossKind InferFrom(Activation output, int outputs) => output switch
    {
        Activation.Softmax => LossKind.CategoricalCrossEntropy,
        Activation.Sigmoid => LossKind.BinaryCrossEntropy,
        _ => LossKind.MeanSquaredError,
    };

    /// <summary>
    /// Throws <c>LossMismatch</c> when the loss needs what the output layer does not give: cross-entropy needs
    /// probabilities, a distribution over the outputs (Softmax) for the categorical kinds, values in (0, 1) for the
    /// binary one (Sigmoid, or Softmax). Anything else would take the logarithm of scores and train on nonsense.
    /// </summary>
    public static void EnsureFits(LossKind loss, Activation output, int outputs, string network)
    {
        string? needs = loss switch
        {
            LossKind.CategoricalCrossEntropy or LossKind.SparseCategoricalCrossEntropy when output != Activation.Softmax => "Softmax",
            LossKind.BinaryCrossEntropy when output is not (Activation.Sigmoid or Activation.Softmax) => "Sigmoid",
            _ => null,
        };
        if (needs is not null)
            throw new NeuralPSException(ErrorIds.LossMismatch, ErrorKind.InvalidOperation,
                $"{loss} needs probabilities from a {needs} output, but the output layer of '{network}' is {output}. " +
                $"Make the last layer Add-DenseLayer {outputs} -Activation {needs}, or set a loss that fits a {output} output: Set-Loss MeanSquaredError.", loss);
    }

    /// <summary>True when the gradient is computed with respect to the pre-activation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool IsFused(LossKind loss, Activation output) =>
        (output == Activation.Softmax && loss is LossKind.CategoricalCrossEntropy or LossKind.SparseCategoricalCrossEntropy) ||
        (output == Activation.Sigmoid && loss == LossKind.BinaryCrossEntropy);

    /// <summary>
    /// Mean loss over the batch; writes d(loss)/d(z) when fused, else d(loss)/d(y), into <paramref name="grad"/>
    /// (skipped when <paramref name="grad"/> is empty). Targets are [rows, targetWidth]: the same width as
    /// the outputs, or width 1 with class indices for a softmax output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Compute(LossKind loss, Activation output, ReadOnlySpan<float> z, ReadOnlySpan<float> y,
        ReadOnlySpan<float> targets, int targetWidth, int rows, int width, Span<float> grad)
    {
        bool wantGrad = !grad.IsEmpty;
        if (IsFused(loss, output))
        {
            return output == Activation.Softmax
                ? SoftmaxCrossEntropy(z, y, targets, targetWidth, rows, width, grad, wantGrad)
                : SigmoidBinaryCrossEntropy(z, targets, rows, width, grad, wantGrad);
        }

        double total = 0;
        float scale = 1f / (rows * width);
        switch (loss)
        {
            case LossKind.MeanSquaredError:
                total = SquaredErrors(y[..(rows * width)], targets[..(rows * width)], wantGrad ? grad[..(rows * width)] : default, scale);
                break;
            case LossKind.MeanAbsoluteError:
                for (int i = 0; i < rows * width; i++)
                {
                    float d = y[i] - targets[i];
                    total += MathF.Abs(d);
                    if (wantGrad) grad[i] = MathF.Sign(d) * scale;
                }
                break;
            case LossKind.Huber:
                for (int i = 0; i < rows * width; i++)
                {
                    float d = y[i] - targets[i];
                    float a = MathF.Abs(d);
                    total += a <= 1f ? 0.5 * d * d : a - 0.5;
                    if (wantGrad) grad[i] = (a <= 1f ? d : MathF.Sign(d)) * scale;
                }
                break;
            case LossKind.BinaryCrossEntropy:
                for (int i = 0; i < rows * width; i++)
                {
                    // PyTorch clamps the logarithms at -100 so that a saturated output stays finite.
                    double p = y[i], t = targets[i];
                    total -= t * Math.Max(Math.Log(p), -100) + (1 - t) * Math.Max(Math.Log(1 - p), -100);
                    if (wantGrad) grad[i] = (float)((p - t) / Math.Max(p * (1 - p), 1e-12)) * scale;
                }
                break;
            case LossKind.CategoricalCrossEntropy:
            case LossKind.SparseCategoricalCrossEntropy:
                for (int r = 0; r < rows; r++)
                    for (int j = 0; j < width; j++)
                    {
                        int i = r * width + j;
                        float t = TargetAt(targets, targetWidth, r, j);
                        double p = Math.Max(y[i], 1e-12);
                        if (t != 0) total -= t * Math.Log(p);
                        if (wantGrad) grad[i] = (float)(-t / p) / rows;
                    }
                return total / rows;
            default: throw new ArgumentOutOfRangeException(nameof(loss), loss, null);
        }
        return total / (rows * width);
    }

    /// <summary>
    /// The weighted loss of a batch: (1/rows)·Σ_r w_r·loss_r, each row's gradient scaled by its weight; with no
    /// <paramref name="weights"/> (empty), the plain mean of <see cref="Compute(LossKind, Activation, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, int, Span{float})"/>.
    /// This is Keras's reduction ("sum over the batch size"), not PyTorch's Σw·loss/Σw per batch: dividing each batch by
    /// its own weight sum would let a batch without rows of a rare class count as much as one with them, so the weights
    /// would act only within batches. The trainer passes weights divided by their mean over the whole data (see
    /// RowWeights), so the epoch's loss is the weighted mean Σw·loss/Σw, and equals PyTorch's
    /// CrossEntropyLoss(weight=) on a full batch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Compute(LossKind loss, Activation output, ReadOnlySpan<float> z, ReadOnlySpan<float> y,
        ReadOnlySpan<float> targets, int targetWidth, int rows, int width, ReadOnlySpan<float> weights, Span<float> grad)
    {
        if (weights.IsEmpty) return Compute(loss, output, z, y, targets, targetWidth, rows, width, grad);
        bool wantGrad = !grad.IsEmpty;
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            // One row at a time through the plain loss: its value and its gradient for a batch of one.
            Span<float> g = wantGrad ? grad.Slice(r * width, width) : Span<float>.Empty;
            double rowLoss = Compute(loss, output, z.Slice(r * width, width), y.Slice(r * width, width),
                targets.Slice(r * targetWidth, targetWidth), targetWidth, 1, width, g);
            float w = weights[r];
            total += w * rowLoss;
            if (wantGrad) TensorPrimitives.Multiply(g, w / rows, g);
        }
        return total / rows;
    }

    /// <summary>
    /// Σ (y − t)² in double, element after element, and grad = 2·(y − t)·scale: the scalar loop's operations in its
    /// order (the differences, squares and gradients in vectors, the sum still one chain), so the same bits, at a
    /// fraction of the cost of a branch and three bounds checks an element (a tiny regression's loss is a step's tenth).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double SquaredErrors(ReadOnlySpan<float> y, ReadOnlySpan<float> targets, Span<float> grad, float scale)
    {
        double total = 0;
        int n = y.Length, i = 0;
        if (targets.Length < n || (!grad.IsEmpty && grad.Length < n)) throw new ArgumentException("Buffers too small for the outputs.");
        if (!grad.IsEmpty && System.Numerics.Vector.IsHardwareAccelerated)
        {
            int w = System.Numerics.Vector<float>.Count;
            var two = new System.Numerics.Vector<float>(2f);
            var s = new System.Numerics.Vector<float>(scale);
            for (; i <= n - w; i += w)
            {
                System.Numerics.Vector<float> d = new System.Numerics.Vector<float>(y[i..]) - new System.Numerics.Vector<float>(targets[i..]);
                (two * d * s).CopyTo(grad[i..]);
                System.Numerics.Vector<float> squares = d * d;
                for (int j = 0; j < w; j++) total += squares[j];
            }
        }
        for (; i < n; i++)
        {
            float d = y[i] - targets[i];
            total += d * d;
            if (!grad.IsEmpty) grad[i] = 2f * d * scale;
        }
        return total;
    }

    private static float TargetAt(ReadOnlySpan<float> targets, int targetWidth, int row, int column) =>
        targetWidth == 1 ? ((int)targets[row] == column ? 1f : 0f) : targets[row * targetWidth + column];

    /// <summary>
    /// Σ over rows of log Σ e^z − z·t, and the gradient softmax·Σt − t, both divided by the rows. With a gradient to
    /// write, the e^(z − max) of the whole batch are taken in one vector pass in the gradient's buffer first (float,
    /// about 1 ulp; the sum of a row is at least 1, so the loss keeps its relative precision near 0 as well): one
    /// double e^ an element cost more than the batch's products at batch 32 and an eighth of its step at 512.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double SoftmaxCrossEntropy(ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> targets,
        int targetWidth, int rows, int width, Span<float> grad, bool wantGrad)
    {
        // Rows go in chunks whose maxima stay on the stack: each row's max is found once, for e^(z − max) and for
        // log-sum-exp. The exponentials are one vector pass over the chunk, the same bits as over the whole batch.
        const int Chunk = 256;
        Span<float> maxima = stackalloc float[Chunk];
        double total = 0;
        float invRows = 1f / rows;
        for (int r0 = 0; r0 < rows; r0 += Chunk)
        {
            int count = Math.Min(Chunk, rows - r0);
            for (int r = r0; r < r0 + count; r++)
            {
                ReadOnlySpan<float> zr = z.Slice(r * width, width);
                float max = maxima[r - r0] = ActivationFunctions.RowMax(zr);
                if (!wantGrad) continue;
                Span<float> er = grad.Slice(r * width, width);
                for (int j = 0; j < width; j++) er[j] = zr[j] - max;
            }
            if (wantGrad) VectorExp.Exp(grad.Slice(r0 * width, count * width));
            for (int r = r0; r < r0 + count; r++)
                AddRow(ref total, z, y, targets, targetWidth, r, width, maxima[r - r0], invRows, grad, wantGrad);
        }
        return total / rows;
    }

    /// <summary>
    /// Adds one row's log Σ e^z − z·t to the total (term by term, as the sum always went), and with a gradient writes
    /// the row's gradient over the e^(z − max) already in its buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow(ref double total, ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> targets,
        int targetWidth, int r, int width, float max, float invRows, Span<float> grad, bool wantGrad)
    {
        ReadOnlySpan<float> zr = z.Slice(r * width, width);
        double sum = 0;
        if (wantGrad)
        {
            ReadOnlySpan<float> er = grad.Slice(r * width, width);
            for (int j = 0; j < width; j++) sum += er[j];
        }
        else
            for (int j = 0; j < width; j++) sum += Math.Exp(zr[j] - max);
        double logSumExp = max + Math.Log(sum);
        if (targetWidth == 1)
        {
            int label = (int)targets[r];
            total += logSumExp - zr[label];
            if (wantGrad)
            {
                var gr = grad.Slice(r * width, width);
                for (int j = 0; j < width; j++) gr[j] = y[r * width + j] * invRows;
                gr[label] -= invRows;
            }
        }
        else
        {
            var tr = targets.Slice(r * targetWidth, width);
            float tSum = TensorPrimitives.Sum(tr);
            for (int j = 0; j < width; j++) if (tr[j] != 0) total += tr[j] * (logSumExp - zr[j]);
            if (wantGrad)
            {
                var gr = grad.Slice(r * width, width);
                for (int j = 0; j < width; j++) gr[j] = (y[r * width + j] * tSum - tr[j]) * invRows;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double SigmoidBinaryCrossEntropy(ReadOnlySpan<float> z, ReadOnlySpan<float> targets,
        int rows, int width, Span<float> grad, bool wantGrad)
    {
        double total = 0;
        float scale = 1f / (rows * width);
        for (int i = 0; i < rows * width; i++)
        {
            double v = z[i], t = targets[i];
            // max(z,0) - z·t + log(1 + e^-|z|): never overflows
            total += Math.Max(v, 0) - v * t + Math.Log(1 + Math.Exp(-Math.Abs(v)));
            if (wantGrad) grad[i] = (float)(1.0 / (1.0 + Math.Exp(-v)) - t) * scale;
        }
        return total / (rows * width);
    }
}
