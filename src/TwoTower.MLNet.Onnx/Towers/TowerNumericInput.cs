namespace TwoTower.MLNet.Onnx.Towers;

/// <summary>
/// A dense numeric input: ONNX input <see cref="Name"/> of type float, shape [N,F] with F = Mean.Length,
/// standardised in the graph as <c>(x - Mean) / Std</c> per column.
/// </summary>
/// <param name="Name">ONNX input name.</param>
/// <param name="Mean">Per-column mean (finite).</param>
/// <param name="Std">Per-column standard deviation (finite, &gt; 0), same length as <paramref name="Mean"/>.</param>
public sealed record TowerNumericInput(string Name, float[] Mean, float[] Std);
