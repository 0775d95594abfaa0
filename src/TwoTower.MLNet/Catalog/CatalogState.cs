using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace TwoTower.MLNet;

/// <summary>
/// What the steps of one <see cref="TwoTowerCatalog"/> share: the fitted models (Recommend and Index consume the
/// trainer that precedes them in a chain; they recognise it by the user vector its transformer wrote into their input,
/// so concurrent fits of the same catalog do not mix) and the transformer → model map behind <see cref="TwoTowerCatalog.FindModel"/>.
/// </summary>
internal sealed class CatalogState
{
    private readonly ConditionalWeakTable<ITransformer, FittedRecommender> _byTransformer = new();
    private volatile FittedRecommender? _last;

    /// <summary>The model fitted most recently by a trainer of this catalog.</summary>
    public FittedRecommender? Last => _last;

    /// <summary>Records a fitted model under the transformer that serves it.</summary>
    public void Register(ITransformer transformer, FittedRecommender fitted)
    {
        _byTransformer.AddOrUpdate(transformer, fitted);
        _last = fitted;
    }

    /// <summary>
    /// The model whose transformer produced <paramref name="data"/>: among the live fitted models (newest first), the one
    /// whose vector for the first row's user equals that row's user vector column. With one candidate, or no row to
    /// compare, the model fitted last, provided the data has its user id and vector columns; null when no trainer of
    /// this catalog wrote them (a Recommend or Index step without a trainer before it).
    /// </summary>
    public FittedRecommender? ForData(IDataView data)
    {
        var last = _last;
        // A model fitted on other data earlier must not serve a chain that has no trainer: the columns it wrote are absent.
        var lastFits = last is not null && HasColumnsOf(last, data.Schema);
        if (_byTransformer.Select(kv => kv.Value).Distinct().Count() <= 1) return lastFits ? last : null;
        return WrittenBy(data) ?? (lastFits ? last : null);
    }

    private static bool HasColumnsOf(FittedRecommender fitted, DataViewSchema schema) =>
        schema.GetColumnOrNull(fitted.UserTextColumn) is { Type: TextDataViewType }
        && schema.GetColumnOrNull(fitted.UserVectorColumn) is { Type: VectorDataViewType { ItemType: NumberDataViewType } vt }
        && vt.ItemType == NumberDataViewType.Single && vt.Size == fitted.Model.Dimension;

    /// <summary>The live fitted model whose transformer provably wrote <paramref name="data"/> (its user vector column matches), or null.</summary>
    public FittedRecommender? WrittenBy(IDataView data)
    {
        var last = _last;
        var candidates = _byTransformer.Select(kv => kv.Value).Distinct().OrderBy(c => c == last ? 0 : 1);
        return candidates.FirstOrDefault(c => Wrote(c, data));
    }

    private static bool Wrote(FittedRecommender fitted, IDataView data)
    {
        var schema = data.Schema;
        if (schema.GetColumnOrNull(fitted.UserTextColumn) is not { Type: TextDataViewType } idCol) return false;
        if (schema.GetColumnOrNull(fitted.UserVectorColumn) is not { Type: VectorDataViewType { ItemType: NumberDataViewType } vt } vecCol || vt.ItemType != NumberDataViewType.Single) return false;
        using var cursor = data.GetRowCursor([idCol, vecCol]);
        if (!cursor.MoveNext()) return false;
        ReadOnlyMemory<char> id = default;
        VBuffer<float> written = default;
        cursor.GetGetter<ReadOnlyMemory<char>>(idCol)(ref id);
        cursor.GetGetter<VBuffer<float>>(vecCol)(ref written);
        var model = fitted.Model;
        if (written.Length != model.Dimension) return false;
        var key = model.Users.TryGetKey(id.ToString(), out var k) ? k : -1;
        var expected = new float[model.Dimension];
        model.EmbedUsers([key], expected);
        var values = written.DenseValues().ToArray();
        for (var j = 0; j < expected.Length; j++)
            if (Math.Abs(values[j] - expected[j]) > 1e-5f) return false;
        return true;
    }

    /// <summary>The last model registered inside <paramref name="model"/> (searching transformer chains), or null.</summary>
    public FittedRecommender? Find(ITransformer model)
    {
        if (_byTransformer.TryGetValue(model, out var f)) return f;
        FittedRecommender? found = null;
        if (model is IEnumerable<ITransformer> chain)
            foreach (var t in chain)
                found = Find(t) ?? found;
        return found;
    }
}
