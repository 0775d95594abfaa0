using System.Text;
using TwoTower.MLNet.Retrieval.Updates;

namespace TwoTower.MLNet.Tests.Retrieval;

[TestClass]
public sealed class UpdateLogTests
{
    [TestMethod]
    public void Open_TornLastLine_DroppedAndOverwritten()
    {
        var dir = TestPaths.TempDir();
        using (var log = UpdateLog.Open(dir, out _))
        {
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "1" });
        }
        File.AppendAllText(Path.Combine(dir, UpdateLog.LogFile), "{\"op\":\"remove-item\",\"itemI");
        using (var log = UpdateLog.Open(dir, out var recovered))
        {
            Assert.HasCount(1, recovered);
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "2" });
        }
        UpdateLog.Open(dir, out var again).Dispose();
        CollectionAssert.AreEqual(new[] { "1", "2" }, again.Select(r => r.ItemId).ToArray());
        Directory.Delete(dir, true);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("\0\0\0\0")]
    public void Open_LastRecordTornByACrashThoughItsNewlineReachedTheDisk_DroppedAndOverwritten(string tail)
    {
        // A power cut mid-append can persist the block holding a record's newline but not an earlier one, which reads back
        // as zeros (and an unwritten block after it as more zeros): that record was never acknowledged, an acknowledged one
        // is flushed whole, yet the folder no longer opened ("line 2 is not a valid update record") and the server did not start.
        var dir = TestPaths.TempDir();
        using (var log = UpdateLog.Open(dir, out _))
        {
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "1" });
        }
        var torn = Encoding.UTF8.GetBytes("{\"op\":\"remove-item\",\"itemId\":\"2\"}\n" + tail);
        Array.Clear(torn, 4, 12);
        using (var stream = new FileStream(Path.Combine(dir, UpdateLog.LogFile), FileMode.Append)) stream.Write(torn);
        using (var log = UpdateLog.Open(dir, out var recovered))
        {
            Assert.HasCount(1, recovered);
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "3" });
        }
        UpdateLog.Open(dir, out var again).Dispose();
        CollectionAssert.AreEqual(new[] { "1", "3" }, again.Select(r => r.ItemId).ToArray());
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void Append_FailedWriteLeavingHalfARecord_NextRecordsStillReadBack()
    {
        // A full disk once left half a record in the log; the next acknowledged record continued its line, and the
        // folder no longer opened ("line 2 is not a valid update record"), taking every later update with it.
        var dir = TestPaths.TempDir();
        var writes = 0;
        using (var log = UpdateLog.Open(dir, path => new HalfWriteOnceFileStream(path, failOnWrite: 2, () => writes++), out _))
        {
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "1" });
            Assert.ThrowsExactly<IOException>(() => log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "lost" }));
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "3" });
        }
        UpdateLog.Open(dir, out var recovered).Dispose();
        CollectionAssert.AreEqual(new[] { "1", "3" }, recovered.Select(r => r.ItemId).ToArray(), "the failed record is not acknowledged, the later one is");
        Directory.Delete(dir, true);
    }

    // Writes the first half of its failOnWrite-th write, then fails as a full disk does.
    private sealed class HalfWriteOnceFileStream(string path, int failOnWrite, Func<int> writesBefore)
        : FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 0)
    {
        // A FileStream subclass gets its span writes through this overload too.
        public override void Write(byte[] buffer, int offset, int count)
        {
            if (writesBefore() + 1 != failOnWrite)
            {
                base.Write(buffer, offset, count);
                return;
            }
            base.Write(buffer, offset, count / 2);
            throw new IOException("No space left on device");
        }
    }

    [TestMethod]
    public void WriteSnapshot_FlushAfterEmptyingTheLogFails_LaterRecordsStillReadBack()
    {
        // The log was emptied, then its flush to disk failed: the log kept counting the old length as acknowledged, so the
        // next append first stretched the empty file back to that length with zeros and wrote after them. The folder then
        // no longer opened, or (with the zeros read as a torn last line) lost that acknowledged record.
        var dir = TestPaths.TempDir();
        FaultyFileStream? stream = null;
        using (var log = UpdateLog.Open(dir, path => stream = new FaultyFileStream(path), out _))
        {
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "1" });
            stream!.FailNextFlush = true;
            Assert.ThrowsExactly<IOException>(() => log.WriteSnapshot(new[] { new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "snap" } }));
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "2" });
        }
        UpdateLog.Open(dir, out var recovered).Dispose();
        CollectionAssert.AreEqual(new[] { "snap", "2" }, recovered.Select(r => r.ItemId).ToArray());
        Directory.Delete(dir, true);
    }

    // Fails one flush to disk when armed, as fsync does on an I/O error.
    [TestMethod]
    public void RetractLast_ThenAppend_TakenBackRecordIsNotReplayed()
    {
        var dir = TestPaths.TempDir();
        using (var log = UpdateLog.Open(dir, out _))
        {
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "1" });
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "failed" });
            log.RetractLast();
            Assert.AreEqual(1, log.RecordsSinceSnapshot);
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "3" });
        }
        UpdateLog.Open(dir, out var recovered).Dispose();
        CollectionAssert.AreEqual(new[] { "1", "3" }, recovered.Select(r => r.ItemId).ToArray());
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void RetractLast_FlushOfTheCutFails_NextAppendCutsItFirst()
    {
        var dir = TestPaths.TempDir();
        FaultyFileStream? stream = null;
        using (var log = UpdateLog.Open(dir, path => stream = new FaultyFileStream(path), out _))
        {
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "1" });
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "failed" });
            stream!.FailNextFlush = true;
            Assert.ThrowsExactly<IOException>(log.RetractLast);
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "3" });
        }
        UpdateLog.Open(dir, out var recovered).Dispose();
        CollectionAssert.AreEqual(new[] { "1", "3" }, recovered.Select(r => r.ItemId).ToArray());
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void RetractLast_CutFails_DisposeMakesTheCutSoTheRecordIsNotReplayed()
    {
        // The cut failed and the log was closed before another append: the failed record stayed in the file and a
        // restart replayed an update the caller was told had failed.
        var dir = TestPaths.TempDir();
        FaultyFileStream? stream = null;
        using (var log = UpdateLog.Open(dir, path => stream = new FaultyFileStream(path), out _))
        {
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "1" });
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "failed" });
            stream!.FailNextCut = true;
            Assert.ThrowsExactly<IOException>(log.RetractLast);
        }
        UpdateLog.Open(dir, out var recovered).Dispose();
        CollectionAssert.AreEqual(new[] { "1" }, recovered.Select(r => r.ItemId).ToArray());
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void Append_FlushAndTheCutAfterItFail_DisposeMakesTheCutSoTheRecordIsNotReplayed()
    {
        // The record was written whole but its flush failed (the caller was told the append failed), and cutting it off
        // failed too: closing the log left it in the file for a restart to replay.
        var dir = TestPaths.TempDir();
        FaultyFileStream? stream = null;
        using (var log = UpdateLog.Open(dir, path => stream = new FaultyFileStream(path), out _))
        {
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "1" });
            stream!.FailNextFlush = true;
            stream.FailNextCut = true;
            Assert.ThrowsExactly<IOException>(() => log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "failed" }));
        }
        UpdateLog.Open(dir, out var recovered).Dispose();
        CollectionAssert.AreEqual(new[] { "1" }, recovered.Select(r => r.ItemId).ToArray());
        Directory.Delete(dir, true);
    }

    // Fails one change of the file's length, and one flush to disk, when armed, as a truncation or fsync fails on an I/O error.
    private sealed class FaultyFileStream(string path)
        : FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 0)
    {
        public bool FailNextCut { get; set; }

        public bool FailNextFlush { get; set; }

        public override void Flush(bool flushToDisk)
        {
            if (FailNextFlush)
            {
                FailNextFlush = false;
                throw new IOException("Input/output error");
            }
            base.Flush(flushToDisk);
        }

        public bool FailDispose { get; set; }

        public override void SetLength(long value)
        {
            if (FailNextCut)
            {
                FailNextCut = false;
                throw new IOException("Input/output error");
            }
            base.SetLength(value);
        }

        // Closed, then failing as a close whose last write-back fails does.
        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing && FailDispose)
            {
                FailDispose = false;
                throw new IOException("Input/output error");
            }
        }
    }

    [TestMethod]
    public void RetractLast_NoRecordSinceOpenSnapshotOrRetraction_ThrowsAndKeepsTheLog()
    {
        var dir = TestPaths.TempDir();
        using (var log = UpdateLog.Open(dir, out _))
        {
            Assert.ThrowsExactly<InvalidOperationException>(log.RetractLast, "nothing appended since open");
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "a" });
            log.WriteSnapshot(new[] { new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "snap" } });
            Assert.ThrowsExactly<InvalidOperationException>(log.RetractLast, "the snapshot holds the record now");
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "b" });
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "c" });
            log.RetractLast();
            Assert.ThrowsExactly<InvalidOperationException>(log.RetractLast, "only the latest record can be taken back");
        }
        UpdateLog.Open(dir, out var recovered).Dispose();
        CollectionAssert.AreEqual(new[] { "snap", "b" }, recovered.Select(r => r.ItemId).ToArray());
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void Open_CorruptMiddleLine_ThrowsNamingLine()
    {
        var dir = TestPaths.TempDir();
        File.WriteAllText(Path.Combine(dir, UpdateLog.LogFile), "{\"op\":\"remove-item\",\"itemId\":\"1\"}\nnot json\n{\"op\":\"remove-item\",\"itemId\":\"2\"}\n");
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => UpdateLog.Open(dir, out _));
        StringAssert.Contains(ex.Message, "line 2 is not a valid update record");
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void WriteSnapshot_ThenReopen_SnapshotFirstThenNewLogRecords()
    {
        var dir = TestPaths.TempDir();
        using (var log = UpdateLog.Open(dir, out _))
        {
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "a" });
            log.WriteSnapshot(new[] { new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "snap" } });
            Assert.AreEqual(0, log.RecordsSinceSnapshot);
            log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "b" });
        }
        UpdateLog.Open(dir, out var recovered).Dispose();
        CollectionAssert.AreEqual(new[] { "snap", "b" }, recovered.Select(r => r.ItemId).ToArray());
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void Dispose_ClosingTheLogFails_FolderLockIsStillReleased()
    {
        // The log's close threw and the folder's lock file stayed open: the folder could not be opened again in this process
        // ("used by another engine") until it exited.
        var dir = TestPaths.TempDir();
        var log = UpdateLog.Open(dir, path => new FaultyFileStream(path) { FailDispose = true }, out _);
        log.Append(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = "1" });
        Assert.ThrowsExactly<IOException>(log.Dispose);
        using (var again = UpdateLog.Open(dir, out var recovered))
            Assert.HasCount(1, recovered);
        Directory.Delete(dir, true);
    }
}
