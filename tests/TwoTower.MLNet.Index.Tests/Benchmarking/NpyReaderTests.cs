using System.Runtime.InteropServices;
using System.Text;
using TwoTower.MLNet.Index.Benchmarking;

namespace TwoTower.MLNet.Index.Tests.Benchmarking;

[TestClass]
public sealed class NpyReaderTests
{
    // A .npy file as numpy.save writes it (version 1, header padded to 64 bytes), with the header dictionary given whole.
    private static string Write(string header, byte[] data, byte version = 1)
    {
        var path = Path.Combine(TestPaths.TempDir(), "a.npy");
        var preamble = version == 1 ? 10 : 12;
        header = header.PadRight(((preamble + header.Length + 1 + 63) / 64 * 64) - preamble - 1) + "\n";
        using var f = File.Create(path);
        f.Write([0x93, .. "NUMPY"u8, version, 0]);
        if (version == 1) f.Write(BitConverter.GetBytes((ushort)header.Length));
        else f.Write(BitConverter.GetBytes((uint)header.Length));
        f.Write(Encoding.ASCII.GetBytes(header));
        f.Write(data);
        return path;
    }

    private static string Header(string descr, string shape, bool fortran = false) =>
        $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': ({shape}), }}";

    private static byte[] Bytes<T>(params T[] v) where T : unmanaged => MemoryMarshal.AsBytes(v.AsSpan()).ToArray();

    private static string Fails(Func<object> read)
    {
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => read());
        return ex.Message;
    }

    [TestMethod]
    [DataRow("<f4")]
    [DataRow("<f8")]
    public void ReadFloatMatrix_Float32OrFloat64_ReturnsFloat32RowMajor(string descr)
    {
        var data = descr == "<f4" ? Bytes(1f, 2f, 3f, 4f, 5f, 6f) : Bytes(1.0, 2.0, 3.0, 4.0, 5.0, 6.0);
        var (values, rows, columns) = NpyReader.ReadFloatMatrix(Write(Header(descr, "2, 3"), data));
        Assert.AreEqual((2, 3), (rows, columns));
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6 }, values);
    }

    [TestMethod]
    public void Read_Version2And3Headers_Read()
    {
        Assert.AreEqual(2, NpyReader.ReadFloat32(Write(Header("<f4", "2,"), Bytes(1f, 2f), version: 2)).Rows);
        Assert.AreEqual(2, NpyReader.ReadFloat32(Write(Header("<f4", "2,"), Bytes(1f, 2f), version: 3)).Rows);
        StringAssert.Contains(Fails(() => NpyReader.ReadFloat32(Write(Header("<f4", "2,"), Bytes(1f, 2f), version: 4))), "format version 4 is not supported");
    }

    [TestMethod]
    public void ReadFloatMatrix_OneDimensional_RefusedNamingTheShape()
    {
        var path = Write(Header("<f4", "3,"), Bytes(1f, 2f, 3f));
        var message = Fails(() => NpyReader.ReadFloatMatrix(path));
        StringAssert.Contains(message, path);
        StringAssert.Contains(message, "expected a 2-D matrix");
        // The vector readers take 1-D arrays as one column.
        Assert.AreEqual((3, 1), (NpyReader.ReadFloat32(path).Rows, NpyReader.ReadFloat32(path).Columns));
    }

    [TestMethod]
    public void Read_UnsupportedDtype_NamesTheDtype()
    {
        // Found by an audit: a dtype outside one letter and one digit ('<U10') was reported as an unparsable header.
        var path = Write(Header("<U10", "1, 1"), new byte[40]);
        StringAssert.Contains(Fails(() => NpyReader.ReadFloat32(path)), "holds dtype '<U10'; expected float32");
        StringAssert.Contains(Fails(() => NpyReader.ReadFloatMatrix(Write(Header("<i8", "1, 1"), Bytes(1L)))), "expected float32 ('<f4') or float64 ('<f8')");
        StringAssert.Contains(Fails(() => NpyReader.ReadInt64(Write(Header(">i8", "1, 1"), Bytes(1L)))), "holds dtype '>i8'");
    }

    [TestMethod]
    public void Read_FortranOrder_Refused()
    {
        StringAssert.Contains(Fails(() => NpyReader.ReadFloatMatrix(Write(Header("<f4", "2, 2", fortran: true), Bytes(1f, 2f, 3f, 4f)))), "Fortran-ordered");
        // The key is found however the dictionary is spaced.
        var compact = "{'descr':'<f4','fortran_order':True,'shape':(2, 2),}";
        StringAssert.Contains(Fails(() => NpyReader.ReadFloat32(Write(compact, Bytes(1f, 2f, 3f, 4f)))), "Fortran-ordered");
    }

    [TestMethod]
    public void Read_HeaderCutShort_InvalidDataNamingTheFile()
    {
        // Found by an audit: the vector reader failed with "Index and count must refer to a location within the buffer" (no file named).
        var path = Write(Header("<f4", "2, 2"), Bytes(1f, 2f, 3f, 4f));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..40]);
        var message = Fails(() => NpyReader.ReadFloat32(path));
        StringAssert.Contains(message, path);
        StringAssert.Contains(message, "truncated");
        StringAssert.Contains(Fails(() => NpyReader.ReadFloatMatrix(path)), "truncated");
    }

    [TestMethod]
    public void Read_DataCutShortOrLonger_InvalidData()
    {
        StringAssert.Contains(Fails(() => NpyReader.ReadFloat32(Write(Header("<f4", "2, 2"), Bytes(1f, 2f, 3f)))), "truncated: 12 data bytes");
        // numpy.save writes nothing after the data: a longer file has a header that does not describe it.
        StringAssert.Contains(Fails(() => NpyReader.ReadInt64(Write(Header("<i8", "2,"), Bytes(1L, 2L, 3L)))), "8 bytes after the data");
    }

    [TestMethod]
    public void Read_MissingHeaderKey_SaysWhatIsExpected()
    {
        var message = Fails(() => NpyReader.ReadFloat32(Write("{'descr': '<f4', 'shape': (1,), }", Bytes(1f))));
        StringAssert.Contains(message, "cannot parse the .npy header");
        StringAssert.Contains(message, "'fortran_order'");
    }
}
