using System.Globalization;
using System.Text;

namespace NeuralPS.HelpGen;

/// <summary>A markdown skeleton for a cmdlet that has none: the sections, its parameters with their HelpMessages.</summary>
internal static class Scaffold
{
    public static string Markdown(CmdletModel cmdlet)
    {
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"# {cmdlet.Name}").AppendLine();
        s.AppendLine("## SYNOPSIS").AppendLine().AppendLine("{{ One line: what the cmdlet does. }}").AppendLine();
        s.AppendLine("## DESCRIPTION").AppendLine().AppendLine("{{ What it does, what it needs, what it returns. }}").AppendLine();
        s.AppendLine("## EXAMPLES").AppendLine();
        s.AppendLine("### Example 1: {{ title }}").AppendLine().AppendLine("```powershell").AppendLine("{{ code }}").AppendLine("```").AppendLine();
        s.AppendLine("{{ what it shows }}").AppendLine();
        s.AppendLine("## PARAMETERS").AppendLine();
        foreach (ParameterModel p in cmdlet.Parameters.Where(p => p.Name is not ("WhatIf" or "Confirm")))
            s.AppendLine(CultureInfo.InvariantCulture, $"### -{p.Name}").AppendLine().AppendLine(p.HelpMessage ?? "{{ description }}").AppendLine();
        s.AppendLine("## INPUTS").AppendLine();
        s.AppendLine("### None").AppendLine().AppendLine("{{ what can be piped in }}").AppendLine();
        s.AppendLine("## OUTPUTS").AppendLine();
        foreach (Type t in cmdlet.OutputTypes) s.AppendLine(CultureInfo.InvariantCulture, $"### {t.FullName}").AppendLine().AppendLine("{{ what comes out }}").AppendLine();
        s.AppendLine("## NOTES").AppendLine();
        s.AppendLine("## RELATED LINKS").AppendLine().AppendLine("- about_NeuralPS");
        return s.ToString();
    }
}
