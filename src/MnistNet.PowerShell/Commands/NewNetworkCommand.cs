using System.Management.Automation;
using MnistNet.Native;
using MnistNet.Network;

namespace MnistNet.PowerShell.Commands;

/// <summary>
/// New-Network: creates an untrained digit-reading network, to be trained in place by Start-NetworkTraining
/// -Network. Holding the network in a variable before training is what keeps it when Ctrl+C stops the training,
/// since PowerShell discards the output of a stopped pipeline.
/// </summary>
[Cmdlet(VerbsCommon.New, "Network")]
[OutputType(typeof(NeuralNetwork))]
public sealed class NewNetworkCommand : MnistCmdlet
{
    [Parameter(Position = 0)]
    [ValidateCount(0, 16)]
    [ValidateRange(1, 1 << 16)]
    public int[] HiddenLayers { get; set; } = [128, 64];

    [Parameter]
    public Activation Activation { get; set; } = Activation.ReLU;

    /// <summary>Fixes the initial weights; without it a seed is drawn and recorded in the network.</summary>
    [Parameter]
    public int Seed { get; set; }

    protected override void EndProcessing()
    {
        RequireSupportedSize(HiddenLayers);
        int seed = MyInvocation.BoundParameters.ContainsKey(nameof(Seed)) ? Seed : SeededRandom.NewSeed();
        WriteObject(NeuralNetwork.ForMnist(HiddenLayers, Activation, seed));
    }
}
