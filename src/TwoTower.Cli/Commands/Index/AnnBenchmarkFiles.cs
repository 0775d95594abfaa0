using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet.Index.Benchmarking;

namespace TwoTower.Cli.Commands;

/// <summary>The three files of an ANN benchmark set, read and cross-checked so that every problem names its option.</summary>
internal sealed record AnnBenchmarkFiles(float[] Base, int BaseRows, int Dimension, float[] Queries, int QueryRows, long[] GroundTruth, int GroundTruthWidth)
{
    /// <summary>Reads base, queries and ground truth; throws <see cref="UserInputException"/> on a missing file, a wrong dtype, a non-finite value or shapes that do not fit together.</summary>
    public static AnnBenchmarkFiles Load(string basePath, string queriesPath, string gtPath, int k)
    {
        // Non-empty and finite, checked here: the search found a NaN after the build and named its own parameter, not the option.
        var (b, n, d) = ReadVectors("--base", basePath);
        var (q, nq, qd) = ReadVectors("--queries", queriesPath);
        var (gt, gtRows, gtWidth) = Read("--gt", gtPath, AnnBenchmark.ReadIds);
        if (qd != d) throw new UserInputException($"--queries '{queriesPath}' has dimension {qd}, but --base '{basePath}' has dimension {d}; they must match.");
        if (gtRows != nq) throw new UserInputException($"--gt '{gtPath}' has {gtRows} rows, but --queries has {nq} queries; expected one ground-truth row per query.");
        if (gtWidth < k) throw new UserInputException($"--gt '{gtPath}' has {gtWidth} ids per query; recall@{k} needs at least {k} (lower --k or use a wider ground truth).");
        for (var i = 0; i < gt.Length; i++)
        {
            if (gt[i] < 0 || gt[i] >= n)
                throw new UserInputException($"--gt '{gtPath}' row {i / gtWidth} holds id {gt[i]}; expected base row numbers in [0, {n}).");
        }
        return new AnnBenchmarkFiles(b, n, d, q, nq, gt, gtWidth);
    }

    /// <summary>One vector file (.npy float32 or .fvecs) named by <paramref name="option"/>, at least one row, finite values; problems name the option.</summary>
    public static (float[] Values, int Rows, int Columns) ReadVectors(string option, string path)
    {
        var (values, rows, columns) = Read(option, path, AnnBenchmark.ReadVectors);
        if (rows == 0) throw new UserInputException($"{option} '{path}' holds no vectors; expected at least one row.");
        for (var i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) throw new UserInputException($"{option} '{path}' row {i / columns} holds {values[i]}; every value must be finite.");
        return (values, rows, columns);
    }

    private static (T[] Values, int Rows, int Columns) Read<T>(string option, string path, Func<string, (T[], int, int)> read)
    {
        InputFiles.Require(path, option, option == "--gt" ? "a file (.npy int64/int32 or .ivecs)" : "a file (.npy float32 or .fvecs)");
        try
        {
            return read(path);
        }
        catch (InvalidDataException ex)
        {
            throw new UserInputException($"{option}: {ex.Message}");
        }
    }
}
