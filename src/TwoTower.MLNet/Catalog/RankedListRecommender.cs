using TwoTower.MLNet.Data;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet;

/// <summary>
/// Recommendation lists seen as a model, so that the exact evaluator can score a predictions IDataView:
/// the item at position p of a user's list scores L − p, every other item −1e30 (below any listed item,
/// above the evaluator's −∞ for excluded ones). Valid for cut-offs K ≤ the list length only.
/// </summary>
internal sealed class RankedListRecommender(IdMap users, IdMap items, int[][] lists) : IRecommender
{
    // Unlisted items were not recommended at all: −∞ makes them unrankable for the evaluator, not tied just below the list.
    private const float Unlisted = float.NegativeInfinity;

    public string ModelType => "ranked-lists";

    public IdMap Users { get; } = users;

    public IdMap Items { get; } = items;

    public void Score(ReadOnlySpan<int> userKeys, Span<float> scores)
    {
        var m = Items.Count;
        for (var r = 0; r < userKeys.Length; r++)
        {
            var row = scores.Slice(r * m, m);
            row.Fill(Unlisted);
            var k = userKeys[r];
            if ((uint)k >= (uint)lists.Length) continue;
            var list = lists[k];
            for (var p = 0; p < list.Length; p++) row[list[p]] = list.Length - p;
        }
    }

    public void Save(ModelContainerWriter writer) => throw new NotSupportedException("Recommendation lists are not a savable model.");

    public IReadOnlyDictionary<string, object?> Describe() => new Dictionary<string, object?> { ["model"] = ModelType, ["users"] = Users.Count, ["items"] = Items.Count };
}
