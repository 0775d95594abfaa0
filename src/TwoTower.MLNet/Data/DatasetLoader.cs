namespace TwoTower.MLNet.Data;

/// <summary>
/// Loads interactions from a folder in a known MovieLens layout (100K, 1M, newer CSV) or from a CSV
/// file with a header; and item metadata from a folder or a CSV file.
/// </summary>
public static class DatasetLoader
{
    /// <summary>Loads a folder (layout detected) or a CSV file of interactions.</summary>
    public static LoadedDataset Load(string path, DataLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= DataLoadOptions.Default;
        if (Directory.Exists(path))
        {
            if (MovieLens100K.IsLayout(path)) return MovieLens100K.Load(path, options);
            if (MovieLens1M.IsLayout(path)) return MovieLens1M.Load(path, options);
            if (MovieLensCsv.IsLayout(path)) return MovieLensCsv.Load(path, options);
            throw new DirectoryNotFoundException($"Folder '{path}' is not a known dataset layout: expected u.data (MovieLens 100K), ratings.dat (1M) or ratings.csv (newer MovieLens CSV).");
        }
        // MovieLens' own ratings files have no header: named directly, they mean their folder.
        if (File.Exists(path) && Path.GetFileName(path) is "u.data" or "ratings.dat" && Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder
            && (MovieLens100K.IsLayout(folder) || MovieLens1M.IsLayout(folder)))
            return Load(folder, options);
        if (File.Exists(path))
            return new LoadedDataset(CsvInteractions.Load(path, options), null, null, "csv");
        throw new FileNotFoundException($"Data path '{path}' does not exist.", path);
    }

    /// <summary>Loads only the interactions of <paramref name="path"/>.</summary>
    public static InteractionLog LoadInteractions(string path, DataLoadOptions? options = null) => Load(path, options).Interactions;

    /// <summary>Loads item metadata from a MovieLens folder (u.item, movies.dat, movies.csv), one of those files, or a CSV file.</summary>
    public static ItemMetadata LoadItems(string path, DataLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path))
        {
            if (File.Exists(Path.Combine(path, "u.item"))) return MovieLens100K.LoadItems(path, options);
            if (File.Exists(Path.Combine(path, "movies.dat"))) return MovieLens1M.LoadItems(Path.Combine(path, "movies.dat"), options);
            if (File.Exists(Path.Combine(path, "movies.csv"))) return MovieLensCsv.LoadItems(Path.Combine(path, "movies.csv"), options);
            throw new FileNotFoundException($"Folder '{path}' has no item file: expected u.item, movies.dat or movies.csv.");
        }
        // The MovieLens files themselves are read by their own formats (a u.item read as CSV fails on its '|' header).
        if (File.Exists(path))
            return Path.GetFileName(path) switch
            {
                "u.item" => MovieLens100K.LoadItems(Path.GetDirectoryName(Path.GetFullPath(path))!, options),
                "movies.dat" => MovieLens1M.LoadItems(path, options),
                _ => MovieLensCsv.LoadItems(path, options),
            };
        throw new FileNotFoundException($"Item metadata path '{path}' does not exist.", path);
    }

    /// <summary>Loads user metadata from a MovieLens folder (u.user, users.dat) or one of those files; null when the folder has none.</summary>
    public static UserMetadata? LoadUsers(string path, DataLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (File.Exists(path))
            return Path.GetFileName(path) switch
            {
                "u.user" => MovieLens100K.LoadUsers(Path.GetDirectoryName(Path.GetFullPath(path))!, options),
                "users.dat" => MovieLens1M.LoadUsers(path, options),
                _ => throw new FileNotFoundException($"User metadata '{path}' is a file other than u.user or users.dat: pass a MovieLens folder (or one of those files).", path),
            };
        if (Directory.Exists(path))
        {
            if (File.Exists(Path.Combine(path, "u.user"))) return MovieLens100K.LoadUsers(path, options);
            if (File.Exists(Path.Combine(path, "users.dat"))) return MovieLens1M.LoadUsers(Path.Combine(path, "users.dat"), options);
            return null;
        }
        throw new DirectoryNotFoundException($"User metadata folder '{path}' does not exist.");
    }
}
