namespace TwoTower.MLNet.Onnx.Towers;

/// <summary>
/// A multi-valued (bag) input: ONNX input <see cref="Name"/> of type int64, shape [N,L], right-padded
/// with <see cref="PaddingIndex"/>. The output is the mean of the embeddings of the non-padding
/// entries; a row made only of padding gives a zero vector. Row <see cref="PaddingIndex"/> of
/// <see cref="Table"/> must be all zeros (validated), which lets the graph sum without masking.
/// </summary>
/// <param name="Name">ONNX input name.</param>
/// <param name="Table">Embedding table; includes the zero padding row.</param>
/// <param name="PaddingIndex">Index used for padding (default 0).</param>
/// <param name="Length">
/// Fixed bag length L, or null for a symbolic length (dimension named "&lt;Name&gt;_length").
/// ML.NET's ApplyOnnxModel needs a fixed length (measured: a symbolic one fails at Transform).
/// </param>
public sealed record TowerBagInput(string Name, EmbeddingTable Table, long PaddingIndex = 0, int? Length = null);
