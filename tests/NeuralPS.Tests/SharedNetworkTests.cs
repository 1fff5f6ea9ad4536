using System.Collections.ObjectModel;
using System.Management.Automation;
using NeuralPS.Core;
using Xunit;
using Xunit.Abstractions;

namespace NeuralPS.Tests;

/// <summary>
/// One network used from two runspaces at once: every answer right, every conflict the named error NetworkInUse.
/// (Before: 558 of 150,000 predictions wrong with no error; trainings ending in false NonFiniteLoss or
/// IndexOutOfRangeException, and a History with duplicate epochs.) Rounds: NEURALPS_SHARED_ROUNDS="predict,train"
/// (the run is 50,20).
/// </summary>
public sealed class SharedNetworkTests : IDisposable
{
    private readonly PowerShellSession _a = new(), _b = new();
    private readonly ITestOutputHelper _output;

    public SharedNetworkTests(ITestOutputHelper output)
    {
        _output = output;
        foreach (PowerShellSession s in new[] { _a, _b })
            s.Run("$global:iris = Get-SampleDataset Iris; $global:rows = 1..10 | ForEach-Object { $iris | ConvertFrom-Dataset }");
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }

    private static (int Predict, int Train) Rounds()
    {
        string[]? given = Environment.GetEnvironmentVariable("NEURALPS_SHARED_ROUNDS")?.Split(',');
        return given is { Length: 2 } ? (int.Parse(given[0]), int.Parse(given[1])) : (8, 5);
    }

    /// <summary>Runs <paramref name="script"/> in both sessions at once (released together by a gate); returns each one's output.</summary>
    private static List<string>[] Together(Network net, string script, params PowerShellSession[] sessions)
    {
        using var gate = new ManualResetEventSlim(false);
        var runs = sessions.Select(s =>
        {
            s.Runspace.SessionStateProxy.SetVariable("net", net);
            s.Runspace.SessionStateProxy.SetVariable("gate", gate);
            var ps = PowerShell.Create();
            ps.Runspace = s.Runspace;
            ps.AddScript("$null = $gate.Wait(10000)\n" + script);
            return (ps, handle: ps.BeginInvoke());
        }).ToList();
        gate.Set();
        return runs.Select(run =>
        {
            using PowerShell ps = run.ps;
            PSDataCollection<PSObject> output = ps.EndInvoke(run.handle);
            Assert.Empty(ps.Streams.Error);
            return output.Select(o => o.ToString()).ToList();
        }).ToArray();
    }

    private const string Predict = """
        try { $rows | Invoke-Prediction -Network $net -ErrorAction Stop | ForEach-Object { '{0}|{1:R}' -f $_.Prediction, $_.Confidence } }
        catch { 'ERROR ' + $_.FullyQualifiedErrorId + ' ' + $_.CategoryInfo.Category + ' ' + $_.Exception.Message }
        """;

    private const string Train = """
        try { $null = $net | Invoke-Training -Data $iris -Epochs 30 -BatchSize 4 -Seed 3 -ErrorAction Stop; 'done' }
        catch { 'ERROR ' + $_.FullyQualifiedErrorId + ' ' + $_.CategoryInfo.Category + ' ' + $_.Exception.Message }
        """;

    private static void AssertIsAConflict(List<string> output)
    {
        string line = Assert.Single(output);
        Assert.StartsWith("ERROR NetworkInUse,NeuralPS.Cmdlets.", line);
        Assert.Contains(" ResourceBusy ", line);
        Assert.Contains("in another runspace or thread is", line);
    }

    [Fact]
    public void TwoRunspacesPredictingWithOneNetworkGetRightAnswersOrNetworkInUse()
    {
        var net = (Network)_a.Run("""
            $n = New-Network 4 -Seed 1 | Add-DenseLayer 16 -Activation Relu | Add-DenseLayer 3 -Activation Softmax | Set-Optimizer Adam -LearningRate 0.01
            $null = $n | Invoke-Training -Data $iris -Epochs 30 -Normalize
            $n
            """)[0].BaseObject;
        List<string> expected = Together(net, Predict, _a)[0];
        Assert.Equal(1500, expected.Count);
        int answered = 0, conflicts = 0;
        for (int round = 0; round < Rounds().Predict; round++)
            foreach (List<string> output in Together(net, Predict, _a, _b))
            {
                if (output.Count == 1) { AssertIsAConflict(output); conflicts++; }
                else { Assert.Equal(expected, output); answered++; }
            }
        _output.WriteLine($"{Rounds().Predict} rounds: {answered} pipelines answered right, {conflicts} NetworkInUse, 0 wrong answers");
        Assert.True(answered >= Rounds().Predict); // one of each pair at least
    }

    [Fact]
    public void TwoRunspacesTrainingOneNetworkTrainItOnceEachOrGetNetworkInUse()
    {
        var untrained = (Network)_a.Run(
            "New-Network 4 -Seed 1 | Add-DenseLayer 16 -Activation Relu | Add-DenseLayer 3 -Activation Softmax | Set-Optimizer Adam -LearningRate 0.01")[0].BaseObject;
        // what k trainings in turn give, bit for bit
        var byCount = new Dictionary<int, float[]>();
        float[] InTurn(int k)
        {
            if (byCount.TryGetValue(k, out float[]? known)) return known;
            Network alone = untrained.Clone();
            for (int i = 0; i < k; i++) Assert.Equal("done", Together(alone, Train, _a)[0].Single());
            return byCount[k] = alone.Parameters.ToArray();
        }
        int trained = 0, conflicts = 0;
        for (int round = 0; round < Rounds().Train; round++)
        {
            Network net = untrained.Clone();
            List<string>[] outputs = Together(net, Train, _a, _b);
            int done = 0;
            foreach (List<string> output in outputs)
            {
                if (output.SequenceEqual(new[] { "done" })) done++;
                else { AssertIsAConflict(output); conflicts++; }
            }
            Assert.InRange(done, 1, 2);
            trained += done;
            Assert.Equal(Enumerable.Range(1, 30 * done), net.History.Select(e => e.Epoch)); // no epoch twice
            Assert.Equal(InTurn(done), net.Parameters); // as if trained in turn: no step lost or mixed
        }
        _output.WriteLine($"{Rounds().Train} rounds: {trained} trainings ran, {conflicts} NetworkInUse, 0 wrong results");
    }

    [Fact]
    public void APipelineMayCheckpointAndPredictBetweenEpochsButNotChangeTheNetwork()
    {
        string folder = Directory.CreateTempSubdirectory("neuralps-shared-").FullName;
        try
        {
            Collection<PSObject> output = _a.Run($$"""
                $n = New-Network 4 -Seed 1 | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax
                $n | Invoke-Training -Data $iris -Epochs 3 | ForEach-Object {
                    $n | Export-Network (Join-Path '{{folder}}' "epoch$($_.Epoch).npsm")
                    ($iris | Invoke-Prediction -Network $n | Select-Object -First 1).Prediction
                }
                """);
            Assert.Equal(3, output.Count);
            Assert.Equal(3, Directory.GetFiles(folder, "epoch*.npsm").Length);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        ErrorRecord error = _a.Fail("""
            $n = New-Network 4 -Seed 1 | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax
            $n | Invoke-Training -Data $iris -Epochs 3 | ForEach-Object { $n | Add-DenseLayer 3 }
            """);
        Assert.StartsWith("NetworkInUse,NeuralPS.Cmdlets.AddDenseLayerCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceBusy, error.CategoryInfo.Category);
        Assert.Contains("Invoke-Training earlier in this pipeline is changing it", error.Exception.Message);
    }

    [Fact]
    public void ANetworkIsGivenBackHoweverThePipelineEnds()
    {
        _a.Run("$global:n = New-Network 4 -Seed 1 | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax");
        // stopped downstream, failed, stopped mid-prediction, and -PassThru into another training
        _a.Run("$n | Invoke-Training -Data $iris -Epochs 5 | Select-Object -First 1");
        _a.Fail("$n | Invoke-Training -Data (Get-SampleDataset Moons) -Epochs 1");
        _a.Run("$rows | Invoke-Prediction -Network $n | Select-Object -First 2");
        _a.Fail("[pscustomobject]@{ SepalLength = 'x' } | Invoke-Prediction -Network $n -ErrorAction Stop");
        _a.Run("$null = $n | Invoke-Training -Data $iris -Epochs 1 -PassThru | Invoke-Training -Data $iris -Epochs 1");
        // the other runspace can now train it
        var net = (Network)_a.Run("$n")[0].BaseObject;
        Assert.Equal("done", Together(net, Train, _b)[0].Single());
        Assert.Equal(1 + 2 + 30, net.History.Count);
    }
}
