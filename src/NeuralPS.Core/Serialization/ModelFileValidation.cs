using System.Text.Json.Nodes;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;

namespace NeuralPS.Core.Serialization;

/// <summary>
/// The second line of defence of <see cref="ModelFile"/>, after <see cref="ModelFileHeader"/> and the checksum: the
/// checksum has no key, so anyone can write a file whose SHA-256 matches, and everything a file claims is checked
/// here before anything in proportion to it is allocated: every count and size against its range and against the
/// others (class names = outputs, feature names = inputs, parameter and state blocks = the shapes the layers
/// declare, widths within <see cref="NetworkSize"/>), every enum defined, every hyperparameter in its range. A file
/// that fails is <c>ModelFileCorrupt</c> naming the field. What is read before this runs (the JSON, the blocks of
/// numbers) is bounded by the file's own length.
/// </summary>
internal static class ModelFileValidation
{
    /// <summary>
    /// Checks the metadata and blocks of a file and returns its layers, loaded from their settings and with their
    /// shapes planned (no state made yet), for the network to add.
    /// </summary>
    public static Layer[] Check(ModelMetadata meta, TrainingSection training, float[][] blocks, string source)
    {
        var check = new Checker(source);
        check.Range("InputSize", meta.InputSize, 1, NetworkSize.MaxWidth);
        check.That("InputShape", meta.InputShape is not int[] d || (d.Length is 2 or 3 && d.All(v => v >= 1)
            && d.Aggregate(1L, (product, v) => product * v) == meta.InputSize),
            $"({string.Join(",", meta.InputShape ?? Array.Empty<int>())}) does not make its {meta.InputSize} inputs as timesteps, features or channels, height, width");
        check.Defined("LossOverride", meta.LossOverride);
        check.That("Layers", meta.Layers is not null && meta.Layers.All(l => l is not null), "is missing or holds an empty layer");
        Layer[] layers = CheckLayers(meta, blocks, check);
        int outputs = layers.Length == 0 ? meta.InputSize : layers[^1].OutputSize;

        if (meta.ClassNames is string[] classes)
            check.That("ClassNames", classes.Length == outputs || (outputs == 1 && classes.Length == 2),
                $"has {classes.Length} names for {outputs} outputs (one a output, or two for a single sigmoid output)");
        if (meta.FeatureNames is string[] features)
            check.That("FeatureNames", features.Length == meta.InputSize, $"has {features.Length} names for {meta.InputSize} inputs");
        if (meta.Encoding is FeatureEncoding encoding) CheckEncoding(encoding, meta.InputSize, check);
        if (meta.InputMean is float[] mean)
        {
            check.That("InputMean", mean.Length == meta.InputSize, $"has {mean.Length} values for {meta.InputSize} inputs");
            check.That("InputMean", mean.All(float.IsFinite), "holds a value that is not a finite number");
        }
        if (meta.ImageFormat is ImageFormat image)
        {
            check.Defined("ImageFormat.ColorMode", image.ColorMode);
            check.Range("ImageFormat.Height", image.Height, 1, NetworkSize.MaxWidth);
            check.Range("ImageFormat.Width", image.Width, 1, NetworkSize.MaxWidth);
            long pixels = (image.ColorMode == ColorMode.Rgb ? 3L : 1L) * image.Height * image.Width;
            check.That("ImageFormat", pixels == meta.InputSize, $"(pictures of {image}) makes {pixels} inputs for a network of {meta.InputSize}");
        }
        CheckHistory(meta.History, check);
        CheckTraining(training, blocks, 1 + layers.Length, check);
        return layers;
    }

    /// <summary>The input shape the file gives (T, F for sequences, C, H, W for images, checked above), or a row of its inputs.</summary>
    public static Shape InputShapeOf(ModelMetadata meta) =>
        meta.InputShape is int[] d ? Shape.From(d) : new Shape(meta.InputSize);

    /// <summary>Each layer's settings, then its shapes against the width limit and its blocks against its shapes.</summary>
    private static Layer[] CheckLayers(ModelMetadata meta, float[][] blocks, Checker check)
    {
        var layers = new Layer[meta.Layers.Length];
        Shape shape = InputShapeOf(meta);
        long parameters = 0;
        for (int i = 0; i < layers.Length; i++)
        {
            string field = $"Layers[{i}]";
            Layer layer;
            long layerParameters, state;
            try
            {
                layer = LayerRegistry.Load(meta.Layers[i]);
                layer.PlanShapes(shape);
                // the width before anything is multiplied out of it
                check.Range($"{field} width", layer.OutputSize, 1, NetworkSize.MaxWidth);
                layerParameters = layer.ParameterCount; // NetworkTooLarge past one buffer
                state = layer.PlannedStateLength;
            }
            catch (Exception e) when (e is InvalidDataException or InvalidOperationException or FormatException or NeuralPSException
            { ErrorId: not ErrorIds.ModelFileCorrupt })
            {
                throw check.Fail(field, $"({meta.Layers[i]["Kind"]}) cannot be rebuilt: {e.Message}");
            }
            check.That($"{field}.Kind", !layer.MustBeFirst || i == 0, $"is {layer.Kind}, which must be the first layer");
            parameters += layerParameters;
            float[]? block = 1 + i < blocks.Length ? blocks[1 + i] : null;
            check.That($"{field} state", block is not null && block.Length == state,
                $"has {block?.Length ?? 0} values where a {layer.Kind} layer of {layer.OutputSize} units keeps {state}");
            layers[i] = layer;
            shape = layer.OutputShape;
        }
        check.That("Parameters", blocks.Length > 0 && blocks[0].Length == parameters,
            $"holds {(blocks.Length > 0 ? blocks[0].Length : 0)} values where the layers declare {parameters}");
        check.That("Parameters", blocks[0].All(float.IsFinite), "holds a value that is not a finite number");
        return layers;
    }

    private static void CheckEncoding(FeatureEncoding encoding, int inputs, Checker check)
    {
        check.Defined("Encoding.Task", encoding.Task);
        check.That("Encoding.Columns", encoding.Columns is not null && encoding.Columns.All(c => c is not null), "is missing");
        long width = 0;
        foreach (FeatureColumn column in encoding.Columns!)
        {
            check.Defined("Encoding.Columns.Kind", column.Kind);
            check.That("Encoding.Columns.Categories", column.Categories is not null, "is missing");
            width += column.Width;
        }
        check.That("Encoding", width == inputs, $"makes {width} features for a network of {inputs} inputs");
    }

    private static void CheckHistory(EpochResult[] history, Checker check)
    {
        check.That("History", history is not null && history.All(h => h is not null), "is missing or holds an empty entry");
        int previous = 0;
        for (int i = 0; i < history!.Length; i++)
        {
            EpochResult h = history[i];
            string field = $"History[{i}]";
            check.That($"{field}.Epoch", h.Epoch > previous, $"is {h.Epoch}, not after the previous entry's {previous}");
            previous = h.Epoch;
            check.That($"{field}.Loss", !(h.Loss < 0), $"is {h.Loss}, below 0");
            check.Probability($"{field}.Accuracy", h.Accuracy);
            check.Probability($"{field}.ValidationAccuracy", h.ValidationAccuracy);
            check.That($"{field}.ValidationLoss", !(h.ValidationLoss < 0), $"is {h.ValidationLoss}, below 0");
            check.Range($"{field}.LearningRate", h.LearningRate, 0, double.MaxValue);
            check.That($"{field}.Duration", h.Duration >= TimeSpan.Zero, $"is {h.Duration}, below 0");
            check.Range($"{field}.SamplesPerSecond", h.SamplesPerSecond, 0, double.MaxValue);
        }
    }

    /// <summary>The optimizer's settings, its state and its slots, and the random streams.</summary>
    private static void CheckTraining(TrainingSection training, float[][] blocks, int firstSlot, Checker check)
    {
        OptimizerSettings o = training.Optimizer ?? new OptimizerSettings();
        const string at = "Training.Optimizer";
        check.Defined($"{at}.Kind", o.Kind);
        check.Positive($"{at}.LearningRate", o.LearningRate, orDefault: true);
        check.Range($"{at}.Momentum", o.Momentum, 0, 1);
        check.Range($"{at}.Dampening", o.Dampening, 0, 1);
        check.Range($"{at}.Beta1", o.Beta1, 0, 1);
        check.Range($"{at}.Beta2", o.Beta2, 0, 1);
        check.Positive($"{at}.Epsilon", o.Epsilon, orDefault: true);
        check.Range($"{at}.Rho", o.Rho, 0, 1);
        check.Range($"{at}.InitialAccumulator", o.InitialAccumulator, 0, double.MaxValue);
        if (!double.IsNaN(o.WeightDecay)) check.Range($"{at}.WeightDecay", o.WeightDecay, 0, double.MaxValue);
        check.Range($"{at}.MomentumDecay", o.MomentumDecay, 0, 1);
        check.Range($"{at}.MaxIterations", o.MaxIterations, 1, 100_000);
        check.Positive($"{at}.Mu", o.Mu, orDefault: false);
        check.Range($"{at}.MuDecrease", o.MuDecrease, double.Epsilon, 1);
        check.Range($"{at}.MuIncrease", o.MuIncrease, 1, double.MaxValue);
        check.Positive($"{at}.MuMax", o.MuMax, orDefault: false);
        check.Range($"{at}.ClipNorm", o.ClipNorm, 0, double.MaxValue);
        check.Range($"{at}.ClipValue", o.ClipValue, 0, double.MaxValue);
        check.That($"{at}.Schedule", o.Schedule is not null, "is missing");
        ScheduleSettings s = o.Schedule!;
        check.Defined($"{at}.Schedule.Kind", s.Kind);
        check.Range($"{at}.Schedule.StepSize", s.StepSize, 1, int.MaxValue);
        if (!double.IsNaN(s.Gamma)) check.Range($"{at}.Schedule.Gamma", s.Gamma, 0, 1);
        check.Range($"{at}.Schedule.TMax", s.TMax, 0, int.MaxValue);
        check.Range($"{at}.Schedule.MinLearningRate", s.MinLearningRate, 0, double.MaxValue);
        check.Range($"{at}.Schedule.Factor", s.Factor, 0, 1);
        check.Range($"{at}.Schedule.Patience", s.Patience, 0, int.MaxValue);

        int slots = blocks.Length - firstSlot;
        if (training.OptimizerState is OptimizerState state)
        {
            const string os = "Training.OptimizerState";
            check.Range($"{os}.StepCount", state.StepCount, 0, long.MaxValue);
            check.That($"{os}.Buffers", state.Buffers == slots, $"is {state.Buffers}, but {slots} buffers follow the layers");
            // The slots the optimizer keeps for the parameters (their count already checked against the shapes, so this
            // allocates in proportion to the file, not to its claims). L-BFGS's history has the shape it grew to: checked
            // as it is restored.
            if (o.Kind != OptimizerKind.Lbfgs)
            {
                float[][] expected = Optimizer.Create(o, blocks[0].Length).StateBuffers;
                check.That($"{os}.Buffers", slots == expected.Length, $"is {slots}, where {o.Kind} keeps {expected.Length}");
                for (int b = 0; b < slots; b++)
                    check.That($"{os} buffer {b + 1}", blocks[firstSlot + b].Length == expected[b].Length,
                        $"has {blocks[firstSlot + b].Length} values where {o.Kind} keeps {expected[b].Length} for {blocks[0].Length} parameters");
            }
            if (state.Schedule is SchedulePosition p)
            {
                check.Range($"{os}.Schedule.Epoch", p.Epoch, 0, int.MaxValue);
                check.Range($"{os}.Schedule.PlateauRate", p.PlateauRate, 0, double.MaxValue);
                check.That($"{os}.Schedule.BestLoss", !double.IsNaN(p.BestLoss), "is not a number");
                check.Range($"{os}.Schedule.Waited", p.Waited, 0, int.MaxValue);
            }
        }
        else check.That("Training.OptimizerState", slots == 0, $"is missing, but {slots} optimizer buffers follow the layers");
        check.RandomState("Training.TrainingRandom", training.TrainingRandom);
        check.RandomState("Training.DropoutRandom", training.DropoutRandom);
    }

    /// <summary>The checks, each failing as <c>ModelFileCorrupt</c> naming the field.</summary>
    private readonly struct Checker
    {
        private readonly string _source;

        public Checker(string source) => _source = source;

        public NeuralPSException Fail(string field, string why) => ModelFile.Corrupt(_source, $"its field '{field}' {why}");

        public void That(string field, bool ok, string why)
        {
            if (!ok) throw Fail(field, why);
        }

        public void Range(string field, long value, long min, long max) =>
            That(field, value >= min && value <= max, $"is {value}, outside [{min}, {max}]");

        public void Range(string field, double value, double min, double max) =>
            That(field, value >= min && value <= max, $"is {value}, outside [{min}, {max}]"); // NaN fails too

        /// <summary>Above 0 and finite, or NaN where NaN means the default.</summary>
        public void Positive(string field, double value, bool orDefault) =>
            That(field, (orDefault && double.IsNaN(value)) || (value > 0 && double.IsFinite(value)), $"is {value}, not a finite number above 0");

        public void Probability(string field, double? value)
        {
            if (value is double v) Range(field, v, 0, 1);
        }

        public void Defined<T>(string field, T? value) where T : struct, Enum =>
            That(field, value is not T v || Enum.IsDefined(v), $"is {value}, not one of {string.Join(", ", Enum.GetNames<T>())}");

        public void Defined<T>(string field, T value) where T : struct, Enum => Defined(field, (T?)value);

        /// <summary>Four words, not all zero (the generator would then draw only zeros).</summary>
        public void RandomState(string field, ulong[]? state) =>
            That(field, state is { Length: 4 } && state.Any(w => w != 0), "is not four words, not all zero");
    }
}
