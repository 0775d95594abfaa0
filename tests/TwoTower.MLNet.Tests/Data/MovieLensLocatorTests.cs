using System.IO.Compression;
using System.Net;
using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Tests.Data;

[TestClass]
public sealed class MovieLensLocatorTests
{
    /// <summary>Serves fixed bytes (or fails) for any request, counting calls.</summary>
    private sealed class FakeHandler(Func<HttpResponseMessage> respond) : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(respond());
        }
    }

    private static byte[] ArchiveOfSharedFiles(Func<string, byte[], byte[]>? tamper = null)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var name in new[] { "u.data", "u.item", "u.user", "u.genre" })
            {
                var bytes = File.ReadAllBytes(Path.Combine(TestPaths.MovieLens100K, name));
                bytes = tamper?.Invoke(name, bytes) ?? bytes;
                using var s = zip.CreateEntry("ml-100k/" + name).Open();
                s.Write(bytes);
            }
        return ms.ToArray();
    }

    private static MovieLensLocator Isolated(HttpMessageHandler? handler, string cache, string? env = null) =>
        new(handler, "https://example.invalid/ml-100k.zip", cache, name => name == "TWOTOWER_DATA" ? env : null, workingDirectory: TestPaths.TempDir());

    [TestMethod]
    public void Locate_EnvironmentVariable_FindsFolderUnderIt()
    {
        var root = TestPaths.TempDir();
        Directory.CreateDirectory(Path.Combine(root, "ml-100k"));
        File.WriteAllText(Path.Combine(root, "ml-100k", "u.data"), "1\t1\t1\t1\n");
        var found = Isolated(null, TestPaths.TempDir(), env: root).Locate(allowDownload: false);
        Assert.AreEqual(Path.Combine(root, "ml-100k"), found);
    }

    [TestMethod]
    public void Locate_NothingAndNoNetwork_MessageSaysWhereToPutFiles()
    {
        var handler = new FakeHandler(() => throw new HttpRequestException("network unreachable"));
        var ex = Assert.ThrowsExactly<DirectoryNotFoundException>(() => Isolated(handler, TestPaths.TempDir()).Locate());
        StringAssert.Contains(ex.Message, "network unreachable");
        StringAssert.Contains(ex.Message, "TWOTOWER_DATA");
        StringAssert.Contains(ex.Message, "--data");
    }

    [TestMethod]
    public void Locate_ExplicitFolderWithoutData_Throws()
    {
        var ex = Assert.ThrowsExactly<DirectoryNotFoundException>(() => Isolated(null, TestPaths.TempDir()).Locate(TestPaths.TempDir()));
        StringAssert.Contains(ex.Message, "does not hold MovieLens 100K");
    }

    [TestMethod]
    public void Download_GenuineArchive_VerifiesChecksumsAndCaches()
    {
        var cache = TestPaths.TempDir();
        var handler = new FakeHandler(() => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(ArchiveOfSharedFiles()) });
        var locator = Isolated(handler, cache);
        var dir = locator.Locate();
        Assert.AreEqual(Path.Combine(cache, "ml-100k"), dir);
        Assert.AreEqual(100_000, MovieLens100K.LoadRatings(Path.Combine(dir, "u.data")).Count);
        // The second call finds the cached copy and does not download again.
        Assert.AreEqual(dir, locator.Locate());
        Assert.AreEqual(1, handler.Calls);
    }

    [TestMethod]
    public void Download_TamperedFile_FailsWithChecksumMismatchAndCachesNothing()
    {
        var cache = TestPaths.TempDir();
        var bad = ArchiveOfSharedFiles((name, b) => name == "u.data" ? b.Take(b.Length - 10).ToArray() : b);
        var handler = new FakeHandler(() => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(bad) });
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => Isolated(handler, cache).Download());
        StringAssert.Contains(ex.Message, "Checksum mismatch for u.data");
        Assert.IsFalse(Directory.Exists(Path.Combine(cache, "ml-100k")));
    }
}
