using System.Text.Json.Nodes;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Onnx;

namespace NeuralPS.Core.Layers;

/// <summary>What a layer needs from the engine while it runs: the threads and the dropout random stream.</summary>
public sealed class ExecutionContext
{
    internal ExecutionContext(WorkerPool pool, RandomSource dropoutRandom)
    {
        Pool = pool;
        DropoutRandom = dropoutRandom;
    }

    /// <summary>The network's worker pool.</summary>
    public WorkerPool Pool { get; }

    /// <summary>The random stream that draws dropout masks.</summary>
    public RandomSource DropoutRandom { get; internal set; }
}

/// <summary>
/// One layer of a sequential network. A layer computes a pre-activation z = g(x) from its input;
/// the network then applies the layer's activation, y = f(z). Parameters live in the network's one flat
/// buffer at <see cref="ParameterOffset"/>; non-trainable state (running statistics) lives in <see cref="State"/>.
/// A layer kind is one file, a subclass marked with <see cref="LayerKindAttribute"/>: it knows its output shape
/// from its input shape (<see cref="Build"/>), its parameters, forward and backward, the settings and state it
/// saves, its ONNX nodes, its summary line and what it needs from the workspace. Nothing else switches on layer
/// kinds: the network, the workspaces, the model file (through <see cref="LayerRegistry"/>), the ONNX exporter and
/// the interpretability tools ask the layer.
/// </summary>
public abstract class Layer
{
    /// <summary>The layer kind as users name it (Dense, Dropout, BatchNorm, Normalization): its name in model files.</summary>
    public string Kind => LayerRegistry.KindOf(GetType());

    /// <summary>The shape of one example coming in.</summary>
    public Shape InputShape { get; private set; }

    /// <summary>The shape of one example going out.</summary>
    public Shape OutputShape { get; private set; }

    /// <summary>Width of the input (values a row).</summary>
    public int InputSize => InputShape.Size;

    /// <summary>Width of the output (values a row).</summary>
    public int OutputSize => OutputShape.Size;

    /// <summary>
    /// Fixes the layer to its input: infers the output shape and makes its state buffers. The network calls it when
    /// the layer is added (Keras's build).
    /// </summary>
    internal void Build(Shape input)
    {
        Shape output = OutputShapeFor(input);
        if (output.Size < 1)
            throw new NeuralPSException(ErrorIds.InvalidUnits, ErrorKind.InvalidArgument,
                $"A layer needs at least one unit; {output.Size} was given.", this);
        InputShape = input;
        OutputShape = output;
        State = new float[StateLength];
        InitializeState(State);
    }

    /// <summary>
    /// Fixes the shapes alone, making no state: how a model file's claims are checked before anything in proportion
    /// to them is allocated (<see cref="Build"/> follows, when the layer is added).
    /// </summary>
    internal void PlanShapes(Shape input)
    {
        InputShape = input;
        OutputShape = OutputShapeFor(input);
    }

    /// <summary>The number of state values for the shapes fixed (by <see cref="PlanShapes"/> or <see cref="Build"/>).</summary>
    internal int PlannedStateLength => StateLength;

    /// <summary>The output shape for an input shape (the same shape by default: the layer maps each value).</summary>
    protected virtual Shape OutputShapeFor(Shape input) => input;

    /// <summary>Non-trainable values this layer keeps, for its shapes (0 by default).</summary>
    protected virtual int StateLength => 0;

    /// <summary>Fills fresh state (running statistics start at mean 0, variance 1, say).</summary>
    protected virtual void InitializeState(Span<float> state) { }

    /// <summary>
    /// Writes the settings that rebuild this layer (units, activation, rates) into <paramref name="settings"/>; its
    /// numbers travel in the parameters and <see cref="State"/>. Read back by the kind's <c>Load</c> (see
    /// <see cref="LayerKindAttribute"/>).
    /// </summary>
    internal abstract void SaveSettings(JsonObject settings);

    /// <summary>True when the layer is the identity at inference (dropout): it may follow a softmax output.</summary>
    internal virtual bool IsIdentityAtInference => false;

    /// <summary>
    /// True when training computes something else than prediction (dropout's masks, batch statistics): a method that
    /// differentiates the prediction sample by sample (Levenberg–Marquardt's Jacobian) cannot train the layer.
    /// </summary>
    internal virtual bool TrainsDifferently => IsIdentityAtInference;

    /// <summary>True when the layer reads whole-number indices (an embedding): inputs that cannot be interpolated.</summary>
    internal virtual bool ReadsIndices => false;

    /// <summary>True when the layer must be the first one (it reads the raw inputs).</summary>
    internal virtual bool MustBeFirst => false;

    /// <summary>True when the layer learns from the raw training data before the first step and has not yet.</summary>
    public virtual bool NeedsAdapting => false;

    /// <summary>
    /// Learns from [rows, InputSize] raw training data (a first layer that <see cref="NeedsAdapting"/>), made with
    /// <paramref name="encoding"/> when it came from records.
    /// </summary>
    public virtual void Adapt(ReadOnlySpan<float> data, int rows, Data.FeatureEncoding? encoding = null) { }

    /// <summary>
    /// For statistics: how many of the layer's parameters are weights (scales), the rest being biases (shifts); null
    /// when the layer has no such split.
    /// </summary>
    internal virtual int? WeightCountForStatistics => null;

    /// <summary>
    /// The layer's ONNX nodes after <paramref name="input"/> (its activation is added by the exporter); returns the
    /// name of their output. Throws <c>OnnxUnsupported</c> for a kind ONNX export does not know.
    /// </summary>
    internal virtual string ToOnnx(OnnxGraph graph, string prefix, ReadOnlySpan<float> parameters, string input) =>
        throw OnnxGraph.Unsupported($"a {Kind} layer has no ONNX form.");

    /// <summary>
    /// The input gradient of the inference form (for attributions): from dz to dx at inference. The training
    /// form's <see cref="Backward"/> by default; layers that behave differently at inference override it.
    /// </summary>
    internal virtual void BackwardAtInference(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context) =>
        Backward(parameters, input, dz, parameterGradients, inputGradient, rows, scratch, context);

    /// <summary>The activation applied to the layer's output.</summary>
    public Activation Activation { get; internal set; } = Activation.Linear;

    /// <summary>Where this layer's parameters begin in the network's flat buffer.</summary>
    public int ParameterOffset { get; internal set; }

    /// <summary>Number of trainable parameters.</summary>
    public virtual int ParameterCount => 0;

    /// <summary>Non-trainable values kept with the model (running statistics, normalization).</summary>
    public float[] State { get; private set; } = Array.Empty<float>();

    /// <summary>
    /// Floats of scratch this layer needs for a batch of <paramref name="rows"/> run on <paramref name="threads"/>
    /// threads (a convolution's per-thread patch matrices). The buffer is the layer's own and lives as long as the
    /// workspace: what the forward pass leaves in it (a mask, max pooling's argmax) is there for the backward pass.
    /// </summary>
    internal virtual int ScratchLength(int rows, int threads) => 0;

    /// <summary>True when the layer reads rows of features (Dense): the network flattens an image before it.</summary>
    internal virtual bool NeedsFlatInput => false;

    /// <summary>
    /// True when <see cref="ForwardActivated"/> applies the activation itself, in place: the workspace then keeps
    /// one buffer for z and y (the activation's derivative must then be computable from y alone, as ReLU's is).
    /// </summary>
    internal virtual bool FusesActivation => false;

    /// <summary>y = f(z(x)): the layer's <see cref="Forward"/>, then its activation (z and y may be one buffer).</summary>
    internal virtual void ForwardActivated(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z, Span<float> y,
        int rows, bool training, Span<float> scratch, ExecutionContext context)
    {
        Forward(parameters, input, z, rows, training, scratch, context);
        long phase = StepProfile.Start();
        if (Activation != Activation.Linear) ActivationFunctions.Forward(Activation, z, y, OutputSize);
        StepProfile.Stop(StepPhase.Activations, phase);
    }

    /// <summary>The layer's regularization penalty at <paramref name="parameters"/> (its slice).</summary>
    internal virtual double Penalty(ReadOnlySpan<float> parameters) => 0;

    /// <summary>Adds the penalty's gradient to <paramref name="gradients"/> (this layer's slice); returns the penalty.</summary>
    internal virtual double AddPenalty(ReadOnlySpan<float> parameters, Span<float> gradients) => 0;

    /// <summary>Sets the initial parameters.</summary>
    internal virtual void Initialize(Span<float> parameters, RandomSource random) { }

    /// <summary>z[rows, OutputSize] from x[rows, InputSize]. <paramref name="parameters"/> is this layer's slice.</summary>
    internal abstract void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z,
        int rows, bool training, Span<float> scratch, ExecutionContext context);

    /// <summary>
    /// From dz (the gradient with respect to z, which the layer may overwrite) to the parameter gradients
    /// (this layer's slice, overwritten) and, unless <paramref name="inputGradient"/> is empty, dx.
    /// </summary>
    internal abstract void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context);

    /// <summary>A short description of the layer's settings for the summary view.</summary>
    public virtual string Describe() => Activation == Activation.Linear ? Kind : $"{Kind} ({Activation})";

    /// <summary>The layer's line in the network summary: description, output shape, parameter count.</summary>
    public virtual (string Layer, string OutputShape, int Parameters) SummaryLine() => (Describe(), OutputShape.ToString(), ParameterCount);
}
