using System.Management.Automation;
using NeuralPS.Core;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>Every cmdlet walked through wrong input: a stable ErrorId, a category, a target, and a message that says what to do.</summary>
public class ErrorTests : IClassFixture<PowerShellSession>
{
    private readonly PowerShellSession _ps;

    public ErrorTests(PowerShellSession ps) => _ps = ps;

    private const string Iris4 = "New-Network 4 -Seed 1 | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax";

    [Theory]
    // New-Network
    [InlineData("New-Network 0", "ParameterArgumentValidationError", ErrorCategory.InvalidData, "InputSize")]
    // Add-DenseLayer
    [InlineData("New-Network 4 | Add-DenseLayer 0", "ParameterArgumentValidationError", ErrorCategory.InvalidData, "Units")]
    [InlineData("New-Network 4 | Add-DenseLayer 3 -Activation Softmax | Add-DenseLayer 2", ErrorIds.LayerAfterSoftmax, ErrorCategory.InvalidOperation, "put the softmax on the last layer")]
    [InlineData("New-Network 4 | Add-DenseLayer 3 -Activation Sigmoidal", "CannotConvertArgumentNoMessage", ErrorCategory.InvalidArgument, "Relu")]
    [InlineData("New-Network 4 | Add-DenseLayer 3 -L2 -1", "ParameterArgumentValidationError", ErrorCategory.InvalidData, "L2")]
    // Add-DropoutLayer
    [InlineData("New-Network 4 | Add-DropoutLayer 1.5", ErrorIds.InvalidDropoutRate, ErrorCategory.InvalidArgument, "at least 0 and below 1")]
    // Add-BatchNormLayer
    [InlineData("New-Network 4 | Add-BatchNormLayer -Momentum 2", "ParameterArgumentValidationError", ErrorCategory.InvalidData, "Momentum")]
    // Add-NormalizationLayer
    [InlineData("New-Network 4 | Add-DenseLayer 4 | Add-NormalizationLayer", ErrorIds.NormalizationNotFirst, ErrorCategory.InvalidOperation, "must be the first layer")]
    // the image layers
    // Add-EmbeddingLayer
    [InlineData("New-Network 4 | Add-EmbeddingLayer Host 8", ErrorIds.NoFeatureNames, ErrorCategory.InvalidOperation, "New-Network -Data $train")]
    [InlineData("New-Network -Data (@{ Host = 'a'; Up = 1 }, @{ Host = 'b'; Up = 0 } | ConvertTo-Dataset -Label Up) | Add-EmbeddingLayer Host 8", ErrorIds.InvalidEmbedding, ErrorCategory.InvalidArgument, "-CategoryIndex Host")]
    [InlineData("New-Network 4 | Add-Conv2DLayer 2", ErrorIds.ImageInputRequired, ErrorCategory.InvalidOperation, "New-Network -InputShape 1,28,28")]
    [InlineData("New-Network 4 | Add-Conv1DLayer 2", ErrorIds.SequenceInputRequired, ErrorCategory.InvalidOperation, "ConvertTo-Dataset -Window")]
    [InlineData("New-Network 4 | Add-DropoutLayer 0.2 -Spatial", ErrorIds.SpatialDropoutOnRows, ErrorCategory.InvalidOperation, "leave -Spatial out")]
    [InlineData("New-Network -InputShape 4,2 | Add-Conv1DLayer 2 -KernelSize 5", ErrorIds.ShapeMismatch, ErrorCategory.InvalidArgument, "-Padding Same")]
    [InlineData("New-Network -InputShape 1,3,3 | Add-Conv2DLayer 2 -KernelSize 5", ErrorIds.ShapeMismatch, ErrorCategory.InvalidArgument, "use Same padding or a smaller kernel")]
    [InlineData("New-Network -InputShape 1,8,8 | Add-Conv2DLayer 2 -KernelSize 1,2,3", "ParameterArgumentValidationError", ErrorCategory.InvalidData, "KernelSize")]
    [InlineData("New-Network 4 | Add-MaxPoolLayer", ErrorIds.ImageInputRequired, ErrorCategory.InvalidOperation, "image input")]
    [InlineData("New-Network -InputShape 1,3,3 | Add-AveragePoolLayer 4", ErrorIds.ShapeMismatch, ErrorCategory.InvalidArgument, "use a smaller window")]
    [InlineData("New-Network 4 | Add-GlobalAveragePoolLayer", ErrorIds.ImageInputRequired, ErrorCategory.InvalidOperation, "image input")]
    [InlineData("New-Network -InputShape 1,4,4 | Add-DenseLayer 2 -Activation Softmax | Add-FlattenLayer", ErrorIds.LayerAfterSoftmax, ErrorCategory.InvalidOperation, "put the softmax on the last layer")]
    [InlineData("New-Network -InputShape 0,28", ErrorIds.InvalidInputShape, ErrorCategory.InvalidArgument, "at least one timestep")]
    // Set-Optimizer
    [InlineData("New-Network 4 | Set-Optimizer Adamax", "CannotConvertArgumentNoMessage", ErrorCategory.InvalidArgument, "AdamW")]
    [InlineData("New-Network 4 | Set-Optimizer Sgd -Nesterov", ErrorIds.NesterovWithoutMomentum, ErrorCategory.InvalidArgument, "-Momentum 0.9")]
    [InlineData("New-Network 4 | Set-Optimizer Adam -LearningRate -1", "ParameterArgumentValidationError", ErrorCategory.InvalidData, "LearningRate")]
    // Set-Loss
    [InlineData("New-Network 4 | Set-Loss CrossEntropy", "CannotConvertArgumentNoMessage", ErrorCategory.InvalidArgument, "CategoricalCrossEntropy")]
    // Invoke-Training
    [InlineData("New-Network 2 | Invoke-Training -Data (Get-SampleDataset Xor)", ErrorIds.NoLayers, ErrorCategory.InvalidOperation, "Add-DenseLayer")]
    [InlineData("New-Network 3 | Add-DenseLayer 3 -Activation Softmax | Invoke-Training -Data (Get-SampleDataset Iris)", ErrorIds.ShapeMismatch, ErrorCategory.InvalidData, "expects 3 inputs but the training data has 4 features")]
    [InlineData("New-Network 4 | Add-DenseLayer 2 -Activation Softmax | Invoke-Training -Data (Get-SampleDataset Iris)", ErrorIds.ShapeMismatch, ErrorCategory.InvalidData, "Add-DenseLayer 3 -Activation Softmax")]
    [InlineData(Iris4 + " | Invoke-Training -Data (Get-SampleDataset Iris) -ValidationData (Get-SampleDataset Moons)", ErrorIds.ShapeMismatch, ErrorCategory.InvalidData, "validation data")]
    [InlineData(Iris4 + " | Invoke-Training -Data (Get-SampleDataset Iris) -Epochs 0", "ParameterArgumentValidationError", ErrorCategory.InvalidData, "Epochs")]
    [InlineData(Iris4 + " | Invoke-Training -Data 'iris.csv'", "CannotConvertArgumentNoMessage", ErrorCategory.InvalidArgument, "to type \"NeuralPS.Core.Data.Dataset\"")]
    [InlineData("$d = 1..30 | ForEach-Object { [pscustomobject]@{ x = $_; digit = $_ % 10 } } | ConvertTo-Dataset -Label digit; New-Network 1 | Add-DenseLayer 10 -Activation Softmax | Invoke-Training -Data $d", ErrorIds.ShapeMismatch, ErrorCategory.InvalidData, "ConvertTo-Dataset -Label digit -Classification")]
    [InlineData("New-Network 4 | Add-DenseLayer 3 | Invoke-Training -Data (Get-SampleDataset Iris)", ErrorIds.OutputMismatch, ErrorCategory.InvalidOperation, "Add-DenseLayer 3 -Activation Softmax (cross-entropy), or choose the loss on purpose: Set-Loss MeanSquaredError")]
    [InlineData("New-Network 2 | Add-DenseLayer 1 -Activation Tanh | Invoke-Training -Data (Get-SampleDataset Xor)", ErrorIds.OutputMismatch, ErrorCategory.InvalidOperation, "Add-DenseLayer 1 -Activation Sigmoid")]
    [InlineData("New-Network 4 | Add-DenseLayer 3 | Set-Loss CategoricalCrossEntropy | Invoke-Training -Data (Get-SampleDataset Iris)", ErrorIds.LossMismatch, ErrorCategory.InvalidOperation, "Add-DenseLayer 3 -Activation Softmax, or set a loss that fits a Linear output")]
    [InlineData("New-Network 3 | Add-DenseLayer 1 -Activation Relu | Set-Loss BinaryCrossEntropy | Invoke-Training -Data (Get-SampleDataset Regression)", ErrorIds.LossMismatch, ErrorCategory.InvalidOperation, "needs probabilities from a Sigmoid output")]
    // Test-Network
    [InlineData("Test-Network (" + Iris4 + ") (Get-SampleDataset Moons)", ErrorIds.ShapeMismatch, ErrorCategory.InvalidData, "expects 4 inputs")]
    [InlineData("Test-Network (New-Network 4) (Get-SampleDataset Iris)", ErrorIds.NoLayers, ErrorCategory.InvalidOperation, "Add some first")]
    // Invoke-Prediction
    [InlineData("Invoke-Prediction -Network (" + Iris4 + ") -Data (Get-SampleDataset Xor)", ErrorIds.ShapeMismatch, ErrorCategory.InvalidData, "expects 4 inputs")]
    [InlineData("Invoke-Prediction -Network (New-Network 2) -InputObject @(1, 2)", ErrorIds.NoLayers, ErrorCategory.InvalidOperation, "Add some first")]
    [InlineData("Invoke-Prediction -Network (" + Iris4 + ") -InputObject @(1, 2)", ErrorIds.ShapeMismatch, ErrorCategory.InvalidData, "Record 1 has 2 values but the network expects 4 inputs")]
    [InlineData("[pscustomobject]@{ a = 1 } | Invoke-Prediction (" + Iris4 + ")", ErrorIds.NoFeatureNames, ErrorCategory.InvalidOperation, "pass rows of numbers instead")]
    // Get-SampleDataset
    [InlineData("Get-SampleDataset Mnist", "ParameterArgumentValidationError", ErrorCategory.InvalidData, "Xor,Iris,AirPassengers,Moons")]
    [InlineData("Get-SampleDataset Moons -Samples 0", "ParameterArgumentValidationError", ErrorCategory.InvalidData, "Samples")]
    // Split-Dataset
    [InlineData("Get-SampleDataset Xor | Split-Dataset -TestFraction 0.6 -ValidationFraction 0.6", ErrorIds.InvalidSplit, ErrorCategory.InvalidArgument, "add up to less than 1")]
    [InlineData("Get-SampleDataset Iris | Split-Dataset -TestFraction 1.5", "ParameterArgumentValidationError", ErrorCategory.InvalidData, "TestFraction")]
    [InlineData("Get-SampleDataset Regression | Split-Dataset -Stratify", ErrorIds.StratifyNeedsClasses, ErrorCategory.InvalidArgument, "Leave out -Stratify")]
    // ConvertTo-Dataset, ConvertFrom-Dataset, Import-Dataset
    [InlineData("@{ A = 1; B = 2 } | ConvertTo-Dataset -Label Species", ErrorIds.MissingLabel, ErrorCategory.InvalidArgument, "no property 'Species'")]
    [InlineData("@() | ConvertTo-Dataset -Label Species", ErrorIds.EmptyDataset, ErrorCategory.InvalidData, "No records were given")]
    [InlineData("'iris' | ConvertFrom-Dataset", "InputObjectNotBound", ErrorCategory.InvalidArgument, "input object cannot be bound")]
    [InlineData("Import-Dataset no-such-file.csv -Label y", ErrorIds.FileNotFound, ErrorCategory.ObjectNotFound, "no-such-file.csv")]
    [InlineData("Import-Dataset no-such-*.csv -Label y", ErrorIds.FileNotFound, ErrorCategory.ObjectNotFound, "No file matches 'no-such-*.csv'")]
    [InlineData("[pscustomobject]@{ Id = 1; x = 2; y = 3 } | ConvertTo-Dataset -Label y -Exclude Idd", ErrorIds.ExcludedColumnNotFound, ErrorCategory.InvalidArgument, "no property 'Idd' to exclude")]
    [InlineData("[pscustomobject]@{ Id = 1; x = 2; y = 3 } | ConvertTo-Dataset -Label y -Exclude y", ErrorIds.ExcludedLabel, ErrorCategory.InvalidArgument, "'y' is the label")]
    // Export-Network, Import-Network, Export-TrainingChart
    [InlineData("New-Network 2 | Add-DenseLayer 1 | Export-Network ([IO.Path]::GetTempFileName()) -Format NeuralPS", ErrorIds.ModelFileExists, ErrorCategory.InvalidOperation, "Use -Force")]
    [InlineData("New-Network 2 | Add-DenseLayer 1 | Export-Network ([IO.Path]::GetTempPath() + 'model.h5')", ErrorIds.UnknownModelExtension, ErrorCategory.InvalidArgument, "Use .npsm for the NeuralPS model file")]
    [InlineData("$p = [IO.Path]::GetTempPath() + [guid]::NewGuid() + '.onnx'; 'not a model' | Set-Content $p; Import-Network $p", ErrorIds.ModelFileCorrupt, ErrorCategory.InvalidData, "cannot be read as an ONNX model")]
    [InlineData("$p = [IO.Path]::GetTempFileName(); 'not a model' | Set-Content $p; Import-Network $p", ErrorIds.ModelFileCorrupt, ErrorCategory.InvalidData, "")]
    [InlineData("$n = New-Network 2 | Add-DenseLayer 1 -Activation Sigmoid; $null = $n | Invoke-Training -Data (Get-SampleDataset Xor) -Epochs 1; $n | Export-TrainingChart ([IO.Path]::GetTempPath() + 'chart.gif')", ErrorIds.UnknownChartFormat, ErrorCategory.InvalidArgument, ".png or .svg")]
    // Show-TrainingHistory, Get-FeatureImportance, Get-Attribution, Get-LayerStatistics
    [InlineData("1, 2 | Show-TrainingHistory", ErrorIds.UnsupportedInput, ErrorCategory.InvalidArgument, "not a Int32")]
    [InlineData("New-Network 2 | Add-DenseLayer 1 | Show-TrainingHistory", ErrorIds.NeverTrained, ErrorCategory.InvalidOperation, "Train it first")]
    [InlineData("Get-FeatureImportance (" + Iris4 + ") (Get-SampleDataset Moons)", ErrorIds.ShapeMismatch, ErrorCategory.InvalidData, "expects 4 inputs")]
    [InlineData("Get-Attribution (" + Iris4 + ") -InputObject @(1, 2)", ErrorIds.ShapeMismatch, ErrorCategory.InvalidData, "Record 1 has 2 values but the network expects 4 inputs")]
    [InlineData("Get-Attribution (" + Iris4 + ") -InputObject @(1, 2, 3, 4) -Class rose", ErrorIds.NotAClassifier, ErrorCategory.InvalidArgument, "-Class needs a classifier")]
    [InlineData("Get-LayerStatistics (" + Iris4 + ") (Get-SampleDataset Moons)", ErrorIds.ShapeMismatch, ErrorCategory.InvalidData, "expects 4 inputs")]
    // Invoke-CrossValidation
    [InlineData("New-Network 2 | Add-DenseLayer 1 -Activation Sigmoid | Invoke-CrossValidation -Data (Get-SampleDataset Xor) -ValidationSplit 0.2", ErrorIds.FoldsWithValidation, ErrorCategory.InvalidArgument, "cannot be given with folds")]
    [InlineData("Invoke-CrossValidation -Network 'no network' -Data (Get-SampleDataset Xor)", ErrorIds.InvalidNetworkScript, ErrorCategory.InvalidArgument, "takes a network")]
    [InlineData("New-Network 2 | Add-DenseLayer 1 -Activation Sigmoid | Set-Optimizer LevenbergMarquardt | Invoke-Training -Data (Get-SampleDataset Xor) -Epochs 1", ErrorIds.LevenbergMarquardtUnsupported, ErrorCategory.InvalidOperation, "Set-Loss MeanSquaredError")]
    // Find-LearningRate
    [InlineData("Find-LearningRate (" + Iris4 + " | Set-Optimizer Lbfgs) (Get-SampleDataset Iris)", ErrorIds.LearningRateFinderNotSupported, ErrorCategory.InvalidOperation, "L-BFGS searches its own step length")]
    [InlineData("Find-LearningRate (" + Iris4 + ") (Get-SampleDataset Iris) -Start 1 -End 0.1", ErrorIds.LearningRateFinderNotSupported, ErrorCategory.InvalidArgument, "give 0 < Start < End")]
    [InlineData("Find-LearningRate (" + Iris4 + ") (Get-SampleDataset Moons)", ErrorIds.ShapeMismatch, ErrorCategory.InvalidData, "expects 4 inputs")]
    // Invoke-Training -CheckpointPath
    [InlineData("$f = New-TemporaryFile; try { " + Iris4 + " | Invoke-Training -Data (Get-SampleDataset Iris) -Epochs 1 -CheckpointPath $f } finally { Remove-Item $f }", ErrorIds.CannotWriteFile, ErrorCategory.InvalidArgument, "it is a file. Give a folder")]
    // Invoke-Sweep
    [InlineData("Invoke-Sweep -Grid @{} -Network { New-Network 2 } -Data (Get-SampleDataset Xor)", ErrorIds.EmptyGrid, ErrorCategory.InvalidArgument, "has no keys, so the sweep has no points")]
    [InlineData("Invoke-Sweep -Grid @{ Units = @() } -Network { New-Network 2 } -Data (Get-SampleDataset Xor)", ErrorIds.EmptyGrid, ErrorCategory.InvalidArgument, "'Units' has no values")]
    [InlineData("Invoke-Sweep -Grid @{ Seed = 1 } -Network { 'no network' } -Data (Get-SampleDataset Xor) -Epochs 1", ErrorIds.SweepRunFailed, ErrorCategory.InvalidOperation, "run 1 (Seed=1) failed on local runspace 1: The -Network script must write exactly one network")]
    [InlineData("Invoke-Sweep -Grid @{ Seed = 1 } -Network { New-Network 3 | Add-DenseLayer 1 -Activation Sigmoid } -Data (Get-SampleDataset Xor) -Epochs 1", ErrorIds.SweepRunFailed, ErrorCategory.InvalidData, "expects 3 inputs but the training data has 2 features")]
    [InlineData("Invoke-Sweep -Grid @{ Seed = 1 } -Network { New-Network 2 } -Data (Get-SampleDataset Xor) -Session $null", "ParameterArgumentValidationError", ErrorCategory.InvalidData, "Session")]
    public void WrongInputIsAClearError(string script, string errorId, ErrorCategory category, string message)
    {
        ErrorRecord error = _ps.Fail(script);
        Assert.Equal(errorId, error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.Contains(message, error.Exception.Message);
        if (error.Exception is NeuralPS.Core.NeuralPSException) Assert.NotNull(error.TargetObject);
    }

    /// <summary>The walk covers every exported cmdlet: a new cmdlet needs a wrong-input case above.</summary>
    [Fact]
    public void EveryExportedCmdletIsWalkedThroughWrongInput()
    {
        var scripts = typeof(ErrorTests).GetMethod(nameof(WrongInputIsAClearError))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .SelectMany(a => a.GetData(null!)).Select(row => (string)row[0]).ToList();
        var cmdlets = _ps.Run("(Get-Command -Module NeuralPS -CommandType Cmdlet).Name").Select(n => n.ToString()).ToList();
        var missing = cmdlets.Where(c => !scripts.Any(s => System.Text.RegularExpressions.Regex.IsMatch(s, $@"(^|[|(;]\s*){c}\b"))).ToList();
        Assert.True(missing.Count == 0, "no wrong-input case for: " + string.Join(", ", missing));
    }

    [Fact]
    public void ABadRecordIsANonTerminatingErrorAndTheOthersArePredicted()
    {
        var output = _ps.Run("""
            $net = New-Network 4 -Seed 1 | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax
            $null = $net | Invoke-Training -Data (Get-SampleDataset Iris) -Epochs 2
            [pscustomobject]@{ SepalLength = 5.1; SepalWidth = 3.5; PetalLength = 1.4; PetalWidth = 0.2 },
            [pscustomobject]@{ SepalLength = 5.1; SepalWidth = 3.5; PetalLength = 1.4 },
            [pscustomobject]@{ SepalLength = 5.1; SepalWidth = 'wide'; PetalLength = 1.4; PetalWidth = 0.2 },
            [pscustomobject]@{ SepalLength = 6.9; SepalWidth = 3.1; PetalLength = 5.7; PetalWidth = 2.2 } | Invoke-Prediction $net
            """, out var errors);
        Assert.Equal(2, output.Count);
        Assert.Equal(2, errors.Count);
        Assert.Equal(ErrorIds.MissingFeature, errors[0].FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.InvalidData, errors[0].CategoryInfo.Category);
        Assert.Contains("Record 2 has no property 'PetalWidth'", errors[0].Exception.Message);
        Assert.NotNull(errors[0].TargetObject);
        Assert.Equal(ErrorIds.InvalidData, errors[1].FullyQualifiedErrorId.Split(',')[0]);
        Assert.Contains("Record 3, property 'SepalWidth': 'wide' is not a number", errors[1].Exception.Message);
    }

    [Fact]
    public void EngineErrorsNameTheCmdletInTheirFullyQualifiedId()
    {
        ErrorRecord error = _ps.Fail("New-Network 4 | Add-DenseLayer 4 | Add-NormalizationLayer");
        Assert.Equal("NormalizationNotFirst,NeuralPS.Cmdlets.AddNormalizationLayerCommand", error.FullyQualifiedErrorId);
        Assert.Equal("Add-NormalizationLayer", error.InvocationInfo.MyCommand.Name);
    }
}
