namespace TwoTower.MLNet.TwoTowerModel;

/// <summary>
/// One mini-batch with its users and items deduplicated: the towers run once per distinct user and item,
/// and example b is the pair (Rows[b], Columns[b]) of positions in those distinct lists. Extra negative
/// items are appended after the positives' columns. Without user deduplication (the user tower reads the
/// history without the example's own item) row b is example b, HeldOutItems[b] its positive item and RowUsers[b] the
/// index of its user among the batch's distinct users (so that the loss knows which rows are the same user).
/// Reused across steps (no allocation per step).
/// </summary>
internal sealed class TrainingBatch
{
    private readonly int[] _userSlot;
    private readonly int[] _itemSlot;

    public TrainingBatch(int userCount, int itemCount, int capacity, int extraColumns)
    {
        _userSlot = new int[userCount];
        _itemSlot = new int[itemCount];
        Array.Fill(_userSlot, -1);
        Array.Fill(_itemSlot, -1);
        Users = new int[capacity];
        Items = new int[capacity + extraColumns];
        Rows = new int[capacity];
        Columns = new int[capacity];
        HeldOutItems = new int[capacity];
        RowUsers = new int[capacity];
    }

    public int[] Users { get; }
    public int[] Items { get; }
    public int[] Rows { get; }
    public int[] Columns { get; }
    public int[] HeldOutItems { get; }
    public int[] RowUsers { get; }
    public int UserCount { get; private set; }
    public int ItemCount { get; private set; }
    public int ExampleCount { get; private set; }

    /// <summary>Fills the batch from examples <paramref name="order"/>[start..start+count) of the training pairs.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Fill(ReadOnlySpan<int> userKeys, ReadOnlySpan<int> itemKeys, ReadOnlySpan<int> order, bool deduplicateUsers = true)
    {
        Reset();
        var distinctUsers = 0;
        for (var b = 0; b < order.Length; b++)
        {
            var row = order[b];
            int u = userKeys[row], i = itemKeys[row];
            HeldOutItems[b] = i;
            int us;
            if (!deduplicateUsers)
            {
                // _userSlot holds the distinct user's index here, not a row.
                var slot = _userSlot[u];
                if (slot < 0) slot = _userSlot[u] = distinctUsers++;
                Users[us = UserCount++] = u;
                RowUsers[us] = slot;
            }
            else
            {
                if ((us = _userSlot[u]) < 0)
                {
                    us = _userSlot[u] = UserCount;
                    Users[UserCount++] = u;
                }
                RowUsers[us] = us;
            }
            var isl = _itemSlot[i];
            if (isl < 0)
            {
                isl = _itemSlot[i] = ItemCount;
                Items[ItemCount++] = i;
            }
            Rows[b] = us;
            Columns[b] = isl;
        }
        ExampleCount = order.Length;
    }

    /// <summary>Whether an item is already a column of this batch.</summary>
    public bool HasItem(int item) => _itemSlot[item] >= 0;

    /// <summary>Appends an extra negative column (ignored when the item is already a column or the extra space is full).</summary>
    public bool AddNegative(int item)
    {
        if (_itemSlot[item] >= 0 || ItemCount >= Items.Length) return false;
        _itemSlot[item] = ItemCount;
        Items[ItemCount++] = item;
        return true;
    }

    private void Reset()
    {
        for (var k = 0; k < UserCount; k++) _userSlot[Users[k]] = -1; // harmless when users were not deduplicated
        for (var k = 0; k < ItemCount; k++) _itemSlot[Items[k]] = -1;
        UserCount = ItemCount = ExampleCount = 0;
    }
}
