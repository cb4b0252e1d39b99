using System.Management.Automation;
using MnistNet.Data;

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
    public const string TrainingFailed = "TrainingFailed";
    public const string TrainingDiverged = "TrainingDiverged";
    public const string CheckpointFailed = "CheckpointFailed";
    public const string SaveFailed = "SaveFailed";
    public const string FileExists = "FileExists";
    public const string NotAFile = "NotAFile";
    public const string NoData = "NoData";
    public const string UnlabelledData = "UnlabelledData";
    public const string ConflictingParameters = "ConflictingParameters";
    public const string MixedInput = "MixedInput";

    public static ErrorRecord NotFound(FileNotFoundException error, string path) =>
        new(error, FileNotFound, ErrorCategory.ObjectNotFound, path);

    /// <summary>A problem with a data or network file: ErrorId by kind, the file path as target.</summary>
    public static ErrorRecord BadData(MnistDataException error, string errorId) =>
        new(error, errorId, ErrorCategory.InvalidData, error.Path);

    public static ErrorRecord InvalidArgument(Exception error, string errorId, object? target) =>
        new(error, errorId, ErrorCategory.InvalidArgument, target);
}
