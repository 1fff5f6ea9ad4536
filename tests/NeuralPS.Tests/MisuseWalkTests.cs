using System.Management.Automation;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>
/// The probes of issue 21, as a user runs them: every failure a named error with a category, never a raw .NET
/// exception (IndexOutOfRangeException, OverflowException, OutOfMemoryException) reaching the user.
/// </summary>
public sealed class MisuseWalkTests : IClassFixture<MisuseWalkTests.Session>
{
    /// <summary>One session for the walk, working in a folder of its own.</summary>
    public sealed class Session : IDisposable
    {
        public PowerShellSession PS { get; } = new();
        public string Folder { get; } = Directory.CreateTempSubdirectory("neuralps-misuse-").FullName;

        public Session() => PS.Run($"Set-Location '{Folder}'; $global:iris = Get-SampleDataset Iris");

        public void Dispose()
        {
            PS.Dispose();
            Directory.Delete(Folder, recursive: true);
        }
    }

    private readonly PowerShellSession _ps;
    private readonly string _folder;

    public MisuseWalkTests(Session session) => (_ps, _folder) = (session.PS, session.Folder);

    private const string Iris = "New-Network 4 -Seed 1 | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax";

    [Theory]
    // a softmax output of one unit: IndexOutOfRangeException in the loss
    [InlineData("New-Network 2 | Add-DenseLayer 1 -Activation Softmax | Invoke-Training -Data (Get-SampleDataset Xor)", "SoftmaxOneUnit", ErrorCategory.InvalidArgument)]
    [InlineData("$n = [NeuralPS.Core.Network]::new(2, 'p', 1); $n.Add([NeuralPS.Core.Layers.DenseLayer]::new(1, 'Softmax', 'Auto', 0, 0)); $n | Invoke-Training -Data (Get-SampleDataset Moons)", "SoftmaxOneUnit", ErrorCategory.InvalidArgument)]
    // sizes past 2^31: an OverflowException, and a ParameterCount wrapped to 1,410,165,408
    [InlineData("New-Network 50000 | Add-DenseLayer 50000", "NetworkTooLarge", ErrorCategory.LimitsExceeded)]
    [InlineData("New-Network 100000 | Add-DenseLayer 100000", "NetworkTooLarge", ErrorCategory.LimitsExceeded)]
    [InlineData("$d = 1..1100 | ForEach-Object { [pscustomobject]@{ x = $_; y = $_ } } | ConvertTo-Dataset -Label y; New-Network 1 | Add-DenseLayer 2000000 -Activation Relu | Add-DenseLayer 1 | Invoke-Training -Data $d -BatchSize 0", "NetworkTooLarge", ErrorCategory.LimitsExceeded)]
    // bad enums
    [InlineData("New-Network 4 | Add-DenseLayer 3 -Activation 999", "CannotConvertArgumentNoMessage", ErrorCategory.InvalidArgument)]
    [InlineData("New-Network 4 | Add-DenseLayer 3 -Initializer Bogus", "CannotConvertArgumentNoMessage", ErrorCategory.InvalidArgument)]
    [InlineData("New-Network 4 | Set-Optimizer ([NeuralPS.Core.Optimizers.OptimizerKind]42)", "UndefinedIntegerToEnum", ErrorCategory.InvalidArgument)]
    // files that are not model files: read whole (4.3 GB of /dev/zero, then OutOfMemoryException) before
    [InlineData("Import-Network /dev/zero", "ModelFileCorrupt", ErrorCategory.InvalidData)]
    [InlineData("Import-Network .", "PathIsFolder", ErrorCategory.InvalidArgument)]
    [InlineData("[IO.File]::WriteAllBytes((Join-Path $PWD r.npsm), [byte[]](1..255)); Import-Network r.npsm", "ModelFileCorrupt", ErrorCategory.InvalidData)]
    [InlineData("New-Network 2 | Add-DenseLayer 1 | Export-Network v.npsm; $b = [IO.File]::ReadAllBytes((Join-Path $PWD v.npsm)); $b[11] = 7; Import-Network -Bytes $b", "ModelFileCorrupt", ErrorCategory.InvalidData)]
    // data with one class, a diverging training, splits
    [InlineData("$d = 1..5 | ForEach-Object { [pscustomobject]@{ x = $_; y = 'a' } } | ConvertTo-Dataset -Label y; New-Network 1 | Add-DenseLayer 2 -Activation Softmax | Invoke-Training -Data $d", "OneClass", ErrorCategory.InvalidData)]
    [InlineData("Test-Network (" + Iris + ") ($iris | ConvertFrom-Dataset | Select-Object -First 10 | ConvertTo-Dataset -Label Species)", "OneClass", ErrorCategory.InvalidData)]
    [InlineData(Iris + " | Set-Optimizer Sgd -LearningRate 1e6 | Invoke-Training -Data $iris", "Diverged", ErrorCategory.InvalidOperation)]
    [InlineData("$iris | Split-Dataset -TestFraction 0", "InvalidSplit", ErrorCategory.InvalidArgument)]
    // CSV files
    [InlineData("\"x,y`n1,a`n2,b,7`n3,a\" | Set-Content e.csv; Import-Dataset e.csv -Label y", "FieldCountMismatch", ErrorCategory.InvalidData)]
    [InlineData("\"x,y`n1,a`n2`n3,a\" | Set-Content s.csv; Import-Dataset s.csv -Label y", "FieldCountMismatch", ErrorCategory.InvalidData)]
    [InlineData("\"x,y`n1,a`n2,`\"b`n3,a\" | Set-Content q.csv; Import-Dataset q.csv -Label y", "UnterminatedQuote", ErrorCategory.InvalidData)]
    [InlineData("\"x,y`n`\"1,000`\",a`n`\"2,000`\",b\" | Set-Content c.csv; Import-Dataset c.csv -Label y", "NumberWithComma", ErrorCategory.InvalidData)]
    [InlineData("[pscustomobject]@{ x = '1,000'; y = 'a' }, [pscustomobject]@{ x = '2,000'; y = 'b' } | ConvertTo-Dataset -Label y", "NumberWithComma", ErrorCategory.InvalidData)]
    [InlineData("[IO.File]::WriteAllBytes((Join-Path $PWD b.csv), [byte[]](0..255)); Import-Dataset b.csv -Label y", "MissingLabel", ErrorCategory.InvalidData)]
    public void EveryProbeIsANamedError(string script, string errorId, ErrorCategory category)
    {
        ErrorRecord error = _ps.Fail(script);
        Assert.Equal(errorId, error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(category, error.CategoryInfo.Category);
        // named: the engine's own error or PowerShell's (parameter binding), never a raw .NET exception
        Assert.True(error.Exception.GetType().Namespace is "NeuralPS.Core" or "System.Management.Automation",
            $"{error.Exception.GetType().FullName} reached the user: {error.Exception.Message}");
        if (error.Exception is NeuralPS.Core.NeuralPSException) Assert.DoesNotContain(error.Exception.Message, c => char.IsControl(c));
    }

    [Fact]
    public void ABinaryFileIsShownEscaped()
    {
        ErrorRecord error = _ps.Fail("[IO.File]::WriteAllBytes((Join-Path $PWD b.csv), [byte[]](0..255)); Import-Dataset b.csv -Label y");
        Assert.Contains(@"\0\x01\x02", error.Exception.Message);
    }

    [Fact]
    public void TheAdviceForOneClassDataIsNotASoftmaxOfOneUnit()
    {
        ErrorRecord error = _ps.Fail("$d = 1..5 | ForEach-Object { [pscustomobject]@{ x = $_; y = 'a' } } | ConvertTo-Dataset -Label y; New-Network 1 | Add-DenseLayer 2 -Activation Softmax | Invoke-Training -Data $d");
        Assert.Contains("only one class ('a')", error.Exception.Message);
        Assert.DoesNotContain("Add-DenseLayer 1 -Activation Softmax", error.Exception.Message);
        // and the layer that advice named is refused where it is added, with advice that works
        ErrorRecord softmax = _ps.Fail("New-Network 4 | Add-DenseLayer 1 -Activation Softmax");
        Assert.Contains("Add-DenseLayer 1 -Activation Sigmoid", softmax.Exception.Message);
    }

    [Fact]
    public void SgdAtAMillionOnIrisStopsInTheFirstEpochWithTheWeightsRestored()
    {
        ErrorRecord error = _ps.Fail(
            $"$global:net = {Iris} | Set-Optimizer Sgd -LearningRate 1e6; $global:initial = $net.Parameters.Clone(); $net | Invoke-Training -Data $iris -Epochs 20");
        Assert.Matches(@"at epoch 1, batch \d+", error.Exception.Message);
        Assert.Equal(_ps.Run("$initial").Select(o => o.BaseObject), _ps.Run("$net.Parameters").Select(o => o.BaseObject));
        Assert.Equal(0, (int)_ps.Run("$net.History.Count")[0].BaseObject);
    }

    [Fact]
    public void AnExportRemovesTheTemporaryFilesOfInterruptedSaves()
    {
        // what 20 saves killed between writing and renaming leave behind: hidden partial files, from an earlier process
        string folder = Directory.CreateDirectory(Path.Combine(_folder, "saves")).FullName;
        var leftovers = Enumerable.Range(0, 20)
            .Select(i => Path.Combine(folder, $".model.npsm.{Guid.NewGuid():N}.neuralps-partial")).ToList();
        foreach (string path in leftovers)
        {
            File.WriteAllBytes(path, new byte[4096]);
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-10));
        }
        _ps.Run($"New-Network 2 | Add-DenseLayer 1 | Export-Network '{folder}/model.npsm' -Force");
        Assert.Equal(new[] { "model.npsm" }, Directory.GetFiles(folder).Select(Path.GetFileName));
    }
}
