using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using NeuralPS.Core;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Tests;

/// <summary>Ctrl+C, streaming rows, tab completion, -WhatIf, progress and verbose output, as a shell user meets them.</summary>
public class ShellTests : IDisposable
{
    private readonly PowerShellSession _ps = new();

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void StoppingTrainingMidEpochEndsWithinABatchAndLeavesAUsableNetwork()
    {
        // ~100k rows: an epoch is thousands of batches (about a second here), a batch well under a millisecond.
        var network = (Network)_ps.Run("""
            $global:big = Get-SampleDataset Moons -Samples 100000 -Seed 1
            $global:net = New-Network 2 -Seed 1 | Add-DenseLayer 64 -Activation Relu | Add-DenseLayer 64 -Activation Relu |
                Add-DenseLayer 1 -Activation Sigmoid
            $net
            """)[0].BaseObject;

        using var ps = PowerShell.Create();
        ps.Runspace = _ps.Runspace;
        ps.AddScript("$net | Invoke-Training -Data $big -Epochs 1000 -BatchSize 32");
        var output = new PSDataCollection<PSObject>();
        using var firstEpoch = new ManualResetEventSlim();
        output.DataAdded += (_, _) => firstEpoch.Set();
        IAsyncResult running = ps.BeginInvoke<PSObject, PSObject>(null, output);
        Assert.True(firstEpoch.Wait(TimeSpan.FromMinutes(2)), "no epoch finished in two minutes");
        var epochTime = ((EpochResult)output[0].BaseObject).Duration;
        Thread.Sleep(TimeSpan.FromTicks(Math.Min(epochTime.Ticks / 3, TimeSpan.FromMilliseconds(300).Ticks))); // into epoch 2

        var clock = Stopwatch.StartNew();
        ps.Stop();
        Assert.True(running.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)), "the pipeline did not stop");
        clock.Stop();
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);

        // Nothing half-done: every object written is a whole epoch, and the history holds exactly those.
        int written = output.Count;
        Assert.True(written >= 1);
        Assert.True(written < 1000);
        Assert.All(output, o => Assert.IsType<EpochResult>(o.BaseObject));
        Assert.Equal(written, network.History.Count);
        Assert.Equal(Enumerable.Range(1, written), network.History.Select(e => e.Epoch));
        // Within a batch: far sooner than the rest of the epoch would take (the epoch takes thousands of batches).
        Assert.True(clock.Elapsed < epochTime / 2 + TimeSpan.FromMilliseconds(200),
            $"Stop took {clock.Elapsed.TotalMilliseconds:F0} ms; an epoch takes {epochTime.TotalMilliseconds:F0} ms");
        Assert.All(network.Parameters, p => Assert.True(float.IsFinite(p)));

        // The network goes on: it evaluates, and trains further from where it stopped.
        var more = _ps.Run("$net | Invoke-Training -Data (Get-SampleDataset Moons -Samples 500 -Seed 2) -Epochs 2");
        Assert.Equal(new[] { written + 1, written + 2 }, more.Select(e => ((EpochResult)e.BaseObject).Epoch));
        var evaluation = (Evaluation)_ps.Run("Test-Network $net (Get-SampleDataset Moons -Samples 500 -Seed 3)")[0].BaseObject;
        Assert.True(evaluation.Accuracy > 0.8, $"accuracy {evaluation.Accuracy}");
    }

    [Fact]
    public void TheEpochTableAppearsRowByRowWhileTraining()
    {
        // A host that records each line as it is written, with how many epochs the network had trained at that moment.
        var host = new RecordingHost();
        using var session = new PowerShellSession(PowerShellSession.ManifestPath, host);
        var network = (Network)session.Run("""
            $global:net = New-Network 4 -Seed 1 | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax
            $net
            """)[0].BaseObject;
        host.Probe = () => network.History.Count;
        session.Run("$net | Invoke-Training -Data (Get-SampleDataset Iris) -Epochs 6 -BatchSize 16 | Out-Default");

        var rows = host.Lines.Where(l => System.Text.RegularExpressions.Regex.IsMatch(l.Text, @"^\s*\d+\s+\d")).ToList();
        Assert.Equal(6, rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(i + 1, int.Parse(rows[i].Text.Trim().Split(' ')[0], CultureInfo.InvariantCulture));
            // Written right after its epoch ended, while the later epochs had not run yet.
            Assert.Equal(i + 1, rows[i].EpochsTrained);
        }
        Assert.Contains(host.Lines, l => l.Text.TrimStart().StartsWith("Epoch", StringComparison.Ordinal) && l.EpochsTrained == 1);
        Assert.All(host.Lines, l => Assert.True(l.Text.Length <= 80, $"wider than 80 columns: '{l.Text}'"));
    }

    [Fact]
    public void ProgressReportsEpochBatchLossAndTimeLeftAFewTimesASecond()
    {
        var host = new RecordingHost();
        using var session = new PowerShellSession(PowerShellSession.ManifestPath, host);
        var clock = Stopwatch.StartNew();
        session.Run("""
            $ProgressPreference = 'Continue'
            New-Network 2 -Seed 1 | Add-DenseLayer 32 -Activation Relu | Add-DenseLayer 1 -Activation Sigmoid |
                Invoke-Training -Data (Get-SampleDataset Moons -Samples 5000 -Seed 1) -Epochs 20 -BatchSize 16 |
                ForEach-Object { Start-Sleep -Milliseconds 100 } # at least two seconds, whatever the machine's speed
            """);
        clock.Stop();
        var updates = host.Progress.Where(p => p.RecordType == ProgressRecordType.Processing).ToList();
        Assert.NotEmpty(updates);
        Assert.Matches(@"^Epoch \d+/20, batch \d+/313, loss \d", updates[0].StatusDescription);
        Assert.All(updates, u => Assert.True(u.SecondsRemaining >= 0 && u.PercentComplete is >= 0 and <= 100));
        // At most five redraws a second, and the final state (the last batch of the last epoch) before Completed.
        Assert.True(updates.Count <= clock.Elapsed.TotalSeconds * 5 + 2, $"{updates.Count} updates in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.StartsWith("Epoch 20/20, batch 313/313, loss ", updates[^1].StatusDescription);
        Assert.Equal(100, updates[^1].PercentComplete);
        Assert.Equal(ProgressRecordType.Completed, host.Progress[^1].RecordType);

        host.Progress.Clear();
        session.Run("""
            $ProgressPreference = 'SilentlyContinue'
            New-Network 2 -Seed 1 | Add-DenseLayer 32 -Activation Relu | Add-DenseLayer 1 -Activation Sigmoid |
                Invoke-Training -Data (Get-SampleDataset Moons -Samples 5000 -Seed 1) -Epochs 20 -BatchSize 16 |
                ForEach-Object { Start-Sleep -Milliseconds 100 }
            """);
        Assert.Empty(host.Progress);
    }

    [Fact]
    public void ASlowProgressBarNeverHoldsTrainingUp()
    {
        // A host that takes 300 ms to draw each progress record, as a terminal that does not answer cursor-position
        // queries makes PowerShell's console host do (script -qec, CI runners): before, training waited on every
        // redraw, and since each took longer than the throttle's interval, it redrew after every batch.
        // Epochs of 12,500 steps: at an epoch's end training rightly waits for the pipeline to take the epoch's result,
        // so the four redraws watched here must all fall inside the first epoch (with 625-step epochs one sometimes
        // overlapped that hand-over and saw no step).
        var host = new RecordingHost { ProgressDelay = TimeSpan.FromMilliseconds(300) };
        using var session = new PowerShellSession(PowerShellSession.ManifestPath, host);
        var network = (Network)session.Run("""
            $global:net = New-Network 2 -Seed 1 | Add-DenseLayer 32 -Activation Relu | Add-DenseLayer 1 -Activation Sigmoid
            $global:moons = Get-SampleDataset Moons -Samples 400000 -Seed 1
            $net
            """)[0].BaseObject;
        host.Steps = () => network.Optimizer?.StepCount ?? 0;
        using var ps = PowerShell.Create();
        ps.Runspace = session.Runspace;
        ps.AddScript("$ProgressPreference = 'Continue'; $net | Invoke-Training -Data $moons -Epochs 100000 -BatchSize 32 | Out-Null");
        var clock = Stopwatch.StartNew();
        IAsyncResult running = ps.BeginInvoke();
        Assert.True(SpinWait.SpinUntil(() => host.StepsDuringProgress.Count >= 4, TimeSpan.FromMinutes(2)), "fewer than 4 progress records in two minutes");
        ps.Stop();
        Assert.True(running.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)), "the pipeline did not stop");
        clock.Stop();

        // Training went on while every one of those redraws was being drawn.
        long[] during = host.StepsDuringProgress.Take(4).ToArray();
        Assert.All(during, steps => Assert.True(steps > 0, $"steps taken while the host drew progress: {string.Join(", ", during)}"));
        int updates = host.Progress.Count(p => p.RecordType == ProgressRecordType.Processing);
        Assert.True(updates <= clock.Elapsed.TotalSeconds * 5 + 2, $"{updates} updates in {clock.Elapsed.TotalSeconds:F1} s");
        // And the host is not asked to redraw more than a fifth of the time: 300 ms redraws come at most every 1.2 s.
        Assert.True(updates <= clock.Elapsed.TotalSeconds / 1.2 + 2, $"{updates} updates of 300 ms in {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void AHostThatStallsOnTheProgressBarHasItClearedAndNotRedrawn()
    {
        // Under a terminal that never answers, one redraw takes seconds, and every line of output written while the bar
        // shows redraws it again: after one such redraw the bar goes away for the rest of the run.
        var host = new RecordingHost { ProgressDelay = TimeSpan.FromMilliseconds(1500) };
        using var session = new PowerShellSession(PowerShellSession.ManifestPath, host);
        var results = session.Run("""
            $ProgressPreference = 'Continue'
            $net = New-Network 2 -Seed 1 | Add-DenseLayer 32 -Activation Relu | Add-DenseLayer 1 -Activation Sigmoid
            $net | Invoke-Training -Data (Get-SampleDataset Moons -Samples 5000 -Seed 1) -Epochs 30 -BatchSize 8 |
                ForEach-Object { Start-Sleep -Milliseconds 100; $_ } # at least three seconds
            """);
        Assert.Equal(30, results.Count);
        Assert.Equal(new[] { ProgressRecordType.Processing, ProgressRecordType.Completed }, host.Progress.Select(p => p.RecordType));
    }

    [Fact]
    public void TrainingShorterThanASecondShowsNoProgressBar()
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _ps.Runspace;
        ps.AddScript("$ProgressPreference = 'Continue'; New-Network 4 -Seed 1 | Add-DenseLayer 8 -Activation Relu | Add-DenseLayer 3 -Activation Softmax | Invoke-Training -Data (Get-SampleDataset Iris) -Epochs 3");
        Assert.Equal(3, ps.Invoke().Count);
        Assert.Empty(ps.Streams.Progress);
    }

    [Fact]
    public void VerboseSaysWhatIsTrainedAndWhyItStopped()
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _ps.Runspace;
        ps.AddScript("""
            New-Network 2 -Seed 1 | Add-DenseLayer 8 -Activation Tanh -Verbose | Add-DenseLayer 1 -Activation Sigmoid |
                Invoke-Training -Data (Get-SampleDataset Moons -Seed 1) -Epochs 500 -EarlyStopping -Patience 2 -MinDelta 10 -Verbose
            """);
        ps.Invoke();
        var verbose = ps.Streams.Verbose.Select(v => v.Message).ToList();
        Assert.Contains(verbose, v => v.StartsWith("Added layer 1: Dense (Tanh)", StringComparison.Ordinal));
        Assert.Contains(verbose, v => v.StartsWith("Training 'network' on 200 rows for 500 epochs", StringComparison.Ordinal));
        Assert.Contains(verbose, v => v.StartsWith("Early stopping", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("New-Network 2 | Add-DenseLayer 8 -Activation re", "Relu")]
    [InlineData("New-Network 2 | Add-DenseLayer 8 -Activation SOFT", "Softmax|Softplus")]
    [InlineData("New-Network 2 | Add-DenseLayer 8 -Initializer he", "HeNormal|HeUniform")]
    [InlineData("New-Network 2 | Add-BatchNormLayer -Activation ge", "Gelu")]
    [InlineData("New-Network 2 | Set-Optimizer ad", "AdaGrad|Adam|AdamW")]
    [InlineData("New-Network 2 | Set-Optimizer Sgd -Schedule co", "Constant|Cosine")]
    [InlineData("New-Network 2 | Set-Loss hu", "Huber")]
    [InlineData("New-Network 2 | Set-Loss binary", "BinaryCrossEntropy")]
    [InlineData("Get-SampleDataset ir", "Iris")]
    [InlineData("Invoke-Training -Monitor validationl", "ValidationLoss")]
    public void NamesCompleteWithTab(string line, string expected)
    {
        var matches = _ps.Run($"$s = '{line}'; (TabExpansion2 -inputScript $s -cursorColumn $s.Length).CompletionMatches.CompletionText")
            .Select(m => m.ToString()).ToList();
        Assert.Equal(expected.Split('|'), matches);
    }

    [Fact]
    public void NamesBindWhateverTheirCase()
    {
        var network = (Network)_ps.Run("New-Network 2 | Add-DenseLayer 4 -Activation RELU -Initializer henormal | Add-DenseLayer 1 -Activation sigmoid | Set-Optimizer adamw | Set-Loss huber")[0].BaseObject;
        Assert.Equal(Activation.Relu, network.Layers[0].Activation);
        Assert.Equal(NeuralPS.Core.Optimizers.OptimizerKind.AdamW, network.OptimizerSettings.Kind);
        Assert.Equal(LossKind.Huber, network.Loss);
        Assert.Equal("Iris", ((NeuralPS.Core.Data.Dataset)_ps.Run("Get-SampleDataset iRiS")[0].BaseObject).Name);
    }

    [Fact]
    public void WhatIfChangesNothingAndPassesTheNetworkOn()
    {
        var network = (Network)_ps.Run("New-Network 2 | Add-DenseLayer 1 | Set-Optimizer Sgd 0.5 -WhatIf | Set-Loss Huber -WhatIf")[0].BaseObject;
        Assert.Equal(NeuralPS.Core.Optimizers.OptimizerKind.Adam, network.OptimizerSettings.Kind);
        Assert.Null(network.LossOverride);
    }

    /// <summary>A host that keeps every line and progress record written to it.</summary>
    private sealed class RecordingHost : PSHost
    {
        private readonly RecordingUI _ui;
        public RecordingHost() => _ui = new RecordingUI(this);
        public Func<int> Probe { get; set; } = () => -1;
        /// <summary>How long drawing a progress record takes (the terminal's wait).</summary>
        public TimeSpan ProgressDelay { get; set; }
        /// <summary>Training steps taken while each Processing record was being drawn.</summary>
        public List<long> StepsDuringProgress { get; } = new();
        public Func<long> Steps { get; set; } = () => 0;
        public List<(string Text, int EpochsTrained)> Lines => _ui.Lines;
        public List<ProgressRecord> Progress => _ui.Progress;
        public override string Name => "RecordingHost";
        public override Version Version => new(1, 0);
        public override Guid InstanceId { get; } = Guid.NewGuid();
        public override PSHostUserInterface UI => _ui;
        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
        public override void EnterNestedPrompt() { }
        public override void ExitNestedPrompt() { }
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
        public override void SetShouldExit(int exitCode) { }
    }

    private sealed class RecordingUI : PSHostUserInterface
    {
        private readonly RecordingHost _host;
        private readonly System.Text.StringBuilder _pending = new();
        public RecordingUI(RecordingHost host) => _host = host;
        public List<(string Text, int EpochsTrained)> Lines { get; } = new();
        public List<ProgressRecord> Progress { get; } = new();
        public override PSHostRawUserInterface RawUI { get; } = new RecordingRawUI();
        public override void Write(string value) => _pending.Append(value);
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => _pending.Append(value);
        public override void WriteLine(string value)
        {
            _pending.Append(value);
            foreach (string line in GetOutputString(_pending.ToString(), false).Split('\n')) Lines.Add((line.TrimEnd('\r'), _host.Probe()));
            _pending.Clear();
        }
        public override void WriteErrorLine(string value) => WriteLine(value);
        public override void WriteDebugLine(string message) { }
        public override void WriteVerboseLine(string message) { }
        public override void WriteWarningLine(string message) { }
        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
            long before = _host.Steps();
            if (record.RecordType == ProgressRecordType.Processing) Thread.Sleep(_host.ProgressDelay);
            Progress.Add(record);
            if (record.RecordType == ProgressRecordType.Processing) _host.StepsDuringProgress.Add(_host.Steps() - before);
        }
        public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions) => throw new NotSupportedException();
        public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice) => defaultChoice;
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();
        public override string ReadLine() => "";
        public override System.Security.SecureString ReadLineAsSecureString() => throw new NotSupportedException();
    }

    private sealed class RecordingRawUI : PSHostRawUserInterface
    {
        public override ConsoleColor BackgroundColor { get; set; }
        public override ConsoleColor ForegroundColor { get; set; }
        public override Size BufferSize { get => new(80, 9999); set { } }
        public override Coordinates CursorPosition { get; set; }
        public override int CursorSize { get; set; }
        public override bool KeyAvailable => false;
        public override Size MaxPhysicalWindowSize => new(80, 50);
        public override Size MaxWindowSize => new(80, 50);
        public override Coordinates WindowPosition { get; set; }
        public override Size WindowSize { get => new(80, 50); set { } }
        public override string WindowTitle { get; set; } = "";
        public override void FlushInputBuffer() { }
        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();
        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException();
        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
    }
}
