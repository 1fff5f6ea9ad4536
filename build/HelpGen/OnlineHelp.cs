using System.Text.RegularExpressions;

namespace NeuralPS.HelpGen;

/// <summary>The online version of each cmdlet's help: its markdown page under the manifest's HelpInfoUri.</summary>
internal static partial class OnlineHelp
{
    /// <summary>The text PowerShell's own help gives this link (platyPS writes the same).</summary>
    public const string LinkText = "Online Version:";

    /// <summary>The HelpInfoUri of a module manifest's text, without a trailing slash; null when it has none.</summary>
    public static string? BaseUri(string manifestText)
    {
        Match match = HelpInfoUri().Match(manifestText);
        return match.Success ? match.Groups[1].Value.TrimEnd('/') : null;
    }

    public static string PageUri(string baseUri, string cmdletName) => $"{baseUri}/{cmdletName}.md";

    [GeneratedRegex(@"^\s*HelpInfoUri\s*=\s*['""]([^'""]+)['""]", RegexOptions.Multiline)]
    private static partial Regex HelpInfoUri();
}
