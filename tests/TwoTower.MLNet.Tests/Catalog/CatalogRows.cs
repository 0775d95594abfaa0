using Microsoft.ML.Data;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>A CSV row of the split files (user_id,item_id,rating,timestamp) with text ids.</summary>
public sealed class InteractionRow
{
    [LoadColumn(0)] public string UserId { get; set; } = "";
    [LoadColumn(1)] public string ItemId { get; set; } = "";
    [LoadColumn(2)] public float Rating { get; set; }
    [LoadColumn(3)] public long Timestamp { get; set; }
}

/// <summary>The same rows with numeric ids (user and item ids read as integers).</summary>
public sealed class NumericInteractionRow
{
    [LoadColumn(0)] public int UserId { get; set; }
    [LoadColumn(1)] public int ItemId { get; set; }
    [LoadColumn(2)] public float Rating { get; set; }
}

/// <summary>A PredictionEngine request.</summary>
public sealed class UserRequest
{
    public string UserId { get; set; } = "";
}

/// <summary>A PredictionEngine answer.</summary>
public sealed class Recommendations
{
    public string[] ItemIds { get; set; } = [];
    public float[] Scores { get; set; } = [];
}

/// <summary>A PredictionEngine answer of the vector column.</summary>
public sealed class UserVectorRow
{
    public float[] UserVector { get; set; } = [];
}
