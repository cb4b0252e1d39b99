using System.Management.Automation;
using MnistNet.Data;
using MnistNet.Network;
using MnistNet.Storage;

namespace MnistNet.PowerShell.Commands;

/// <summary>Import-Network: loads networks saved by Export-Network.</summary>
[Cmdlet(VerbsData.Import, "Network", DefaultParameterSetName = PathSet)]
[OutputType(typeof(NeuralNetwork))]
public sealed class ImportNetworkCommand : MnistCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    protected override void ProcessRecord()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (string path in literal ? LiteralPath : Path)
        {
            foreach (string file in ResolveFiles(path, literal))
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
}
