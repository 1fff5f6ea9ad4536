using System.Reflection;
using System.Text.Json.Nodes;

namespace NeuralPS.Core.Layers;

/// <summary>
/// Marks a layer kind and names it. The kind's class also has <c>internal static Layer Load(JsonObject settings)</c>,
/// which rebuilds a layer from what <see cref="Layer.SaveSettings"/> wrote. <see cref="LayerRegistry"/> finds every
/// kind by this mark, so a new layer kind registers itself in its own file.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class LayerKindAttribute : Attribute
{
    public LayerKindAttribute(string name) => Name = name;

    /// <summary>The kind's name, as users and model files write it.</summary>
    public string Name { get; }
}

/// <summary>Every layer kind by name: saves a layer's settings under its kind and rebuilds layers from them.</summary>
internal static class LayerRegistry
{
    private static readonly Dictionary<string, Func<JsonObject, Layer>> Loaders = new(StringComparer.Ordinal);
    private static readonly Dictionary<Type, string> Names = new();

    static LayerRegistry()
    {
        foreach (Type type in typeof(Layer).Assembly.GetTypes())
        {
            if (type.GetCustomAttribute<LayerKindAttribute>() is not { } kind) continue;
            MethodInfo load = type.GetMethod("Load", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public, new[] { typeof(JsonObject) })
                ?? throw new InvalidOperationException($"The layer kind {type.Name} has no static Load(JsonObject).");
            Loaders.Add(kind.Name, load.CreateDelegate<Func<JsonObject, Layer>>());
            Names.Add(type, kind.Name);
        }
    }

    /// <summary>The names of every layer kind.</summary>
    public static IReadOnlyCollection<string> Kinds => Loaders.Keys;

    /// <summary>The kind name of a layer class.</summary>
    public static string KindOf(Type type) =>
        Names.TryGetValue(type, out string? name) ? name : throw new InvalidOperationException($"{type.Name} is not marked with [LayerKind].");

    /// <summary>The layer's kind and settings, as a model file keeps them: {"Kind": "Dense", "Units": 8, ...}.</summary>
    public static JsonObject Save(Layer layer)
    {
        var settings = new JsonObject { ["Kind"] = layer.Kind };
        layer.SaveSettings(settings);
        return settings;
    }

    /// <summary>A layer rebuilt from what <see cref="Save"/> wrote (not yet added to a network).</summary>
    public static Layer Load(JsonObject settings)
    {
        string kind = settings["Kind"]?.GetValue<string>() ?? throw new InvalidDataException("a layer without a kind");
        return Loaders.TryGetValue(kind, out Func<JsonObject, Layer>? load)
            ? load(settings)
            : throw new InvalidDataException($"unknown layer kind '{kind}' (this NeuralPS knows {string.Join(", ", Loaders.Keys)})");
    }

    /// <summary>A fresh layer with the same settings (for copying a network).</summary>
    public static Layer Copy(Layer layer) => Load(Save(layer));

    /// <summary>Reads an enum setting written by name.</summary>
    public static T Enum<T>(JsonObject settings, string name, T fallback) where T : struct, System.Enum =>
        settings[name] is JsonNode node ? System.Enum.Parse<T>(node.GetValue<string>()) : fallback;

    /// <summary>Reads a number setting.</summary>
    public static T Number<T>(JsonObject settings, string name, T fallback) where T : struct =>
        settings[name] is JsonNode node ? node.GetValue<T>() : fallback;
}
