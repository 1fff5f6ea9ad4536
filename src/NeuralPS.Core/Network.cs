using System.Runtime.CompilerServices;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Training;

namespace NeuralPS.Core;

/// <summary>
/// A sequential network. All trainable parameters live in one flat buffer (<see cref="Parameters"/>), in layer
/// order, and their gradients in another of the same length, so that an optimizer update is one pass.
/// Training changes the network in place and appends to its <see cref="History"/>.
/// </summary>
public sealed class Network
{
    private readonly List<Layer> _layers = new();
    private float[] _parameters = Array.Empty<float>();
    private Workspace? _workspace;

    /// <summary>An empty network for <paramref name="inputSize"/> features.</summary>
    public Network(int inputSize, string? name = null, long? seed = null)
    {
        if (inputSize < 1)
            throw new NeuralPSException(ErrorIds.InvalidInputSize, ErrorKind.InvalidArgument,
                $"A network needs at least one input; {inputSize} was given.", inputSize);
        InputSize = inputSize;
        Name = string.IsNullOrWhiteSpace(name) ? "network" : name!;
        Seed = seed ?? Random.Shared.NextInt64(0, int.MaxValue);
        TrainingRandom = new RandomSource(RandomSource.Derive(Seed, 1_000));
        DropoutRandom = new RandomSource(RandomSource.Derive(Seed, 2_000));
    }

    /// <summary>The network's name.</summary>
    public string Name { get; set; }

    /// <summary>Number of input features.</summary>
    public int InputSize { get; }

    /// <summary>The seed behind initialization, shuffling and dropout.</summary>
    public long Seed { get; }

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>Width of the output.</summary>
    public int OutputSize => _layers.Count == 0 ? InputSize : _layers[^1].OutputSize;

    /// <summary>The activation of the last layer that has one (Linear if none).</summary>
    public Activation OutputActivation
    {
        get
        {
            for (int i = _layers.Count - 1; i >= 0; i--)
                if (_layers[i] is not DropoutLayer) return _layers[i].Activation;
            return Activation.Linear;
        }
    }

    /// <summary>All trainable parameters, layer after layer.</summary>
    public float[] Parameters => _parameters;

    /// <summary>Number of trainable parameters.</summary>
    public int ParameterCount => _parameters.Length;

    /// <summary>The loss set explicitly with Set-Loss, or null to infer it from the output layer.</summary>
    public LossKind? LossOverride { get; set; }

    /// <summary>The loss used for training.</summary>
    public LossKind Loss => LossOverride ?? LossFunctions.InferFrom(OutputActivation, OutputSize);

    /// <summary>The optimizer's settings. Changing them resets the optimizer's state.</summary>
    public OptimizerSettings OptimizerSettings
    {
        get => _optimizerSettings;
        set { _optimizerSettings = value; Optimizer = null; Schedule = null; ScheduleStart = History.Count; }
    }
    private OptimizerSettings _optimizerSettings = new();

    /// <summary>The learning-rate schedule's progress (null until training starts or after the settings change).</summary>
    internal LearningRateSchedule? Schedule { get; set; }

    /// <summary>How many epochs the network had trained when its optimizer was set: where the schedule starts.</summary>
    internal int ScheduleStart { get; private set; }

    /// <summary>The live optimizer (null until training starts or after the settings change).</summary>
    public Optimizer? Optimizer { get; internal set; }

    /// <summary>Names of the input features, in order (null if unknown).</summary>
    public string[]? FeatureNames { get; set; }

    /// <summary>Class names for a classifier, in output order (null for regression).</summary>
    public string[]? ClassNames { get; set; }

    /// <summary>How raw input records map to features (null when the inputs are plain numbers).</summary>
    public Data.FeatureEncoding? FeatureEncoding { get; set; }

    /// <summary>One entry per epoch trained, oldest first.</summary>
    public List<EpochResult> History { get; } = new();

    /// <summary>Number of threads the engine uses (the caller's thread included).</summary>
    public int ThreadCount
    {
        get => _threadCount;
        set
        {
            int count = Math.Max(1, value);
            if (count == _threadCount) return;
            _threadCount = count;
            _workspace?.Dispose();
            _workspace = null;
        }
    }
    private int _threadCount = 1;

    /// <summary>The stream that shuffles mini-batches.</summary>
    public RandomSource TrainingRandom { get; internal set; }

    /// <summary>The stream that draws dropout masks.</summary>
    public RandomSource DropoutRandom { get; internal set; }

    /// <summary>Gradient norms of the last step, per layer (for statistics).</summary>
    public double[] LastGradientNorms { get; internal set; } = Array.Empty<double>();

    /// <summary>Adds a layer, initializing its parameters from the network's seed.</summary>
    public void Add(Layer layer)
    {
        if (_layers.Count > 0 && _layers[^1].Activation == Activation.Softmax && layer is not DropoutLayer)
            throw new NeuralPSException(ErrorIds.LayerAfterSoftmax, ErrorKind.InvalidOperation,
                $"Layer {_layers.Count} has a softmax activation, which only the output layer may have. " +
                "Give the earlier layer another activation (Relu, Tanh) and put the softmax on the last layer.", layer);
        if (layer is NormalizationLayer && _layers.Count > 0)
            throw new NeuralPSException(ErrorIds.NormalizationNotFirst, ErrorKind.InvalidOperation,
                "A normalization layer standardizes the raw inputs, so it must be the first layer.", layer);
        int width = OutputSize;
        layer.InputSize = width;
        switch (layer)
        {
            case DropoutLayer d: d.SetWidth(width); break;
            case BatchNormLayer b: b.SetWidth(width); break;
            case NormalizationLayer n: n.SetWidth(width); break;
        }
        if (layer.OutputSize < 1)
            throw new NeuralPSException(ErrorIds.InvalidUnits, ErrorKind.InvalidArgument,
                $"A layer needs at least one unit; {layer.OutputSize} was given.", layer);

        int offset = _parameters.Length;
        var grown = new float[offset + layer.ParameterCount];
        _parameters.AsSpan().CopyTo(grown);
        layer.ParameterOffset = offset;
        layer.Initialize(grown.AsSpan(offset, layer.ParameterCount), new RandomSource(RandomSource.Derive(Seed, _layers.Count)));
        _parameters = grown;
        _layers.Add(layer);
        Optimizer = null;
        _workspace?.Dispose();
        _workspace = null;
    }

    /// <summary>
    /// Puts an input normalization layer in front of the others (Invoke-Training -Normalize). It has no trainable
    /// parameters, so the flat buffer, the layers' offsets and the optimizer's state stay as they are.
    /// </summary>
    public NormalizationLayer InsertNormalizationLayer()
    {
        if (_layers.Count > 0 && _layers[0] is NormalizationLayer existing) return existing;
        var layer = new NormalizationLayer { InputSize = InputSize };
        layer.SetWidth(InputSize);
        _layers.Insert(0, layer);
        _workspace?.Dispose();
        _workspace = null;
        return layer;
    }

    /// <summary>This layer's slice of the flat parameters.</summary>
    public Span<float> ParametersOf(Layer layer) => _parameters.AsSpan(layer.ParameterOffset, layer.ParameterCount);

    /// <summary>Replaces all parameters (for loading a model or restoring a snapshot).</summary>
    public void SetParameters(ReadOnlySpan<float> values)
    {
        if (values.Length != _parameters.Length)
            throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidArgument,
                $"The network has {_parameters.Length} parameters but {values.Length} values were given.");
        values.CopyTo(_parameters);
    }

    /// <summary>The workspace for this batch size, made once and reused.</summary>
    internal Workspace GetWorkspace(int batchSize)
    {
        if (_workspace is null || _workspace.BatchSize < batchSize)
        {
            _workspace?.Dispose();
            _workspace = new Workspace(this, batchSize);
        }
        return _workspace;
    }

    /// <summary>Checks that the network can run: it has layers.</summary>
    public void EnsureReady()
    {
        if (_layers.Count == 0)
            throw new NeuralPSException(ErrorIds.NoLayers, ErrorKind.InvalidOperation,
                $"The network '{Name}' has no layers. Add some first: New-Network {InputSize} | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 1");
    }

    /// <summary>
    /// Outputs for [rows, InputSize] inputs, in inference mode (probabilities for softmax and sigmoid outputs).
    /// </summary>
    public float[] Predict(ReadOnlySpan<float> inputs, int rows)
    {
        var outputs = new float[rows * OutputSize];
        Predict(inputs, rows, outputs);
        return outputs;
    }

    /// <summary>
    /// Writes the outputs for [rows, InputSize] inputs into <paramref name="outputs"/>. Optimized from the first call
    /// (not after .NET's tiered compilation gets to it): a script's predictions are often a few thousand short calls.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Predict(ReadOnlySpan<float> inputs, int rows, Span<float> outputs)
    {
        EnsureReady();
        if (inputs.Length < rows * InputSize)
            throw new NeuralPSException(ErrorIds.ShapeMismatch, ErrorKind.InvalidArgument,
                $"The network expects {InputSize} features a row; {inputs.Length} values do not make {rows} rows.");
        const int chunk = 1024;
        for (int start = 0; start < rows; start += chunk)
        {
            int count = Math.Min(chunk, rows - start);
            Workspace ws = GetWorkspace(Math.Min(chunk, rows));
            ReadOnlySpan<float> y = ws.Forward(inputs.Slice(start * InputSize, count * InputSize), count, training: false);
            y[..(count * OutputSize)].CopyTo(outputs.Slice(start * OutputSize, count * OutputSize));
        }
    }

    /// <summary>The regularization penalty of all layers.</summary>
    public double Penalty()
    {
        double total = 0;
        foreach (Layer layer in _layers)
            if (layer is DenseLayer d) total += d.Penalty(ParametersOf(layer));
        return total;
    }

    /// <summary>A copy with the same architecture, parameters, state and settings, but no shared buffers.</summary>
    public Network Clone()
    {
        var copy = new Network(InputSize, Name, Seed)
        {
            LossOverride = LossOverride,
            OptimizerSettings = OptimizerSettings,
            FeatureNames = FeatureNames,
            ClassNames = ClassNames,
            FeatureEncoding = FeatureEncoding,
        };
        foreach (Layer layer in _layers) copy.Add(LayerCopy(layer));
        copy.SetParameters(_parameters);
        for (int i = 0; i < _layers.Count; i++) _layers[i].State.AsSpan().CopyTo(copy._layers[i].State);
        copy.History.AddRange(History);
        copy.ScheduleStart = ScheduleStart;
        return copy;
    }

    private static Layer LayerCopy(Layer layer) => layer switch
    {
        DenseLayer d => new DenseLayer(d.Units, d.Activation, d.Initializer, d.L1, d.L2),
        DropoutLayer d => new DropoutLayer(d.Rate),
        BatchNormLayer b => new BatchNormLayer(b.Activation, b.Momentum, b.Epsilon),
        NormalizationLayer n => new NormalizationLayer { IsAdapted = n.IsAdapted },
        _ => throw new NotSupportedException(layer.Kind),
    };

    /// <summary>A Keras-style summary: one line per layer with its output shape and parameter count, then totals.</summary>
    public string ToSummary()
    {
        var text = new System.Text.StringBuilder();
        const int layerWidth = 36, shapeWidth = 16, countWidth = 12;
        string rule = new('─', layerWidth + shapeWidth + countWidth);
        text.AppendLine($"Network '{Name}'  (inputs: {InputSize}, seed: {Seed})");
        text.AppendLine(rule);
        text.AppendLine("Layer".PadRight(layerWidth) + "Output shape".PadRight(shapeWidth) + "Parameters".PadLeft(countWidth));
        text.AppendLine(rule);
        for (int i = 0; i < _layers.Count; i++)
        {
            Layer layer = _layers[i];
            string name = $"{i + 1}  {layer.Describe()}";
            if (name.Length > layerWidth - 1) name = name[..(layerWidth - 2)] + "…";
            text.AppendLine(name.PadRight(layerWidth) + $"(None, {layer.OutputSize})".PadRight(shapeWidth) +
                layer.ParameterCount.ToString("N0", System.Globalization.CultureInfo.InvariantCulture).PadLeft(countWidth));
        }
        if (_layers.Count == 0) text.AppendLine("(no layers yet: add some with Add-DenseLayer)");
        text.AppendLine(rule);
        text.AppendLine($"Total parameters : {ParameterCount.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}");
        text.AppendLine($"Loss             : {Loss}{(LossOverride is null ? " (inferred)" : "")}");
        text.AppendLine($"Optimizer        : {OptimizerSettings}");
        text.Append($"Trained epochs   : {History.Count}");
        if (History.Count > 0)
        {
            EpochResult last = History[^1];
            text.AppendLine().Append($"Last epoch       : loss {last.Loss:G5}");
            if (last.Accuracy is double a) text.Append($", accuracy {a:P2}");
            if (last.ValidationLoss is double vl) text.AppendLine().Append($"Validation       : loss {vl:G5}");
            if (last.ValidationAccuracy is double va) text.Append($", accuracy {va:P2}");
        }
        if (ClassNames is not null) AppendWrapped(text, "Classes          : ", string.Join(", ", ClassNames), 78);
        return text.ToString();
    }

    /// <summary>Appends a labelled value on a new line, wrapped at word boundaries to <paramref name="width"/> columns.</summary>
    private static void AppendWrapped(System.Text.StringBuilder text, string label, string value, int width)
    {
        text.AppendLine().Append(label);
        int column = label.Length;
        foreach (string word in value.Split(' '))
        {
            if (column > label.Length && column + 1 + word.Length > width)
            {
                text.AppendLine().Append(' ', label.Length);
                column = label.Length;
            }
            else if (column > label.Length) { text.Append(' '); column++; }
            text.Append(word);
            column += word.Length;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {InputSize} → {OutputSize}, {ParameterCount} parameters";
}
