using System.Runtime.InteropServices;

namespace TwoTower.MLNet.Index.Persistence;

/// <summary>
/// Flushes a folder's entries to disk (fsync of the folder on Linux and macOS). A file renamed into place has its data on
/// disk once the file was flushed, but the rename itself lives in the folder: until the folder is flushed a power cut can
/// undo it, while state that relies on it (an emptied update log, a deleted older file) has already reached the disk.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY, 0 on every Unix
    private const int InvalidArgument = 22; // EINVAL, alike on Linux and macOS

    /// <summary>Flushes <paramref name="directory"/>'s entries (renames, new and deleted files in it) to disk; on Windows, where a folder cannot be opened for this, only checks that it exists.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="IOException">The path is a file, or the folder could not be opened or flushed (the operating system's reason is given).</exception>
    public static void Flush(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        // Checked here rather than by O_DIRECTORY, whose value differs by system and CPU (0x10000 Linux x64, 0x4000 arm64, 0x100000 macOS).
        if (File.Exists(directory)) throw new IOException($"'{directory}' is a file, not a folder: give the folder that holds the renamed file.");
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Folder '{directory}' does not exist, so its entries cannot be flushed to disk; create it first.");
        if (OperatingSystem.IsWindows()) return;
        var fd = Open(directory, ReadOnly);
        if (fd < 0) throw Failure($"Opening folder '{directory}' to flush it to disk failed");
        try
        {
            // A file system that cannot flush a folder (EINVAL, e.g. some network and FUSE mounts) has nothing more to give.
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() != InvalidArgument)
                throw Failure($"Flushing folder '{directory}' to disk failed (a rename in it may not survive a power cut)");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static IOException Failure(string what)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
