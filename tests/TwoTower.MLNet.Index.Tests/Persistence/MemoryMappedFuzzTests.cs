using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using TwoTower.MLNet.Index.Persistence;
using static TwoTower.MLNet.Index.Tests.Persistence.PersistenceTestIndexes;

namespace TwoTower.MLNet.Index.Tests.Persistence;

/// <summary>Any single flipped byte, opened lazily (mapped, no checksum): the load and a search either work or fail with <see cref="InvalidDataException"/>.</summary>
[TestClass]
public sealed class MemoryMappedFuzzTests
{
    private static readonly IndexLoadOptions Lazy = new() { MemoryMap = true, VerifyChecksum = false };

    [TestMethod]
    [DataRow("Flat")]
    [DataRow("HNSW")]
    [DataRow("IVFFlat")]
    [DataRow("IVFPQ")]
    public void LoadLazyThenSearch_AnySingleFlippedByte_WorksOrInvalidData(string kind)
    {
        var dir = TestPaths.TempDir();
        try
        {
            using (var index = Build(kind, n: 300)) index.Save(Path.Combine(dir, "good.ttvx"));
            var good = File.ReadAllBytes(Path.Combine(dir, "good.ttvx"));
            var q = Queries(3);
            var path = Path.Combine(dir, "bad.ttvx");
            var outcomes = new Dictionary<string, int>();
            var property = Prop.ForAll(Arb.From(Gen.Choose(0, good.Length - 33)), Arb.From(Gen.Choose(1, 255)), (at, mask) =>
            {
                var bad = (byte[])good.Clone();
                bad[at] ^= (byte)mask;
                File.WriteAllBytes(path, bad);
                string outcome;
                try
                {
                    using var index = VectorIndex.Load(path, Lazy);
                    index.Search(q, 5);
                    outcome = "loaded and searched";
                }
                catch (InvalidDataException) { outcome = "invalid data"; }
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                return true.Label($"byte {at} ^= {mask}");
            });
            Check.One(Config.QuickThrowOnFailure.WithMaxTest(300)
                .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(20261123UL, 2UL * (ulong)kind.Length + 1), FSharpOption<int>.None))), property);
            Assert.IsGreaterThan(0, outcomes.GetValueOrDefault("invalid data"), "some flips hit structure");
            Assert.IsGreaterThan(0, outcomes.GetValueOrDefault("loaded and searched"), "some flips hit only values");
        }
        finally { Directory.Delete(dir, true); }
    }
}
