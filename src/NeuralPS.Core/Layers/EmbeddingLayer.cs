using System.Text.Json.Nodes;
using NeuralPS.Core.Data;
using NeuralPS.Core.Kernels.Recurrent;
using NeuralPS.Core.Onnx;

namespace NeuralPS.Core.Layers;

/// <summary>
/// An embedding of one categorical input column, as nn.Embedding / Keras's Embedding: the column holds a category
/// index (<see cref="ColumnKind.CategoryIndex"/>: 1 to <see cref="Categories"/> for the categories of the training
/// data, 0 for one never seen), and the layer replaces it with that index's row of a learned table
/// [Categories + 1, Dimensions] (row 0 is the reserved row of unseen categories). The other features pass through
/// unchanged, in place: the output is the input row with the index column replaced by its vector,
/// [x before | table[x[Column]] | x after], so the next Dense layer sees the embedding concatenated with the remaining
/// (numeric) features, as a Keras wide-and-deep model's Concatenate()([Flatten()(Embedding(...)(host)), numeric])
/// does, up to the order of the inputs (which a dense layer does not care about). Several embedding layers chain,
/// each replacing its own column. Parameters: the table [Categories + 1, Dimensions], initialized N(0, 1) as
/// PyTorch's nn.Embedding. Shapes: x [rows, F] → z [rows, F − 1 + Dimensions]; scratch [rows] indices, then
/// [rows, Dimensions] gradient rows. The work is <see cref="Embedding"/>'s.
/// </summary>
[LayerKind("Embedding")]
public sealed class EmbeddingLayer : Layer
{
    /// <summary>
    /// An embedding of <paramref name="feature"/>, found at <paramref name="column"/> of the layer's input, with
    /// <paramref name="categories"/> categories known (the table has one more row, for unseen ones).
    /// </summary>
    public EmbeddingLayer(string feature, int column, int categories, int dimensions)
    {
        if (dimensions < 1)
            throw new NeuralPSException(ErrorIds.InvalidEmbedding, ErrorKind.InvalidArgument,
                $"An embedding needs at least one dimension; {dimensions} was given.", dimensions);
        if (categories < 1)
            throw new NeuralPSException(ErrorIds.InvalidEmbedding, ErrorKind.InvalidArgument,
                $"The embedding of '{feature}' needs at least one category; {categories} was given.", categories);
        if (column < 0)
            throw new NeuralPSException(ErrorIds.InvalidEmbedding, ErrorKind.InvalidArgument,
                $"The embedding of '{feature}' reads input column {column}, which does not exist.", column);
        Feature = feature;
        Column = column;
        Categories = categories;
        Dimensions = dimensions;
    }

    /// <summary>
    /// The embedding of <paramref name="feature"/> for <paramref name="network"/>: its column (a category-index column
    /// of the network's <see cref="Network.FeatureEncoding"/>) found where earlier embedding layers left it.
    /// </summary>
    public static EmbeddingLayer For(Network network, string feature, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(network);
        FeatureEncoding encoding = network.FeatureEncoding ?? throw new NeuralPSException(ErrorIds.NoFeatureNames, ErrorKind.InvalidOperation,
            $"An embedding needs the categories of '{feature}', which the network learns from a dataset: make it with " +
            "New-Network -Data $train (a dataset from ConvertTo-Dataset -CategoryIndex " + feature + ").", network);
        int position = 0;
        FeatureColumn? found = null;
        foreach (FeatureColumn column in encoding.Columns)
        {
            if (string.Equals(column.Name, feature, StringComparison.OrdinalIgnoreCase)) { found = column; break; }
            position += column.Width;
        }
        if (found is null)
            throw new NeuralPSException(ErrorIds.InvalidEmbedding, ErrorKind.InvalidArgument,
                $"The network has no feature '{feature}'; its columns are {string.Join(", ", encoding.Columns.Select(c => c.Name).Take(30))}.", feature);
        if (found.Kind != ColumnKind.CategoryIndex)
            throw new NeuralPSException(ErrorIds.InvalidEmbedding, ErrorKind.InvalidArgument,
                $"'{found.Name}' is a {found.Kind.ToString().ToLowerInvariant()} column" +
                (found.Kind == ColumnKind.Categorical ? $" one-hot encoded as {found.Categories.Length} features" : "") +
                $"; an embedding reads one category index. Make the dataset with ConvertTo-Dataset (or Import-Dataset) -CategoryIndex {found.Name}.", feature);
        // Earlier embeddings replaced their column (one value) by their vector: columns after them moved on.
        foreach (Layer layer in network.Layers)
        {
            if (layer is EmbeddingLayer earlier)
            {
                if (string.Equals(earlier.Feature, found.Name, StringComparison.OrdinalIgnoreCase))
                    throw new NeuralPSException(ErrorIds.InvalidEmbedding, ErrorKind.InvalidOperation,
                        $"The network already embeds '{found.Name}'.", feature);
                if (earlier.Column < position) position += earlier.Dimensions - 1;
            }
            else if (layer is not NormalizationLayer)
                throw new NeuralPSException(ErrorIds.InvalidEmbedding, ErrorKind.InvalidOperation,
                    $"An embedding reads a raw input column, so it comes before other layers (after a normalization layer at most); " +
                    $"layer {network.Layers.Count} is a {layer.Kind} layer. Add the embedding layers first.", network);
        }
        return new EmbeddingLayer(found.Name, position, found.Categories.Length, dimensions);
    }

    /// <summary>The column (feature) embedded.</summary>
    public string Feature { get; }

    /// <summary>Where the column's index lies in the layer's input row.</summary>
    public int Column { get; }

    /// <summary>Categories known from training; the table has one more row (row 0) for unseen ones.</summary>
    public int Categories { get; }

    /// <summary>Values in each category's vector.</summary>
    public int Dimensions { get; }

    /// <summary>Rows of the table: the categories and the reserved row 0.</summary>
    public int TableRows => Categories + 1;

    /// <inheritdoc />
    public override int ParameterCount => NetworkSize.ParameterCount((long)TableRows * Dimensions, this);

    internal override bool NeedsFlatInput => true;

    internal override bool ReadsIndices => true;

    protected override Shape OutputShapeFor(Shape input)
    {
        if (Column >= input.Size)
            throw new NeuralPSException(ErrorIds.InvalidEmbedding, ErrorKind.InvalidOperation,
                $"The embedding of '{Feature}' reads input column {Column + 1}, but its input has {input.Size} values.", this);
        return new Shape(input.Size - 1 + Dimensions);
    }

    internal override void SaveSettings(JsonObject settings)
    {
        settings["Feature"] = Feature;
        settings["Column"] = Column;
        settings["Categories"] = Categories;
        settings["Dimensions"] = Dimensions;
    }

    internal static Layer Load(JsonObject s) => new EmbeddingLayer(s["Feature"]?.GetValue<string>() ?? "",
        LayerRegistry.Number(s, "Column", 0, 0, int.MaxValue - 1), LayerRegistry.Number(s, "Categories", 0, 1, int.MaxValue - 1),
        LayerRegistry.Number(s, "Dimensions", 0, 1, int.MaxValue));

    internal override int? WeightCountForStatistics => ParameterCount;

    internal override int ScratchLength(int rows, int threads) => rows * (1 + Dimensions);

    /// <summary>N(0, 1), as PyTorch's nn.Embedding.</summary>
    internal override void Initialize(Span<float> parameters, RandomSource random)
    {
        for (int i = 0; i < parameters.Length; i++) parameters[i] = (float)random.NextGaussian();
    }

    internal override void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> z,
        int rows, bool training, Span<float> scratch, ExecutionContext context)
    {
        int f = InputSize, o = OutputSize, d = Dimensions, p = Column;
        Span<float> indices = scratch[..rows];
        Gather(input, indices, rows);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> x = input.Slice(r * f, f);
            Span<float> y = z.Slice(r * o, o);
            x[..p].CopyTo(y);
            Embedding.Forward(indices.Slice(r, 1), parameters, d, y.Slice(p, d));
            x[(p + 1)..].CopyTo(y[(p + d)..]);
        }
    }

    internal override void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> dz,
        Span<float> parameterGradients, Span<float> inputGradient, int rows, Span<float> scratch, ExecutionContext context)
    {
        int f = InputSize, o = OutputSize, d = Dimensions, p = Column;
        Span<float> indices = scratch[..rows];
        Span<float> rowsGradient = scratch.Slice(rows, rows * d);
        Gather(input, indices, rows);
        for (int r = 0; r < rows; r++) dz.Slice(r * o + p, d).CopyTo(rowsGradient.Slice(r * d, d));
        Embedding.Backward(indices, rowsGradient, d, parameterGradients);
        if (inputGradient.IsEmpty) return;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> g = dz.Slice(r * o, o);
            Span<float> dx = inputGradient.Slice(r * f, f);
            g[..p].CopyTo(dx);
            dx[p] = 0f; // an index has no gradient: the category is a choice, not a quantity
            g[(p + d)..].CopyTo(dx[(p + 1)..]);
        }
    }

    /// <summary>Each row's index into <paramref name="indices"/>, refusing what is not a row of the table.</summary>
    private void Gather(ReadOnlySpan<float> input, Span<float> indices, int rows)
    {
        int f = InputSize;
        for (int r = 0; r < rows; r++)
        {
            float value = input[r * f + Column];
            if (value != MathF.Floor(value) || value < 0 || value > Categories)
                throw new NeuralPSException(ErrorIds.InvalidData, ErrorKind.InvalidData,
                    $"Row {r + 1}: the embedding of '{Feature}' reads {value}, which is not a category index (0 to {Categories}). " +
                    "Give the network data made with its encoding: ConvertTo-Dataset (or Import-Dataset) -Encoding $net.FeatureEncoding, or records.", this);
            indices[r] = value;
        }
    }

    /// <summary>
    /// Slice the index column, Cast it to int64, Gather the table's rows ([N, 1, D], reshaped to [N, D]) and Concat
    /// them between the columns before and after it.
    /// </summary>
    internal override string ToOnnx(OnnxGraph graph, string prefix, ReadOnlySpan<float> parameters, string input)
    {
        int p = Column, d = Dimensions;
        string axes = graph.Int64Initializer($"{prefix}_axes", 1);
        string Slice(string name, long start, long end) => graph.Node("Slice", $"{prefix}_{name}", new[] { input,
            graph.Int64Initializer($"{prefix}_{name}_starts", start), graph.Int64Initializer($"{prefix}_{name}_ends", end), axes });
        string table = graph.Initializer($"{prefix}_table", parameters, TableRows, d);
        string index = graph.Node("Cast", $"{prefix}_index", new[] { Slice("column", p, p + 1) },
            OnnxGraph.IntAttribute("to", (long)Onnx.Proto.TensorProto.Types.DataType.Int64));
        string gathered = graph.Node("Gather", $"{prefix}_gather", new[] { table, index }, OnnxGraph.IntAttribute("axis", 0));
        string vectors = graph.Node("Reshape", $"{prefix}_vectors", new[] { gathered, graph.Int64Initializer($"{prefix}_shape", -1, d) });
        var parts = new List<string>();
        if (p > 0) parts.Add(Slice("before", 0, p));
        parts.Add(vectors);
        if (p + 1 < InputSize) parts.Add(Slice("after", p + 1, InputSize));
        return parts.Count == 1 ? vectors : graph.Node("Concat", prefix, parts.ToArray(), OnnxGraph.IntAttribute("axis", 1));
    }

    /// <inheritdoc />
    public override string Describe() => $"Embedding {Feature} ({Categories}+1 x {Dimensions})";
}
