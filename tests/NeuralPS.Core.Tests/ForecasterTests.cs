using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>Forecasting with a network trained on windows (<see cref="Forecaster"/>): what is fed back, and the refusals.</summary>
public class ForecasterTests
{
    private static Func<string, (bool Found, object? Value)> Record(params (string Name, object? Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name) is var hit && hit.Name is not null ? (true, hit.Value) : (false, null);

    /// <summary>
    /// Windows of 3 records of one column Y (the label), and a linear network that predicts "the last value + 1" exactly:
    /// weights (0, 0, 1), bias 1. Fed back, it counts on from the window's last value.
    /// </summary>
    private static Network CountingNetwork(int horizon = 1)
    {
        var net = new Network(3, "counter", 1);
        net.Add(new DenseLayer(1, Activation.Linear));
        net.SetParameters(new float[] { 0, 0, 1, 1 });
        net.Series = new SeriesEncoding
        {
            Record = FeatureEncoding.Numeric(new[] { "Y" }, "Y"),
            Window = 3,
            Horizon = horizon,
            LastWindow = new float[] { 10, 11, 12 },
        };
        return net;
    }

    [Fact]
    public void EachPredictionIsFedBackAsTheNewestRecord()
    {
        var forecaster = new Forecaster(CountingNetwork());
        float[][] fromKept = forecaster.Run(forecaster.Series.LastWindow, 5, null).ToArray();
        Assert.Equal(new float[] { 13, 14, 15, 16, 17 }, fromKept.Select(o => o[0]));
        // from records given: the last 3 of them
        var records = new[] { 1.0, 2, 5, 6, 7 }.Select(v => Record(("Y", v))).ToArray();
        Assert.Equal(new float[] { 8, 9, 10 }, forecaster.Run(forecaster.StartFrom(records), 3, null).Select(o => o[0]));
        Assert.Equal(new float[] { 10, 11, 12 }, forecaster.Series.LastWindow);   // the kept window is not changed
    }

    [Fact]
    public void WithOtherFeaturesTheFutureRecordsGiveThemAndTheLabelIsStillFedBack()
    {
        // records of (X, Y), label Y; the network reads y(t-1)·1 + x(t)·10 + y(t)·1 over windows of 2: [x0, y0, x1, y1]
        var net = new Network(4, "mixed", 1);
        net.Add(new DenseLayer(1, Activation.Linear));
        net.SetParameters(new float[] { 0, 1, 10, 1, 0 });
        net.Series = new SeriesEncoding
        {
            Record = new FeatureEncoding
            {
                Columns = new[] { new FeatureColumn { Name = "X" }, new FeatureColumn { Name = "Y" } },
                LabelName = "Y",
            },
            Window = 2,
            Horizon = 1,
            LastWindow = new float[] { 1, 2, 3, 4 },
        };
        var forecaster = new Forecaster(net);
        NeuralPSException unknown = Assert.Throws<NeuralPSException>(() => forecaster.Run(net.Series.LastWindow, 2, null));
        Assert.Equal(ErrorIds.FutureValuesUnknown, unknown.ErrorId);
        Assert.Contains("'X'", unknown.Message);

        var future = new[] { Record(("X", 5.0)), Record(("X", 0.0), ("Y", 999.0)) };   // a label in a future record is ignored
        float[] outputs = forecaster.Run(net.Series.LastWindow, 2, future).Select(o => o[0]).ToArray();
        // step 1 reads [1, 2, 3, 4]: 2 + 30 + 4 = 36; the window becomes [3, 4, 5, 36]; step 2: 4 + 50 + 36 = 90
        Assert.Equal(new float[] { 36, 90 }, outputs);

        NeuralPSException tooFew = Assert.Throws<NeuralPSException>(() => forecaster.Run(net.Series.LastWindow, 3, future));
        Assert.Equal(ErrorIds.FutureValuesUnknown, tooFew.ErrorId);
        Assert.Contains("gives 2 records for 3 steps", tooFew.Message);
        NeuralPSException missing = Assert.Throws<NeuralPSException>(() => forecaster.Run(net.Series.LastWindow, 1, new[] { Record(("Z", 1.0)) }).ToArray());
        Assert.Equal(ErrorIds.MissingFeature, missing.ErrorId);
        Assert.StartsWith("Future record 1 has no property 'X'", missing.Message);
        NeuralPSException nan = Assert.Throws<NeuralPSException>(() => forecaster.Run(net.Series.LastWindow, 2, new[] { Record(("X", 1.0)), Record(("X", double.NaN)) }).ToArray());
        Assert.Equal(ErrorIds.NaNInWindow, nan.ErrorId);
        Assert.StartsWith("Future record 2, column 'X' is NaN.", nan.Message);
    }

    [Fact]
    public void ALabelOutsideTheWindowsNeedsEveryColumnOfTheFuture()
    {
        var net = new Network(2, "exogenous", 1);
        net.Add(new DenseLayer(1, Activation.Linear));
        net.SetParameters(new float[] { 1, 1, 0 });
        net.Series = new SeriesEncoding { Record = FeatureEncoding.Numeric(new[] { "X" }, "Y"), Window = 2, Horizon = 1, LastWindow = new float[] { 1, 2 } };
        var forecaster = new Forecaster(net);
        Assert.Equal(-1, forecaster.Series.LabelColumn);
        NeuralPSException error = Assert.Throws<NeuralPSException>(() => forecaster.Run(net.Series.LastWindow, 1, null));
        Assert.Equal(ErrorIds.FutureValuesUnknown, error.ErrorId);
        Assert.Contains("is not one of the windows' features", error.Message);
        // X(t-1) + X(t): [1, 2] → 3, then [2, 10] → 12
        Assert.Equal(new float[] { 3, 12 }, forecaster.Run(net.Series.LastWindow, 2, new[] { Record(("X", 10.0)), Record(("X", 20.0)) }).Select(o => o[0]));
    }

    [Fact]
    public void AClassifiersClassIsFedBackAsItsCategory()
    {
        // records of one categorical column Level (low/high), also the label; the network outputs the logits of
        // (high, low) as "the opposite of the last record": so the forecast alternates
        var net = new Network(4, "alternating", 1);
        net.Add(new DenseLayer(2, Activation.Softmax));
        // inputs [high(t-1), low(t-1), high(t), low(t)]; output high = 5·low(t), low = 5·high(t)
        net.SetParameters(new float[] { 0, 0, 0, 0, 0, 5, 5, 0, 0, 0 });
        string[] classes = { "high", "low" };
        net.ClassNames = classes;
        net.Series = new SeriesEncoding
        {
            Record = new FeatureEncoding
            {
                Columns = new[] { new FeatureColumn { Name = "Level", Kind = ColumnKind.Categorical, Categories = classes } },
                LabelName = "Level",
                Task = DatasetTask.Classification,
                ClassNames = classes,
            },
            Window = 2,
            Horizon = 1,
            LastWindow = new float[] { 1, 0, 1, 0 },   // high, high
        };
        float[][] outputs = new Forecaster(net).Run(net.Series.LastWindow, 4, null).ToArray();
        Assert.Equal(new[] { 1, 0, 1, 0 }, outputs.Select(o => Evaluator.ArgMax(o)));   // low, high, low, high
    }

    [Fact]
    public void OnlyANetworkTrainedOnWindowsOneStepOnForecasts()
    {
        var plain = new Network(3, "plain", 1);
        plain.Add(new DenseLayer(1, Activation.Linear));
        Assert.Equal(ErrorIds.NotASeriesNetwork, Assert.Throws<NeuralPSException>(() => new Forecaster(plain)).ErrorId);
        NeuralPSException horizon = Assert.Throws<NeuralPSException>(() => new Forecaster(CountingNetwork(horizon: 2)));
        Assert.Equal(ErrorIds.ForecastHorizon, horizon.ErrorId);
        Assert.Contains("-Horizon 2", horizon.Message);
    }

    [Fact]
    public void ASeriesShorterThanOneWindowAndAGapInTheLastWindowNameTheRecord()
    {
        var forecaster = new Forecaster(CountingNetwork());
        NeuralPSException tooShort = Assert.Throws<NeuralPSException>(() => forecaster.StartFrom(new[] { Record(("Y", 1.0)), Record(("Y", 2.0)) }));
        Assert.Equal(ErrorIds.SeriesTooShort, tooShort.ErrorId);
        Assert.StartsWith("The series given has 2 records, but a forecast starts from one window of 3", tooShort.Message);
        var gap = new[] { 1.0, 2, 3, double.NaN, 5 }.Select(v => Record(("Y", v))).ToArray();
        NeuralPSException nan = Assert.Throws<NeuralPSException>(() => forecaster.StartFrom(gap));
        Assert.Equal(ErrorIds.NaNInWindow, nan.ErrorId);
        Assert.StartsWith("Record 4, column 'Y' is NaN. It is in the last window (records 3 to 5)", nan.Message);
        NeuralPSException missing = Assert.Throws<NeuralPSException>(() => forecaster.StartFrom(new[] { Record(("Y", 1.0)), Record(("Y", 2.0)), Record(("Z", 3.0)) }));
        Assert.Equal(ErrorIds.MissingFeature, missing.ErrorId);
        Assert.StartsWith("Record 3 has no property 'Y'", missing.Message);
    }

    [Fact]
    public void WindowsOfAnotherLengthAreWindowMismatch()
    {
        Network net = CountingNetwork();
        var records = new Dataset(Enumerable.Range(0, 10).Select(i => (float)i).ToArray(), 1, Enumerable.Range(0, 10).Select(i => (float)i).ToArray(), 1,
            DatasetTask.Regression, new[] { "Y" }, null, "ys", "Y");
        Dataset four = new SeriesWindows(4, 1, 10).Make(records);
        NeuralPSException error = Assert.Throws<NeuralPSException>(() => Evaluator.EnsureCompatible(net, four));
        Assert.Equal(ErrorIds.WindowMismatch, error.ErrorId);
        Assert.Contains("reads windows of 3 records × 1 feature, but the dataset holds windows of 4 records × 1 feature", error.Message);
        Assert.Contains("-Window 3", error.Message);
        Assert.Equal(ErrorIds.WindowMismatch, Assert.Throws<NeuralPSException>(() => new Forecaster(net).StartFrom(four)).ErrorId);
        // windows of the right length: the forecast starts at the end of the series they were made from
        Dataset three = new SeriesWindows(3, 1, 10).Make(records);
        Assert.Equal(new float[] { 7, 8, 9 }, new Forecaster(net).StartFrom(three));
        Assert.Equal(new float[] { 7, 8, 9 }, three.Subset(new[] { 0, 1 }).Series!.LastWindow);
    }

    [Fact]
    public void TheSeriesTravelsWithTheModelFileAndADamagedOneIsRefused()
    {
        Network net = CountingNetwork();
        Network loaded = ModelFile.FromBytes(ModelFile.ToBytes(net));
        Assert.NotNull(loaded.Series);
        Assert.Equal((3, 1, "Y"), (loaded.Series!.Window, loaded.Series.Horizon, loaded.Series.LabelName));
        Assert.Equal(net.Series!.LastWindow, loaded.Series.LastWindow);
        Assert.Equal(new float[] { 13, 14 }, new Forecaster(loaded).Run(loaded.Series.LastWindow, 2, null).Select(o => o[0]));
        Assert.NotNull(net.Clone().Series);

        net.Series = new SeriesEncoding { Record = net.Series.Record, Window = 3, Horizon = 1, LastWindow = new float[] { 1, 2 } };
        NeuralPSException error = Assert.Throws<NeuralPSException>(() => ModelFile.FromBytes(ModelFile.ToBytes(net)));
        Assert.Equal(ErrorIds.ModelFileCorrupt, error.ErrorId);
        Assert.Contains("Series.LastWindow", error.Message);
    }
}
