using TwoTower.MLNet.Retrieval.Candidates;

namespace TwoTower.MLNet.Tests.Retrieval;

[TestClass]
public sealed class CandidateGeneratorOptionsTests
{
    [TestMethod]
    public void FromJson_FullConfig_ParsesEveryField()
    {
        var o = CandidateGeneratorOptions.FromJson("""
            // comments are allowed
            {"sources":[{"source":"twotower","quota":100},{"source":"popularity","quota":20,"weight":0.5}],"normalization":"Rank"}
            """);
        Assert.AreEqual(ScoreNormalization.Rank, o.Normalization);
        Assert.HasCount(2, o.Sources);
        Assert.AreEqual(new SourceQuota("popularity", 20, 0.5f), o.Sources[1]);
        Assert.AreEqual(1f, o.Sources[0].Weight);
    }

    [TestMethod]
    public void Load_FileRoundTrip_SameOptions()
    {
        var dir = TestPaths.TempDir();
        var path = Path.Combine(dir, "gen.json");
        var o = new CandidateGeneratorOptions { Sources = new[] { new SourceQuota("mf", 7, 2f), new SourceQuota("itemknn", 3) }, Normalization = ScoreNormalization.None };
        File.WriteAllText(path, o.ToJson());
        var back = CandidateGeneratorOptions.Load(path);
        Assert.AreEqual(o.Normalization, back.Normalization);
        CollectionAssert.AreEqual(o.Sources.ToArray(), back.Sources.ToArray());
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void FromJson_UnknownMember_ThrowsNamingIt()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromJson("""{"sourcez":[]}"""));
        StringAssert.Contains(ex.Message, "sourcez");
    }

    [TestMethod]
    public void Load_MissingFile_ThrowsNamingPath()
    {
        var ex = Assert.ThrowsExactly<FileNotFoundException>(() => CandidateGeneratorOptions.Load("/nonexistent/gen.json"));
        StringAssert.Contains(ex.Message, "/nonexistent/gen.json");
    }

    [TestMethod]
    public void Validate_DuplicateSource_Throws()
    {
        var o = new CandidateGeneratorOptions { Sources = new[] { new SourceQuota("mf", 1), new SourceQuota("mf", 2) } };
        var ex = Assert.ThrowsExactly<ArgumentException>(() => o.Validate(new[] { "mf" }));
        StringAssert.Contains(ex.Message, "Source 'mf' is listed twice");
    }

    [TestMethod]
    public void Validate_NegativeWeight_Throws()
    {
        var o = new CandidateGeneratorOptions { Sources = new[] { new SourceQuota("mf", 1, -1f) } };
        var ex = Assert.ThrowsExactly<ArgumentException>(() => o.Validate(new[] { "mf" }));
        StringAssert.Contains(ex.Message, "weight -1 must be a finite number > 0");
    }

    [TestMethod]
    public void Validate_SubnormalWeight_ThrowsInsteadOfFailingEveryColdStartRequest()
    {
        var o = new CandidateGeneratorOptions { Sources = new[] { new SourceQuota("mf", 1), new SourceQuota("popularity", 1, 1e-39f) } };
        var ex = Assert.ThrowsExactly<ArgumentException>(() => o.Validate(new[] { "mf", "popularity" }));
        StringAssert.Contains(ex.Message, "Source 'popularity': weight 1E-39 is too small; it must be at least 1.18E-38");
        // The smallest accepted weight blends without overflow.
        var blend = new global::TwoTower.MLNet.ColdStart.ColdStartOptions().BlendFor(0, new[] { new SourceQuota("popularity", 1, 1.18e-38f) })!;
        Assert.IsTrue(float.IsFinite(blend["popularity"]));
    }
}
