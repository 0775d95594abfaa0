namespace TwoTower.MLNet.Splits;

/// <summary>Argument checks shared by the split protocols.</summary>
internal static class SplitChecks
{
    public static void Fractions(double valid, double test)
    {
        if (!(valid >= 0 && valid < 1)) throw new ArgumentOutOfRangeException(nameof(valid), valid, "The validation fraction must be in [0, 1).");
        if (!(test > 0 && test < 1)) throw new ArgumentOutOfRangeException(nameof(test), test, "The test fraction must be in (0, 1).");
        if (valid + test >= 1) throw new ArgumentException($"Validation ({valid}) + test ({test}) fractions must leave rows for training (sum < 1).");
    }
}
