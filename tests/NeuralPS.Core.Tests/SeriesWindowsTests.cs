using NeuralPS.Core.Data;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>Windows over a series (<see cref="SeriesWindows"/>) and the chronological split, in the engine.</summary>
public class SeriesWindowsTests
{
    /// <summary>R records of two features (10·r, 10·r + 1) labelled r: every value says which record it came from.</summary>
    private static Dataset Records(int count, DatasetTask task = DatasetTask.Regression)
    {
        float[] features = Enumerable.Range(0, count).SelectMany(r => new[] { 10f * r, 10f * r + 1 }).ToArray();
        float[] labels = Enumerable.Range(0, count).Select(r => task == DatasetTask.Classification ? r % 3 : (float)r).ToArray();
        return new Dataset(features, 2, labels, 1, task, new[] { "A", "B" },
            task == DatasetTask.Classification ? new[] { "low", "mid", "high" } : null, "series", "Y");
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(3, 0)]
    [InlineData(4, 2)]
    [InlineData(1, 1)]
    [InlineData(10, 0)]
    public void EachWindowIsItsRecordsTimeMajorLabelledHorizonStepsOn(int window, int horizon)
    {
        Dataset records = Records(10);
        var series = new SeriesWindows(window, horizon, records.Rows);
        Dataset windows = series.Make(records);
        Assert.Equal(10 - window - horizon + 1, windows.Rows);
        Assert.Equal(window * 2, windows.FeatureCount);
        Assert.Equal(new[] { window, 2 }, windows.Shape);
        for (int k = 0; k < windows.Rows; k++)
        {
            for (int t = 0; t < window; t++)
            {
                Assert.Equal(10f * (k + t), windows.Features[k * window * 2 + t * 2]);       // A of record k+t at t·F + 0
                Assert.Equal(10f * (k + t) + 1, windows.Features[k * window * 2 + t * 2 + 1]); // B at t·F + 1
            }
            Assert.Equal(k + window - 1 + horizon, windows.Targets[k]);
        }
        Assert.Equal(window == 1 ? new[] { "A(t)", "B(t)" } : new[] { $"A(t-{window - 1})", $"B(t-{window - 1})" }, windows.FeatureNames[..2]);
        Assert.Equal(new[] { "A(t)", "B(t)" }, windows.FeatureNames[^2..]);
        Assert.Equal("Y", windows.LabelName);
        Assert.Null(windows.Encoding);
    }

    [Fact]
    public void ClassificationLabelsKeepTheirClasses()
    {
        Dataset windows = new SeriesWindows(4, 1, 12).Make(Records(12, DatasetTask.Classification));
        Assert.Equal(DatasetTask.Classification, windows.Task);
        Assert.Equal(new[] { "low", "mid", "high" }, windows.ClassNames);
        Assert.Equal(Enumerable.Range(0, windows.Rows).Select(k => (float)((k + 4) % 3)), windows.Targets);
    }

    [Theory]
    [InlineData(4, 3, 2)]
    [InlineData(0, 1, 0)]
    [InlineData(5, 5, 1)]
    public void ASeriesShorterThanOneWindowAndItsHorizonIsSeriesTooShort(int records, int window, int horizon)
    {
        var e = Assert.Throws<NeuralPSException>(() => new SeriesWindows(window, horizon, records));
        Assert.Equal(ErrorIds.SeriesTooShort, e.ErrorId);
        Assert.Contains($"has {records} record", e.Message);
        Assert.Contains($"needs {window + horizon}", e.Message);
    }

    [Fact]
    public void AWindowOfNothingOrAHorizonInsideTheWindowIsRefused()
    {
        Assert.Equal(ErrorIds.InvalidWindow, Assert.Throws<NeuralPSException>(() => new SeriesWindows(0, 1, 100)).ErrorId);
        Assert.Equal(ErrorIds.InvalidHorizon, Assert.Throws<NeuralPSException>(() => new SeriesWindows(3, -1, 100)).ErrorId);
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData(double.NaN, "NaN")]
    [InlineData("NaN", "NaN")]
    [InlineData(double.PositiveInfinity, "infinite")]
    [InlineData(1e300, "infinite")]
    public void AGapNamesTheRecordAndTheWindowsHoldingIt(object? value, string what)
    {
        // 20 records, windows of 5, label 1 on: 15 windows; record 8 (1-based) lies in windows 4 to 8
        var series = new SeriesWindows(5, 1, 20);
        var e = Assert.Throws<NeuralPSException>(() => series.Check(value, 7, "Load", isLabel: false, text: false));
        Assert.Equal(ErrorIds.NaNInWindow, e.ErrorId);
        Assert.StartsWith($"Record 8, column 'Load' is {what}", e.Message);
        Assert.Contains("Windows 4 to 8 hold it (window 4 is records 4 to 8)", e.Message);
        Assert.Contains("fill", e.Message);
    }

    [Fact]
    public void AGapInALabelNamesItsWindowAndTextCategoriesMayReadNaN()
    {
        var series = new SeriesWindows(5, 1, 20);
        var e = Assert.Throws<NeuralPSException>(() => series.Check("", 12, "Load", isLabel: true, text: false));
        Assert.Contains("Record 13, label 'Load' is empty. It is the label of window 8 (records 8 to 12).", e.Message);
        e = Assert.Throws<NeuralPSException>(() => series.Check(null, 0, "Load", isLabel: false, text: false));
        Assert.Contains("Window 1 (records 1 to 5) holds it.", e.Message);
        series.Check("NaN", 3, "Host", isLabel: false, text: true);   // a category named NaN
        series.Check(3.5, 3, "Load", isLabel: false, text: false);
        series.Check("3.5", 3, "Load", isLabel: false, text: false);
    }

    [Theory]
    [InlineData(0.2, 0.0)]
    [InlineData(0.25, 0.15)]
    public void AChronologicalSplitKeepsTheOrderAndNoTestLabelReachesTraining(double test, double validation)
    {
        // windows over records whose every value is its record's number: what a part reads is what it holds
        const int window = 6, horizon = 2, count = 60;
        var values = Enumerable.Range(0, count).Select(r => (float)r).ToArray();
        var records = new Dataset(values, 1, values, 1, DatasetTask.Regression, new[] { "X" }, null, "s", "X");
        Dataset windows = new SeriesWindows(window, horizon, count).Make(records);
        Dataset[] parts = DatasetSplitter.SplitChronologically(windows, test, validation);
        Assert.Equal(validation > 0 ? 3 : 2, parts.Length);
        Assert.Equal(windows.Rows, parts.Sum(p => p.Rows));
        Assert.Equal((int)Math.Round(windows.Rows * test), parts[1].Rows);
        // in order: train, then validation, then test, each part's windows in series order
        Dataset[] ordered = validation > 0 ? new[] { parts[0], parts[2], parts[1] } : parts;
        Assert.Equal(windows.Targets, ordered.SelectMany(p => p.Targets));
        Assert.Equal(windows.Features, ordered.SelectMany(p => p.Features));
        Assert.All(parts, p => Assert.Equal(new[] { window, 1 }, p.Shape));
        // each boundary: every label after it lies after every record the parts before it read or are labelled by
        for (int i = 1; i < ordered.Length; i++)
        {
            float reach = ordered[..i].Max(p => Math.Max(p.Features.Max(), p.Targets.Max()));
            Assert.True(ordered[i].Targets.Min() > reach, $"a label of part {i} ({ordered[i].Targets.Min()}) reaches back to record {reach}");
            // windows share records across the boundary by nature (this is a split by window order)
            Assert.True(ordered[i].Features.Min() <= reach);
        }
    }

    [Fact]
    public void TooFewRowsForAChronologicalSplitIsInvalidSplit()
    {
        Dataset windows = new SeriesWindows(3, 1, 5).Make(Records(5));
        Assert.Equal(ErrorIds.InvalidSplit, Assert.Throws<NeuralPSException>(() => DatasetSplitter.SplitChronologically(windows, 0.1, 0)).ErrorId);
        Assert.Equal(ErrorIds.InvalidSplit, Assert.Throws<NeuralPSException>(() => DatasetSplitter.SplitChronologically(windows, 0.6, 0.5)).ErrorId);
    }
}

/// <summary>The AirPassengers sample and the seasonal-naive bar written beside it (Data/Samples/airpassengers.md).</summary>
public class SampleSeriesTests
{
    [Fact]
    public void TheSampleIsTheBoxJenkinsSeriesInMonthOrder()
    {
        Dataset data = SampleDatasets.AirPassengers();
        Assert.Equal(144, data.Rows);
        Assert.Equal(new[] { "Year", "Month" }, data.FeatureNames);
        Assert.Equal("Passengers", data.LabelName);
        Assert.Equal(40363, data.Targets.Sum());
        Assert.Equal(new float[] { 112, 118, 132 }, data.Targets[..3]);
        Assert.Equal(622, data.Targets.Max());
        Assert.Equal(432, data.Targets[^1]);
        Assert.Equal(new float[] { 1949, 1 }, data.Features[..2]);
        Assert.Equal(new float[] { 1960, 12 }, data.Features[^2..]);
        Assert.Equal(data.Targets, SampleDatasets.Get("airpassengers").Targets);
    }

    /// <summary>
    /// Each test window's label predicted by the same month a year earlier, a value the window holds (at t-11): the
    /// figures the sample's notes give as the bar a forecasting network must beat.
    /// </summary>
    [Theory]
    [InlineData(12, 26, 44.15, 48.04)]
    [InlineData(24, 24, 47.58, 49.99)]
    public void TheSeasonalNaiveErrorIsTheOneTheNotesGive(int window, int testWindows, double mae, double rmse)
    {
        Dataset months = SampleDatasets.AirPassengers();
        var records = new Dataset(months.Targets, 1, months.Targets, 1, DatasetTask.Regression, new[] { "Passengers" }, null, "AirPassengers", "Passengers");
        Dataset windows = new SeriesWindows(window, 1, records.Rows).Make(records);
        Dataset test = DatasetSplitter.SplitChronologically(windows, 0.2, 0)[1];
        Assert.Equal(testWindows, test.Rows);
        int yearAgo = window - 12;   // the position of Passengers(t-11)
        double[] errors = Enumerable.Range(0, test.Rows).Select(k => (double)test.Targets[k] - test.Features[k * window + yearAgo]).ToArray();
        Assert.Equal(mae, errors.Average(Math.Abs), 2);
        Assert.Equal(rmse, Math.Sqrt(errors.Average(e => e * e)), 2);
        string notes = File.ReadAllText(Path.Combine(GoldenTests.RepositoryGoldenDirectory(), "..", "..", "src", "NeuralPS.Core", "Data", "Samples", "airpassengers.md"));
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"| {mae:F2} | {rmse:F2} |"), notes);
    }
}
