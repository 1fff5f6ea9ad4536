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

        using var train = PowerShell.Create(runspace);
        train.AddScript(Script).AddArgument(data).AddArgument(options.Epochs).AddArgument(options.Batch)
            .AddArgument(options.Seed).AddArgument(options.Threads);
        var output = new PSDataCollection<PSObject>();
        var arrivals = new List<double>();
        var clock = new Stopwatch();
        output.DataAdded += (_, _) => arrivals.Add(clock.Elapsed.TotalSeconds);
        clock.Start();
        train.Invoke<PSObject, PSObject>(null, output, null);
        ThrowOnErrors(train);

        var times = new List<double>();
        for (int e = 0; e < arrivals.Count; e++)
        {
            double seconds = arrivals[e] - (e == 0 ? 0 : arrivals[e - 1]);
            if (e > 0) times.Add(seconds);
            Output.Emit(("work", "w1"), ("via", "Invoke-Training"), ("batch", options.Batch), ("epoch", e + 1), ("warmup", e == 0),
                ("seconds", seconds), ("samples_per_s", rows / seconds));
        }
        double median = Output.Median(times);
        Output.Emit(("work", "w1_summary"), ("via", "Invoke-Training"), ("batch", options.Batch), ("timed_epochs", times.Count),
            ("median_epoch_s", median), ("samples_per_s", rows / median));
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
