using Microsoft.ML;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>A trainer's TimestampColumn orders the rows for the recency weights, as the CSV's time column does for the CLI.</summary>
[TestClass]
public sealed class TimestampColumnTests
{
    private static ImplicitAlsOptions Als() => new() { Factors = 8, Iterations = 3, Seed = 3, Threads = 1 };

    private static float[] UserVector(IEmbeddingRecommender model, string user)
    {
        var v = new float[model.Dimension];
        model.EmbedUsers([model.Users.TryGetKey(user, out var k) ? k : -1], v);
        return v;
    }

    [TestMethod]
    public void MatrixFactorization_WithTheTimestampColumn_EqualsTheTrainerOnTheCsvWithTimes()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var withTime = ml.TwoTower().Trainers.MatrixFactorization(new MatrixFactorizationOptions { Als = Als(), TimestampColumn = "Timestamp" });
        var withoutTime = ml.TwoTower().Trainers.MatrixFactorization(new MatrixFactorizationOptions { Als = Als() });
        var timed = ml.TwoTower().FindModel(withTime.Fit(train))!.Model;
        var untimed = ml.TwoTower().FindModel(withoutTime.Fit(train))!.Model;

        var csv = CsvInteractions.Load(CatalogFixture.TrainPath);
        var reference = new ImplicitAlsTrainer(Als()).Fit(TrainingData.Create(csv));
        foreach (var user in new[] { "1", "500", "943" })
        {
            CollectionAssert.AreEqual(UserVector(reference, user), UserVector(timed, user), $"user {user}");
            // Without time the recency boost is off: another model.
            CollectionAssert.AreNotEqual(UserVector(reference, user), UserVector(untimed, user), $"user {user}");
        }
    }

    [TestMethod]
    public void TwoTower_DateTimeTimestamps_ReadAsSecondsInTheirOrder()
    {
        var ml = TestMLContext.Create(seed: 1);
        var start = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var rows = Enumerable.Range(0, 40).Select(i => new TimedRow { UserId = $"u{i % 4}", ItemId = $"i{i % 10}", When = start.AddSeconds(i) }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var log = RecommenderEstimator.ReadLog(data, "UserId", "ItemId", null, timestamp: "When");
        Assert.IsTrue(log.HasTimestamps);
        Assert.AreEqual(1577836800L, log.Timestamps[0]);
        Assert.AreEqual(1577836839L, log.Timestamps[39]);
    }

    [TestMethod]
    public void TimestampColumn_SmallIntegerTypes_AreNumbersToo()
    {
        var ml = TestMLContext.Create(seed: 1);
        var rows = Enumerable.Range(0, 40).Select(i => new SmallTimedRow { UserId = $"u{i % 4}", ItemId = $"i{i % 10}", Day = (byte)(i + 1), Week = (ushort)(i + 1), Delta = (sbyte)(i - 20) }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        foreach (var (column, first) in new[] { ("Day", 1L), ("Week", 1L), ("Delta", -20L) })
        {
            var estimator = ml.TwoTower().Trainers.MatrixFactorization(new MatrixFactorizationOptions { Als = Als(), TimestampColumn = column });
            Assert.IsNotNull(estimator.Fit(data), column);
            var log = RecommenderEstimator.ReadLog(data, "UserId", "ItemId", null, timestamp: column);
            Assert.AreEqual(first, log.Timestamps[0], column);
            Assert.AreEqual(first + 39, log.Timestamps[39], column);
        }
    }

    public sealed class SmallTimedRow
    {
        public string UserId { get; set; } = "";
        public string ItemId { get; set; } = "";
        public byte Day { get; set; }
        public ushort Week { get; set; }
        public sbyte Delta { get; set; }
    }

    [TestMethod]
    public void TimestampColumn_MissingOrMistyped_IsNamedAtFit()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var missing = ml.TwoTower().Trainers.MatrixFactorization(new MatrixFactorizationOptions { Als = Als(), TimestampColumn = "Time" });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => missing.Fit(train)).Message, "The timestamp column 'Time' (TimestampColumn) is not in the input schema");
        // A text column other than the ids (naming an id column is refused at construction: one column, two roles).
        var withText = ml.Transforms.CopyColumns("Label", "ItemId").Fit(train).Transform(train);
        var text = ml.TwoTower().Trainers.MatrixFactorization(new MatrixFactorizationOptions { Als = Als(), TimestampColumn = "Label" });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => text.Fit(withText)).Message, "has type String; expected a scalar number or DateTime");
    }

    public sealed class TimedRow
    {
        public string UserId { get; set; } = "";
        public string ItemId { get; set; } = "";
        public DateTime When { get; set; }
    }
}
