using TwoTower.MLNet.Onnx.Execution;
using TwoTower.MLNet.Onnx.Towers;

namespace TwoTower.MLNet.Onnx.Tests;

/// <summary>A seeded random tower spec with a matching input batch (bag row 0 is all padding).</summary>
internal sealed class RandomTowerCase
{
    public required TowerGraphSpec Spec { get; init; }
    public required int Rows { get; init; }
    public required Dictionary<string, long[][]> IntRows { get; init; }
    public required Dictionary<string, float[][]> FloatRows { get; init; }

    public static RandomTowerCase Create(int seed, int? layerCount = null, bool? l2 = null, bool? withId = null)
    {
        var rng = new Random(seed);
        float U(double scale) => (float)((rng.NextDouble() * 2 - 1) * scale);
        EmbeddingTable Table(int rows, int dim)
        {
            var v = new float[rows * dim];
            for (int i = 0; i < v.Length; i++) v[i] = U(1);
            return new EmbeddingTable(rows, dim, v);
        }

        int n = rng.Next(1, 9);
        var ints = new Dictionary<string, long[][]>();
        var floats = new Dictionary<string, float[][]>();

        TowerEmbeddingInput? id = null;
        if (withId ?? rng.Next(2) == 0)
        {
            id = new TowerEmbeddingInput("user_id", Table(rng.Next(3, 30), rng.Next(2, 7)));
            ints[id.Name] = Enumerable.Range(0, n).Select(_ => new long[] { rng.Next(id.Table.RowCount) }).ToArray();
        }
        var cat = new TowerEmbeddingInput("occupation", Table(rng.Next(2, 10), rng.Next(1, 5)));
        ints[cat.Name] = Enumerable.Range(0, n).Select(_ => new long[] { rng.Next(cat.Table.RowCount) }).ToArray();

        int bagRows = rng.Next(3, 12), bagDim = rng.Next(2, 6), bagLen = rng.Next(1, 6);
        var bagTable = Table(bagRows, bagDim);
        long pad = rng.Next(bagRows);
        Array.Clear(bagTable.Values, (int)pad * bagDim, bagDim);
        var bag = new TowerBagInput("genres", bagTable, pad, rng.Next(2) == 0 ? bagLen : null);
        ints[bag.Name] = Enumerable.Range(0, n).Select(r =>
        {
            var row = Enumerable.Repeat(pad, bagLen).ToArray();
            int real = r == 0 ? 0 : rng.Next(0, bagLen + 1); // row 0: all padding
            for (int i = 0; i < real; i++)
            {
                long v;
                do v = rng.Next(bagRows); while (v == pad);
                row[i] = v;
            }
            return row;
        }).ToArray();

        int f = rng.Next(1, 5);
        var num = new TowerNumericInput("age", Enumerable.Range(0, f).Select(_ => U(3)).ToArray(),
            Enumerable.Range(0, f).Select(_ => 0.5f + (float)rng.NextDouble() * 2).ToArray());
        floats[num.Name] = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, f).Select(_ => U(5)).ToArray()).ToArray();

        int width = (id?.Table.Dimension ?? 0) + cat.Table.Dimension + bagDim + f;
        var layers = new List<TowerDenseLayer>();
        int count = layerCount ?? rng.Next(1, 4);
        for (int l = 0; l < count; l++)
        {
            int outSize = rng.Next(1, 9);
            double scale = 1 / Math.Sqrt(width);
            layers.Add(new TowerDenseLayer(width, outSize,
                Enumerable.Range(0, outSize * width).Select(_ => U(scale * 1.7)).ToArray(),
                Enumerable.Range(0, outSize).Select(_ => U(0.3)).ToArray()));
            width = outSize;
        }

        var spec = new TowerGraphSpec
        {
            Name = $"tower_{seed}",
            IdInput = id,
            CategoricalInputs = [cat],
            BagInputs = [bag],
            NumericInputs = [num],
            Layers = layers,
            Normalization = (l2 ?? rng.Next(2) == 0) ? TowerNormalization.L2 : TowerNormalization.None,
        };
        return new RandomTowerCase { Spec = spec, Rows = n, IntRows = ints, FloatRows = floats };
    }

    public OnnxTowerBatch ToBatch()
    {
        var batch = new OnnxTowerBatch(Rows);
        foreach (var (name, rows) in IntRows) batch.SetInt64(name, rows.SelectMany(r => r).ToArray(), rows[0].Length);
        foreach (var (name, rows) in FloatRows) batch.SetFloat(name, rows.SelectMany(r => r).ToArray(), rows[0].Length);
        return batch;
    }

    public double[] Reference(int row) => TowerReference.Forward(Spec,
        IntRows.ToDictionary(kv => kv.Key, kv => kv.Value[row]),
        FloatRows.ToDictionary(kv => kv.Key, kv => kv.Value[row]));
}
