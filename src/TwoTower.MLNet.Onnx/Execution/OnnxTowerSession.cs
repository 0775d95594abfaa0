using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TwoTower.MLNet.Onnx.Towers;

namespace TwoTower.MLNet.Onnx.Execution;

/// <summary>
/// Runs a tower model (output "embedding" [N,d]) on batches. Inputs and the destination are
/// wrapped without copying (OrtValue over the caller's arrays), so ONNX Runtime reads the batch
/// arrays and writes the embeddings straight into the destination buffer.
/// Not thread-safe: use one instance per thread (or a pool); a Run begun while another is in progress throws.
/// </summary>
public sealed class OnnxTowerSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly bool _ownsSession;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames = [TowerGraphSpec.OutputName];
    private readonly OrtValue[] _inputValues;
    private readonly OrtValue[] _outputValues = new OrtValue[1];
    private readonly long[][] _inputShapes;
    private readonly long[] _outputShape = new long[2];
    private readonly SessionRunGate _gate = new();

    /// <summary>Wraps an existing session (which must have a float output "embedding" [N,d]).</summary>
    /// <param name="session">The ONNX Runtime session.</param>
    /// <param name="ownsSession">Dispose <paramref name="session"/> with this wrapper.</param>
    /// <exception cref="ArgumentException">
    /// The model has no suitable "embedding" output or an input of an unsupported type, or its metadata gives a format
    /// version other than 1 (a file of a newer <see cref="OnnxTowerExporter"/>).
    /// </exception>
    public OnnxTowerSession(InferenceSession session, bool ownsSession = true)
    {
        ArgumentNullException.ThrowIfNull(session);
        // Towers from elsewhere carry no version; one of ours with a newer version may expect its inputs fed differently.
        if (session.ModelMetadata.CustomMetadataMap.TryGetValue(OnnxMetadataKeys.FormatVersion, out var version) && version != "1")
            throw new ArgumentException($"The tower's format version is '{version}'; this library reads version 1 (a newer file needs a newer TwoTower.MLNet).", nameof(session));
        if (!session.OutputMetadata.TryGetValue(TowerGraphSpec.OutputName, out var output) || output.ElementDataType != TensorElementType.Float
            || output.Dimensions.Length != 2 || output.Dimensions[1] <= 0)
            throw new ArgumentException($"The model has no float output '{TowerGraphSpec.OutputName}' of shape [N,d] with a fixed d (outputs: {string.Join(", ", session.OutputMetadata.Keys)}).", nameof(session));
        Dimension = output.Dimensions[1];
        var inputs = new List<OnnxTowerInputInfo>();
        foreach (var (name, meta) in session.InputMetadata)
        {
            bool isLong = meta.ElementDataType switch
            {
                TensorElementType.Int64 => true,
                TensorElementType.Float => false,
                _ => throw new ArgumentException($"Model input '{name}' has element type {meta.ElementDataType}; expected Int64 or Float.", nameof(session)),
            };
            if (meta.Dimensions.Length != 2)
                throw new ArgumentException($"Model input '{name}' has rank {meta.Dimensions.Length}; expected [N,width].", nameof(session));
            inputs.Add(new OnnxTowerInputInfo(name, isLong, meta.Dimensions[1] > 0 ? meta.Dimensions[1] : -1));
        }
        Inputs = inputs;
        _inputNames = inputs.Select(i => i.Name).ToArray();
        _inputValues = new OrtValue[_inputNames.Length];
        _inputShapes = _inputNames.Select(_ => new long[2]).ToArray();
        _session = session;
        _ownsSession = ownsSession;
    }

    /// <summary>Opens the model at <paramref name="modelPath"/> with the requested execution (see <see cref="OnnxSessionFactory.Create(string, OnnxExecution, Action{string}?)"/>).</summary>
    /// <exception cref="ArgumentException">The file is not a tower model (the message names it and what is missing).</exception>
    public static OnnxTowerSession Open(string modelPath, OnnxExecution execution = OnnxExecution.Cpu, Action<string>? log = null)
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
            throw new ArgumentException($"'{modelPath}' is not a tower model: {ex.Message.Replace($" (Parameter '{ex.ParamName}')", "")}", nameof(modelPath), ex);
        }
    }

    /// <summary>The model's inputs, in model order.</summary>
    public IReadOnlyList<OnnxTowerInputInfo> Inputs { get; }

    /// <summary>Embedding width d.</summary>
    public int Dimension { get; }

    /// <summary>Runs the batch and returns its embeddings, row-major [RowCount, Dimension].</summary>
    public float[] Run(OnnxTowerBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var result = new float[batch.RowCount * Dimension];
        Run(batch, result);
        return result;
    }

    /// <summary>Runs the batch and writes its embeddings into the first RowCount*Dimension floats of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">An input is missing, unknown, of the wrong type or width, or the destination is too short.</exception>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime rejected the run (e.g. an index outside its embedding table).</exception>
    /// <exception cref="InvalidOperationException">Another thread's Run on this session is in progress.</exception>
    public void Run(OnnxTowerBatch batch, Memory<float> destination)
    {
        ObjectDisposedException.ThrowIf(_gate.IsDisposed, this);
        ArgumentNullException.ThrowIfNull(batch);
        int rows = batch.RowCount;
        if (destination.Length < rows * Dimension)
            throw new ArgumentException($"Destination has {destination.Length} floats; expected at least RowCount*Dimension = {rows}*{Dimension} = {rows * Dimension}.", nameof(destination));
        foreach (var name in batch.Names)
            if (Array.IndexOf(_inputNames, name) < 0)
                throw new ArgumentException($"Batch sets input '{name}', which the model does not have (inputs: {string.Join(", ", _inputNames)}).", nameof(batch));

        _gate.Enter(this);
        try
        {
            for (int i = 0; i < _inputNames.Length; i++)
            {
                var info = Inputs[i];
                if (!batch.TryGet(info.Name, out var entry))
                    throw new ArgumentException($"Batch is missing input '{info.Name}' ({Describe(info)}).", nameof(batch));
                if ((entry.Int64Values is not null) != info.IsInt64)
                    throw new ArgumentException($"Batch input '{info.Name}' is {(entry.Int64Values is not null ? "int64" : "float")}; the model expects {Describe(info)}.", nameof(batch));
                if (info.Width > 0 && entry.Width != info.Width)
                    throw new ArgumentException($"Batch input '{info.Name}' has width {entry.Width}; the model expects {Describe(info)}.", nameof(batch));
                var shape = _inputShapes[i];
                shape[0] = rows;
                shape[1] = entry.Width;
                _inputValues[i] = entry.Int64Values is { } longs
                    ? OrtValue.CreateTensorValueFromMemory(longs, shape)
                    : OrtValue.CreateTensorValueFromMemory(entry.FloatValues!, shape);
            }
            _outputShape[0] = rows;
            _outputShape[1] = Dimension;
            _outputValues[0] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, destination[..(rows * Dimension)], _outputShape);
            _session.Run(_runOptions, _inputNames, _inputValues, _outputNames, _outputValues);
        }
        finally
        {
            for (int i = 0; i < _inputValues.Length; i++) { _inputValues[i]?.Dispose(); _inputValues[i] = null!; }
            _outputValues[0]?.Dispose();
            _outputValues[0] = null!;
            EndRun();
        }
    }

    // A Dispose that came during the run left the native session to this point: released once nothing runs on it.
    private void EndRun()
    {
        if (_gate.Exit()) ReleaseNative();
    }

    private static string Describe(OnnxTowerInputInfo info) =>
        $"{(info.IsInt64 ? "int64" : "float")} [N,{(info.Width > 0 ? info.Width.ToString(System.Globalization.CultureInfo.InvariantCulture) : "L")}]";

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
