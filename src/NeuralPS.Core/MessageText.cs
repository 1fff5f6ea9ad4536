using System.Globalization;
using System.Text;

namespace NeuralPS.Core;

/// <summary>
/// Text from a file as an error message may show it: control characters escaped (a binary file read as CSV must not
/// put bells, escapes and NULs into the user's terminal) and long values cut short.
/// </summary>
public static class MessageText
{
    /// <summary>Characters of one value shown before it is cut with an ellipsis.</summary>
    private const int MaxLength = 40;

    /// <summary><paramref name="value"/> in single quotes, printable.</summary>
    public static string Quote(string value) => $"'{Printable(value)}'";

    /// <summary>The first <paramref name="count"/> values, printable, comma-separated, with an ellipsis when there are more.</summary>
    public static string List(IReadOnlyList<string> values, int count) =>
        string.Join(", ", values.Take(count).Select(Printable)) + (values.Count > count ? ", …" : "");

    /// <summary>
    /// <paramref name="value"/> with control and other invisible characters as \n, \t, \0 or \xNN / \uNNNN escapes,
    /// and cut to <see cref="MaxLength"/> characters.
    /// </summary>
    public static string Printable(string value)
    {
        var text = new StringBuilder(Math.Min(value.Length, MaxLength) + 8);
        foreach (char c in value)
        {
            if (text.Length >= MaxLength) { text.Append('…'); break; }
            switch (c)
            {
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\0': text.Append("\\0"); break;
                default:
                    if (char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned
                        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
                        text.Append(c <= 0xFF ? $"\\x{(int)c:X2}" : $"\\u{(int)c:X4}");
                    else text.Append(c);
                    break;
            }
        }
        return text.ToString();
    }
}
