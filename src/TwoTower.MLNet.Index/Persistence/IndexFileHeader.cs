namespace TwoTower.MLNet.Index.Persistence;

/// <summary>The fixed header of an index file, read and validated before the payload.</summary>
/// <param name="Kind">Index kind: "Flat", "HNSW", "IVFFlat" or "IVFPQ".</param>
/// <param name="FormatVersion">Format version the file was written with.</param>
/// <param name="Metric">Metric of the stored index.</param>
/// <param name="Dimension">Vector dimension of the stored index.</param>
public sealed record IndexFileHeader(string Kind, int FormatVersion, VectorMetric Metric, int Dimension);
