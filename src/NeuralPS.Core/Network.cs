using System.Runtime.CompilerServices;
using NeuralPS.Core.Layers;

namespace NeuralPS.Core;

/// <summary>
/// A sequential network: the model. All trainable parameters live in one flat buffer (<see cref="Parameters"/>), in
/// layer order, and their gradients in another of the same length, so that an optimizer update is one pass.
/// Training changes the network in place and appends to its <see cref="History"/>; what training keeps beside the
/// model (optimizer, random streams, workspace) belongs to the training side, which attaches it to the network.
/// </summary>
public sealed class Network
{
    private readonly List<Layer> _layers = new();
    private float[] _parameters = Array.Empty<float>();
    private ForwardPass? _prediction; // the buffers predictions run in

    /// <summary>An empty network for <paramref name="inputSize"/> features.</summary>
    public Network(int inputSize, string? name = null, long? seed = null)
        : this(CheckedRow(inputSize), name, seed) { }

    /// <summary>An empty network for inputs of <paramref name="inputShape"/> (a row of features, T, F sequences or C, H, W images).</summary>
    public Network(Shape inputShape, string? name = null, long? seed = null)
    {
        if (inputShape.Size < 1)
            throw new NeuralPSException(ErrorIds.InvalidInputSize, ErrorKind.InvalidArgument,
                $"A network needs at least one input; {inputShape.Size} was given.", inputShape.Size);
        InputShape = inputShape;
        Name = string.IsNullOrWhiteSpace(name) ? "network" : name!;
        Seed = seed ?? Random.Shared.NextInt64(0, int.MaxValue);
    }

    /// <summary>The network's name.</summary>
    public string Name { get; set; }

    private static Shape CheckedRow(int inputSize) => inputSize >= 1 ? new Shape(inputSize)
        : throw new NeuralPSException(ErrorIds.InvalidInputSize, ErrorKind.InvalidArgument,
            $"A network needs at least one input; {inputSize} was given.", inputSize);

    /// <summary>The shape of one input: a row of features, or an image (C, H, W) given as a row of C·H·W values.</summary>
    public Shape InputShape { get; }

    /// <summary>Number of input features (C·H·W for images).</summary>
    public int InputSize => InputShape.Size;

    /// <summary>The shape of one output of the last layer (the input shape while there are no layers).</summary>
    public Shape OutputShape => _layers.Count == 0 ? InputShape : _layers[^1].OutputShape;

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
                if (!_layers[i].IsIdentityAtInference) return _layers[i].Activation;
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

    /// <summary>Names of the input features, in order (null if unknown).</summary>
    public string[]? FeatureNames { get; set; }

    /// <summary>Class names for a classifier, in output order (null for regression).</summary>
    public string[]? ClassNames { get; set; }

    /// <summary>How raw input records map to features (null when the inputs are plain numbers).</summary>
    public Data.FeatureEncoding? FeatureEncoding { get; set; }

    /// <summary>
    /// The mean of each input feature over the data the network first trained on: the average input, from which
    /// Get-Attribution measures by default (null before training, and in model files older than this field).
    /// </summary>
    public float[]? InputMean { get; set; }

    /// <summary>
    /// How a picture file becomes this network's inputs (size and color mode), taken from a training dataset shaped
    /// C, H, W; null when the network was not trained on pictures. Invoke-Prediction reads picture files with it.
    /// </summary>
    public Data.ImageFormat? ImageFormat { get; set; }

    /// <summary>
    /// For a network trained on windows over a series: how records become a window, and the series' last window, so
    /// that Invoke-Prediction -Steps can continue the series (null otherwise).
    /// </summary>
    public Data.SeriesEncoding? Series { get; set; }

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
            _prediction?.Dispose();
            _prediction = null;
        }
    }
    private int _threadCount = 1;

    /// <summary>
    /// Moves on whenever the layers change (a layer added or inserted), so that buffers made for the old layers
    /// (workspaces, an optimizer's slots) are known to be stale.
    /// </summary>
    public int Version { get; private set; }

    /// <summary>Adds a layer, initializing its parameters from the network's seed.</summary>
    public void Add(Layer layer)
    {
        if (_layers.Count > 0 && _layers[^1].Activation == Activation.Softmax && !layer.IsIdentityAtInference)
            throw new NeuralPSException(ErrorIds.LayerAfterSoftmax, ErrorKind.InvalidOperation,
                $"Layer {_layers.Count} has a softmax activation, which only the output layer may have. " +
                "Give the earlier layer another activation (Relu, Tanh) and put the softmax on the last layer.", layer);
        if (layer.MustBeFirst && _layers.Count > 0)
            throw new NeuralPSException(ErrorIds.NormalizationNotFirst, ErrorKind.InvalidOperation,
                $"A {layer.Kind.ToLowerInvariant()} layer works on the raw inputs, so it must be the first layer.", layer);
        // As Keras asks the user to, but done for them: images and sequences are flattened before a layer that takes rows.
        if (layer.NeedsFlatInput && !OutputShape.IsFlat) Add(new FlattenLayer());
        layer.Build(OutputShape);

        NetworkSize.EnsureCanAdd(this, layer); // in 64 bits, before allocating: NetworkTooLarge with the bytes needed
        int offset = _parameters.Length;
        var grown = new float[offset + layer.ParameterCount];
        _parameters.AsSpan().CopyTo(grown);
        layer.ParameterOffset = offset;
        layer.Initialize(grown.AsSpan(offset, layer.ParameterCount), new RandomSource(RandomSource.Derive(Seed, _layers.Count)));
        _parameters = grown;
        _layers.Add(layer);
        LayersChanged();
    }

    private void LayersChanged()
    {
        Version++;
        _prediction?.Dispose();
        _prediction = null;
    }

    /// <summary>
    /// Puts a layer that has no trainable parameters in front of the others (Invoke-Training -Normalize puts a
    /// normalization layer there), so the flat buffer, the layers' offsets and the optimizer's state stay as they are.
    /// A first layer of the same kind is kept instead; returns the layer that is first.
    /// </summary>
    public Layer InsertFirst(Layer layer)
    {
        if (_layers.Count > 0 && _layers[0].Kind == layer.Kind) return _layers[0];
        layer.Build(InputShape);
        if (layer.ParameterCount != 0)
            throw new NeuralPSException(ErrorIds.InvalidInsert, ErrorKind.InvalidOperation,
                $"Only a layer without trainable parameters can be put in front of the others; a {layer.Kind} layer has {layer.ParameterCount}.", layer);
        _layers.Insert(0, layer);
        LayersChanged();
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

    /// <summary>The buffers predictions run in, for batches of up to this size, made once and reused.</summary>
    private ForwardPass PredictionPass(int batchSize)
    {
        if (_prediction is null || _prediction.BatchSize < batchSize)
        {
            _prediction?.Dispose();
            _prediction = new ForwardPass(_layers, batchSize, ThreadCount);
        }
        return _prediction;
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
            ForwardPass pass = PredictionPass(Math.Min(chunk, rows));
            ReadOnlySpan<float> y = pass.Forward(_parameters, inputs.Slice(start * InputSize, count * InputSize), count, training: false);
            y[..(count * OutputSize)].CopyTo(outputs.Slice(start * OutputSize, count * OutputSize));
        }
    }

    /// <summary>The regularization penalty of all layers.</summary>
    public double Penalty()
    {
        double total = 0;
        foreach (Layer layer in _layers) total += layer.Penalty(ParametersOf(layer));
        return total;
    }

    /// <summary>A copy of the model (architecture, parameters, layer state, names, history), with no shared buffers and no training state.</summary>
    public Network Clone()
    {
        var copy = new Network(InputShape, Name, Seed)
        {
            LossOverride = LossOverride,
            ThreadCount = ThreadCount,
            FeatureNames = FeatureNames,
            ClassNames = ClassNames,
            FeatureEncoding = FeatureEncoding,
            InputMean = InputMean,
            ImageFormat = ImageFormat,
            Series = Series,
        };
        foreach (Layer layer in _layers) copy.Add(LayerRegistry.Copy(layer));
        copy.SetParameters(_parameters);
        for (int i = 0; i < _layers.Count; i++) _layers[i].State.AsSpan().CopyTo(copy._layers[i].State);
        copy.History.AddRange(History);
        return copy;
    }

    /// <summary>A Keras-style summary: one line per layer with its output shape and parameter count, then totals.</summary>
    public string ToSummary() => ToSummary(null);

    /// <summary>The summary, with a line for the optimizer (its one-line description) when one is given.</summary>
    public string ToSummary(string? optimizer)
    {
        var text = new System.Text.StringBuilder();
        const int layerWidth = 36, countWidth = 12;
        // wide enough for image shapes, (None, 32, 28, 28); rows keep the narrow column they always had
        int shapeWidth = Math.Max(16, _layers.Count == 0 ? 0 : _layers.Max(l => l.SummaryLine().OutputShape.Length) + 2);
        string rule = new('─', layerWidth + shapeWidth + countWidth);
        string inputs = InputShape.IsFlat ? $"{InputSize}" : $"{string.Join("x", InputShape.Dimensions)} = {InputSize}";
        text.AppendLine($"Network '{Name}'  (inputs: {inputs}, seed: {Seed})");
        text.AppendLine(rule);
        text.AppendLine("Layer".PadRight(layerWidth) + "Output shape".PadRight(shapeWidth) + "Parameters".PadLeft(countWidth));
        text.AppendLine(rule);
        for (int i = 0; i < _layers.Count; i++)
        {
            (string description, string shape, int parameters) = _layers[i].SummaryLine();
            string name = $"{i + 1}  {description}";
            if (name.Length > layerWidth - 1) name = name[..(layerWidth - 2)] + "…";
            text.AppendLine(name.PadRight(layerWidth) + shape.PadRight(shapeWidth) +
                parameters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture).PadLeft(countWidth));
        }
        if (_layers.Count == 0) text.AppendLine("(no layers yet: add some with Add-DenseLayer)");
        text.AppendLine(rule);
        text.AppendLine($"Total parameters : {ParameterCount.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}");
        text.AppendLine($"Loss             : {Loss}{(LossOverride is null ? " (inferred)" : "")}");
        if (optimizer is not null) text.AppendLine($"Optimizer        : {optimizer}");
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
        if (ImageFormat is not null) text.AppendLine().Append($"Pictures         : {ImageFormat}");
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

    /// <summary>Who uses the network now (see <see cref="NetworkLease"/>).</summary>
    internal NetworkLease.Holders LeaseHolders { get; } = new();

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {InputSize} → {OutputSize}, {ParameterCount} parameters";
}
