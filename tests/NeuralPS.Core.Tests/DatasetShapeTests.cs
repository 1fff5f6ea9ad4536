using System.IO.Compression;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>
/// A dataset's row shape (C, H, W for pictures): checked against its width, kept by every copy of a dataset, read from
/// IDX images; and the picture format a network takes from it and keeps in its model file.
/// </summary>
public class DatasetShapeTests
{
    /// <summary>Rows of 2×3×2 = 12 values, one class per row: 0, 1, 0, 1, …</summary>
    private static Dataset Pictures(int rows = 8, int[]? shape = null)
    {
        var x = new float[rows * 12];
        for (int i = 0; i < x.Length; i++) x[i] = i % 7 / 7f;
        float[] y = Enumerable.Range(0, rows).Select(r => (float)(r % 2)).ToArray();
        return new Dataset(x, 12, y, 1, DatasetTask.Classification, classNames: new[] { "a", "b" }, name: "pictures")
        {
            Shape = shape ?? new[] { 3, 2, 2 },
        };
    }

    [Fact]
    public void AShapeMustMultiplyToTheFeatureCount()
    {
        Assert.Equal(new[] { 3, 2, 2 }, Pictures().Shape);
        Assert.Null(SampleDatasets.Iris().Shape);
        foreach (int[] wrong in new[] { new[] { 1, 28, 28 }, new[] { 3, 2, 0 }, Array.Empty<int>(), new[] { -3, -2, 2 } })
        {
            var e = Assert.Throws<NeuralPSException>(() => Pictures(shape: wrong));
            Assert.Equal(ErrorIds.ShapeMismatch, e.ErrorId);
            Assert.Contains("12 features", e.Message);
        }
    }

    [Fact]
    public void TheShapeCannotBeChangedThroughTheArrayItGives()
    {
        Dataset data = Pictures();
        data.Shape![0] = 99;
        Assert.Equal(new[] { 3, 2, 2 }, data.Shape);
    }

    [Fact]
    public void SubsetsSplitsAndDatasetBytesKeepTheShape()
    {
        Dataset data = Pictures(20);
        Assert.Equal(new[] { 3, 2, 2 }, data.Subset(new[] { 4, 1 }).Shape);
        Dataset[] parts = DatasetSplitter.Split(data, 0.25, 0.25, stratify: true, seed: 1);
        Assert.Equal(3, parts.Length);
        Assert.All(parts, p => Assert.Equal(new[] { 3, 2, 2 }, p.Shape));
        Dataset back = DatasetBytes.FromBytes(DatasetBytes.ToBytes(data));
        Assert.Equal(new[] { 3, 2, 2 }, back.Shape);
        Assert.Equal(data.Features, back.Features);
        Assert.Null(DatasetBytes.FromBytes(DatasetBytes.ToBytes(SampleDatasets.Iris())).Shape);
        Assert.Contains("(3×2×2)", data.ToString());
    }

    [Fact]
    public void IdxImagesKeepTheirShapeAsOneChannel()
    {
        string folder = Directory.CreateTempSubdirectory("neuralps-idx-").FullName;
        try
        {
            // Three images of 2 rows × 4 columns, gzipped as Fashion-MNIST ships them.
            string images = Path.Combine(folder, "images.gz"), labels = Path.Combine(folder, "labels.gz");
            WriteGzip(images, new byte[] { 0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 4 }.Concat(Enumerable.Range(0, 24).Select(i => (byte)(10 * i))));
            WriteGzip(labels, new byte[] { 0, 0, 8, 1, 0, 0, 0, 3, 1, 0, 1 });
            Dataset data = IdxReader.ReadDataset(images, labels);
            Assert.Equal(new[] { 1, 2, 4 }, data.Shape);
            Assert.Equal(8, data.FeatureCount);
            Assert.Equal(new ImageFormat(ColorMode.Grayscale, 2, 4), ImageFormat.FromShape(data.Shape));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void OnlyOneOrThreeChannelsMakeAPictureFormat()
    {
        Assert.Equal(new ImageFormat(ColorMode.Rgb, 2, 2), ImageFormat.FromShape(new[] { 3, 2, 2 }));
        Assert.Equal(new ImageFormat(ColorMode.Grayscale, 28, 28), ImageFormat.FromShape(new[] { 1, 28, 28 }));
        Assert.Null(ImageFormat.FromShape(new[] { 2, 2, 3 }));
        Assert.Null(ImageFormat.FromShape(new[] { 12 }));
        Assert.Null(ImageFormat.FromShape(new[] { 1, 3, 2, 2 }));
        Assert.Null(ImageFormat.FromShape(null));
        Assert.Equal(new[] { 3, 5, 7 }, new ImageFormat(ColorMode.Rgb, 5, 7).Shape);
        Assert.Equal(105, new ImageFormat(ColorMode.Rgb, 5, 7).FeatureCount);
    }

    [Fact]
    public void ANetworkTrainedOnPicturesKeepsTheirFormatInItsModelFile()
    {
        Network net = Classifier();
        new Trainer(net, Pictures(), null, new TrainingOptions { Epochs = 1, BatchSize = 4 }).Run().ToList();
        Assert.Equal(new ImageFormat(ColorMode.Rgb, 2, 2), net.ImageFormat);
        Assert.Contains("Pictures         : 2×2 Rgb", net.ToSummary());
        Assert.Equal(net.ImageFormat, net.Clone().ImageFormat);
        Network loaded = ModelFile.FromBytes(ModelFile.ToBytes(net));
        Assert.Equal(net.ImageFormat, loaded.ImageFormat);

        // Flat data gives no format, and a file written without one (as before this field) reads without one.
        Network flat = Classifier();
        Dataset plain = new(Pictures().Features, 12, Pictures().Targets, 1, DatasetTask.Classification, classNames: new[] { "a", "b" });
        new Trainer(flat, plain, null, new TrainingOptions { Epochs = 1, BatchSize = 4 }).Run().ToList();
        Assert.Null(flat.ImageFormat);
        byte[] bytes = ModelFile.ToBytes(flat);
        Assert.DoesNotContain("ImageFormat", System.Text.Encoding.UTF8.GetString(bytes));
        Assert.Null(ModelFile.FromBytes(bytes).ImageFormat);
    }

    [Fact]
    public void AModelFileWhosePictureFormatDoesNotFitTheInputsIsRefused()
    {
        Network net = Classifier();
        net.ImageFormat = new ImageFormat(ColorMode.Grayscale, 2, 2); // 4 inputs for a network of 12
        var e = Assert.Throws<NeuralPSException>(() => ModelFile.FromBytes(ModelFile.ToBytes(net)));
        Assert.Equal(ErrorIds.ModelFileCorrupt, e.ErrorId);
        Assert.Contains("2×2 Grayscale", e.Message);
    }

    private static Network Classifier()
    {
        var net = new Network(12, "pictures", seed: 3);
        net.Add(new DenseLayer(4, Activation.Relu));
        net.Add(new DenseLayer(2, Activation.Softmax));
        return net;
    }

    private static void WriteGzip(string path, IEnumerable<byte> bytes)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(bytes.ToArray());
    }
}
