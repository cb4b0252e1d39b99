using System.Globalization;
using System.Management.Automation;
using MnistNet.Augmentation;
using MnistNet.Data;
using MnistNet.Native;
using MnistNet.Network;
using MnistNet.Storage;
using MnistNet.Training;

namespace MnistNet.PowerShell.Commands;

/// <summary>
/// Start-NetworkTraining: trains a digit-reading network on labelled samples from the pipeline or on a dataset,
/// showing progress, and returns the trained network with its per-epoch history. Every training setting maps onto
/// one TrainingOptions property; -Resume continues a run from its latest checkpoint instead.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "NetworkTraining", DefaultParameterSetName = SamplesSet)]
[OutputType(typeof(NeuralNetwork))]
public sealed class StartNetworkTrainingCommand : MnistCmdlet
{
    private const string SamplesSet = "Samples";
    private const string DatasetSet = "Dataset";

    /// <summary>The range of each -Augmentation setting, as AugmentationOptions.Validate enforces it.</summary>
    private readonly MnistDatasetBuilder _samples = new("pipeline");
    private readonly CancellationTokenSource _stop = new();
    private MnistDataset? _dataset;
    private string? _checkpointPath;

    /// <summary>Labelled samples, usually piped from Import-MnistCsv or Import-MnistIdx.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SamplesSet, ValueFromPipeline = true)]
    public MnistSample? InputObject { get; set; }

    /// <summary>A whole labelled dataset (Import-MnistCsv -AsDataset, Import-MnistIdx -AsDataset).</summary>
    [Parameter(Mandatory = true, ParameterSetName = DatasetSet, ValueFromPipeline = true)]
    public MnistDataset? Dataset { get; set; }

    /// <summary>A network to train further instead of a new one; its layers and activation are kept.</summary>
    [Parameter]
    public NeuralNetwork? Network { get; set; }

    [Parameter]
    [ValidateCount(0, 16)]
    [ValidateRange(1, 1 << 16)]
    public int[] HiddenLayers { get; set; } = [128, 64];

    [Parameter]
    public Activation Activation { get; set; } = Activation.ReLU;

    [Parameter]
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adam;

    /// <summary>Step size; defaults to 0.001 for Adam and AdamW, 0.01 for Momentum and Nesterov, 0.1 for Sgd.</summary>
    [Parameter]
    [ValidateRange(1e-9, 100.0)]
    public double LearningRate { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int BatchSize { get; set; } = 128;

    /// <summary>Use every training image in each step (plain gradient descent, as textbook examples do).</summary>
    [Parameter]
    public SwitchParameter FullBatch { get; set; }

    [Parameter]
    [ValidateRange(1, 100_000)]
    public int Epochs { get; set; } = 10;

    /// <summary>Fraction of the training data held out to measure validation loss and accuracy each epoch.</summary>
    [Parameter]
    [ValidateRange(0.0, 0.9)]
    public double ValidationSplit { get; set; }

    /// <summary>Labelled images to validate on after each epoch: a dataset or samples.</summary>
    [Parameter]
    public PSObject? ValidationData { get; set; }

    /// <summary>
    /// Fixes initial weights, validation split and batch order; the same seed gives the same network.
    /// </summary>
    [Parameter]
    public int Seed { get; set; }

    [Parameter]
    [ValidateRange(0.0, 10.0)]
    public double WeightDecay { get; set; }

    [Parameter]
    [ValidateRange(0.0, 1e6)]
    public double GradientClip { get; set; }

    [Parameter]
    public LearningRateScheduleKind Schedule { get; set; } = LearningRateScheduleKind.Constant;

    [Parameter]
    [ValidateRange(0, 100_000)]
    public int WarmupEpochs { get; set; }

    [Parameter]
    [ValidateRange(1, 100_000)]
    public int StepSize { get; set; } = 5;

    [Parameter]
    [ValidateRange(1e-9, 1.0)]
    public double StepFactor { get; set; } = 0.5;

    [Parameter]
    [ValidateRange(0.0, 0.95)]
    public double Dropout { get; set; }

    /// <summary>Distort the training images afresh every epoch with the standard settings.</summary>
    [Parameter]
    public SwitchParameter Augment { get; set; }

    /// <summary>Distortion settings of your own, e.g. @{ MaxShift = 2; MaxRotation = 10 }; implies -Augment.</summary>
    [Parameter]
    public AugmentationOptions? Augmentation { get; set; }

    /// <summary>Patience: epochs without improvement before stopping; the best epoch's weights are kept.</summary>
    [Parameter]
    [ValidateRange(1, 100_000)]
    public int EarlyStopping { get; set; }

    [Parameter]
    public EarlyStoppingMetric StopOn { get; set; } = EarlyStoppingMetric.ValidationLoss;

    /// <summary>"run.mnn" writes run.latest.mnn after every epoch and run.best.mnn at every new best.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CheckpointPath { get; set; }

    /// <summary>Continue the run saved at -CheckpointPath, with the settings it was started with.</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == DatasetSet)
        {
            if (_samples.Count > 0 || _dataset is not null)
            {
                string problem = _dataset is not null ? "several datasets" : "samples followed by a dataset";
                ThrowTerminatingError(Errors.InvalidArgument(new ArgumentException(
                    $"Start-NetworkTraining trains on one dataset or on samples, but it was given {problem}. " +
                    "Combine the images first, for example with Import-MnistCsv on all the files."),
                    Errors.MixedInput, Dataset));
            }

            _dataset = Dataset;
            return;
        }

        if (_dataset is not null)
        {
            ThrowTerminatingError(Errors.InvalidArgument(new ArgumentException(
                "Start-NetworkTraining trains on one dataset or on samples, but it was given a dataset followed " +
                "by samples. Combine the images first."), Errors.MixedInput, InputObject));
        }

        try
        {
            _samples.Add(InputObject!);
        }
        catch (ArgumentException error)
        {
            ThrowTerminatingError(Errors.InvalidArgument(error, Errors.InvalidTrainingData, InputObject));
        }
    }

    protected override void BeginProcessing()
    {
        if (Network is not null)
        {
            RequireUsable(Network);
        }

        string[] shaping = [nameof(HiddenLayers), nameof(Activation)];
        string? conflict = shaping.FirstOrDefault(IsBound);
        if (Network is not null && conflict is not null)
        {
            ThrowTerminatingError(Errors.InvalidArgument(new ArgumentException(
                $"-{conflict} shapes a new network, but -Network gives one to train further " +
                $"({Network.Architecture}, {Network.Activation}); leave out -{conflict}."),
                Errors.ConflictingParameters, Network));
        }

        if (Network is null && !Resume)
        {
            RequireSupportedSize(HiddenLayers);
        }

        if (Resume)
        {
            RequireResumable();
        }

        if (Augmentation is not null)
        {
            RequireValidAugmentation(Augmentation);
        }

        WarnAboutSettingsWithoutEffect();
        if (CheckpointPath is not null)
        {
            _checkpointPath = ResolvePath(CheckpointPath);
            RequireWritableCheckpoints(_checkpointPath);
            if (!Resume)
            {
                WarnAboutReplacedCheckpoints(_checkpointPath);
            }
        }
    }

    /// <summary>
    /// A new run saves over the checkpoints of any earlier run at the same path. That is allowed, since reusing a
    /// path is common, but not silently: the earlier run could no longer be resumed.
    /// </summary>
    private void WarnAboutReplacedCheckpoints(string checkpointPath)
    {
        string latest = CheckpointPaths.Latest(checkpointPath);
        string best = CheckpointPaths.Best(checkpointPath);

        // Only a run with validation results has a best epoch to save, so without them run.best.mnn is left alone.
        bool validates = ValidationData is not null || ValidationSplit > 0;
        string[] replaced =
            [.. new[] { latest, validates ? best : null }.OfType<string>().Where(SaveTarget.ReplacesAFile)];
        if (replaced.Length > 0)
        {
            string files = string.Join(" and ", replaced);
            string holds = replaced.Length == 1 ? "holds a checkpoint" : "hold checkpoints";
            string them = replaced.Length == 1 ? "it" : "them";
            WriteWarning($"{files} already {holds} of an earlier run; this new run will replace {them} as it saves " +
                "its own. To continue the earlier run instead, use -Resume.");
        }

        if (!validates && SaveTarget.ReplacesAFile(best))
        {
            WriteWarning($"{best} is from an earlier run: this run has no validation data to choose a best epoch by, " +
                "so it leaves that file as it is.");
        }
    }

    /// <summary>
    /// Checks the distortion settings before any data is read, so that a bad one is reported as the argument it is,
    /// naming the setting and its range, rather than as a problem with the training data.
    /// </summary>
    private void RequireValidAugmentation(AugmentationOptions augmentation)
    {
        try
        {
            augmentation.Validate();
        }
        catch (ArgumentOutOfRangeException error)
        {
            string setting = error.ParamName ?? "a setting";
            string value = Convert.ToString(error.ActualValue, CultureInfo.InvariantCulture) ?? "";
            string range = AugmentationOptions.RangeOf(setting) is { } allowed ? $" {setting} takes {allowed}." : "";
            ThrowTerminatingError(Errors.InvalidArgument(new ArgumentException(
                $"-Augmentation has {setting} = {value}, which is not allowed: {Errors.WithoutParameterName(error)}" +
                range, error), Errors.InvalidAugmentation, augmentation));
        }
    }

    /// <summary>
    /// Stops before any training when the checkpoints could not be saved, instead of after the first epoch; a
    /// missing folder is created.
    /// </summary>
    private void RequireWritableCheckpoints(string checkpointPath)
    {
        try
        {
            // A resume without its checkpoint fails on that, which says more than anything about the folder;
            // only a path that could never name checkpoints is worth refusing first.
            if (Resume && !File.Exists(CheckpointPaths.Latest(checkpointPath)))
            {
                CheckpointPaths.RequireFileName(checkpointPath);
                return;
            }

            CheckpointPaths.RequireWritable(checkpointPath, createFolder: true);
        }
        catch (UnauthorizedAccessException error)
        {
            ThrowTerminatingError(new ErrorRecord(error, Errors.CheckpointNotWritable, ErrorCategory.PermissionDenied,
                checkpointPath));
        }
        catch (IOException error)
        {
            ThrowTerminatingError(new ErrorRecord(error, Errors.CheckpointNotWritable, ErrorCategory.WriteError,
                checkpointPath));
        }
    }

    /// <summary>
    /// Warns about settings that were given but that this run cannot use, which would otherwise be ignored without
    /// a word. Only parameters the user bound count: a default value is not a choice to warn about.
    /// </summary>
    private void WarnAboutSettingsWithoutEffect()
    {
        if (IsBound(nameof(WarmupEpochs)) && WarmupEpochs >= Epochs)
        {
            WriteWarning($"-WarmupEpochs {WarmupEpochs} is not less than -Epochs {Epochs}: the whole run is warm-up, " +
                $"so the learning rate climbs throughout and -Schedule {Schedule} never takes over. Give fewer " +
                "warm-up epochs or more epochs.");
        }

        if (IsBound(nameof(StopOn)) && !IsBound(nameof(EarlyStopping)))
        {
            // StopOn also picks the best checkpoint, so it only does nothing without checkpoints or validation.
            if (CheckpointPath is null)
            {
                WriteWarning($"-StopOn {StopOn} has no effect: it chooses the best epoch for -EarlyStopping and " +
                    "for the best checkpoint of -CheckpointPath, and neither is given.");
            }
            else if (ValidationData is null && ValidationSplit == 0)
            {
                WriteWarning($"-StopOn {StopOn} has no effect: it chooses the best checkpoint by the validation " +
                    "results, and without -ValidationData or -ValidationSplit there are none.");
            }
        }

        string[] stepSettings = [.. new[] { nameof(StepSize), nameof(StepFactor) }.Where(IsBound)];
        if (stepSettings.Length > 0 && Schedule != LearningRateScheduleKind.Step)
        {
            bool one = stepSettings.Length == 1;
            WriteWarning($"{string.Join(" and ", stepSettings.Select(name => "-" + name))} " +
                $"{(one ? "applies" : "apply")} only to -Schedule Step; with -Schedule {Schedule} " +
                $"{(one ? "it has" : "they have")} no effect.");
        }

        int hiddenLayers = Network is null ? HiddenLayers.Length : Network.LayerSizes.Count - 2;
        if (IsBound(nameof(Dropout)) && Dropout > 0 && hiddenLayers == 0)
        {
            string architecture = Network?.Architecture ?? "784-10";
            WriteWarning(string.Create(CultureInfo.InvariantCulture,
                $"-Dropout {Dropout} has no effect: it drops the outputs of hidden layers, and the " +
                $"{architecture} network has none."));
        }

        if (IsBound(nameof(StepSize)) && Schedule == LearningRateScheduleKind.Step && StepSize >= Epochs)
        {
            WriteWarning($"-StepSize {StepSize} is not less than -Epochs {Epochs}: the learning rate never steps " +
                "down in this run.");
        }

        if (IsBound(nameof(ValidationSplit)) && ValidationSplit > 0 && ValidationData is not null)
        {
            string split = ValidationSplit.ToString(CultureInfo.InvariantCulture);
            WriteWarning($"-ValidationSplit {split} has no effect because -ValidationData is given: every training " +
                "image is trained on and the given data validates.");
        }

        if (IsBound(nameof(BatchSize)) && FullBatch)
        {
            WriteWarning($"-BatchSize {BatchSize} has no effect because -FullBatch is given: every step uses all " +
                "the training images.");
        }

        if (Augmentation is { IsNone: true })
        {
            WriteWarning("-Augmentation distorts nothing with these settings (MaxShift, MaxRotation, MaxScale and " +
                "ElasticAlpha are all 0; ElasticSigma alone does nothing), so the images are trained on unchanged.");
        }

        if (IsBound(nameof(Augment)) && !Augment && Augmentation is { IsNone: false })
        {
            WriteWarning("-Augment:$false has no effect because -Augmentation is given: the training images are " +
                "distorted with the -Augmentation settings. Leave out -Augmentation to train on them unchanged.");
        }
    }

    private bool IsBound(string parameterName) => MyInvocation.BoundParameters.ContainsKey(parameterName);

    /// <summary>A resumed run takes its settings from the checkpoint; any given here would be ignored.</summary>
    private void RequireResumable()
    {
        if (CheckpointPath is null)
        {
            ThrowTerminatingError(Errors.InvalidArgument(new ArgumentException(
                "-Resume continues the run saved at -CheckpointPath; give -CheckpointPath too."),
                Errors.ConflictingParameters, null));
        }

        string[] fromCheckpoint = [nameof(HiddenLayers), nameof(Activation), nameof(Optimizer), nameof(LearningRate),
            nameof(BatchSize), nameof(FullBatch), nameof(ValidationSplit), nameof(Seed), nameof(WeightDecay),
            nameof(GradientClip), nameof(Schedule), nameof(WarmupEpochs), nameof(StepSize), nameof(StepFactor),
            nameof(Dropout), nameof(EarlyStopping), nameof(StopOn), nameof(Augment), nameof(Augmentation)];
        if (fromCheckpoint.FirstOrDefault(IsBound) is { } setting)
        {
            ThrowTerminatingError(Errors.InvalidArgument(new ArgumentException(
                $"-Resume continues with the settings saved in the checkpoint; leave out -{setting} (only -Epochs " +
                "and -ValidationData can be given again)."),
                Errors.ConflictingParameters, CheckpointPath));
        }
    }

    protected override void EndProcessing()
    {
        if (_dataset is null && _samples.Count == 0)
        {
            ThrowTerminatingError(Errors.InvalidArgument(new ArgumentException(
                "No training images were given: pipe samples or a dataset into Start-NetworkTraining, " +
                "or use -Dataset."), Errors.NoData, null));
        }

        MnistDataset training = _dataset ?? _samples.Build();
        string? checkpointPath = _checkpointPath;
        var progress = new ProgressReporter(this);
        try
        {
            MnistDataset? validation = ToDataset(ValidationData);
            if (Resume)
            {
                int? epochs = IsBound(nameof(Epochs)) ? Epochs : null;
                WriteObject(Network is null
                    ? NetworkTrainer.Resume(checkpointPath!, training, validation, epochs, progress, _stop.Token)
                    : ResumeInto(Network, checkpointPath!, training, validation, epochs, progress));
            }
            else if (Network is null)
            {
                WriteObject(NetworkTrainer.Train(training, validation, Options(checkpointPath), progress, _stop.Token));
            }
            else
            {
                NetworkTrainer.Train(Network, training, validation, Options(checkpointPath), progress, _stop.Token);
                WriteObject(Network);
            }
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: PowerShell is stopping the pipeline and discards output. A network given with -Network is
            // back at its last completed (or best) epoch, and the latest checkpoint is on disk.
        }
        catch (TrainingDivergedException error)
        {
            ThrowTerminatingError(new ErrorRecord(error, Errors.TrainingDiverged, ErrorCategory.InvalidResult,
                Network));
        }
        catch (FileNotFoundException error)
        {
            ThrowTerminatingError(Errors.NotFound(error, error.FileName ?? checkpointPath!));
        }
        catch (MnistDataException error)
        {
            ThrowTerminatingError(Errors.BadData(error, Errors.InvalidNetworkFile));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(error, Errors.CheckpointFailed, ErrorCategory.WriteError,
                checkpointPath));
        }
        catch (ArgumentException error) when (Resume && Network is not null && error.ParamName == "network")
        {
            // NetworkTrainer.Resume names its network parameter when the checkpoint's layers differ from it: that
            // is -Network at odds with -CheckpointPath, not a problem with the training data.
            ThrowTerminatingError(Errors.InvalidArgument(new ArgumentException(
                $"-Network cannot take up the run saved at {checkpointPath}: {Errors.WithoutParameterName(error)} " +
                "Give a network with the checkpoint's layers and activation, or leave out -Network to resume " +
                "into the checkpoint's own network.", error), Errors.ConflictingParameters, Network));
        }
        catch (ArgumentException error) when (error.ParamName == nameof(TrainingOptions.BatchSize))
        {
            string instead = FullBatch ? " instead of -FullBatch, whose batch is every training image" : "";
            ThrowTerminatingError(Errors.InvalidArgument(new ArgumentException(
                $"{Errors.WithoutParameterName(error)} Give a smaller -BatchSize{instead}.", error),
                Errors.BatchTooLarge, training));
        }
        catch (ArgumentException error)
        {
            ThrowTerminatingError(Errors.InvalidArgument(error, Errors.InvalidTrainingData, training));
        }
        finally
        {
            progress.Complete();
        }
    }

    private TrainingOptions Options(string? checkpointPath) => new()
    {
        HiddenLayers = Network is null ? HiddenLayers : Network.LayerSizes.Skip(1).SkipLast(1).ToArray(),
        Activation = Network?.Activation ?? Activation,
        Optimizer = Optimizer,
        LearningRate = IsBound(nameof(LearningRate)) ? LearningRate : null,
        BatchSize = FullBatch ? 0 : BatchSize,
        Epochs = Epochs,
        ValidationSplit = ValidationData is null ? ValidationSplit : 0,
        Seed = IsBound(nameof(Seed)) ? Seed : null,
        WeightDecay = WeightDecay,
        GradientClip = GradientClip,
        Schedule = Schedule,
        WarmupEpochs = WarmupEpochs,
        StepSize = StepSize,
        StepFactor = StepFactor,
        Dropout = Dropout,
        Augmentation = Augmentation ?? (Augment ? AugmentationOptions.Standard : null),
        EarlyStoppingPatience = EarlyStopping,
        StopOn = StopOn,
        CheckpointPath = checkpointPath,
    };

    private NeuralNetwork ResumeInto(NeuralNetwork network, string checkpointPath, MnistDataset training,
        MnistDataset? validation, int? epochs, ProgressReporter progress)
    {
        NetworkTrainer.Resume(network, checkpointPath, training, validation, epochs, progress, _stop.Token);
        return network;
    }

    protected override void StopProcessing() => _stop.Cancel();

    private static MnistDataset? ToDataset(PSObject? data)
    {
        switch (data?.BaseObject)
        {
            case null:
                return null;
            case MnistDataset dataset:
                return dataset;
            case MnistSample sample:
                return MnistDataset.FromSamples([sample], "validation data");
        }

        System.Collections.IEnumerable items = LanguagePrimitives.GetEnumerable(data.BaseObject)
            ?? throw new ArgumentException(
                $"-ValidationData takes a dataset or samples, not {data.BaseObject.GetType().Name}.");
        return MnistDataset.FromSamples(items.Cast<object>().Select(AsSample), "validation data");
    }

    private static MnistSample AsSample(object item) => (item is PSObject wrapped ? wrapped.BaseObject : item) as
        MnistSample ?? throw new ArgumentException(
            $"-ValidationData takes a dataset or samples; it holds a {item.GetType().Name}.");
}
