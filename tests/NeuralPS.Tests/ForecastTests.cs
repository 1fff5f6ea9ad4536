using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>
/// Invoke-Prediction -Steps as a user calls it: a network trained on windows over a series continues it; and the named
/// errors of windows given to a trained network, each naming the record.
/// </summary>
public class ForecastTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("neuralps-forecast-").FullName;

    public ForecastTests()
    {
        _ps.Run($"Set-Location '{_folder}'");
        // 40 records: Load = 100 + 2·r (a straight line), Hour = r
        File.WriteAllLines(Path.Combine(_folder, "load.csv"), new[] { "Hour,Load" }.Concat(Enumerable.Range(1, 40).Select(r => $"{r},{100 + 2 * r}")));
        // a Dense network over windows of 4 loads (the label alone), trained briefly: what it predicts is checked against itself
        _ps.Run("$windows = Import-Csv load.csv | ConvertTo-Dataset -Label Load -Feature Load -Window 4; " +
                "$net = New-Network 4 -Seed 1 | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 1 | Set-Optimizer Adam 0.01; " +
                "$null = $net | Invoke-Training -Data $windows -Epochs 30 -BatchSize 8 -Normalize");
    }

    public void Dispose()
    {
        _ps.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static string Id(ErrorRecord error) => error.FullyQualifiedErrorId.Split(',')[0];

    /// <summary>What the forecast must be: the network's own predictions, each appended to the window as the newest record.</summary>
    private static float[] FeedBack(Network net, float[] window, int steps)
    {
        window = window.ToArray();
        var outputs = new float[steps];
        for (int s = 0; s < steps; s++)
        {
            outputs[s] = net.Predict(window, 1)[0];
            Array.Copy(window, 1, window, 0, window.Length - 1);
            window[^1] = outputs[s];
        }
        return outputs;
    }

    [Fact]
    public void StepsContinueTheSeriesFromTheKeptWindowOrTheRecordsGiven()
    {
        var net = (Network)_ps.Run("$net")[0].BaseObject;
        Assert.NotNull(net.Series);
        Assert.Equal(new float[] { 174, 176, 178, 180 }, net.Series!.LastWindow);   // records 37 to 40

        var kept = _ps.Run("Invoke-Prediction -Network $net -Steps 6");
        Assert.Equal(Enumerable.Range(1, 6), kept.Select(o => (int)o.Properties["Step"].Value));
        Assert.All(kept, o => Assert.Equal("Load", o.Properties["Label"].Value));
        Assert.Equal(new[] { "Step", "Label", "Prediction" }, kept[0].Properties.Select(p => p.Name));
        Assert.Equal(FeedBack(net, new float[] { 174, 176, 178, 180 }, 6), kept.Select(o => (float)(double)o.Properties["Prediction"].Value));

        // records piped: the last 4 of them (records 17 to 20: loads 134 … 140)
        var given = _ps.Run("Import-Csv load.csv | Select-Object -First 20 | Invoke-Prediction -Network $net -Steps 3");
        Assert.Equal(FeedBack(net, new float[] { 134, 136, 138, 140 }, 3), given.Select(o => (float)(double)o.Properties["Prediction"].Value));
        // a dataset of windows: the end of the series it was made from
        var fromData = _ps.Run("$part = Import-Csv load.csv | Select-Object -First 30 | ConvertTo-Dataset -Label Load -Feature Load -Window 4; Invoke-Prediction $net $part -Steps 2");
        Assert.Equal(FeedBack(net, new float[] { 154, 156, 158, 160 }, 2), fromData.Select(o => (float)(double)o.Properties["Prediction"].Value));

        // the output goes to Export-Csv as it is
        _ps.Run("Invoke-Prediction -Network $net -Steps 3 | Export-Csv forecast.csv");
        string[] csv = File.ReadAllLines(Path.Combine(_folder, "forecast.csv"));
        Assert.Equal("\"Step\",\"Label\",\"Prediction\"", csv[0]);
        Assert.Equal(4, csv.Length);
    }

    [Fact]
    public void TheModelFileKeepsTheSeriesAndTheLoadedNetworkForecastsTheSame()
    {
        var before = _ps.Run("Invoke-Prediction -Network $net -Steps 5").Select(o => o.Properties["Prediction"].Value).ToArray();
        var after = _ps.Run("$net | Export-Network load.npsm; $loaded = Import-Network load.npsm; Invoke-Prediction -Network $loaded -Steps 5")
            .Select(o => o.Properties["Prediction"].Value).ToArray();
        Assert.Equal(before, after);
    }

    [Fact]
    public void OtherFeaturesNeedTheirFutureValues()
    {
        _ps.Run("$both = Import-Csv load.csv | ConvertTo-Dataset -Label Load -Feature Hour, Load -Window 4; " +
                "$net2 = New-Network 8 -Seed 1 | Add-DenseLayer 1 | Set-Optimizer Adam 0.01; $null = $net2 | Invoke-Training -Data $both -Epochs 2");
        ErrorRecord unknown = _ps.Fail("Invoke-Prediction -Network $net2 -Steps 3");
        Assert.Equal(ErrorIds.FutureValuesUnknown, Id(unknown));
        Assert.Equal(ErrorCategory.InvalidArgument, unknown.CategoryInfo.Category);
        Assert.Contains("'Hour'", unknown.Exception.Message);
        Assert.Contains("-Future", unknown.Exception.Message);
        var outputs = _ps.Run("Invoke-Prediction -Network $net2 -Steps 3 -Future (41..43 | ForEach-Object { [pscustomobject]@{ Hour = $_ } })");
        Assert.Equal(3, outputs.Count);
        ErrorRecord missing = _ps.Fail("Invoke-Prediction -Network $net2 -Steps 2 -Future ([pscustomobject]@{ Hour = 41 }, [pscustomobject]@{ Hours = 42 })");
        Assert.Equal(ErrorIds.MissingFeature, Id(missing));
        Assert.StartsWith("Future record 2 has no property 'Hour'", missing.Exception.Message);
    }

    [Fact]
    public void ANetworkNotTrainedOnWindowsOrOnAnotherHorizonDoesNotForecast()
    {
        ErrorRecord plain = _ps.Fail("$iris = New-Network 4 | Add-DenseLayer 3 -Activation Softmax; $null = $iris | Invoke-Training -Data (Get-SampleDataset Iris) -Epochs 1; Invoke-Prediction -Network $iris -Steps 2");
        Assert.Equal(ErrorIds.NotASeriesNetwork, Id(plain));
        ErrorRecord horizon = _ps.Fail("$h = New-Network 4 -Seed 1 | Add-DenseLayer 1; $null = $h | Invoke-Training -Data (Import-Csv load.csv | ConvertTo-Dataset -Label Load -Feature Load -Window 4 -Horizon 3) -Epochs 1; Invoke-Prediction -Network $h -Steps 2");
        Assert.Equal(ErrorIds.ForecastHorizon, Id(horizon));
    }

    [Fact]
    public void ASeriesShorterThanOneWindowIsSeriesTooShort()
    {
        ErrorRecord error = _ps.Fail("Import-Csv load.csv | Select-Object -First 3 | Invoke-Prediction -Network $net -Steps 2");
        Assert.Equal(ErrorIds.SeriesTooShort, Id(error));
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.StartsWith("The series given has 3 records, but a forecast starts from one window of 4", error.Exception.Message);
    }

    [Fact]
    public void NaNOrAMissingColumnInTheLastWindowNamesTheRecord()
    {
        ErrorRecord nan = _ps.Fail("1..10 | ForEach-Object { [pscustomobject]@{ Load = if ($_ -eq 8) { [double]::NaN } else { $_ } } } | Invoke-Prediction -Network $net -Steps 2");
        Assert.Equal(ErrorIds.NaNInWindow, Id(nan));
        Assert.StartsWith("Record 8, column 'Load' is NaN. It is in the last window (records 7 to 10)", nan.Exception.Message);
        ErrorRecord empty = _ps.Fail("Import-Csv load.csv | ForEach-Object { if ($_.Hour -eq '39') { $_.Load = '' }; $_ } | Invoke-Prediction -Network $net -Steps 2");
        Assert.Equal(ErrorIds.NaNInWindow, Id(empty));
        Assert.StartsWith("Record 39, column 'Load' is empty.", empty.Exception.Message);
        ErrorRecord missing = _ps.Fail("Import-Csv load.csv | Select-Object Hour | Invoke-Prediction -Network $net -Steps 2");
        Assert.Equal(ErrorIds.MissingFeature, Id(missing));
        Assert.StartsWith("Record 37 has no property 'Load'", missing.Exception.Message);
    }

    [Fact]
    public void WindowsOfTheWrongLengthAreWindowMismatch()
    {
        const string six = "$six = Import-Csv load.csv | ConvertTo-Dataset -Label Load -Feature Load -Window 6; ";
        ErrorRecord predict = _ps.Fail(six + "Invoke-Prediction -Network $net -Data $six");
        Assert.Equal(ErrorIds.WindowMismatch, Id(predict));
        Assert.Contains("reads windows of 4 records × 1 feature, but the dataset 'dataset' holds windows of 6 records × 1 feature", predict.Exception.Message);
        Assert.Contains("-Window 4", predict.Exception.Message);
        Assert.Equal(ErrorIds.WindowMismatch, Id(_ps.Fail(six + "Test-Network -Network $net -Data $six")));
        Assert.Equal(ErrorIds.WindowMismatch, Id(_ps.Fail(six + "Invoke-Prediction -Network $net -Data $six -Steps 2")));
        ErrorRecord row = _ps.Fail(",@(1, 2, 3) | Invoke-Prediction -Network $net");
        Assert.Equal(ErrorIds.WindowMismatch, Id(row));
        Assert.StartsWith("Record 1 has 3 values, but the network reads windows of 4 records × 1 feature", row.Exception.Message);
    }

    [Fact]
    public void TheForecastExampleBeatsTheSeasonalNaiveForecast()
    {
        // examples/forecast.ps1 on the whole series (a few seconds): an LSTM on 12-month windows of the log growth
        string script = Path.Combine(PowerShellSession.RepoRoot, "examples", "forecast.ps1");
        string[] lines = _ps.Run($"& '{script}'").Select(o => o.ToString()).ToArray();
        double Figure(string prefix) => double.Parse(Assert.Single(lines, l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..].Split(' ')[0],
            System.Globalization.CultureInfo.InvariantCulture);
        double lstm = Figure("LSTM test MAE: "), naive = Figure("Seasonal-naive test MAE: ");
        Assert.Contains("Test months 1958-11 to 1960-12", lines);
        Assert.Equal(44.15, naive, 2);   // the same months as the table of src/NeuralPS.Core/Data/Samples/airpassengers.md
        Assert.True(lstm < naive, $"the LSTM's test MAE {lstm} does not beat the seasonal-naive {naive}");
    }

    [Fact]
    public void ARecordGivenAsOneWindowNamesAMissingTimestep()
    {
        var ok = _ps.Run("[pscustomobject]@{ 'Load(t-3)' = 100; 'Load(t-2)' = 102; 'Load(t-1)' = 104; 'Load(t)' = 106 } | Invoke-Prediction -Network $net");
        Assert.IsType<double>(Assert.Single(ok).Properties["Prediction"].Value);
        ErrorRecord missing = _ps.Fail("[pscustomobject]@{ 'Load(t-3)' = 100; 'Load(t-1)' = 104; 'Load(t)' = 106 } | Invoke-Prediction -Network $net");
        Assert.Equal(ErrorIds.MissingTimestep, Id(missing));
        Assert.StartsWith("Record 1 has no property 'Load(t-2)'", missing.Exception.Message);
        Assert.Contains("-Steps", missing.Exception.Message);
        ErrorRecord nan = _ps.Fail("[pscustomobject]@{ 'Load(t-3)' = 100; 'Load(t-2)' = [double]::NaN; 'Load(t-1)' = 104; 'Load(t)' = 106 } | Invoke-Prediction -Network $net");
        Assert.Equal(ErrorIds.NaNInWindow, Id(nan));
        Assert.StartsWith("Record 1, timestep column 'Load(t-2)' is NaN", nan.Exception.Message);
    }
}
