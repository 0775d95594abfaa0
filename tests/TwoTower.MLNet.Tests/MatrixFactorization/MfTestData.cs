using TwoTower.MLNet.Data;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.Tests.MatrixFactorization;

/// <summary>Small synthetic interaction sets for the matrix-factorization tests.</summary>
internal static class MfTestData
{
    /// <summary>Interactions with raw ids "u{key}" / "i{key}" so that keys equal the given indices.</summary>
    public static Interactions Make(int users, int items, IReadOnlyList<(int U, int I, float R)> rows)
    {
        var um = new IdMap("user", Enumerable.Range(0, users).Select(u => $"u{u}"));
        var im = new IdMap("item", Enumerable.Range(0, items).Select(i => $"i{i}"));
        return new Interactions(um, im, rows.Select(r => r.U).ToArray(), rows.Select(r => r.I).ToArray(),
            rows.Select(r => r.R).ToArray(), new long[rows.Count]);
    }

    /// <summary>A random binary matrix where every user and item has at least one interaction.</summary>
    public static Interactions Random(int users, int items, double density, int seed, bool ratings = false)
    {
        var rng = new Random(seed);
        var rows = new List<(int, int, float)>();
        for (var u = 0; u < users; u++)
            for (var i = 0; i < items; i++)
                if (rng.NextDouble() < density || i == u % items || u == i % users)
                    rows.Add((u, i, ratings ? 1 + rng.Next(5) : 1f));
        return Make(users, items, rows);
    }

    public static TrainingData Data(Interactions x) => TrainingData.FromEncoded(x);

    /// <summary>Collects progress reports synchronously (Progress&lt;T&gt; would post them asynchronously).</summary>
    public sealed class ProgressLog : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Reports { get; } = new();

        public void Report(TrainingProgress value) => Reports.Add(value);
    }

    /// <summary>Solves A x = b in double by Gaussian elimination with partial pivoting (the brute-force reference).</summary>
    public static double[] SolveDense(double[,] a, double[] b)
    {
        var n = b.Length;
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
        for (var c = 0; c < n; c++)
        {
            var piv = c;
            for (var r = c + 1; r < n; r++) if (Math.Abs(m[r, c]) > Math.Abs(m[piv, c])) piv = r;
            for (var j = 0; j < n; j++) (m[c, j], m[piv, j]) = (m[piv, j], m[c, j]);
            (x[c], x[piv]) = (x[piv], x[c]);
            for (var r = c + 1; r < n; r++)
            {
                var f = m[r, c] / m[c, c];
                for (var j = c; j < n; j++) m[r, j] -= f * m[c, j];
                x[r] -= f * x[c];
            }
        }
        for (var r = n - 1; r >= 0; r--)
        {
            var s = x[r];
            for (var j = r + 1; j < n; j++) s -= m[r, j] * x[j];
            x[r] = s / m[r, r];
        }
        return x;
    }

    /// <summary>Dense inverse in double (column by column with <see cref="SolveDense"/>).</summary>
    public static double[,] InverseDense(double[,] a)
    {
        var n = a.GetLength(0);
        var inv = new double[n, n];
        for (var c = 0; c < n; c++)
        {
            var e = new double[n];
            e[c] = 1;
            var col = SolveDense(a, e);
            for (var r = 0; r < n; r++) inv[r, c] = col[r];
        }
        return inv;
    }

    public static string TempPath(string ext) => Path.Combine(Path.GetTempPath(), $"mf-test-{Guid.NewGuid():N}{ext}");
}
