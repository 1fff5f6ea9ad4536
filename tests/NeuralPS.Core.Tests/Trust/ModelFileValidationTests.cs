using System.Diagnostics;
using System.Text.Json.Nodes;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Training;
using Xunit;
using Xunit.Abstractions;

namespace NeuralPS.Core.Tests.Trust;

/// <summary>
/// A model file's checksum has no key, so a crafted file passes it: everything the file claims is validated before
/// anything in proportion to it is allocated. Each mutation below is applied to a good, trained file, which is sealed
/// again with a matching SHA-256; every one must be refused as <c>ModelFileCorrupt</c> naming the field, quickly and
/// in bounded memory, and the good file must still load and resume bit for bit.
/// </summary>
public sealed class ModelFileValidationTests
{
    private const long MemoryBound = 100_000_000; // bytes one refusal may allocate

    private readonly ITestOutputHelper _output;

    public ModelFileValidationTests(ITestOutputHelper output) => _output = output;

    private static readonly Lazy<(Network Net, byte[] File)> Good = new(() =>
    {
        Network net = TrainedNetwork();
        return (net, ModelFile.ToBytes(net));
    });

    /// <summary>Iris through every layer kind, trained two epochs with Adam on a step schedule: history, slots, states.</summary>
    private static Network TrainedNetwork()
    {
        var net = new Network(4, "iris", seed: 5);
        net.Add(new NormalizationLayer());
        net.Add(new DenseLayer(8, Activation.Relu, l2: 0.001f));
        net.Add(new BatchNormLayer(Activation.Relu));
        net.Add(new DropoutLayer(0.2f));
        net.Add(new DenseLayer(3, Activation.Softmax));
        net.OptimizerSettings = new OptimizerSettings
        {
            Kind = OptimizerKind.Adam, LearningRate = 0.01, Schedule = new ScheduleSettings { Kind = ScheduleKind.Step, StepSize = 1, Gamma = 0.5 },
        };
        Train(net, 2);
        return net;
    }

    private static void Train(Network net, int epochs) =>
        new Trainer(net, SampleDatasets.Get("Iris"), null, new TrainingOptions { Epochs = epochs, BatchSize = 16 }).Run().ToList();

    /// <summary>A mutation: what it does, the field the refusal must name, and the edit.</summary>
    internal sealed record Mutation(string Name, string Field, Action<CraftedModelFile> Edit)
    {
        public override string ToString() => Name;
    }

    private static JsonNode At(JsonNode node, string path)
    {
        foreach (string part in path.Split('.'))
        {
            int bracket = part.IndexOf('[');
            node = bracket < 0 ? node[part]! : node[part[..bracket]]![int.Parse(part[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture)]!;
        }
        return node;
    }

    /// <summary>Sets the JSON field at a dotted path (Layers[1].Units, Training.Optimizer.LearningRate).</summary>
    private static Action<CraftedModelFile> Set(string path, JsonNode? value) => file =>
    {
        int dot = path.LastIndexOf('.');
        JsonNode parent = dot < 0 ? file.Meta : At(file.Meta, path[..dot]);
        parent[path[(dot + 1)..]] = value?.DeepClone();
    };

    private static JsonArray Names(int count) => new(Enumerable.Range(0, count).Select(i => (JsonNode?)JsonValue.Create($"n{i}")).ToArray());

    /// <summary>The table: every field with the bad values a crafted file could hold.</summary>
    internal static IEnumerable<Mutation> Mutations()
    {
        IEnumerable<Mutation> Values(string path, string field, params JsonNode?[] values) =>
            values.Select(v => new Mutation($"{path} = {v?.ToJsonString() ?? "null"}", field, Set(path, v)));
        JsonNode N(double v) => JsonValue.Create(v);
        JsonNode S(string v) => JsonValue.Create(v);
        const string o = "Training.Optimizer", os = "Training.OptimizerState";

        var all = new List<Mutation>();
        // sizes: the 7 KB file claiming 100,000,000 inputs allocated 12.6 GB over 82 s
        all.AddRange(Values("InputSize", "InputSize", N(0), N(-1), N(100_000_000), N(int.MaxValue), N(int.MinValue)));
        all.AddRange(Values("InputSize", "Layers[0] state", N(3), N(5)));
        all.AddRange(Values("Layers[1].Units", "Layers[1]", N(0), N(-5)));
        all.AddRange(Values("Layers[1].Units", "Layers[1] width", N(100_000_000), N(int.MaxValue), N(2_097_152)));
        all.AddRange(Values("Layers[1].Units", "Layers[2] state", N(7), N(9), N(2_000_000))); // the batch norm after it
        all.AddRange(Values("Layers[4].Units", "Parameters", N(2), N(4)));
        // enums: "Activation":"999" loaded and failed later with a raw ArgumentOutOfRangeException
        all.AddRange(Values("Layers[1].Activation", "'Activation'", S("999"), S("-1"), S("Relu,Tanh"), S("Bogus"), S(""), S(" 3")));
        all.AddRange(Values("Layers[1].Activation", "Layers[1]", N(999)));
        all.AddRange(Values("Layers[4].Activation", "'Activation'", S("10")));
        all.AddRange(Values("Layers[2].Activation", "'Activation'", S("42")));
        all.AddRange(Values("Layers[1].Initializer", "'Initializer'", S("77"), S("Orthogonal")));
        all.AddRange(Values("Layers[1].Kind", "Layers[1]", S("Conv9"), N(5), null));
        all.AddRange(Values("LossOverride", "LossOverride", N(99), N(-1)));
        all.AddRange(Values("Training.Optimizer.Kind", "Training.Optimizer.Kind", N(42), N(-1)));
        all.AddRange(Values("Training.Optimizer.Schedule.Kind", "Training.Optimizer.Schedule.Kind", N(17)));
        // layer hyperparameters
        all.AddRange(Values("Layers[1].L1", "'L1'", N(-5), N(-0.001)));
        all.AddRange(Values("Layers[1].L2", "'L2'", N(-5), N(-0.001)));
        all.AddRange(Values("Layers[2].Momentum", "'Momentum'", N(-0.1), N(1.5)));
        all.AddRange(Values("Layers[2].Epsilon", "'Epsilon'", N(0), N(-1), N(2)));
        all.AddRange(Values("Layers[3].Rate", "Layers[3]", N(1), N(-0.2), N(1.5)));
        // names: 0, 1 or 5 class names for 3 outputs loaded and predicted wrong labels
        all.AddRange(new[] { 0, 1, 2, 4, 5 }.Select(n => new Mutation($"{n} class names", "ClassNames", Set("ClassNames", Names(n)))));
        all.AddRange(new[] { 0, 3, 5 }.Select(n => new Mutation($"{n} feature names", "FeatureNames", Set("FeatureNames", Names(n)))));
        all.AddRange(Values("InputMean", "InputMean", new JsonArray(N(1), N(2), N(3)), new JsonArray(N(1), N(2), N(3), S("NaN"))));
        all.Add(new Mutation("image of 65536 × 65536 (wraps to 0 in 32 bits)", "ImageFormat",
            Set("ImageFormat", JsonNode.Parse("""{"ColorMode":"Grayscale","Height":65536,"Width":65536}"""))));
        all.Add(new Mutation("image 3×3 for 4 inputs", "ImageFormat",
            Set("ImageFormat", JsonNode.Parse("""{"ColorMode":"Grayscale","Height":3,"Width":3}"""))));
        all.Add(new Mutation("image of height 0", "ImageFormat.Height",
            Set("ImageFormat", JsonNode.Parse("""{"ColorMode":"Grayscale","Height":0,"Width":4}"""))));
        all.Add(new Mutation("image colour mode 7", "ImageFormat.ColorMode",
            Set("ImageFormat", JsonNode.Parse("""{"ColorMode":7,"Height":2,"Width":2}"""))));
        all.Add(new Mutation("encoding of 5 features", "Encoding",
            Set("Encoding", JsonNode.Parse("""{"Columns":[{"Name":"a","Kind":"Numeric"},{"Name":"b","Kind":"Categorical","Categories":["x","y","z","w"]}],"Task":"Classification"}"""))));
        all.Add(new Mutation("encoding task 9", "Encoding.Task",
            Set("Encoding", JsonNode.Parse("""{"Columns":[],"Task":9}"""))));
        // optimizer hyperparameters: LearningRate -1 trained uphill
        all.AddRange(Values($"{o}.LearningRate", $"{o}.LearningRate", N(-1), N(0), S("Infinity"), S("-Infinity"), N(-1e-300)));
        all.AddRange(Values($"{o}.Momentum", $"{o}.Momentum", N(-0.1), N(1.5), S("NaN")));
        all.AddRange(Values($"{o}.Dampening", $"{o}.Dampening", N(-1), N(2)));
        all.AddRange(Values($"{o}.Beta1", $"{o}.Beta1", N(-0.1), N(1.1), S("NaN")));
        all.AddRange(Values($"{o}.Beta2", $"{o}.Beta2", N(2), N(-2)));
        all.AddRange(Values($"{o}.Epsilon", $"{o}.Epsilon", N(0), N(-1), S("Infinity")));
        all.AddRange(Values($"{o}.Rho", $"{o}.Rho", N(2), N(-0.5)));
        all.AddRange(Values($"{o}.InitialAccumulator", $"{o}.InitialAccumulator", N(-1)));
        all.AddRange(Values($"{o}.WeightDecay", $"{o}.WeightDecay", N(-1), S("Infinity")));
        all.AddRange(Values($"{o}.MomentumDecay", $"{o}.MomentumDecay", N(-1)));
        all.AddRange(Values($"{o}.MaxIterations", $"{o}.MaxIterations", N(0), N(10_000_000)));
        all.AddRange(Values($"{o}.ClipNorm", $"{o}.ClipNorm", N(-1), S("NaN")));
        all.AddRange(Values($"{o}.ClipValue", $"{o}.ClipValue", N(-1), S("-Infinity")));
        all.AddRange(Values($"{o}.Schedule.StepSize", $"{o}.Schedule.StepSize", N(0), N(-3)));
        all.AddRange(Values($"{o}.Schedule.Gamma", $"{o}.Schedule.Gamma", N(-0.5), N(2)));
        all.AddRange(Values($"{o}.Schedule.TMax", $"{o}.Schedule.TMax", N(-1)));
        all.AddRange(Values($"{o}.Schedule.MinLearningRate", $"{o}.Schedule.MinLearningRate", N(-1)));
        all.AddRange(Values($"{o}.Schedule.Factor", $"{o}.Schedule.Factor", N(5)));
        all.AddRange(Values($"{o}.Schedule.Patience", $"{o}.Schedule.Patience", N(-1)));
        // optimizer state: StepCount -1 trained on
        all.AddRange(Values($"{os}.StepCount", $"{os}.StepCount", N(-1), N(long.MinValue)));
        all.AddRange(Values($"{os}.Buffers", $"{os}.Buffers", N(5), N(0), N(-1)));
        all.AddRange(Values($"{os}.Schedule.Epoch", $"{os}.Schedule.Epoch", N(-1)));
        all.AddRange(Values($"{os}.Schedule.PlateauRate", $"{os}.Schedule.PlateauRate", N(-1)));
        all.AddRange(Values($"{os}.Schedule.BestLoss", $"{os}.Schedule.BestLoss", S("NaN")));
        all.AddRange(Values($"{os}.Schedule.Waited", $"{os}.Schedule.Waited", N(-1)));
        all.AddRange(Values("Training.TrainingRandom", "Training.TrainingRandom",
            new JsonArray(), new JsonArray(N(1), N(2), N(3)), new JsonArray(N(0), N(0), N(0), N(0))));
        all.AddRange(Values("Training.DropoutRandom", "Training.DropoutRandom", new JsonArray(N(0), N(0), N(0), N(0))));
        // history entries
        all.AddRange(Values("History[0].Epoch", "History[0].Epoch", N(0), N(-1)));
        all.AddRange(Values("History[1].Epoch", "History[1].Epoch", N(1)));
        all.AddRange(Values("History[0].Loss", "History[0].Loss", N(-1)));
        all.AddRange(Values("History[0].Accuracy", "History[0].Accuracy", N(1.5), N(-0.1), S("NaN")));
        all.AddRange(Values("History[1].LearningRate", "History[1].LearningRate", N(-1), S("NaN")));
        all.AddRange(Values("History[0].SamplesPerSecond", "History[0].SamplesPerSecond", N(-1)));
        all.AddRange(Values("History[0].Duration", "History[0].Duration", S("-00:00:01")));
        all.Add(new Mutation("History[1] = null", "History", f => f.Meta["History"]![1] = null));
        // blocks: parameter counts against the shapes, slots against the parameters
        all.Add(new Mutation("one parameter more", "Parameters", f => f.Blocks[0] = f.Blocks[0].Append(0f).ToArray()));
        all.Add(new Mutation("one parameter less", "Parameters", f => f.Blocks[0] = f.Blocks[0][..^1]));
        all.Add(new Mutation("a NaN parameter", "Parameters", f => f.Blocks[0][3] = float.NaN));
        all.Add(new Mutation("an infinite parameter", "Parameters", f => f.Blocks[0][^1] = float.PositiveInfinity));
        all.Add(new Mutation("a normalization state too short", "Layers[0] state", f => f.Blocks[1] = f.Blocks[1][..^1]));
        all.Add(new Mutation("a batch-norm state too long", "Layers[2] state", f => f.Blocks[3] = f.Blocks[3].Append(1f).ToArray()));
        all.Add(new Mutation("an optimizer slot too short", $"{os} buffer", f => f.Blocks[^1] = f.Blocks[^1][..^1]));
        all.Add(new Mutation("both slots too long", $"{os} buffer", f =>
        {
            f.Blocks[^1] = new float[f.Blocks[^1].Length + 10];
            f.Blocks[^2] = new float[f.Blocks[^2].Length + 10];
        }));
        return all;
    }

    [Fact]
    public void AtLeastAHundredCraftedFiles() => Assert.True(Mutations().Count() >= 100, $"{Mutations().Count()} mutations");

    [Fact]
    public void EveryCraftedFileIsRefusedNamingItsFieldQuicklyAndInBoundedMemory()
    {
        byte[] good = Good.Value.File;
        ModelFile.FromBytes(CraftedModelFile.Open(good).Seal()); // warm up: the figures below are the check, not the JIT
        var failures = new List<string>();
        (string Name, double Ms) slowest = ("", 0);
        (string Name, long Bytes) largest = ("", 0);
        int refused = 0;
        foreach (Mutation mutation in Mutations())
        {
            CraftedModelFile file = CraftedModelFile.Open(good);
            mutation.Edit(file);
            byte[] bytes = file.Seal();
            long before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            Exception? error = Record.Exception(() => ModelFile.FromBytes(bytes, "crafted.npsm"));
            double ms = clock.Elapsed.TotalMilliseconds;
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (ms > slowest.Ms) slowest = (mutation.Name, ms);
            if (allocated > largest.Bytes) largest = (mutation.Name, allocated);
            if (error is NeuralPSException { ErrorId: ErrorIds.ModelFileCorrupt } e && e.Message.Contains(mutation.Field, StringComparison.Ordinal))
                refused++;
            else
                failures.Add($"{mutation.Name}: {(error is null ? "loaded" : $"{error.GetType().Name} {(error as NeuralPSException)?.ErrorId}: {error.Message}")}");
            if (allocated > MemoryBound) failures.Add($"{mutation.Name}: allocated {allocated:N0} bytes");
        }
        _output.WriteLine($"{refused} crafted files refused; slowest {slowest.Ms:F2} ms ({slowest.Name}); " +
            $"most allocated {largest.Bytes:N0} bytes ({largest.Name})");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void TheGoodFileResealedLoadsAndResumesBitIdentically()
    {
        Network original = TrainedNetwork();
        byte[] bytes = ModelFile.ToBytes(original);
        Network loaded = ModelFile.FromBytes(CraftedModelFile.Open(bytes).Seal());
        Assert.Equal(bytes, ModelFile.ToBytes(loaded));
        Train(original, 2);
        Train(loaded, 2);
        Assert.Equal(original.Parameters, loaded.Parameters);
        Assert.Equal(original.History.Select(h => h.Loss), loaded.History.Select(h => h.Loss));
    }

    [Fact]
    public void ANumberedActivationNamesTheFieldNotARawException()
    {
        CraftedModelFile file = CraftedModelFile.Open(Good.Value.File);
        file.Meta["Layers"]![4]!["Activation"] = "999";
        var e = Assert.Throws<NeuralPSException>(() => ModelFile.FromBytes(file.Seal(), "crafted.npsm"));
        Assert.Equal(ErrorIds.ModelFileCorrupt, e.ErrorId);
        Assert.Contains("Layers[4]", e.Message);
        Assert.Contains("setting 'Activation' is '999'", e.Message);
    }
}
