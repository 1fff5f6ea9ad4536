using System.Management.Automation;
using System.Xml.Linq;

namespace NeuralPS.HelpGen;

/// <summary>Writes MAML (the XML Get-Help reads) for cmdlets from their model and their markdown.</summary>
internal static class MamlWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    /// <param name="onlineBase">Where the help is published (the manifest's HelpInfoUri); each command's first related
    /// link, which Get-Help -Online opens, is its page there. Null: no online link.</param>
    public static XDocument Write(IEnumerable<(CmdletModel Cmdlet, MarkdownHelp Help)> commands, string? onlineBase = null)
    {
        var root = new XElement(Msh + "helpItems", new XAttribute("schema", "maml"),
            new XAttribute(XNamespace.Xmlns + "maml", Maml),
            new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev));
        foreach (var (cmdlet, help) in commands) root.Add(CommandElement(cmdlet, help, onlineBase));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root);
    }

    private static XElement Paras(XName name, IEnumerable<string> paragraphs)
    {
        var element = new XElement(name);
        foreach (string p in paragraphs) element.Add(new XElement(Maml + "para", p));
        if (!element.HasElements) element.Add(new XElement(Maml + "para"));
        return element;
    }

    private static XElement CommandElement(CmdletModel cmdlet, MarkdownHelp help, string? onlineBase)
    {
        var command = new XElement(Command + "command",
            new XElement(Command + "details",
                new XElement(Command + "name", cmdlet.Name),
                new XElement(Command + "verb", cmdlet.Verb),
                new XElement(Command + "noun", cmdlet.Noun),
                Paras(Maml + "description", help.Synopsis)),
            Paras(Maml + "description", help.Description));

        var syntax = new XElement(Command + "syntax");
        foreach (string set in cmdlet.SetNames())
        {
            var item = new XElement(Command + "syntaxItem", new XElement(Maml + "name", cmdlet.Name));
            foreach (var (p, s) in cmdlet.InSet(set)) item.Add(ParameterElement(p, s, help, inSyntax: true));
            syntax.Add(item);
        }
        command.Add(syntax);

        var parameters = new XElement(Command + "parameters");
        foreach (ParameterModel p in Ordered(cmdlet, help))
        {
            // Shown once; required and position as in the first set that has the parameter.
            ParameterSetMetadata set = cmdlet.SetNames().Select(p.In).FirstOrDefault(s => s is not null) ?? p.Sets.Values.First();
            parameters.Add(ParameterElement(p, set, help, inSyntax: false));
        }
        command.Add(parameters);

        var inputs = new XElement(Command + "inputTypes");
        foreach (HelpType t in help.Inputs)
            inputs.Add(new XElement(Command + "inputType", TypeElement(t.Name), Paras(Maml + "description", t.Description)));
        command.Add(inputs);

        var outputs = new XElement(Command + "returnValues");
        foreach (HelpType t in help.Outputs)
            outputs.Add(new XElement(Command + "returnValue", TypeElement(t.Name), Paras(Maml + "description", t.Description)));
        command.Add(outputs);

        if (help.Notes.Count > 0) command.Add(new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paras(Maml + "alert", help.Notes).Elements())));

        var examples = new XElement(Command + "examples");
        foreach (HelpExample e in help.Examples)
            examples.Add(new XElement(Command + "example",
                new XElement(Maml + "title", Title(e.Title)),
                new XElement(Dev + "code", e.Code),
                Paras(Dev + "remarks", e.Remarks.Append(""))));
        command.Add(examples);

        var links = new XElement(Command + "relatedLinks");
        IEnumerable<(string Text, string Uri)> all = help.Links;
        if (onlineBase is not null) all = all.Prepend((OnlineHelp.LinkText, OnlineHelp.PageUri(onlineBase, cmdlet.Name)));
        foreach (var (text, uri) in all)
            links.Add(new XElement(Maml + "navigationLink", new XElement(Maml + "linkText", text), new XElement(Maml + "uri", uri)));
        command.Add(links);
        return command;
    }

    /// <summary>"---- Example 1: title ----", the dashes shortened so that the line fits 80 columns.</summary>
    private static string Title(string title)
    {
        int dashes = Math.Clamp((76 - title.Length) / 2, 2, 26);
        string rule = new('-', dashes);
        return $"{rule} {title} {rule}";
    }

    /// <summary>The PARAMETERS order: as the markdown lists them, then any it forgot, WhatIf and Confirm last.</summary>
    public static IEnumerable<ParameterModel> Ordered(CmdletModel cmdlet, MarkdownHelp help)
    {
        var byName = cmdlet.Parameters.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string name in help.ParameterOrder)
            if (byName.TryGetValue(name, out var p) && seen.Add(p.Name) && p.Name is not ("WhatIf" or "Confirm")) yield return p;
        foreach (ParameterModel p in cmdlet.Parameters)
            if (p.Name is not ("WhatIf" or "Confirm") && seen.Add(p.Name)) yield return p;
        foreach (ParameterModel p in cmdlet.Parameters)
            if (p.Name is "WhatIf" or "Confirm") yield return p;
    }

    /// <summary>The description of a parameter: the markdown's, else its HelpMessage.</summary>
    public static List<string> DescriptionOf(ParameterModel p, MarkdownHelp help) =>
        help.Parameters.TryGetValue(p.Name, out var paragraphs) && paragraphs.Count > 0
            ? paragraphs
            : new List<string> { p.HelpMessage ?? "" };

    private static XElement ParameterElement(ParameterModel p, ParameterSetMetadata set, MarkdownHelp help, bool inSyntax)
    {
        string pipeline = (set.ValueFromPipeline, set.ValueFromPipelineByPropertyName) switch
        {
            (true, true) => "True (ByPropertyName, ByValue)",
            (true, false) => "True (ByValue)",
            (false, true) => "True (ByPropertyName)",
            _ => "False",
        };
        var element = new XElement(Command + "parameter",
            new XAttribute("required", set.IsMandatory ? "true" : "false"),
            new XAttribute("variableLength", p.Type.IsArray ? "true" : "false"),
            new XAttribute("globbing", "false"),
            new XAttribute("pipelineInput", pipeline),
            new XAttribute("position", set.Position == int.MinValue ? "named" : set.Position.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new XAttribute("aliases", p.Aliases.Length == 0 ? "none" : string.Join(", ", p.Aliases)),
            new XElement(Maml + "name", p.Name),
            Paras(Maml + "description", DescriptionOf(p, help)));
        if (inSyntax && p.Values.Length > 0)
        {
            var group = new XElement(Command + "parameterValueGroup");
            foreach (string v in p.Values)
                group.Add(new XElement(Command + "parameterValue", new XAttribute("required", "false"), new XAttribute(Command + "variableLength", "false"), v));
            element.Add(group);
        }
        if (!p.IsSwitch || !inSyntax)
            element.Add(new XElement(Command + "parameterValue", new XAttribute("required", p.IsSwitch ? "false" : "true"),
                new XAttribute("variableLength", "false"), p.TypeName));
        element.Add(new XElement(Dev + "type", new XElement(Maml + "name", p.TypeName), new XElement(Maml + "uri")));
        string defaultValue = help.DefaultValues.TryGetValue(p.Name, out var d) ? d : p.DefaultValue;
        element.Add(new XElement(Dev + "defaultValue", defaultValue));
        return element;
    }

    private static XElement TypeElement(string name) =>
        new(Dev + "type", new XElement(Maml + "name", name), new XElement(Maml + "uri"));
}
