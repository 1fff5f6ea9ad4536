using NeuralPS.Core.Kernels;
using NeuralPS.Core.Layers;
using ExecutionContext = NeuralPS.Core.Layers.ExecutionContext;

namespace NeuralPS.Core.Interpretability;

/// <summary>
/// Gradients of one output of a network with respect to its inputs, in inference form (batch normalization with its
/// running statistics, dropout as identity), for a batch of rows. Its own buffers: the network is not changed and its
/// training workspace is not touched, so this runs beside training state without disturbing it.
/// </summary>
internal sealed class InputGradients : IDisposable
{
    private readonly Network _network;
    private readonly int _rows;
    private readonly float[][] _z, _y, _scratch;
    private readonly float[] _gradientA, _gradientB, _parameterGradients;
    private readonly WorkerPool _pool = new(1);
    private readonly ExecutionContext _context;

    public InputGradients(Network network, int rows)
    {
        network.EnsureReady();
        _network = network;
        _rows = Math.Max(1, rows);
        int count = network.Layers.Count;
        _z = new float[count][];
        _y = new float[count][];
        _scratch = new float[count][];
        int widest = network.InputSize, mostParameters = 0;
        for (int i = 0; i < count; i++)
        {
            Layer layer = network.Layers[i];
            _z[i] = new float[_rows * layer.OutputSize];
            _y[i] = layer.Activation == Activation.Linear ? _z[i] : new float[_rows * layer.OutputSize];
            _scratch[i] = new float[layer.ScratchLength(_rows)];
            widest = Math.Max(widest, layer.OutputSize);
            mostParameters = Math.Max(mostParameters, layer.ParameterCount);
        }
        _gradientA = new float[_rows * widest];
        _gradientB = new float[_rows * widest];
        _parameterGradients = new float[mostParameters];
        _context = new ExecutionContext(_pool, new RandomSource(0));
    }

    /// <summary>The outputs of the last <see cref="Compute"/> [rows, OutputSize].</summary>
    public ReadOnlySpan<float> Outputs(int rows) => _y[^1].AsSpan(0, rows * _network.OutputSize);

    /// <summary>Runs the layers in inference form on [rows, InputSize] inputs, keeping every layer's output.</summary>
    public void Forward(ReadOnlySpan<float> inputs, int rows)
    {
        if (rows > _rows) throw new ArgumentOutOfRangeException(nameof(rows));
        ReadOnlySpan<float> x = inputs;
        for (int i = 0; i < _network.Layers.Count; i++)
        {
            Layer layer = _network.Layers[i];
            int size = rows * layer.OutputSize;
            Span<float> z = _z[i].AsSpan(0, size);
            layer.Forward(_network.ParametersOf(layer), x, z, rows, training: false, _scratch[i], _context);
            if (layer.Activation != Activation.Linear)
                ActivationFunctions.Forward(layer.Activation, z, _y[i].AsSpan(0, size), layer.OutputSize);
            x = _y[i].AsSpan(0, size);
        }
    }

    /// <summary>Layer <paramref name="index"/>'s output (after its activation) from the last forward pass.</summary>
    public ReadOnlySpan<float> LayerOutput(int index, int rows) => _y[index].AsSpan(0, rows * _network.Layers[index].OutputSize);

    /// <summary>
    /// For [rows, InputSize] <paramref name="inputs"/>: the outputs (see <see cref="Outputs"/>) and, into
    /// <paramref name="gradients"/> [rows, InputSize], ∂(Σₖ weightₖ·outputₖ)/∂input for each row, with
    /// <paramref name="outputWeights"/> [OutputSize] (a one-hot vector picks one output).
    /// </summary>
    public void Compute(ReadOnlySpan<float> inputs, int rows, ReadOnlySpan<float> outputWeights, Span<float> gradients)
    {
        Forward(inputs, rows);
        IReadOnlyList<Layer> layers = _network.Layers;
        int last = layers.Count - 1;

        int width = _network.OutputSize;
        Span<float> dy = _gradientA.AsSpan(0, rows * width);
        for (int r = 0; r < rows; r++) outputWeights.CopyTo(dy.Slice(r * width, width));

        float[] current = _gradientA, next = _gradientB;
        for (int i = last; i >= 0; i--)
        {
            Layer layer = layers[i];
            int size = rows * layer.OutputSize, inputSize = rows * layer.InputSize;
            Span<float> dz = current.AsSpan(0, size);
            if (layer.Activation != Activation.Linear)
                ActivationFunctions.Backward(layer.Activation, _z[i].AsSpan(0, size), _y[i].AsSpan(0, size), dz, dz, layer.OutputSize);
            Span<float> dx = i == 0 ? gradients[..inputSize] : next.AsSpan(0, inputSize);
            ReadOnlySpan<float> layerInput = i == 0 ? inputs[..inputSize] : _y[i - 1].AsSpan(0, inputSize);
            layer.BackwardAtInference(_network.ParametersOf(layer), layerInput, dz, _parameterGradients.AsSpan(0, layer.ParameterCount),
                dx, rows, _scratch[i], _context);
            (current, next) = (next, current);
        }
    }

    public void Dispose() => _pool.Dispose();
}
