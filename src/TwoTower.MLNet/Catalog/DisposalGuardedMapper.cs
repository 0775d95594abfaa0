using Microsoft.ML;
using Microsoft.ML.Data;

namespace TwoTower.MLNet;

/// <summary>
/// The row mapper an <see cref="OwningTransformer"/> hands out (a PredictionEngine keeps it for its whole life): each value
/// read checks first that the step is not disposed, so an engine used after its model's Dispose throws the step's
/// <see cref="ObjectDisposedException"/> instead of a NullReferenceException inside ONNX Runtime.
/// </summary>
internal sealed class DisposalGuardedMapper(IRowToRowMapper inner, Action throwIfDisposed) : IRowToRowMapper
{
    public DataViewSchema InputSchema => inner.InputSchema;

    public DataViewSchema OutputSchema => inner.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) => inner.GetDependencies(dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        throwIfDisposed();
        return new GuardedRow(inner.GetRow(input, activeColumns), throwIfDisposed);
    }

    // The mapper's row with a check before every getter call: the values are computed there, by the closed sessions.
    private sealed class GuardedRow(DataViewRow row, Action throwIfDisposed) : DataViewRow
    {
        public override long Position => row.Position;

        public override long Batch => row.Batch;

        public override DataViewSchema Schema => row.Schema;

        public override ValueGetter<DataViewRowId> GetIdGetter() => row.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => row.IsColumnActive(column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            var getter = row.GetGetter<TValue>(column);
            return (ref TValue value) =>
            {
                throwIfDisposed();
                getter(ref value);
            };
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) row.Dispose();
            base.Dispose(disposing);
        }
    }
}
