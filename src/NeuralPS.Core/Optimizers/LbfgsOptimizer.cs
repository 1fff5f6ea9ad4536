using System.Runtime.InteropServices;

namespace NeuralPS.Core.Optimizers;

/// <summary>
/// The full-batch loss at the parameters as they are now, its gradient written into <paramref name="gradient"/>:
/// what <see cref="LbfgsOptimizer"/> minimizes. A non-finite loss is a valid answer (the line search backs off).
/// </summary>
public delegate double FullBatchObjective(Span<float> gradient);

/// <summary>
/// L-BFGS as PyTorch's torch.optim.LBFGS with line_search_fn="strong_wolfe": one epoch is one LBFGS.step, up to
/// MaxIterations iterations on the whole training set. The learning rate is PyTorch's <c>lr</c>: the step the line
/// search tries first (the very first iteration tries lr·min(1, 1/‖g‖₁)). The curvature pairs, the last direction
/// and step carry over from epoch to epoch (PyTorch keeps them in the optimizer's state) and are saved with it.
/// Vectors are float32 like the parameters; their dot products and the scalars are double.
/// </summary>
internal sealed class LbfgsOptimizer : Optimizer
{
    private const int HistorySize = 100;                        // PyTorch's history_size
    private const double ToleranceGrad = 1e-7, ToleranceChange = 1e-9;
    private const double C1 = 1e-4, C2 = 0.9;                   // the strong Wolfe conditions
    private const int MaxLineSearch = 25;

    private readonly List<float[]> _dirs = new(), _steps = new(); // y_k and s_k, oldest first
    private readonly List<double> _ro = new();                    // 1/(y_k·s_k)
    private float[] _d = Array.Empty<float>(), _previousGradient = Array.Empty<float>();
    private double _t, _hDiagonal = 1, _previousLoss;

    public LbfgsOptimizer(OptimizerSettings settings, int count) : base(settings, count) { }

    public override bool IsFullBatch => true;

    public override void Step(Span<float> parameters, Span<float> gradients, float learningRate) =>
        throw new NeuralPSException("FullBatchOptimizer", ErrorKind.InvalidOperation,
            "L-BFGS minimizes over the whole dataset in line searches; call Minimize with the full-batch objective, not a per-batch Step.");

    /// <summary>
    /// One epoch (PyTorch's LBFGS.step(closure)): up to MaxIterations iterations from <paramref name="parameters"/>,
    /// which it updates in place; <paramref name="objective"/> evaluates at their current values. Returns the loss
    /// at the start.
    /// </summary>
    public double Minimize(float[] parameters, FullBatchObjective objective, double learningRate)
    {
        int n = parameters.Length;
        int maxIterations = Math.Max(1, Settings.MaxIterations);
        int maxEvaluations = maxIterations * 5 / 4;
        var gradient = new float[n];
        double loss = Evaluate(objective, gradient);
        double originalLoss = loss;
        int evaluations = 1;
        if (MaxAbs(gradient) <= ToleranceGrad) return originalLoss;

        for (int iteration = 1; iteration <= maxIterations; iteration++)
        {
            StepCount++;
            if (StepCount == 1)
            {
                _d = Negated(gradient);
                _dirs.Clear(); _steps.Clear(); _ro.Clear();
                _hDiagonal = 1;
            }
            else UpdateDirection(gradient);

            if (_previousGradient.Length != n) _previousGradient = new float[n];
            gradient.CopyTo(_previousGradient, 0);
            _previousLoss = loss;
            _t = StepCount == 1 ? Math.Min(1.0, 1.0 / SumAbs(gradient)) * learningRate : learningRate;
            double gtd = Dot(gradient, _d);
            if (gtd > -ToleranceChange) break;

            (loss, float[] newGradient, _t, int lineEvaluations) = StrongWolfe(parameters, objective, _t, _d, loss, gradient, gtd);
            AddScaled(parameters, _t, _d);
            gradient = newGradient;
            evaluations += lineEvaluations;
            if (iteration == maxIterations || evaluations >= maxEvaluations) break;
            if (MaxAbs(gradient) <= ToleranceGrad) break;
            if (MaxAbs(_d) * Math.Abs(_t) <= ToleranceChange) break;
            if (Math.Abs(loss - _previousLoss) < ToleranceChange) break;
        }
        return originalLoss;
    }

    /// <summary>The new direction from the gradient: a new curvature pair, then the two-loop recursion.</summary>
    private void UpdateDirection(float[] gradient)
    {
        int n = gradient.Length;
        var y = new float[n];
        var s = new float[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = gradient[i] - _previousGradient[i];
            s[i] = (float)(_d[i] * _t);
        }
        double ys = Dot(y, s);
        if (ys > 1e-10)
        {
            if (_dirs.Count == HistorySize) { _dirs.RemoveAt(0); _steps.RemoveAt(0); _ro.RemoveAt(0); }
            _dirs.Add(y);
            _steps.Add(s);
            _ro.Add(1.0 / ys);
            _hDiagonal = ys / Dot(y, y);
        }
        int count = _dirs.Count;
        var al = new double[count];
        float[] q = Negated(gradient);
        for (int k = count - 1; k >= 0; k--)
        {
            al[k] = Dot(_steps[k], q) * _ro[k];
            AddScaled(q, -al[k], _dirs[k]);
        }
        for (int i = 0; i < n; i++) q[i] = (float)(q[i] * _hDiagonal);
        for (int k = 0; k < count; k++)
        {
            double be = Dot(_dirs[k], q) * _ro[k];
            AddScaled(q, al[k] - be, _steps[k]);
        }
        _d = q;
    }

    /// <summary>
    /// PyTorch's _strong_wolfe: a step t along d that satisfies the strong Wolfe conditions (bracketing, then
    /// zooming by cubic interpolation). Leaves the parameters at x; returns the loss, gradient and step found.
    /// </summary>
    private static (double Loss, float[] Gradient, double T, int Evaluations) StrongWolfe(float[] x, FullBatchObjective objective,
        double t, float[] d, double f, float[] g, double gtd)
    {
        double dNorm = MaxAbs(d);
        float[] start = (float[])x.Clone();
        (double fNew, float[] gNew) = Directional(x, start, objective, t, d);
        int evaluations = 1;
        double gtdNew = Dot(gNew, d);
        double tPrevious = 0, fPrevious = f, gtdPrevious = gtd;
        float[] gPrevious = g;
        bool done = false;
        int iteration = 0;
        double[] bracket, bracketF, bracketGtd;
        float[][] bracketG;
        while (true)
        {
            if (iteration >= MaxLineSearch)
            {
                bracket = new[] { 0, t }; bracketF = new[] { f, fNew }; bracketG = new[] { g, gNew }; bracketGtd = new[] { gtd, gtdNew };
                break;
            }
            bool tooFar = fNew > f + C1 * t * gtd || (iteration > 1 && fNew >= fPrevious);
            if (!tooFar && Math.Abs(gtdNew) <= -C2 * gtd)
            {
                bracket = new[] { t }; bracketF = new[] { fNew }; bracketG = new[] { gNew }; bracketGtd = new[] { gtdNew };
                done = true;
                break;
            }
            if (tooFar || gtdNew >= 0)
            {
                bracket = new[] { tPrevious, t }; bracketF = new[] { fPrevious, fNew };
                bracketG = new[] { gPrevious, gNew }; bracketGtd = new[] { gtdPrevious, gtdNew };
                break;
            }
            double minStep = t + 0.01 * (t - tPrevious), maxStep = t * 10, previous = t;
            t = CubicInterpolate(tPrevious, fPrevious, gtdPrevious, t, fNew, gtdNew, minStep, maxStep);
            tPrevious = previous; fPrevious = fNew; gPrevious = gNew; gtdPrevious = gtdNew;
            (fNew, gNew) = Directional(x, start, objective, t, d);
            evaluations++;
            gtdNew = Dot(gNew, d);
            iteration++;
        }

        // zoom
        bool insufficientProgress = false;
        (int low, int high) = bracketF[0] <= bracketF[^1] ? (0, 1) : (1, 0);
        while (!done && iteration < MaxLineSearch)
        {
            if (Math.Abs(bracket[1] - bracket[0]) * dNorm < ToleranceChange) break;
            t = CubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1],
                Math.Min(bracket[0], bracket[1]), Math.Max(bracket[0], bracket[1]));
            double hi = Math.Max(bracket[0], bracket[1]), lo = Math.Min(bracket[0], bracket[1]), eps = 0.1 * (hi - lo);
            if (Math.Min(hi - t, t - lo) < eps)
            {
                if (insufficientProgress || t >= hi || t <= lo)
                {
                    t = Math.Abs(t - hi) < Math.Abs(t - lo) ? hi - eps : lo + eps;
                    insufficientProgress = false;
                }
                else insufficientProgress = true;
            }
            else insufficientProgress = false;
            (fNew, gNew) = Directional(x, start, objective, t, d);
            evaluations++;
            gtdNew = Dot(gNew, d);
            iteration++;
            if (fNew > f + C1 * t * gtd || fNew >= bracketF[low])
            {
                bracket[high] = t; bracketF[high] = fNew; bracketG[high] = gNew; bracketGtd[high] = gtdNew;
                (low, high) = bracketF[0] <= bracketF[1] ? (0, 1) : (1, 0);
            }
            else
            {
                if (Math.Abs(gtdNew) <= -C2 * gtd) done = true;
                else if (gtdNew * (bracket[high] - bracket[low]) >= 0)
                {
                    bracket[high] = bracket[low]; bracketF[high] = bracketF[low]; bracketG[high] = bracketG[low]; bracketGtd[high] = bracketGtd[low];
                }
                bracket[low] = t; bracketF[low] = fNew; bracketG[low] = gNew; bracketGtd[low] = gtdNew;
            }
        }
        start.CopyTo(x, 0);
        return (bracketF[low], bracketG[low], bracket[low], evaluations);
    }

    /// <summary>The loss and gradient at x + t·d (x is put back after).</summary>
    private static (double, float[]) Directional(float[] x, float[] start, FullBatchObjective objective, double t, float[] d)
    {
        for (int i = 0; i < x.Length; i++) x[i] = start[i] + (float)(t * d[i]);
        var gradient = new float[x.Length];
        double loss = Evaluate(objective, gradient);
        start.CopyTo(x, 0);
        return (loss, gradient);
    }

    private static double Evaluate(FullBatchObjective objective, float[] gradient)
    {
        double loss = objective(gradient);
        return double.IsFinite(loss) ? loss : double.PositiveInfinity;
    }

    /// <summary>PyTorch's _cubic_interpolate: the minimizer of the cubic through two points and slopes, within bounds.</summary>
    private static double CubicInterpolate(double x1, double f1, double g1, double x2, double f2, double g2, double lower, double upper)
    {
        double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
        double d2Square = d1 * d1 - g1 * g2;
        if (d2Square >= 0)
        {
            double d2 = Math.Sqrt(d2Square);
            double position = x1 <= x2
                ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
            // a non-finite value (an infinite loss at one end) bisects instead
            if (double.IsFinite(position)) return Math.Min(Math.Max(position, lower), upper);
        }
        return (lower + upper) / 2;
    }

    private static double Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }

    private static void AddScaled(float[] target, double scale, float[] v)
    {
        for (int i = 0; i < target.Length; i++) target[i] += (float)(scale * v[i]);
    }

    private static float[] Negated(float[] v)
    {
        var result = new float[v.Length];
        for (int i = 0; i < v.Length; i++) result[i] = -v[i];
        return result;
    }

    private static double MaxAbs(float[] v)
    {
        double max = 0;
        foreach (float value in v) max = Math.Max(max, Math.Abs(value));
        return max;
    }

    private static double SumAbs(float[] v)
    {
        double sum = 0;
        foreach (float value in v) sum += Math.Abs(value);
        return sum;
    }

    /// <summary>
    /// Saved as: the scalars (t, H diagonal, previous loss, as doubles in pairs of floats), the direction, the
    /// previous gradient, the curvature pairs' 1/(y·s) (doubles again), then every y and every s.
    /// </summary>
    public override float[][] StateBuffers
    {
        get
        {
            var buffers = new List<float[]>
            {
                AsFloats(new[] { _t, _hDiagonal, _previousLoss }), _d, _previousGradient, AsFloats(_ro.ToArray()),
            };
            buffers.AddRange(_dirs);
            buffers.AddRange(_steps);
            return buffers.ToArray();
        }
    }

    public override string? RestoreBuffers(float[][] buffers)
    {
        if (buffers.Length < 4 || buffers[0].Length != 6 || buffers[3].Length % 2 != 0)
            return $"{buffers.Length} buffers do not make an L-BFGS state";
        double[] scalars = AsDoubles(buffers[0]), ro = AsDoubles(buffers[3]);
        int pairs = ro.Length;
        if (buffers.Length != 4 + 2 * pairs) return $"{buffers.Length} buffers where {pairs} curvature pairs need {4 + 2 * pairs}";
        for (int b = 1; b < buffers.Length; b++)
            if (b != 3 && buffers[b].Length != ParameterCount && !(b <= 2 && buffers[b].Length == 0))
                return $"buffer {b + 1} has {buffers[b].Length} values instead of {ParameterCount}";
        (_t, _hDiagonal, _previousLoss) = (scalars[0], scalars[1], scalars[2]);
        _d = buffers[1];
        _previousGradient = buffers[2];
        _ro.Clear(); _ro.AddRange(ro);
        _dirs.Clear(); _dirs.AddRange(buffers.Skip(4).Take(pairs));
        _steps.Clear(); _steps.AddRange(buffers.Skip(4 + pairs));
        return null;
    }

    private static float[] AsFloats(double[] values) => MemoryMarshal.Cast<double, float>(values.AsSpan()).ToArray();

    private static double[] AsDoubles(float[] values) => MemoryMarshal.Cast<float, double>(values.AsSpan()).ToArray();
}
