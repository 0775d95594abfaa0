using TwoTower.MLNet.MatrixFactorization;

namespace TwoTower.MLNet.Tests.MatrixFactorization;

[TestClass]
public sealed class FactorTableTests
{
    [TestMethod]
    public void Allocate_PastTheLargestArray_SaysWhatToLower_InsteadOfAnOverflow()
    {
        // Found by an audit: 20M users × 128 factors overflowed int in 'new float[rows * k]': "Arithmetic operation resulted in an overflow."
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => FactorTable.Allocate(20_000_000, 128, "users"));
        StringAssert.Contains(ex.Message, "20,000,000 users × 128 factor columns = 2,560,000,000 values");
        StringAssert.Contains(ex.Message, "lower Factors or train on fewer users");
        Assert.HasCount(12, FactorTable.Allocate(3, 4, "items"));
    }
}
