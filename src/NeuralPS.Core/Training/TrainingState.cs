using System.Runtime.CompilerServices;
using NeuralPS.Core.Optimizers;

namespace NeuralPS.Core.Training;

/// <summary>
/// What training keeps with a network beside the model itself: the optimizer (its configuration, schedule, step
/// count and slots), the random streams that shuffle and drop out, the training workspace and the last step's
/// gradient norms. The network is the model (architecture, parameters, names and encoding, history) and knows
/// nothing of this; the training side attaches one state to each network (<see cref="Of"/>), and the model file
/// writes it as one section, so a loaded network trains on exactly where it stopped.
/// </summary>
public sealed class TrainingState
{
    private static readonly ConditionalWeakTable<Network, TrainingState> States = new();

    private readonly Network _network;
    private OptimizerSettings _settings = new();
    private Optimizer? _optimizer;
    private Workspace? _workspace;
    private RandomSource _dropoutRandom;

    private TrainingState(Network network)
    {
        _network = network;
        TrainingRandom = new RandomSource(RandomSource.Derive(network.Seed, 1_000));
        _dropoutRandom = new RandomSource(RandomSource.Derive(network.Seed, 2_000));
    }

    /// <summary>The training state of <paramref name="network"/> (made, fresh, on first use).</summary>
    public static TrainingState Of(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return States.GetValue(network, n => new TrainingState(n));
    }

    /// <summary>The optimizer's configuration. Setting it starts a new optimizer: fresh slots, the schedule at its start.</summary>
    public OptimizerSettings OptimizerSettings
    {
        get => _settings;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _settings = value;
            _optimizer = null;
        }
    }

    /// <summary>
    /// The live optimizer: null until training starts, after the settings change, or when the network's parameters
    /// changed in number since (its slots no longer fit them).
    /// </summary>
    public Optimizer? Optimizer
    {
        get => _optimizer is { } optimizer && optimizer.ParameterCount == _network.ParameterCount ? optimizer : null;
        set
        {
            _optimizer = value;
            if (value is not null) _settings = value.Settings;
        }
    }

    /// <summary>The optimizer for the network as it is now: made from the settings when there is none or the parameters changed in number.</summary>
    public Optimizer EnsureOptimizer()
    {
        if (_optimizer is null || _optimizer.ParameterCount != _network.ParameterCount)
            _optimizer = Optimizer.Create(_settings, _network.ParameterCount);
        return _optimizer;
    }

    /// <summary>The stream that shuffles mini-batches.</summary>
    public RandomSource TrainingRandom { get; set; }

    /// <summary>The stream that draws dropout masks.</summary>
    public RandomSource DropoutRandom
    {
        get => _dropoutRandom;
        set
        {
            _dropoutRandom = value;
            if (_workspace is not null) _workspace.DropoutRandom = value;
        }
    }

    /// <summary>Gradient norms of the last step, per layer (for Get-LayerStatistics); empty before training.</summary>
    public double[] LastGradientNorms { get; internal set; } = Array.Empty<double>();

    /// <summary>
    /// The training workspace for batches of up to <paramref name="batchSize"/> rows, made once and reused; made again
    /// when the network's layers or thread count changed.
    /// </summary>
    internal Workspace GetWorkspace(int batchSize)
    {
        Workspace? ws = _workspace;
        if (ws is null || ws.BatchSize < batchSize || ws.Version != _network.Version || ws.ThreadCount != _network.ThreadCount)
        {
            ws?.Dispose();
            _workspace = ws = new Workspace(_network, batchSize) { DropoutRandom = _dropoutRandom };
        }
        return ws;
    }
}

/// <summary>The training state as members of <see cref="Network"/>, for code that trains: <c>net.Optimizer</c>, <c>net.GetWorkspace(n)</c>.</summary>
public static class NetworkTrainingMembers
{
    extension(Network network)
    {
        /// <summary>The network's training state.</summary>
        public TrainingState Training => TrainingState.Of(network);

        /// <summary>The optimizer's configuration (see <see cref="TrainingState.OptimizerSettings"/>).</summary>
        public OptimizerSettings OptimizerSettings
        {
            get => TrainingState.Of(network).OptimizerSettings;
            set => TrainingState.Of(network).OptimizerSettings = value;
        }

        /// <summary>The optimizer for the network as it is now, made from the settings if there is none yet (see <see cref="TrainingState.EnsureOptimizer"/>).</summary>
        public Optimizer Optimizer
        {
            get => TrainingState.Of(network).EnsureOptimizer();
            set => TrainingState.Of(network).Optimizer = value;
        }

        /// <summary>The stream that shuffles mini-batches.</summary>
        public RandomSource TrainingRandom
        {
            get => TrainingState.Of(network).TrainingRandom;
            set => TrainingState.Of(network).TrainingRandom = value;
        }

        /// <summary>The stream that draws dropout masks.</summary>
        public RandomSource DropoutRandom
        {
            get => TrainingState.Of(network).DropoutRandom;
            set => TrainingState.Of(network).DropoutRandom = value;
        }

        /// <summary>Gradient norms of the last step, per layer.</summary>
        public double[] LastGradientNorms => TrainingState.Of(network).LastGradientNorms;

        /// <summary>The training workspace (see <see cref="TrainingState.GetWorkspace"/>).</summary>
        internal Workspace GetWorkspace(int batchSize) => TrainingState.Of(network).GetWorkspace(batchSize);
    }
}
