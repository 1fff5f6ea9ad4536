namespace NeuralPS.Core;

/// <summary>
/// Every ErrorId NeuralPS raises, one constant each: the engine and the cmdlets throw with these, and the C# tests check
/// against them (the Pester tests spell the ids out, as a user's script does: the ids are a public contract).
/// To add an error: add a constant to the group it belongs to, whose value is its name (nameof), with a comment saying
/// when it is raised and what the user does about it; throw <c>new NeuralPSException(ErrorIds.X, ...)</c> or
/// <c>Errors.Create(ErrorIds.X, ...)</c>. The meta-test (tests/NeuralPS.Tests/MetaTests.cs) fails on an id written as a
/// string literal in src/, on a constant no code raises, and on one whose value is not its name.
/// </summary>
public static class ErrorIds
{
    // ---- Data: files, records and datasets ----

    /// <summary>Data is malformed: a NaN, infinite or empty value, a dataset without features, a chart value that is not finite.</summary>
    public const string InvalidData = nameof(InvalidData);

    /// <summary>Sizes do not fit: a dataset's width against a network's inputs, rows against targets, names against features.</summary>
    public const string ShapeMismatch = nameof(ShapeMismatch);

    /// <summary>A dataset would have no rows (no records given, a file with a header only).</summary>
    public const string EmptyDataset = nameof(EmptyDataset);

    /// <summary>A CSV file has nothing in it, not even a header row.</summary>
    public const string EmptyFile = nameof(EmptyFile);

    /// <summary>A CSV file cannot be parsed (a quote left open, a row of another width).</summary>
    public const string InvalidCsv = nameof(InvalidCsv);

    /// <summary>A CSV row has more or fewer fields than the header has columns.</summary>
    public const string FieldCountMismatch = nameof(FieldCountMismatch);

    /// <summary>A CSV field opens a quote that is never closed.</summary>
    public const string UnterminatedQuote = nameof(UnterminatedQuote);

    /// <summary>An IDX file (MNIST's format) is truncated, or holds labels where images are expected, or the reverse.</summary>
    public const string InvalidIdxFile = nameof(InvalidIdxFile);

    /// <summary>A data or model file to read does not exist.</summary>
    public const string FileNotFound = nameof(FileNotFound);

    /// <summary>The label column (-Label) is not among a file's columns or a record's properties.</summary>
    public const string MissingLabel = nameof(MissingLabel);

    /// <summary>A feature column is missing from a file, a record, or a record given to a network trained on it.</summary>
    public const string MissingFeature = nameof(MissingFeature);

    /// <summary>A column mixes numbers and text.</summary>
    public const string MixedColumn = nameof(MixedColumn);

    /// <summary>A value is a number written with a thousands separator or a decimal comma, which does not read as a number.</summary>
    public const string NumberWithComma = nameof(NumberWithComma);

    /// <summary>A text value is not one of the categories the encoding (the network's, or -Encoding) knows.</summary>
    public const string UnknownCategory = nameof(UnknownCategory);

    /// <summary>A label, or -Class, is not one of the classes the encoding or the network knows.</summary>
    public const string UnknownClass = nameof(UnknownClass);

    /// <summary>A column is named twice among the features.</summary>
    public const string DuplicateFeature = nameof(DuplicateFeature);

    /// <summary>The label column is also named as a feature.</summary>
    public const string LabelIsFeature = nameof(LabelIsFeature);

    /// <summary>There is no feature column besides the label.</summary>
    public const string NoFeatures = nameof(NoFeatures);

    /// <summary>-Exclude names a column or property the data does not have.</summary>
    public const string ExcludedColumnNotFound = nameof(ExcludedColumnNotFound);

    /// <summary>-Exclude names the label column.</summary>
    public const string ExcludedLabel = nameof(ExcludedLabel);

    /// <summary>The columns given do not match the ones the encoding (-Encoding) expects.</summary>
    public const string EncodingMismatch = nameof(EncodingMismatch);

    /// <summary>-CategoryIndex names a column that is not among the features.</summary>
    public const string IndexColumnNotFound = nameof(IndexColumnNotFound);

    /// <summary>An embedding layer's settings or place do not fit (no such column, not a category index, not first).</summary>
    public const string InvalidEmbedding = nameof(InvalidEmbedding);

    /// <summary>Get-Attribution was asked about a network whose inputs cannot be interpolated (an embedding's index).</summary>
    public const string AttributionUnsupported = nameof(AttributionUnsupported);

    /// <summary>A dataset is larger than one .NET array holds (2³¹ values), to build or to send to a session.</summary>
    public const string DatasetTooLarge = nameof(DatasetTooLarge);

    /// <summary>Split-Dataset's fractions are out of range, or leave a part with no rows.</summary>
    public const string InvalidSplit = nameof(InvalidSplit);

    /// <summary>Split-Dataset -Stratify on a dataset without classes (a regression).</summary>
    public const string StratifyNeedsClasses = nameof(StratifyNeedsClasses);

    /// <summary>Get-SampleDataset was given a name it does not have.</summary>
    public const string UnknownSampleDataset = nameof(UnknownSampleDataset);

    /// <summary>The data's classes are not the network's, or not in its order (data made with another encoding).</summary>
    public const string ClassMismatch = nameof(ClassMismatch);

    /// <summary>The data has the network's features in another order.</summary>
    public const string FeatureOrderMismatch = nameof(FeatureOrderMismatch);

    /// <summary>Classification data with only one class: nothing to tell apart.</summary>
    public const string OneClass = nameof(OneClass);

    /// <summary>A folder was given where a file (a picture, a data file) is expected.</summary>
    public const string NotAFile = nameof(NotAFile);

    /// <summary>A file cannot be decoded as a picture (PNG, JPEG, BMP).</summary>
    public const string InvalidImage = nameof(InvalidImage);

    /// <summary>A picture file exists but cannot be read (permissions, I/O).</summary>
    public const string ImageReadFailed = nameof(ImageReadFailed);

    /// <summary>A folder of pictures is not laid out as one sub-folder per class.</summary>
    public const string InvalidImageFolder = nameof(InvalidImageFolder);

    // Windows over a series (ConvertTo-Dataset -Window, Split-Dataset -Chronological).

    /// <summary>Split-Dataset was given both -Chronological and -Stratify, which contradict each other: choose one.</summary>
    public const string ChronologicalStratify = nameof(ChronologicalStratify);

    /// <summary>ConvertTo-Dataset -Horizon was given without -Window: a horizon counts records after a window's end.</summary>
    public const string HorizonNeedsWindow = nameof(HorizonNeedsWindow);

    /// <summary>ConvertTo-Dataset -Window would put the label column among a window's features without being asked to.</summary>
    public const string LabelInWindow = nameof(LabelInWindow);

    /// <summary>A window over a series is shorter than one record (-Window below 1).</summary>
    public const string InvalidWindow = nameof(InvalidWindow);

    /// <summary>The horizon of a window over a series is negative.</summary>
    public const string InvalidHorizon = nameof(InvalidHorizon);

    /// <summary>A series has fewer records than one window plus its horizon.</summary>
    public const string SeriesTooShort = nameof(SeriesTooShort);

    /// <summary>A record inside a window over a series holds an empty value, NaN or infinity (the error names the record).</summary>
    public const string NaNInWindow = nameof(NaNInWindow);

    // ---- Networks and layers ----

    /// <summary>New-Network was given fewer than one input.</summary>
    public const string InvalidInputSize = nameof(InvalidInputSize);

    /// <summary>A layer was given fewer than one unit.</summary>
    public const string InvalidUnits = nameof(InvalidUnits);

    /// <summary>New-Network -InputShape was not one number, two (timesteps, features) or three (channels, height, width), or a dimension was below 1 or too large.</summary>
    public const string InvalidInputShape = nameof(InvalidInputShape);

    /// <summary>A convolution or pooling layer was added where the network's output is a row of features, not images: give New-Network -InputShape C,H,W.</summary>
    public const string ImageInputRequired = nameof(ImageInputRequired);

    /// <summary>A recurrent layer (LSTM, GRU) was added where the network's output is not a sequence: give New-Network -InputShape T,F (a windowed dataset's Shape), and -ReturnSequences on a recurrent layer that another follows.</summary>
    public const string SequenceInputRequired = nameof(SequenceInputRequired);

    /// <summary>Spatial dropout (Add-DropoutLayer -Spatial) was added on a row of features: it drops channels of images or features of sequences.</summary>
    public const string SpatialDropoutOnRows = nameof(SpatialDropoutOnRows);

    /// <summary>A convolution was given fewer than one filter, or a kernel or stride below 1.</summary>
    public const string InvalidConvolution = nameof(InvalidConvolution);

    /// <summary>A pooling window below 1x1 or a stride below 1.</summary>
    public const string InvalidPooling = nameof(InvalidPooling);

    /// <summary>A layer was added after one with a softmax activation, which only the output layer may have.</summary>
    public const string LayerAfterSoftmax = nameof(LayerAfterSoftmax);

    /// <summary>A normalization layer was added anywhere but first.</summary>
    public const string NormalizationNotFirst = nameof(NormalizationNotFirst);

    /// <summary>A layer with trainable parameters was put in front of the others.</summary>
    public const string InvalidInsert = nameof(InvalidInsert);

    /// <summary>A network with no layers was asked to train or predict.</summary>
    public const string NoLayers = nameof(NoLayers);

    /// <summary>A dropout rate is below 0 or not below 1.</summary>
    public const string InvalidDropoutRate = nameof(InvalidDropoutRate);

    /// <summary>A batch normalization's momentum is outside [0, 1] or its epsilon not above 0 and at most 1 (a model file would refuse it).</summary>
    public const string InvalidBatchNormSetting = nameof(InvalidBatchNormSetting);

    /// <summary>Records were given to a network that does not know its feature names (it was trained on plain numbers).</summary>
    public const string NoFeatureNames = nameof(NoFeatureNames);

    /// <summary>-Class was given for a network that has no classes (a regression).</summary>
    public const string NotAClassifier = nameof(NotAClassifier);

    /// <summary>An output index that the network does not have.</summary>
    public const string InvalidOutput = nameof(InvalidOutput);

    /// <summary>Pictures were given to a network that was not trained on pictures (it does not know their size and color mode).</summary>
    public const string NoImageFormat = nameof(NoImageFormat);

    /// <summary>A softmax output layer of one unit, which always outputs 1.</summary>
    public const string SoftmaxOneUnit = nameof(SoftmaxOneUnit);

    /// <summary>A classifier's output layer gives no probabilities (linear, ReLU), so the inferred loss would be mean squared error.</summary>
    public const string OutputMismatch = nameof(OutputMismatch);

    /// <summary>The loss set (Set-Loss) needs probabilities the output layer does not give.</summary>
    public const string LossMismatch = nameof(LossMismatch);

    /// <summary>A network is already being trained or changed by another pipeline (a runspace, a job); one at a time.</summary>
    public const string NetworkInUse = nameof(NetworkInUse);

    /// <summary>A network or its buffers would pass the sizes one .NET array holds (2³¹ values).</summary>
    public const string NetworkTooLarge = nameof(NetworkTooLarge);

    // ---- Training and optimizers ----

    /// <summary>Epochs below 1.</summary>
    public const string InvalidEpochs = nameof(InvalidEpochs);

    /// <summary>A negative batch size (0 is the full batch).</summary>
    public const string InvalidBatchSize = nameof(InvalidBatchSize);

    /// <summary>A validation split that is not a fraction below 1, or leaves no training rows.</summary>
    public const string InvalidValidationSplit = nameof(InvalidValidationSplit);

    /// <summary>-Monitor is neither Loss nor ValidationLoss.</summary>
    public const string InvalidMonitor = nameof(InvalidMonitor);

    /// <summary>Early stopping watches ValidationLoss (-Monitor, or the default with validation data) but there is none.</summary>
    public const string NoValidationData = nameof(NoValidationData);

    /// <summary>The loss became NaN or infinite; the network keeps the weights of the last good epoch (<see cref="TrainingDivergedException"/>).</summary>
    public const string NonFiniteLoss = nameof(NonFiniteLoss);

    /// <summary>The loss grew far past where it started, or the weights stopped being finite; the network keeps the weights of the last good epoch.</summary>
    public const string Diverged = nameof(Diverged);

    /// <summary>L-BFGS was asked for a per-batch step; the trainer runs it over the whole dataset instead.</summary>
    public const string FullBatchOptimizer = nameof(FullBatchOptimizer);

    /// <summary>
    /// Levenberg–Marquardt was asked to train a network it cannot: a loss other than mean squared error, more than
    /// 2,048 parameters, dropout or batch normalization, or an L1/L2 penalty.
    /// </summary>
    public const string LevenbergMarquardtUnsupported = nameof(LevenbergMarquardtUnsupported);

    /// <summary>Set-Optimizer -Nesterov without -Momentum.</summary>
    public const string NesterovWithoutMomentum = nameof(NesterovWithoutMomentum);

    /// <summary>Set-Optimizer -Nesterov with -Dampening (PyTorch refuses it too).</summary>
    public const string NesterovWithDampening = nameof(NesterovWithDampening);

    /// <summary>Set-Optimizer -LearningRate 0 or -Epsilon 0 (a model file would refuse it): give a small positive value.</summary>
    public const string InvalidOptimizerSetting = nameof(InvalidOptimizerSetting);

    // ---- Model files and ONNX ----

    /// <summary>
    /// A file or bytes that are not a whole, unchanged NeuralPS model (signature, length, checksum or contents wrong), or
    /// not a valid ONNX model (truncated, shapes that do not fit, a tensor nothing produces).
    /// </summary>
    public const string ModelFileCorrupt = nameof(ModelFileCorrupt);

    /// <summary>A model file of a format this NeuralPS does not read (newer, or too old).</summary>
    public const string ModelFileVersion = nameof(ModelFileVersion);

    /// <summary>The file to export to exists and -Force was not given.</summary>
    public const string ModelFileExists = nameof(ModelFileExists);

    /// <summary>A model file exists but cannot be read (permissions, I/O).</summary>
    public const string ModelFileReadFailed = nameof(ModelFileReadFailed);

    /// <summary>A folder was given where a model file is expected.</summary>
    public const string PathIsFolder = nameof(PathIsFolder);

    /// <summary>
    /// Import-Network was given an ONNX model with operators NeuralPS has no layer for (Conv, MaxPool, LSTM): the
    /// message lists them, the target holds their names. Run the model in an ONNX runtime, or rebuild it from NeuralPS's layers.
    /// </summary>
    public const string OnnxUnsupportedOperator = nameof(OnnxUnsupportedOperator);

    /// <summary>An ONNX model of an IR or operator-set version Import-Network does not read: export or convert it to one it does.</summary>
    public const string OnnxUnsupportedVersion = nameof(OnnxUnsupportedVersion);

    /// <summary>
    /// An ONNX model of known operators that is not a chain of NeuralPS layers (a branch, transA, an activation NeuralPS
    /// does not have, more than one input): the message names the node.
    /// </summary>
    public const string OnnxUnsupportedModel = nameof(OnnxUnsupportedModel);

    /// <summary>Export-Network was given a file extension it does not write (not .npsm or .onnx) without -Format.</summary>
    public const string UnknownModelExtension = nameof(UnknownModelExtension);

    /// <summary>A file (model, chart) cannot be written: the path is a folder, or the write failed.</summary>
    public const string CannotWriteFile = nameof(CannotWriteFile);

    /// <summary>No path, or a path that is not a valid file path, was given to write to.</summary>
    public const string InvalidPath = nameof(InvalidPath);

    /// <summary>The folder of a file to write does not exist.</summary>
    public const string DirectoryNotFound = nameof(DirectoryNotFound);

    /// <summary>The network has something ONNX export does not support.</summary>
    public const string OnnxUnsupported = nameof(OnnxUnsupported);

    /// <summary>A weight or statistic to export to ONNX, or imported from it, is NaN or infinite.</summary>
    public const string NonFiniteParameters = nameof(NonFiniteParameters);

    // ---- Interpretability ----

    /// <summary>Get-Attribution -Steps below 1.</summary>
    public const string InvalidSteps = nameof(InvalidSteps);

    /// <summary>Get-FeatureImportance -Repeats below 1.</summary>
    public const string InvalidRepeats = nameof(InvalidRepeats);

    // ---- Charts and history ----

    /// <summary>A network with no training history was given to chart or show.</summary>
    public const string NeverTrained = nameof(NeverTrained);

    /// <summary>Nothing, or no values, were given to chart.</summary>
    public const string NothingToChart = nameof(NothingToChart);

    /// <summary>A regression evaluation was given to chart as a confusion matrix.</summary>
    public const string NoConfusionMatrix = nameof(NoConfusionMatrix);

    /// <summary>Show-TrainingHistory -Metric names a metric the history lacks (a regression has no accuracy).</summary>
    public const string NoSuchMetric = nameof(NoSuchMetric);

    /// <summary>Export-TrainingChart was given a file that is neither .png nor .svg.</summary>
    public const string UnknownChartFormat = nameof(UnknownChartFormat);

    /// <summary>Export-TrainingChart was given an object it cannot chart.</summary>
    public const string UnsupportedChartInput = nameof(UnsupportedChartInput);

    /// <summary>Export-TrainingChart was given kinds of objects mixed in one pipeline.</summary>
    public const string MixedChartInputs = nameof(MixedChartInputs);

    /// <summary>Export-TrainingChart was given more than one object of a kind it charts one a file.</summary>
    public const string TooManyChartInputs = nameof(TooManyChartInputs);

    /// <summary>Export-TrainingChart -Top was given for a chart other than feature importance.</summary>
    public const string TopNotApplicable = nameof(TopNotApplicable);

    /// <summary>Show-TrainingHistory was given something other than a network or epoch results.</summary>
    public const string UnsupportedInput = nameof(UnsupportedInput);

    /// <summary>The PNG renderer could not make its drawing surface.</summary>
    public const string ChartFailed = nameof(ChartFailed);

    /// <summary>The font PNG charts are drawn with is missing from the module.</summary>
    public const string FontMissing = nameof(FontMissing);

    // ---- Sweeps ----

    /// <summary>A sweep with no points: no settings given, a grid without keys, or a key without values.</summary>
    public const string EmptyGrid = nameof(EmptyGrid);

    /// <summary>Something that cannot be a run's settings (not a hashtable or an object with properties).</summary>
    public const string InvalidSettings = nameof(InvalidSettings);

    /// <summary>A sweep's -Network script wrote no network, or more than one.</summary>
    public const string InvalidNetworkScript = nameof(InvalidNetworkScript);

    /// <summary>A sweep run was stopped before its first epoch ended.</summary>
    public const string NoEpochs = nameof(NoEpochs);

    /// <summary>A sweep run failed (its script or its training); the other runs go on.</summary>
    public const string SweepRunFailed = nameof(SweepRunFailed);

    /// <summary>Cross-validation with -Folds below 2 or above the rows, or -Repeat below 1.</summary>
    public const string InvalidFolds = nameof(InvalidFolds);

    /// <summary>Cross-validation with -ValidationData or -ValidationSplit: each fold's held-out rows are its validation data.</summary>
    public const string FoldsWithValidation = nameof(FoldsWithValidation);

    /// <summary>A sweep run was never run: every session broke or could not be prepared.</summary>
    public const string SweepRunNotRun = nameof(SweepRunNotRun);

    /// <summary>A session given to a sweep is closed, broken or busy, so it takes no runs.</summary>
    public const string SessionUnavailable = nameof(SessionUnavailable);

    /// <summary>None of the sessions given to a sweep can run it.</summary>
    public const string NoSessionAvailable = nameof(NoSessionAvailable);

    /// <summary>A session could not be prepared for a sweep (the module or data could not be sent, or another NeuralPS is loaded there).</summary>
    public const string SessionSetupFailed = nameof(SessionSetupFailed);

    /// <summary>A session has another build of NeuralPS loaded, which cannot be replaced (reported within SessionSetupFailed).</summary>
    public const string SessionModuleMismatch = nameof(SessionModuleMismatch);

    /// <summary>The module's manifest cannot be found above its assembly, so a sweep cannot import it elsewhere.</summary>
    public const string ModuleNotFound = nameof(ModuleNotFound);

    // ---- Distributed training (MPI) ----

    /// <summary>-Distributed, but the Open MPI library (libmpi.so.40) cannot be loaded.</summary>
    public const string MpiNotInstalled = nameof(MpiNotInstalled);

    /// <summary>The MPI library loaded lacks a symbol NeuralPS needs (not Open MPI 4).</summary>
    public const string MpiUnavailable = nameof(MpiUnavailable);

    /// <summary>-Distributed in a process that mpirun did not start.</summary>
    public const string NotUnderMpirun = nameof(NotUnderMpirun);

    /// <summary>An MPI call failed.</summary>
    public const string MpiError = nameof(MpiError);

    /// <summary>A second distributed training in a process that is running one.</summary>
    public const string DistributedBusy = nameof(DistributedBusy);

    /// <summary>A rank's data or settings differ from rank 0's.</summary>
    public const string DistributedMismatch = nameof(DistributedMismatch);

    /// <summary>An optimizer that cannot train distributed (L-BFGS).</summary>
    public const string DistributedNotSupported = nameof(DistributedNotSupported);

    // ---- Find-LearningRate ----

    /// <summary>Find-LearningRate with an optimizer it cannot sweep (L-BFGS searches its own step), or a range that does not grow.</summary>
    public const string LearningRateFinderNotSupported = nameof(LearningRateFinderNotSupported);

    // ---- Anything else ----

    /// <summary>An argument out of range that has no id of its own (a row number, a sample count).</summary>
    public const string InvalidArgument = nameof(InvalidArgument);
}
