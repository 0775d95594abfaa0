using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using TwoTower.MLNet.Retrieval.Candidates;
using TwoTower.MLNet.Retrieval.Configuration;

namespace TwoTower.MLNet.Tests.Retrieval;

/// <summary>YAML configuration of the candidate generator: same keys, checks and messages as JSON; the extension picks the format.</summary>
[TestClass]
public sealed partial class CandidateGeneratorOptionsYamlTests
{
    private const string Json = """{"sources":[{"source":"twotower","quota":100},{"source":"popularity","quota":20,"weight":0.5}],"normalization":"Rank"}""";

    private const string Yaml = """
        # candidate sources in priority order
        sources:
          - source: twotower
            quota: 100
          - {source: popularity, quota: 20, weight: 0.5}
        normalization: Rank
        """;

    private static readonly Config Replayed = Config.QuickThrowOnFailure.WithMaxTest(200)
        .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(20261123UL, 0x9E3779B97F4A7C15UL), FSharpOption<int>.None)));

    [GeneratedRegex(@" \(line \d+, column \d+\)")]
    private static partial Regex Location();

    private static void AssertEqualOptions(CandidateGeneratorOptions expected, CandidateGeneratorOptions actual)
    {
        Assert.AreEqual(expected.Normalization, actual.Normalization);
        CollectionAssert.AreEqual(expected.Sources.ToArray(), actual.Sources.ToArray());
    }

    [TestMethod]
    public void FromYaml_FullConfig_ParsesEveryField()
    {
        var o = CandidateGeneratorOptions.FromYaml(Yaml);
        Assert.AreEqual(ScoreNormalization.Rank, o.Normalization);
        Assert.HasCount(2, o.Sources);
        Assert.AreEqual(new SourceQuota("twotower", 100, 1f), o.Sources[0]);
        Assert.AreEqual(new SourceQuota("popularity", 20, 0.5f), o.Sources[1]);
    }

    [TestMethod]
    public void FromYaml_SameConfigurationAsJson_EqualOptions()
    {
        AssertEqualOptions(CandidateGeneratorOptions.FromJson(Json), CandidateGeneratorOptions.FromYaml(Yaml));
        // JSON is YAML too (flow style): the JSON text read as YAML gives the same options.
        AssertEqualOptions(CandidateGeneratorOptions.FromJson(Json), CandidateGeneratorOptions.FromYaml(Json));
    }

    [TestMethod]
    public void Load_JsonYamlAndYmlFilesOfOneConfiguration_EqualOptions()
    {
        var dir = TestPaths.TempDir();
        try
        {
            File.WriteAllText(Path.Combine(dir, "gen.json"), Json);
            File.WriteAllText(Path.Combine(dir, "gen.yaml"), Yaml);
            File.WriteAllText(Path.Combine(dir, "gen.YML"), Yaml);
            var fromJson = CandidateGeneratorOptions.Load(Path.Combine(dir, "gen.json"));
            AssertEqualOptions(fromJson, CandidateGeneratorOptions.Load(Path.Combine(dir, "gen.yaml")));
            AssertEqualOptions(fromJson, CandidateGeneratorOptions.Load(Path.Combine(dir, "gen.YML")));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void Load_YamlContentInJsonFile_ThrowsAsJson()
    {
        var dir = TestPaths.TempDir();
        try
        {
            var path = Path.Combine(dir, "gen.json");
            File.WriteAllText(path, Yaml);
            var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.Load(path));
            StringAssert.StartsWith(ex.Message, $"{path}: Invalid candidate generator configuration: not valid JSON:");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void Load_UnknownExtension_ThrowsNamingExtensionAndExpectedOnes()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.Load("gen.toml"));
        StringAssert.Contains(ex.Message, "'gen.toml' has the extension '.toml'; expected .json, .yaml or .yml");
        Assert.AreEqual("path", ex.ParamName);
    }

    [TestMethod]
    public void Load_MissingYamlFile_ThrowsNamingPath()
    {
        var path = Path.Combine(TestPaths.TempDir(), "absent.yaml");
        var ex = Assert.ThrowsExactly<FileNotFoundException>(() => CandidateGeneratorOptions.Load(path));
        Assert.AreEqual($"The candidate generator configuration file '{path}' does not exist.", ex.Message);
        Assert.AreEqual(path, ex.FileName);
    }

    [TestMethod]
    public void Load_InvalidYamlFile_MessageStartsWithPath()
    {
        var dir = TestPaths.TempDir();
        try
        {
            var path = Path.Combine(dir, "gen.yml");
            File.WriteAllText(path, "sources: []\nnormalisation: Rank\n");
            var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.Load(path));
            Assert.AreEqual(
                $"{path}: Invalid candidate generator configuration: unknown key 'normalisation' in (top level) (line 2, column 1); expected one of: sources, normalization. (Parameter 'path')",
                ex.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void FromYaml_UnknownNestedKey_ThrowsNamingKeyLineAndKnownKeys()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromYaml("sources:\n  - source: mf\n    quota: 3\n    wieght: 2\n"));
        StringAssert.Contains(ex.Message, "unknown key 'wieght' in sources[0] (line 4, column 5); expected one of: source, quota, weight.");
    }

    [TestMethod]
    public void FromYaml_TextForInteger_ThrowsNamingKeyValueAndExpectedType()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromYaml("sources:\n  - source: mf\n    quota: many\n"));
        StringAssert.Contains(ex.Message, "sources[0].quota = \"many\" (line 3, column 5) has the wrong type or value; expected an integer (Int32).");
    }

    [TestMethod]
    public void FromYaml_MissingQuota_ThrowsNamingTheMissingKey()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromYaml("sources:\n  - source: mf\n"));
        StringAssert.Contains(ex.Message, "sources[0] (line 2, column 5) lacks the required key 'quota'; expected an object with keys source, quota, weight.");
    }

    [TestMethod]
    public void FromJson_MissingSourceAndQuota_ThrowsNamingBoth()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromJson("""{"sources":[{"weight":2}]}"""));
        StringAssert.Contains(ex.Message, "sources[0] (line 1, column ");
        StringAssert.Contains(ex.Message, "lacks the required keys 'source', 'quota'");
    }

    [TestMethod]
    public void FromYaml_EmptySources_ThrowsExpectingList()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromYaml("sources:\nnormalization: Rank\n"));
        StringAssert.Contains(ex.Message, "sources = null (line 1, column 1) has the wrong type or value; expected a list.");
    }

    [TestMethod]
    public void FromYaml_QuotedNumber_IsTextAndRejectedLikeJson()
    {
        var yaml = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromYaml("sources: [{source: mf, quota: \"5\"}]"));
        StringAssert.Contains(yaml.Message, "sources[0].quota = \"5\"");
        StringAssert.Contains(yaml.Message, "expected an integer (Int32)");
    }

    [TestMethod]
    public void FromYaml_UnknownNormalization_ThrowsListingTheNames()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromYaml("sources: []\nnormalization: ZScore\n"));
        StringAssert.Contains(ex.Message, "normalization = \"ZScore\" (line 2, column 1) has the wrong type or value; expected one of None, MinMax, Rank.");
    }

    [TestMethod]
    public void FromJsonAndYaml_NumericNormalization_ThrowsListingTheNames()
    {
        // Numbers passed as undefined enum values (7), to fail only later when the generator was built.
        foreach (var parse in new Func<CandidateGeneratorOptions>[]
        {
            () => CandidateGeneratorOptions.FromJson("{\"sources\":[],\"normalization\":7}"),
            () => CandidateGeneratorOptions.FromJson("{\"sources\":[],\"normalization\":\"7\"}"),
            () => CandidateGeneratorOptions.FromYaml("sources: []\nnormalization: 7\n"),
            () => CandidateGeneratorOptions.FromJson("{\"sources\":[],\"normalization\":1}"),
        })
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => parse()).Message, "expected one of None, MinMax, Rank.");
    }

    [TestMethod]
    public void FromYaml_ScalarForList_ThrowsExpectingList()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromYaml("sources: twotower\n"));
        StringAssert.Contains(ex.Message, "sources = \"twotower\" (line 1, column 1) has the wrong type or value; expected a list.");
    }

    [TestMethod]
    public void FromYaml_InfiniteWeight_ThrowsExpectingNumber()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromYaml("sources: [{source: mf, quota: 1, weight: .inf}]"));
        StringAssert.Contains(ex.Message, "sources[0].weight = \".inf\"");
        StringAssert.Contains(ex.Message, "expected a number (Single)");
    }

    [TestMethod]
    public void FromYaml_TopLevelList_ThrowsExpectingObjectWithKeys()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromYaml("- twotower\n- popularity\n"));
        StringAssert.Contains(ex.Message, "expected an object with keys sources, normalization.");
    }

    [TestMethod]
    public void FromYaml_EmptyOrNullDocument_ThrowsExpectingObject()
    {
        foreach (var text in new[] { "", "# only a comment\n", "null", "~" })
        {
            var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromYaml(text), text);
            StringAssert.Contains(ex.Message, "expected an object of settings", text);
        }
    }

    [TestMethod]
    public void FromYaml_MalformedText_ThrowsWithLineAndColumn()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromYaml("sources: [{source: mf, quota: 1}\nnormalization: Rank\n"));
        Assert.AreEqual("Invalid candidate generator configuration: not valid YAML at line 2, column 1: the parser could not continue (an unclosed bracket or quote?). (Parameter 'yaml')", ex.Message);
    }

    [TestMethod]
    public void FromYaml_BadIndentation_ThrowsWithParserMessageAndLine()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromYaml("sources:\n  - source: mf\n   quota: 1\n"));
        StringAssert.StartsWith(ex.Message, "Invalid candidate generator configuration: not valid YAML at line 3, column ");
    }

    [TestMethod]
    public void FromJson_Malformed_ThrowsWithReaderLine()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromJson("{\n\"sources\": [}"));
        StringAssert.StartsWith(ex.Message, "Invalid candidate generator configuration: not valid JSON: ");
        StringAssert.Contains(ex.Message, "LineNumber: 1");
    }

    [TestMethod]
    public void FromYaml_DuplicateKey_ThrowsNamingIt()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromYaml("normalization: Rank\nnormalization: None\n"));
        StringAssert.Contains(ex.Message, "not valid YAML at line 2, column 1: Duplicate key normalization");
    }

    [TestMethod]
    public void FromYaml_TwoDocuments_ThrowsExpectingOne()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromYaml("sources: []\n---\nsources: []\n"));
        StringAssert.Contains(ex.Message, "holds 2 YAML documents (line 3 starts the second); expected one.");
    }

    [TestMethod]
    public void FromYaml_RecursiveAlias_ThrowsInsteadOfLooping()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromYaml("sources: &a [*a]\n"));
        StringAssert.Contains(ex.Message, "nests deeper than 64 levels");
    }

    [TestMethod]
    public void FromYaml_UnsupportedTag_ThrowsNamingIt()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromYaml("sources: []\nnormalization: !!binary Rank\n"));
        StringAssert.Contains(ex.Message, "uses the tag tag:yaml.org,2002:binary at line 2, column 16; only !!str is supported.");
    }

    [TestMethod]
    public void FromYaml_StrTagOnNumber_KeepsText()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromYaml("sources: [{source: mf, quota: !!str 5}]"));
        StringAssert.Contains(ex.Message, "sources[0].quota = \"5\"");
    }

    [TestMethod]
    public void FromYaml_CoreSchemaNumbers_ParseAsNumbers()
    {
        var o = CandidateGeneratorOptions.FromYaml("sources:\n  - {source: a, quota: 0x10, weight: 2.5e-1}\n  - {source: b, quota: 0o17, weight: +3}\n  - {source: c, quota: +7, weight: .5}\n");
        CollectionAssert.AreEqual(new[] { new SourceQuota("a", 16, 0.25f), new SourceQuota("b", 15, 3f), new SourceQuota("c", 7, 0.5f) }, o.Sources.ToArray());
    }

    [TestMethod]
    public void FromYamlAndFromJson_SameMistakes_SameMessagesApartFromLocation()
    {
        var cases = new (string Json, string Yaml)[]
        {
            ("""{"sourcez":[]}""", "sourcez: []"),
            ("""{"sources":[{"source":"mf","quota":"many"}]}""", "sources: [{source: mf, quota: many}]"),
            ("""{"sources":[{"source":"mf","quota":1,"extra":true}]}""", "sources: [{source: mf, quota: 1, extra: true}]"),
            ("""{"sources":[{"source":"mf","quota":1,"weight":"heavy"}]}""", "sources: [{source: mf, quota: 1, weight: heavy}]"),
            ("""{"sources":{"source":"mf"}}""", "sources: {source: mf}"),
            ("""{"normalization":"ZScore"}""", "normalization: ZScore"),
            ("""{"normalization":[1]}""", "normalization: [1]"),
            ("""[1,2]""", "[1, 2]"),
            ("""{"sources":null}""", "sources: null"),
            ("""{"sources":[{"source":null,"quota":1}]}""", "sources: [{source: ~, quota: 1}]"),
            ("""{"sources":[{"source":"mf"}]}""", "sources: [{source: mf}]"),
            ("""{"sources":[{"weight":2}]}""", "sources: [{weight: 2}]"),
        };
        foreach (var (json, yaml) in cases)
        {
            var fromJson = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromJson(json), json);
            var fromYaml = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromYaml(yaml), yaml);
            StringAssert.Contains(fromJson.Message, "(line 1, column ", json);
            StringAssert.Contains(fromYaml.Message, "(line 1, column ", yaml);
            Assert.AreEqual(Location().Replace(fromJson.Message, "").Replace("'json'", "'text'"), Location().Replace(fromYaml.Message, "").Replace("'yaml'", "'text'"), yaml);
        }
    }

    [TestMethod]
    public void FromYamlAndFromJson_SameOptionsPassValidationTheSameWay()
    {
        // Parsing does not check sources against a model; Validate does, identically for both origins.
        var o = CandidateGeneratorOptions.FromYaml("sources: [{source: mf, quota: 0}]");
        var ex = Assert.ThrowsExactly<ArgumentException>(() => o.Validate(new[] { "mf" }));
        StringAssert.Contains(ex.Message, "Source 'mf': quota 0 must be ≥ 1.");
        var j = CandidateGeneratorOptions.FromJson("""{"sources":[{"source":"mf","quota":0}]}""");
        Assert.AreEqual(ex.Message, Assert.ThrowsExactly<ArgumentException>(() => j.Validate(new[] { "mf" })).Message);
    }

    [TestMethod]
    public void Parse_UndefinedFormat_ThrowsNamingIt()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => CandidateGeneratorOptions.Parse("{}", (ConfigurationFormat)7));
        Assert.AreEqual("format", ex.ParamName);
        StringAssert.Contains(ex.Message, "expected one of Json, Yaml");
    }

    [TestMethod]
    public void Parse_KeyGivenTwice_RefusedInBothFormatsNamingTheKey()
    {
        // JSON once took the last of two "sources" lists without a word, while YAML refused them.
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.FromJson(
            "{\"sources\":[{\"source\":\"mf\",\"quota\":100}],\"sources\":[{\"source\":\"popularity\",\"quota\":5}]}"));
        StringAssert.Contains(ex.Message, "key 'sources' appears twice in (top level) (line 1, column");
        // Keys match case-insensitively, so "quota" and "Quota" are one key given twice, in either format.
        foreach (var (text, format) in new[]
        {
            ("{\"sources\":[{\"source\":\"mf\",\"quota\":100,\"Quota\":5}]}", ConfigurationFormat.Json),
            ("sources:\n  - source: mf\n    quota: 100\n    Quota: 5\n", ConfigurationFormat.Yaml),
        })
        {
            ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateGeneratorOptions.Parse(text, format));
            StringAssert.Contains(ex.Message, "key 'Quota' appears twice in sources[0] (line ", format.ToString());
            Assert.DoesNotContain("TwoTower.", ex.Message, "no .NET type names");
        }
    }

    [TestMethod]
    public void ToYaml_HandWrittenOptions_ReadableBlockYaml()
    {
        var o = new CandidateGeneratorOptions { Sources = new[] { new SourceQuota("mf", 7, 2f), new SourceQuota("true", 3, 0.5f) }, Normalization = ScoreNormalization.None };
        Assert.AreEqual("sources:\n- source: mf\n  quota: 7\n  weight: 2\n- source: \"true\"\n  quota: 3\n  weight: 0.5\nnormalization: None\n", o.ToYaml().ReplaceLineEndings("\n"));
    }

    [TestMethod]
    public void ToYaml_AnyOptions_FromYamlRoundTripsToEqualOptions()
    {
        var names = Gen.OneOf(
            Gen.Elements("twotower", "mf", "itemknn", "popularity", "true", "null", "~", "123", "0x1F", "1e3", ".inf", "a: b", "# x", "- y", "", " padded ", "quote\"d", "it's", "multi\nline", "ünï"),
            ArbMap.Default.GeneratorFor<NonNull<string>>().Select(s => s.Get));
        var quotaAndWeight = Gen.Zip(Gen.Choose(1, 1_000_000), Gen.Choose(1, 1_000_000), (q, w) => (Quota: q, Weight: w / 997f));
        var sources = Gen.Zip(names, quotaAndWeight, (n, qw) => new SourceQuota(n, qw.Quota, qw.Weight)).ArrayOf();
        var options = Gen.Zip(sources, Gen.Elements(Enum.GetValues<ScoreNormalization>()),
            (list, normalization) => new CandidateGeneratorOptions { Sources = list, Normalization = normalization });
        Check.One(Replayed, Prop.ForAll(options.ToArbitrary(), o =>
        {
            var yaml = o.ToYaml();
            var back = CandidateGeneratorOptions.FromYaml(yaml);
            Assert.AreEqual(o.Normalization, back.Normalization, yaml);
            CollectionAssert.AreEqual(o.Sources.ToArray(), back.Sources.ToArray(), yaml);
        }));
    }
}
