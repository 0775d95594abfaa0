using TwoTower.MLNet.Index.Ivf;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index.Tests.Persistence;

/// <summary>Refused values in the quantizer fields of IVF payloads, read without the checksum pass (which would catch them first).</summary>
[TestClass]
public sealed class IvfPayloadCorruptionTests
{
    private const int D = 8;

    [TestMethod]
    [DataRow(IvfFlatIndex.Kind, "lists", 0, "list count 0")]
    [DataRow(IvfFlatIndex.Kind, "lists", -5, "list count -5")]
    [DataRow(IvfPqIndex.Kind, "lists", 0, "list count 0")]
    [DataRow(IvfPqIndex.Kind, "m", 3, "sub-quantizer count 3")]
    [DataRow(IvfPqIndex.Kind, "m", 0, "sub-quantizer count 0")]
    public void Load_RefusedQuantizerCount_InvalidDataNamingTheFieldAndValue(string kind, string field, int value, string expected)
    {
        // Found by an audit: these checks threw EndOfStreamException, which the loader reports as "payload shorter than its
        // header says", so the message named neither the field nor its value.
        const int lists = 4;
        var x = TestData.Gaussian(300, D, 7);
        using IVectorIndex index = kind == IvfFlatIndex.Kind
            ? new IvfFlatIndex(D, VectorMetric.L2, new IvfOptions { Lists = lists, BuildThreads = 1 })
            : new IvfPqIndex(D, VectorMetric.L2, new IvfOptions { Lists = lists, SubQuantizers = 4, BuildThreads = 1 });
        index.Train(x);
        index.Add(TestData.Ids(300), x);
        var dir = TestPaths.TempDir();
        try
        {
            var path = Path.Combine(dir, "ivf.ttvx");
            index.Save(path);
            var bytes = File.ReadAllBytes(path);
            // Payload: nprobe, seed, (IVF-PQ: refine flag, refine factor), list count, centroids, cell rule, (IVF-PQ: m, codebooks).
            var listsAt = PersistenceTestIndexes.PayloadStart(kind) + 4 + 4 + (kind == IvfPqIndex.Kind ? 1 + 4 : 0);
            var at = field == "lists" ? listsAt : listsAt + 4 + 4 * lists * D + 1;
            Assert.AreEqual(field == "lists" ? lists : 4, BitConverter.ToInt32(bytes, at), "the field's offset");
            BitConverter.GetBytes(value).CopyTo(bytes, at);
            File.WriteAllBytes(path, bytes);
            foreach (var map in new[] { false, true })
            {
                var message = Assert.ThrowsExactly<InvalidDataException>(() =>
                    VectorIndex.Load(path, new IndexLoadOptions { VerifyChecksum = false, MemoryMap = map }).Dispose()).Message;
                StringAssert.Contains(message, expected);
                StringAssert.Contains(message, path);
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
