using System.Text;
using NeuralPS.HelpGen;

// HelpGen build    --assembly <NeuralPS.dll> --help <module/help> --out <dir> [--out <dir> ...] [--manifest <psd1>]
//   writes <dir>/<assembly>-Help.xml (MAML) from the cmdlets and their markdown, and <dir>/about_*.help.txt from
//   about_*.md; problems (a cmdlet without markdown, a parameter the markdown misses, fewer than two examples) are
//   printed as MSBuild warnings. With a manifest that has a HelpInfoUri, each cmdlet's first related link is its
//   online version, <HelpInfoUri>/<Verb-Noun>.md (what Get-Help -Online opens).
// HelpGen scaffold --assembly <NeuralPS.dll> --help <module/help>
//   writes a markdown skeleton for every cmdlet that has none (parameter text from the HelpMessage attributes).
if (args.Length == 0 || args[0] is not ("build" or "scaffold"))
{
    Console.Error.WriteLine("usage: HelpGen build|scaffold --assembly <dll> --help <folder> [--out <folder>]...");
    return 2;
}
string? assemblyPath = null, helpDir = null, manifestPath = null;
var outDirs = new List<string>();
for (int i = 1; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--assembly": assemblyPath = args[i + 1]; break;
        case "--help": helpDir = args[i + 1]; break;
        case "--out": outDirs.Add(args[i + 1]); break;
        case "--manifest": manifestPath = args[i + 1]; break;
        default: Console.Error.WriteLine($"HelpGen: unknown option {args[i]}"); return 2;
    }
}
if (assemblyPath is null || helpDir is null)
{
    Console.Error.WriteLine("HelpGen: --assembly and --help are required");
    return 2;
}

List<CmdletModel> cmdlets = CmdletModel.Load(assemblyPath);
if (args[0] == "scaffold")
{
    Directory.CreateDirectory(helpDir);
    foreach (CmdletModel cmdlet in cmdlets)
    {
        string path = Path.Combine(helpDir, cmdlet.Name + ".md");
        if (File.Exists(path)) continue;
        File.WriteAllText(path, Scaffold.Markdown(cmdlet));
        Console.WriteLine($"HelpGen: wrote {path}");
    }
    return 0;
}

int warnings = 0;
void Warn(string file, string message)
{
    Console.WriteLine($"{file} : warning HELPGEN: {message}");
    warnings++;
}

var pairs = new List<(CmdletModel, MarkdownHelp)>();
foreach (CmdletModel cmdlet in cmdlets)
{
    string path = Path.GetFullPath(Path.Combine(helpDir, cmdlet.Name + ".md"));
    MarkdownHelp help;
    if (File.Exists(path)) help = MarkdownHelp.Parse(path);
    else
    {
        // Left out of the MAML, so Get-Help falls back to the syntax PowerShell makes up (better than placeholders).
        Warn(path, $"{cmdlet.Name} has no help source, so Get-Help shows only its syntax. Write one: `dotnet build/HelpGen/bin/Release/net10.0/HelpGen.dll scaffold --assembly module/bin/NeuralPS.dll --help module/help` writes a skeleton to fill in.");
        continue;
    }
    foreach (string duplicate in help.Duplicates) Warn(path, $"{cmdlet.Name}: {duplicate} is described twice; the second description is used.");
    if (help.Synopsis.Count == 0) Warn(path, $"{cmdlet.Name}: no SYNOPSIS.");
    if (help.Description.Count == 0) Warn(path, $"{cmdlet.Name}: no DESCRIPTION.");
    if (help.Examples.Count < 2) Warn(path, $"{cmdlet.Name}: {help.Examples.Count} example(s); write at least two.");
    if (help.Outputs.Count == 0) Warn(path, $"{cmdlet.Name}: no OUTPUTS.");
    foreach (string name in help.Parameters.Keys)
        if (!cmdlet.Parameters.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
            Warn(path, $"{cmdlet.Name}: the markdown describes -{name}, which the cmdlet does not have.");
    foreach (ParameterModel p in cmdlet.Parameters)
    {
        if (p.Name is "WhatIf" or "Confirm") continue;
        if (!help.Parameters.TryGetValue(p.Name, out var described) || described.Count == 0)
            Warn(path, $"{cmdlet.Name}: -{p.Name} is not described in the markdown (its HelpMessage is used).");
        // The markdown may say more than the HelpMessage (the text a prompt shows), but it starts by saying the same.
        else if (p.HelpMessage is string message && !Normalize(described[0]).StartsWith(Normalize(message).TrimEnd('.'), StringComparison.Ordinal))
            Warn(path, $"{cmdlet.Name}: the description of -{p.Name} does not start with its HelpMessage \"{message}\".");
    }
    pairs.Add((cmdlet, help));
}

string mamlName = Path.GetFileName(assemblyPath) + "-Help.xml";
string? onlineBase = manifestPath is null ? null : OnlineHelp.BaseUri(File.ReadAllText(manifestPath));
if (manifestPath is not null && onlineBase is null) Warn(manifestPath, "the manifest has no HelpInfoUri, so the help has no online links.");
var maml = MamlWriter.Write(pairs, onlineBase);
var abouts = Directory.Exists(helpDir)
    ? Directory.GetFiles(helpDir, "about_*.md").OrderBy(f => f, StringComparer.Ordinal).ToList()
    : new List<string>();
foreach (string dir in outDirs)
{
    Directory.CreateDirectory(dir);
    string target = Path.Combine(dir, mamlName);
    using (var writer = new StreamWriter(target, false, new UTF8Encoding(false))) maml.Save(writer);
    foreach (string about in abouts)
        File.WriteAllText(Path.Combine(dir, Path.GetFileNameWithoutExtension(about) + ".help.txt"), AboutText.From(File.ReadAllLines(about)), new UTF8Encoding(false));
}
Console.WriteLine($"HelpGen: {cmdlets.Count} cmdlets, {abouts.Count} about topic(s) -> {string.Join(", ", outDirs)}{(warnings > 0 ? $" ({warnings} warnings)" : "")}");
return 0;

static string Normalize(string text) => string.Join(' ', MarkdownHelp.Inline(text).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
