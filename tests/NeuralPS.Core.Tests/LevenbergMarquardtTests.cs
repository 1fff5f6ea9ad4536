using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>
/// Levenberg–Marquardt against a plain reference in double precision (<see cref="ReferenceLm"/>: the Jacobian of a
/// one-hidden-layer tanh network written out by hand, a textbook Cholesky solve, trainlm's μ rule), epoch by epoch;
/// and the reason to have it: on a small regression it reaches in 100 epochs what Adam reaches in 2,000.
/// </summary>
public class LevenbergMarquardtTests
{
    /// <summary>
    /// sin(πx) on 41 points of [-1, 1]: the textbooks' (and MATLAB's) example of a smooth 1-D fit, with the input in
    /// [-1, 1] as trainlm's default preprocessing (mapminmax) puts it.
    /// </summary>
    private static Dataset Sine(int points = 41)
    {
        var x = new float[points];
        var y = new float[points];
        for (int i = 0; i < points; i++)
        {
            double v = -1 + 2.0 * i / (points - 1);
            x[i] = (float)v;
            y[i] = (float)Math.Sin(Math.PI * v);
        }
        return new Dataset(x, 1, y, 1, DatasetTask.Regression, name: "sine");
    }

    /// <summary>Two outputs from three inputs, so the Jacobian has several rows a sample and the layers several inputs.</summary>
    private static Dataset TwoOutputs()
    {
        var random = new Random(5);
        int rows = 30;
        var x = new float[rows * 3];
        var y = new float[rows * 2];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < 3; j++) x[r * 3 + j] = (float)(random.NextDouble() * 2 - 1);
            y[r * 2] = (float)Math.Sin(x[r * 3] + x[r * 3 + 1]);
            y[r * 2 + 1] = (float)(x[r * 3 + 2] * x[r * 3]);
        }
        return new Dataset(x, 3, y, 2, DatasetTask.Regression, name: "two outputs");
    }

    private static Network Net(int inputs, int hidden, int outputs, long seed, OptimizerSettings settings)
    {
        var net = new Network(inputs, "lm", seed);
        net.Add(new DenseLayer(hidden, Activation.Tanh));
        net.Add(new DenseLayer(outputs, Activation.Linear));
        net.OptimizerSettings = settings;
        return net;
    }

    private static readonly OptimizerSettings Lm = new() { Kind = OptimizerKind.LevenbergMarquardt };

    private static List<EpochResult> Train(Network net, Dataset data, int epochs, int batchSize = 0) =>
        new Trainer(net, data, null, new TrainingOptions { Epochs = epochs, BatchSize = batchSize }).Run().ToList();

    [Theory]
    [InlineData("sine 1-10-1", 1)]
    [InlineData("3-8-2", 2)]
    public void EveryEpochIsTheReferenceStep(string name, int which)
    {
        Dataset data = which == 1 ? Sine() : TwoOutputs();
        int inputs = data.FeatureCount, outputs = data.TargetWidth, hidden = which == 1 ? 10 : 8;
        Network net = Net(inputs, hidden, outputs, 3, Lm);
        var optimizerMu = new List<double>();
        var losses = new List<double>();
        for (int epoch = 1; epoch <= 25; epoch++)
        {
            double[] before = net.Parameters.Select(p => (double)p).ToArray();
            double mu = net.Optimizer is LevenbergMarquardtOptimizer o ? o.Mu : Lm.Mu;
            var reference = new ReferenceLm(inputs, hidden, outputs, data, Lm) { Mu = mu };
            (double[] expected, double expectedLoss) = reference.Step(before);
            EpochResult result = Train(net, data, 1).Single();

            // The same decision (the same μ after the epoch), and the same step up to float32 rounding of the Jacobian.
            double after = ((LevenbergMarquardtOptimizer)net.Optimizer).Mu;
            Assert.True(Math.Abs(after - reference.Mu) <= 1e-9 * reference.Mu, $"{name} epoch {epoch}: mu {after} where the reference has {reference.Mu}");
            double stepNorm = Math.Sqrt(expected.Zip(before, (e, b) => (e - b) * (e - b)).Sum());
            double difference = Math.Sqrt(expected.Zip(net.Parameters, (e, p) => (e - p) * (e - p)).Sum());
            Assert.True(difference <= 1e-3 * stepNorm + 1e-5, $"{name} epoch {epoch}: the step differs from the reference's by {difference:E3} (step {stepNorm:E3})");
            Assert.Equal(expectedLoss, result.Loss, 1e-4 * expectedLoss + 1e-7);
            optimizerMu.Add(after);
            losses.Add(result.Loss);
        }
        // Every epoch took a step that lowered the loss, and μ moved (the rule was exercised, not only the solve).
        Assert.All(losses.Zip(losses.Skip(1)), pair => Assert.True(pair.Second < pair.First));
        Assert.True(optimizerMu.Distinct().Count() > 1);
    }

    /// <summary>
    /// The Done-when of issue 20: 1-10(tanh)-1 on the sine, three seeds; Adam at its better settings for this problem
    /// (rate 0.01, full batch or batches of 32: the rate 0.001 ends 10 to 1000 times higher), 2,000 epochs.
    /// Measured: Levenberg-Marquardt's loss is 1e-6 to 3e-5 after 30 epochs and about 1e-6 after 100; Adam's 5e-5 to 8e-4.
    /// </summary>
    [Fact]
    public void ReachesInAHundredEpochsWhatAdamReachesInTwoThousand()
    {
        Dataset data = Sine();
        for (long seed = 1; seed <= 3; seed++)
        {
            double adamLoss = new[] { 0, 32 }.Min(batch =>
                Train(Net(1, 10, 1, seed, new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.01 }), data, 2000, batch).Last().Loss);
            Network lm = Net(1, 10, 1, seed, Lm);
            List<EpochResult> epochs = Train(lm, data, 100);
            Assert.True(epochs.Min(e => e.Loss) <= adamLoss, $"seed {seed}: Levenberg-Marquardt reached {epochs.Min(e => e.Loss):E3} in 100 epochs, Adam {adamLoss:E3} in 2000");
        }
    }

    [Fact]
    public void MuIsSavedAndTrainingResumesWhereItStopped()
    {
        Dataset data = Sine();
        Network straight = Net(1, 10, 1, 2, Lm);
        Train(straight, data, 8);
        Network stopped = Net(1, 10, 1, 2, Lm);
        Train(stopped, data, 5);
        Network loaded = ModelFile.FromBytes(ModelFile.ToBytes(stopped));
        Assert.Equal(((LevenbergMarquardtOptimizer)stopped.Optimizer).Mu, ((LevenbergMarquardtOptimizer)loaded.Optimizer).Mu);
        Train(loaded, data, 3);
        Assert.Equal(straight.Parameters, loaded.Parameters);
    }

    [Fact]
    public void BatchSizeIsNotUsed()
    {
        Network a = Net(1, 10, 1, 4, Lm), b = Net(1, 10, 1, 4, Lm);
        Train(a, Sine(), 5, batchSize: 0);
        Train(b, Sine(), 5, batchSize: 7);
        Assert.Equal(a.Parameters, b.Parameters);
    }

    [Fact]
    public void StopsWhenMuPassesItsMaximum()
    {
        // With μ's maximum at its start, the first step that does not lower the loss ends training.
        Network net = Net(1, 10, 1, 1, Lm with { MuMax = 1e-3, MuIncrease = 10 });
        var trainer = new Trainer(net, Sine(), null, new TrainingOptions { Epochs = 500, BatchSize = 0 });
        int epochs = trainer.Run().Count();
        Assert.True(epochs < 500);
        Assert.Contains("mu passed its maximum", trainer.StopReason);
    }

    [Fact]
    public void RefusesWhatItCannotTrainNamingWhy()
    {
        NeuralPSException Refusal(Network net, Dataset data) =>
            Assert.Throws<NeuralPSException>(() => new Trainer(net, data, null, new TrainingOptions { Epochs = 1 }).Run().ToList());

        Dataset sine = Sine();
        Network big = Net(1, 1100, 1, 1, Lm); // 3,301 parameters
        Assert.Contains("3,301 parameters", Refusal(big, sine).Message);

        var dropout = new Network(1, "d", 1);
        dropout.Add(new DenseLayer(8, Activation.Tanh));
        dropout.Add(new DropoutLayer(0.2f));
        dropout.Add(new DenseLayer(1, Activation.Linear));
        dropout.OptimizerSettings = Lm;
        Assert.Contains("Dropout", Refusal(dropout, sine).Message);

        var penalty = new Network(1, "p", 1);
        penalty.Add(new DenseLayer(8, Activation.Tanh, l2: 0.01f));
        penalty.Add(new DenseLayer(1, Activation.Linear));
        penalty.OptimizerSettings = Lm;
        Assert.Contains("L1 or L2", Refusal(penalty, sine).Message);

        Dataset classes = SampleDatasets.Get("Iris", 0, 0, 1);
        var classifier = new Network(4, "c", 1);
        classifier.Add(new DenseLayer(3, Activation.Softmax));
        classifier.OptimizerSettings = Lm;
        NeuralPSException error = Refusal(classifier, classes);
        Assert.Equal(ErrorIds.LevenbergMarquardtUnsupported, error.ErrorId);
        Assert.Contains("MeanSquaredError", error.Message);
    }

    /// <summary>
    /// The specification: a network x → tanh(x·W1 + b1) → ·W2 + b2 in double precision, its Jacobian by the chain rule
    /// written out, JᵀJ + μI solved by a textbook Cholesky factorization, and trainlm's μ rule.
    /// Parameters in NeuralPS's layout: W1 [inputs, hidden], b1, W2 [hidden, outputs], b2.
    /// </summary>
    private sealed class ReferenceLm(int inputs, int hidden, int outputs, Dataset data, OptimizerSettings settings)
    {
        public double Mu { get; set; }

        private int Count => inputs * hidden + hidden + hidden * outputs + outputs;

        /// <summary>One epoch from <paramref name="p"/>: the parameters after it and the loss there.</summary>
        public (double[] Parameters, double Loss) Step(double[] p)
        {
            int n = Count;
            var jtj = new double[n, n];
            var jte = new double[n];
            for (int r = 0; r < data.Rows; r++)
            {
                (double[] h, double[] y) = Forward(p, r);
                for (int k = 0; k < outputs; k++)
                {
                    double[] g = JacobianRow(p, r, h, k);
                    double e = data.Targets[r * outputs + k] - y[k];
                    for (int i = 0; i < n; i++)
                    {
                        jte[i] += g[i] * e;
                        for (int j = 0; j < n; j++) jtj[i, j] += g[i] * g[j];
                    }
                }
            }
            double loss = Loss(p);
            while (Mu <= settings.MuMax)
            {
                double[,] a = (double[,])jtj.Clone();
                for (int i = 0; i < n; i++) a[i, i] += Mu;
                double[] delta = CholeskySolve(a, jte);
                double[] trial = p.Zip(delta, (x, d) => x + d).ToArray();
                double trialLoss = Loss(trial);
                if (trialLoss < loss)
                {
                    Mu = Math.Max(Mu * settings.MuDecrease, 1e-20);
                    return (trial, trialLoss);
                }
                Mu *= settings.MuIncrease;
            }
            return (p, loss);
        }

        private (double[] Hidden, double[] Output) Forward(double[] p, int row)
        {
            var h = new double[hidden];
            var y = new double[outputs];
            int b1 = inputs * hidden, w2 = b1 + hidden, b2 = w2 + hidden * outputs;
            for (int j = 0; j < hidden; j++)
            {
                double z = p[b1 + j];
                for (int i = 0; i < inputs; i++) z += data.Features[row * inputs + i] * p[i * hidden + j];
                h[j] = Math.Tanh(z);
            }
            for (int k = 0; k < outputs; k++)
            {
                double z = p[b2 + k];
                for (int j = 0; j < hidden; j++) z += h[j] * p[w2 + j * outputs + k];
                y[k] = z;
            }
            return (h, y);
        }

        /// <summary>∂y_k/∂p for one sample.</summary>
        private double[] JacobianRow(double[] p, int row, double[] h, int k)
        {
            var g = new double[Count];
            int b1 = inputs * hidden, w2 = b1 + hidden, b2 = w2 + hidden * outputs;
            g[b2 + k] = 1;
            for (int j = 0; j < hidden; j++)
            {
                g[w2 + j * outputs + k] = h[j];
                double dz = p[w2 + j * outputs + k] * (1 - h[j] * h[j]);
                g[b1 + j] = dz;
                for (int i = 0; i < inputs; i++) g[i * hidden + j] = dz * data.Features[row * inputs + i];
            }
            return g;
        }

        private double Loss(double[] p)
        {
            double sum = 0;
            for (int r = 0; r < data.Rows; r++)
            {
                double[] y = Forward(p, r).Output;
                for (int k = 0; k < outputs; k++) sum += Math.Pow(data.Targets[r * outputs + k] - y[k], 2);
            }
            return sum / (data.Rows * outputs);
        }

        private static double[] CholeskySolve(double[,] a, double[] b)
        {
            int n = b.Length;
            var l = new double[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j <= i; j++)
                {
                    double s = a[i, j];
                    for (int k = 0; k < j; k++) s -= l[i, k] * l[j, k];
                    l[i, j] = i == j ? Math.Sqrt(s) : s / l[j, j];
                }
            var z = new double[n];
            for (int i = 0; i < n; i++)
            {
                double s = b[i];
                for (int k = 0; k < i; k++) s -= l[i, k] * z[k];
                z[i] = s / l[i, i];
            }
            var x = new double[n];
            for (int i = n - 1; i >= 0; i--)
            {
                double s = z[i];
                for (int k = i + 1; k < n; k++) s -= l[k, i] * x[k];
                x[i] = s / l[i, i];
            }
            return x;
        }
    }
}
