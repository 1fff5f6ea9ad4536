using System.Text.Json;
using NeuralPS.Core.Kernels;

namespace NeuralPS.Benchmarks;

/// <summary>One JSON object a line, with the fields every peer prints first.</summary>
internal static class Output
{
    private static readonly Dictionary<string, object?> Common = new();
    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Base(BenchOptions options)
    {
        Common["peer"] = "neuralps";
        Common["impl"] = "neuralps";
        Common["version"] = $"NeuralPS {typeof(Gemm).Assembly.GetName().Version} / .NET {Environment.Version} / {GemmPaths.Selected}";
        Common["threads"] = options.Threads;
        Common["rep"] = options.Rep;
    }

    public static void Emit(params (string Key, object? Value)[] fields)
    {
        var line = new Dictionary<string, object?>(Common);
        foreach ((string key, object? value) in fields) line[key] = value;
        Console.WriteLine(JsonSerializer.Serialize(line, Json));
        Console.Out.Flush();
    }

    public static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        int n = sorted.Count;
        return n == 0 ? double.NaN : n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }
}
