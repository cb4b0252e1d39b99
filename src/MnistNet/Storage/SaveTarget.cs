using System.Runtime.InteropServices;

namespace MnistNet.Storage;

/// <summary>
/// How a file is saved, and which file a save really replaces. Saves write a temporary file and rename it over the
/// target, so that a failed save leaves the old file whole; but a rename replaces whatever entry has the name: a
/// link would become a plain file and a device or pipe (say /dev/null) would be swapped for one. So links are
/// followed to the file they name, and a target that exists but is not a regular file is refused.
/// </summary>
public static partial class SaveTarget
{
    /// <summary>
    /// The file a save to <paramref name="path"/> writes (links followed) and, when that exists but is no regular
    /// file, what it is instead: "a folder", "a device", "a pipe" or "a socket"; null for a file or nothing.
    /// </summary>
    /// <exception cref="IOException">The path is a link in a loop of links, which never reaches a file.</exception>
    public static (string Target, string? NotAFile) Find(string path)
    {
        string target = Resolve(path);
        return (target, Directory.Exists(target) ? "a folder" : SpecialKind(target));
    }

    /// <summary>
    /// Writes <paramref name="content"/> to a temporary file beside the target and renames it over the target,
    /// keeping the replaced file's owner and permissions. <paramref name="what"/> names the content in messages.
    /// </summary>
    public static void WriteAtomically(byte[] content, string path, string what)
    {
        (string fullPath, string? notAFile) = Find(path);
        string? folder = Path.GetDirectoryName(fullPath);
        if (notAFile is not null || folder is null)
        {
            throw new IOException(
                $"Cannot save the {what} to {fullPath}: that is {notAFile ?? "a folder"}, not a regular file.");
        }

        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException(
                $"Cannot save the {what} to {fullPath}: the folder {folder} does not exist.");
        }

        string temporary = fullPath + $".{Guid.NewGuid():N}.tmp";
        try
        {
            try
            {
                using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write);
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            catch (UnauthorizedAccessException error)
            {
                throw new UnauthorizedAccessException(
                    $"Cannot save the {what} to {fullPath}: permission to create files in {folder} is denied.", error);
            }
            catch (IOException error) when (error is not DirectoryNotFoundException)
            {
                // The system's message names the temporary file, which the user never asked for.
                string reason = error is FileNotFoundException
                    ? "the system refuses to create files there"
                    : error.Message.Replace($" : '{temporary}'", "").Replace(temporary, fullPath);
                throw new IOException(
                    $"Cannot save the {what} to {fullPath}: no file can be written in {folder} " +
                    $"({reason.TrimEnd('.')}).", error);
            }

            KeepOwnerAndPermissions(fullPath, temporary);
            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>
    /// The full path a save to <paramref name="path"/> writes: the path itself, or the final target of a link.
    /// </summary>
    /// <exception cref="IOException">The path is a link in a loop of links, which never reaches a file.</exception>
    public static string Resolve(string path)
    {
        string fullPath = Path.GetFullPath(path);
        var entry = new FileInfo(fullPath);
        if (entry.LinkTarget is null)
        {
            return fullPath;
        }

        try
        {
            return entry.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? fullPath;
        }
        catch (IOException error)
        {
            throw new IOException($"{fullPath} is a symbolic link that leads round a loop of links to no file.",
                error);
        }
    }

    /// <summary>
    /// Whether a save to <paramref name="path"/> would replace an existing file: false for a link to nothing and
    /// for a loop of links, where <see cref="File.Exists"/> says true because the link itself exists.
    /// </summary>
    public static bool ReplacesAFile(string path)
    {
        try
        {
            return File.Exists(Resolve(path));
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// What kind of entry other than a regular file or folder <paramref name="fullPath"/> is ("a device", "a pipe",
    /// "a socket"), or null when it is a regular file, a folder, or nothing at all. .NET reports every such entry
    /// as a plain file, so this asks the kernel (Linux only; elsewhere it answers null).
    /// </summary>
    public static string? SpecialKind(string fullPath)
    {
        int type = Status(fullPath) is { } status ? status.Mode & 0xF000 : 0;
        return type switch
        {
            0x2000 or 0x6000 => "a device",
            0x1000 => "a pipe",
            0xC000 => "a socket",
            _ => null,
        };
    }

    /// <summary>
    /// Gives <paramref name="replacement"/> the owner, group and permissions of <paramref name="existing"/>, the
    /// file it is about to replace, so that replacing a file the user made private does not make it readable to
    /// everyone, and an administrator saving over a user's file does not take it from them. Where the system does
    /// not allow the owner to be changed (only an administrator may give a file away), the saving user keeps it.
    /// </summary>
    private static void KeepOwnerAndPermissions(string existing, string replacement)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(existing))
        {
            return;
        }

        // Changing the owner clears the set-user and set-group bits, so the permissions are copied after it.
        if (Status(existing) is { } status)
        {
            _ = ChangeOwner(replacement, status.Owner, status.Group);
        }

        File.SetUnixFileMode(replacement, File.GetUnixFileMode(existing));
    }

    /// <summary>The file type and permission bits, owner and group of a path (Linux only; null elsewhere).</summary>
    private static (int Mode, uint Owner, uint Group)? Status(string fullPath)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        const int CurrentFolder = -100;
        const uint TypeOwnerAndGroup = 0x1 | 0x8 | 0x10;
        Span<byte> status = stackalloc byte[256];
        if (StatX(CurrentFolder, fullPath, 0, TypeOwnerAndGroup, ref MemoryMarshal.GetReference(status)) != 0)
        {
            return null;
        }

        // struct statx: stx_uid at byte 20, stx_gid at 24, stx_mode at 28.
        return (BitConverter.ToUInt16(status[28..]), BitConverter.ToUInt32(status[20..]),
            BitConverter.ToUInt32(status[24..]));
    }

    // statx's buffer has one layout on every Linux architecture, unlike stat's; the file type is in stx_mode.
    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatX(int folder, string path, int flags, uint mask, ref byte status);

    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int ChangeOwner(string path, uint owner, uint group);
}
