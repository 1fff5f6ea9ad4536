namespace NeuralPS.Core.Kernels.Recurrent;

/// <summary>
/// The plain specification of <see cref="Gru"/>: PyTorch's nn.GRU equations written out one sequence, one timestep
/// and one unit at a time, in double precision, so that it is also the oracle the tests take finite differences
/// of. Same parameter layout (<see cref="RecurrentLayout"/>) and shapes as <see cref="Gru"/>.
/// </summary>
public static class GruReference
{
    /// <summary>output [B, H] or [B, T, H] from x [B, T, F].</summary>
    public static double[] Forward(RecurrentShape shape, ReadOnlySpan<double> parameters, ReadOnlySpan<double> x) =>
        Run(shape, parameters, x).Output;

    /// <summary>The gradients of Σ dOutput ⊙ output: with respect to the parameters (their layout) and to x [B, T, F].</summary>
    public static (double[] Parameters, double[] Input) Backward(RecurrentShape shape, ReadOnlySpan<double> parameters,
        ReadOnlySpan<double> x, ReadOnlySpan<double> outputGradient)
    {
        (int batch, int steps, int inputs, int units) = (shape.Batch, shape.Steps, shape.Inputs, shape.Units);
        RecurrentLayout layout = Gru.Layout(inputs, units);
        int width = layout.GateWidth;
        State[,] states = Run(shape, parameters, x).States;
        var dp = new double[layout.Count];
        var dx = new double[shape.InputLength];
        for (int b = 0; b < batch; b++)
        {
            var dh = new double[units];
            for (int j = 0; j < units; j++)
                dh[j] = shape.ReturnSequences ? outputGradient[(b * steps + steps - 1) * units + j] : outputGradient[b * units + j];
            for (int t = steps - 1; t >= 0; t--)
            {
                State s = states[b, t];
                double[] hPrev = t > 0 ? states[b, t - 1].H : new double[units];
                var dInput = new double[width];      // d(x W_i· + b_i·) for r, z, n
                var dRecurrent = new double[width];  // d(h W_h· + b_h·) for r, z, n
                var dhPrev = new double[units];
                for (int j = 0; j < units; j++)
                {
                    double r = s.R[j], z = s.Z[j], n = s.N[j];
                    double dn = dh[j] * (1 - z) * (1 - n * n);
                    double dr = dn * s.HiddenN[j] * r * (1 - r);
                    double dz = dh[j] * (hPrev[j] - n) * z * (1 - z);
                    dInput[j] = dRecurrent[j] = dr;
                    dInput[units + j] = dRecurrent[units + j] = dz;
                    dInput[2 * units + j] = dn;
                    dRecurrent[2 * units + j] = dn * r;
                    dhPrev[j] = dh[j] * z;
                }
                for (int k = 0; k < width; k++)
                {
                    for (int f = 0; f < inputs; f++)
                    {
                        dp[layout.InputWeights + f * width + k] += x[(b * steps + t) * inputs + f] * dInput[k];
                        dx[(b * steps + t) * inputs + f] += dInput[k] * parameters[layout.InputWeights + f * width + k];
                    }
                    for (int j = 0; j < units; j++) dp[layout.RecurrentWeights + j * width + k] += hPrev[j] * dRecurrent[k];
                    dp[layout.InputBias + k] += dInput[k];
                    dp[layout.RecurrentBias + k] += dRecurrent[k];
                }
                for (int j = 0; j < units; j++)
                {
                    double sum = dhPrev[j];
                    for (int k = 0; k < width; k++) sum += dRecurrent[k] * parameters[layout.RecurrentWeights + j * width + k];
                    dh[j] = sum + (shape.ReturnSequences && t > 0 ? outputGradient[(b * steps + t - 1) * units + j] : 0);
                }
            }
        }
        return (dp, dx);
    }

    private sealed record State(double[] R, double[] Z, double[] N, double[] HiddenN, double[] H);

    private static (double[] Output, State[,] States) Run(RecurrentShape shape, ReadOnlySpan<double> parameters, ReadOnlySpan<double> x)
    {
        (int batch, int steps, int inputs, int units) = (shape.Batch, shape.Steps, shape.Inputs, shape.Units);
        RecurrentLayout layout = Gru.Layout(inputs, units);
        int width = layout.GateWidth;
        var output = new double[shape.OutputLength];
        var states = new State[batch, steps];
        for (int b = 0; b < batch; b++)
        {
            var h = new double[units];
            for (int t = 0; t < steps; t++)
            {
                var input = new double[width];
                var hidden = new double[width];
                for (int k = 0; k < width; k++)
                {
                    input[k] = parameters[layout.InputBias + k];
                    for (int f = 0; f < inputs; f++) input[k] += x[(b * steps + t) * inputs + f] * parameters[layout.InputWeights + f * width + k];
                    hidden[k] = parameters[layout.RecurrentBias + k];
                    for (int j = 0; j < units; j++) hidden[k] += h[j] * parameters[layout.RecurrentWeights + j * width + k];
                }
                double[] r = new double[units], z = new double[units], n = new double[units], hn = new double[units], hNew = new double[units];
                for (int j = 0; j < units; j++)
                {
                    r[j] = LstmReference.Sigmoid(input[j] + hidden[j]);
                    z[j] = LstmReference.Sigmoid(input[units + j] + hidden[units + j]);
                    hn[j] = hidden[2 * units + j];
                    n[j] = Math.Tanh(input[2 * units + j] + r[j] * hn[j]);
                    hNew[j] = (1 - z[j]) * n[j] + z[j] * h[j];
                    if (shape.ReturnSequences) output[(b * steps + t) * units + j] = hNew[j];
                }
                states[b, t] = new State(r, z, n, hn, hNew);
                h = hNew;
            }
            if (!shape.ReturnSequences) h.CopyTo(output, b * units);
        }
        return (output, states);
    }
}
