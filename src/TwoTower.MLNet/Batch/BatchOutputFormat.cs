namespace TwoTower.MLNet.Batch;

/// <summary>File format of batch scoring output.</summary>
public enum BatchOutputFormat
{
    /// <summary>Parquet (<see cref="RecommendationParquet"/>): typed columns, compressed, with metadata. The default.</summary>
    Parquet,

    /// <summary>CSV with a header (<see cref="RecommendationCsv"/>): user_id,rank,item_id,score, for tools without a Parquet reader.</summary>
    Csv,
}
