namespace TwoTower.MLNet.Towers;

/// <summary>One trained dense layer <c>y = W x + b</c>, W row-major [OutputSize, InputSize] (row o = weights of output o).</summary>
/// <param name="InputSize">Width of x.</param>
/// <param name="OutputSize">Width of y.</param>
/// <param name="Weight">W, OutputSize × InputSize values.</param>
/// <param name="Bias">b, OutputSize values.</param>
public sealed record DenseLayerWeights(int InputSize, int OutputSize, float[] Weight, float[] Bias);
