namespace TwoTower.MLNet.Onnx.Towers;

/// <summary>
/// A single-valued index input (an id or a categorical feature): ONNX input <see cref="Name"/> of type
/// int64, shape [N,1], looked up in <see cref="Table"/> (ONNX Gather; an index outside
/// 0..RowCount-1, negative ones included, makes ONNX Runtime fail the run).
/// </summary>
/// <param name="Name">ONNX input name (use the ML.NET column name so ApplyOnnxModel can bind it).</param>
/// <param name="Table">Embedding table indexed by the input value.</param>
public sealed record TowerEmbeddingInput(string Name, EmbeddingTable Table);
