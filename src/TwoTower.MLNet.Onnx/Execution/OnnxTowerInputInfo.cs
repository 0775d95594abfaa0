namespace TwoTower.MLNet.Onnx.Execution;

/// <summary>An input of a tower model: as its <see cref="Towers.TowerGraphSpec"/> declares it, or as ONNX Runtime reports it.</summary>
/// <param name="Name">ONNX input name.</param>
/// <param name="IsInt64">True for int64 index inputs, false for float inputs.</param>
/// <param name="Width">Second dimension, or -1 when symbolic (bags with a variable length).</param>
public sealed record OnnxTowerInputInfo(string Name, bool IsInt64, int Width);
