using TwoTower.MLNet.Onnx.Towers;

namespace TwoTower.MLNet.Onnx.Tests;

/// <summary>Managed reference forward pass of a <see cref="TowerGraphSpec"/>, in double precision.</summary>
internal static class TowerReference
{
    /// <summary>Per-row inputs by name: long[] rows for index inputs, float[] rows for numerics.</summary>
    public static double[] Forward(TowerGraphSpec spec, IReadOnlyDictionary<string, long[]> ints, IReadOnlyDictionary<string, float[]> floats)
    {
        var x = new List<double>();
        void Lookup(EmbeddingTable t, long row)
        {
            for (int j = 0; j < t.Dimension; j++) x.Add(t.Values[row * t.Dimension + j]);
        }
        if (spec.IdInput is { } id) Lookup(id.Table, ints[id.Name][0]);
        foreach (var c in spec.CategoricalInputs) Lookup(c.Table, ints[c.Name][0]);
        foreach (var b in spec.BagInputs)
        {
            var sum = new double[b.Table.Dimension];
            int count = 0;
            foreach (var v in ints[b.Name])
            {
                if (v == b.PaddingIndex) continue;
                count++;
                for (int j = 0; j < sum.Length; j++) sum[j] += b.Table.Values[v * b.Table.Dimension + j];
            }
            for (int j = 0; j < sum.Length; j++) x.Add(count == 0 ? 0 : sum[j] / count);
        }
        foreach (var n in spec.NumericInputs)
        {
            var v = floats[n.Name];
            for (int j = 0; j < v.Length; j++) x.Add(((double)v[j] - n.Mean[j]) / n.Std[j]);
        }

        var h = x.ToArray();
        for (int l = 0; l < spec.Layers.Count; l++)
        {
            var layer = spec.Layers[l];
            var y = new double[layer.OutputSize];
            for (int o = 0; o < y.Length; o++)
            {
                double s = layer.Bias[o];
                for (int i = 0; i < layer.InputSize; i++) s += (double)layer.Weights[o * layer.InputSize + i] * h[i];
                y[o] = l < spec.Layers.Count - 1 ? Math.Max(0, s) : s;
            }
            h = y;
        }
        if (spec.Normalization == TowerNormalization.L2)
        {
            double norm = Math.Sqrt(h.Sum(v => v * v));
            double div = Math.Max(norm, spec.NormalizationEpsilon);
            for (int i = 0; i < h.Length; i++) h[i] /= div;
        }
        return h;
    }
}
