using System.Text;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests.Trust;

/// <summary>CSV files and datasets a user gets wrong: each a named error that says what to do, never a silent guess.</summary>
public sealed class DataTrustTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("neuralps-csv-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private NeuralPSException Refused(string csv, string label = "y", IReadOnlyCollection<string>? categorical = null)
    {
        string path = Path.Combine(_folder, "data.csv");
        File.WriteAllText(path, csv);
        return Assert.Throws<NeuralPSException>(() =>
            CsvDatasetReader.Read(path, label, options: new DatasetBuildOptions { Categorical = categorical ?? Array.Empty<string>() }));
    }

    private Dataset Read(string csv, string label = "y", IReadOnlyCollection<string>? categorical = null)
    {
        string path = Path.Combine(_folder, "data.csv");
        File.WriteAllText(path, csv);
        return CsvDatasetReader.Read(path, label, options: new DatasetBuildOptions { Categorical = categorical ?? Array.Empty<string>() });
    }

    [Fact]
    public void ARowWithExtraFieldsIsRefused()
    {
        NeuralPSException e = Refused("x,y\n1,a\n2,b,7\n3,a\n");
        Assert.Equal("FieldCountMismatch", e.ErrorId);
        Assert.Contains("row 2 has 3 fields but the header has 2 columns (x, y)", e.Message);
    }

    [Fact]
    public void AShortRowIsAShortRowNotAnEmptyColumn()
    {
        NeuralPSException e = Refused("x,y\n1,a\n2\n3,a\n");
        Assert.Equal("FieldCountMismatch", e.ErrorId);
        Assert.Contains("row 2 has 1 field but the header has 2 columns", e.Message);
        Assert.DoesNotContain("is empty", e.Message);
        // an empty value where the field is there is still an empty value
        Assert.Contains("column 'y' is empty", Refused("x,y\n1,a\n2,\n").Message);
    }

    [Theory]
    [InlineData("x,y\n1,a\n2,\"b\n3,a\n")]
    [InlineData("x,y\n1,a\n2,\"b,c\n3,a\n4,b\n")]
    [InlineData("x,y\n1,a\n2,\"b")]
    public void AnUnterminatedQuoteIsRefusedNamingItsRow(string csv)
    {
        NeuralPSException e = Refused(csv);
        Assert.Equal("UnterminatedQuote", e.ErrorId);
        Assert.Contains("row 2 opens a quoted field", e.Message);
    }

    [Fact]
    public void QuotedValuesThatAreClosedStillRead()
    {
        Dataset data = Read("x,y\n1,\"a, with comma\"\n2,\"b \"\"quoted\"\"\"\n3,\"multi\nline\"\n");
        Assert.Equal(3, data.Rows);
        Assert.Equal(new[] { "a, with comma", "b \"quoted\"", "multi\nline" }, data.ClassNames);
    }

    [Theory]
    [InlineData("x,y\n\"1,000\",a\n\"2,000\",b\n\"3,500\",a\n", "'1,000'")] // every value with a thousands separator
    [InlineData("x,y\n\"1,000\",a\n2,b\n3,a\n", "'1,000'")] // one of them (not "'3' is a number, but other rows are text")
    [InlineData("x;y\n2,5;a\n3;b\n", "'2,5'")] // a decimal comma in a ;-separated file
    public void NumbersWithCommasAreRefusedNotTurnedIntoCategories(string csv, string value)
    {
        NeuralPSException e = Refused(csv);
        Assert.Equal("NumberWithComma", e.ErrorId);
        Assert.Contains($"row 1, column 'x': {value} is a number written with a comma", e.Message);
        Assert.Contains("-Categorical x", e.Message);
    }

    [Fact]
    public void CommaCodesStayCategoriesWhenAskedTo()
    {
        Dataset data = Read("x,y\n\"1,000\",a\n\"2,000\",b\n", categorical: new[] { "x" });
        Assert.Equal(new[] { "x=1,000", "x=2,000" }, data.FeatureNames);
        Assert.Equal(new[] { "x=a, b", "x=c" }, Read("x,y\n\"a, b\",a\nc,b\n").FeatureNames); // text with commas is text
    }

    [Fact]
    public void ABinaryFileIsNotEchoedIntoTheMessage()
    {
        string path = Path.Combine(_folder, "binary.csv");
        File.WriteAllBytes(path, Enumerable.Range(0, 256).Select(i => (byte)i).ToArray());
        var e = Assert.Throws<NeuralPSException>(() => CsvDatasetReader.Read(path, "y"));
        Assert.DoesNotContain(e.Message, c => char.IsControl(c));
        Assert.Contains("\\x01\\x02", e.Message);
    }

    [Fact]
    public void MessageTextEscapesAndShortens()
    {
        Assert.Equal("a\\tb\\n\\0\\x1B[31m\\u200B", MessageText.Printable("a\tb\n\0\u001b[31m\u200b"));
        Assert.Equal(new string('x', 40) + "…", MessageText.Printable(new string('x', 100)));
        Assert.Equal("'é ü'", MessageText.Quote("é ü"));
        Assert.Equal("a, b, …", MessageText.List(new[] { "a", "b", "c" }, 2));
    }

    [Fact]
    public void ManyColumnsAreLookedUpByName()
    {
        // 20,000 columns, the label last, one name twice and one differing in case only: lookups by a dictionary
        // (a scan per column made Import-Dataset quadratic: 100,000 columns took 22 s)
        var header = Enumerable.Range(0, 20_000).Select(i => $"c{i}").Append("Y").ToList();
        var csv = new StringBuilder(string.Join(",", header)).Append('\n');
        for (int r = 0; r < 3; r++) csv.Append(string.Join(",", Enumerable.Range(0, 20_000).Select(i => (r * i) % 7))).Append(",a\n");
        csv.Append(string.Join(",", Enumerable.Range(0, 20_000).Select(i => i % 5))).Append(",b\n");
        Dataset data = Read(csv.ToString(), label: "y"); // case differs: found ignoring case
        Assert.Equal(20_000, data.FeatureCount);
        Assert.Equal("c19999", data.FeatureNames[^1]);
        Assert.Equal(19_999 % 5, data.Features[3 * 20_000 + 19_999]);
    }

    // ---------------------------------------------------------------- splits

    [Fact]
    public void ASplitWithNoTestRowsSaysSo()
    {
        var e = Assert.Throws<NeuralPSException>(() => DatasetSplitter.Split(SampleDatasets.Iris(), 0, 0, false, 1));
        Assert.Equal("InvalidSplit", e.ErrorId);
        Assert.Contains("A test fraction of 0 leaves the test part empty", e.Message);
        Assert.DoesNotContain("no rows", e.Message);
        // too few rows for the validation part: the split's error, not the empty dataset's
        var few = Assert.Throws<NeuralPSException>(() => DatasetSplitter.Split(SampleDatasets.Xor(), 0.5, 0.1, false, 1));
        Assert.Equal("InvalidSplit", few.ErrorId);
        Assert.Contains("4 rows are too few", few.Message);
    }

    // ---------------------------------------------------------------- classes

    private static Dataset OneClass() =>
        new(new float[] { 1, 2, 3 }, 1, new float[] { 0, 0, 0 }, 1, DatasetTask.Classification, classNames: new[] { "a" }, labelName: "y");

    [Fact]
    public void OneClassDataIsRefusedWithAdviceThatWorks()
    {
        // before: "Make the last layer Add-DenseLayer 1 -Activation Softmax", which trained to loss 0 and accuracy 0
        var net = new Network(1, "one", seed: 1);
        net.Add(new DenseLayer(2, Activation.Softmax));
        var e = Assert.Throws<NeuralPSException>(() => new Trainer(net, OneClass(), null, new TrainingOptions { Epochs = 1 }));
        Assert.Equal("OneClass", e.ErrorId);
        Assert.Contains("only one class ('a')", e.Message);
        Assert.Contains("label column ('y')", e.Message);
        Assert.DoesNotContain("-Activation Softmax", e.Message);
    }

    [Fact]
    public void ASoftmaxOverOneUnitIsRefused()
    {
        // before: an IndexOutOfRangeException in the loss (two classes, one output)
        var net = new Network(2, "xor", seed: 1);
        net.Add(new DenseLayer(1, Activation.Softmax));
        var e = Assert.Throws<NeuralPSException>(() => new Trainer(net, SampleDatasets.Xor(), null, new TrainingOptions { Epochs = 1 }));
        Assert.Equal("SoftmaxOneUnit", e.ErrorId);
        Assert.Contains("Add-DenseLayer 1 -Activation Sigmoid", e.Message);
        Assert.Equal("SoftmaxOneUnit", Assert.Throws<NeuralPSException>(() => Evaluation.Compute(net, SampleDatasets.Xor())).ErrorId);
    }

    [Fact]
    public void DataWithFewerClassesThanTheNetworkIsAClassMismatch()
    {
        // a binary network of classes a, b tested on data made apart with only b would read b as a
        var net = new Network(1, "binary", seed: 1) { ClassNames = new[] { "a", "b" } };
        net.Add(new DenseLayer(1, Activation.Sigmoid));
        var onlyB = new Dataset(new float[] { 1, 2 }, 1, new float[] { 0, 0 }, 1, DatasetTask.Classification, classNames: new[] { "b" });
        var e = Assert.Throws<NeuralPSException>(() => Evaluation.Compute(net, onlyB));
        Assert.Equal("ClassMismatch", e.ErrorId);
        Assert.Contains("-Encoding $net.FeatureEncoding", e.Message);
    }
}
