namespace TwoTower.MLNet.Onnx.Towers;

/// <summary>
/// A fully connected layer <c>y = W x + b</c> with W of shape [OutputSize, InputSize] row-major
/// (ONNX Gemm with transB = 1). ReLU follows every layer except the last of a tower.
/// </summary>
/// <param name="InputSize">Width of x.</param>
/// <param name="OutputSize">Width of y.</param>
/// <param name="Weights">W, length OutputSize*InputSize, row-major (row o holds the weights of output o).</param>
/// <param name="Bias">b, length OutputSize.</param>
public sealed record TowerDenseLayer(int InputSize, int OutputSize, float[] Weights, float[] Bias);
