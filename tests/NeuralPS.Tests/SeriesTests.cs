using System.Globalization;
using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>Windows over a series as a user makes them: ConvertTo-Dataset -Window, Split-Dataset -Chronological, the AirPassengers sample.</summary>
public class SeriesTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("neuralps-series-").FullName;

    public SeriesTests()
    {
        _ps.Run($"Set-Location '{_folder}'");
        // 30 hourly records: Load = 100 + record number, Hour = record number, Level = low/high alternating by five
        File.WriteAllLines(Path.Combine(_folder, "metrics.csv"), new[] { "Hour,Load,Level" }
            .Concat(Enumerable.Range(1, 30).Select(r => $"{r},{100 + r},{(r / 5 % 2 == 0 ? "low" : "high")}")));
    }

    public void Dispose()
    {
        _ps.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private Dataset Data(string script) => Assert.IsType<Dataset>(Assert.Single(_ps.Run(script)).BaseObject);

    private static string Id(ErrorRecord error) => error.FullyQualifiedErrorId.Split(',')[0];

    [Fact]
    public void ImportCsvIntoWindowsOfTheGivenRecordsLabelledByTheNextOne()
    {
        Dataset data = Data("Import-Csv metrics.csv | ConvertTo-Dataset -Label Load -Feature Load, Hour -Window 4");
        Assert.Equal(30 - 4, data.Rows);
        Assert.Equal(new[] { 4, 2 }, data.Shape);
        Assert.Equal(new[] { "Load(t-3)", "Hour(t-3)", "Load(t-2)", "Hour(t-2)", "Load(t-1)", "Hour(t-1)", "Load(t)", "Hour(t)" }, data.FeatureNames);
        // window k (0-based) reads records k+1 … k+4 (1-based) and is labelled by record k+5
        for (int k = 0; k < data.Rows; k++)
        {
            Assert.Equal(Enumerable.Range(k + 1, 4).SelectMany(r => new float[] { 100 + r, r }), data.Features.Skip(k * 8).Take(8));
            Assert.Equal(100 + k + 5, data.Targets[k]);
        }
        Assert.Equal(DatasetTask.Regression, data.Task);
    }

    [Fact]
    public void TheLabelIsAFeatureByDefaultAndLeftOutWhenFeatureLeavesItOut()
    {
        Dataset all = Data("Import-Csv metrics.csv | ConvertTo-Dataset -Label Load -Window 3 -Categorical Level");
        Assert.Equal(new[] { "Hour(t)", "Load(t)", "Level=high(t)", "Level=low(t)" }, all.FeatureNames[^4..]);
        Assert.Equal(new[] { 3, 4 }, all.Shape);
        Dataset exogenous = Data("Import-Csv metrics.csv | ConvertTo-Dataset -Label Load -Feature Hour -Window 3 -Horizon 2");
        Assert.Equal(new[] { "Hour(t-2)", "Hour(t-1)", "Hour(t)" }, exogenous.FeatureNames);
        Assert.Equal(30 - 3 - 2 + 1, exogenous.Rows);
        Assert.Equal(100 + 3 + 2, exogenous.Targets[0]);   // window 1 ends at record 3, its label is record 5
    }

    [Fact]
    public void ClassificationLabelsWorkTheSameWayAndHorizonZeroLabelsTheWindowItself()
    {
        Dataset data = Data("Import-Csv metrics.csv | ConvertTo-Dataset -Label Level -Feature Load -Window 5 -Horizon 0");
        Assert.Equal(DatasetTask.Classification, data.Task);
        Assert.Equal(new[] { "high", "low" }, data.ClassNames);
        Assert.Equal(26, data.Rows);
        Assert.Equal(Enumerable.Range(0, 26).Select(k => (k + 5) / 5 % 2 == 0 ? 1f : 0f), data.Targets);   // record k+5's level
        ErrorRecord leak = _ps.Fail("Import-Csv metrics.csv | ConvertTo-Dataset -Label Level -Feature Load, Level -Window 5 -Horizon 0");
        Assert.Equal(ErrorIds.LabelInWindow, Id(leak));
        Assert.Contains("-Horizon 1", leak.Exception.Message);
        Dataset noLeak = Data("Import-Csv metrics.csv | ConvertTo-Dataset -Label Level -Window 5 -Horizon 0");
        Assert.DoesNotContain(noLeak.FeatureNames, n => n.StartsWith("Level", StringComparison.Ordinal));
    }

    [Fact]
    public void ASeriesShorterThanAWindowAndItsHorizonIsSeriesTooShort()
    {
        ErrorRecord error = _ps.Fail("Import-Csv metrics.csv | Select-Object -First 6 | ConvertTo-Dataset -Label Load -Window 5 -Horizon 2");
        Assert.Equal(ErrorIds.SeriesTooShort, Id(error));
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Contains("has 6 records", error.Exception.Message);
        Assert.Contains("needs 7", error.Exception.Message);
    }

    [Fact]
    public void AGapNamesItsRecordAndTheWindowsHoldingIt()
    {
        File.WriteAllLines(Path.Combine(_folder, "gap.csv"), new[] { "Hour,Load" }.Concat(Enumerable.Range(1, 20).Select(r => r == 9 ? "9," : $"{r},{r * 2}")));
        ErrorRecord empty = _ps.Fail("Import-Csv gap.csv | ConvertTo-Dataset -Label Load -Window 4");
        Assert.Equal(ErrorIds.NaNInWindow, Id(empty));
        Assert.StartsWith("Record 9, column 'Load' is empty. Windows 6 to 9 hold it", empty.Exception.Message);
        ErrorRecord nan = _ps.Fail("1..20 | ForEach-Object { [pscustomobject]@{ X = if ($_ -eq 12) { [double]::NaN } else { $_ }; Y = $_ } } | ConvertTo-Dataset -Label Y -Feature X -Window 4");
        Assert.Equal(ErrorIds.NaNInWindow, Id(nan));
        Assert.StartsWith("Record 12, column 'X' is NaN.", nan.Exception.Message);
        ErrorRecord label = _ps.Fail("1..20 | ForEach-Object { [pscustomobject]@{ X = $_; Y = if ($_ -eq 12) { '' } else { $_ } } } | ConvertTo-Dataset -Label Y -Feature X -Window 4");
        Assert.Equal(ErrorIds.NaNInWindow, Id(label));
        Assert.Contains("Record 12, label 'Y' is empty. It is the label of window 8 (records 8 to 11).", label.Exception.Message);
    }

    [Fact]
    public void AMissingFeatureColumnNamesTheRecord()
    {
        ErrorRecord error = _ps.Fail("1..10 | ForEach-Object { if ($_ -eq 7) { [pscustomobject]@{ Y = $_ } } else { [pscustomobject]@{ X = $_; Y = $_ } } } | ConvertTo-Dataset -Label Y -Feature X -Window 3");
        Assert.Equal(ErrorIds.MissingFeature, Id(error));
        Assert.Contains("Record 7 has no property 'X'", error.Exception.Message);
    }

    [Fact]
    public void WindowBelowOneAndHorizonWithoutWindowAreRefused()
    {
        ErrorRecord zero = _ps.Fail("Import-Csv metrics.csv | ConvertTo-Dataset -Label Load -Window 0");
        Assert.Equal("ParameterArgumentValidationError", Id(zero));
        Assert.Contains("Window", zero.Exception.Message);
        ErrorRecord horizon = _ps.Fail("Import-Csv metrics.csv | ConvertTo-Dataset -Label Load -Horizon 3");
        Assert.Equal(ErrorIds.HorizonNeedsWindow, Id(horizon));
    }

    [Fact]
    public void AChronologicalSplitKeepsTheLastWindowsForTestingInOrder()
    {
        var parts = _ps.Run("Import-Csv metrics.csv | ConvertTo-Dataset -Label Load -Feature Load -Window 5 | Split-Dataset -TestFraction 0.2 -Chronological")
            .Select(o => (Dataset)o.BaseObject).ToArray();
        Assert.Equal(2, parts.Length);
        Assert.Equal(20, parts[0].Rows);
        Assert.Equal(5, parts[1].Rows);
        Assert.Equal(Enumerable.Range(0, 20).Select(k => 100f + k + 6), parts[0].Targets);   // unshuffled
        Assert.Equal(Enumerable.Range(20, 5).Select(k => 100f + k + 6), parts[1].Targets);
        Assert.Equal(new[] { 5, 1 }, parts[1].Shape);
        Assert.True(parts[1].Targets.Min() > Math.Max(parts[0].Targets.Max(), parts[0].Features.Max()));

        var three = _ps.Run("Import-Csv metrics.csv | ConvertTo-Dataset -Label Load -Window 5 | Split-Dataset -TestFraction 0.2 -ValidationFraction 0.2 -Chronological")
            .Select(o => (Dataset)o.BaseObject).ToArray();
        Assert.Equal(new[] { 15, 5, 5 }, three.Select(p => p.Rows));
        Assert.Equal(three[0].Targets.Max() + 1, three[2].Targets.Min());   // validation right after training
        Assert.Equal(three[2].Targets.Max() + 1, three[1].Targets.Min());   // test right after validation

        ErrorRecord both = _ps.Fail("Get-SampleDataset Iris | Split-Dataset -Chronological -Stratify");
        Assert.Equal(ErrorIds.ChronologicalStratify, Id(both));
    }

    [Fact]
    public void TheAirPassengersSampleMakesWindowsOfAYear()
    {
        Dataset data = Data("Get-SampleDataset AirPassengers | ConvertFrom-Dataset | ConvertTo-Dataset -Label Passengers -Feature Passengers -Window 12");
        Assert.Equal(132, data.Rows);
        Assert.Equal(new[] { 12, 1 }, data.Shape);
        Assert.Equal(new float[] { 112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118 }, data.Features[..12]);
        Assert.Equal(115, data.Targets[0]);   // January 1950
        var records = _ps.Run("Get-SampleDataset AirPassengers | ConvertFrom-Dataset | Select-Object -First 1");
        Assert.Equal(new[] { 1949.0, 1, 112 }, new[] { "Year", "Month", "Passengers" }.Select(p => Convert.ToDouble(records[0].Properties[p].Value, CultureInfo.InvariantCulture)));
    }
}
