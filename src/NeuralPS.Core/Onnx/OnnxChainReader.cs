using System.Globalization;
using NeuralPS.Core.Onnx.Proto;

namespace NeuralPS.Core.Onnx;

/// <summary>
/// Reads an ONNX graph as what a NeuralPS network is: a chain of layers from the graph's one input to its one output,
/// each node reading the one before it and stored constants. Node by node, in the chain's order:
/// <code>
///   Gemm (alpha, beta, transB; not transA)            a dense layer: W = alpha·B (B transposed when transB), b = beta·C
///   MatMul by a stored [inputs, units] matrix          a dense layer without bias …
///   Add / Sub / Mul / Div by a constant after one      … folded into its bias (and weights): MatMul then Add is Keras's dense
///   Add / Sub / Mul / Div by constants before any layer the normalization layer, z = (x − mean) / std
///   BatchNormalization (inference form)                a batch-norm layer; ONNX's momentum m is NeuralPS's 1 − m
///   Dropout                                           a dropout layer of its ratio (the identity when predicting)
///   elementwise nodes that compute one of NeuralPS's activations (a Relu, or GELU spelled Div, Erf, Add, Mul, Mul),
///   and Softmax over the features                      the activation of the layer before
///   Identity; Flatten and Reshape that keep [N, features], or flatten a [N, C, H, W] input   nothing
/// </code>
/// Constants are initializers, Constant nodes and Identity nodes of either. Problems are errors that name the node:
/// <c>OnnxUnsupportedModel</c> for what NeuralPS cannot represent (branches, transA, a LeakyRelu of another slope),
/// <c>ModelFileCorrupt</c> for what no valid ONNX model has (shapes that do not fit, a tensor nothing produces).
/// </summary>
internal sealed class OnnxChainReader
{
    private readonly GraphProto _graph;
    private readonly string _source;
    private readonly long _opset;
    private readonly Dictionary<string, OnnxConstant> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _readers = new(StringComparer.Ordinal); // tensor → the nodes reading it
    private readonly Dictionary<string, NodeProto> _producers = new(StringComparer.Ordinal);
    private readonly bool[] _done; // nodes read (constants included)
    private readonly List<LayerPlan> _layers = new();
    private readonly string _output;

    private string _current;     // the tensor the chain has reached
    private int _width;          // its values a row
    private bool _flat;          // true once it is [N, features] (an input may be [N, C, H, W] until Flatten)
    private DensePlan? _foldInto; // the dense layer just read, while constants may still fold into it
    private NormalizationPlan? _normalizing; // the normalization being composed from the first constants

    /// <summary>Reads the graph; throws the importer's errors (see the class summary).</summary>
    public OnnxChainReader(GraphProto graph, long opset, string source)
    {
        _graph = graph;
        _opset = opset;
        _source = source;
        _done = new bool[graph.Node.Count];
        ReadConstants();
        for (int i = 0; i < graph.Node.Count; i++)
        {
            NodeProto node = graph.Node[i];
            if (node.Output.Count == 0 || node.Output[0].Length == 0) throw Corrupt($"node '{node.Name}' ({node.OpType}) has no output");
            foreach (string output in node.Output.Where(o => o.Length > 0))
                if (!_producers.TryAdd(output, node)) throw Corrupt($"two nodes write '{output}' (node {Describe(node)} and node {Describe(_producers[output])})");
            if (_done[i]) continue;
            foreach (string input in node.Input.Where(n => n.Length > 0).Distinct())
            {
                if (!_readers.TryGetValue(input, out List<int>? readers)) _readers[input] = readers = new List<int>();
                readers.Add(i);
            }
        }
        (InputName, InputSize, _flat) = ReadInput();
        _current = InputName;
        _width = InputSize;
        _output = graph.Output.Count switch
        {
            1 => graph.Output[0].Name,
            0 => throw Corrupt("its graph declares no output"),
            _ => throw Unsupported($"its graph has {graph.Output.Count} outputs ({string.Join(", ", graph.Output.Select(o => $"'{o.Name}'"))}); " +
                "a NeuralPS network has one. Export the model with one output"),
        };
        ReadChain();
    }

    /// <summary>The graph input's name.</summary>
    public string InputName { get; }

    /// <summary>Values a row of input (the product of the input's dimensions after the batch one).</summary>
    public int InputSize { get; }

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<LayerPlan> Layers => _layers;

    /// <summary>The output's width.</summary>
    public int OutputSize => _width;

    // ---- the graph's constants, input and chain ----

    private void ReadConstants()
    {
        foreach (TensorProto tensor in _graph.Initializer)
            _constants[tensor.Name] = OnnxTensors.Read(tensor, tensor.Name, _source);
        for (int i = 0; i < _graph.Node.Count; i++)
        {
            NodeProto node = _graph.Node[i];
            if (!IsStandard(node) || node.Output.Count == 0) continue;
            if (node.OpType == "Constant")
            {
                _constants[node.Output[0]] = ConstantValue(node);
                _done[i] = true;
            }
            else if (node.OpType == "Identity" && node.Input.Count == 1 && _constants.TryGetValue(node.Input[0], out OnnxConstant? value))
            {
                // PyTorch writes one copy of equal initializers and Identity nodes for the others.
                _constants[node.Output[0]] = value;
                _done[i] = true;
            }
        }
    }

    private OnnxConstant ConstantValue(NodeProto node)
    {
        string name = node.Output[0];
        AttributeProto? value = node.Attribute.FirstOrDefault();
        return value?.Name switch
        {
            "value" when value.T is not null => OnnxTensors.Read(value.T, name, _source),
            "value_float" => new OnnxConstant(name, Array.Empty<long>(), new[] { value.F }, null),
            "value_floats" => new OnnxConstant(name, new long[] { value.Floats.Count }, value.Floats.ToArray(), null),
            "value_int" => new OnnxConstant(name, Array.Empty<long>(), null, new[] { value.I }),
            "value_ints" => new OnnxConstant(name, new long[] { value.Ints.Count }, null, value.Ints.ToArray()),
            null => throw Corrupt($"the Constant node {Describe(node)} has no value"),
            _ => throw Unsupported($"the Constant node {Describe(node)} holds a {value.Name}; NeuralPS reads numeric constants"),
        };
    }

    /// <summary>The one graph input that is not an initializer (files before IR 4 list initializers as inputs too).</summary>
    private (string Name, int Width, bool Flat) ReadInput()
    {
        ValueInfoProto[] inputs = _graph.Input.Where(i => !_constants.ContainsKey(i.Name)).ToArray();
        if (inputs.Length != 1)
            throw Unsupported(inputs.Length == 0
                ? "its graph takes no input"
                : $"its graph has {inputs.Length} inputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}); a NeuralPS network takes one row of features. " +
                  "Export a model with one input");
        ValueInfoProto input = inputs[0];
        TypeProto.Types.Tensor tensor = input.Type?.TensorType
            ?? throw Unsupported($"its input '{input.Name}' is not a tensor; a NeuralPS network takes a tensor of rows of features");
        if (tensor.ElemType != (int)TensorProto.Types.DataType.Float)
            throw Unsupported($"its input '{input.Name}' holds {OnnxTensors.TypeName(tensor.ElemType)} values; a NeuralPS network takes float32 features. " +
                "Export the model with a float32 input");
        if (tensor.Shape is null || tensor.Shape.Dim.Count < 2)
            throw Unsupported($"its input '{input.Name}' is shaped {Shape(tensor.Shape)}; NeuralPS needs [batch, features] (or [batch, C, H, W] flattened by the graph). " +
                "Export the model with an example batch of the input's real shape");
        long width = 1;
        foreach (TensorShapeProto.Types.Dimension dim in tensor.Shape.Dim.Skip(1))
        {
            if (!dim.HasDimValue || dim.DimValue < 1)
                throw Unsupported($"its input '{input.Name}' is shaped {Shape(tensor.Shape)}: NeuralPS needs to know how many values a row has, " +
                    "so every dimension but the first (the batch) must be a number. Export the model without dynamic axes other than the batch");
            width *= dim.DimValue;
            if (width > int.MaxValue) throw Unsupported($"its input '{input.Name}' ({Shape(tensor.Shape)}) has more values a row than a NeuralPS network takes");
        }
        return (input.Name, (int)width, tensor.Shape.Dim.Count == 2);
    }

    /// <summary>Follows the chain from the input to the output, a node (or a run of elementwise nodes) at a time.</summary>
    private void ReadChain()
    {
        while (_current != _output)
        {
            List<int> readers = Pending(_current);
            if (readers.Count == 0)
                throw Corrupt($"its graph stops at '{_current}' and never reaches its output '{_output}'");
            if (readers.Count == 1 && ReadNode(readers[0])) continue;
            ReadActivation(readers);
        }
        if (Array.IndexOf(_done, false) is int left and >= 0)
            throw Unsupported($"node {Describe(_graph.Node[left])} is not on the way from the input '{InputName}' to the output '{_output}'; " +
                "NeuralPS reads a plain chain of layers (no branches, no second head)");
        if (_layers.Count == 0)
            throw Unsupported("its graph has no layer (Gemm, MatMul or BatchNormalization) between its input and its output");
        if (_graph.Output[0].Type?.TensorType?.Shape is { } shape && shape.Dim.Count > 0 && shape.Dim[^1].HasDimValue && shape.Dim[^1].DimValue != _width)
            throw Corrupt($"its output '{_output}' is declared {Shape(shape)} but its last layer gives {_width} values a row");
    }

    /// <summary>Reads the node as a layer or as nothing; false when it is not one of those (an activation, then).</summary>
    private bool ReadNode(int index)
    {
        NodeProto node = _graph.Node[index];
        DensePlan? foldInto = _foldInto;
        NormalizationPlan? normalizing = _normalizing;
        _foldInto = null;
        _normalizing = null;
        switch (node.OpType)
        {
            case "Identity":
                (_foldInto, _normalizing) = (foldInto, normalizing);
                break;
            case "Gemm": ReadGemm(node); break;
            case "MatMul": ReadMatMul(node); break;
            case "BatchNormalization": ReadBatchNormalization(node); break;
            case "Dropout": ReadDropout(node); break;
            case "Flatten": ReadFlatten(node); break;
            case "Reshape": ReadReshape(node); break;
            case "Softmax": ReadSoftmax(node); break;
            case "Add" or "Sub" or "Mul" or "Div" when Operand(node) is (OnnxConstant constant, bool dataFirst):
                if (normalizing is not null || _layers.Count == 0)
                {
                    _normalizing = Normalize(node, normalizing, constant, dataFirst);
                    break;
                }
                if (foldInto is not null && Fold(node, foldInto, constant, dataFirst))
                {
                    _foldInto = foldInto;
                    break;
                }
                (_foldInto, _normalizing) = (foldInto, normalizing);
                return false;
            default:
                (_foldInto, _normalizing) = (foldInto, normalizing);
                return false;
        }
        _done[index] = true;
        _current = node.Output[0];
        return true;
    }

    private void ReadGemm(NodeProto node)
    {
        RequireData(node, flat: true);
        if (Int(node, "transA", 0) != 0)
            throw Unsupported($"node {Describe(node)} transposes the data (transA=1); NeuralPS multiplies rows of features by weights. Export the layer without the transpose");
        OnnxConstant b = FloatConstant(node, 1);
        if (b.Dims.Length != 2) throw Corrupt($"node {Describe(node)} has a weight '{b.Name}' shaped {b.Shape}, not a matrix");
        bool transB = Int(node, "transB", 0) != 0;
        int k = (int)(transB ? b.Dims[1] : b.Dims[0]), n = (int)(transB ? b.Dims[0] : b.Dims[1]);
        if (k != _width)
            throw Corrupt($"node {Describe(node)} multiplies {_width} values a row by a weight '{b.Name}' shaped {b.Shape}{(transB ? " (transposed)" : "")}");
        float alpha = Float(node, "alpha", 1f), beta = Float(node, "beta", 1f);
        float[] source = b.Floats!;
        var weights = new float[k * n];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < n; j++)
                weights[i * n + j] = alpha * (transB ? source[j * k + i] : source[i * n + j]);
        var bias = new float[n];
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            float[] c = PerUnit(node, FloatConstant(node, 2), n);
            for (int j = 0; j < n; j++) bias[j] = beta * c[j];
        }
        AddDense(node, k, n, weights, bias);
    }

    private void ReadMatMul(NodeProto node)
    {
        RequireData(node, flat: true);
        OnnxConstant w = FloatConstant(node, 1);
        if (w.Dims.Length != 2 || w.Dims[0] != _width)
            throw Unsupported($"node {Describe(node)} multiplies {_width} values a row by '{w.Name}' shaped {w.Shape}; NeuralPS reads MatMul by an " +
                $"[inputs, units] matrix, here [{_width}, units]");
        AddDense(node, _width, (int)w.Dims[1], (float[])w.Floats!.Clone(), new float[w.Dims[1]]);
    }

    private void AddDense(NodeProto node, int inputs, int units, float[] weights, float[] bias)
    {
        if (units < 1) throw Corrupt($"node {Describe(node)} has no units");
        var dense = new DensePlan(NameOf(node), inputs, units, weights, bias);
        AddLayer(node, dense);
        _width = units;
        _foldInto = dense;
    }

    private void ReadBatchNormalization(NodeProto node)
    {
        RequireData(node, flat: true);
        if (Int(node, "training_mode", 0) != 0)
            throw Unsupported($"node {Describe(node)} is in training mode (training_mode=1), which uses the batch's statistics when predicting. " +
                "Export the model in inference mode (model.eval() before torch.onnx.export)");
        if (node.Input.Count != 5) throw Corrupt($"node {Describe(node)} has {node.Input.Count} inputs instead of 5 (data, scale, bias, mean, variance)");
        for (int i = 1; i < node.Output.Count; i++)
            if (IsUsed(node.Output[i]))
                throw Unsupported($"the statistics node {Describe(node)} computes ('{node.Output[i]}') are used by the graph; NeuralPS reads batch normalization in inference form. " +
                    "Export the model in inference mode");
        float[] scale = PerFeature(node, 1), shift = PerFeature(node, 2), mean = PerFeature(node, 3), variance = PerFeature(node, 4);
        float epsilon = Float(node, "epsilon", 1e-5f), momentum = Float(node, "momentum", 0.9f);
        // ONNX: running = running·momentum + batch·(1 − momentum); NeuralPS (as PyTorch): running = (1 − m)·running + m·batch.
        // Computed from the decimal the float stands for, so that 0.9 gives back 0.1 and not 0.100000024.
        double weight = 1 - double.Parse(momentum.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        if (!(weight >= 0 && weight <= 1) || !(epsilon > 0 && epsilon <= 1))
            throw Unsupported($"node {Describe(node)} has a momentum or epsilon NeuralPS's batch normalization does not take (momentum from 0 to 1, epsilon above 0 and at most 1)");
        AddLayer(node, new BatchNormPlan(NameOf(node), scale, shift, mean, variance, epsilon, (float)weight));
    }

    private void ReadDropout(NodeProto node)
    {
        RequireData(node, flat: false);
        float rate = 0.5f; // ONNX's default ratio
        if (_opset < 12) rate = Float(node, "ratio", rate);
        else
        {
            if (node.Input.Count > 1 && node.Input[1].Length > 0) rate = Scalar(node, FloatConstant(node, 1));
            if (node.Input.Count > 2 && node.Input[2].Length > 0 && Constant(node, 2) is { } mode && (mode.Integers?.Any(v => v != 0) ?? mode.Floats!.Any(v => v != 0)))
                throw Unsupported($"node {Describe(node)} drops values when predicting (training_mode is true). Export the model in inference mode (model.eval())");
        }
        if (node.Output.Count > 1 && IsUsed(node.Output[1]))
            throw Unsupported($"the mask of node {Describe(node)} ('{node.Output[1]}') is used by the graph; NeuralPS's dropout has no mask output");
        if (!(rate >= 0 && rate < 1))
            throw Unsupported($"node {Describe(node)} has a dropout ratio of {rate}; a dropout rate is at least 0 and below 1");
        if (rate > 0) _layers.Add(new DropoutPlan(NameOf(node), rate));
    }

    private void ReadFlatten(NodeProto node)
    {
        RequireData(node, flat: false);
        long axis = Int(node, "axis", 1);
        int rank = _flat ? 2 : RankOfInput();
        if (axis < 0) axis += rank;
        if (axis != 1)
            throw Unsupported($"node {Describe(node)} flattens at axis {axis}, which mixes rows; NeuralPS reads Flatten with axis 1 (rows of features)");
        _flat = true;
    }

    private void ReadReshape(NodeProto node)
    {
        RequireData(node, flat: false);
        OnnxConstant target = Constant(node, 1);
        long[]? shape = target.Integers;
        bool allowZero = Int(node, "allowzero", 0) != 0;
        bool kept = shape is { Length: 2 } &&
            (shape[0] == -1 || (shape[0] == 0 && !allowZero)) &&
            (shape[1] == _width || (shape[1] == -1 && shape[0] != -1) || (shape[1] == 0 && !allowZero && SecondDimension() == _width));
        if (!kept)
            throw Unsupported($"node {Describe(node)} reshapes the data to [{string.Join(", ", shape ?? Array.Empty<long>())}]; NeuralPS reads Reshape only " +
                $"to rows of features, [-1, {_width}]");
        _flat = true;
    }

    private void ReadSoftmax(NodeProto node)
    {
        RequireData(node, flat: true);
        long axis = Int(node, "axis", _opset < 13 ? 1 : -1);
        if (axis != 1 && axis != -1)
            throw Unsupported($"node {Describe(node)} takes the softmax over axis {axis}; NeuralPS's softmax is over the features of each row (axis 1)");
        Attach(Activation.Softmax, $"the softmax of node {Describe(node)}");
    }

    /// <summary>
    /// The constant operand of an Add, Sub, Mul or Div whose other operand is the data, and whether the data comes
    /// first; null when the other operand is not a float constant with one value, or one per feature.
    /// </summary>
    private (OnnxConstant? Constant, bool DataFirst) Operand(NodeProto node)
    {
        if (node.Input.Count != 2) return (null, false);
        bool dataFirst = node.Input[0] == _current;
        if (!dataFirst && node.Input[1] != _current) return (null, false);
        if (!_constants.TryGetValue(node.Input[dataFirst ? 1 : 0], out OnnxConstant? constant) || constant.Floats is null) return (null, false);
        bool fits = constant.Count == 1 || (_flat && constant.Count == _width && constant.Dims.Length <= 2 && constant.Dims[^1] == _width);
        return fits ? (constant, dataFirst) : (null, false);
    }

    /// <summary>
    /// Composes x op c into the normalization z = (x − mean)/std: a subtraction moves the mean by c·std, a division
    /// scales std by c. Data − c and data ÷ c only (c − data, c ÷ data are not affine maps of that form).
    /// </summary>
    private NormalizationPlan Normalize(NodeProto node, NormalizationPlan? plan, OnnxConstant constant, bool dataFirst)
    {
        if (!dataFirst && node.OpType is "Sub" or "Div")
            throw Unsupported($"node {Describe(node)} computes '{constant.Name}' {(node.OpType == "Sub" ? "−" : "÷")} the input; NeuralPS's normalization reads (input − mean) ÷ std");
        if (plan is null) _layers.Add(plan = new NormalizationPlan(NameOf(node), _width));
        float[] c = constant.Floats!;
        for (int j = 0; j < _width; j++)
        {
            double v = c[c.Length == 1 ? 0 : j];
            if (v == 0 && node.OpType is "Mul" or "Div")
                throw Unsupported($"node {Describe(node)} {(node.OpType == "Mul" ? "multiplies" : "divides")} input {j + 1} by 0");
            switch (node.OpType)
            {
                case "Sub": plan.Mean[j] += v * plan.StandardDeviation[j]; break;
                case "Add": plan.Mean[j] -= v * plan.StandardDeviation[j]; break;
                case "Div": plan.StandardDeviation[j] *= v; break;
                case "Mul": plan.StandardDeviation[j] /= v; break;
            }
        }
        return plan;
    }

    /// <summary>Folds data op c after a dense layer into its bias (Add, Sub) or its weights and bias (Mul, Div); false when it cannot.</summary>
    private static bool Fold(NodeProto node, DensePlan dense, OnnxConstant constant, bool dataFirst)
    {
        if (!dataFirst && node.OpType is "Sub" or "Div") return false;
        float[] c = constant.Floats!;
        int n = dense.Units;
        for (int j = 0; j < n; j++)
        {
            float v = c[c.Length == 1 ? 0 : j];
            switch (node.OpType)
            {
                case "Add": dense.Bias[j] += v; break;
                case "Sub": dense.Bias[j] -= v; break;
                case "Mul":
                    for (int i = 0; i < dense.Inputs; i++) dense.Weights[i * n + j] *= v;
                    dense.Bias[j] *= v;
                    break;
                case "Div":
                    for (int i = 0; i < dense.Inputs; i++) dense.Weights[i * n + j] /= v;
                    dense.Bias[j] /= v;
                    break;
            }
        }
        return true;
    }

    /// <summary>
    /// Reads the smallest run of elementwise nodes from the current tensor that joins again into one tensor and
    /// computes one of NeuralPS's activations (<see cref="OnnxActivations"/>).
    /// </summary>
    private void ReadActivation(List<int> readers)
    {
        var run = new List<int>();
        var tensors = new HashSet<string>(StringComparer.Ordinal) { _current };
        var open = new Dictionary<string, int>(StringComparer.Ordinal) { [_current] = readers.Count }; // readers not yet in the run
        bool joined = false;
        for (int i = readers.Min(); i < _graph.Node.Count; i++)
        {
            NodeProto node = _graph.Node[i];
            if (_done[i] || !node.Input.Any(tensors.Contains)) continue;
            if (!IsElementwise(node, tensors)) break;
            run.Add(i);
            foreach (string input in node.Input.Where(tensors.Contains).Distinct())
                if (--open[input] == 0) open.Remove(input);
            string output = node.Output[0];
            tensors.Add(output);
            int count = Pending(output).Count + (output == _output ? 1 : 0);
            if (count > 0) open[output] = count;
            if (open.Count != 1 || !open.ContainsKey(output)) continue;
            joined = true;
            List<NodeProto> nodes = run.Select(r => _graph.Node[r]).ToList();
            if (OnnxActivations.Recognize(nodes, _current, output, _constants) is not Activation activation) continue;
            Attach(activation, nodes.Count == 1 ? $"the {activation} of node {Describe(nodes[0])}" : $"the {activation} of nodes {string.Join(", ", nodes.Select(Describe))}");
            foreach (int r in run) _done[r] = true;
            _current = output;
            _foldInto = null;
            _normalizing = null;
            return;
        }
        string after = _producers.TryGetValue(_current, out NodeProto? producer) ? $"node {Describe(producer)}" : $"the input '{_current}'";
        if (joined)
            throw Unsupported($"nodes {string.Join(", ", run.Select(r => Describe(_graph.Node[r])))} after {after} compute a function that is none of " +
                "NeuralPS's activations (Relu, Sigmoid, Tanh, LeakyRelu with slope 0.01, Elu with alpha 1, Softplus, GELU in its exact erf form, " +
                "Swish x·Sigmoid(x), Softmax). Export the model with one of those");
        if (readers.Count == 1)
            throw Unsupported($"node {Describe(_graph.Node[readers[0]])} after {after} cannot be read as a layer or an activation: " +
                "NeuralPS reads stored weights and constants (one value, or one per feature) beside the data, and elementwise activations");
        throw Unsupported($"the output of {after} goes to {readers.Count} nodes ({string.Join(", ", readers.Select(r => Describe(_graph.Node[r])))}) that do not " +
            "join again into one activation; NeuralPS reads a plain chain of layers (no branches, residual connections or second heads)");
    }

    /// <summary>True when the node maps values one by one from the run's tensors and scalar constants.</summary>
    private bool IsElementwise(NodeProto node, HashSet<string> tensors) =>
        IsStandard(node) && OnnxActivations.Operators.Contains(node.OpType) && node.Input.Count is >= 1 and <= 2 &&
        node.Output.Skip(1).All(o => !IsUsed(o)) &&
        node.Input.All(i => tensors.Contains(i) || (_constants.TryGetValue(i, out OnnxConstant? c) && c.Floats is not null && c.Count == 1));

    // ---- layers and activations ----

    private void AddLayer(NodeProto node, LayerPlan plan)
    {
        if (_layers.FirstOrDefault(l => l.Activation == Activation.Softmax) is { } softmax)
            throw Unsupported($"node {Describe(node)} comes after the softmax of node '{softmax.Node}'; NeuralPS puts a softmax only on the output layer");
        _layers.Add(plan);
    }

    /// <summary>Makes <paramref name="activation"/> the activation of the last layer (a dropout between them is skipped: the same when predicting).</summary>
    private void Attach(Activation activation, string what)
    {
        if (activation == Activation.Linear) return;
        LayerPlan? layer = _layers.LastOrDefault(l => l is not DropoutPlan);
        if (layer is null or NormalizationPlan)
            throw Unsupported($"{what} comes before the first layer; NeuralPS applies an activation after a dense or batch-normalization layer");
        if (layer.Activation != Activation.Linear)
            throw Unsupported($"{what} follows the {layer.Activation} of node '{layer.Node}'; a NeuralPS layer has one activation");
        layer.Activation = activation;
    }

    // ---- operands ----

    /// <summary>Checks that the node's first input is the data (rows of features when <paramref name="flat"/>).</summary>
    private void RequireData(NodeProto node, bool flat)
    {
        if (node.Input.Count == 0 || node.Input[0] != _current)
            throw Unsupported($"node {Describe(node)} reads the data '{_current}' as another operand than its first; NeuralPS reads layers whose first input is the data");
        if (flat && !_flat)
            throw Unsupported($"node {Describe(node)} reads the input '{InputName}' shaped {Shape(InputShape)} before it is flattened; NeuralPS reads " +
                "a Flatten (axis 1) or a Reshape to [-1, features] first");
    }

    private OnnxConstant Constant(NodeProto node, int index)
    {
        string name = node.Input.Count > index ? node.Input[index] : "";
        if (_constants.TryGetValue(name, out OnnxConstant? constant)) return constant;
        if (name.Length == 0) throw Corrupt($"node {Describe(node)} lacks its input {index + 1}");
        if (_producers.ContainsKey(name) || name == InputName)
            throw Unsupported($"node {Describe(node)} reads '{name}', which the graph computes; NeuralPS reads weights and shapes stored in the model. " +
                "Export it with constant folding (torch.onnx.export(..., do_constant_folding=True))");
        throw Corrupt($"node {Describe(node)} reads '{name}', which the graph neither stores nor computes");
    }

    private OnnxConstant FloatConstant(NodeProto node, int index)
    {
        OnnxConstant constant = Constant(node, index);
        return constant.Floats is not null ? constant
            : throw Unsupported($"node {Describe(node)} reads '{constant.Name}' as integers where NeuralPS reads float weights");
    }

    /// <summary>A constant of one value per feature of the data.</summary>
    private float[] PerFeature(NodeProto node, int index)
    {
        OnnxConstant constant = FloatConstant(node, index);
        return constant.Count == _width ? constant.Floats!
            : throw Corrupt($"node {Describe(node)} has '{constant.Name}' shaped {constant.Shape} for {_width} features");
    }

    /// <summary>A bias for <paramref name="units"/> units: one value each ([n] or [1, n]), or one for all.</summary>
    private float[] PerUnit(NodeProto node, OnnxConstant constant, int units)
    {
        if (constant.Count == 1) return Enumerable.Repeat(constant.Floats![0], units).ToArray();
        if (constant.Count == units && constant.Dims[^1] == units) return constant.Floats!;
        throw Unsupported($"node {Describe(node)} adds '{constant.Name}' shaped {constant.Shape}, not one value per unit ({units})");
    }

    private float Scalar(NodeProto node, OnnxConstant constant) =>
        constant.Count == 1 ? constant.Floats![0] : throw Corrupt($"node {Describe(node)} has '{constant.Name}' shaped {constant.Shape} where one value belongs");

    private static long Int(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } attribute ? attribute.I : fallback;

    private static float Float(NodeProto node, string name, float fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } attribute ? attribute.F : fallback;

    // ---- the graph ----

    /// <summary>The nodes reading <paramref name="tensor"/> that are not read yet.</summary>
    private List<int> Pending(string tensor) =>
        _readers.TryGetValue(tensor, out List<int>? readers) ? readers.Where(r => !_done[r]).ToList() : new List<int>();

    private bool IsUsed(string tensor) => tensor.Length > 0 && (tensor == _output || Pending(tensor).Count > 0);

    private TensorShapeProto? InputShape => _graph.Input.First(i => i.Name == InputName).Type.TensorType.Shape;

    private int RankOfInput() => InputShape!.Dim.Count;

    /// <summary>The input's dimension 1 (what Reshape's 0 copies) before flattening; the width after.</summary>
    private long SecondDimension() => _flat ? _width : InputShape!.Dim[1].DimValue;

    /// <summary>True for a node of the standard operator set ("" or "ai.onnx").</summary>
    public static bool IsStandard(NodeProto node) => node.Domain is "" or "ai.onnx";

    /// <summary>A node's name, or its first output's where it has none.</summary>
    public static string NameOf(NodeProto node) => node.Name.Length > 0 ? node.Name : node.Output.FirstOrDefault() ?? node.OpType;

    /// <summary>A node as messages show it: its name, operator and the attributes that decide its function.</summary>
    public static string Describe(NodeProto node)
    {
        string attributes = string.Join(", ", node.Attribute
            .Where(a => a.Type is AttributeProto.Types.AttributeType.Float or AttributeProto.Types.AttributeType.Int or AttributeProto.Types.AttributeType.String)
            .Select(a => a.Type switch
            {
                AttributeProto.Types.AttributeType.Float => $"{a.Name}={a.F.ToString("R", CultureInfo.InvariantCulture)}",
                AttributeProto.Types.AttributeType.Int => $"{a.Name}={a.I}",
                _ => $"{a.Name}={a.S.ToStringUtf8()}",
            }));
        return $"'{NameOf(node)}' ({node.OpType}{(attributes.Length > 0 ? ", " + attributes : "")})";
    }

    private static string Shape(TensorShapeProto? shape) => shape is null ? "(no shape)"
        : $"[{string.Join(", ", shape.Dim.Select(d => d.HasDimValue ? d.DimValue.ToString(CultureInfo.InvariantCulture) : d.HasDimParam ? d.DimParam : "?"))}]";

    private NeuralPSException Corrupt(string why) => OnnxImporter.Corrupt(_source, why);

    private NeuralPSException Unsupported(string why) => OnnxImporter.Unsupported(_source, why);
}
