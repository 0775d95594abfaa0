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

    /// <summary>
    /// Refuses a split with no training or no test rows: nothing could be trained or measured on it, and the files
    /// would look like a split. <paramref name="why"/> says why the part is empty (the protocol knows).
    /// </summary>
    public static SplitResult NotEmpty(SplitResult split, string protocol, string source, Func<string, string> why)
    {
        if (split.Train.Count == 0) throw new ArgumentException($"The {protocol} split of {source} leaves the training set empty: {why("train")}");
        if (split.Test.Count == 0) throw new ArgumentException($"The {protocol} split of {source} leaves the test set empty: {why("test")}");
        return split;
    }
}
