using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TwoTower.MLNet.Onnx.Recommending;

namespace TwoTower.MLNet.Onnx.Tests.Recommending;

/// <summary>The string-in, string-out recommend and lookup graphs, run by ONNX Runtime against hand-computed answers and brute force.</summary>
[TestClass]
public sealed class OnnxRecommenderGraphTests
{
    // Users a = [1,0], b = [0,1], unknown = [1,0.9]; items x = [2,0], y = [1,1], z = [0,3].
    private static OnnxRecommenderSpec Small(int k, int[]? ptr = null, int[]? seen = null) => new()
    {
        UserIds = ["a", "b"], UserVectors = [1, 0, 0, 1], ColdUserVector = [1, 0.9f],
        ItemIds = ["x", "y", "z"], ItemVectors = [2, 0, 1, 1, 0, 3], Dimension = 2, K = k,
        SeenPointers = ptr, SeenItems = seen,
    };

    private static (string[][] Ids, float[][] Scores) Run(OnnxRecommenderSpec spec, params string[] users)
    {
        using var session = new InferenceSession(OnnxRecommenderExporter.ToBytes(spec));
        using var input = OrtValue.CreateFromStringTensor(new DenseTensor<string>(users, [users.Length, 1]));
        using var outputs = session.Run(new RunOptions(), [spec.UserIdInputName], [input], [spec.ItemIdsOutputName, spec.ScoresOutputName]);
        var ids = outputs[0].GetStringTensorAsArray();
        var scores = outputs[1].GetTensorDataAsSpan<float>().ToArray();
        return (Enumerable.Range(0, users.Length).Select(r => ids.Skip(r * spec.K).Take(spec.K).ToArray()).ToArray(),
                Enumerable.Range(0, users.Length).Select(r => scores.Skip(r * spec.K).Take(spec.K).ToArray()).ToArray());
    }

    [TestMethod]
    public void Recommend_HandComputed_TopTwoPerUserAndColdStart()
    {
        var (ids, scores) = Run(Small(2), "a", "b", "nobody");
        CollectionAssert.AreEqual(new[] { "x", "y" }, ids[0]);
        CollectionAssert.AreEqual(new[] { 2f, 1f }, scores[0]);
        CollectionAssert.AreEqual(new[] { "z", "y" }, ids[1]);
        CollectionAssert.AreEqual(new[] { 3f, 1f }, scores[1]);
        CollectionAssert.AreEqual(new[] { "z", "x" }, ids[2]);
        Assert.AreEqual(2.7f, scores[2][0], 1e-6f);
        Assert.AreEqual(2f, scores[2][1], 1e-6f);
    }

    [TestMethod]
    public void Recommend_ExcludeSeen_DropsSeenItemsAndPadsWithNegativeInfinity()
    {
        // a saw x and y; b saw nothing.
        var (ids, scores) = Run(Small(2, ptr: [0, 2, 2], seen: [0, 1]), "a", "b", "nobody");
        Assert.AreEqual("z", ids[0][0]);
        Assert.AreEqual(0f, scores[0][0]);
        Assert.AreEqual(float.NegativeInfinity, scores[0][1]);
        CollectionAssert.AreEqual(new[] { "z", "y" }, ids[1]);
        CollectionAssert.AreEqual(new[] { "z", "x" }, ids[2]); // unknown users have no history
    }

    [TestMethod]
    public void Recommend_RandomModels_EqualBruteForce()
    {
        var rng = new Random(17);
        for (var trial = 0; trial < 5; trial++)
        {
            int users = rng.Next(1, 20), items = rng.Next(5, 60), d = rng.Next(1, 9), k = rng.Next(1, 5);
            float[] R(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var userVectors = R(users * d);
            var itemVectors = R(items * d);
            var ptr = new int[users + 1];
            var seen = new List<int>();
            for (var u = 0; u < users; u++)
            {
                seen.AddRange(Enumerable.Range(0, items).Where(_ => rng.NextDouble() < 0.2));
                ptr[u + 1] = seen.Count;
            }
            var spec = new OnnxRecommenderSpec
            {
                UserIds = Enumerable.Range(0, users).Select(u => "u" + u).ToArray(), UserVectors = userVectors, ColdUserVector = R(d),
                ItemIds = Enumerable.Range(0, items).Select(i => "i" + i).ToArray(), ItemVectors = itemVectors, Dimension = d, K = k,
                SeenPointers = ptr, SeenItems = seen.ToArray(),
            };
            var (ids, _) = Run(spec, spec.UserIds.ToArray());
            for (var u = 0; u < users; u++)
            {
                var excluded = seen.Skip(ptr[u]).Take(ptr[u + 1] - ptr[u]).ToHashSet();
                var expected = Enumerable.Range(0, items).Where(i => !excluded.Contains(i))
                    .OrderByDescending(i => Enumerable.Range(0, d).Sum(j => (double)userVectors[u * d + j] * itemVectors[i * d + j]))
                    .Take(k).Select(i => "i" + i).ToArray();
                CollectionAssert.AreEqual(expected, ids[u].Take(expected.Length).ToArray(), $"trial {trial} user {u}");
            }
        }
    }

    [TestMethod]
    public void Lookup_KnownAndUnknownIds_GiveTheirVectors()
    {
        var spec = new OnnxLookupSpec { Ids = ["a", "b"], Vectors = [1, 2, 3, 4], UnknownVector = [9, 9], Dimension = 2, InputName = "UserId", OutputName = "UserVector" };
        using var session = new InferenceSession(OnnxRecommenderExporter.ToBytes(spec));
        using var input = OrtValue.CreateFromStringTensor(new DenseTensor<string>(new[] { "b", "zzz", "a" }, [3, 1]));
        using var outputs = session.Run(new RunOptions(), ["UserId"], [input], ["UserVector"]);
        CollectionAssert.AreEqual(new float[] { 3, 4, 9, 9, 1, 2 }, outputs[0].GetTensorDataAsSpan<float>().ToArray());
    }

    [TestMethod]
    public void Validate_KAboveItems_NamesK()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Small(4).Validate());
        StringAssert.Contains(ex.Message, "K is 4; expected 1..ItemIds.Count (3).");
    }

    [TestMethod]
    public void Validate_PointersWithoutItems_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Small(1, ptr: [0, 0, 0]).Validate());
        StringAssert.Contains(ex.Message, "SeenPointers and SeenItems must be given together");
    }

    [TestMethod]
    public void Validate_SeenItemOutOfRange_NamesIndex()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Small(1, ptr: [0, 1, 1], seen: [3]).Validate());
        StringAssert.Contains(ex.Message, "SeenItems[0] is 3; expected an item row in [0, 3).");
    }
}
