using System.Collections;
using System.Collections.Specialized;
using System.Globalization;
using System.Management.Automation;
using NeuralPS.Core;
using NeuralPS.Core.Data;

namespace NeuralPS.Sweep;

/// <summary>One point of a sweep: its number and its settings.</summary>
internal sealed class SweepPoint
{
    public SweepPoint(int run, OrderedDictionary settings) => (Run, Point, Settings) = (run, run, settings);

    /// <summary>The run's 1-based number.</summary>
    public int Run { get; }

    /// <summary>The number of the grid point (the settings) it trains: <see cref="Run"/>, unless folds share the point.</summary>
    public int Point { get; init; }

    /// <summary>The fold it trains and scores on, in a cross-validation; null otherwise.</summary>
    public Fold? Fold { get; init; }

    /// <summary>Folds a repeat has (for labels).</summary>
    public int FoldCount { get; init; }

    /// <summary>The settings, in the order of the grid's keys or the object's properties.</summary>
    public OrderedDictionary Settings { get; }

    /// <summary>Times the run was started (a run is started again when its session breaks).</summary>
    public int Attempts { get; set; }

    /// <summary>"run 3 (LearningRate=0.1, Units=8)", for messages.</summary>
    public string Label => $"run {Run} ({string.Join(", ", new[] { Describe(Settings), FoldText }.Where(t => t.Length > 0))})";

    /// <summary>"fold 2 of 5" (with repeats: "repeat 1, fold 2 of 5"), or empty without folds.</summary>
    public string FoldText => Fold is null ? "" : (Fold.Repeat > 1 || RepeatCount > 1 ? $"repeat {Fold.Repeat}, " : "") + $"fold {Fold.Number} of {FoldCount}";

    /// <summary>Repeats of the cross-validation (for labels).</summary>
    public int RepeatCount { get; init; }

    /// <summary>Every point once per fold, numbered anew: point by point, then repeat by repeat and fold by fold.</summary>
    public static List<SweepPoint> WithFolds(IEnumerable<SweepPoint> points, IReadOnlyList<Fold> folds)
    {
        int foldCount = folds.Max(f => f.Number), repeats = folds.Max(f => f.Repeat);
        var runs = new List<SweepPoint>();
        foreach (SweepPoint point in points)
            foreach (Fold fold in folds)
                runs.Add(new SweepPoint(runs.Count + 1, point.Settings) { Point = point.Point, Fold = fold, FoldCount = foldCount, RepeatCount = repeats });
        return runs;
    }

    /// <summary>A copy of the settings for one run, so that a network script that changes them changes no other run's.</summary>
    public Hashtable SettingsCopy()
    {
        var copy = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry e in Settings) copy[e.Key] = e.Value;
        return copy;
    }

    /// <summary>"LearningRate=0.1, Units=8": the settings as one line, numbers in the invariant culture.</summary>
    public static string Describe(IDictionary settings)
    {
        var parts = new List<string>();
        foreach (DictionaryEntry e in settings)
            parts.Add($"{e.Key}={(e.Value is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : e.Value?.ToString() ?? "$null")}");
        return string.Join(", ", parts);
    }

    /// <summary>
    /// The points of a grid: the cartesian product of its values, the first key varying slowest. An ordered hashtable
    /// keeps its key order; a plain one, whose order PowerShell does not keep, is taken in key-name order so that run
    /// numbers do not change from one call to the next.
    /// </summary>
    public static List<SweepPoint> FromGrid(IDictionary grid)
    {
        if (grid.Count == 0)
            throw new NeuralPSException(ErrorIds.EmptyGrid, ErrorKind.InvalidArgument,
                "The -Grid hashtable has no keys, so the sweep has no points. Give each setting its values: -Grid @{ LearningRate = 0.1, 0.01 }.", grid);
        var keys = grid.Keys.Cast<object>().Select(k => k.ToString()!).ToList();
        if (grid is not OrderedDictionary) keys.Sort(StringComparer.Ordinal);
        var values = new List<object?[]>();
        foreach (string key in keys)
        {
            object?[] options = ValuesOf(grid[key]);
            if (options.Length == 0)
                throw new NeuralPSException(ErrorIds.EmptyGrid, ErrorKind.InvalidArgument,
                    $"The grid key '{key}' has no values, so the sweep has no points. Give it at least one value.", grid);
            values.Add(options);
        }
        var points = new List<SweepPoint>();
        var index = new int[keys.Count];
        while (true)
        {
            var settings = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            for (int k = 0; k < keys.Count; k++) settings[keys[k]] = values[k][index[k]];
            points.Add(new SweepPoint(points.Count + 1, settings));
            int d = keys.Count - 1; // odometer: the last key turns fastest
            while (d >= 0 && ++index[d] == values[d].Length) index[d--] = 0;
            if (d < 0) return points;
        }
    }

    /// <summary>The settings of one point given as a hashtable or an object (its properties).</summary>
    public static OrderedDictionary SettingsFrom(object input)
    {
        var settings = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
        object value = input is PSObject pso ? pso.BaseObject : input;
        if (value is IDictionary dictionary)
            foreach (DictionaryEntry e in dictionary) settings[e.Key.ToString()!] = Unwrap(e.Value);
        else if (value is not (string or ValueType))
            foreach (PSPropertyInfo p in PSObject.AsPSObject(input).Properties) settings[p.Name] = Unwrap(p.Value);
        if (settings.Count == 0)
            throw new NeuralPSException(ErrorIds.InvalidSettings, ErrorKind.InvalidArgument,
                $"'{input}' cannot be the settings of a run: give a hashtable or an object whose properties are the settings, such as @{{ LearningRate = 0.01; Units = 8 }}.", input);
        return settings;
    }

    private static object?[] ValuesOf(object? value)
    {
        value = Unwrap(value);
        // Strings are enumerable but are one value; so is a lone number.
        if (value is string || LanguagePrimitives.GetEnumerable(value) is not IEnumerable items) return new[] { value };
        return items.Cast<object?>().Select(Unwrap).ToArray();
    }

    private static object? Unwrap(object? value) => value is PSObject p && p.BaseObject is not PSCustomObject ? p.BaseObject : value;
}
