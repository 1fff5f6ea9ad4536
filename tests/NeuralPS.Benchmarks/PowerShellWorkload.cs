namespace NeuralPS.Benchmarks;

/// <summary>W1 through Invoke-Training in a hosted runspace: needs the cmdlets (not on this branch yet).</summary>
internal static class PowerShellWorkload
{
    public static void Run(BenchOptions options)
    {
        Console.Error.WriteLine("w1ps needs the NeuralPS cmdlets, which this build does not have yet.");
        Environment.Exit(3);
    }
}
