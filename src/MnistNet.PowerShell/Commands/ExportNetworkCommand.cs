using System.Management.Automation;
using MnistNet.Network;
using MnistNet.Storage;

namespace MnistNet.PowerShell.Commands;

/// <summary>Export-Network: saves a network (architecture, weights, training record) to a .mnn file.</summary>
[Cmdlet(VerbsData.Export, "Network", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportNetworkCommand : MnistCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public NeuralNetwork Network { get; set; } = null!;

    /// <summary>Refuse to replace an existing file.</summary>
    [Parameter]
    public SwitchParameter NoClobber { get; set; }

    /// <summary>Emit the written file.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        string file = ResolveOutputPath(Path);
        if (!ShouldProcess(file, $"Save the {Network.Architecture} network"))
        {
            return;
        }

        if (NoClobber && File.Exists(file))
        {
            WriteError(new ErrorRecord(new IOException($"The file '{file}' already exists and -NoClobber was given."),
                Errors.FileExists, ErrorCategory.ResourceExists, file));
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
            WriteObject(new FileInfo(file));
        }
    }
}
