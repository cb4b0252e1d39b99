using System.Management.Automation;
using MnistNet.Data;
using MnistNet.Network;
using MnistNet.Storage;

namespace MnistNet.PowerShell.Commands;

/// <summary>Import-Network: loads a network saved by Export-Network.</summary>
[Cmdlet(VerbsData.Import, "Network")]
[OutputType(typeof(NeuralNetwork))]
public sealed class ImportNetworkCommand : MnistCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    protected override void ProcessRecord()
    {
        foreach (string file in ResolveFiles(Path, literal: false))
        {
            try
            {
                WriteObject(NetworkFile.Load(file));
            }
            catch (MnistDataException error)
            {
                WriteError(Errors.BadData(error, Errors.InvalidNetworkFile));
            }
        }
    }
}
