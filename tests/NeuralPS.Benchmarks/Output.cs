using System.Globalization;
using System.Text;
using NeuralPS.Core.Kernels;

namespace NeuralPS.Benchmarks;

/// <summary>One JSON object a line, with the fields every peer prints first.</summary>
internal static class Output
{
    private static readonly Dictionary<string, object?> Common = new();

    public static void Base(BenchOptions options)
    {
        Common["peer"] = "neuralps";
        Common["impl"] = "neuralps";
        Common["version"] = $"NeuralPS {typeof(Gemm).Assembly.GetName().Version} / .NET {Environment.Version} / {GemmPaths.Selected}";
        Common["threads"] = options.Threads;
        Common["rep"] = options.Rep;
    }

    /// <summary>
    /// Writes the common fields and <paramref name="fields"/> (a later key replaces an earlier one) as one JSON line.
    /// Written by hand rather than through JsonSerializer: its reflection compiles a few hundred methods at the end of
    /// the first epoch, and .NET recompiles the hot ones on a background thread during the next, which took a core
    /// from a 2-thread run and made its second epoch ~0.08 s slower than the rest.
    /// </summary>
    public static void Emit(params (string Key, object? Value)[] fields)
    {
        var line = new List<(string Key, object? Value)>();
        foreach (KeyValuePair<string, object?> common in Common) Put(line, common.Key, common.Value);
        foreach ((string key, object? value) in fields) Put(line, key, value);
        var text = new StringBuilder("{");
        for (int i = 0; i < line.Count; i++)
        {
            if (i > 0) text.Append(", ");
            text.Append(Quote(line[i].Key)).Append(": ").Append(Value(line[i].Value));
        }
        Console.WriteLine(text.Append('}').ToString());
        Console.Out.Flush();
    }

    private static void Put(List<(string Key, object? Value)> line, string key, object? value)
    {
        int at = line.FindIndex(entry => entry.Key == key);
        if (at >= 0) line[at] = (key, value);
        else line.Add((key, value));
    }

    private static string Value(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        string s => Quote(s),
        double d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : Quote(d.ToString(CultureInfo.InvariantCulture)),
        float f => Value((double)f),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => Quote(value.ToString() ?? ""),
    };

    private static string Quote(string s)
    {
        var text = new StringBuilder("\"");
        foreach (char c in s)
        {
            if (c == '"' || c == '\\') text.Append('\\').Append(c);
            else if (c < ' ') text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else text.Append(c);
        }
        return text.Append('"').ToString();
    }

    public static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        int n = sorted.Count;
        return n == 0 ? double.NaN : n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }
}
