using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace NeuralPS.Benchmarks;

/// <summary>
/// W1 through the cmdlets, as a user runs it: New-Network | Add-DenseLayer ×3 | Set-Optimizer | Invoke-Training in a
/// hosted runspace with the module imported from the repository's NeuralPS.psd1 (build the solution first). Each
/// epoch is timed from the arrival of its EpochResult on the pipeline, so the PowerShell layer (epoch objects,
/// progress records, metrics) is part of the figure. Prints the w1 and w1_summary lines of the w1 work.
/// </summary>
internal static class PowerShellWorkload
{
    private const string Script = """
        param($Data, $Epochs, $Batch, $Seed, $Threads)
        New-Network -InputSize 784 -Name w1 -Seed $Seed |
            Add-DenseLayer -Units 128 -Activation Relu |
            Add-DenseLayer -Units 64 -Activation Relu |
            Add-DenseLayer -Units 10 -Activation Softmax |
            Set-Optimizer -Name Adam -LearningRate 0.001 |
            Invoke-Training -Data $Data -Epochs $Epochs -BatchSize $Batch -Seed $Seed -ThreadCount $Threads
        """;

    private const int WarmUpEpochs = 2;

    public static void Run(BenchOptions options)
    {
        string manifest = FindManifest();
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(manifest);
        using Runspace runspace = RunspaceFactory.CreateRunspace(state);
        runspace.Open();

        string dir = Environment.GetEnvironmentVariable("FMNIST_DIR") ?? "/usr/share/datasets/fashion-mnist";
        using var load = PowerShell.Create(runspace);
        load.AddCommand("Import-Dataset")
            .AddParameter("Path", Path.Combine(dir, "train-images-idx3-ubyte.gz"))
            .AddParameter("LabelPath", Path.Combine(dir, "train-labels-idx1-ubyte.gz"));
        PSObject data = load.Invoke().Single();
        ThrowOnErrors(load);
        int rows = (int)data.Properties["Rows"].Value;

        // The engine's w1 leaves out its first epoch, in which .NET compiles the engine. Through PowerShell there is
        // more to compile: the first run compiles ~7,000 methods, and .NET then recompiles PowerShell's methods on a
        // background thread as each reaches 30 calls. In a fresh process epochs 2-4 carried ~300 ms of JIT time
        // (400-600 methods), on one of the two cores the training wants. So a short run comes first, as a session's
        // earlier Invoke-Training would, and the timed run starts once the JIT has gone quiet. Methods called a few
        // times per run (parameter binding) still cross 30 calls in later runs: ~100 ms of JIT lands in the timed
        // run's first two epochs, so time enough epochs that the median is past them. Each timed epoch reports the
        // JIT time it saw (jit_s, jit_methods).
        var warmUpEpochs = new List<double>();
        Train(runspace, data, WarmUpEpochs, options, warmUpEpochs, [], []);
        double settled = JitSettle();
        Output.Emit(("work", "w1ps_warmup"), ("batch", options.Batch), ("epochs", warmUpEpochs.Count), ("jit_settle_s", settled));

        var arrivals = new List<double>();
        var jitSeconds = new List<double>();
        var methods = new List<long>();
        Train(runspace, data, options.Epochs, options, arrivals, jitSeconds, methods);

        var times = new List<double>();
        for (int e = 0; e < arrivals.Count; e++)
        {
            double seconds = arrivals[e] - (e == 0 ? 0 : arrivals[e - 1]);
            if (e > 0) times.Add(seconds);
            Output.Emit(("work", "w1"), ("via", "Invoke-Training"), ("batch", options.Batch), ("epoch", e + 1), ("warmup", e == 0),
                ("seconds", seconds), ("samples_per_s", rows / seconds),
                ("jit_s", jitSeconds[e]), ("jit_methods", methods[e]));
        }
        double median = Output.Median(times);
        Output.Emit(("work", "w1_summary"), ("via", "Invoke-Training"), ("batch", options.Batch), ("timed_epochs", times.Count),
            ("median_epoch_s", median), ("samples_per_s", rows / median));
    }

    /// <summary>Runs the W1 script for <paramref name="epochs"/>, noting when each epoch's result arrives and what the JIT did in it.</summary>
    private static void Train(Runspace runspace, PSObject data, int epochs, BenchOptions options,
        List<double> arrivals, List<double> jitSeconds, List<long> methods)
    {
        using var train = PowerShell.Create(runspace);
        train.AddScript(Script).AddArgument(data).AddArgument(epochs).AddArgument(options.Batch)
            .AddArgument(options.Seed).AddArgument(options.Threads);
        var output = new PSDataCollection<PSObject>();
        var clock = new Stopwatch();
        double jitBefore = System.Runtime.JitInfo.GetCompilationTime().TotalSeconds;
        long methodsBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
        output.DataAdded += (_, _) =>
        {
            arrivals.Add(clock.Elapsed.TotalSeconds);
            double jit = System.Runtime.JitInfo.GetCompilationTime().TotalSeconds;
            long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            jitSeconds.Add(jit - jitBefore);
            methods.Add(compiled - methodsBefore);
            (jitBefore, methodsBefore) = (jit, compiled);
        };
        clock.Start();
        train.Invoke<PSObject, PSObject>(null, output, null);
        ThrowOnErrors(train);
    }

    /// <summary>Waits until no method has been compiled for 300 ms (at most 5 s); returns the seconds waited.</summary>
    private static double JitSettle()
    {
        var clock = Stopwatch.StartNew();
        long count = System.Runtime.JitInfo.GetCompiledMethodCount();
        var quiet = Stopwatch.StartNew();
        while (quiet.Elapsed.TotalMilliseconds < 300 && clock.Elapsed.TotalSeconds < 5)
        {
            Thread.Sleep(50);
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now == count) continue;
            count = now;
            quiet.Restart();
        }
        return clock.Elapsed.TotalSeconds;
    }

    private static void ThrowOnErrors(PowerShell shell)
    {
        if (shell.Streams.Error.Count > 0) throw new InvalidOperationException(string.Join(Environment.NewLine, shell.Streams.Error));
    }

    /// <summary>$NEURALPS_MODULE, else NeuralPS.psd1 in the first folder above the working directory or this program.</summary>
    private static string FindManifest()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("NEURALPS_MODULE");
        if (!string.IsNullOrEmpty(fromEnvironment)) return Path.GetFullPath(fromEnvironment);
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "NeuralPS.psd1");
                if (File.Exists(candidate)) return candidate;
            }
        throw new FileNotFoundException("w1ps: cannot find NeuralPS.psd1 above the working directory; run from the repository root after building, or set NEURALPS_MODULE.");
    }
}
