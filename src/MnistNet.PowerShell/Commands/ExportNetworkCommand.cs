using System.Management.Automation;
using MnistNet.Network;
using MnistNet.Storage;

namespace MnistNet.PowerShell.Commands;

/// <summary>Export-Network: saves a network (architecture, weights, training record) to a .mnn file.</summary>
[Cmdlet(VerbsData.Export, "Network", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(FileInfo))]
public sealed class ExportNetworkCommand : MnistCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string LiteralPath { get; set; } = "";

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public NeuralNetwork Network { get; set; } = null!;

    /// <summary>Refuse to replace anything that already exists at the path.</summary>
    [Parameter]
    public SwitchParameter NoClobber { get; set; }

    /// <summary>Emit the written file.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        // Networks can be piped, so an unusable one is skipped with an error rather than ending the pipeline.
        if (Errors.Unusable(Network) is ErrorRecord unusable)
        {
            WriteError(unusable);
            return;
        }

        bool literal = ParameterSetName == LiteralPathSet;
        string file = ResolvePath(literal ? LiteralPath : Path, literal);

        (string Target, string? NotAFile) found;
        try
        {
            found = SaveTarget.Find(file);
        }
        catch (IOException error)
        {
            WriteError(new ErrorRecord(error, Errors.SaveFailed, ErrorCategory.WriteError, file));
            return;
        }

        // A folder, a device or a pipe (or a link to one) is never replaced by a file, whatever -NoClobber says.
        (string target, string? notAFile) = found;
        if (notAFile is not null)
        {
            string problem = notAFile == "a folder"
                ? $"'{file}' is a folder; give the path of the file to write, for example " +
                  $"'{System.IO.Path.Join(System.IO.Path.TrimEndingDirectorySeparator(file), "network.mnn")}'."
                : $"'{file}' is {notAFile}, not a regular file; give the path of a file to write.";
            WriteError(Errors.InvalidArgument(new ArgumentException(problem), Errors.NotAFile, file));
            return;
        }

        if (NoClobber && (File.Exists(file) || new FileInfo(file).LinkTarget is not null))
        {
            string taken = File.Exists(target)
                ? $"The file '{file}' already exists"
                : $"'{file}' is a symbolic link (to {target}, which does not exist yet)";
            WriteError(new ErrorRecord(new IOException($"{taken} and -NoClobber was given."),
                Errors.FileExists, ErrorCategory.ResourceExists, file));
            return;
        }

        if (!ShouldProcess(file, $"Save the {Network.Architecture} network"))
        {
            return;
        }

        try
        {
            NetworkFile.Save(Network, file);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(error, Errors.SaveFailed, ErrorCategory.WriteError, file));
            return;
        }

        if (PassThru)
        {
            // Through the provider, so the file carries PSPath and prints like Get-Item's output.
            WriteObject(InvokeProvider.Item.Get([file], force: false, literalPath: true), enumerateCollection: true);
        }
    }
}
