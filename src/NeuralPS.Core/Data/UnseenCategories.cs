namespace NeuralPS.Core.Data;

/// <summary>
/// The categories of category-index columns (<see cref="ColumnKind.CategoryIndex"/>) that training never saw, met while
/// one command encodes records: each becomes index 0, the embedding's reserved row, and is reported once per column,
/// naming the column and the first such value, not as an error. A command makes one, encodes, and writes
/// <see cref="TakeWarnings"/> as warnings (the engine writes nothing itself). Not shared between threads.
/// </summary>
public sealed class UnseenCategories
{
    private readonly Dictionary<string, (string First, string Record, int Count, HashSet<string> Values)> _byColumn = new(StringComparer.Ordinal);
    private readonly List<string> _pending = new();

    /// <summary>What a category-index feature decodes to when it holds the reserved index 0.</summary>
    public const string Placeholder = "(unseen)";

    /// <summary>Notes that <paramref name="record"/>'s <paramref name="column"/> holds <paramref name="value"/>, a category training never saw.</summary>
    public void Note(string column, string value, string record)
    {
        if (_byColumn.TryGetValue(column, out var seen))
        {
            seen.Values.Add(value);
            _byColumn[column] = (seen.First, seen.Record, seen.Count + 1, seen.Values);
            return;
        }
        _byColumn[column] = (value, record, 1, new HashSet<string>(StringComparer.Ordinal) { value });
        _pending.Add($"{record}, column '{column}': '{value}' is a category never seen in training; it maps to the embedding's " +
            $"reserved row for unseen categories (index 0). Further unseen values of '{column}' are not reported one by one.");
    }

    /// <summary>The warnings not yet taken: one per column, at its first unseen value.</summary>
    public IReadOnlyList<string> TakeWarnings()
    {
        string[] warnings = _pending.ToArray();
        _pending.Clear();
        return warnings;
    }

    /// <summary>Records (values) noted for <paramref name="column"/>; 0 when none.</summary>
    public int Count(string column) => _byColumn.TryGetValue(column, out var seen) ? seen.Count : 0;

    /// <summary>A one-line summary per column (how many values, how many distinct), for a verbose message at the end.</summary>
    public IEnumerable<string> Summary() => _byColumn.Select(p =>
        $"column '{p.Key}': {p.Value.Count} value(s) of {p.Value.Values.Count} unseen categor{(p.Value.Values.Count == 1 ? "y" : "ies")} mapped to index 0");
}
