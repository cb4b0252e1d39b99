using System.Management.Automation;
using MnistNet.Data;
using MnistNet.Network;

namespace MnistNet.PowerShell;

/// <summary>The ErrorIds this module reports, in one place, each with its fixed category.</summary>
internal static class Errors
{
    public const string FileNotFound = "FileNotFound";
    public const string InvalidDataFile = "InvalidDataFile";
    public const string InvalidRecord = "InvalidRecord";
    public const string InvalidNetworkFile = "InvalidNetworkFile";
    public const string InvalidPixels = "InvalidPixels";
    public const string InvalidTrainingData = "InvalidTrainingData";
    public const string InvalidAugmentation = "InvalidAugmentation";
    public const string TrainingDiverged = "TrainingDiverged";
    public const string CheckpointFailed = "CheckpointFailed";
    public const string CheckpointNotWritable = "CheckpointNotWritable";
    public const string SaveFailed = "SaveFailed";
    public const string ReadFailed = "ReadFailed";
    public const string FileExists = "FileExists";
    public const string NotAFile = "NotAFile";
    public const string NoData = "NoData";
    public const string UnlabelledData = "UnlabelledData";
    public const string ConflictingParameters = "ConflictingParameters";
    public const string MixedInput = "MixedInput";
    public const string NetworkDisposed = "NetworkDisposed";
    public const string NotAnMnistNetwork = "NotAnMnistNetwork";
    public const string NetworkTooLarge = "NetworkTooLarge";
    public const string BatchTooLarge = "BatchTooLarge";

    /// <summary>
    /// A network whose Dispose was called: its weights are freed, so no cmdlet can use it. Said plainly, since the
    /// first touch of a freed buffer would report an internal AlignedBuffer.
    /// </summary>
    public static ErrorRecord Disposed(NeuralNetwork network)
    {
        string message = $"The network given with -Network ({network.Architecture} {network.Activation}) was " +
            "disposed, so its weights are gone. Load it again with Import-Network, or create a new one with " +
            "New-Network.";
        return new ErrorRecord(new ObjectDisposedException(nameof(NeuralNetwork), message), NetworkDisposed,
            ErrorCategory.InvalidArgument, network)
        {
            ErrorDetails = new ErrorDetails(message),
        };
    }

    /// <summary>
    /// Why no cmdlet can use the network, or null: it was disposed, or (built through the library, which allows
    /// any shape) it does not take MNIST's 784 pixels and give its 10 digits.
    /// </summary>
    public static ErrorRecord? Unusable(NeuralNetwork network)
    {
        if (network.IsDisposed)
        {
            return Disposed(network);
        }

        return ReadsMnist(network) ? null : InvalidArgument(new ArgumentException(
            $"The {network.Architecture} network cannot be used here: MnistNet's cmdlets need networks with " +
            $"{MnistShape}."), NotAnMnistNetwork, network);
    }

    /// <summary>What every cmdlet needs of a network, in words for messages.</summary>
    public static readonly string MnistShape =
        $"{MnistSample.PixelCount} inputs (one per pixel) and {MnistSample.ClassCount} outputs (one per digit)";

    /// <summary>
    /// Whether the network takes MNIST's 784 pixels and gives its 10 digits. The library builds and reads networks
    /// of any shape; the cmdlets feed every one MNIST images.
    /// </summary>
    public static bool ReadsMnist(NeuralNetwork network) =>
        network.InputSize == MnistSample.PixelCount && network.OutputSize == MnistSample.ClassCount;

    public static ErrorRecord NotFound(FileNotFoundException error, string path) =>
        new(error, FileNotFound, ErrorCategory.ObjectNotFound, path);

    /// <summary>A problem with a data or network file: ErrorId by kind, the file path as target.</summary>
    public static ErrorRecord BadData(MnistDataException error, string errorId) =>
        new(error, errorId, ErrorCategory.InvalidData, error.Path);

    /// <summary>
    /// A bad argument or bad input data. .NET appends " (Parameter 'name')" to ArgumentException messages, and
    /// "Actual value was x." to out-of-range ones; the name is the library's, not the cmdlet's, and our messages
    /// already give the value, so the message the user sees leaves both out.
    /// </summary>
    public static ErrorRecord InvalidArgument(Exception error, string errorId, object? target)
    {
        var record = new ErrorRecord(error, errorId, ErrorCategory.InvalidArgument, target);
        string message = WithoutParameterName(error);
        if (message != error.Message)
        {
            record.ErrorDetails = new ErrorDetails(message);
        }

        return record;
    }

    /// <summary>The message of an exception without what .NET appends to name the library's parameter.</summary>
    public static string WithoutParameterName(Exception error)
    {
        if (error is ArgumentException { ParamName: { } name })
        {
            string suffix = $" (Parameter '{name}')";
            int cut = error.Message.IndexOf(suffix, StringComparison.Ordinal);
            if (cut > 0)
            {
                return error.Message[..cut];
            }
        }

        return error.Message;
    }
}
