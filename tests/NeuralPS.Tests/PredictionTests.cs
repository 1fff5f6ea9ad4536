using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>Answers out: Invoke-Prediction on the user's raw records, -Normalize, and Test-Network, as a user runs them.</summary>
public class PredictionTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("neuralps-predict-").FullName;

    public PredictionTests()
    {
        _ps.Run($"Set-Location '{_folder}'");
        // A classifier trained from a CSV through Import-Csv, with -Normalize instead of a normalization layer.
        _ps.Run(@"
            Get-SampleDataset Iris | ConvertFrom-Dataset | Export-Csv iris.csv
            $global:iris = Import-Csv iris.csv | ConvertTo-Dataset -Label Species
            $global:net = New-Network 4 -Seed 3 | Add-DenseLayer 16 -Activation Relu | Add-DenseLayer 3 -Activation Softmax |
                Set-Optimizer Adam -LearningRate 0.02
            $null = $net | Invoke-Training -Data $iris -Epochs 60 -BatchSize 16 -Normalize");
    }

    public void Dispose()
    {
        _ps.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static string Id(ErrorRecord error) => error.FullyQualifiedErrorId.Split(',')[0];

    [Fact]
    public void NormalizeAddsANormalizationLayerLearnedFromTheTrainingData()
    {
        var net = (Network)_ps.Run("$net")[0].BaseObject;
        var normalization = Assert.IsType<NormalizationLayer>(net.Layers[0]);
        Assert.True(normalization.IsAdapted);
        Assert.Equal(3, net.Layers.Count);
        var iris = Core.Data.SampleDatasets.Iris();
        double sepalMean = Enumerable.Range(0, 150).Average(r => (double)iris.Features[r * 4]);
        Assert.Equal(sepalMean, normalization.Mean[0], 4);
        Assert.Contains("Normalization", net.ToSummary());
    }

    [Fact]
    public void RawCsvRecordsComeBackWithPredictionAndConfidence()
    {
        var results = _ps.Run("Import-Csv iris.csv | Invoke-Prediction -Network $net");
        Assert.Equal(150, results.Count);
        int correct = 0;
        foreach (PSObject r in results)
        {
            string prediction = (string)r.Properties["Prediction"].Value;
            Assert.Contains(prediction, new[] { "setosa", "versicolor", "virginica" });
            double confidence = (double)r.Properties["Confidence"].Value;
            Assert.InRange(confidence, 1.0 / 3, 1.0);
            Assert.NotNull(r.Properties["SepalLength"]); // the input's own properties pass on
            if (prediction == (string)r.Properties["Species"].Value) correct++;
        }
        Assert.True(correct >= 140, $"{correct} of 150 correct");
    }

    [Fact]
    public void IncludeProbabilitiesAddsEveryClass()
    {
        PSObject r = Assert.Single(_ps.Run(
            "[pscustomobject]@{ SepalLength = 6.9; SepalWidth = 3.1; PetalLength = 5.7; PetalWidth = 2.2 } | Invoke-Prediction -Network $net -IncludeProbabilities"));
        double[] p = { (double)r.Properties["P(setosa)"].Value, (double)r.Properties["P(versicolor)"].Value, (double)r.Properties["P(virginica)"].Value };
        Assert.Equal(1.0, p.Sum(), 5);
        Assert.Equal(p.Max(), (double)r.Properties["Confidence"].Value);
        Assert.Equal("virginica", r.Properties["Prediction"].Value);
    }

    [Fact]
    public void ABadRecordGetsAnErrorNamingItAndThePropertyAndTheOthersArePredicted()
    {
        var results = _ps.Run(@"
            @(
                [pscustomobject]@{ SepalLength = 5.1; SepalWidth = 3.5; PetalLength = 1.4; PetalWidth = 0.2 }
                [pscustomobject]@{ SepalLength = 5.1; SepalWidth = 3.5; PetalLength = 1.4 }
                [pscustomobject]@{ SepalLength = 5.1; SepalWidth = 3.5; PetalLength = 'long'; PetalWidth = 0.2 }
                @{ SepalLength = 6.0; SepalWidth = 2.7; PetalLength = 4.2; PetalWidth = 1.3 }
            ) | Invoke-Prediction -Network $net", out var errors);
        Assert.Equal(2, results.Count);
        Assert.Equal(2, errors.Count);
        Assert.Equal(ErrorIds.MissingFeature, Id(errors[0]));
        Assert.Contains("Record 2", errors[0].Exception.Message);
        Assert.Contains("'PetalWidth'", errors[0].Exception.Message);
        Assert.Equal(ErrorCategory.InvalidData, errors[0].CategoryInfo.Category);
        Assert.Equal(ErrorIds.InvalidData, Id(errors[1]));
        Assert.Contains("Record 3", errors[1].Exception.Message);
        Assert.Contains("'PetalLength'", errors[1].Exception.Message);
        // a hashtable comes back as an object with its keys and the prediction side by side
        Assert.Equal(6.0, results[1].Properties["SepalLength"].Value);
        Assert.Equal("versicolor", results[1].Properties["Prediction"].Value);
    }

    [Fact]
    public void AnUnseenCategoryIsANonTerminatingErrorAndCategoriesPredict()
    {
        var results = _ps.Run(@"
            $rows = 1..60 | ForEach-Object { [pscustomobject]@{ Color = ('red', 'green', 'blue')[$_ % 3]; Size = $_ % 7; Label = ('warm', 'cold', 'cold')[$_ % 3] } }
            $fruit = New-Network 4 -Seed 1 | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 2 -Activation Softmax | Set-Optimizer Adam -LearningRate 0.05
            $null = $fruit | Invoke-Training -Data ($rows | ConvertTo-Dataset -Label Label) -Epochs 40 -BatchSize 8
            @(
                [pscustomobject]@{ Color = 'red'; Size = 3 }
                [pscustomobject]@{ Color = 'purple'; Size = 3 }
                @{ Color = 'blue'; Size = '2' }
            ) | Invoke-Prediction -Network $fruit", out var errors);
        Assert.Equal(new[] { "warm", "cold" }, results.Select(r => (string)r.Properties["Prediction"].Value));
        ErrorRecord error = Assert.Single(errors);
        Assert.Equal(ErrorIds.UnknownCategory, Id(error));
        Assert.Contains("Record 2, property 'Color': 'purple'", error.Exception.Message);
        Assert.Contains("blue, green, red", error.Exception.Message);
    }

    [Fact]
    public void RegressionPredictsAValueAndRowsAndDatasetsAreAccepted()
    {
        var results = _ps.Run(@"
            $data = Get-SampleDataset Regression -Samples 300 -Seed 2
            $reg = New-Network 3 -Seed 2 | Add-DenseLayer 16 -Activation Tanh | Add-DenseLayer 1 | Set-Optimizer Adam -LearningRate 0.01
            $null = $reg | Invoke-Training -Data $data -Epochs 60
            [pscustomobject]@{ X1 = 0.5; X2 = -0.5; X3 = 0.1 } | Invoke-Prediction -Network $reg
            Invoke-Prediction -Network $reg -InputObject @(0.5, -0.5, 0.1)
            Invoke-Prediction -Network $reg -Data $data | Select-Object -First 2");
        Assert.Equal(4, results.Count);
        double value = (double)results[0].Properties["Prediction"].Value;
        Assert.Null(results[0].Properties["Confidence"].Value);
        Assert.Equal(value, (double)results[1].Properties["Prediction"].Value);
        double truth = Math.Sin(1.0) + 0.5 * 0.25 - 0.1;
        Assert.InRange(value, truth - 0.3, truth + 0.3);
        Assert.Equal(1, results[2].Properties["Row"].Value);

        ErrorRecord text = _ps.Fail("Invoke-Prediction -Network $reg -InputObject @(0.5, 'x', 0.1)");
        Assert.Equal(ErrorIds.InvalidData, Id(text));
        Assert.Contains("value 2: 'x' is not a number", text.Exception.Message);
    }

    [Fact]
    public void TestNetworkGivesPerClassMetricsAndAConfusionMatrixWithClassNames()
    {
        var evaluation = (Evaluation)_ps.Run("Test-Network -Network $net -Data $iris")[0].BaseObject;
        Assert.Equal(150, evaluation.Rows);
        Assert.Equal(new[] { "setosa", "versicolor", "virginica" }, evaluation.Classes!.Select(c => c.Class));
        Assert.Equal(new[] { 50, 50, 50 }, evaluation.Classes!.Select(c => c.Support));
        int[,] counts = evaluation.ConfusionMatrix!.Counts;
        Assert.Equal(150, counts.Cast<int>().Sum());
        int diagonal = counts[0, 0] + counts[1, 1] + counts[2, 2];
        Assert.Equal((double)diagonal / 150, evaluation.Accuracy!.Value, 10);
        for (int c = 0; c < 3; c++)
        {
            ClassMetrics m = evaluation.Classes![c];
            int predicted = counts[0, c] + counts[1, c] + counts[2, c];
            Assert.Equal((double)counts[c, c] / predicted, m.Precision, 10);
            Assert.Equal(counts[c, c] / 50.0, m.Recall, 10);
            Assert.Equal(2 * m.Precision * m.Recall / (m.Precision + m.Recall), m.F1, 10);
        }
        string view = string.Join("\n", _ps.Run("Test-Network -Network $net -Data $iris | Out-String -Width 150").Select(o => o.ToString()));
        Assert.Contains("Confusion matrix", view);
        Assert.Contains("Precision", view);
        Assert.Contains("virginica", view);
    }

    [Fact]
    public void TestNetworkGivesRegressionErrors()
    {
        var output = _ps.Run(@"
            $data = Get-SampleDataset Regression -Samples 200 -Seed 4
            $reg = New-Network 3 -Seed 4 | Add-DenseLayer 8 -Activation Tanh | Add-DenseLayer 1
            $null = $reg | Invoke-Training -Data $data -Epochs 20
            Test-Network -Network $reg -Data $data
            Invoke-Prediction -Network $reg -Data $data | ForEach-Object Prediction
            $data.Targets");
        var e = (Evaluation)output[0].BaseObject;
        double[] predicted = output.Skip(1).Take(200).Select(o => (double)o.BaseObject).ToArray();
        double[] actual = output.Skip(201).Select(o => (double)(float)o.BaseObject).ToArray();
        double mse = predicted.Zip(actual, (p, a) => (p - a) * (p - a)).Average();
        double mean = actual.Average();
        Assert.Equal(mse, e.MeanSquaredError!.Value, 6);
        Assert.Equal(Math.Sqrt(mse), e.RootMeanSquaredError!.Value, 6);
        Assert.Equal(predicted.Zip(actual, (p, a) => Math.Abs(p - a)).Average(), e.MeanAbsoluteError!.Value, 6);
        Assert.Equal(1 - mse / actual.Select(a => (a - mean) * (a - mean)).Average(), e.RSquared!.Value, 6);
        Assert.Null(e.Classes);
    }

    [Fact]
    public void DataWhoseClassesOrFeaturesAreInAnotherOrderIsRefused()
    {
        ErrorRecord features = _ps.Fail(@"
            $reordered = Import-Csv iris.csv | Select-Object PetalWidth, PetalLength, SepalWidth, SepalLength, Species | ConvertTo-Dataset -Label Species
            Test-Network -Network $net -Data $reordered");
        Assert.Equal(ErrorIds.FeatureOrderMismatch, Id(features));
        Assert.Contains("-Encoding $net.FeatureEncoding", features.Exception.Message);

        ErrorRecord classes = _ps.Fail(@"
            $renamed = Import-Csv iris.csv | ForEach-Object { $_.Species = $_.Species.ToUpper(); $_ } | ConvertTo-Dataset -Label Species
            Test-Network -Network $net -Data $renamed");
        Assert.Equal(ErrorIds.ClassMismatch, Id(classes));
        Assert.Contains("setosa, versicolor, virginica", classes.Exception.Message);
        Assert.Contains("SETOSA", classes.Exception.Message);

        var ok = _ps.Run(@"
            $reordered = Import-Csv iris.csv | Select-Object PetalWidth, PetalLength, SepalWidth, SepalLength, Species |
                ConvertTo-Dataset -Label Species -Encoding $net.FeatureEncoding
            (Test-Network -Network $net -Data $reordered).Accuracy");
        Assert.True((double)ok[0].BaseObject > 0.9);
    }
}
