using Microsoft.ML;
using Microsoft.ML.Runtime;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Tests.Catalog;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests.Training;

/// <summary>Data and model signs that a fit is of little use are reported by the library, not only by the CLI.</summary>
[TestClass]
public sealed class TrainingWarningsTests
{
    private static InteractionLog Log(params (string User, string Item)[] rows)
    {
        var log = new InteractionLog("test");
        foreach (var (u, i) in rows) log.Add(u, i);
        return log;
    }

    [TestMethod]
    public void TrainingData_SingleItemOrNoUsableValidation_Warns_OrdinaryDataNot()
    {
        var single = TrainingData.Create(Log(("a", "x"), ("b", "x")));
        Assert.HasCount(1, single.Warnings);
        StringAssert.Contains(single.Warnings[0], "a single item");

        var unusable = TrainingData.Create(Log(("a", "x"), ("b", "y")), Log(("c", "x"), ("a", "z")));
        Assert.HasCount(1, unusable.Warnings);
        StringAssert.Contains(unusable.Warnings[0], "all 2 were left out");

        Assert.IsEmpty(TrainingData.Create(Log(("a", "x"), ("b", "y")), Log(("a", "y"), ("c", "x"))).Warnings, "one validation row is usable");
        Assert.IsEmpty(TrainingData.Create(CsvInteractions.Load(TestPaths.Split("p2", "train"))).Warnings);
    }

    [TestMethod]
    public void TrainingData_MetadataOfOtherIds_WarnsNamingTheSource_MatchingMetadataNot()
    {
        // movies.csv keyed by another id than the ratings (e.g. IMDb ids): every metadata row became an item nobody
        // rated, and no rated item had a feature, without a word.
        var log = Log(("1", "10"), ("2", "20"));
        var items = new ItemMetadata([new ItemRecord("tt0114709", "Toy Story", ["Animation"], null)], source: "movies.csv");
        var users = new UserMetadata([new UserRecord("u1", 24, "M", "technician", "85711")], source: "users.dat");
        var data = TrainingData.Create(log, null, items, users);
        Assert.HasCount(2, data.Warnings);
        StringAssert.Contains(data.Warnings[0], "none of the 2 items of the training data is in the item metadata (movies.csv, 1 record; e.g. training id '10', metadata id 'tt0114709')");
        StringAssert.Contains(data.Warnings[1], "none of the 2 users of the training data is in the user metadata (users.dat, 1 record; e.g. training id '1', metadata id 'u1')");

        var matching = new ItemMetadata([new ItemRecord("10", "Toy Story", ["Animation"], null), new ItemRecord("30", "Heat", ["Crime"], null)]);
        Assert.IsEmpty(TrainingData.Create(log, null, matching).Warnings, "one training item described is a match");
    }

    [TestMethod]
    public void Collapsed_FewerThan20DistinctItemsWithEnoughUsersAndItems()
    {
        Assert.AreEqual(12, QualityReportBuilder.Collapsed(12 / 1682.0, 943, 1682));
        Assert.IsNull(QualityReportBuilder.Collapsed(20 / 1682.0, 943, 1682));
        Assert.IsNull(QualityReportBuilder.Collapsed(5 / 30.0, 943, 30), "a catalogue of 30 items fills few lists anyway");
        Assert.IsNull(QualityReportBuilder.Collapsed(5 / 1682.0, 10, 1682), "ten users see few items anyway");
        Assert.IsNull(QualityReportBuilder.Collapsed(double.NaN, 943, 1682));
    }

    [TestMethod]
    public void MLNetFit_OfSingleItemData_LogsAWarning()
    {
        var ml = TestMLContext.Create(seed: 1);
        var warnings = new List<string>();
        ml.Log += (_, e) => { if (e.Kind == ChannelMessageKind.Warning) lock (warnings) warnings.Add(e.Message); };
        var data = ml.Data.LoadFromEnumerable(new[] { new InteractionRow { UserId = "a", ItemId = "x" }, new InteractionRow { UserId = "b", ItemId = "x" } });
        ml.TwoTower().Trainers.MatrixFactorization(factors: 2, iterations: 1).Fit(data);
        Assert.IsTrue(warnings.Any(w => w.Contains("a single item", StringComparison.Ordinal)), string.Join(" | ", warnings));
    }
}
