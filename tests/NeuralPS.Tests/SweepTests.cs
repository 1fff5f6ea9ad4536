using System.Collections;
using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Serialization;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>
/// Invoke-Sweep in local runspaces, as a user's session runs it (the runs train in runspaces of the test process, each
/// importing the module itself), and the byte formats a sweep sends to remote sessions. Sweeps over SSH sessions are
/// tested in tests/Sweep.Tests.ps1 against a real sshd.
/// </summary>
public class SweepTests : IClassFixture<PowerShellSession>
{
    private readonly PowerShellSession _ps;

    public SweepTests(PowerShellSession ps) => _ps = ps;

    private const string Sweep = """
        $train, $test = Get-SampleDataset Iris | Split-Dataset -TestFraction 0.2 -Stratify -Seed 3
        Invoke-Sweep -Grid ([ordered]@{ LearningRate = 0.05, 0.005; Units = 4, 12; Seed = 1, 2 }) -Network {
            New-Network 4 -Seed $Settings.Seed | Add-NormalizationLayer | Add-DenseLayer $Settings.Units -Activation Tanh |
                Add-DropoutLayer 0.1 | Add-DenseLayer 3 -Activation Softmax | Set-Optimizer Adam -LearningRate $Settings.LearningRate
        } -Data $train -ValidationData $test -Epochs 15 -BatchSize 8 -ThrottleLimit {0}
        """;

    [Fact]
    public void EightRunsInParallelGiveTheBitsOfTheSameRunsInSequence()
    {
        Dictionary<int, PSObject> parallel = _ps.Run(Sweep.Replace("{0}", "8")).ToDictionary(r => (int)r.Properties["Run"].Value);
        Dictionary<int, PSObject> sequence = _ps.Run(Sweep.Replace("{0}", "1")).ToDictionary(r => (int)r.Properties["Run"].Value);
        Assert.Equal(Enumerable.Range(1, 8), parallel.Keys.Order());
        Assert.Equal(Enumerable.Range(1, 8), sequence.Keys.Order());
        Assert.True(parallel.Values.Select(r => r.Properties["Session"].Value).Distinct().Count() > 1, "the runs did not run in parallel");
        Assert.Single(sequence.Values.Select(r => r.Properties["Session"].Value).Distinct());
        var weights = new HashSet<string>();
        foreach (int run in parallel.Keys)
        {
            Network a = ModelFile.FromBytes((byte[])parallel[run].Properties["Model"].Value);
            Network b = ModelFile.FromBytes((byte[])sequence[run].Properties["Model"].Value);
            Assert.Equal(b.Parameters, a.Parameters); // float equality: the same bits, not close
            Assert.Equal(b.History.Select(e => e.Loss), a.History.Select(e => e.Loss));
            Assert.Equal(b.History.Select(e => e.ValidationLoss), a.History.Select(e => e.ValidationLoss));
            weights.Add(Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.Parameters.AsSpan()).ToArray()));
        }
        Assert.Equal(8, weights.Count); // every point trained a different network, so equal pairs are not trivially equal
    }

    [Fact]
    public void ProgressIsRedrawnAtMostFiveTimesASecondAndEndsOnTheFinalCount()
    {
        // Many quick runs: before, every run that ended redrew the bar.
        using var ps = PowerShell.Create();
        ps.Runspace = _ps.Runspace;
        ps.AddScript("""
            $ProgressPreference = 'Continue'
            1..48 | ForEach-Object { @{ Seed = $_ } } | Invoke-Sweep -Network {
                New-Network 2 -Seed $Settings.Seed | Add-DenseLayer 2 -Activation Tanh | Add-DenseLayer 1 -Activation Sigmoid
            } -Data (Get-SampleDataset Xor) -Epochs 1 -ThrottleLimit 2
            """);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(48, ps.Invoke().Count);
        clock.Stop();
        var updates = ps.Streams.Progress.Where(p => p.RecordType == ProgressRecordType.Processing).ToList();
        Assert.True(updates.Count <= clock.Elapsed.TotalSeconds * 5 + 2, $"{updates.Count} updates in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal("48 of 48 runs done", updates[^1].StatusDescription);
        Assert.Equal(100, updates[^1].PercentComplete);
        Assert.Equal(ProgressRecordType.Completed, ps.Streams.Progress[^1].RecordType);
    }

    [Fact]
    public void ASettingNamedLikeATrainingOptionSetsItForItsRunAndResultsCarryTheBestEpoch()
    {
        var results = _ps.Run("""
            @{ Seed = 1; Epochs = 4 }, @{ Seed = 1; Epochs = 40; Patience = 2 } | Invoke-Sweep -Network {
                New-Network 2 -Seed $Settings.Seed | Add-DenseLayer 8 -Activation Tanh | Add-DenseLayer 1 -Activation Sigmoid | Set-Optimizer Adam 0.3
            } -Data (Get-SampleDataset Moons -Samples 100 -Seed 1) -ValidationData (Get-SampleDataset Moons -Samples 100 -Seed 2) -EarlyStopping -Epochs 12
            """).OrderBy(r => (int)r.Properties["Run"].Value).ToList();
        Assert.Equal(4, (int)results[0].Properties["Epochs"].Value);
        int epochs = (int)results[1].Properties["Epochs"].Value, best = (int)results[1].Properties["BestEpoch"].Value;
        Assert.InRange(epochs, 3, 39); // patience 2 stopped it before its 40 epochs
        Assert.Equal(epochs - 2, best);
        Network net = ModelFile.FromBytes((byte[])results[1].Properties["Model"].Value);
        Assert.Equal((double)results[1].Properties["BestValidationLoss"].Value, net.History[best - 1].ValidationLoss);
        Assert.Equal(net.History.Min(e => e.ValidationLoss), (double)results[1].Properties["BestValidationLoss"].Value);
    }

    /// <summary>
    /// Invoke-Training and Invoke-Sweep take their training options from one base class: every parameter both have is
    /// the same parameter (type, aliases, every attribute with every property, help text and default), apart from
    /// -Network (a network to train, or a script that makes one) and how -Data binds (each cmdlet's positions, parameter
    /// sets and pipeline input are its own; its type and help are shared). A parameter added to both cmdlets separately,
    /// instead of to the base, fails here by name.
    /// </summary>
    [Fact]
    public void InvokeTrainingAndInvokeSweepShareTheirTrainingParametersExactly()
    {
        var lines = _ps.Run("""
            $training, $sweep = Get-Command Invoke-Training, Invoke-Sweep
            $base = $training.ImplementingType.BaseType
            $base.FullName
            function Get-Signature($command, $name) {
                $p = $command.Parameters[$name]
                $attributes = foreach ($a in $p.Attributes) {
                    $properties = $a.PSObject.Properties | Where-Object Name -NE 'TypeId' | Sort-Object Name |
                        ForEach-Object { '{0}={1}' -f $_.Name, ($_.Value -join '|') }
                    '{0}({1})' -f $a.GetType().Name, ($properties -join '; ')
                }
                $help = Get-Help $command.Name -Parameter $name
                $text = ($help.description | ForEach-Object Text) -join ' '
                $signature = '{0} [{1}] {2} help: {3} default: {4}' -f $p.ParameterType, ($p.Aliases -join ','),
                    (($attributes | Sort-Object) -join ' '), $text, $help.defaultValue
                if ($name -ne 'Data') { return $signature }
                # -Data binds by each cmdlet's own positions, sets and pipeline rules; its type and help are shared.
                $messages = ($p.ParameterSets.Values.HelpMessage | Sort-Object -Unique) -join ' | '
                '{0} message: {1} help: {2}' -f $p.ParameterType, $messages, $text
            }
            'epochs: ' + (Get-Signature $training 'Epochs')
            $both = $training.Parameters.Keys | Where-Object { $sweep.Parameters.ContainsKey($_) } |
                Where-Object { $_ -notin [System.Management.Automation.Cmdlet]::CommonParameters }
            foreach ($name in $both | Sort-Object) {
                $declaredBy = $training.ImplementingType.GetProperty($name).DeclaringType
                'both: {0} from {1}' -f $name, ($declaredBy -eq $base ? 'base' : 'cmdlet')
                if ($name -ne 'Network') {
                    $a, $b = (Get-Signature $training $name), (Get-Signature $sweep $name)
                    if ($a -ne $b) { "differs: -$name`n  Invoke-Training: $a`n  Invoke-Sweep:    $b" }
                }
            }
            """).Select(o => o.ToString()).ToList();
        Assert.Equal("NeuralPS.Cmdlets.TrainingCommandBase", lines[0]);
        // What is compared (so that an empty comparison cannot pass): attributes with their values, help and default.
        string epochs = lines.Single(l => l.StartsWith("epochs: ", StringComparison.Ordinal));
        foreach (string part in new[] { "System.Int32", "ValidateRangeAttribute(", "MinRange=1", "Mandatory=False", "help: Passes over the training data (10).", "default: 10" })
            Assert.Contains(part, epochs);
        var differs = lines.Where(l => l.StartsWith("differs", StringComparison.Ordinal)).ToList();
        Assert.True(differs.Count == 0, string.Join(Environment.NewLine, differs));
        var both = lines.Where(l => l.StartsWith("both: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(new[] { "both: Data from cmdlet", "both: Network from cmdlet" }, both.Where(l => l.EndsWith("cmdlet", StringComparison.Ordinal)));
        // The options every run of a sweep gets: all of them, so none can be missing from one cmdlet.
        Assert.Equal(new[] { "BatchSize", "ClassWeight", "EarlyStopping", "Epochs", "KeepLastWeights", "Metric", "MinDelta", "Monitor", "NoShuffle", "Normalize",
                "Patience", "Seed", "ThreadCount", "ValidationData", "ValidationSplit" },
            both.Where(l => l.EndsWith("base", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// -ThreadCount not given leaves each run's network its own thread count, as Invoke-Training does (a sweep used to
    /// force 1, overriding a -Network script that asked for more); given, it sets every run's.
    /// </summary>
    [Fact]
    public void ASweepWithoutThreadCountKeepsTheNetworksOwnAsInvokeTrainingDoes()
    {
        var counts = _ps.Run("""
            $script = {
                $net = New-Network 2 -Seed 1 | Add-DenseLayer 1 -Activation Sigmoid
                $net.ThreadCount = 2
                [System.AppDomain]::CurrentDomain.SetData('NeuralPS.Tests.SweepNetwork', $net)  # the runspace's network, seen from the test
                $net
            }
            $null = Invoke-Sweep -Grid @{ Seed = 1 } -Network $script -Data (Get-SampleDataset Xor) -Epochs 1
            [System.AppDomain]::CurrentDomain.GetData('NeuralPS.Tests.SweepNetwork').ThreadCount
            $null = Invoke-Sweep -Grid @{ Seed = 1 } -Network $script -Data (Get-SampleDataset Xor) -Epochs 1 -ThreadCount 1
            [System.AppDomain]::CurrentDomain.GetData('NeuralPS.Tests.SweepNetwork').ThreadCount
            """).Select(o => (int)o.BaseObject).ToList();
        Assert.Equal(new[] { 2, 1 }, counts);
    }

    /// <summary>
    /// The scripts a sweep runs in its runspaces and sessions are the .ps1 files under src/NeuralPS/Sweep/Scripts (which
    /// PSScriptAnalyzer checks, tests/Shell.Tests.ps1), embedded in the assembly as they are, and every one parses.
    /// </summary>
    [Fact]
    public void TheSweepScriptsAreTheEmbeddedPs1FilesAndParse()
    {
        string folder = Path.Combine(PowerShellSession.RepoRoot, "src", "NeuralPS", "Sweep", "Scripts");
        var files = Directory.GetFiles(folder, "*.ps1").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { "Check.ps1", "Chunk.ps1", "Cleanup.ps1", "LoadData.ps1", "Run.ps1", "Unpack.ps1" }, files);
        var assembly = (System.Reflection.Assembly)_ps.Run("(Get-Module NeuralPS).ImplementingAssembly")[0].BaseObject;
        Assert.Equal(files.Select(f => "NeuralPS.Sweep.Scripts." + f),
            assembly.GetManifestResourceNames().Where(n => n.StartsWith("NeuralPS.Sweep.Scripts.", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        foreach (string file in files)
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream("NeuralPS.Sweep.Scripts." + file)!);
            string embedded = reader.ReadToEnd();
            Assert.Equal(File.ReadAllText(Path.Combine(folder, file)), embedded);
            System.Management.Automation.Language.Parser.ParseInput(embedded, out _, out var parseErrors);
            Assert.True(parseErrors.Length == 0, $"{file}: {string.Join("; ", parseErrors.Select(e => e.Message))}");
        }
    }

    [Fact]
    public void TheReadmeRecipeImportsTheBestEpochsModelAndLastModelKeepsTheLastOne()
    {
        // A network that overfits 60 rows: its validation loss is lowest long before its last epoch.
        var output = _ps.Run("""
            $train = Get-SampleDataset Moons -Samples 60 -Noise 0.3 -Seed 1
            $valid = Get-SampleDataset Moons -Samples 400 -Noise 0.3 -Seed 2
            $results = Invoke-Sweep -Grid @{ Seed = 1, 2 } -Network {
                New-Network 2 -Seed $Settings.Seed | Add-DenseLayer 64 -Activation Relu | Add-DenseLayer 64 -Activation Relu |
                    Add-DenseLayer 1 -Activation Sigmoid | Set-Optimizer Adam 0.03
            } -Data $train -ValidationData $valid -Epochs 80 -BatchSize 8
            $best = $results | Sort-Object BestValidationLoss | Select-Object -First 1
            $net = $best | Import-Network
            $best
            (Test-Network $net $valid).Loss
            $net.History.Count
            (Test-Network (Import-Network -Bytes $best.LastModel) $valid).Loss
            (Import-Network -Bytes $best.LastModel).History.Count
            ($best | Out-String -Width 200)
            """);
        PSObject best = output[0];
        T Get<T>(string name) => (T)best.Properties[name].Value;
        int bestEpoch = Get<int>("BestEpoch"), epochs = Get<int>("Epochs");
        double bestLoss = Get<double>("BestValidationLoss"), lastLoss = Get<double>("ValidationLoss");
        Assert.True(bestEpoch < epochs, $"best epoch {bestEpoch} of {epochs}: the test needs one before the last");
        Assert.True(bestLoss < lastLoss);
        Assert.Equal(bestLoss, (double)output[1].BaseObject, 6);
        Assert.Equal(bestEpoch, (int)output[2].BaseObject);
        Assert.Equal(lastLoss, (double)output[3].BaseObject, 6);
        Assert.Equal(epochs, (int)output[4].BaseObject);
        // The row says which epoch the model is from, and shows that epoch's metrics.
        string row = ((string)output[5].BaseObject).Split('\n').Single(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s*\d+ "));
        Assert.Contains($" {bestEpoch}/{epochs} ", row);
        Assert.Contains(bestLoss.ToString("N4", System.Globalization.CultureInfo.CurrentCulture), row);
    }

    [Fact]
    public void AFailedRunIsAnErrorNamingItsSettingsAndTheOtherRunsGoOn()
    {
        var output = _ps.Run("""
            Invoke-Sweep -Grid ([ordered]@{ Seed = 1, 2, 3 }) -Network {
                if ($Settings.Seed -eq 2) { throw 'no network for seed 2' }
                New-Network 2 -Seed $Settings.Seed | Add-DenseLayer 1 -Activation Sigmoid
            } -Data (Get-SampleDataset Xor) -Epochs 2 -ThrottleLimit 3
            """, out var errors);
        Assert.Equal(new[] { 1, 3 }, output.Select(r => (int)r.Properties["Run"].Value).Order());
        ErrorRecord error = Assert.Single(errors);
        Assert.Equal(ErrorIds.SweepRunFailed, error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Contains("run 2 (Seed=2) failed on local runspace", error.Exception.Message);
        Assert.Contains("no network for seed 2", error.Exception.Message);
        Assert.Equal(2, ((IDictionary)error.TargetObject)["Seed"]);
    }

    [Fact]
    public void ImportNetworkTakesModelBytesAndRefusesDamagedOnes()
    {
        var loaded = _ps.Run("""
            $r = Invoke-Sweep -Grid @{ Seed = 7 } -Network { New-Network 2 -Seed 7 | Add-DenseLayer 1 -Activation Sigmoid } -Data (Get-SampleDataset Xor) -Epochs 3
            ($r | Import-Network).History.Count
            (Import-Network -Bytes $r.Model).Seed
            $r.ToNetwork().Parameters.Count
            """);
        Assert.Equal(new object[] { 3, 7L, 3 }, loaded.Select(o => o.BaseObject).ToArray());
        ErrorRecord error = _ps.Fail("Import-Network -Bytes ([byte[]](1, 2, 3))");
        Assert.Equal(ErrorIds.ModelFileCorrupt, error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Contains("the model bytes", error.Exception.Message);
    }

    [Fact]
    public void DatasetBytesRoundTripEveryPartOfADataset()
    {
        Dataset data = _ps.Run("""
            [pscustomobject]@{ Size = 1.5; Color = 'red'; Ripe = $true; Fruit = 'apple' },
            [pscustomobject]@{ Size = 2.5; Color = 'green'; Ripe = $false; Fruit = 'pear' } | ConvertTo-Dataset -Label Fruit
            """).Select(o => o.BaseObject).OfType<Dataset>().Single();
        Dataset back = DatasetBytes.FromBytes(DatasetBytes.ToBytes(data));
        Assert.Equal(data.Features, back.Features);
        Assert.Equal(data.Targets, back.Targets);
        Assert.Equal(data.FeatureNames, back.FeatureNames);
        Assert.Equal(data.ClassNames, back.ClassNames);
        Assert.Equal(data.Task, back.Task);
        Assert.Equal((data.Name, data.LabelName, data.TargetWidth), (back.Name, back.LabelName, back.TargetWidth));
        Assert.Equal(data.Encoding!.FeatureNames, back.Encoding!.FeatureNames);
        Assert.Equal(data.Encoding.ClassNames, back.Encoding.ClassNames);

        byte[] bytes = DatasetBytes.ToBytes(SampleDatasets.Iris());
        bytes[bytes.Length / 2] ^= 1;
        var e = Assert.Throws<NeuralPSException>(() => DatasetBytes.FromBytes(bytes));
        Assert.Equal(ErrorIds.InvalidData, e.ErrorId);
        Assert.Contains("checksum", e.Message);
        Assert.Throws<NeuralPSException>(() => DatasetBytes.FromBytes(new byte[10]));
    }
}
