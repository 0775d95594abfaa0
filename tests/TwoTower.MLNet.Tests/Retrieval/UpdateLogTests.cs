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
}
