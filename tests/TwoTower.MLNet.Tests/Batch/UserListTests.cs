using TwoTower.MLNet.Batch;
using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Tests.Batch;

[TestClass]
public sealed class UserListTests
{
    private static string File(string text)
    {
        var path = Path.Combine(TestPaths.TempDir(), "users.csv");
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    [TestMethod]
    public void Load_FindsTheUserColumnByNameOrAsTheOnlyColumn()
    {
        CollectionAssert.AreEqual(new[] { "7", "3", "7" }, UserList.Load(File("item_id,user_id\n1,7\n2,3\n5,7\n")).ToArray(), "repeats are kept; the scorer scores them once");
        CollectionAssert.AreEqual(new[] { "alice", "bob" }, UserList.Load(File("customer\nalice\n bob \n")).ToArray());
        CollectionAssert.AreEqual(new[] { "x" }, UserList.Load(File("a;who\n1;x\n"), "WHO").ToArray());
    }

    [TestMethod]
    public void Load_BadFiles_SayWhatIsWrongAndWhere()
    {
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => UserList.Load(File("a,b\n1,2\n"))).Message, "cannot tell the user id column from header [a, b]");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => UserList.Load(File("user_id\n"))).Message, "a header but no user rows");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => UserList.Load(File(""))).Message, "the file is empty");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => UserList.Load(File("user_id,x\n1,2\n ,3\n"))).Message, ":3: the user id is blank");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => UserList.Load(File("x,y\n1,2\n"), "user")).Message, "no column 'user' in header [x, y]");
        // A short row would read its user from the wrong field, a long one has an unquoted delimiter.
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => UserList.Load(File("item_id,user_id,rating\n1,7,5\n2,3\n"))).Message, ":3: expected 3 fields like the header, found 2");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => UserList.Load(File("user_id,name\n7,Smith, Jo\n"))).Message, ":2: expected 2 fields like the header, found 3");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => UserList.Load(File("user_id,name\n7,\"Smith\n"))).Message, ":2: unbalanced quotes");
        Assert.ThrowsExactly<FileNotFoundException>(() => UserList.Load(Path.Combine(TestPaths.TempDir(), "missing.csv")));
    }

    [TestMethod]
    public void Load_UnterminatedQuoteInTheHeader_ErrorNamesTheHeaderLine()
    {
        // Found by a review: 2f62b6f made movies.csv refuse such a header, as interaction files do; the user list kept the
        // header as split up to the quote and blamed the first row (":2: expected 1 fields like the header, found 2").
        var ex = Assert.ThrowsExactly<DataFormatException>(() => UserList.Load(File("user_id,\"note\n7,a\n")));
        StringAssert.Contains(ex.Message, ":1: unterminated quote in the header");
    }
}
