using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>The model file: exact round trips (predictions and resumed training), and every kind of bad file refused.</summary>
public class ModelFileTests
{
    private static Network IrisNetwork(OptimizerKind optimizer = OptimizerKind.Adam, double momentum = 0)
    {
        var net = new Network(4, "iris", seed: 7);
        net.Add(new NormalizationLayer());
        net.Add(new DenseLayer(12, Activation.Relu));
        net.Add(new BatchNormLayer(Activation.Tanh));
        net.Add(new DropoutLayer(0.2f));
        net.Add(new DenseLayer(3, Activation.Softmax, l2: 1e-4f));
        net.OptimizerSettings = new OptimizerSettings { Kind = optimizer, LearningRate = 0.01, Momentum = momentum };
        return net;
    }

    private static void Train(Network net, Dataset data, int epochs) =>
        new Trainer(net, data, null, new TrainingOptions { Epochs = epochs, BatchSize = 16 }).Run().ToList();

    private static Network RoundTrip(Network net) => ModelFile.FromBytes(ModelFile.ToBytes(net));

    private static byte[] SavedIris()
    {
        Network net = IrisNetwork();
        Train(net, SampleDatasets.Iris(), 2);
        return ModelFile.ToBytes(net);
    }

    [Fact]
    public void ALoadedNetworkPredictsTheSameBits()
    {
        Dataset iris = SampleDatasets.Iris();
        Network net = IrisNetwork();
        Train(net, iris, 3);
        Network loaded = RoundTrip(net);

        Assert.Equal(net.Predict(iris.Features, iris.Rows), loaded.Predict(iris.Features, iris.Rows));
        Assert.Equal(net.Parameters, loaded.Parameters);
        for (int i = 0; i < net.Layers.Count; i++)
        {
            Assert.Equal(net.Layers[i].GetType(), loaded.Layers[i].GetType());
            Assert.Equal(net.Layers[i].State, loaded.Layers[i].State);
            Assert.Equal(net.Layers[i].Describe(), loaded.Layers[i].Describe());
        }
        Assert.True(((NormalizationLayer)loaded.Layers[0]).IsAdapted);
        Assert.Equal("iris", loaded.Name);
        Assert.Equal(net.Seed, loaded.Seed);
        Assert.Equal(net.ClassNames, loaded.ClassNames);
        Assert.Equal(net.FeatureNames, loaded.FeatureNames);
        Assert.Equal(net.OptimizerSettings, loaded.OptimizerSettings);
        Assert.Equal(net.History.Select(h => (h.Epoch, h.Loss, h.Accuracy, h.LearningRate, h.Duration)),
            loaded.History.Select(h => (h.Epoch, h.Loss, h.Accuracy, h.LearningRate, h.Duration)));
        Assert.Equal(net.ToSummary(), loaded.ToSummary());
    }

    [Theory]
    [InlineData(OptimizerKind.Adam, 0.0)]
    [InlineData(OptimizerKind.AdamW, 0.0)]
    [InlineData(OptimizerKind.Nadam, 0.0)]
    [InlineData(OptimizerKind.Sgd, 0.9)]
    [InlineData(OptimizerKind.RmsProp, 0.5)]
    [InlineData(OptimizerKind.AdaGrad, 0.0)]
    public void ResumedTrainingEqualsUninterruptedTraining(OptimizerKind optimizer, double momentum)
    {
        Dataset iris = SampleDatasets.Iris();
        Network uninterrupted = IrisNetwork(optimizer, momentum);
        Train(uninterrupted, iris, 6);

        Network first = IrisNetwork(optimizer, momentum);
        Train(first, iris, 3);
        string path = Path.Combine(Path.GetTempPath(), $"npsm-test-{Guid.NewGuid():N}.npsm");
        try
        {
            ModelFile.Write(first, path);
            Network resumed = ModelFile.Read(path);
            Train(resumed, iris, 3);

            Assert.Equal(uninterrupted.Parameters, resumed.Parameters);
            for (int i = 0; i < uninterrupted.Layers.Count; i++) Assert.Equal(uninterrupted.Layers[i].State, resumed.Layers[i].State);
            Assert.Equal(uninterrupted.Optimizer!.StepCount, resumed.Optimizer!.StepCount);
            for (int b = 0; b < uninterrupted.Optimizer.StateBuffers.Length; b++)
                Assert.Equal(uninterrupted.Optimizer.StateBuffers[b], resumed.Optimizer.StateBuffers[b]);
            Assert.Equal(uninterrupted.History.Select(h => (h.Epoch, h.Loss)), resumed.History.Select(h => (h.Epoch, h.Loss)));
            Assert.Equal(uninterrupted.TrainingRandom.GetState(), resumed.TrainingRandom.GetState());
            Assert.Equal(uninterrupted.DropoutRandom.GetState(), resumed.DropoutRandom.GetState());
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void TheEncodingTravelsWithTheModel()
    {
        var builder = new DatasetBuilder(new[] { "Size", "Color", "Fresh" }, "Fruit");
        object[][] rows =
        {
            new object[] { "1.5", "red", true, "apple" }, new object[] { 2.5, "green", "False", "pear" },
            new object[] { 3, "blue", false, "apple" }, new object[] { "0.5", "red", "true", "plum" },
        };
        foreach (object[] row in rows)
        {
            for (int c = 0; c < row.Length; c++) builder.Add(c, row[c]);
            builder.EndRow();
        }
        Dataset data = builder.Build();
        var net = new Network(data.FeatureCount, seed: 1);
        net.Add(new DenseLayer(3, Activation.Softmax));
        Train(net, data, 1);

        Network loaded = RoundTrip(net);
        FeatureEncoding encoding = loaded.FeatureEncoding!;
        Assert.Equal(new[] { "Size", "Color=blue", "Color=green", "Color=red", "Fresh" }, encoding.FeatureNames);
        Assert.Equal(new[] { ColumnKind.Numeric, ColumnKind.Categorical, ColumnKind.Boolean }, encoding.Columns.Select(c => c.Kind));
        Assert.Equal(new[] { "apple", "pear", "plum" }, encoding.ClassNames);
        Assert.Equal("Fruit", encoding.LabelName);
        Assert.Equal(DatasetTask.Classification, encoding.Task);
        var features = new float[5];
        var record = new Dictionary<string, object?> { ["Size"] = "2", ["Color"] = "green", ["Fresh"] = "True" };
        encoding.Encode(n => (record.ContainsKey(n), record.GetValueOrDefault(n)), features, "Record 1");
        Assert.Equal(new float[] { 2, 0, 1, 0, 1 }, features);
    }

    [Fact]
    public void AnExistingFileIsKeptWithoutOverwriteAndNoTemporaryFileIsLeft()
    {
        string folder = Directory.CreateTempSubdirectory("npsm-").FullName;
        try
        {
            string path = Path.Combine(folder, "model.npsm");
            File.WriteAllText(path, "previous");
            var error = Assert.Throws<NeuralPSException>(() => ModelFile.Write(IrisNetwork(), path));
            Assert.Equal("ModelFileExists", error.ErrorId);
            Assert.Equal("previous", File.ReadAllText(path));

            ModelFile.Write(IrisNetwork(), path, overwrite: true);
            Assert.Equal(4, ModelFile.Read(path).InputSize);
            Assert.Equal(new[] { "model.npsm" }, Directory.GetFiles(folder).Select(Path.GetFileName));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    private static NeuralPSException Refused(byte[] bytes)
    {
        var error = Assert.Throws<NeuralPSException>(() => ModelFile.FromBytes(bytes, "test.npsm"));
        Assert.Contains("test.npsm", error.Message);
        Assert.Equal(ErrorKind.InvalidFile, error.Kind);
        return error;
    }

    [Fact]
    public void EveryTruncationIsRefusedAsCorrupt()
    {
        byte[] good = SavedIris();
        foreach (int length in new[] { 0, 1, 7, 8, 12, 19, 20, 40, good.Length / 2, good.Length - 33, good.Length - 32, good.Length - 1 })
        {
            NeuralPSException error = Refused(good[..length]);
            Assert.Equal("ModelFileCorrupt", error.ErrorId);
            if (length >= 52) Assert.Contains("truncated", error.Message);
        }
        Assert.Equal("ModelFileCorrupt", Refused(good.Concat(new byte[] { 0 }).ToArray()).ErrorId);
    }

    [Fact]
    public void EveryFlippedByteIsRefused()
    {
        byte[] good = SavedIris();
        for (int i = 0; i < good.Length; i++)
        {
            byte[] bad = (byte[])good.Clone();
            bad[i] ^= 0x10;
            NeuralPSException error = Refused(bad);
            // the format number's low byte makes a plausible newer format; a higher byte makes one no NeuralPS writes: damage
            Assert.Equal(i == 8 ? "ModelFileVersion" : "ModelFileCorrupt", error.ErrorId);
        }
    }

    [Fact]
    public void AForeignFileIsRefusedAsNotAModel()
    {
        byte[] good = SavedIris();
        byte[] bad = (byte[])good.Clone();
        "PK\x03\x04"u8.CopyTo(bad);
        NeuralPSException error = Refused(bad);
        Assert.Equal("ModelFileCorrupt", error.ErrorId);
        Assert.Contains("not a NeuralPS model file", error.Message);
        Assert.Equal("ModelFileCorrupt", Refused("{\"layers\": []}"u8.ToArray()).ErrorId);
    }

    [Fact]
    public void ANewerFormatAsksForANewerNeuralPS()
    {
        byte[] bad = SavedIris();
        bad[8] = ModelFile.FormatVersion + 1;
        NeuralPSException error = Refused(bad);
        Assert.Equal("ModelFileVersion", error.ErrorId);
        Assert.Contains("Update NeuralPS", error.Message);
    }

    [Fact]
    public void RandomBytesAreRefusedAsCorrupt()
    {
        var random = new Random(5);
        byte[] good = SavedIris();
        foreach (int length in new[] { 1, 16, 52, 100, 4096, good.Length })
            for (int trial = 0; trial < 20; trial++)
            {
                var bytes = new byte[length];
                random.NextBytes(bytes);
                Assert.Equal("ModelFileCorrupt", Refused(bytes).ErrorId);
                // the right signature and version in front of random bytes is still refused
                if (length >= 12)
                {
                    good.AsSpan(0, 12).CopyTo(bytes);
                    Assert.Equal("ModelFileCorrupt", Refused(bytes).ErrorId);
                }
            }
    }

    [Fact]
    public void DamageUnderAValidChecksumIsStillRefused()
    {
        byte[] good = SavedIris();
        int payloadLength = good.Length - 52;
        // Break the metadata, then recompute the checksum as a careless tool would: the reader must still refuse it.
        foreach (int position in new[] { 24, 30, 60, payloadLength / 2, payloadLength - 10 })
        {
            byte[] bad = (byte[])good.Clone();
            bad[20 + position] ^= 0xFF;
            System.Security.Cryptography.SHA256.HashData(bad.AsSpan(20, payloadLength), bad.AsSpan(20 + payloadLength));
            try
            {
                ModelFile.FromBytes(bad, "test.npsm");
            }
            catch (NeuralPSException e)
            {
                Assert.Equal("ModelFileCorrupt", e.ErrorId);
            }
        }
        // a block length pointing past the end
        byte[] lying = (byte[])good.Clone();
        int jsonLength = BitConverter.ToInt32(lying, 20);
        BitConverter.GetBytes(int.MaxValue).CopyTo(lying, 20 + 4 + jsonLength + 4);
        System.Security.Cryptography.SHA256.HashData(lying.AsSpan(20, payloadLength), lying.AsSpan(20 + payloadLength));
        Assert.Equal("ModelFileCorrupt", Refused(lying).ErrorId);
    }

    [Fact]
    public void AMissingFileIsNotFound()
    {
        var error = Assert.Throws<NeuralPSException>(() => ModelFile.Read(Path.Combine(Path.GetTempPath(), "no-such-model.npsm")));
        Assert.Equal("FileNotFound", error.ErrorId);
        Assert.Equal(ErrorKind.NotFound, error.Kind);
    }
}
