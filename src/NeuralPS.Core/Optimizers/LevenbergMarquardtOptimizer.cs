using System.Runtime.InteropServices;
using MathNet.Numerics.LinearAlgebra;

namespace NeuralPS.Core.Optimizers;

/// <summary>
/// The Gauss–Newton normal equations at the parameters as they are now: JᵀJ into <paramref name="jtj"/> (P×P,
/// symmetric, row-major) and Jᵀe into <paramref name="jte"/> (P), where J is the Jacobian of the network's outputs
/// with respect to the parameters, one row per sample and output, and e = target − output. Returns the loss there.
/// </summary>
public delegate double NormalEquations(double[] jtj, double[] jte);

/// <summary>
/// Levenberg–Marquardt as MATLAB's trainlm: one epoch is one accepted step on the whole training set. The step δ
/// solves (JᵀJ + μI)δ = Jᵀe; if the loss at θ + δ is lower the step is taken and μ is multiplied by MuDecrease
/// (not below 1e-20), else μ is multiplied by MuIncrease and the step solved again, until μ passes MuMax, when no
/// step lowers the loss and the epoch reports <see cref="Converged"/> (trainlm's "Maximum MU reached").
/// The learning rate is not used. The normal equations and the solve are double precision: JᵀJ squares the
/// Jacobian's condition number, which float32 would not survive. The solve is MathNet.Numerics' Cholesky
/// factorization, which (unlike a hand-written one) reports a matrix that is not positive definite in floating
/// point; such a trial counts as a failed step (μ grows, which makes the matrix definite).
/// μ and the step count are the optimizer's state, saved with the model; JᵀJ is rebuilt every epoch.
/// </summary>
internal sealed class LevenbergMarquardtOptimizer : Optimizer
{
    /// <summary>
    /// The most parameters it trains: JᵀJ is P² doubles (32 MB at 2,048) and a Cholesky solve P³/3 operations, repeated
    /// for every trial of μ; beyond a few thousand parameters a first-order optimizer is the tool.
    /// </summary>
    public const int MaxParameters = 2048;

    private const double MinimumMu = 1e-20; // trainlm's floor

    private double _mu;
    private double[] _jtj = Array.Empty<double>(), _jte = Array.Empty<double>();
    private float[] _start = Array.Empty<float>();

    public LevenbergMarquardtOptimizer(OptimizerSettings settings, int count) : base(settings, count) => _mu = settings.Mu;

    public override bool IsFullBatch => true;

    /// <summary>The damping the next step starts from.</summary>
    public double Mu => _mu;

    /// <summary>True when the last epoch found no step that lowers the loss before μ passed MuMax.</summary>
    public bool Converged { get; private set; }

    public override void Step(Span<float> parameters, Span<float> gradients, float learningRate) =>
        throw new NeuralPSException(ErrorIds.FullBatchOptimizer, ErrorKind.InvalidOperation,
            "Levenberg-Marquardt solves for a step over the whole dataset; call Iterate with the normal equations, not a per-batch Step.");

    /// <summary>
    /// One epoch: the normal equations at <paramref name="parameters"/>, then trials of μ until a step lowers the
    /// loss (<paramref name="lossAt"/> evaluates at the parameters' current values). The parameters end at the
    /// accepted step, or where they started when none was found (<see cref="Converged"/>). Returns the loss there.
    /// </summary>
    public double Iterate(float[] parameters, NormalEquations equations, Func<double> lossAt)
    {
        int n = ParameterCount;
        if (_jtj.Length != n * n) (_jtj, _jte, _start) = (new double[n * n], new double[n], new float[n]);
        double loss = equations(_jtj, _jte);
        parameters.AsSpan().CopyTo(_start);
        StepCount++;
        Converged = false;
        Vector<double> jte = Vector<double>.Build.Dense(_jte);
        while (_mu <= Settings.MuMax)
        {
            if (Solve(jte) is double[] delta)
            {
                for (int i = 0; i < n; i++) parameters[i] = (float)(_start[i] + delta[i]);
                double trial = lossAt();
                if (trial < loss)
                {
                    _mu = Math.Max(_mu * Settings.MuDecrease, MinimumMu);
                    return trial;
                }
            }
            _mu *= Settings.MuIncrease;
        }
        _start.AsSpan().CopyTo(parameters);
        Converged = true;
        return loss;
    }

    /// <summary>δ from (JᵀJ + μI)δ = Jᵀe, or null when the matrix is not positive definite in floating point.</summary>
    private double[]? Solve(Vector<double> jte)
    {
        int n = ParameterCount;
        // JᵀJ is symmetric, so its row-major array is also its column-major one (MathNet's layout).
        var matrix = Matrix<double>.Build.Dense(n, n, (double[])_jtj.Clone());
        for (int i = 0; i < n; i++) matrix[i, i] += _mu;
        try { return matrix.Cholesky().Solve(jte).ToArray(); }
        catch (ArgumentException) { return null; } // "Matrix must be positive definite."
    }

    /// <summary>Saved as one buffer: μ as a double, in two floats.</summary>
    public override float[][] StateBuffers => new[] { MemoryMarshal.Cast<double, float>(new[] { _mu }.AsSpan()).ToArray() };

    public override string? RestoreBuffers(float[][] buffers)
    {
        if (buffers.Length != 1 || buffers[0].Length != 2) return $"{buffers.Length} buffers do not make a Levenberg-Marquardt state (one of 2 values)";
        double mu = MemoryMarshal.Cast<float, double>(buffers[0].AsSpan())[0];
        if (!(mu > 0 && double.IsFinite(mu))) return $"its mu is {mu}, not a finite number above 0";
        _mu = mu;
        return null;
    }
}
