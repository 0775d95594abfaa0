using System.Text.RegularExpressions;
using TwoTower.MLNet.Index.Flat;
using TwoTower.MLNet.Index.Hnsw;
using TwoTower.MLNet.Index.Ivf;

namespace TwoTower.MLNet.Index;

/// <summary>Creates indexes from FAISS-style factory strings such as <c>"HNSW32,efC200"</c> or <c>"IVF1024,PQ16,Refine"</c>.</summary>
public static partial class IndexFactory
{
    /// <summary>The accepted spec forms, as shown in error messages.</summary>
    public const string ValidForms = "Flat | HNSW<M>[,efC<efConstruction>] (e.g. HNSW16, HNSW32,efC200) | IVF<lists>,Flat (e.g. IVF1024,Flat) | IVF<lists>,PQ<m>[,Refine] (e.g. IVF1024,PQ16, IVF1024,PQ16,Refine)";

    /// <summary>
    /// Creates an empty index described by <paramref name="spec"/> (case-insensitive; white space is ignored). <paramref name="buildThreads"/>
    /// sets how many threads insert into an HNSW graph (0 = all cores; 1 = the same graph on every build, see
    /// <see cref="HnswOptions.BuildThreads"/>); the other kinds build the same way at any thread count.
    /// </summary>
    /// <exception cref="ArgumentException">The spec is not one of <see cref="ValidForms"/>.</exception>
    public static IVectorIndex Create(string spec, int dimension, VectorMetric metric, int buildThreads = 0)
    {
        if (buildThreads < 0) throw new ArgumentOutOfRangeException(nameof(buildThreads), buildThreads, "buildThreads must be ≥ 0 (0 = all cores).");
        ArgumentNullException.ThrowIfNull(spec);
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Dimension must be ≥ 1.");
        return Parse(spec, buildThreads)(dimension, metric);
    }

    /// <summary>
    /// Throws as <see cref="Create"/> would for a <paramref name="spec"/> that no dimension makes valid (an unknown form, a
    /// number out of range); only the checks that need the dimension (PQ's m must divide it) wait for <see cref="Create"/>.
    /// </summary>
    internal static void Check(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Parse(spec, buildThreads: 0);
    }

    // The spec's index for a given dimension and metric, its dimension-free options already validated.
    private static Func<int, VectorMetric, IVectorIndex> Parse(string spec, int buildThreads)
    {
        // Every white-space character goes, not only spaces: with '$' matching before a final newline, "HNSW32\n" (a spec read
        // from a file) was accepted while "Flat\n" was refused, and a tab split a spec that spaces did not.
        var s = string.Concat(spec.Where(c => !char.IsWhiteSpace(c)));
        if (s.Equals("Flat", StringComparison.OrdinalIgnoreCase)) return (d, m) => new FlatIndex(d, m);
        var hnsw = HnswPattern().Match(s);
        if (hnsw.Success)
        {
            var options = new HnswOptions { M = Number(hnsw.Groups[1], spec) };
            if (buildThreads > 0) options = options with { BuildThreads = buildThreads };
            if (hnsw.Groups[2].Success) options = options with { EfConstruction = Number(hnsw.Groups[2], spec) };
            options.Validate();
            return (d, m) => new HnswIndex(d, m, options);
        }
        var ivf = IvfPattern().Match(s);
        if (ivf.Success)
        {
            var options = new IvfOptions { Lists = Number(ivf.Groups[1], spec) };
            if (!ivf.Groups[2].Success) return (d, m) => new IvfFlatIndex(d, m, options);
            var pq = options with { SubQuantizers = Number(ivf.Groups[2], spec), Refine = ivf.Groups[3].Success };
            return (d, m) => new IvfPqIndex(d, m, pq);
        }
        throw new ArgumentException($"Unknown index spec '{spec}'. Valid forms: {ValidForms}.", nameof(spec));
    }

    private static int Number(Group g, string spec) =>
        // The patterns match only the digits 0-9, so a failed parse is a number past int.MaxValue (a positive integer all the same).
        int.TryParse(g.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0 ? v
            : throw new ArgumentException($"Index spec '{spec}': '{g.Value}' must be a whole number from 1 to {int.MaxValue}. Valid forms: {ValidForms}.", nameof(spec));

    [GeneratedRegex(@"^HNSW([0-9]+)(?:,efC([0-9]+))?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HnswPattern();

    [GeneratedRegex(@"^IVF([0-9]+),(?:Flat|PQ([0-9]+)(,Refine)?)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IvfPattern();
}
