using System.Collections.ObjectModel;
using System.Management.Automation;

namespace MnistNet.PowerShell;

/// <summary>What the module's cmdlets share: turning PowerShell paths into file-system paths.</summary>
public abstract class MnistCmdlet : PSCmdlet
{
    /// <summary>
    /// Resolves a path the user typed (relative to the current PowerShell location, wildcards expanded unless
    /// literal) to file-system paths. A path that matches nothing is reported as a non-terminating
    /// ObjectNotFound error and yields nothing.
    /// </summary>
    protected IEnumerable<string> ResolveFiles(string path, bool literal)
    {
        if (literal || !WildcardPattern.ContainsWildcardCharacters(path))
        {
            string resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            if (!File.Exists(resolved))
            {
                WriteError(Errors.NotFound(new FileNotFoundException($"Cannot find the file '{resolved}'.", resolved),
                    resolved));
                return [];
            }

            return [resolved];
        }

        try
        {
            Collection<string> matches = GetResolvedProviderPathFromPSPath(path, out _);
            if (matches.Count > 0)
            {
                return matches;
            }
        }
        catch (ItemNotFoundException)
        {
            // Reported below, in the same words as a pattern that matched nothing.
        }

        WriteError(Errors.NotFound(new FileNotFoundException($"No file matches '{path}'.", path), path));
        return [];
    }

    /// <summary>Resolves a path to a file that is about to be written (it need not exist).</summary>
    protected string ResolveOutputPath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
}
