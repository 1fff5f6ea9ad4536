namespace NeuralPS.Core.Kernels.Recurrent;

/// <summary>
/// The sizes of one call of a recurrent kernel: <see cref="Batch"/> sequences of <see cref="Steps"/> timesteps of
/// <see cref="Inputs"/> features each, into <see cref="Units"/> hidden units. The input is [Batch, Steps, Inputs]
/// row-major (a dataset row of shape (T, F) is one sequence, t·F + f); the output is the last hidden state
/// [Batch, Units], or every hidden state [Batch, Steps, Units] when <see cref="ReturnSequences"/>.
/// </summary>
public readonly record struct RecurrentShape(int Batch, int Steps, int Inputs, int Units, bool ReturnSequences = false)
{
    /// <summary>Values of the input: Batch·Steps·Inputs.</summary>
    public int InputLength => checked(Batch * Steps * Inputs);

    /// <summary>Values of the output: Batch·Units, or Batch·Steps·Units with <see cref="ReturnSequences"/>.</summary>
    public int OutputLength => checked(ReturnSequences ? Batch * Steps * Units : Batch * Units);

    /// <summary>Rows of the all-timesteps products: Steps·Batch.</summary>
    internal int Rows => checked(Steps * Batch);

    internal void Check(int gates, int parameters, int input, int output, int scratch, int needed)
    {
        if (Batch < 1 || Steps < 1 || Inputs < 1 || Units < 1)
            throw new ArgumentException($"Every size of a recurrent call must be at least 1: {this}.");
        if (parameters < RecurrentLayout.CountFor(gates, Inputs, Units))
            throw new ArgumentException($"The parameters hold {parameters} values; {this} needs {RecurrentLayout.CountFor(gates, Inputs, Units)}.");
        if (input < InputLength) throw new ArgumentException($"The input holds {input} values; {this} needs {InputLength}.");
        if (output < OutputLength) throw new ArgumentException($"The output holds {output} values; {this} needs {OutputLength}.");
        if (scratch < needed) throw new ArgumentException($"The scratch holds {scratch} floats; {this} needs {needed}.");
    }
}

/// <summary>
/// Where a recurrent layer's parameters sit in its flat slice, in this order:
/// W_ih [Inputs, G·Units], W_hh [Units, G·Units], b_ih [G·Units], b_hh [G·Units], with G gate blocks of Units columns
/// in PyTorch's order (LSTM i, f, g, o; GRU r, z, n). The matrices are PyTorch's weight_ih_l0 and weight_hh_l0
/// transposed, as a dense layer's W is [inputs, units]: the forward products are then plain x·W (GEMM NN).
/// </summary>
public readonly record struct RecurrentLayout(int Gates, int Inputs, int Units)
{
    /// <summary>Columns of the gate products: G·Units.</summary>
    public int GateWidth => Gates * Units;

    /// <summary>Offset of W_ih [Inputs, G·Units].</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "One of four offsets read alike from a layout; it happens to be 0.")]
    public int InputWeights => 0;

    /// <summary>Offset of W_hh [Units, G·Units].</summary>
    public int RecurrentWeights => Inputs * GateWidth;

    /// <summary>Offset of b_ih [G·Units].</summary>
    public int InputBias => RecurrentWeights + Units * GateWidth;

    /// <summary>Offset of b_hh [G·Units].</summary>
    public int RecurrentBias => InputBias + GateWidth;

    /// <summary>Number of parameters: (Inputs + Units + 2)·G·Units.</summary>
    public int Count => RecurrentBias + GateWidth;

    /// <summary>Number of parameters of a layer with <paramref name="gates"/> gates.</summary>
    public static int CountFor(int gates, int inputs, int units) => checked((inputs + units + 2) * gates * units);
}
