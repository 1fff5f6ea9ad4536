using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;

namespace NeuralPS.Core.Training;

/// <summary>Levenberg–Marquardt's epochs: the Jacobian by per-sample backpropagation, one damped Gauss–Newton step an epoch.</summary>
public sealed partial class Trainer
{
    /// <summary>
    /// Each epoch is one <see cref="LevenbergMarquardtOptimizer.Iterate"/> on the whole training set (the batch size
    /// is not used, as with L-BFGS). Training ends early, as MATLAB's trainlm does, when μ passes its maximum: no
    /// step lowers the loss any more (<see cref="StopReason"/> says so).
    /// </summary>
    private IEnumerable<EpochResult> RunLevenbergMarquardt(LevenbergMarquardtOptimizer optimizer, CancellationToken cancellation)
    {
        Network net = _network;
        Dataset data = _train;
        EnsureLeastSquares(net);
        (float[] targets, int targetWidth) = Evaluator.TargetsFor(net, data);
        if (targetWidth != net.OutputSize)
            throw Unsupported($"the targets have {targetWidth} columns for {net.OutputSize} outputs");
        (double, double?) Epoch(double rate)
        {
            Workspace ws = WorkspaceFor(data.Rows);
            var jacobian = new JacobianRows(net, ws, data, targets, cancellation);
            double loss = optimizer.Iterate(net.Parameters, jacobian.NormalEquations, jacobian.Loss);
            if (!double.IsFinite(loss)) return (loss, null); // diverged: the loop throws, nothing to record
            GradientNorms.Record(net, ws.Gradients);
            (double _, double? accuracy) = Evaluator.Evaluate(net, data);
            return (loss, accuracy);
        }
        string? Converged() => optimizer.Converged
            ? $"Levenberg-Marquardt stopped: mu passed its maximum ({optimizer.Settings.MuMax:G4}) without a step that lowers the loss, " +
                "so the loss is at a minimum (or the step cannot improve it in float precision)."
            : null;
        // Stopped inside an epoch, the network goes back to its start and the restarted optimizer keeps μ as the epoch
        // found it (Trainer.WholeSet.cs).
        foreach (EpochResult result in RunWholeSetEpochs(optimizer, Epoch, keepStateWhenStopped: true, Converged, cancellation))
            yield return result;
    }

    /// <summary>Refuses, with the reason and what to do, a network Levenberg–Marquardt cannot train.</summary>
    private static void EnsureLeastSquares(Network net)
    {
        if (net.Loss != LossKind.MeanSquaredError)
            throw Unsupported($"it minimizes a sum of squared errors, and the loss is {net.Loss}. Use Set-Loss MeanSquaredError (a regression), or a first-order optimizer for this loss");
        if (net.ParameterCount > LevenbergMarquardtOptimizer.MaxParameters)
            throw Unsupported($"the network has {net.ParameterCount:N0} parameters and it solves a {net.ParameterCount:N0}x{net.ParameterCount:N0} system each step; " +
                $"it trains up to {LevenbergMarquardtOptimizer.MaxParameters:N0}. Use a smaller network, or Set-Optimizer Adam or Lbfgs for this one");
        foreach (Layer layer in net.Layers)
        {
            if (layer.TrainsDifferently)
                throw Unsupported($"the {layer.Describe()} layer computes something else in training than in prediction, and the Jacobian is taken sample by sample. Remove the layer, or use a first-order optimizer");
            if (layer.Penalty(net.Parameters.AsSpan(layer.ParameterOffset, layer.ParameterCount)) != 0)
                throw Unsupported($"the {layer.Describe()} layer has an L1 or L2 penalty, which is not a squared error of the outputs. Remove -L1/-L2, or use a first-order optimizer");
        }
    }

    private static NeuralPSException Unsupported(string why) =>
        new(ErrorIds.LevenbergMarquardtUnsupported, ErrorKind.InvalidOperation, $"Levenberg-Marquardt cannot train this network: {why}.");

    /// <summary>The Jacobian of the outputs, one sample and one output at a time, folded into the normal equations.</summary>
    private sealed class JacobianRows
    {
        private readonly Network _net;
        private readonly Workspace _ws;
        private readonly Dataset _data;
        private readonly float[] _targets;
        private readonly CancellationToken _cancellation;

        public JacobianRows(Network net, Workspace ws, Dataset data, float[] targets, CancellationToken cancellation) =>
            (_net, _ws, _data, _targets, _cancellation) = (net, ws, data, targets, cancellation);

        /// <summary>The mean squared error at the parameters as they are now (the network's loss).</summary>
        public double Loss()
        {
            _cancellation.ThrowIfCancellationRequested();
            _ws.Forward(_data.Features, _data.Rows, training: true);
            return _ws.LossOnly(_targets, _net.OutputSize, _data.Rows);
        }

        /// <summary>JᵀJ and Jᵀe (e = target − output) summed over every sample and output; returns the loss.</summary>
        public double NormalEquations(double[] jtj, double[] jte)
        {
            int n = _net.ParameterCount, width = _net.OutputSize, inputs = _net.InputSize;
            // The loss the trials are compared with, computed as they compute theirs.
            double loss = Loss();
            Array.Clear(jtj);
            Array.Clear(jte);
            var outputs = new float[width];
            var unit = new float[width];
            var row = new double[n];
            for (int r = 0; r < _data.Rows; r++)
            {
                _cancellation.ThrowIfCancellationRequested();
                ReadOnlySpan<float> x = _data.Features.AsSpan(r * inputs, inputs);
                _ws.Forward(x, 1, training: true).CopyTo(outputs);
                for (int k = 0; k < width; k++)
                {
                    unit.AsSpan().Clear();
                    unit[k] = 1f;
                    _ws.BackwardFromOutput(x, unit, 1);
                    float[] g = _ws.Gradients;
                    for (int i = 0; i < n; i++) row[i] = g[i];
                    double error = (double)_targets[r * width + k] - outputs[k];
                    AddOuterProduct(jtj, jte, row, error);
                }
            }
            // The upper triangle was summed; JᵀJ is symmetric.
            for (int i = 0; i < n; i++)
                for (int j = 0; j < i; j++) jtj[i * n + j] = jtj[j * n + i];
            return loss;
        }

        /// <summary>JᵀJ += gᵀg (upper triangle) and Jᵀe += g·e for one row g of the Jacobian.</summary>
        private static void AddOuterProduct(double[] jtj, double[] jte, double[] g, double error)
        {
            int n = g.Length;
            for (int i = 0; i < n; i++)
            {
                double gi = g[i];
                if (gi == 0) continue; // a ReLU that is off, for this sample
                jte[i] += gi * error;
                Span<double> target = jtj.AsSpan(i * n + i, n - i);
                ReadOnlySpan<double> source = g.AsSpan(i, n - i);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(source, gi, target, target);
            }
        }
    }
}
