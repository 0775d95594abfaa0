using TwoTower.MLNet.Data;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.Tests.MatrixFactorization;

[TestClass]
public sealed class MatrixFactorizationModelTests
{
    private static MatrixFactorizationModel Small(ColdUserStrategy cold = ColdUserStrategy.MeanUser)
    {
        var users = new IdMap("user", new[] { "a", "b" });
        var items = new IdMap("item", new[] { "x", "y", "z" });
        // x_a = (1, 0), x_b = (0, 2); items (1, 1), (2, -1), (0, 3).
        return new MatrixFactorizationModel("ials", users, items, new float[] { 1, 0, 0, 2 }, new float[] { 1, 1, 2, -1, 0, 3 }, 2, coldUser: cold);
    }

    [TestMethod]
    public void Score_HandComputed_DotProducts()
    {
        var scores = new float[6];
        Small().Score(new[] { 0, 1 }, scores);
        CollectionAssert.AreEqual(new float[] { 1, 2, 0, 2, -2, 6 }, scores);
    }

    [TestMethod]
    public void Score_UnknownUser_MeanUserOrZero()
    {
        var scores = new float[3];
        Small().Score(new[] { -1 }, scores); // mean user (0.5, 1)
        CollectionAssert.AreEqual(new float[] { 1.5f, 0f, 3f }, scores);
        Small(ColdUserStrategy.Zero).Score(new[] { -1 }, scores);
        CollectionAssert.AreEqual(new float[] { 0, 0, 0 }, scores);
    }

    [TestMethod]
    public void Score_OutOfRangeUserKey_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Small().Score(new[] { 2 }, new float[3]));
        Assert.AreEqual("userKeys", ex.ParamName);
    }

    [TestMethod]
    public void EmbedUsers_InnerProductWithItemVectors_EqualsScore()
    {
        var m = Small();
        var v = new float[2];
        m.EmbedUsers(new[] { 1 }, v);
        var items = m.ItemVectors.Span;
        Assert.AreEqual(6f, v[0] * items[4] + v[1] * items[5]);
        Assert.AreEqual(2, m.Dimension);
    }

    [TestMethod]
    public void ProjectFactors_PadToLarger_KeepsScoresExactly()
    {
        var m = Small();
        var p = m.ProjectFactors(5, seed: 1);
        Assert.AreEqual(5, p.Factors);
        var s1 = new float[6];
        var s2 = new float[6];
        m.Score(new[] { 0, 1 }, s1);
        p.Score(new[] { 0, 1 }, s2);
        CollectionAssert.AreEqual(s1, s2);
    }

    [TestMethod]
    public void ProjectFactors_Gaussian_SeededAndShaped()
    {
        var x = MfTestData.Random(30, 20, 0.2, seed: 41);
        var m = new ImplicitAlsTrainer(new ImplicitAlsOptions { Factors = 16, Iterations = 2 }).Fit(x);
        var a = m.ProjectFactors(8, seed: 3);
        var b = m.ProjectFactors(8, seed: 3);
        var c = m.ProjectFactors(8, seed: 4);
        Assert.AreEqual(30 * 8, a.UserFactors.Length);
        Assert.AreEqual(20 * 8, a.ItemFactors.Length);
        CollectionAssert.AreEqual(a.ItemFactors.ToArray(), b.ItemFactors.ToArray());
        CollectionAssert.AreNotEqual(a.ItemFactors.ToArray(), c.ItemFactors.ToArray());
        var t = m.ProjectFactors(4, seed: 1, FactorProjection.TruncateOrPad);
        CollectionAssert.AreEqual(m.ItemFactors.Span[..4].ToArray(), t.ItemFactors.Span[..4].ToArray());
    }

    [TestMethod]
    public void ProjectFactors_ZeroTarget_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Small().ProjectFactors(0, 1));
        Assert.AreEqual("targetDim", ex.ParamName);
    }

    [TestMethod]
    public void SaveLoad_TrainedIals_IdenticalScoresAndFactors()
    {
        var x = MfTestData.Random(25, 15, 0.2, seed: 43);
        var model = new ImplicitAlsTrainer(new ImplicitAlsOptions { Factors = 6, Iterations = 3 }).Fit(x);
        var path = MfTestData.TempPath(".zip");
        try
        {
            ModelRegistry.Save(model, path);
            var loaded = (MatrixFactorizationModel)ModelRegistry.Load(path);
            Assert.AreEqual("ials", loaded.ModelType);
            CollectionAssert.AreEqual(model.UserFactors.ToArray(), loaded.UserFactors.ToArray());
            CollectionAssert.AreEqual(model.Users.RawIds.ToArray(), loaded.Users.RawIds.ToArray());
            var keys = Enumerable.Range(-1, 26).ToArray();
            var s1 = new float[keys.Length * 15];
            var s2 = new float[keys.Length * 15];
            model.Score(keys, s1);
            loaded.Score(keys, s2);
            CollectionAssert.AreEqual(s1, s2);
            Assert.AreEqual("6", loaded.Describe()["factors"]?.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void Load_WrongModelType_ThrowsModelFormat()
    {
        var w = new ModelContainerWriter("ease");
        using var ms = new MemoryStream();
        w.WriteTo(ms);
        ms.Position = 0;
        var reader = ModelContainerReader.Read(ms, "mem");
        var ex = Assert.ThrowsExactly<ModelFormatException>(() => MatrixFactorizationModel.Load(reader));
        StringAssert.Contains(ex.Message, "ease");
    }

    [TestMethod]
    public void Constructor_NaNFactor_ThrowsNamingArgument()
    {
        var users = new IdMap("user", new[] { "a" });
        var items = new IdMap("item", new[] { "x" });
        var ex = Assert.ThrowsExactly<ArgumentException>(() =>
            new MatrixFactorizationModel("mf", users, items, new[] { 1f, float.NaN }, new[] { 1f, 2f }, 2));
        Assert.AreEqual("userFactors", ex.ParamName);
        StringAssert.Contains(ex.Message, "NaN");
    }

    [TestMethod]
    public void Constructor_WrongFactorLength_Throws()
    {
        var users = new IdMap("user", new[] { "a" });
        var items = new IdMap("item", new[] { "x" });
        var ex = Assert.ThrowsExactly<ArgumentException>(() =>
            new MatrixFactorizationModel("mf", users, items, new[] { 1f, 2f, 3f }, new[] { 1f, 2f }, 2));
        Assert.AreEqual("userFactors", ex.ParamName);
    }
}
