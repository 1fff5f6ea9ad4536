using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Trust;

/// <summary>Sizes past 2³¹ are computed in 64 bits and refused as NetworkTooLarge, with the bytes, before allocating.</summary>
public class NetworkSizeTests
{
    private static NeuralPSException TooLarge(Action action)
    {
        var e = Assert.Throws<NeuralPSException>(action);
        Assert.Equal("NetworkTooLarge", e.ErrorId);
        Assert.Equal(ErrorKind.TooLarge, e.Kind);
        return e;
    }

    [Theory]
    // 50,000² + 50,000 wrapped to a negative int (OverflowException); 100,000² + 100,000 wrapped to 1,410,165,408
    [InlineData(50_000, 50_000, "2,500,050,000 parameters (10.0 GB)")]
    [InlineData(100_000, 100_000, "10,000,100,000 parameters (40.0 GB)")]
    [InlineData(2_000_000, 1_100, "2,200,001,100 parameters (8.8 GB)")] // just past one buffer
    public void ALayerPastOneBufferIsRefusedWithTheBytesItNeeds(int inputs, int units, string expected)
    {
        var net = new Network(inputs, "big", seed: 1);
        NeuralPSException e = TooLarge(() => net.Add(new DenseLayer(units, Activation.Relu)));
        Assert.Contains(expected, e.Message);
        Assert.Contains("2,147,483,591 values", e.Message);
        Assert.Empty(net.Layers); // the network is as it was
        Assert.Equal(0, net.ParameterCount);
    }

    [Fact]
    public void LayersThatFitAloneButNotTogetherAreRefused()
    {
        var net = new Network(1, "big", seed: 1);
        net.Add(new DenseLayer(100, Activation.Relu)); // 200 parameters
        // 101 × 21,262,213 = 2,147,483,513 parameters fit one buffer; with the first layer's 200 they do not
        NeuralPSException e = TooLarge(() => net.Add(new DenseLayer(21_262_213, Activation.Linear)));
        Assert.Contains("would have 2,147,483,713 parameters", e.Message);
        Assert.Equal(200, net.ParameterCount);
        Assert.Single(net.Layers);
    }

    [Fact]
    public void ALayerTooWideForAPredictionChunkIsRefused()
    {
        var net = new Network(1, "wide", seed: 1);
        NeuralPSException e = TooLarge(() => net.Add(new DenseLayer(3_000_000, Activation.Linear)));
        Assert.Contains("predictions run 1024 rows at a time", e.Message);
        net.Add(new DenseLayer(2_000_000, Activation.Linear)); // 1024 × 2,000,000 fits
        Assert.Equal(4_000_000, net.ParameterCount);
    }

    [Fact]
    public void ABatchPastOneBufferIsRefusedBeforeTraining()
    {
        var net = new Network(1, "wide", seed: 1);
        net.Add(new DenseLayer(2_000_000, Activation.Relu));
        net.Add(new DenseLayer(1, Activation.Linear));
        var data = new Dataset(new float[1_100], 1, new float[1_100], 1, DatasetTask.Regression);
        NeuralPSException e = TooLarge(() => new Trainer(net, data, null, new TrainingOptions { Epochs = 1, BatchSize = 0 }).Run().ToList());
        Assert.Contains("A batch of 1,100 rows × 2,000,000 values", e.Message);
        Assert.Contains("-BatchSize (at most 1,073)", e.Message);
        Assert.Empty(net.History);
    }

    [SkippableFact]
    public void MoreThanTheMachineHoldsIsRefusedBeforeAllocating()
    {
        long machine = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        // 1,000 inputs × units: parameters one buffer indexes, whose two copies (the old buffer and the grown one)
        // pass this machine's memory
        long units = machine / 8 / 1_000 + 1;
        Skip.If(units * 1_001 > NetworkSize.MaxValues, $"this machine ({machine:N0} bytes) holds two buffers of the largest size");
        var net = new Network(1_000, "huge", seed: 1);
        NeuralPSException e = TooLarge(() => net.Add(new DenseLayer((int)units, Activation.Linear)));
        Assert.Contains("this machine has", e.Message);
    }
}
