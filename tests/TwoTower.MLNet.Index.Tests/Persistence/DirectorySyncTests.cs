using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index.Tests.Persistence;

[TestClass]
public sealed class DirectorySyncTests
{
    [TestMethod]
    public void Flush_FolderWithARenamedFile_Succeeds()
    {
        var dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"dirsync-{Guid.NewGuid():N}")).FullName;
        File.WriteAllText(Path.Combine(dir, "a.tmp"), "x");
        File.Move(Path.Combine(dir, "a.tmp"), Path.Combine(dir, "a"));
        DirectorySync.Flush(dir);
        Directory.Delete(dir, recursive: true);
    }

    [TestMethod]
    public void Flush_MissingFolder_ThrowsNamingIt()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"dirsync-missing-{Guid.NewGuid():N}");
        var ex = Assert.ThrowsExactly<DirectoryNotFoundException>(() => DirectorySync.Flush(missing));
        StringAssert.Contains(ex.Message, missing);
    }

    [TestMethod]
    public void Flush_PathOfAFile_ThrowsSayingItIsNoFolder()
    {
        var file = Path.GetTempFileName();
        var ex = Assert.ThrowsExactly<IOException>(() => DirectorySync.Flush(file));
        StringAssert.Contains(ex.Message, "is a file");
        File.Delete(file);
    }
}
