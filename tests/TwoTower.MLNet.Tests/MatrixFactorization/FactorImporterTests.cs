using System.Text;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.MatrixFactorization;

namespace TwoTower.MLNet.Tests.MatrixFactorization;

[TestClass]
public sealed class FactorImporterTests
{
    private readonly List<string> _files = new();

    [TestCleanup]
    public void Cleanup()
    {
        foreach (var f in _files) File.Delete(f);
    }

    private string Write(string text, string ext = ".csv")
    {
        var p = MfTestData.TempPath(ext);
        File.WriteAllText(p, text);
        _files.Add(p);
        return p;
    }

    private string WriteNpy(float[] values, int rows, int cols, string descr = "<f4", string? shape = null)
    {
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({shape ?? $"{rows}, {cols}"}), }}";
        var total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        using var ms = new MemoryStream();
        ms.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
        ms.Write(BitConverter.GetBytes((ushort)header.Length));
        ms.Write(Encoding.ASCII.GetBytes(header));
        foreach (var v in values)
            if (descr == "<f4") ms.Write(BitConverter.GetBytes(v)); else ms.Write(BitConverter.GetBytes((double)v));
        var p = MfTestData.TempPath(".npy");
        File.WriteAllBytes(p, ms.ToArray());
        _files.Add(p);
        return p;
    }

    [TestMethod]
    public void FromCsv_WithHeader_ScoresAreDotProducts()
    {
        var u = Write("id,f0,f1\n7,1,2\n9,0.5,-1\n");
        var i = Write("item,f0,f1\nA,1,0\nB,2,3\n");
        var m = FactorImporter.FromCsv(u, i);
        Assert.AreEqual(2, m.Factors);
        var s = new float[2];
        m.Score(new[] { m.Users.GetKey("7") }, s);
        CollectionAssert.AreEqual(new float[] { 1, 8 }, s);
    }

    [TestMethod]
    public void FromCsv_TargetMaps_PlacesRowsByRawId()
    {
        var users = new IdMap("user", new[] { "9", "7" });
        var items = new IdMap("item", new[] { "B", "A" });
        var m = FactorImporter.FromCsv(Write("7,1,2\n9,3,4\n"), Write("A,1,0\nB,0,1\n"), users, items);
        Assert.AreSame(users, m.Users);
        CollectionAssert.AreEqual(new float[] { 3, 4, 1, 2 }, m.UserFactors.ToArray());
        CollectionAssert.AreEqual(new float[] { 0, 1, 1, 0 }, m.ItemFactors.ToArray());
    }

    [TestMethod]
    [DataRow(ColdUserStrategy.MeanUser)]
    [DataRow(ColdUserStrategy.Zero)]
    public void FromCsv_MapUserMissingFromFile_ScoresLikeAnUnknownUser(ColdUserStrategy cold)
    {
        // Found by an audit: a training user without a row got zero factors and scored every item 0 (recommendations in key
        // order), while an unknown user got the mean user; the mean itself was pulled towards 0 by those rows.
        var users = new IdMap("user", new[] { "9", "8", "7" });
        var items = new IdMap("item", new[] { "B", "A", "C" });
        var m = FactorImporter.FromCsv(Write("7,1,2\n9,3,4\n"), Write("A,1,0\nB,0,1\n"), users, items, coldUser: cold);
        var missing = new float[3];
        var unknown = new float[3];
        m.Score([1], missing);
        m.Score([-1], unknown);
        CollectionAssert.AreEqual(unknown, missing);
        CollectionAssert.AreEqual(cold == ColdUserStrategy.MeanUser ? new float[] { 3, 2, 0 } : new float[3], unknown);
        // An item without a row has no cold-start answer: zero factors.
        CollectionAssert.AreEqual(new float[] { 0, 0 }, m.ItemFactors.ToArray()[4..]);
    }

    [TestMethod]
    public void FromCsv_RaggedRow_ThrowsFormatNamingLine()
    {
        var ex = Assert.ThrowsExactly<FormatException>(() => FactorImporter.FromCsv(Write("a,1,2\nb,1\n"), Write("x,1,2\n")));
        StringAssert.Contains(ex.Message, "line 2");
        StringAssert.Contains(ex.Message, "ragged");
    }

    [TestMethod]
    public void FromCsv_NaN_ThrowsFormatNamingValue()
    {
        var ex = Assert.ThrowsExactly<FormatException>(() => FactorImporter.FromCsv(Write("a,1,2\n"), Write("x,1,NaN\n")));
        StringAssert.Contains(ex.Message, "NaN");
        StringAssert.Contains(ex.Message, "line 1");
    }

    [TestMethod]
    public void FromCsv_DimensionMismatch_ThrowsFormat()
    {
        var ex = Assert.ThrowsExactly<FormatException>(() => FactorImporter.FromCsv(Write("a,1,2\n"), Write("x,1,2,3\n")));
        StringAssert.Contains(ex.Message, "2 factors");
        StringAssert.Contains(ex.Message, "3");
    }

    [TestMethod]
    public void FromCsv_UnknownIdForTargetMap_ThrowsFormatNamingId()
    {
        var users = new IdMap("user", new[] { "a" });
        var ex = Assert.ThrowsExactly<FormatException>(() => FactorImporter.FromCsv(Write("a,1\nzz,2\n"), Write("x,1\n"), users));
        StringAssert.Contains(ex.Message, "'zz'");
    }

    [TestMethod]
    public void FromCsv_DuplicateId_ThrowsFormat()
    {
        var ex = Assert.ThrowsExactly<FormatException>(() => FactorImporter.FromCsv(Write("a,1\na,2\n"), Write("x,1\n")));
        StringAssert.Contains(ex.Message, "'a'");
    }

    [TestMethod]
    [DataRow("<f4")]
    [DataRow("<f8")]
    public void FromNpy_Float32AndFloat64_RoundTripValues(string descr)
    {
        var u = WriteNpy(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3, descr);
        var i = WriteNpy(new float[] { 0.5f, 0, 1 }, 1, 3, descr);
        var m = FactorImporter.FromNpy(u, Write("u1\nu2\n", ".txt"), i, Write("i1\n", ".txt"));
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6 }, m.UserFactors.ToArray());
        Assert.AreEqual(3.5f, m.Predict(0, 0));
    }

    [TestMethod]
    public void FromNpy_NaN_ThrowsFormatNamingRowAndId()
    {
        var u = WriteNpy(new float[] { 1, 2, float.NaN, 4 }, 2, 2);
        var i = WriteNpy(new float[] { 1, 1 }, 1, 2);
        var ex = Assert.ThrowsExactly<FormatException>(() => FactorImporter.FromNpy(u, Write("p\nq\n", ".txt"), i, Write("x\n", ".txt")));
        StringAssert.Contains(ex.Message, "row 2");
        StringAssert.Contains(ex.Message, "'q'");
    }

    [TestMethod]
    public void FromNpy_IdCountMismatch_ThrowsFormat()
    {
        var u = WriteNpy(new float[] { 1, 2 }, 2, 1);
        var i = WriteNpy(new float[] { 1 }, 1, 1);
        var ex = Assert.ThrowsExactly<FormatException>(() => FactorImporter.FromNpy(u, Write("p\n", ".txt"), i, Write("x\n", ".txt")));
        StringAssert.Contains(ex.Message, "1 ids");
    }

    [TestMethod]
    public void FromNpy_NotNpy_ThrowsInvalidDataNamingTheFile()
    {
        // The .npy reader is shared with the index tools: bad file content is an InvalidDataException there and here.
        var bad = Write("hello world, not numpy", ".npy");
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => FactorImporter.FromNpy(bad, Write("p\n", ".txt"), bad, Write("x\n", ".txt")));
        StringAssert.Contains(ex.Message, "magic");
        StringAssert.Contains(ex.Message, bad);
    }

    [TestMethod]
    [DataRow("2x, 3")]
    [DataRow("3000000000, 3")]
    [DataRow("-2, 3")]
    public void FromNpy_ShapeNotRowsAndColumnsInRange_ThrowsInvalidDataNamingFileAndShape(string shape)
    {
        // "2x" gave a bare FormatException without the file, 3000000000 an OverflowException.
        var u = WriteNpy(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3, shape: shape);
        var i = WriteNpy(new float[] { 1, 2, 3 }, 1, 3);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => FactorImporter.FromNpy(u, Write("p\nq\n", ".txt"), i, Write("x\n", ".txt")));
        StringAssert.Contains(ex.Message, u);
        StringAssert.Contains(ex.Message, $"({shape})");
    }

    [TestMethod]
    [DataRow("<i8", "3, 1", "expected float32 ('<f4') or float64 ('<f8')")]
    [DataRow("<f4", "3,", "expected a 2-D matrix")]
    [DataRow("<f4", "2, 2", "truncated")]
    public void FromNpy_WrongDtypeRankOrSize_ThrowsInvalidDataNamingTheFile(string descr, string shape, string why)
    {
        var u = WriteNpy(new float[] { 1, 2, 3 }, 3, 1, descr == "<i8" ? "<f8" : descr, shape);
        if (descr == "<i8") File.WriteAllBytes(u, Relabel(File.ReadAllBytes(u), "<f8", "<i8"));
        var i = WriteNpy(new float[] { 1 }, 1, 1);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => FactorImporter.FromNpy(u, Write("p\nq\nr\n", ".txt"), i, Write("x\n", ".txt")));
        StringAssert.Contains(ex.Message, u);
        StringAssert.Contains(ex.Message, why);
    }

    // Rewrites the dtype in a .npy header (same length, so the data offset stays).
    private static byte[] Relabel(byte[] npy, string from, string to)
    {
        var text = Encoding.Latin1.GetString(npy);
        return Encoding.Latin1.GetBytes(text.Replace($"'{from}'", $"'{to}'"));
    }

    [TestMethod]
    public void FromNpy_Python2LongShape_ReadLikeNumPyDoes()
    {
        // NumPy files written under Python 2 spell the shape (2L, 3L); numpy.load strips the L.
        var u = WriteNpy(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3, shape: "2L, 3L");
        var i = WriteNpy(new float[] { 0.5f, 0, 1 }, 1, 3);
        var m = FactorImporter.FromNpy(u, Write("u1\nu2\n", ".txt"), i, Write("i1\n", ".txt"));
        Assert.AreEqual(3, m.Factors);
    }
}
