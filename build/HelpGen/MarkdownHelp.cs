using System.Text;

namespace NeuralPS.HelpGen;

/// <summary>One example: a title, the code, and the remarks (text before and after the code).</summary>
internal sealed record HelpExample(string Title, string Code, List<string> Remarks);

/// <summary>A type in INPUTS or OUTPUTS and what it means.</summary>
internal sealed record HelpType(string Name, List<string> Description);

/// <summary>
/// A cmdlet's help as written in module/help/Verb-Noun.md, a platyPS-like layout:
/// <code>
/// # Verb-Noun
/// ## SYNOPSIS              one paragraph
/// ## DESCRIPTION           paragraphs ("- " lines are list items)
/// ## EXAMPLES
/// ### Example 1: title     text, a ```powershell fence, text
/// ## PARAMETERS
/// ### -Name                paragraphs; an optional "Default value: x" line overrides the default read from the cmdlet
/// ## INPUTS / ## OUTPUTS
/// ### Type.Name            paragraphs
/// ## NOTES                 paragraphs
/// ## RELATED LINKS         "- [Text](uri)" or "- Text" lines
/// </code>
/// Syntax, types, positions and pipeline input are not written here: they come from the cmdlet.
/// </summary>
internal sealed class MarkdownHelp
{
    public string Name { get; private set; } = "";
    public List<string> Synopsis { get; } = new();
    public List<string> Description { get; } = new();
    public List<HelpExample> Examples { get; } = new();
    public Dictionary<string, List<string>> Parameters { get; } = new(StringComparer.OrdinalIgnoreCase);
    public List<string> ParameterOrder { get; } = new();
    public Dictionary<string, string> DefaultValues { get; } = new(StringComparer.OrdinalIgnoreCase);
    public List<HelpType> Inputs { get; } = new();
    public List<HelpType> Outputs { get; } = new();
    public List<string> Notes { get; } = new();
    public List<(string Text, string Uri)> Links { get; } = new();
    /// <summary>Sections written twice (the later one wins): usually two merges that both added a parameter.</summary>
    public List<string> Duplicates { get; } = new();

    public static MarkdownHelp Parse(string path)
    {
        var help = new MarkdownHelp();
        string[] lines = File.ReadAllLines(path);
        int i = 0;
        // Optional YAML front matter.
        if (lines.Length > 0 && lines[0].Trim() == "---")
            for (i = 1; i < lines.Length && lines[i].Trim() != "---"; i++) { }
        if (i > 0) i++;

        string section = "", sub = "";
        var buffer = new List<string>();
        void Flush()
        {
            if (section.Length == 0) { buffer.Clear(); return; }
            help.Store(section, sub, buffer);
            buffer.Clear();
        }
        bool inFence = false;
        for (; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) inFence = !inFence;
            if (!inFence && line.StartsWith("# ", StringComparison.Ordinal) && help.Name.Length == 0)
            {
                help.Name = line[2..].Trim();
                continue;
            }
            if (!inFence && line.StartsWith("## ", StringComparison.Ordinal))
            {
                Flush();
                section = line[3..].Trim().ToUpperInvariant();
                sub = "";
                continue;
            }
            if (!inFence && line.StartsWith("### ", StringComparison.Ordinal))
            {
                Flush();
                sub = line[4..].Trim();
                continue;
            }
            buffer.Add(line);
        }
        Flush();
        return help;
    }

    private void Store(string section, string sub, List<string> lines)
    {
        switch (section)
        {
            case "SYNOPSIS": Synopsis.AddRange(Paragraphs(lines)); break;
            case "DESCRIPTION": Description.AddRange(Paragraphs(lines)); break;
            case "NOTES": Notes.AddRange(Paragraphs(lines)); break;
            case "EXAMPLES" when sub.Length > 0: Examples.Add(Example(sub, lines)); break;
            case "EXAMPLES" or "PARAMETERS" or "INPUTS" or "OUTPUTS" when sub.Length == 0: break;
            case "PARAMETERS" when sub.StartsWith('-'):
            {
                string name = sub[1..].Trim();
                var kept = new List<string>();
                foreach (string line in lines)
                {
                    if (line.StartsWith("Default value:", StringComparison.OrdinalIgnoreCase))
                        DefaultValues[name] = line["Default value:".Length..].Trim();
                    else kept.Add(line);
                }
                if (Parameters.ContainsKey(name)) Duplicates.Add("-" + name);
                Parameters[name] = Paragraphs(kept);
                ParameterOrder.Add(name);
                break;
            }
            case "INPUTS" when sub.Length > 0: Inputs.Add(new HelpType(sub, Paragraphs(lines))); break;
            case "OUTPUTS" when sub.Length > 0: Outputs.Add(new HelpType(sub, Paragraphs(lines))); break;
            case "RELATED LINKS":
                foreach (string raw in lines)
                {
                    string line = raw.Trim().TrimStart('-', '*').Trim();
                    if (line.Length == 0) continue;
                    if (line.StartsWith('[') && line.IndexOf("](", StringComparison.Ordinal) is int split and > 0)
                        Links.Add((line[1..split], line[(split + 2)..].TrimEnd(')')));
                    else Links.Add((line, ""));
                }
                break;
        }
    }

    private static HelpExample Example(string title, List<string> lines)
    {
        var code = new StringBuilder();
        var before = new List<string>();
        var after = new List<string>();
        bool inFence = false, seenCode = false;
        foreach (string line in lines)
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                if (!inFence) seenCode = true;
                continue;
            }
            if (inFence) code.AppendLine(line);
            else (seenCode ? after : before).Add(line);
        }
        var remarks = Paragraphs(before);
        remarks.AddRange(Paragraphs(after));
        return new HelpExample(title, code.ToString().TrimEnd(), remarks);
    }

    /// <summary>
    /// Paragraphs separated by blank lines, lines of a paragraph joined; a "- " line starts its own paragraph, and an
    /// indented or fenced block keeps its line breaks.
    /// </summary>
    public static List<string> Paragraphs(IEnumerable<string> lines)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        bool inFence = false, preformatted = false;
        void Flush()
        {
            if (current.Length > 0) result.Add(current.ToString().TrimEnd());
            current.Clear();
            preformatted = false;
        }
        foreach (string raw in lines)
        {
            string line = raw.TrimEnd();
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                Flush();
                inFence = !inFence;
                preformatted = inFence;
                continue;
            }
            if (inFence || (line.StartsWith("    ", StringComparison.Ordinal) && (preformatted || current.Length == 0)))
            {
                if (current.Length > 0) current.Append('\n');
                current.Append(inFence ? "    " + line : line);
                preformatted = true;
                continue;
            }
            if (line.Length == 0) { Flush(); continue; }
            if (preformatted) Flush();
            if (line.StartsWith("- ", StringComparison.Ordinal) || line.StartsWith("* ", StringComparison.Ordinal))
            {
                Flush();
                current.Append("- ").Append(Inline(line[2..].Trim()));
                continue;
            }
            if (current.Length > 0) current.Append(' ');
            current.Append(Inline(line.Trim()));
        }
        Flush();
        return result;
    }

    /// <summary>Drops inline markdown a console cannot show: backticks, emphasis, link targets.</summary>
    public static string Inline(string text)
    {
        var s = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '`') continue;
            if (c == '*' && i + 1 < text.Length && text[i + 1] == '*') { i++; continue; }
            if (c == '[')
            {
                int close = text.IndexOf(']', i + 1);
                int open = text.IndexOf('[', i + 1);
                if (close > 0 && (open < 0 || open > close) && close + 1 < text.Length && text[close + 1] == '(' && text.IndexOf(')', close) is int end and > 0)
                {
                    s.Append(text, i + 1, close - i - 1);
                    i = end;
                    continue;
                }
            }
            s.Append(c);
        }
        return s.ToString();
    }
}
