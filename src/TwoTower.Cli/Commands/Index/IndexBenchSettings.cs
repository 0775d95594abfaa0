using System.Globalization;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Index.Benchmarking;
using TwoTower.MLNet.Index.Hnsw;
using TwoTower.MLNet.Index.Ivf;

namespace TwoTower.Cli.Commands;

/// <summary>Which search parameter an index spec sweeps.</summary>
internal enum IndexKind
{
    /// <summary>Exact search: one point, no parameter.</summary>
    Flat,
    /// <summary>HNSW: efSearch.</summary>
    Hnsw,
    /// <summary>IVF-Flat / IVF-PQ: nProbe.</summary>
    Ivf,
}

/// <summary>Validates `index bench` arguments: the spec, and the ef / nprobe list that belongs to it.</summary>
internal static class IndexBenchSettings
{
    /// <summary>The kind of a spec; a spec the factory cannot parse is a usage error naming --index (checked before any file is read).</summary>
    public static IndexKind KindOf(string spec)
    {
        try
        {
            // The factory is the one parser of specs: a tiny instance proves the syntax valid.
            using var probe = IndexFactory.Create(spec, 1, VectorMetric.InnerProduct);
        }
        catch (ArgumentException ex) when (ex.ParamName != "SubQuantizers")
        {
            throw new UserInputException($"--index '{spec}': {InSpecTerms(ex)}");
        }
        catch (ArgumentException)
        {
            // Well-formed, but PQ sub-quantizers must divide the dimension: CheckFits tests that once the data is read.
        }
        var s = spec.TrimStart();
        if (s.StartsWith("HNSW", StringComparison.OrdinalIgnoreCase)) return IndexKind.Hnsw;
        if (s.StartsWith("IVF", StringComparison.OrdinalIgnoreCase)) return IndexKind.Ivf;
        return IndexKind.Flat;
    }

    /// <summary>Checks that the spec can index vectors of the data's dimension (e.g. PQ&lt;m&gt; needs m to divide it).</summary>
    public static void CheckFits(string spec, int dimension, VectorMetric metric) => Probe(spec, dimension, metric).Dispose();

    /// <summary>
    /// <see cref="CheckFits"/>, and the sweep values the index takes: an IVF index probes at most its list count, so a given
    /// --nprobe past it is refused before the build, and the default sweep stops at it.
    /// </summary>
    public static int[] FitSweep(string spec, int dimension, VectorMetric metric, int[] values, bool given)
    {
        using var probe = Probe(spec, dimension, metric);
        if (probe is not IvfIndex ivf) return values;
        var lists = ivf.Options.Lists;
        if (!given) return values.Where(v => v <= lists).ToArray();
        if (values.FirstOrDefault(v => v > lists) is var over and > 0)
            throw new UserInputException($"--nprobe {over}: --index '{spec}' has {lists} lists, so at most {lists} can be probed.");
        return values;
    }

    /// <summary>
    /// Runs a benchmark of <paramref name="spec"/>; too few base vectors to train it (k-means lists, PQ codewords) is a usage
    /// error naming --index, as in `index build`, not the trainer's bare message.
    /// </summary>
    public static AnnBenchmarkResult Run(string spec, Func<AnnBenchmarkResult> run)
    {
        try
        {
            return run();
        }
        catch (ArgumentException ex) when (ex.ParamName == "vectors")
        {
            throw new UserInputException($"--index {spec}: {ex.MessageWithoutParameter()}");
        }
    }

    private static IVectorIndex Probe(string spec, int dimension, VectorMetric metric)
    {
        try
        {
            return IndexFactory.Create(spec, dimension, metric);
        }
        catch (ArgumentException ex)
        {
            throw new UserInputException($"--index '{spec}' does not fit the data (dimension {dimension}): {InSpecTerms(ex)}");
        }
    }

    // The spec's own words for the option a check names: "HnswOptions.M must be in [2, 256]" is about the 16 of HNSW16.
    private static string InSpecTerms(ArgumentException ex) => (ex.ParamName, EngineOptionErrors.Predicate(ex)) switch
    {
        (nameof(HnswOptions.M), { } p) => $"M (HNSW<M>) {p}",
        (nameof(HnswOptions.EfConstruction), { } p) => $"efConstruction (HNSW<M>,efC<efConstruction>) {p}",
        (nameof(IvfOptions.Lists), { } p) => $"lists (IVF<lists>) {p}",
        (nameof(IvfOptions.SubQuantizers), { } p) => $"m (PQ<m>) {p}",
        _ => ex.MessageWithoutParameter(),
    };

    /// <summary>The values to sweep: --ef for HNSW, --nprobe for IVF, none for Flat; the other option is a usage error.</summary>
    public static int[] SweepValues(IndexKind kind, string spec, string? ef, string? nprobe)
    {
        if (ef is not null && kind != IndexKind.Hnsw)
            throw new UserInputException($"--ef '{ef}' applies to HNSW specs only; --index '{spec}' {(kind == IndexKind.Ivf ? "takes --nprobe" : "has no search parameter")}.");
        if (nprobe is not null && kind != IndexKind.Ivf)
            throw new UserInputException($"--nprobe '{nprobe}' applies to IVF specs only; --index '{spec}' {(kind == IndexKind.Hnsw ? "takes --ef" : "has no search parameter")}.");
        return kind switch
        {
            IndexKind.Hnsw => ef is null ? IndexBenchCommand.DefaultEf : ParseList("--ef", ef),
            IndexKind.Ivf => nprobe is null ? IndexBenchCommand.DefaultNProbe : ParseList("--nprobe", nprobe),
            _ => [],
        };
    }

    private static int[] ParseList(string option, string text)
    {
        var values = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < 1)
                throw new UserInputException($"{option} '{text}': '{part}' is not a positive integer (expected a list such as 16,32,64).");
            values.Add(v);
        }
        return values.ToArray();
    }
}
