using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Retrieval.Candidates;
using TwoTower.Serving.Hosting;

namespace TwoTower.Serving.Tests;

/// <summary>The candidate generator configuration file of the service (--config, TwoTower:GeneratorConfig) in JSON or YAML.</summary>
[TestClass]
public sealed class GeneratorConfigurationTests
{
    private static string Example(string extension) =>
        Path.Combine(TestPaths.RepositoryRoot, "src", "TwoTower.Serving", "Configuration", "candidate-generator.example" + extension);

    private static void AssertEqualOptions(CandidateGeneratorOptions expected, CandidateGeneratorOptions actual)
    {
        Assert.AreEqual(expected.Normalization, actual.Normalization);
        CollectionAssert.AreEqual(expected.Sources.ToArray(), actual.Sources.ToArray());
    }

    // The service loads models from files, so the fixture's model is saved where the test can point ModelPath at it.
    private static string SaveModel(string dir)
    {
        var path = Path.Combine(dir, "model.zip");
        var loaded = ServingFixture.Model(users: 20, items: 30);
        ModelFile.Save(path, loaded.Model, loaded.Seen);
        return path;
    }

    [TestMethod]
    public void ExampleFiles_JsonAndYaml_SameOptions()
    {
        var json = CandidateGeneratorOptions.Load(Example(".json"));
        AssertEqualOptions(json, CandidateGeneratorOptions.Load(Example(".yaml")));
        var expected = new[] { new SourceQuota("twotower", 100), new SourceQuota("itemknn", 50), new SourceQuota("popularity", 20, 0.3f) };
        CollectionAssert.AreEqual(expected, json.Sources.ToArray());
        Assert.AreEqual(ScoreNormalization.MinMax, json.Normalization);
    }

    [TestMethod]
    public void CreateEngine_NoModelPath_SaysWhereToGiveIt()
    {
        // The message named a configuration key (TwoTower:ModelPath) that nothing reads.
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ServingApp.CreateEngine(new ServingOptions()));
        StringAssert.Contains(ex.Message, "A model file is needed: ServingOptions.ModelPath (twotower serve --model).");
    }

    [TestMethod]
    public void CreateEngine_YamlGeneratorConfig_EngineRunsThatPlan()
    {
        var dir = TestPaths.TempDir();
        try
        {
            var config = Path.Combine(dir, "generator.yml");
            File.WriteAllText(config, "sources:\n  - {source: popularity, quota: 3, weight: 0.25}\n  - {source: mf, quota: 7}\nnormalization: Rank\n");
            using var engine = ServingApp.CreateEngine(new ServingOptions { ModelPath = SaveModel(dir), GeneratorConfig = config });
            CollectionAssert.AreEqual(new[] { "popularity", "mf" }, engine.Generator.SourceNames.ToArray());
            AssertEqualOptions(
                new CandidateGeneratorOptions { Sources = new[] { new SourceQuota("popularity", 3, 0.25f), new SourceQuota("mf", 7) }, Normalization = ScoreNormalization.Rank },
                engine.Generator.Options);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void CreateEngine_YamlNamingAbsentSource_ThrowsNamingSourceAndAvailableOnes()
    {
        var dir = TestPaths.TempDir();
        try
        {
            var config = Path.Combine(dir, "generator.yaml");
            File.WriteAllText(config, "sources: [{source: twotower, quota: 10}]\n");
            var ex = Assert.ThrowsExactly<ArgumentException>(() => ServingApp.CreateEngine(new ServingOptions { ModelPath = SaveModel(dir), GeneratorConfig = config }));
            StringAssert.Contains(ex.Message, "Source 'twotower' is not available; expected one of: ");
            StringAssert.Contains(ex.Message, "mf");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void CreateEngine_ConfigWithUnknownExtension_ThrowsNamingIt()
    {
        var dir = TestPaths.TempDir();
        try
        {
            var config = Path.Combine(dir, "generator.conf");
            File.WriteAllText(config, "{}");
            var ex = Assert.ThrowsExactly<ArgumentException>(() => ServingApp.CreateEngine(new ServingOptions { ModelPath = SaveModel(dir), GeneratorConfig = config }));
            StringAssert.Contains(ex.Message, $"'{config}' has the extension '.conf'; expected .json, .yaml or .yml");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
