using System.Text.Json.Nodes;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Kernels.Recurrent;

namespace NeuralPS.Core.Layers;

/// <summary>
/// What the recurrent layer kinds (<see cref="LstmLayer"/>, <see cref="GruLayer"/>) share: a sequence (T, F) in, the
/// last hidden state (H) or every one (T, H, with <see cref="ReturnSequences"/>) out, parameters laid out as
/// <see cref="RecurrentLayout"/> says (PyTorch's weight_ih_l0 and weight_hh_l0 transposed, then b_ih, b_hh), all
/// initialized as PyTorch does, U(−1/√H, 1/√H). Shapes: x [rows, T·F] (batch-first, t·F + f) → z [rows, H] or
/// [rows, T·H]. The work is the kernels' (<see cref="Lstm"/>, <see cref="Gru"/>).
/// <para>
/// The kernels' backward pass reads the states their forward pass left in the scratch, and writes over them: so the
/// scratch ends with one more float, the batch size of the forward pass whose states it holds, set by the forward
/// pass and cleared by the backward pass. A backward pass without a forward pass of the same batch before it (the
/// states of another batch, or none left) is refused rather than computed from the wrong states.
/// </para>
/// </summary>
public abstract class RecurrentLayer : Layer
{
    private protected RecurrentLayer(int units, bool returnSequences)
    {
        if (units < 1)
            throw new NeuralPSException(ErrorIds.InvalidUnits, ErrorKind.InvalidArgument,
                $"A recurrent layer needs at least one unit; {units} was given.", units);
        Units = units;
        ReturnSequences = returnSequences;
    }

    /// <summary>Hidden units H.</summary>
    public int Units { get; }

    /// <summary>True when the layer outputs every timestep's hidden state (T, H), false for the last one alone (H).</summary>
    public bool ReturnSequences { get; }

    /// <summary>Gate blocks G of the kind (LSTM 4, GRU 3).</summary>
    private protected abstract int Gates { get; }

    /// <summary>Where the parameters sit in the layer's slice.</summary>
    public RecurrentLayout Layout => new(Gates, InputShape.Features, Units);

    /// <inheritdoc />
    public override int ParameterCount => NetworkSize.ParameterCount(((long)InputShape.Features + Units + 2) * Gates * Units, this);

    /// <summary>The input and recurrent weights come first; the two biases follow.</summary>
    internal override int? WeightCountForStatistics => Layout.InputBias;

    protected override Shape OutputShapeFor(Shape input)
    {
        if (!input.IsSequence)
            throw new NeuralPSException(ErrorIds.SequenceInputRequired, ErrorKind.InvalidOperation,
                $"A {Kind} layer works on sequences, but its input is {(input.IsImage ? "an image" : $"a row of {input.Size} features")}. " +
                "Give the network a sequence input (New-Network -InputShape $data.Shape, for a dataset made with ConvertTo-Dataset -Window), " +
                "and -ReturnSequences to a recurrent layer that another follows.", this);
        return ReturnSequences ? Shape.Sequence(input.Steps, Units) : new Shape(Units);
    }

    internal override void SaveSettings(JsonObject settings)
    {
        settings["Units"] = Units;
        settings["ReturnSequences"] = ReturnSequences;
    }

    /// <summary>Every parameter, biases included, from U(−1/√H, 1/√H): PyTorch's nn.LSTM and nn.GRU.</summary>
    internal override void Initialize(Span<float> parameters, RandomSource random) =>
        Initializers.Fill(Initializer.LeCunUniform, parameters, Units, Units, random);

    /// <summary>The kernel call for <paramref name="rows"/> sequences.</summary>
    private RecurrentShape CallShape(int rows) => new(rows, InputShape.Steps, InputShape.Features, Units, ReturnSequences);

    internal override int ScratchLength(int rows, int threads) => checked(KernelScratch(CallShape(rows)) + 1);

    internal override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z,
        int rows, bool training, Span<float> scratch, ExecutionContext context)
    {
        RecurrentShape shape = CallShape(rows);
        KernelForward(shape, parameters, input[..shape.InputLength], z, scratch[..^1], context.Pool);
        scratch[^1] = rows;
    }

    internal override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        if (scratch[^1] != rows)
            throw new InvalidOperationException($"The {Kind} layer's backward pass needs the states of a forward pass of the same {rows} rows " +
                "just before it (its backward pass uses them up); run the forward pass again first.");
        scratch[^1] = 0;
        KernelBackward(CallShape(rows), parameters, dz, parameterGradients, inputGradient, scratch[..^1], context.Pool);
    }

    /// <summary>The kernel's scratch for a call.</summary>
    private protected abstract int KernelScratch(RecurrentShape shape);

    /// <summary>The kernel's forward pass.</summary>
    private protected abstract void KernelForward(RecurrentShape shape, ReadOnlySpan<float> parameters, ReadOnlySpan<float> x,
        Span<float> output, Span<float> scratch, WorkerPool pool);

    /// <summary>The kernel's backward pass, after its forward pass with the same scratch.</summary>
    private protected abstract void KernelBackward(RecurrentShape shape, ReadOnlySpan<float> parameters, ReadOnlySpan<float> outputGradient,
        Span<float> gradients, Span<float> inputGradient, Span<float> scratch, WorkerPool pool);

    /// <inheritdoc />
    public override string Describe() => $"{Kind} {Units}" + (ReturnSequences ? " (sequences)" : "");
}
