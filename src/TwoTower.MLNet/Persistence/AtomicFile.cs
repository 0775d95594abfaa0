using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Persistence;

/// <summary>
/// Writes a file through a temporary sibling that is flushed to disk and then renamed over the target, so a reader sees
/// the old file or the whole new one, never a partial one, and a failed write leaves the old file and no temporary behind.
/// The folder is flushed after the rename (Linux, macOS), so a returned write survives a power cut; should that flush
/// fail, the new file is in place but the write throws, as it may not survive one.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> (replacing any existing file) with what <paramref name="write"/> puts into the stream; creates the folder.</summary>
    /// <exception cref="IOException"><paramref name="path"/> is a folder.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        WriteAsync(path, s =>
        {
            write(s);
            return Task.CompletedTask;
        }).GetAwaiter().GetResult();
    }

    /// <summary>Asynchronous <see cref="Write"/>, for writers with an asynchronous API.</summary>
    public static async Task WriteAsync(string path, Func<Stream, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var full = Target(path);
        var tmp = NewTemporary(full);
        try
        {
            await using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: false))
            {
                await write(fs);
                cancellationToken.ThrowIfCancellationRequested();
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
            DirectorySync.Flush(Path.GetDirectoryName(full)!);
        }
        catch
        {
            // Best effort: whatever failed, the target is untouched (or, after the rename, whole) and the temporary goes.
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
        finally
        {
            Writing.TryRemove(tmp, out _);
        }
    }

    /// <summary>
    /// Writes several files as one set: every temporary is written and flushed first, and only then are they renamed over
    /// their targets, in order. A write that fails (a full disk, an exception of a writer) leaves every old file as it was
    /// and no temporary; only a crash during the renames themselves, microseconds, can leave some files new and some old.
    /// </summary>
    /// <exception cref="ArgumentException">Two entries name the same file.</exception>
    /// <exception cref="IOException">A path is a folder.</exception>
    public static void WriteAll(IReadOnlyList<(string Path, Action<Stream> Write)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        foreach (var (_, write) in files) ArgumentNullException.ThrowIfNull(write);
        var targets = files.Select(f => Target(f.Path)).ToArray();
        if (targets.Distinct(StringComparer.Ordinal).Count() != targets.Length)
            throw new ArgumentException("Two entries name the same file; a set writes each file once.", nameof(files));
        var temporaries = new List<string>(files.Count);
        try
        {
            foreach (var (full, (_, write)) in targets.Zip(files))
            {
                var tmp = NewTemporary(full);
                temporaries.Add(tmp);
                using var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            for (var i = 0; i < targets.Length; i++) File.Move(temporaries[i], targets[i], overwrite: true);
            foreach (var folder in targets.Select(t => Path.GetDirectoryName(t)!).Distinct(StringComparer.Ordinal)) DirectorySync.Flush(folder);
        }
        catch
        {
            // Best effort: a temporary already renamed is no longer there to delete.
            foreach (var tmp in temporaries)
                try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
        finally
        {
            foreach (var tmp in temporaries) Writing.TryRemove(tmp, out _);
        }
    }

    // The full path of a file to write, checked before writing: the rename at the end would fail only after all of it, as "Is a directory".
    private static string Target(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new IOException($"'{path}' is a folder: give a file name inside it.");
        return full;
    }

    // A fresh temporary beside full, in a folder that exists, after the stale ones of killed writers are gone; registered as being written.
    private static string NewTemporary(string full)
    {
        var dir = Path.GetDirectoryName(full) ?? throw new ArgumentException($"Path '{full}' has no folder.");
        Directory.CreateDirectory(dir);
        RemoveStaleTemporaries(dir, Path.GetFileName(full));
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        Writing.TryAdd(tmp, 0);
        return tmp;
    }

    // Temporaries this process is writing now.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> Writing = new(StringComparer.Ordinal);

    /// <summary>
    /// Deletes the temporaries of <paramref name="fileName"/> left by writers that were killed (no catch block runs on
    /// SIGKILL): those whose process id is not a running process, and those of this process's id that it is not writing
    /// and no one holds open (in a container each run is often process 1, so a killed run's id is the next run's). A live
    /// writer's temporary is left alone.
    /// </summary>
    private static void RemoveStaleTemporaries(string dir, string fileName)
    {
        var prefix = $".{fileName}.";
        foreach (var path in Directory.EnumerateFiles(dir, $"{prefix}*.tmp"))
        {
            var middle = Path.GetFileName(path)[prefix.Length..^".tmp".Length].Split('.');
            if (middle.Length != 2 || !int.TryParse(middle[0], out var pid) || middle[1].Length != 32) continue;
            // A writer in another container (a shared folder) has a process id that means nothing here: its lock tells.
            if (pid == Environment.ProcessId ? Writing.ContainsKey(path) || IsHeldOpen(path) : IsRunning(pid) || IsHeldOpen(path)) continue;
            try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    // A writer holds its temporary with FileShare.None (an exclusive lock on Unix), which the kernel drops when it dies.
    private static bool IsHeldOpen(string path)
    {
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
