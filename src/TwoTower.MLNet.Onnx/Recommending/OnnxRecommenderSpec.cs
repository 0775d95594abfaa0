namespace TwoTower.MLNet.Onnx.Recommending;

/// <summary>
/// Describes a self-contained recommend graph: raw user id (string [N,1]) → ai.onnx.ml LabelEncoder
/// (unknown ids map to an extra cold-start row) → Gather of the user vector → MatMul with the item
/// matrix → optional exclusion of the user's seen items (CSR initializers, ScatterElements of −∞) →
/// TopK(K) → Gather of the raw item ids. Outputs: item ids string [N,K] and scores float [N,K], best first.
/// Every row of a batch is handled independently, so N may be any size (ML.NET feeds one row at a time).
/// </summary>
public sealed class OnnxRecommenderSpec
{
    /// <summary>Raw user ids; row u of <see cref="UserVectors"/> belongs to UserIds[u]. Distinct.</summary>
    public required IReadOnlyList<string> UserIds { get; init; }

    /// <summary>User vectors, row-major [UserIds.Count, Dimension].</summary>
    public required float[] UserVectors { get; init; }

    /// <summary>The vector used for a user id not in <see cref="UserIds"/> (the model's cold-start answer), length Dimension.</summary>
    public required float[] ColdUserVector { get; init; }

    /// <summary>Raw item ids; row i of <see cref="ItemVectors"/> belongs to ItemIds[i]. Distinct.</summary>
    public required IReadOnlyList<string> ItemIds { get; init; }

    /// <summary>Item vectors, row-major [ItemIds.Count, Dimension].</summary>
    public required float[] ItemVectors { get; init; }

    /// <summary>Vector width d.</summary>
    public required int Dimension { get; init; }

    /// <summary>Results per user, 1..ItemIds.Count.</summary>
    public required int K { get; init; }

    /// <summary>
    /// Seen items to exclude, CSR by user row: the items of user u are
    /// SeenItems[SeenPointers[u] .. SeenPointers[u+1]). Null (with <see cref="SeenItems"/>) = no exclusion.
    /// When fewer than K items remain for a user, the tail of its row has score negative infinity.
    /// </summary>
    public int[]? SeenPointers { get; init; }

    /// <summary>Item rows of the CSR exclusion lists (see <see cref="SeenPointers"/>).</summary>
    public int[]? SeenItems { get; init; }

    /// <summary>ONNX input name of the raw user id (default "UserId").</summary>
    public string UserIdInputName { get; init; } = "UserId";

    /// <summary>ONNX output name of the recommended raw item ids (default "ItemIds").</summary>
    public string ItemIdsOutputName { get; init; } = "ItemIds";

    /// <summary>ONNX output name of the scores (default "Scores").</summary>
    public string ScoresOutputName { get; init; } = "Scores";

    /// <summary>Graph name (default "recommender").</summary>
    public string Name { get; init; } = "recommender";

    /// <summary>True when seen items are excluded.</summary>
    public bool ExcludesSeen => SeenPointers is not null;

    /// <summary>Checks sizes, finiteness, CSR structure and names.</summary>
    /// <exception cref="ArgumentException">The first problem found, naming the member, the value and what was expected.</exception>
    public void Validate()
    {
        if (Dimension <= 0) throw new ArgumentException($"Dimension is {Dimension}; expected a positive vector width.", "spec");
        if (UserIds is null || UserIds.Count == 0) throw new ArgumentException("UserIds is empty; expected at least one user.", "spec");
        if (ItemIds is null || ItemIds.Count == 0) throw new ArgumentException("ItemIds is empty; expected at least one item.", "spec");
        OnnxLookupSpec.CheckIds(UserIds, nameof(UserIds));
        OnnxLookupSpec.CheckIds(ItemIds, nameof(ItemIds));
        OnnxLookupSpec.CheckMatrix(UserVectors, UserIds.Count, Dimension, nameof(UserVectors));
        OnnxLookupSpec.CheckMatrix(ItemVectors, ItemIds.Count, Dimension, nameof(ItemVectors));
        OnnxLookupSpec.CheckMatrix(ColdUserVector, 1, Dimension, nameof(ColdUserVector));
        if (K < 1 || K > ItemIds.Count) throw new ArgumentException($"K is {K}; expected 1..ItemIds.Count ({ItemIds.Count}).", "spec");
        if ((SeenPointers is null) != (SeenItems is null))
            throw new ArgumentException("SeenPointers and SeenItems must be given together (or both null for no exclusion).", "spec");
        if (SeenPointers is not null && SeenItems is not null)
        {
            if (SeenPointers.Length != UserIds.Count + 1)
                throw new ArgumentException($"SeenPointers has length {SeenPointers.Length}; expected UserIds.Count + 1 = {UserIds.Count + 1}.", "spec");
            if (SeenPointers[0] != 0 || SeenPointers[^1] != SeenItems.Length)
                throw new ArgumentException($"SeenPointers must start at 0 and end at SeenItems.Length ({SeenItems.Length}); got {SeenPointers[0]} .. {SeenPointers[^1]}.", "spec");
            for (var u = 0; u < UserIds.Count; u++)
                if (SeenPointers[u + 1] < SeenPointers[u])
                    throw new ArgumentException($"SeenPointers[{u + 1}] = {SeenPointers[u + 1]} is below SeenPointers[{u}] = {SeenPointers[u]}; expected a non-decreasing sequence.", "spec");
            for (var j = 0; j < SeenItems.Length; j++)
                if ((uint)SeenItems[j] >= (uint)ItemIds.Count)
                    throw new ArgumentException($"SeenItems[{j}] is {SeenItems[j]}; expected an item row in [0, {ItemIds.Count}).", "spec");
        }
        string[] names = [UserIdInputName, ItemIdsOutputName, ScoresOutputName];
        if (names.Any(string.IsNullOrWhiteSpace) || names.Distinct(StringComparer.Ordinal).Count() != 3)
            throw new ArgumentException($"Input/output names '{UserIdInputName}', '{ItemIdsOutputName}', '{ScoresOutputName}' must be non-empty and distinct.", "spec");
        if (string.IsNullOrWhiteSpace(Name)) throw new ArgumentException("Name is empty; expected a graph name.", "spec");
    }
}
