using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Onnx;
using NeuralPS.Core.Onnx.Proto;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Training;
using Xunit;
using static NeuralPS.Core.Tests.Onnx.TestGraph;

namespace NeuralPS.Core.Tests.Onnx;

/// <summary>
/// ONNX in: models exported by PyTorch (checked in under tests/onnx-import, and exported afresh where PyTorch is
/// installed) predict what PyTorch predicted; NeuralPS's own exports come back the same; graphs written as other
/// exporters write them predict what ONNX Runtime computes from the same bytes; what cannot be imported is refused
/// with an error that names it.
/// </summary>
public sealed class OnnxImportTests : IDisposable
{
    private const float Tolerance = 1e-5f;
    private readonly string _folder = Directory.CreateTempSubdirectory("neuralps-onnx-in-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // ---- PyTorch ----

    [Fact]
    public void PyTorchMlpPredictsWhatPyTorchPredicted()
    {
        Network net = ModelFile.Read(TorchFile("torch-mlp.onnx"));
        AssertPredictsAsRecorded(net, TorchFile("torch-mlp.json"));

        Assert.Equal("torch-mlp", net.Name);
        Assert.Equal(4, net.InputSize);
        Assert.Equal(new[] { "Dense", "BatchNorm", "Dense" }, net.Layers.Select(l => l.Kind));
        Assert.Equal(new[] { Activation.Relu, Activation.Linear, Activation.Softmax }, net.Layers.Select(l => l.Activation));
        var batchNorm = (BatchNormLayer)net.Layers[1];
        Assert.Equal(0.1f, batchNorm.Momentum); // PyTorch's momentum 0.1, written as ONNX's 0.9
        Assert.Equal(1e-5f, batchNorm.Epsilon);
        Assert.Contains(batchNorm.RunningVariance.ToArray(), v => v != 1f); // trained statistics, not the initial ones
        Assert.Equal(LossKind.CategoricalCrossEntropy, net.Loss);
        Assert.Null(net.ClassNames);
        Assert.Null(net.FeatureNames);
    }

    [Fact]
    public void PyTorchGeluAndSiluOnA3DInputPredictWhatPyTorchPredicted()
    {
        Network net = ModelFile.Read(TorchFile("torch-gelu.onnx"));
        AssertPredictsAsRecorded(net, TorchFile("torch-gelu.json"));
        Assert.Equal(6, net.InputSize); // [5, 2, 3], flattened by the graph's Flatten
        Assert.Equal(new[] { Activation.Gelu, Activation.Swish, Activation.Sigmoid }, net.Layers.Select(l => l.Activation));
        Assert.Equal(LossKind.BinaryCrossEntropy, net.Loss);
    }

    [Fact]
    public void OnnxRuntimeComputesWhatTheImportedPyTorchModelsPredict()
    {
        float[] rows = RandomRows(new Random(3), 64, 4, scale: 4f, shift: 3f);
        Network mlp = ModelFile.Read(TorchFile("torch-mlp.onnx"));
        AssertClose(RunOnnx(File.ReadAllBytes(TorchFile("torch-mlp.onnx")), rows, 64, new[] { 4 }), mlp.Predict(rows, 64));

        // A fixed batch of 5 rows shaped [2, 3]: ONNX Runtime takes exactly that.
        Network gelu = ModelFile.Read(TorchFile("torch-gelu.onnx"));
        float[] five = RandomRows(new Random(4), 5, 6, scale: 3f, shift: 0f);
        AssertClose(RunOnnx(File.ReadAllBytes(TorchFile("torch-gelu.onnx")), five, 5, new[] { 2, 3 }), gelu.Predict(five, 5));
    }

    [SkippableFact]
    public void AFreshPyTorchExportImportsAndPredictsWhatPyTorchPredicts()
    {
        Skip.IfNot(HasPyTorch(out string why), why);
        string output = Path.Combine(_folder, "torch");
        Run("/usr/bin/python3", Path.Combine(TorchFolder, "make_torch_onnx.py"), output);
        foreach (string name in new[] { "torch-mlp", "torch-gelu" })
            AssertPredictsAsRecorded(ModelFile.Read(Path.Combine(output, name + ".onnx")), Path.Combine(output, name + ".json"));
        var e = Assert.Throws<NeuralPSException>(() => ModelFile.Read(Path.Combine(output, "torch-conv.onnx")));
        Assert.Equal(ErrorIds.OnnxUnsupportedOperator, e.ErrorId);
    }

    [Fact]
    public void APyTorchConvolutionalNetworkIsRefusedNamingItsOperators()
    {
        string path = TorchFile("torch-conv.onnx");
        var e = Assert.Throws<NeuralPSException>(() => ModelFile.Read(path));
        Assert.Equal(ErrorIds.OnnxUnsupportedOperator, e.ErrorId);
        Assert.Equal(ErrorKind.NotSupported, e.Kind);
        Assert.Equal(new[] { "Conv", "MaxPool" }, (string[])e.Target!);
        Assert.Contains("Conv (node '/0/Conv'), MaxPool (node '/2/MaxPool')", e.Message);
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain("Gemm (", e.Message);
    }

    [Fact]
    public void TheImportedPyTorchMlpHasPyTorchsLossOnIrisAndTrainsFurther()
    {
        Network net = ModelFile.Read(TorchFile("torch-mlp.onnx"));
        Dataset iris = SampleDatasets.Iris();
        double pytorchLoss = RecordOf(TorchFile("torch-mlp.json")).GetProperty("irisLoss").GetDouble();
        double before = Evaluator.Evaluate(net, iris).Loss;
        Assert.Equal(pytorchLoss, before, 1e-5);

        net.OptimizerSettings = new Optimizers.OptimizerSettings { Kind = Optimizers.OptimizerKind.Adam, LearningRate = 0.01 };
        EpochResult[] epochs = new Trainer(net, iris, null, new TrainingOptions { Epochs = 30, BatchSize = 16, Seed = 1 }).Run().ToArray();
        double after = Evaluator.Evaluate(net, iris).Loss;
        Assert.True(after < before * 0.5, $"loss {before} before training, {after} after 30 epochs");
        Assert.Equal(iris.ClassNames, net.ClassNames); // taken from the data it trained on
        Assert.Equal(30, net.History.Count);
        Assert.All(epochs, e => Assert.True(double.IsFinite(e.Loss)));
    }

    // ---- NeuralPS's own exports ----

    public static IEnumerable<object[]> HiddenActivations() =>
        Enum.GetValues<Activation>().Where(a => a != Activation.Softmax).Select(a => new object[] { a });

    [Theory]
    [MemberData(nameof(HiddenActivations))]
    public void AnExportedClassifierComesBackPredictingTheSame(Activation activation)
    {
        Dataset iris = SampleDatasets.Iris();
        var net = new Network(4, $"iris-{activation}", seed: 3);
        net.Add(new NormalizationLayer());
        net.Add(new DenseLayer(12, activation));
        net.Add(new BatchNormLayer(activation, momentum: 0.3f, epsilon: 1e-3f));
        net.Add(new DropoutLayer(0.2f));
        net.Add(new DenseLayer(8, activation));
        net.Add(new BatchNormLayer());
        net.Add(new DenseLayer(3, Activation.Softmax));
        Train(net, iris);

        Network back = OnnxImporter.FromBytes(OnnxExporter.ToBytes(net));
        AssertSameNetwork(net, back);
        float[] rows = RandomRows(new Random(5), 256, 4, scale: 5f, shift: 3f);
        AssertClose(net.Predict(rows, 256), back.Predict(rows, 256), 1e-6f);
        Assert.Equal(iris.ClassNames, back.ClassNames);
        Assert.Equal(iris.FeatureNames, back.FeatureNames);
        Assert.Equal(LossKind.CategoricalCrossEntropy, back.Loss);
    }

    [Fact]
    public void AnExportedRegressorAndABinaryClassifierComeBackWithTheirLosses()
    {
        var regressor = new Network(3, "regressor", seed: 4);
        regressor.Add(new DenseLayer(6, Activation.Tanh));
        regressor.Add(new DenseLayer(2, Activation.Linear));
        Network back = OnnxImporter.FromBytes(OnnxExporter.ToBytes(regressor));
        AssertSameNetwork(regressor, back);
        Assert.Equal(LossKind.MeanSquaredError, back.Loss);

        var binary = new Network(3, "binary", seed: 5) { ClassNames = new[] { "no", "yes" } };
        binary.Add(new DenseLayer(4, Activation.Elu));
        binary.Add(new DenseLayer(1, Activation.Sigmoid));
        back = OnnxImporter.FromBytes(OnnxExporter.ToBytes(binary));
        Assert.Equal(LossKind.BinaryCrossEntropy, back.Loss);
        Assert.Equal(new[] { "no", "yes" }, back.ClassNames);
        float[] rows = RandomRows(new Random(6), 32, 3, scale: 3f, shift: 0f);
        AssertClose(binary.Predict(rows, 32), back.Predict(rows, 32), 1e-6f);
    }

    [Fact]
    public void ExportingAnImportedNetworkWritesTheSameBytes()
    {
        var net = new Network(4, "twice", seed: 7);
        net.Add(new NormalizationLayer());
        net.Add(new DenseLayer(5, Activation.Gelu));
        net.Add(new BatchNormLayer(Activation.Swish));
        net.Add(new DenseLayer(3, Activation.Softmax));
        Train(net, SampleDatasets.Iris());
        byte[] once = OnnxExporter.ToBytes(net);
        Assert.Equal(once, OnnxExporter.ToBytes(OnnxImporter.FromBytes(once)));
    }

    // ---- graphs as other exporters write them, against ONNX Runtime ----

    [Fact]
    public void AKerasStyleGraphOfMatMulAndAddReadsAsDenseLayers()
    {
        var random = new Random(10);
        var g = new TestGraph(opset: 13, input: "dense_input", dims: new object[] { "unk__6", 5 });
        g.Node("MatMul", new[] { null, g.Random(random, 5, 8) });
        g.Node("Add", new[] { null, g.Random(random, 8) });
        g.Node("Relu");
        g.Node("Identity");
        g.Node("Reshape", new[] { null, g.Ints(-1, 8) });
        g.Node("MatMul", new[] { null, g.Random(random, 8, 3) });
        g.Node("Add", new[] { g.Random(random, 1, 3), null }); // the bias first, shaped [1, 3]
        g.Node("Softmax"); // opset 13: axis -1 by default
        byte[] bytes = g.Finish(3);

        Network net = OnnxImporter.FromBytes(bytes);
        Assert.Equal(new[] { "Dense", "Dense" }, net.Layers.Select(l => l.Kind));
        Assert.Equal(new[] { Activation.Relu, Activation.Softmax }, net.Layers.Select(l => l.Activation));
        AssertMatchesRuntime(net, bytes, "dense_input", 5);
    }

    [Theory]
    [InlineData(0, 1f, 1f, "vector")]
    [InlineData(1, 1f, 1f, "vector")]
    [InlineData(1, 0.5f, 2f, "row")]
    [InlineData(0, -1.5f, 0.25f, "scalar")]
    [InlineData(1, 2f, 1f, "none")]
    public void GemmReadsItsTransposeAlphaBetaAndBias(int transB, float alpha, float beta, string bias)
    {
        var random = new Random(11);
        var g = new TestGraph(opset: 13);
        string w = g.Random(random, transB == 1 ? new long[] { 6, 4 } : new long[] { 4, 6 });
        string?[] inputs = bias switch
        {
            "vector" => new[] { null, w, g.Random(random, 6) },
            "row" => new[] { null, w, g.Random(random, 1, 6) },
            "scalar" => new[] { null, w, g.Random(random) },
            _ => new[] { null, w },
        };
        g.Node("Gemm", inputs, Float("alpha", alpha), Float("beta", beta), Int("transB", transB));
        g.Node("Tanh");
        byte[] bytes = g.Finish(6);
        Network net = OnnxImporter.FromBytes(bytes);
        Assert.Equal(Activation.Tanh, Assert.Single(net.Layers).Activation);
        AssertMatchesRuntime(net, bytes, "x", 4);
    }

    [Fact]
    public void DropoutNodesBecomeDropoutLayersOfTheirRatio()
    {
        var random = new Random(12);
        var g = new TestGraph(opset: 13);
        g.Node("Gemm", new[] { null, g.Random(random, 4, 6), g.Random(random, 6) });
        g.Node("Dropout", new[] { null, g.Weight(new[] { 0.3f }, Array.Empty<long>()) });
        g.Node("Relu"); // after the dropout: read as the dense layer's (the same when predicting)
        g.Node("Gemm", new[] { null, g.Random(random, 6, 2), g.Random(random, 2) });
        g.Node("Dropout", new[] { null, g.Weight(new[] { 0f }, Array.Empty<long>()) }); // rate 0: nothing
        byte[] bytes = g.Finish(2);
        Network net = OnnxImporter.FromBytes(bytes);
        Assert.Equal(new[] { "Dense", "Dropout", "Dense" }, net.Layers.Select(l => l.Kind));
        Assert.Equal(Activation.Relu, net.Layers[0].Activation);
        Assert.Equal(0.3f, ((DropoutLayer)net.Layers[1]).Rate);
        AssertMatchesRuntime(net, bytes, "x", 4);

        // before opset 12 the ratio is an attribute
        var old = new TestGraph(opset: 11);
        old.Node("Dropout", Float("ratio", 0.25f));
        old.Node("Gemm", new[] { null, old.Random(random, 4, 2) });
        Network first = OnnxImporter.FromBytes(old.Finish(2));
        Assert.Equal(0.25f, ((DropoutLayer)first.Layers[0]).Rate);
    }

    [Fact]
    public void ConstantsBeforeTheFirstLayerBecomeTheNormalizationLayer()
    {
        var random = new Random(13);
        var g = new TestGraph(opset: 13);
        g.Node("Sub", new[] { null, g.Weight(new[] { 1f, -2f, 3f, 0.5f }, new long[] { 4 }) });
        g.Node("Mul", new[] { g.Scalar(2f), null });
        g.Node("Div", new[] { null, g.Weight(new[] { 4f, 0.5f, 8f, 2f }, new long[] { 1, 4 }) });
        g.Node("Gemm", new[] { null, g.Random(random, 4, 3), g.Random(random, 3) });
        g.Node("Sigmoid");
        byte[] bytes = g.Finish(3);
        Network net = OnnxImporter.FromBytes(bytes);
        var normalization = Assert.IsType<NormalizationLayer>(net.Layers[0]);
        Assert.False(normalization.NeedsAdapting); // training keeps these statistics
        Assert.Equal(new[] { 1f, -2f, 3f, 0.5f }, normalization.Mean.ToArray());
        Assert.Equal(new[] { 2f, 0.25f, 4f, 1f }, normalization.StandardDeviation.ToArray());
        AssertMatchesRuntime(net, bytes, "x", 4);
    }

    [Fact]
    public void ConstantsAfterADenseLayerFoldIntoItsWeightsAndBias()
    {
        var random = new Random(14);
        var g = new TestGraph(opset: 13);
        g.Node("MatMul", new[] { null, g.Random(random, 4, 3) });
        g.Node("Mul", new[] { null, g.Weight(new[] { 2f, -1f, 0.5f }, new long[] { 3 }) });
        g.Node("Add", new[] { null, g.Scalar(0.25f) });
        g.Node("Div", new[] { null, g.Weight(new[] { 4f }, new long[] { 1 }) });
        g.Node("Sub", new[] { null, g.Random(random, 3) });
        g.Node("Elu");
        byte[] bytes = g.Finish(3);
        Network net = OnnxImporter.FromBytes(bytes);
        Assert.Equal(Activation.Elu, Assert.Single(net.Layers).Activation);
        AssertMatchesRuntime(net, bytes, "x", 4);
    }

    [Fact]
    public void OldFilesWithFloatDataInitializersListedAsInputsAndConstantScalarsRead()
    {
        // IR 3 (ONNX 1.2) lists every initializer among the graph's inputs; weights in float_data; swish spelled σ(x)·x.
        var random = new Random(15);
        var g = new TestGraph(opset: 8, irVersion: 3);
        var w = new float[12];
        for (int i = 0; i < w.Length; i++) w[i] = (float)(random.NextDouble() - 0.5);
        string weights = g.Weight(w, new long[] { 4, 3 }, floatData: true);
        string bias = g.Weight(new[] { 0.1f, 0.2f, 0.3f }, new long[] { 3 }, floatData: true);
        g.Graph.Input.Add(Value(weights, TensorProto.Types.DataType.Float, new object[] { 4, 3 }));
        g.Graph.Input.Add(Value(bias, TensorProto.Types.DataType.Float, new object[] { 3 }));
        string data = g.Node("Gemm", new[] { null, weights, bias });
        string sigmoid = g.Node("Sigmoid");
        g.Node("Mul", new[] { sigmoid, data });
        g.Node("Mul", new[] { null, g.Scalar(1f, asTensor: true) }); // times one: still swish
        byte[] bytes = g.Finish(3);
        Network net = OnnxImporter.FromBytes(bytes);
        Assert.Equal(Activation.Swish, Assert.Single(net.Layers).Activation);
        AssertMatchesRuntime(net, bytes, "x", 4);
    }

    [Fact]
    public void AnImageShapedInputFlattenedByReshapeReads()
    {
        var random = new Random(16);
        var g = new TestGraph(opset: 14, dims: new object[] { "batch", 1, 2, 3 });
        g.Node("Reshape", new[] { null, g.Ints(-1, 6) });
        g.Node("Gemm", new[] { null, g.Random(random, 3, 6), g.Random(random, 3) }, Int("transB", 1));
        g.Node("LeakyRelu", Float("alpha", 0.01f));
        g.Node("Gemm", new[] { null, g.Random(random, 3, 2), g.Random(random, 2) });
        g.Node("Softplus");
        byte[] bytes = g.Finish(2);
        Network net = OnnxImporter.FromBytes(bytes);
        Assert.Equal(6, net.InputSize);
        Assert.Equal(new[] { Activation.LeakyRelu, Activation.Softplus }, net.Layers.Select(l => l.Activation));
        float[] rows = RandomRows(new Random(17), 32, 6, scale: 4f, shift: 0f);
        AssertClose(RunOnnx(bytes, rows, 32, new[] { 1, 2, 3 }, "x"), net.Predict(rows, 32));
    }

    // ---- what is refused ----

    public static IEnumerable<object[]> Refused()
    {
        var random = new Random(20);
        object[] Case(string errorId, string fragment, Action<TestGraph> build, long opset = 17, long ir = 8, object[]? dims = null,
            Action<TestGraph>? after = null)
        {
            var g = new TestGraph(opset, ir, dims: dims ?? Array.Empty<object>());
            build(g);
            g.Finish(3);
            after?.Invoke(g);
            return new object[] { errorId, fragment, g.Model.ToByteArray() };
        }
        void Dense(TestGraph g, int inputs = 4, int units = 3) => g.Node("Gemm", new[] { null, g.Random(random, inputs, units), g.Random(random, units) });

        yield return Case(ErrorIds.OnnxUnsupportedOperator, "LogSoftmax (node 'logsoftmax", g => { Dense(g); g.Node("LogSoftmax", Int("axis", 1)); });
        yield return Case(ErrorIds.OnnxUnsupportedOperator, "com.microsoft.FusedGemm", g =>
        {
            g.Node("FusedGemm", new[] { null, g.Random(random, 4, 3) });
            g.Graph.Node[^1].Domain = "com.microsoft";
        });
        yield return Case(ErrorIds.OnnxUnsupportedModel, "goes to 2 nodes", g =>
        {
            string input = g.Current;
            Dense(g, 4, 4);
            g.Node("Add", new[] { null, input }); // a residual connection
        });
        yield return Case(ErrorIds.OnnxUnsupportedModel, "transA=1", g => g.Node("Gemm", new[] { null, g.Random(random, 4, 3) }, Int("transA", 1)));
        yield return Case(ErrorIds.OnnxUnsupportedModel, "(LeakyRelu, alpha=0.2)", g => { Dense(g); g.Node("LeakyRelu", Float("alpha", 0.2f)); });
        yield return Case(ErrorIds.OnnxUnsupportedModel, "approximate=tanh", g => { Dense(g); g.Node("Gelu", Text("approximate", "tanh")); }, opset: 20);
        yield return Case(ErrorIds.OnnxUnsupportedModel, "training mode", g =>
        {
            Dense(g);
            g.Node("BatchNormalization", new[] { null, g.Random(random, 3), g.Random(random, 3), g.Random(random, 3), g.Random(random, 3) }, Int("training_mode", 1));
        });
        yield return Case(ErrorIds.OnnxUnsupportedModel, "epsilon above 0", g =>
        {
            Dense(g);
            g.Node("BatchNormalization", new[] { null, g.Random(random, 3), g.Random(random, 3), g.Random(random, 3), g.Random(random, 3) }, Float("epsilon", 0f));
        });
        yield return Case(ErrorIds.OnnxUnsupportedModel, "after the softmax", g => { Dense(g); g.Node("Softmax"); Dense(g, 3, 3); });
        yield return Case(ErrorIds.OnnxUnsupportedModel, "before the first layer", g => { g.Node("Relu"); g.Node("MatMul", new[] { null, g.Random(random, 4, 3) }); });
        yield return Case(ErrorIds.OnnxUnsupportedModel, "a NeuralPS layer has one activation", g => { Dense(g); g.Node("Relu"); g.Node("Sigmoid"); });
        yield return Case(ErrorIds.OnnxUnsupportedModel, "flattens at axis 0", g => { g.Node("Flatten", Int("axis", 0)); Dense(g); });
        yield return Case(ErrorIds.OnnxUnsupportedModel, "reshapes the data to [2, -1]", g => { g.Node("Reshape", new[] { null, g.Ints(2, -1) }); Dense(g); });
        yield return Case(ErrorIds.OnnxUnsupportedModel, "2 inputs", g =>
        {
            g.Graph.Input.Add(Value("y", TensorProto.Types.DataType.Float, new object[] { "N", 4 }));
            Dense(g);
        });
        yield return Case(ErrorIds.OnnxUnsupportedModel, "holds int64 values", g =>
        {
            g.Graph.Input[0].Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Int64;
            Dense(g);
        });
        yield return Case(ErrorIds.OnnxUnsupportedModel, "every dimension but the first", g => Dense(g), dims: new object[] { "N", "features" });
        yield return Case(ErrorIds.OnnxUnsupportedModel, "holds float16 values", g =>
        {
            Dense(g);
            g.Graph.Initializer[0].DataType = (int)TensorProto.Types.DataType.Float16;
        });
        yield return Case(ErrorIds.OnnxUnsupportedModel, "in another file", g =>
        {
            Dense(g);
            g.Graph.Initializer[0].DataLocation = TensorProto.Types.DataLocation.External;
        });
        yield return Case(ErrorIds.OnnxUnsupportedVersion, "IR version 2, older", g => Dense(g), ir: 2);
        yield return Case(ErrorIds.OnnxUnsupportedVersion, "IR version 12, newer", g => Dense(g), ir: 12);
        yield return Case(ErrorIds.OnnxUnsupportedVersion, "version 6 of the ONNX operator set", g => Dense(g), opset: 6);
        yield return Case(ErrorIds.OnnxUnsupportedVersion, "version 24 of the ONNX operator set", g => Dense(g), opset: 24);
        yield return Case(ErrorIds.ModelFileCorrupt, "multiplies 4 values a row by a weight", g => g.Node("Gemm", new[] { null, g.Random(random, 5, 3) }));
        yield return Case(ErrorIds.ModelFileCorrupt, "has 40 bytes where its shape needs 48", g =>
        {
            Dense(g);
            g.Graph.Initializer[0].RawData = ByteString.CopyFrom(new byte[40]);
        });
        yield return Case(ErrorIds.ModelFileCorrupt, "neither stores nor computes", g => g.Node("Gemm", new[] { null, "nowhere" }));
        yield return Case(ErrorIds.ModelFileCorrupt, "never reaches its output 'elsewhere'", g => Dense(g), after: g =>
        {
            g.Graph.Output.Clear();
            g.Graph.Output.Add(Value("elsewhere", TensorProto.Types.DataType.Float, new object[] { "N", 3 }));
        });
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void WhatCannotBeImportedIsANamedError(string errorId, string fragment, byte[] model)
    {
        var e = Assert.Throws<NeuralPSException>(() => ModelFile.FromBytes(model, "/models/m.onnx"));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Contains(fragment, e.Message);
        Assert.Contains("'/models/m.onnx'", e.Message);
        Assert.Equal(errorId == ErrorIds.ModelFileCorrupt ? ErrorKind.InvalidFile : ErrorKind.NotSupported, e.Kind);
    }

    [Fact]
    public void EveryTruncationOfAnOnnxFileIsModelFileCorrupt()
    {
        byte[] bytes = File.ReadAllBytes(TorchFile("torch-mlp.onnx"));
        for (int length = 0; length < bytes.Length; length++)
        {
            var e = Assert.Throws<NeuralPSException>(() => ModelFile.FromBytes(bytes[..length], "cut.onnx"));
            Assert.True(e.ErrorId == ErrorIds.ModelFileCorrupt, $"cut at {length} of {bytes.Length} bytes: {e.ErrorId}: {e.Message}");
        }
    }

    [Fact]
    public void ForeignBytesUnderAnOnnxNameAreModelFileCorrupt()
    {
        var random = new Random(21);
        var noise = new byte[4096];
        random.NextBytes(noise);
        noise[0] = 0x08; // an ONNX model's first byte
        foreach (byte[] bytes in new[] { noise, System.Text.Encoding.UTF8.GetBytes("not a model\n"), Array.Empty<byte>() })
        {
            string path = Path.Combine(_folder, "foreign.onnx");
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<NeuralPSException>(() => ModelFile.Read(path));
            Assert.Equal(ErrorIds.ModelFileCorrupt, e.ErrorId);
            Assert.Contains("cannot be read as an ONNX model", e.Message);
        }
    }

    // ---- helpers ----

    /// <summary>tests/onnx-import of the repository the test assembly was built in.</summary>
    private static string TorchFolder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "tests", "onnx-import");
                if (Directory.Exists(candidate)) return candidate;
            }
            throw new DirectoryNotFoundException($"No tests/onnx-import folder in a repository above {AppContext.BaseDirectory}.");
        }
    }

    private static string TorchFile(string name) => Path.Combine(TorchFolder, name);

    private static JsonElement RecordOf(string json) => JsonDocument.Parse(File.ReadAllText(json)).RootElement;

    /// <summary>The network's predictions for the recorded inputs are PyTorch's, to 1e-5.</summary>
    private static void AssertPredictsAsRecorded(Network net, string json)
    {
        JsonElement record = RecordOf(json);
        int rows = record.GetProperty("rows").GetInt32();
        float[] inputs = record.GetProperty("inputs").EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(v => v.GetSingle()).ToArray();
        float[] expected = record.GetProperty("outputs").EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(v => v.GetSingle()).ToArray();
        Assert.Equal(rows * net.InputSize, inputs.Length);
        AssertClose(expected, net.Predict(inputs, rows));
    }

    private static void AssertSameNetwork(Network expected, Network actual)
    {
        Layer[] layers = expected.Layers.Where(l => l is not DropoutLayer).ToArray(); // exported as Identity
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.InputSize, actual.InputSize);
        Assert.Equal(layers.Select(l => l.Kind), actual.Layers.Select(l => l.Kind));
        Assert.Equal(layers.Select(l => l.Activation), actual.Layers.Select(l => l.Activation));
        for (int i = 0; i < layers.Length; i++)
        {
            Assert.Equal(expected.ParametersOf(layers[i]).ToArray(), actual.ParametersOf(actual.Layers[i]).ToArray());
            Assert.Equal(layers[i].State, actual.Layers[i].State);
            if (layers[i] is BatchNormLayer batchNorm)
            {
                var back = (BatchNormLayer)actual.Layers[i];
                Assert.Equal(batchNorm.Momentum, back.Momentum);
                Assert.Equal(batchNorm.Epsilon, back.Epsilon);
            }
        }
    }

    private static void Train(Network net, Dataset data)
    {
        net.OptimizerSettings = new Optimizers.OptimizerSettings { Kind = Optimizers.OptimizerKind.Adam, LearningRate = 0.01 };
        foreach (EpochResult _ in new Trainer(net, data, null, new TrainingOptions { Epochs = 5, BatchSize = 32, Seed = 1 }).Run()) { }
    }

    /// <summary>ONNX Runtime and the imported network agree on 64 random rows.</summary>
    private static void AssertMatchesRuntime(Network net, byte[] model, string inputName, int features)
    {
        float[] rows = RandomRows(new Random(30), 64, features, scale: 3f, shift: 0.5f);
        AssertClose(RunOnnx(model, rows, 64, new[] { features }, inputName), net.Predict(rows, 64));
    }

    /// <summary>ONNX Runtime's outputs for rows shaped <paramref name="shape"/> (without the batch dimension).</summary>
    private static float[] RunOnnx(byte[] model, float[] inputs, int rows, int[] shape, string inputName = "features")
    {
        using var session = new InferenceSession(model);
        var tensor = new DenseTensor<float>(inputs, new[] { rows }.Concat(shape).ToArray());
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(inputName, tensor) });
        return Assert.Single(results).AsTensor<float>().ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual, float tolerance = Tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"output {i}: expected {expected[i]:R}, NeuralPS {actual[i]:R} (difference {Math.Abs(expected[i] - actual[i]):E2})");
    }

    private static float[] RandomRows(Random random, int rows, int features, float scale, float shift)
    {
        var values = new float[rows * features];
        for (int i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * scale + shift);
        return values;
    }

    private static bool HasPyTorch(out string why)
    {
        why = "";
        if (!File.Exists("/usr/bin/python3"))
        {
            why = "/usr/bin/python3 is not installed (apt-get install -y python3-torch brings it and PyTorch)";
            return false;
        }
        var start = new ProcessStartInfo("/usr/bin/python3", new[] { "-c", "import torch" }) { RedirectStandardError = true, RedirectStandardOutput = true };
        using Process process = Process.Start(start)!;
        process.WaitForExit();
        if (process.ExitCode == 0) return true;
        why = "/usr/bin/python3 has no PyTorch (apt-get install -y python3-torch)";
        return false;
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true };
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed:\n{output}");
    }
}
