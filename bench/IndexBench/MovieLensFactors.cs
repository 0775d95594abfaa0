// iALS factors of MovieLens 100K (Hu, Koren & Volinsky 2008; the library's ImplicitAlsTrainer defaults: confidence
// 1 + 0.5·r, regularisation 1·n^0.5, 15 sweeps, N(0, 0.01²) start), trained here so that the index benchmark depends
// on the index library only. Item vectors are the catalogue, user vectors the queries: real inner-product data whose
// lengths vary with popularity.
using System.Globalization;

namespace IndexBench;

internal static class MovieLensFactors
{
    /// <summary>u.data from $TWOTOWER_DATA/ml-100k or ../shared/datasets/ml-100k (from the working folder or its parents).</summary>
    public static string? Locate()
    {
        var env = Environment.GetEnvironmentVariable("TWOTOWER_DATA");
        if (!string.IsNullOrEmpty(env) && File.Exists(Path.Combine(env, "ml-100k", "u.data"))) return Path.Combine(env, "ml-100k", "u.data");
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, "shared", "datasets", "ml-100k", "u.data");
            if (File.Exists(file)) return file;
        }
        return null;
    }

    /// <summary>Item factors (items × k) and user factors (users × k), row-major.</summary>
    public static (float[] Items, float[] Users) Train(string uData, int k, int sweeps = 15, float alpha = 0.5f, float reg = 1f)
    {
        var pairs = File.ReadLines(uData).Select(l => l.Split('\t')).Select(f => (User: int.Parse(f[0], CultureInfo.InvariantCulture) - 1, Item: int.Parse(f[1], CultureInfo.InvariantCulture) - 1)).ToArray();
        var (users, items) = (pairs.Max(p => p.User) + 1, pairs.Max(p => p.Item) + 1);
        var byUser = Enumerable.Range(0, users).Select(_ => new List<int>()).ToArray();
        var byItem = Enumerable.Range(0, items).Select(_ => new List<int>()).ToArray();
        foreach (var (u, i) in pairs) { byUser[u].Add(i); byItem[i].Add(u); }
        var rng = new Random(1);
        float Normal() => (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        var x = Enumerable.Range(0, users * k).Select(_ => 0.01f * Normal()).ToArray();
        var y = Enumerable.Range(0, items * k).Select(_ => 0.01f * Normal()).ToArray();
        for (var s = 0; s < sweeps; s++)
        {
            Solve(byUser, y, x, k, alpha, reg);
            Solve(byItem, x, y, k, alpha, reg);
        }
        return (y, x);
    }

    // Each row r: (FᵀF + α·Σ_j f_j f_jᵀ + λ_r I) t_r = (1 + α)·Σ_j f_j over its observed columns j, by Cholesky.
    private static void Solve(List<int>[] rows, float[] fixedFactors, float[] target, int k, float alpha, float reg)
    {
        var gram = new double[k * k];
        for (var j = 0; j < fixedFactors.Length / k; j++)
            for (var a = 0; a < k; a++)
                for (var b = 0; b < k; b++) gram[a * k + b] += fixedFactors[j * k + a] * fixedFactors[j * k + b];
        Parallel.For(0, rows.Length, r =>
        {
            var m = (double[])gram.Clone();
            var rhs = new double[k];
            foreach (var j in rows[r])
                for (var a = 0; a < k; a++)
                {
                    var fa = fixedFactors[j * k + a];
                    rhs[a] += (1 + alpha) * fa;
                    for (var b = 0; b < k; b++) m[a * k + b] += alpha * fa * fixedFactors[j * k + b];
                }
            var lambda = reg * Math.Sqrt(Math.Max(1, rows[r].Count));
            for (var a = 0; a < k; a++) m[a * k + a] += lambda;
            Cholesky(m, rhs, k);
            for (var a = 0; a < k; a++) target[r * k + a] = (float)rhs[a];
        });
    }

    // Solves m·t = rhs in place (m symmetric positive definite).
    private static void Cholesky(double[] m, double[] rhs, int k)
    {
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var s = m[i * k + j];
                for (var p = 0; p < j; p++) s -= m[i * k + p] * m[j * k + p];
                m[i * k + j] = i == j ? Math.Sqrt(s) : s / m[j * k + j];
            }
        }
        for (var i = 0; i < k; i++)
        {
            var s = rhs[i];
            for (var p = 0; p < i; p++) s -= m[i * k + p] * rhs[p];
            rhs[i] = s / m[i * k + i];
        }
        for (var i = k - 1; i >= 0; i--)
        {
            var s = rhs[i];
            for (var p = i + 1; p < k; p++) s -= m[p * k + i] * rhs[p];
            rhs[i] = s / m[i * k + i];
        }
    }
}
