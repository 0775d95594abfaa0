using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.Tests.Persistence;

[TestClass]
public sealed class AtomicFileTests
{
    [TestMethod]
    public void Write_NewFolderAndReplace_LeavesOnlyTheTarget()
    {
        var dir = Path.Combine(TestPaths.TempDir(), "a", "b");
        var path = Path.Combine(dir, "f.bin");
        AtomicFile.Write(path, s => s.Write([1, 2, 3]));
        AtomicFile.Write(path, s => s.Write([4]));
        CollectionAssert.AreEqual(new byte[] { 4 }, File.ReadAllBytes(path));
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(dir));
    }

    [TestMethod]
    public void Write_FolderPath_RefusedBeforeWritingNamingIt()
    {
        var dir = TestPaths.TempDir();
        var wrote = false;
        // ModelFile.Save(folder, model) wrote the whole model, then failed on the rename as "Is a directory".
        var ex = Assert.ThrowsExactly<IOException>(() => AtomicFile.Write(dir, _ => wrote = true));
        StringAssert.Contains(ex.Message, $"'{dir}' is a folder: give a file name");
        Assert.IsFalse(wrote);
        Assert.IsEmpty(Directory.GetFiles(dir));
    }

    [TestMethod]
    public void Write_WriterThrowsHalfway_KeepsTheOldFileAndNoTemporary()
    {
        var dir = TestPaths.TempDir();
        var path = Path.Combine(dir, "f.bin");
        AtomicFile.Write(path, s => s.Write([1, 2, 3]));
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write([9, 9]);
            throw new InvalidOperationException("disk full");
        }));
        Assert.AreEqual("disk full", ex.Message);
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(dir));
    }

    [TestMethod]
    public void WriteAll_LastWriterThrows_EveryOldFileKeptAndNoTemporary()
    {
        // A split written file by file left a new train.csv beside the old valid.csv and test.csv when a later write failed.
        var dir = TestPaths.TempDir();
        var (a, b, c) = (Path.Combine(dir, "a.csv"), Path.Combine(dir, "b.csv"), Path.Combine(dir, "sub", "c.csv"));
        AtomicFile.WriteAll([(a, s => s.Write([1])), (b, s => s.Write([2])), (c, s => s.Write([3]))]);
        CollectionAssert.AreEqual(new byte[] { 3 }, File.ReadAllBytes(c));
        var ex = Assert.ThrowsExactly<IOException>(() => AtomicFile.WriteAll([
            (a, s => s.Write([10])),
            (b, s => s.Write([20])),
            (c, _ => throw new IOException("No space left on device")),
        ]));
        Assert.AreEqual("No space left on device", ex.Message);
        CollectionAssert.AreEqual(new byte[] { 1 }, File.ReadAllBytes(a), "the first file is the old one");
        CollectionAssert.AreEqual(new byte[] { 2 }, File.ReadAllBytes(b));
        CollectionAssert.AreEqual(new byte[] { 3 }, File.ReadAllBytes(c));
        Assert.HasCount(3, Directory.GetFiles(dir, "*", SearchOption.AllDirectories), "no temporaries");
        AtomicFile.WriteAll([(a, s => s.Write([10])), (b, s => s.Write([20])), (c, s => s.Write([30]))]);
        CollectionAssert.AreEqual(new byte[] { 20 }, File.ReadAllBytes(b));
        CollectionAssert.AreEqual(new byte[] { 30 }, File.ReadAllBytes(c));
    }

    [TestMethod]
    public void WriteAll_SameFileTwiceOrAFolder_RefusedBeforeWriting()
    {
        var dir = TestPaths.TempDir();
        var wrote = false;
        var twice = Assert.ThrowsExactly<ArgumentException>(() => AtomicFile.WriteAll([(Path.Combine(dir, "x"), _ => wrote = true), (Path.Combine(dir, ".", "x"), _ => wrote = true)]));
        StringAssert.Contains(twice.Message, "Two entries name the same file");
        var folder = Assert.ThrowsExactly<IOException>(() => AtomicFile.WriteAll([(Path.Combine(dir, "y"), _ => wrote = true), (dir, _ => wrote = true)]));
        StringAssert.Contains(folder.Message, "is a folder");
        Assert.IsFalse(wrote);
        Assert.IsEmpty(Directory.GetFiles(dir));
    }

    [TestMethod]
    public async Task WriteAsync_Cancelled_WritesNothing()
    {
        var dir = TestPaths.TempDir();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAsync<OperationCanceledException>(() => AtomicFile.WriteAsync(Path.Combine(dir, "f.bin"), s => s.WriteAsync(new byte[] { 1 }).AsTask(), cts.Token));
        Assert.IsEmpty(Directory.GetFiles(dir));
    }

    [TestMethod]
    public void Write_RemovesATemporaryOfItsOwnProcessIdThatNoWriterHolds()
    {
        // In a container every run is often process 1, so a killed run's temporary bears the id of the run after it, which
        // took it for its own live one: a crashed batch shard's temporary was never removed, however often the shard re-ran.
        var dir = TestPaths.TempDir();
        var path = Path.Combine(dir, "part.parquet");
        string Temporary() => Path.Combine(dir, $".part.parquet.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        var stale = Temporary();
        File.WriteAllText(stale, "half");
        // A writer of the same id that is still writing (another container on a shared folder) holds its file.
        var held = Temporary();
        using (var writer = new FileStream(held, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            AtomicFile.Write(path, s => s.Write([1]));
            Assert.IsTrue(File.Exists(held), "a temporary still being written stays");
        }
        Assert.IsFalse(File.Exists(stale));
        // Concurrent writes of one file in one process leave each other's temporaries alone (a removed one fails its write's
        // rename); the released one is removed now.
        Parallel.For(0, 8, i => AtomicFile.Write(path, s => { s.Write(new byte[1 << 16]); s.Write([(byte)i]); }));
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(dir));
    }

    [TestMethod]
    public void Write_RemovesTemporariesOfKilledWritersOnly()
    {
        // A killed writer (SIGKILL runs no catch block) leaves its temporary; the next write of the same file removes it,
        // but not a live writer's temporary, nor another file's.
        var dir = TestPaths.TempDir();
        var path = Path.Combine(dir, "part.csv");
        using var exited = System.Diagnostics.Process.Start("true")!;
        exited.WaitForExit();
        using var alive = System.Diagnostics.Process.Start("sleep", "30")!;
        try
        {
            string Temporary(string file, int pid) => Path.Combine(dir, $".{file}.{pid}.{Guid.NewGuid():N}.tmp");
            var stale = Temporary("part.csv", exited.Id);
            var live = Temporary("part.csv", alive.Id);
            var other = Temporary("other.csv", exited.Id);
            foreach (var f in new[] { stale, live, other }) File.WriteAllText(f, "half");
            AtomicFile.Write(path, s => s.Write([1]));
            Assert.IsFalse(File.Exists(stale));
            Assert.IsTrue(File.Exists(live));
            Assert.IsTrue(File.Exists(other));
        }
        finally
        {
            alive.Kill();
        }
    }

    [TestMethod]
    public void Write_KeepsATemporaryOfAnotherProcessIdThatAWriterHolds()
    {
        // Another container writing into a shared folder has a process id that is not running here: its temporary was taken for
        // a killed writer's and deleted under it. A writer holds its temporary locked; a held one is left alone.
        var dir = TestPaths.TempDir();
        var path = Path.Combine(dir, "part.csv");
        using var exited = System.Diagnostics.Process.Start("true")!;
        exited.WaitForExit();
        var held = Path.Combine(dir, $".part.csv.{exited.Id}.{Guid.NewGuid():N}.tmp");
        using (var writer = new FileStream(held, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            writer.Write([1, 2]);
            AtomicFile.Write(path, s => s.Write([3]));
            Assert.IsTrue(File.Exists(held), "a temporary someone is writing");
        }
        AtomicFile.Write(path, s => s.Write([4]));
        Assert.IsFalse(File.Exists(held), "released, it is a dead writer's");
    }
}
