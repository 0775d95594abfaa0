using Microsoft.ML;
using Microsoft.ML.Data;

namespace TwoTower.MLNet;

/// <summary>
/// The transformer a step of this catalog returns: it runs and saves as the ML.NET transformer it wraps (so
/// <c>Model.Save</c> writes, and <c>Model.Load</c> reads back, that transformer alone), and it owns what the step holds
/// in process besides (the Index step's item index). Dispose releases both; from then on every use throws an
/// <see cref="ObjectDisposedException"/> that names the step, instead of failing somewhere inside ML.NET.
/// </summary>
internal sealed class OwningTransformer : ITransformer, IDisposable
{
    private readonly ITransformer _inner;
    private readonly IDisposable? _owned;
    private readonly string _disposedMessage;
    private volatile bool _disposed;

    /// <param name="inner">The savable ML.NET transformer that does the work.</param>
    /// <param name="owned">What the step holds besides (disposed after <paramref name="inner"/>), or null.</param>
    /// <param name="step">The step as a message names it, e.g. "The Index step's transformer ('HNSW16')".</param>
    /// <param name="holds">What Dispose released, for the message, e.g. "its item index".</param>
    public OwningTransformer(ITransformer inner, IDisposable? owned, string step, string holds)
    {
        _inner = inner;
        _owned = owned;
        _disposedMessage = $"{step} was disposed, with {holds} (by its own Dispose, a pipeline that holds it, or a PredictionEngine that owned it): " +
            "fit the pipeline again, or load a saved copy with ml.Model.Load.";
    }

    public bool IsRowToRowMapper => _inner.IsRowToRowMapper;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ThrowIfDisposed();
        return _inner.GetOutputSchema(inputSchema);
    }

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ThrowIfDisposed();
        // Guarded: a PredictionEngine keeps the mapper and reads through it after any later Dispose.
        return new DisposalGuardedMapper(_inner.GetRowToRowMapper(inputSchema), ThrowIfDisposed);
    }

    public IDataView Transform(IDataView input)
    {
        ThrowIfDisposed();
        return _inner.Transform(input);
    }

    // The wrapped transformer writes itself into the context: the saved model holds ML.NET's own types only.
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ThrowIfDisposed();
        _inner.Save(ctx);
    }

    /// <summary>Disposes the wrapped transformer, then what the step owns; a second call does nothing.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            (_inner as IDisposable)?.Dispose();
        }
        finally
        {
            _owned?.Dispose();
        }
    }

    private void ThrowIfDisposed()
    {
        // No object name: the message names the step, and this wrapper's type is not one a user knows.
        if (_disposed) throw new ObjectDisposedException(null, _disposedMessage);
    }
}
