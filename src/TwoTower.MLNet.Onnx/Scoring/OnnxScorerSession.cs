using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using TwoTower.MLNet.Onnx.Execution;
using TwoTower.MLNet.Onnx.Towers;

namespace TwoTower.MLNet.Onnx.Scoring;

/// <summary>
/// Runs a scorer model written by <see cref="OnnxScorerExporter"/>: queries [N,d] (and the mask
/// [N,items] when the model has one) → top-k scores and item row indices, written into caller
/// buffers without copies. Not thread-safe: use one instance per thread (or a pool); a Run begun while another is in
/// progress throws.
/// </summary>
public sealed class OnnxScorerSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly bool _ownsSession;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames = [OnnxScorerSpec.ScoresOutputName, OnnxScorerSpec.IndicesOutputName];
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs = new OrtValue[2];
    private readonly SessionRunGate _gate = new();

    /// <summary>Wraps a session over a scorer model (metadata kind "scorer").</summary>
    /// <exception cref="ArgumentException">The model is not a scorer written by <see cref="OnnxScorerExporter"/>.</exception>
    public OnnxScorerSession(InferenceSession session, bool ownsSession = true)
    {
        ArgumentNullException.ThrowIfNull(session);
        var meta = session.ModelMetadata.CustomMetadataMap;
        if (!meta.TryGetValue(OnnxMetadataKeys.Kind, out var kind) || kind != "scorer")
            throw new ArgumentException($"The model's metadata '{OnnxMetadataKeys.Kind}' is '{kind}'; expected 'scorer' (a model written by OnnxScorerExporter).", nameof(session));
        var version = Metadata(meta, OnnxMetadataKeys.FormatVersion);
        if (version != "1")
            throw new ArgumentException($"The scorer's format version is '{version}'; this library reads version 1 (a newer file needs a newer TwoTower.MLNet).", nameof(session));
        Dimension = Positive(meta, OnnxMetadataKeys.Dimension);
        ItemCount = Positive(meta, OnnxMetadataKeys.ItemCount);
        K = Positive(meta, OnnxMetadataKeys.TopK);
        // The graph's own input list, in order (query, then the mask): the comma-joined metadata cannot hold a name with a comma.
        _inputNames = [.. session.InputNames];
        if (_inputNames.Length is not (1 or 2))
            throw new ArgumentException($"The scorer has {_inputNames.Length} inputs ({string.Join(", ", _inputNames)}); expected the query and optionally the mask.", nameof(session));
        _inputs = new OrtValue[_inputNames.Length];
        _session = session;
        _ownsSession = ownsSession;
    }

    /// <summary>Opens the scorer at <paramref name="modelPath"/> with the requested execution.</summary>
    /// <exception cref="ArgumentException">The file is not a scorer written by <see cref="OnnxScorerExporter"/> (the message names it).</exception>
    public static OnnxScorerSession Open(string modelPath, OnnxExecution execution = OnnxExecution.Cpu, Action<string>? log = null)
    {
        var session = OnnxSessionFactory.Create(modelPath, execution, log);
        try
        {
            return new(session);
        }
        catch (ArgumentException ex)
        {
            // The session was made here, so it is closed here; the caller learns which file was refused.
            session.Dispose();
            throw new ArgumentException($"'{modelPath}' is not a scorer model: {ex.Message.Replace($" (Parameter '{ex.ParamName}')", "")}", nameof(modelPath), ex);
        }
    }

    /// <summary>Query width d.</summary>
    public int Dimension { get; }

    /// <summary>Number of items scored.</summary>
    public int ItemCount { get; }

    /// <summary>Results per query.</summary>
    public int K { get; }

    /// <summary>True when the model takes an additive exclusion mask [N, ItemCount].</summary>
    public bool HasMask => _inputNames.Length == 2;

    /// <summary>Scores <paramref name="rowCount"/> queries; returns scores and indices, row-major [rowCount, K], best first.</summary>
    public (float[] Scores, long[] Indices) Run(float[] queries, int rowCount, float[]? mask = null)
    {
        var scores = new float[rowCount * K];
        var indices = new long[rowCount * K];
        // A null array must stay a null mask (float[] → Memory<float>? would give an empty, non-null mask).
        Memory<float>? m = null;
        if (mask is not null) m = mask.AsMemory();
        Run(queries, rowCount, m, scores, indices);
        return (scores, indices);
    }

    /// <summary>Scores <paramref name="rowCount"/> queries into the first rowCount*K entries of <paramref name="scores"/> and <paramref name="indices"/>.</summary>
    /// <exception cref="ArgumentException">A buffer is too short, or the mask is missing/unexpected.</exception>
    /// <exception cref="InvalidOperationException">Another thread's Run on this session is in progress.</exception>
    public void Run(Memory<float> queries, int rowCount, Memory<float>? mask, Memory<float> scores, Memory<long> indices)
    {
        ObjectDisposedException.ThrowIf(_gate.IsDisposed, this);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowCount);
        Require(queries.Length, rowCount * Dimension, nameof(queries), "rowCount*Dimension", rowCount, Dimension);
        Require(scores.Length, rowCount * K, nameof(scores), "rowCount*K", rowCount, K);
        Require(indices.Length, rowCount * K, nameof(indices), "rowCount*K", rowCount, K);
        if (HasMask && mask is null) throw new ArgumentNullException(nameof(mask), $"The scorer has a mask input '{_inputNames[1]}' [N,{ItemCount}]; pass 0 for allowed items and negative infinity for excluded ones.");
        if (!HasMask && mask is not null) throw new ArgumentException("The scorer was exported without an exclusion mask; pass null.", nameof(mask));
        if (mask is { } m) Require(m.Length, rowCount * ItemCount, nameof(mask), "rowCount*ItemCount", rowCount, ItemCount);
        var info = OrtMemoryInfo.DefaultInstance;
        _gate.Enter(this);
        try
        {
            _inputs[0] = OrtValue.CreateTensorValueFromMemory(info, queries[..(rowCount * Dimension)], [rowCount, Dimension]);
            if (mask is { } mm) _inputs[1] = OrtValue.CreateTensorValueFromMemory(info, mm[..(rowCount * ItemCount)], [rowCount, ItemCount]);
            _outputs[0] = OrtValue.CreateTensorValueFromMemory(info, scores[..(rowCount * K)], [rowCount, K]);
            _outputs[1] = OrtValue.CreateTensorValueFromMemory(info, indices[..(rowCount * K)], [rowCount, K]);
            _session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);
        }
        finally
        {
            for (int i = 0; i < _inputs.Length; i++) { _inputs[i]?.Dispose(); _inputs[i] = null!; }
            for (int i = 0; i < _outputs.Length; i++) { _outputs[i]?.Dispose(); _outputs[i] = null!; }
            EndRun();
        }
    }

    // A Dispose that came during the run left the native session to this point: released once nothing runs on it.
    private void EndRun()
    {
        if (_gate.Exit()) ReleaseNative();
    }

    private static string Metadata(IReadOnlyDictionary<string, string> meta, string key) =>
        meta.TryGetValue(key, out var value) ? value : throw new ArgumentException($"The scorer's metadata has no '{key}'.", "session");

    private static int Positive(IReadOnlyDictionary<string, string> meta, string key) =>
        int.TryParse(Metadata(meta, key), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"The scorer's metadata '{key}' is '{meta[key]}'; expected a positive integer.", "session");

    private static void Require(int actual, int expected, string name, string formula, int a, int b)
    {
        if (actual < expected)
            throw new ArgumentException($"{name} has {actual} elements; expected at least {formula} = {a}*{b} = {expected}.", name);
    }

    /// <summary>Closes the session; a Run in progress on another thread finishes first, and the session closes as it ends.</summary>
    public void Dispose()
    {
        if (_gate.Dispose()) ReleaseNative();
    }

    private void ReleaseNative()
    {
        _runOptions.Dispose();
        if (_ownsSession) _session.Dispose();
    }
}
