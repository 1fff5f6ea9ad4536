using NeuralPS.Core.Data;
using NeuralPS.Core.Interpretability;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Optimizers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tests.Trust;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>Networks over sequences: shapes through the recurrent layers, the model file, the refusals, input gradients.</summary>
public class SequenceNetworkTests
{
    private static Network Stacked()
    {
        var net = new Network(Shape.Sequence(6, 3), "rnn", seed: 5);
        net.Add(new LstmLayer(5, returnSequences: true));
        net.Add(new GruLayer(4, returnSequences: true));
        net.Add(new DenseLayer(2, Activation.Tanh));
        return net;
    }

    private static float[] Rows(int rows, int width) => Enumerable.Range(0, rows * width).Select(i => MathF.Sin(i * 0.37f) * 1.5f).ToArray();

    [Fact]
    public void ShapesFlowThroughTheLayersAndAFlattenIsAddedBeforeDense()
    {
        Network net = Stacked();
        Assert.Equal(new[] { "LSTM", "GRU", "Flatten", "Dense" }, net.Layers.Select(l => l.Kind));
        Assert.Equal(Shape.Sequence(6, 5), net.Layers[0].OutputShape);
        Assert.Equal(Shape.Sequence(6, 4), net.Layers[1].OutputShape);
        Assert.Equal(new Shape(24), net.Layers[2].OutputShape);
        Assert.Equal((3 + 5 + 2) * 4 * 5, net.Layers[0].ParameterCount);
        Assert.Equal((5 + 4 + 2) * 3 * 4, net.Layers[1].ParameterCount);
        Assert.Equal("(None, 6, 5)", net.Layers[0].SummaryLine().OutputShape);
        Assert.Equal("LSTM 5 (sequences)", net.Layers[0].Describe());
        string summary = net.ToSummary();
        Assert.Contains("inputs: 6x3 = 18", summary);
        Assert.Contains("(None, 6, 4)", summary);

        var last = new Network(Shape.Sequence(6, 3));
        last.Add(new LstmLayer(7));
        last.Add(new DenseLayer(1, Activation.Linear));
        Assert.Equal(new[] { "LSTM", "Dense" }, last.Layers.Select(l => l.Kind)); // the last state is already a row
        Assert.Equal(new Shape(7), last.Layers[0].OutputShape);
    }

    [Fact]
    public void PyTorchsInitializationBoundsEveryParameter()
    {
        var net = new Network(Shape.Sequence(4, 3), seed: 2);
        net.Add(new GruLayer(16));
        float bound = 1 / MathF.Sqrt(16);
        float[] p = net.Parameters;
        Assert.All(p, v => Assert.InRange(v, -bound, bound));
        Assert.True(p.Max() > 0.9f * bound && p.Min() < -0.9f * bound, "the draws fill the range");
        Assert.Contains(p[^1], p[^(3 * 16)..]); // biases are drawn too, not zero
        Assert.NotEqual(0f, p[^1]);
    }

    [Fact]
    public void ADatasetsWindowShapeMakesTheNetworksInput()
    {
        var records = new Dataset(Enumerable.Range(0, 40).Select(i => (float)Math.Sin(i / 3.0)).ToArray(), 1,
            Enumerable.Range(0, 40).Select(i => (float)i).ToArray(), 1, DatasetTask.Regression, featureNames: new[] { "v" });
        Dataset windows = new SeriesWindows(8, 1, 40).Make(records);
        Assert.Equal(new[] { 8, 1 }, windows.Shape);
        var net = new Network(Shape.From(windows.Shape!));
        Assert.Equal(Shape.Sequence(8, 1), net.InputShape);
    }

    [Fact]
    public void TheModelFileKeepsTheShapeAndThePredictions()
    {
        Network net = Stacked();
        net.OptimizerSettings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.01 };
        float[] x = Rows(9, 18);
        var data = new Dataset(x, 18, Rows(9, 2).Select(MathF.Tanh).ToArray(), 2, DatasetTask.Regression) { Shape = new[] { 6, 3 } };
        foreach (EpochResult _ in new Trainer(net, data, null, new TrainingOptions { Epochs = 2, BatchSize = 4, Seed = 1 }).Run()) { }
        Network loaded = ModelFile.FromBytes(ModelFile.ToBytes(net));
        Assert.Equal(net.InputShape, loaded.InputShape);
        Assert.Equal(net.Layers.Select(l => (l.Kind, l.OutputShape)), loaded.Layers.Select(l => (l.Kind, l.OutputShape)));
        Assert.Equal(net.Parameters, loaded.Parameters);
        Assert.Equal(net.Predict(x, 9), loaded.Predict(x, 9));
        Assert.Equal(net.Predict(x, 9), net.Clone().Predict(x, 9));
        // and training resumes from the file as it would have gone on in memory
        foreach (Network n in new[] { net, loaded })
            foreach (EpochResult _ in new Trainer(n, data, null, new TrainingOptions { Epochs = 1, BatchSize = 4, Seed = 2 }).Run()) { }
        Assert.Equal(net.Parameters, loaded.Parameters);
    }

    [Theory]
    [InlineData(new[] { 6, 4 })]     // 24 values for 18 inputs
    [InlineData(new[] { 0, 18 })]
    public void AFileWhoseSequenceShapeDoesNotFitItsInputsIsRefused(int[] dimensions)
    {
        CraftedModelFile file = CraftedModelFile.Open(ModelFile.ToBytes(Stacked()));
        file.Meta["InputShape"] = new System.Text.Json.Nodes.JsonArray(dimensions.Select(d => (System.Text.Json.Nodes.JsonNode?)d).ToArray());
        var error = Assert.Throws<NeuralPSException>(() => ModelFile.FromBytes(file.Seal()));
        Assert.Equal(ErrorIds.ModelFileCorrupt, error.ErrorId);
        Assert.Contains("InputShape", error.Message);
    }

    [Fact]
    public void RecurrentLayersOnRowsOrImagesAreNamedErrors()
    {
        var rows = new Network(12);
        Assert.Equal(ErrorIds.SequenceInputRequired, Assert.Throws<NeuralPSException>(() => rows.Add(new LstmLayer(4))).ErrorId);
        var images = new Network(new Shape(1, 4, 4));
        Assert.Equal(ErrorIds.SequenceInputRequired, Assert.Throws<NeuralPSException>(() => images.Add(new GruLayer(4))).ErrorId);
        var sequences = new Network(Shape.Sequence(5, 2));
        sequences.Add(new LstmLayer(3));   // its last state is a row: another recurrent layer needs -ReturnSequences here
        NeuralPSException error = Assert.Throws<NeuralPSException>(() => sequences.Add(new GruLayer(2)));
        Assert.Equal(ErrorIds.SequenceInputRequired, error.ErrorId);
        Assert.Contains("-ReturnSequences", error.Message);
        Assert.Equal(ErrorIds.InvalidUnits, Assert.Throws<NeuralPSException>(() => new LstmLayer(0)).ErrorId);
        Assert.Equal(ErrorIds.InvalidInputShape, Assert.Throws<NeuralPSException>(() => Shape.Sequence(0, 3)).ErrorId);
    }

    [Fact]
    public void ABackwardPassWithoutItsForwardPassIsRefused()
    {
        Network net = Stacked();
        Workspace ws = net.GetWorkspace(4);
        float[] x = Rows(4, 18), t = new float[8];
        ws.Forward(x, 4, training: true);
        ws.Backward(x, t, 2, 4);
        float[] gradients = ws.Gradients.ToArray();
        // the states were used up: a second backward pass cannot be computed from them
        Assert.Throws<InvalidOperationException>(() => ws.Backward(x, t, 2, 4));
        // nor from a forward pass of another batch size
        ws.Forward(x, 3, training: true);
        Assert.Throws<InvalidOperationException>(() => ws.Backward(x, t, 2, 4));
        // run forward again, and the backward pass gives the same gradients
        ws.Forward(x, 4, training: true);
        ws.Backward(x, t, 2, 4);
        Assert.Equal(gradients, ws.Gradients);
    }

    /// <summary>Input gradients (attribution) rerun the forward pass each time, so repeated calls agree with differences.</summary>
    [Fact]
    public void InputGradientsMatchFiniteDifferencesAndRepeat()
    {
        Network net = Stacked();
        const int rows = 3;
        float[] x = Rows(rows, 18);
        using var gradients = new InputGradients(net, rows);
        float[] weights = { 1, -0.5f };
        var dx = new float[rows * 18];
        gradients.Compute(x, rows, weights, dx);
        var again = new float[dx.Length];
        gradients.Compute(x, rows, weights, again);
        Assert.Equal(dx, again);

        double Objective(float[] input)
        {
            float[] y = net.Predict(input, rows);
            double s = 0;
            for (int r = 0; r < rows; r++) s += weights[0] * y[r * 2] + weights[1] * y[r * 2 + 1];
            return s;
        }
        const float h = 1e-2f;
        double max = dx.Max(v => Math.Abs((double)v));
        Assert.True(max > 1e-2, "the gradient is not trivially zero");
        for (int i = 0; i < x.Length; i++)
        {
            float keep = x[i];
            x[i] = keep + h; double plus = Objective(x);
            x[i] = keep - h; double minus = Objective(x);
            x[i] = keep;
            double numeric = (plus - minus) / (2 * h);
            Assert.True(Math.Abs(numeric - dx[i]) <= 2e-3 * max + 1e-2 * Math.Abs(numeric), $"d/dx[{i}]: finite difference {numeric:G6}, backward {dx[i]:G6}");
        }
    }
}
