namespace NeuralPS.Core.Kernels.Recurrent;

/// <summary>
/// The plain specification of <see cref="Lstm"/>: PyTorch's nn.LSTM equations written out one sequence, one timestep
/// and one unit at a time, in double precision, so that it is also the oracle the tests take finite differences
/// of. Same parameter layout (<see cref="RecurrentLayout"/>) and shapes as <see cref="Lstm"/>.
/// </summary>
public static class LstmReference
{
    /// <summary>output [B, H] or [B, T, H] from x [B, T, F].</summary>
    public static double[] Forward(RecurrentShape shape, ReadOnlySpan<double> parameters, ReadOnlySpan<double> x) =>
        Run(shape, parameters, x).Output;

    /// <summary>The gradients of Σ dOutput ⊙ output: with respect to the parameters (their layout) and to x [B, T, F].</summary>
    public static (double[] Parameters, double[] Input) Backward(RecurrentShape shape, ReadOnlySpan<double> parameters,
        ReadOnlySpan<double> x, ReadOnlySpan<double> outputGradient)
    {
        (int batch, int steps, int inputs, int units) = (shape.Batch, shape.Steps, shape.Inputs, shape.Units);
        RecurrentLayout layout = Lstm.Layout(inputs, units);
        int width = layout.GateWidth;
        State[,] states = Run(shape, parameters, x).States;
        var dp = new double[layout.Count];
        var dx = new double[shape.InputLength];
        for (int b = 0; b < batch; b++)
        {
            var dh = new double[units];
            var dc = new double[units];
            for (int j = 0; j < units; j++)
                dh[j] = shape.ReturnSequences ? outputGradient[(b * steps + steps - 1) * units + j] : outputGradient[b * units + j];
            for (int t = steps - 1; t >= 0; t--)
            {
                State s = states[b, t];
                double[] cPrev = t > 0 ? states[b, t - 1].C : new double[units];
                double[] hPrev = t > 0 ? states[b, t - 1].H : new double[units];
                var dpre = new double[width];
                for (int j = 0; j < units; j++)
                {
                    double i = s.Gates[j], f = s.Gates[units + j], g = s.Gates[2 * units + j], o = s.Gates[3 * units + j];
                    double tc = Math.Tanh(s.C[j]);
                    double dct = dc[j] + dh[j] * o * (1 - tc * tc);
                    dpre[j] = dct * g * i * (1 - i);
                    dpre[units + j] = dct * cPrev[j] * f * (1 - f);
                    dpre[2 * units + j] = dct * i * (1 - g * g);
                    dpre[3 * units + j] = dh[j] * tc * o * (1 - o);
                    dc[j] = dct * f;
                }
                for (int k = 0; k < width; k++)
                {
                    for (int f = 0; f < inputs; f++)
                    {
                        dp[layout.InputWeights + f * width + k] += x[(b * steps + t) * inputs + f] * dpre[k];
                        dx[(b * steps + t) * inputs + f] += dpre[k] * parameters[layout.InputWeights + f * width + k];
                    }
                    for (int j = 0; j < units; j++) dp[layout.RecurrentWeights + j * width + k] += hPrev[j] * dpre[k];
                    dp[layout.InputBias + k] += dpre[k];
                    dp[layout.RecurrentBias + k] += dpre[k];
                }
                for (int j = 0; j < units; j++)
                {
                    double sum = 0;
                    for (int k = 0; k < width; k++) sum += dpre[k] * parameters[layout.RecurrentWeights + j * width + k];
                    dh[j] = sum + (shape.ReturnSequences && t > 0 ? outputGradient[(b * steps + t - 1) * units + j] : 0);
                }
            }
        }
        return (dp, dx);
    }

    private sealed record State(double[] Gates, double[] C, double[] H);

    private static (double[] Output, State[,] States) Run(RecurrentShape shape, ReadOnlySpan<double> parameters, ReadOnlySpan<double> x)
    {
        (int batch, int steps, int inputs, int units) = (shape.Batch, shape.Steps, shape.Inputs, shape.Units);
        RecurrentLayout layout = Lstm.Layout(inputs, units);
        int width = layout.GateWidth;
        var output = new double[shape.OutputLength];
        var states = new State[batch, steps];
        for (int b = 0; b < batch; b++)
        {
            var h = new double[units];
            var c = new double[units];
            for (int t = 0; t < steps; t++)
            {
                var gates = new double[width];
                for (int k = 0; k < width; k++)
                {
                    double sum = parameters[layout.InputBias + k] + parameters[layout.RecurrentBias + k];
                    for (int f = 0; f < inputs; f++) sum += x[(b * steps + t) * inputs + f] * parameters[layout.InputWeights + f * width + k];
                    for (int j = 0; j < units; j++) sum += h[j] * parameters[layout.RecurrentWeights + j * width + k];
                    gates[k] = k / units == 2 ? Math.Tanh(sum) : Sigmoid(sum);   // i, f, g, o
                }
                var cNew = new double[units];
                var hNew = new double[units];
                for (int j = 0; j < units; j++)
                {
                    cNew[j] = gates[units + j] * c[j] + gates[j] * gates[2 * units + j];
                    hNew[j] = gates[3 * units + j] * Math.Tanh(cNew[j]);
                    if (shape.ReturnSequences) output[(b * steps + t) * units + j] = hNew[j];
                }
                states[b, t] = new State(gates, cNew, hNew);
                (h, c) = (hNew, cNew);
            }
            if (!shape.ReturnSequences) h.CopyTo(output, b * units);
        }
        return (output, states);
    }

    internal static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}
