using System.Collections.ObjectModel;
using System.Management.Automation;
using MnistNet.Data;
using MnistNet.Network;

namespace MnistNet.PowerShell;

/// <summary>
/// What the module's cmdlets share: turning PowerShell paths into file-system paths, and refusing disposed networks.
/// </summary>
public abstract class MnistCmdlet : PSCmdlet
{
    /// <summary>
    /// Stops the command with a NetworkDisposed error when the network's weights have been freed, or a
    /// NotAnMnistNetwork error when it does not read 784 pixels into 10 digits.
    /// </summary>
    protected void RequireUsable(NeuralNetwork network)
    {
        if (Errors.Unusable(network) is ErrorRecord unusable)
        {
            ThrowTerminatingError(unusable);
        }
    }

    /// <summary>Stops the command with a NetworkTooLarge error when the layers exceed what a network holds.</summary>
    protected void RequireSupportedSize(int[] hiddenLayers)
    {
        int[] sizes = [MnistSample.PixelCount, .. hiddenLayers, MnistSample.ClassCount];
        if (NeuralNetwork.SizeProblem(sizes) is string problem)
        {
            ThrowTerminatingError(Errors.InvalidArgument(new ArgumentException(
                $"-HiddenLayers {string.Join(", ", hiddenLayers)}: {problem} Use fewer or narrower hidden layers."),
                Errors.NetworkTooLarge, hiddenLayers));
        }
    }

    /// <summary>
    /// Resolves a path the user typed (relative to the current PowerShell location; wildcards expanded and
    /// backtick escapes honoured unless literal) to existing files. A path that matches nothing, a folder, or a
    /// path outside the file system is reported as a non-terminating error and yields nothing.
    /// </summary>
    protected IEnumerable<string> ResolveFiles(string path, bool literal)
    {
        Collection<string> candidates;
        try
        {
            ProviderInfo provider;
            if (literal)
            {
                candidates = [SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _)];
            }
            else
            {
                candidates = GetResolvedProviderPathFromPSPath(path, out provider);
            }

            if (!RequireFileSystem(provider, path))
            {
                return [];
            }
        }
        catch (ItemNotFoundException)
        {
            candidates = [];
        }

        if (candidates.Count == 0)
        {
            string message = !literal && WildcardPattern.ContainsWildcardCharacters(path)
                ? $"No file matches '{path}'. To use [ and ] as part of a file name, use -LiteralPath."
                : $"Cannot find the file '{path}'.";
            WriteError(Errors.NotFound(new FileNotFoundException(message, path), path));
            return [];
        }

        var files = new List<string>();
        foreach (string candidate in candidates)
        {
            if (Directory.Exists(candidate))
            {
                WriteError(Errors.InvalidArgument(new ArgumentException(
                    $"'{candidate}' is a folder; a file is needed here."), Errors.NotAFile, candidate));
            }
            else if (!File.Exists(candidate))
            {
                WriteError(Errors.NotFound(
                    new FileNotFoundException($"Cannot find the file '{candidate}'.", candidate), candidate));
            }
            else
            {
                files.Add(candidate);
            }
        }

        return files;
    }

    /// <summary>
    /// Resolves one path that need not exist yet (a file about to be written, or a folder to look in) to a
    /// file-system path. Unless literal, backtick escapes are removed as PowerShell does for its own paths.
    /// Throws a terminating error for a path outside the file system.
    /// </summary>
    protected string ResolvePath(string path, bool literal = false)
    {
        string typed = literal ? path : WildcardPattern.Unescape(path);
        string resolved =
            SessionState.Path.GetUnresolvedProviderPathFromPSPath(typed, out ProviderInfo provider, out _);
        if (!RequireFileSystem(provider, path, terminating: true))
        {
            return "";
        }

        return resolved;
    }

    private bool RequireFileSystem(ProviderInfo provider, string path, bool terminating = false)
    {
        if (provider.Name == "FileSystem")
        {
            return true;
        }

        var record = Errors.InvalidArgument(new ArgumentException(
                $"'{path}' belongs to PowerShell's {provider.Name} provider, not to the file system; MnistNet " +
                "reads and writes files only."),
            Errors.NotAFile, path);
        if (terminating)
        {
            ThrowTerminatingError(record);
        }

        WriteError(record);
        return false;
    }
}
