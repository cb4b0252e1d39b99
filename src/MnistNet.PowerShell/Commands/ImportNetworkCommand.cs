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
                    NeuralNetwork network = NetworkFile.Load(file);
                    if (!Errors.ReadsMnist(network))
                    {
                        // Refused here, where the file is named, rather than at the network's first use.
                        string problem = $"it holds a {network.Architecture} network, and MnistNet's cmdlets need " +
                            $"{Errors.MnistShape}.";
                        network.Dispose();
                        WriteError(Errors.BadData(MnistDataException.InField(file, "layer size", problem),
                            Errors.InvalidNetworkFile));
                        continue;
                    }

                    WriteObject(network);
                }
                catch (MnistDataException error)
                {
                    WriteError(Errors.BadData(error, Errors.InvalidNetworkFile));
                }
                catch (FileNotFoundException error)
                {
                    // A link to nothing passes path resolution, since the link itself exists.
                    WriteError(Errors.NotFound(error, file));
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                {
                    WriteError(new ErrorRecord(error, Errors.ReadFailed, ErrorCategory.ReadError, file));
                }
            }
        }
    }
}
