using TwoTower.MLNet.Optimizers;

namespace TwoTower.MLNet.Towers;

/// <summary>
/// The tower math seam: forward a batch of entity keys to output vectors, back-propagate a gradient of
/// those outputs into the parameters' gradients. The managed engine implements it; another backend (an
/// ONNX Runtime training graph) can implement it too and be checked for parity against this one.
/// </summary>
public interface ITower
{
    /// <summary>Width of the output vectors.</summary>
    int OutputDimension { get; }

    /// <summary>Number of entity keys the tower knows (id embedding rows / feature rows).</summary>
    int EntityCount { get; }

    /// <summary>The trainable parameters (the optimiser updates them after <see cref="Backward"/>).</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>
    /// Computes the outputs of <paramref name="keys"/> (row-major keys × OutputDimension). The returned span is
    /// valid until the next Forward. With <paramref name="training"/> the activations are kept for Backward
    /// and dropout is applied.
    /// </summary>
    ReadOnlySpan<float> Forward(ReadOnlySpan<int> keys, bool training);

    /// <summary>
    /// As <see cref="Forward(ReadOnlySpan{int}, bool)"/>, with token <paramref name="heldOutTokens"/>[r] left out of row r's
    /// <see cref="TowerArchitecture.HeldOutBag"/> (−1 = nothing left out): the user's history without the item being
    /// predicted, so that training does not see its own target.
    /// </summary>
    ReadOnlySpan<float> Forward(ReadOnlySpan<int> keys, bool training, ReadOnlySpan<int> heldOutTokens);

    /// <summary>A frozen copy of the current parameters with the meaning of the feature inputs (saved in the model, exported to ONNX).</summary>
    TowerWeights ExportWeights();

    /// <summary>Adds ∂loss/∂parameters to the parameter gradients, given ∂loss/∂outputs of the last training Forward.</summary>
    void Backward(ReadOnlySpan<float> gradOutput);
}
