using System.Text;

namespace NeuralPS.HelpGen;

/// <summary>
/// Turns about_*.md into the plain text of an about topic: "# about_X" becomes TOPIC, "## HEADING" a heading at the
/// margin, "### Sub" an indented sub-heading, paragraphs are wrapped at 80 columns and indented, fenced code is kept
/// as written (indented further), inline markdown is dropped.
/// </summary>
internal static class AboutText
{
    private const int Width = 80, Indent = 4;

    public static string From(string[] lines)
    {
        var text = new StringBuilder();
        var paragraph = new List<string>();
        bool inFence = false;
        void Flush()
        {
            if (paragraph.Count == 0) return;
            string joined = string.Join(' ', paragraph.Select(l => l.Trim()));
            bool item = joined.StartsWith("- ", StringComparison.Ordinal);
            Wrap(text, MarkdownHelp.Inline(item ? joined[2..] : joined), item ? Indent + 2 : Indent, item ? "- " : "");
            text.AppendLine();
            paragraph.Clear();
        }
        foreach (string raw in lines)
        {
            string line = raw.TrimEnd();
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                Flush();
                inFence = !inFence;
                if (!inFence) text.AppendLine();
                continue;
            }
            if (inFence)
            {
                text.Append(' ', Indent + 4).AppendLine(line);
                continue;
            }
            if (line.StartsWith("# ", StringComparison.Ordinal))
            {
                Flush();
                text.AppendLine("TOPIC").Append(' ', Indent).AppendLine(line[2..].Trim()).AppendLine();
                continue;
            }
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                Flush();
                text.AppendLine(line[3..].Trim().ToUpperInvariant());
                continue;
            }
            if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                Flush();
                text.Append(' ', Indent).AppendLine(MarkdownHelp.Inline(line[4..].Trim()).ToUpperInvariant());
                continue;
            }
            if (line.Length == 0) { Flush(); continue; }
            if (line.StartsWith("- ", StringComparison.Ordinal) && paragraph.Count > 0) Flush();
            paragraph.Add(line);
        }
        Flush();
        return text.ToString().TrimEnd() + Environment.NewLine;
    }

    private static void Wrap(StringBuilder text, string paragraph, int indent, string bullet)
    {
        int first = indent - bullet.Length;
        var line = new StringBuilder(new string(' ', first) + bullet);
        int lineStart = 0;
        foreach (string word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length - lineStart > indent && line.Length + 1 + word.Length > Width + lineStart)
            {
                text.AppendLine(line.ToString(lineStart, line.Length - lineStart));
                lineStart = line.Length;
                line.Append(' ', indent);
            }
            else if (line.Length - lineStart > indent) line.Append(' ');
            line.Append(word);
        }
        if (line.Length - lineStart > indent) text.AppendLine(line.ToString(lineStart, line.Length - lineStart));
    }
}
