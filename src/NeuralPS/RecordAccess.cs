using System.Collections;
using System.Management.Automation;

namespace NeuralPS;

/// <summary>
/// Reads named values from what users pipe in: PSCustomObjects (Import-Csv), hashtables and typed .NET objects,
/// all through the same lookup, so that training data and prediction input are read alike.
/// </summary>
internal static class RecordAccess
{
    /// <summary>The value of <paramref name="name"/> (matched without case, as PowerShell does), or Found = false.</summary>
    public static (bool Found, object? Value) Lookup(PSObject record, string name)
    {
        if (record.BaseObject is IDictionary dictionary)
        {
            if (dictionary.Contains(name)) return (true, Unwrap(dictionary[name]));
            foreach (DictionaryEntry entry in dictionary)
                if (string.Equals(entry.Key?.ToString(), name, StringComparison.OrdinalIgnoreCase)) return (true, Unwrap(entry.Value));
            return (false, null);
        }
        PSPropertyInfo? property = record.Properties[name];
        if (property is null) return (false, null);
        try { return (true, Unwrap(property.Value)); }
        catch (GetValueException) { return (true, null); } // a property whose getter fails reads as missing
    }

    /// <summary>
    /// The columns a record offers, in order: a dictionary's keys (sorted for an unordered hashtable, whose order means
    /// nothing), otherwise the properties holding numbers, booleans or text (other objects cannot be features).
    /// </summary>
    public static List<string> Columns(PSObject record)
    {
        if (record.BaseObject is IDictionary dictionary)
        {
            var keys = dictionary.Keys.Cast<object>().Select(k => k.ToString() ?? "").ToList();
            if (dictionary is Hashtable) keys.Sort(StringComparer.OrdinalIgnoreCase);
            return keys;
        }
        var names = new List<string>();
        foreach (PSPropertyInfo property in record.Properties)
        {
            object? value;
            try { value = Unwrap(property.Value); }
            catch (GetValueException) { continue; }
            if (IsSimple(value) || (value is null && property is PSNoteProperty)) names.Add(property.Name);
        }
        return names;
    }

    private static bool IsSimple(object? value) =>
        value is string or bool or char or Enum or decimal || (value is not null && value.GetType().IsPrimitive);

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
}
