using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using NeuralPS.Core.Kernels;
using NeuralPS.Core.Onnx;

namespace NeuralPS.Core.Layers;

/// <summary>
/// Fully connected: z = x·W + b, with W stored [inputs, units] row-major, then b [units].
/// L1 and L2 penalties apply to W only. Shapes: x [rows, inputs] → z [rows, units].
/// </summary>
[LayerKind("Dense")]
public sealed class DenseLayer : Layer
{
    /// <summary>A dense layer of <paramref name="units"/> outputs.</summary>
    public DenseLayer(int units, Activation activation, Initializer initializer = Initializer.Auto, float l1 = 0, float l2 = 0)
    {
        Units = units;
        Activation = activation;
        Initializer = initializer;
        L1 = l1;
        L2 = l2;
    }

    /// <summary>Number of units (outputs).</summary>
    public int Units { get; }

    internal override bool NeedsFlatInput => true;

    /// <summary>Every input row maps to <see cref="Units"/> outputs.</summary>
    protected override Shape OutputShapeFor(Shape input) => new(Units);

    internal override void SaveSettings(JsonObject settings)
    {
        settings["Units"] = Units;
        settings["Activation"] = Activation.ToString();
        settings["Initializer"] = Initializer.ToString();
        settings["L1"] = L1;
        settings["L2"] = L2;
    }

    internal static Layer Load(JsonObject s) => new DenseLayer(LayerRegistry.Number(s, "Units", 0, 1, int.MaxValue),
        LayerRegistry.Enum(s, "Activation", Activation.Linear), LayerRegistry.Enum(s, "Initializer", Initializer.Auto),
        LayerRegistry.Number(s, "L1", 0f, 0f, float.MaxValue), LayerRegistry.Number(s, "L2", 0f, 0f, float.MaxValue));

    internal override int? WeightCountForStatistics => WeightCount;

    /// <summary>Gemm: W is stored [inputs, units] row-major, exactly Gemm's B with transB = 0; then the bias [units] as C.</summary>
    internal override string ToOnnx(OnnxGraph graph, string prefix, ReadOnlySpan<float> parameters, string input)
    {
        string weights = graph.Initializer($"{prefix}_W", parameters[..WeightCount], InputSize, Units);
        string bias = graph.Initializer($"{prefix}_b", parameters.Slice(WeightCount, Units), Units);
        return graph.Node("Gemm", prefix, new[] { input, weights, bias }, OnnxGraph.FloatAttribute("alpha", 1f),
            OnnxGraph.FloatAttribute("beta", 1f), OnnxGraph.IntAttribute("transA", 0), OnnxGraph.IntAttribute("transB", 0));
    }

    /// <summary>How the weights were initialized.</summary>
    public Initializer Initializer { get; }

    /// <summary>L1 penalty factor on the weights: adds L1·Σ|W| to the loss.</summary>
    public float L1 { get; }

    /// <summary>L2 penalty factor on the weights: adds L2·ΣW² to the loss.</summary>
    public float L2 { get; }

    /// <summary>Number of weights (the bias follows them).</summary>
    public int WeightCount => InputSize * OutputSize;

    /// <inheritdoc />
    public override int ParameterCount
    {
        // Read several times a step through a virtual call, which no caller can inline: optimized from the first call.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => NetworkSize.ParameterCount((long)InputSize * OutputSize + OutputSize, this);
    }

    internal override void Initialize(Span<float> parameters, RandomSource random)
    {
        Initializers.Fill(Initializers.Resolve(Initializer, Activation), parameters[..WeightCount], InputSize, OutputSize, random);
        parameters[WeightCount..].Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z,
        int rows, bool training, Span<float> scratch, ExecutionContext context)
        => Forward(parameters, input, z, rows, context, relu: false);

    /// <summary>A dense ReLU layer applies the ReLU in its product's epilogue: z and y are one buffer, and ReLU' reads y.</summary>
    internal override bool FusesActivation => Activation == Activation.Relu;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override void ForwardActivated(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z, Span<float> y,
        int rows, bool training, Span<float> scratch, ExecutionContext context)
    {
        if (FusesActivation)
            // Bias and ReLU in the product's epilogue, in the tiles each thread computes: no pass of its own.
            Forward(parameters, input, y, rows, context, relu: true);
        else
            base.ForwardActivated(parameters, input, z, y, rows, training, scratch, context);
    }

    /// <summary>
    /// z = x·W + b, then max(z, 0) when <paramref name="relu"/>: the bias (and ReLU) are applied in the product's
    /// epilogue, after the whole sum, while each tile of z is in registers (on whichever thread computes the tile).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z, int rows, ExecutionContext context, bool relu)
    {
        int n = OutputSize;
        Gemm.MultiplyBias(GemmForm.NN, rows, n, InputSize, input, parameters[..WeightCount], parameters.Slice(WeightCount, n), z,
            relu, context.Pool);
    }

    /// <summary>
    /// <see cref="ForwardActivated"/> on the rows <paramref name="rowIndex"/> of <paramref name="data"/> [·, InputSize],
    /// read in place by the product (a first layer on a shuffled batch). False, with nothing done, when this product
    /// or the weight gradient of <see cref="BackwardGathered"/> is too small for that route: both passes read the
    /// rows in place, or neither.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool TryForwardGathered(ReadOnlySpan<float> parameters, ReadOnlySpan<float> data, ReadOnlySpan<int> rowIndex,
        Span<float> z, Span<float> y, int rows, ExecutionContext context)
    {
        int n = OutputSize;
        if (!Gemm.TakesGathered(GemmPaths.Selected, GemmForm.TN, InputSize, n, rows)) return false;
        Span<float> product = FusesActivation ? y : z;
        if (!Gemm.TryMultiplyBiasGathered(rows, n, InputSize, data, rowIndex, parameters[..WeightCount], parameters.Slice(WeightCount, n),
                product, FusesActivation, context.Pool))
            return false;
        if (!FusesActivation && Activation != Activation.Linear)
        {
            long phase = StepProfile.Start();
            ActivationFunctions.Forward(Activation, z, y, n);
            StepProfile.Stop(StepPhase.Activations, phase);
        }
        return true;
    }

    /// <summary>
    /// <see cref="Backward"/> of a first layer (no input gradient) after <see cref="TryForwardGathered"/> on the rows
    /// <paramref name="rowIndex"/> of <paramref name="data"/>, which it reads in place again.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void BackwardGathered(ReadOnlySpan<float> data, ReadOnlySpan<int> rowIndex, ReadOnlySpan<float> dz,
        Span<float> parameterGradients, int rows, ExecutionContext context)
    {
        int n = OutputSize;
        if (!Gemm.TryMultiplyGatheredTransposed(InputSize, n, rows, data, rowIndex, dz, parameterGradients[..WeightCount], context.Pool))
            throw new InvalidOperationException("The weight gradient cannot read the batch in place: TryForwardGathered should have refused it.");
        ColumnSums.Compute(dz, rows, n, parameterGradients.Slice(WeightCount, n), context.Pool);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        int n = OutputSize;
        Gemm.Multiply(GemmForm.TN, InputSize, n, rows, input, dz, parameterGradients[..WeightCount], false, context.Pool);
        ColumnSums.Compute(dz, rows, n, parameterGradients.Slice(WeightCount, n), context.Pool);
        if (!inputGradient.IsEmpty)
            Gemm.Multiply(GemmForm.NT, rows, InputSize, n, dz, parameters[..WeightCount], inputGradient, false, context.Pool);
    }

    /// <summary>Adds the penalty gradients to <paramref name="gradients"/> (this layer's slice) and returns the penalty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override double AddPenalty(ReadOnlySpan<float> parameters, Span<float> gradients)
    {
        if (L1 == 0 && L2 == 0) return 0;
        double penalty = 0;
        ReadOnlySpan<float> w = parameters[..WeightCount];
        Span<float> g = gradients[..WeightCount];
        for (int i = 0; i < w.Length; i++)
        {
            float v = w[i];
            penalty += L1 * Math.Abs(v) + L2 * (double)v * v;
            g[i] += L1 * MathF.Sign(v) + 2f * L2 * v;
        }
        return penalty;
    }

    /// <summary>The penalty alone, for evaluation.</summary>
    internal override double Penalty(ReadOnlySpan<float> parameters)
    {
        if (L1 == 0 && L2 == 0) return 0;
        ReadOnlySpan<float> w = parameters[..WeightCount];
        return L1 * (double)TensorPrimitives.SumOfMagnitudes(w) + L2 * (double)TensorPrimitives.SumOfSquares(w);
    }

    /// <inheritdoc />
    public override string Describe()
    {
        string text = $"Dense ({Activation})";
        if (L1 != 0) text += $" L1={L1}";
        if (L2 != 0) text += $" L2={L2}";
        return text;
    }
}
