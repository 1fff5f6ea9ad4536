using System.Management.Automation;
using System.Reflection;

namespace NeuralPS.HelpGen;

/// <summary>One parameter as PowerShell binds it, read from the cmdlet class.</summary>
internal sealed record ParameterModel(
    string Name,
    Type Type,
    string[] Aliases,
    string? HelpMessage,
    string DefaultValue,
    string[] Values,
    Dictionary<string, ParameterSetMetadata> Sets)
{
    public bool IsSwitch => Type == typeof(SwitchParameter);

    /// <summary>The type name a user reads: Int32, Double, Network, String[].</summary>
    public string TypeName => FriendlyName(Type);

    public static string FriendlyName(Type type)
    {
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsArray ? FriendlyName(t.GetElementType()!) + "[]" : t.Name;
    }

    public ParameterSetMetadata? In(string set) =>
        Sets.TryGetValue(set, out var m) ? m : Sets.TryGetValue(CmdletModel.AllSets, out var all) ? all : null;
}

/// <summary>A cmdlet as PowerShell sees it: name, parameter sets, parameters, output types.</summary>
internal sealed class CmdletModel
{
    public const string AllSets = "__AllParameterSets";

    public required Type Type { get; init; }
    public required string Verb { get; init; }
    public required string Noun { get; init; }
    public string Name => $"{Verb}-{Noun}";
    public required string? DefaultSet { get; init; }
    public required bool SupportsShouldProcess { get; init; }
    public required List<ParameterModel> Parameters { get; init; }
    public required List<Type> OutputTypes { get; init; }

    /// <summary>Parameter sets in a stable order (the default first); one unnamed set when the cmdlet declares none.</summary>
    public List<string> SetNames()
    {
        var names = Parameters.SelectMany(p => p.Sets.Keys).Where(k => k != AllSets).Distinct().ToList();
        if (names.Count == 0) return new List<string> { AllSets };
        names.Sort(StringComparer.Ordinal);
        if (DefaultSet is not null && names.Remove(DefaultSet)) names.Insert(0, DefaultSet);
        return names;
    }

    /// <summary>The parameters of one set, as syntax shows them: positional by position, then mandatory, then the rest.</summary>
    public List<(ParameterModel Parameter, ParameterSetMetadata Set)> InSet(string set) =>
        Parameters.Select(p => (Parameter: p, Set: p.In(set)))
            .Where(x => x.Set is not null)
            .Select(x => (x.Parameter, Set: x.Set!))
            .OrderBy(x => x.Set.Position == int.MinValue ? int.MaxValue : x.Set.Position)
            .ThenBy(x => x.Set.IsMandatory ? 0 : 1)
            .ToList();

    public static List<CmdletModel> Load(string assemblyPath)
    {
        Assembly assembly = Assembly.LoadFrom(Path.GetFullPath(assemblyPath));
        var result = new List<CmdletModel>();
        foreach (Type type in assembly.GetExportedTypes().Where(t => !t.IsAbstract))
        {
            if (type.GetCustomAttribute<CmdletAttribute>() is not CmdletAttribute cmdlet) continue;
            var metadata = new CommandMetadata(type);
            object? instance = null;
            try { instance = Activator.CreateInstance(type); } catch (Exception) { }
            var parameters = new List<ParameterModel>();
            // Declaration order, base class properties last (as reflection lists them).
            foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (!metadata.Parameters.TryGetValue(property.Name, out ParameterMetadata? p)) continue;
                string? helpMessage = p.ParameterSets.Values.Select(s => s.HelpMessage).FirstOrDefault(h => !string.IsNullOrEmpty(h));
                bool mandatory = p.ParameterSets.Values.All(s => s.IsMandatory);
                parameters.Add(new ParameterModel(p.Name, p.ParameterType, p.Aliases.ToArray(), helpMessage,
                    mandatory ? "None" : DefaultOf(instance, property), ValuesOf(p), p.ParameterSets));
            }
            if (cmdlet.SupportsShouldProcess)
            {
                var all = new Dictionary<string, ParameterSetMetadata>();
                foreach (string name in new[] { "WhatIf", "Confirm" })
                {
                    var common = new CommandMetadata(typeof(ShouldProcessProbe)).Parameters;
                    parameters.Add(new ParameterModel(name, typeof(SwitchParameter), name == "WhatIf" ? new[] { "wi" } : new[] { "cf" },
                        name == "WhatIf" ? "Shows what would happen if the cmdlet runs. The cmdlet is not run." : "Prompts you for confirmation before running the cmdlet.",
                        "False", Array.Empty<string>(), common["Switch"].ParameterSets));
                }
            }
            result.Add(new CmdletModel
            {
                Type = type,
                Verb = cmdlet.VerbName,
                Noun = cmdlet.NounName,
                DefaultSet = cmdlet.DefaultParameterSetName,
                SupportsShouldProcess = cmdlet.SupportsShouldProcess,
                Parameters = parameters,
                OutputTypes = type.GetCustomAttributes<OutputTypeAttribute>().SelectMany(o => o.Type).Select(t => t.Type).Where(t => t is not null).ToList()!,
            });
        }
        return result.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
    }

    private static string[] ValuesOf(ParameterMetadata p)
    {
        Type t = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
        if (t.IsEnum) return Enum.GetNames(t);
        return p.Attributes.OfType<ValidateSetAttribute>().FirstOrDefault()?.ValidValues.ToArray() ?? Array.Empty<string>();
    }

    private static string DefaultOf(object? instance, PropertyInfo property)
    {
        if (instance is null) return "None";
        object? value;
        try { value = property.GetValue(instance); } catch (Exception) { return "None"; }
        return value switch
        {
            null => "None",
            SwitchParameter s => s.IsPresent ? "True" : "False",
            double d when double.IsNaN(d) => "None",
            string s when s.Length == 0 => "None",
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "None",
        };
    }

    /// <summary>A parameter shaped like a plain switch, to borrow its all-sets metadata for WhatIf and Confirm.</summary>
    private sealed class ShouldProcessProbe : PSCmdlet
    {
        [Parameter] public SwitchParameter Switch { get; set; }
    }
}
