namespace TwoTower.TestSupport;

/// <summary>Locates the repository and the shared data folder (../shared beside the clone, or $TWOTOWER_SHARED).</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var baked = typeof(TestPaths).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "TwoTowerRepositoryRoot")?.Value;
        if (baked is not null && File.Exists(Path.Combine(baked, "TwoTower.MLNet.sln"))) return Path.GetFullPath(baked);
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "TwoTower.MLNet.sln"))) return d.FullName;
        // Build output may live outside the tree (TWOTOWER_ARTIFACTS): fall back to the working folder.
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "TwoTower.MLNet.sln"))) return d.FullName;
        throw new InvalidOperationException("Cannot find the repository root (TwoTower.MLNet.sln) above " + AppContext.BaseDirectory);
    });

    /// <summary>The repository root.</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>The shared folder with datasets and peers.</summary>
    public static string Shared
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("TWOTOWER_SHARED");
            var path = !string.IsNullOrWhiteSpace(env) ? env : Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));
            if (!Directory.Exists(path))
                throw new DirectoryNotFoundException($"The shared data folder '{path}' is missing: clone next to shared/ or set TWOTOWER_SHARED.");
            return path;
        }
    }

    /// <summary>MovieLens 100K.</summary>
    public static string MovieLens100K => Path.Combine(Shared, "datasets", "ml-100k");

    /// <summary>A split file, e.g. Split("p1", "train").</summary>
    public static string Split(string split, string part) => Path.Combine(Shared, "datasets", "splits", "ml-100k", split, part + ".csv");

    // One folder per test process, deleted after its last test (DeleteRunFolder), so test runs do not fill the disk.
    private static readonly Lazy<string> RunTemp = new(() =>
    {
        var parent = Path.Combine(Path.GetTempPath(), "twotower-tests");
        RemoveStale(parent);
        var root = Path.Combine(parent, $"{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        return root;
    });

    /// <summary>
    /// Deletes this test process's temp folder; the test assemblies' [AssemblyCleanup] call it (TestRunCleanup). Not on
    /// ProcessExit: the test platform stops its host soon after the last test, which cut the deletion short every run.
    /// </summary>
    public static void DeleteRunFolder()
    {
        if (!RunTemp.IsValueCreated) return;
        try
        {
            Directory.Delete(RunTemp.Value, recursive: true);
            // The shared parent too once no other test process has a folder in it (not recursive: a live one keeps it).
            Directory.Delete(Path.GetDirectoryName(RunTemp.Value)!, recursive: false);
        }
        catch (IOException) { } // best effort: a later run removes what is left (RemoveStale)
        catch (UnauthorizedAccessException) { }
    }

    // A test host that is killed (a timeout, Ctrl+C) never runs its cleanup: its folder is removed by a later run once
    // its process is gone and the folder has not changed for a day (another container's live process may share /tmp).
    private static void RemoveStale(string parent)
    {
        if (!Directory.Exists(parent)) return;
        foreach (var dir in Directory.EnumerateDirectories(parent))
        {
            var name = Path.GetFileName(dir);
            var dash = name.IndexOf('-');
            if (dash <= 0 || !int.TryParse(name.AsSpan(0, dash), out var pid) || IsRunning(pid)) continue;
            if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) < TimeSpan.FromDays(1)) continue;
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; } // no such process
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>A fresh temporary folder (inside this test process's folder, which is deleted after the last test).</summary>
    public static string TempDir()
    {
        var d = Path.Combine(RunTemp.Value, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}
