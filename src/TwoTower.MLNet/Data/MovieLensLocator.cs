using System.IO.Compression;
using System.Security.Cryptography;

namespace TwoTower.MLNet.Data;

/// <summary>
/// Finds MovieLens 100K (DESIGN §5): an explicit path, else <c>$TWOTOWER_DATA/ml-100k</c>, else
/// <c>../shared/datasets/ml-100k</c> (from the working folder or the repository root), else the user cache
/// folder, else a download from GroupLens into the cache with every file's SHA-256 verified.
/// </summary>
public sealed class MovieLensLocator
{
    /// <summary>Official download address of the ML-100K archive.</summary>
    public const string DownloadUrl = "https://files.grouplens.org/datasets/movielens/ml-100k.zip";

    /// <summary>SHA-256 of the files we read, from the official archive (also in datasets/ml-100k.md).</summary>
    public static readonly IReadOnlyDictionary<string, string> Checksums = new Dictionary<string, string>
    {
        ["u.data"] = "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490",
        ["u.item"] = "553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701",
        ["u.user"] = "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c",
        ["u.genre"] = "9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb",
    };

    private readonly HttpMessageHandler? _handler;

    /// <summary>Creates a locator; tests pass a fake <paramref name="handler"/>, and may override the URL, the cache and the environment.</summary>
    public MovieLensLocator(HttpMessageHandler? handler = null, string? downloadUrl = null, string? cacheRoot = null, Func<string, string?>? environment = null, string? workingDirectory = null)
    {
        _handler = handler;
        Url = downloadUrl ?? DownloadUrl;
        CacheRoot = cacheRoot ?? DefaultCacheRoot();
        Environment = environment ?? System.Environment.GetEnvironmentVariable;
        WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory();
        // An explicit working folder isolates the search (tests); otherwise the application's own folder may also lead to the repository.
        _searchApplicationFolder = workingDirectory is null;
    }

    private readonly bool _searchApplicationFolder;

    /// <summary>The URL downloaded from.</summary>
    public string Url { get; }

    /// <summary>Folder under which the downloaded copy lives (…/twotower).</summary>
    public string CacheRoot { get; }

    /// <summary>Folder that relative candidates start from.</summary>
    public string WorkingDirectory { get; }

    private Func<string, string?> Environment { get; }

    /// <summary>Where the cached copy goes.</summary>
    public string CacheFolder => Path.Combine(CacheRoot, "ml-100k");

    /// <summary>The folders tried, in order (without the download).</summary>
    public IReadOnlyList<string> Candidates(string? explicitPath = null)
    {
        var list = new List<string>();
        if (!string.IsNullOrWhiteSpace(explicitPath)) return new[] { Path.GetFullPath(explicitPath, WorkingDirectory) };
        var env = Environment("TWOTOWER_DATA");
        if (!string.IsNullOrWhiteSpace(env)) list.Add(Path.GetFullPath(Path.Combine(env, "ml-100k"), WorkingDirectory));
        list.Add(Path.GetFullPath(Path.Combine("..", "shared", "datasets", "ml-100k"), WorkingDirectory));
        var root = FindRepositoryRoot(WorkingDirectory) ?? (_searchApplicationFolder ? FindRepositoryRoot(AppContext.BaseDirectory) : null);
        if (root is not null) list.Add(Path.GetFullPath(Path.Combine(root, "..", "shared", "datasets", "ml-100k")));
        list.Add(CacheFolder);
        return list.Distinct().ToArray();
    }

    /// <summary>
    /// Returns a folder holding ML-100K. With <paramref name="explicitPath"/> only that folder is accepted.
    /// Downloads when nothing is found and <paramref name="allowDownload"/> is true.
    /// </summary>
    public string Locate(string? explicitPath = null, bool allowDownload = true, IProgress<string>? log = null)
    {
        var candidates = Candidates(explicitPath);
        foreach (var c in candidates)
            if (MovieLens100K.IsLayout(c)) return c;
        if (!string.IsNullOrWhiteSpace(explicitPath))
            throw new DirectoryNotFoundException($"--data '{explicitPath}' does not hold MovieLens 100K (no u.data in {candidates[0]}).");
        if (!allowDownload) throw NotFound(candidates, null);
        try
        {
            return Download(log);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            throw NotFound(candidates, ex);
        }
    }

    /// <summary>Downloads the archive, verifies every file's checksum, and moves the folder into the cache atomically.</summary>
    public string Download(IProgress<string>? log = null)
    {
        log?.Report($"Downloading MovieLens 100K from {Url} ...");
        using var client = _handler is null ? new HttpClient() : new HttpClient(_handler, disposeHandler: false);
        client.Timeout = TimeSpan.FromMinutes(5);
        var bytes = client.GetByteArrayAsync(Url).GetAwaiter().GetResult();
        Directory.CreateDirectory(CacheRoot);
        var staging = Path.Combine(CacheRoot, $".ml-100k.{System.Environment.ProcessId}.{Guid.NewGuid():N}");
        try
        {
            using (var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read))
            {
                foreach (var e in zip.Entries)
                {
                    var name = Path.GetFileName(e.FullName);
                    if (name.Length == 0 || !e.FullName.StartsWith("ml-100k/", StringComparison.Ordinal)) continue;
                    Directory.CreateDirectory(staging);
                    e.ExtractToFile(Path.Combine(staging, name), overwrite: true);
                }
            }
            foreach (var (file, expected) in Checksums)
            {
                var path = Path.Combine(staging, file);
                if (!File.Exists(path)) throw new InvalidDataException($"The downloaded archive from {Url} has no ml-100k/{file}.");
                using var fs = File.OpenRead(path);
                var actual = Convert.ToHexStringLower(SHA256.HashData(fs));
                if (actual != expected)
                    throw new InvalidDataException($"Checksum mismatch for {file} downloaded from {Url}: SHA-256 {actual}, expected {expected}. The download is corrupt or not the official ML-100K.");
            }
            if (Directory.Exists(CacheFolder)) Directory.Delete(CacheFolder, recursive: true);
            Directory.Move(staging, CacheFolder);
            log?.Report($"MovieLens 100K saved to {CacheFolder} (checksums verified).");
            return CacheFolder;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private Exception NotFound(IReadOnlyList<string> candidates, Exception? inner) => new DirectoryNotFoundException(
        "MovieLens 100K was not found and could not be downloaded" + (inner is null ? "" : $" ({inner.Message})") + ". " +
        $"Put the ml-100k files (u.data, u.item, u.user) in one of: {string.Join("; ", candidates)} — or set TWOTOWER_DATA to a folder holding ml-100k/, " +
        $"or pass --data DIR. The archive is at {Url}.", inner);

    private static string? FindRepositoryRoot(string start)
    {
        for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "TwoTower.MLNet.sln"))) return d.FullName;
        return null;
    }

    private static string DefaultCacheRoot()
    {
        var xdg = System.Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg)) return Path.Combine(xdg, "twotower");
        if (OperatingSystem.IsWindows())
            return Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.LocalApplicationData), "twotower");
        return Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".cache", "twotower");
    }
}
