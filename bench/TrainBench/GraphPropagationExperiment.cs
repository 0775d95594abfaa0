// Experiment (tenth session): LightGCN-style graph propagation of id embeddings (He et al. 2020), trained with a softmax loss.
// Analysis only: nothing here is part of the library or its defaults.
using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.Index.Kernels;
using TwoTower.MLNet.Losses;
using TwoTower.MLNet.MatrixFactorization;

/// <summary>
/// Final user and item vectors are the mean of K+1 layers E_0, ÂE_0, …, Â^K E_0 over the symmetric-normalised
/// user–item graph of the training pairs; E_0 is learned by Adam through the propagation, the loss is the exact
/// softmax over the catalogue on cosine / temperature (optionally the logQ-corrected in-batch one).
/// </summary>
static class GraphPropagationExperiment
{
    public static void Run(TrainingData td, InteractionLog trainLog, InteractionLog evalLog, Dictionary<string, string> set, int seed)
    {
        string Get(string k, string def) => set.TryGetValue(k, out var v) ? v : def;
        var layers = int.Parse(Get("Layers", "3"), CultureInfo.InvariantCulture);
        var d = int.Parse(Get("Dim", "64"), CultureInfo.InvariantCulture);
        var lr = float.Parse(Get("Lr", "0.002"), CultureInfo.InvariantCulture);
        var temperature = float.Parse(Get("T", "0.05"), CultureInfo.InvariantCulture);
        var batch = int.Parse(Get("Batch", "1024"), CultureInfo.InvariantCulture);
        var epochs = int.Parse(Get("Epochs", "60"), CultureInfo.InvariantCulture);
        var wd = float.Parse(Get("Wd", "0"), CultureInfo.InvariantCulture);
        var inBatch = Get("InBatch", "0") == "1";
        var normalize = Get("Normalize", "1") == "1";
        var edgeDrop = float.Parse(Get("EdgeDrop", "0"), CultureInfo.InvariantCulture);
        var layer0 = float.Parse(Get("Layer0", "1"), CultureInfo.InvariantCulture); // weight of E_0 relative to the others
        var evalEvery = int.Parse(Get("EvalEvery", "2"), CultureInfo.InvariantCulture);
        var patience = int.Parse(Get("Patience", "4"), CultureInfo.InvariantCulture);

        var t = td.Train;
        int nu = td.Users.Count, ni = td.Items.Count, n = nu + ni, rows = t.Count;
        Console.WriteLine($"graph: {nu} users, {ni} items, {rows} pairs; K {layers}, d {d}, lr {lr}, T {temperature}, batch {batch}, wd {wd}, in-batch {inBatch}, normalize {normalize}, edge drop {edgeDrop}, layer0 {layer0}");
        // Bipartite adjacency as CSR over n nodes (users 0..nu-1, items nu..n-1).
        var deg = new int[n];
        for (var r = 0; r < rows; r++) { deg[t.UserKeys[r]]++; deg[nu + t.ItemKeys[r]]++; }
        var start = new int[n + 1];
        for (var v = 0; v < n; v++) start[v + 1] = start[v] + deg[v];
        var nbr = new int[start[n]];
        var fill = (int[])start.Clone();
        for (var r = 0; r < rows; r++) { int u = t.UserKeys[r], i = nu + t.ItemKeys[r]; nbr[fill[u]++] = i; nbr[fill[i]++] = u; }
        var weightsFull = new float[start[n]];
        for (var v = 0; v < n; v++)
            for (var e = start[v]; e < start[v + 1]; e++) weightsFull[e] = 1f / MathF.Sqrt((float)deg[v] * deg[nbr[e]]);
        var w = new float[layers + 1];
        for (var k = 0; k <= layers; k++) w[k] = k == 0 ? layer0 : 1f;
        var wsum = w.Sum();
        for (var k = 0; k <= layers; k++) w[k] /= wsum;

        var rng = new Random(seed);
        var e0 = new float[n * d];
        for (var x = 0; x < e0.Length; x++) e0[x] = (float)(0.1 * Gaussian(rng));
        var m1 = new float[e0.Length];
        var m2 = new float[e0.Length];
        var f = new float[n * d];
        var cur = new float[n * d];
        var next = new float[n * d];
        var grad = new float[n * d];
        var edgeW = (float[])weightsFull.Clone();

        void Propagate(float[] src, float[] dst)
        {
            Parallel.For(0, 2, part =>
            {
                int lo = part * n / 2, hi = (part + 1) * n / 2;
                for (var v = lo; v < hi; v++)
                {
                    var o = dst.AsSpan(v * d, d);
                    o.Clear();
                    for (var e = start[v]; e < start[v + 1]; e++)
                        TensorPrimitives.MultiplyAdd(src.AsSpan(nbr[e] * d, d), edgeW[e], o, o);
                }
            });
        }
        void Forward()
        {
            Array.Copy(e0, cur, e0.Length);
            TensorPrimitives.Multiply(e0, w[0], f);
            for (var k = 1; k <= layers; k++)
            {
                Propagate(cur, next);
                TensorPrimitives.MultiplyAdd(next, w[k], f, f);
                (cur, next) = (next, cur);
            }
        }
        // dE_0 = Σ_k w_k Â^k dF (Â symmetric), by Horner: G = w_K dF; G = Â G + w_k dF for k = K-1 … 0.
        void Backward(float[] dF)
        {
            TensorPrimitives.Multiply(dF, w[layers], cur);
            for (var k = layers - 1; k >= 0; k--)
            {
                Propagate(cur, next);
                TensorPrimitives.MultiplyAdd(dF, w[k], next, next);
                (cur, next) = (next, cur);
            }
            Array.Copy(cur, grad, grad.Length);
        }

        var itemCounts = t.ItemCounts();
        var order = Enumerable.Range(0, rows).ToArray();
        var loss = new InBatchSoftmaxLoss(temperature, 2);
        double best = -1; var bestEpoch = 0; float[]? bestF = null;
        long step = 0;
        var sw = Stopwatch.StartNew();
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            rng.Shuffle(order);
            double lossSum = 0; var batches = 0;
            for (var b0 = 0; b0 < rows; b0 += batch)
            {
                var bn = Math.Min(batch, rows - b0);
                if (edgeDrop > 0)
                {
                    // DropEdge on the propagation graph, rescaled so the expected propagation is unchanged.
                    for (var e = 0; e < edgeW.Length; e++) edgeW[e] = rng.NextSingle() < edgeDrop ? 0f : weightsFull[e] / (1 - edgeDrop);
                }
                Forward();
                // Distinct users of the batch are the rows.
                var rowOf = new Dictionary<int, int>();
                var exRows = new int[bn]; var exCols = new int[bn];
                var colOf = new Dictionary<int, int>();
                var cols = new List<int>();
                for (var x = 0; x < bn; x++)
                {
                    int r = order[b0 + x], u = t.UserKeys[r], i = t.ItemKeys[r];
                    if (!rowOf.TryGetValue(u, out var ru)) { ru = rowOf.Count; rowOf[u] = ru; }
                    exRows[x] = ru;
                    if (inBatch) { if (!colOf.TryGetValue(i, out var ci)) { ci = cols.Count; colOf[i] = ci; cols.Add(i); } exCols[x] = ci; }
                    else exCols[x] = i;
                }
                var users = rowOf.OrderBy(kv => kv.Value).Select(kv => kv.Key).ToArray();
                var items = inBatch ? cols.ToArray() : Enumerable.Range(0, ni).ToArray();
                int R = users.Length, C = items.Length;
                var uv = new float[R * d]; var iv = new float[C * d];
                var uNorm = new float[R]; var iNorm = new float[C];
                for (var x = 0; x < R; x++) uNorm[x] = Gather(f, users[x], d, uv.AsSpan(x * d, d), normalize);
                for (var x = 0; x < C; x++) iNorm[x] = Gather(f, nu + items[x], d, iv.AsSpan(x * d, d), normalize);
                var s = new float[R * C];
                Gemm.MultiplyTransposedB(uv, iv, s, R, C, d, maxThreads: 2);
                var logq = new float[C];
                if (inBatch) for (var x = 0; x < C; x++) logq[x] = MathF.Log(Math.Max(1e-9f, 1f - MathF.Pow(1f - (float)itemCounts[items[x]] / rows, bn)));
                var ds = new float[R * C];
                lossSum += loss.Compute(s, R, C, exRows, exCols, logq, ds);
                batches++;
                var gu = new float[R * d]; var gi = new float[C * d];
                Gemm.Multiply(ds, iv, gu, R, d, C, maxThreads: 2);
                Gemm.MultiplyTransposedA(ds, uv, gi, C, d, R, maxThreads: 2);
                var dF = new float[n * d];
                for (var x = 0; x < R; x++) Scatter(gu.AsSpan(x * d, d), uv.AsSpan(x * d, d), uNorm[x], dF.AsSpan(users[x] * d, d), normalize);
                for (var x = 0; x < C; x++) Scatter(gi.AsSpan(x * d, d), iv.AsSpan(x * d, d), iNorm[x], dF.AsSpan((nu + items[x]) * d, d), normalize);
                Backward(dF);
                step++;
                float b1 = 0.9f, b2 = 0.999f, c1 = 1 - MathF.Pow(b1, step), c2 = 1 - MathF.Pow(b2, step);
                for (var x = 0; x < e0.Length; x++)
                {
                    var g = grad[x] + wd * e0[x];
                    m1[x] = b1 * m1[x] + (1 - b1) * g;
                    m2[x] = b2 * m2[x] + (1 - b2) * g * g;
                    e0[x] -= lr * (m1[x] / c1) / (MathF.Sqrt(m2[x] / c2) + 1e-8f);
                }
            }
            if (epoch % evalEvery != 0 && epoch != epochs) { Console.WriteLine($"  epoch {epoch} loss {lossSum / batches:F4} {sw.Elapsed.TotalSeconds:F1} s"); continue; }
            if (edgeDrop > 0) Array.Copy(weightsFull, edgeW, edgeW.Length);
            Forward();
            var model = Snapshot(f, nu, ni, d, normalize, td);
            var es = EvaluationSet.Create(model, trainLog, evalLog);
            var res = RetrievalEvaluator.EvaluateTfrs(model, es.History, es.Test);
            var top = res.OrderedMetrics.First(kv => kv.Key == "top_100").Value;
            var ftop = res.OrderedMetrics.First(kv => kv.Key == "f_top_100").Value;
            Console.WriteLine($"  epoch {epoch} loss {lossSum / batches:F4} top_100 {top:F4} f_top_100 {ftop:F4} {sw.Elapsed.TotalSeconds:F1} s");
            if (top > best) { best = top; bestEpoch = epoch; bestF = (float[])f.Clone(); }
            else if (epoch - bestEpoch >= patience * evalEvery) break;
        }
        var final = Snapshot(bestF!, nu, ni, d, normalize, td);
        var set2 = EvaluationSet.Create(final, trainLog, evalLog);
        var result = RetrievalEvaluator.EvaluateTfrs(final, set2.History, set2.Test);
        Console.WriteLine($"best epoch {bestEpoch}, fit {sw.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine(string.Join(" ", result.OrderedMetrics.Select(kv => $"{kv.Key}={kv.Value:F4}")));
        SeenItemDiagnostics.Run(final, set2.History, set2.Test);
    }

    static MatrixFactorizationModel Snapshot(float[] f, int nu, int ni, int d, bool normalize, TrainingData td)
    {
        var uf = new float[nu * d]; var itf = new float[ni * d];
        for (var u = 0; u < nu; u++) Gather(f, u, d, uf.AsSpan(u * d, d), normalize);
        for (var i = 0; i < ni; i++) Gather(f, nu + i, d, itf.AsSpan(i * d, d), normalize);
        return new MatrixFactorizationModel(MatrixFactorizationModel.ImplicitModelType, td.Users, td.Items, uf, itf, d);
    }

    // Copies node v's vector, L2-normalised when asked; returns the norm it divided by.
    static float Gather(float[] f, int v, int d, Span<float> dst, bool normalize)
    {
        var src = f.AsSpan(v * d, d);
        if (!normalize) { src.CopyTo(dst); return 1f; }
        var norm = Math.Max(1e-12f, TensorPrimitives.Norm(src));
        TensorPrimitives.Divide(src, norm, dst);
        return norm;
    }

    // Adds the gradient with respect to the unnormalised vector: (g − (g·x̂) x̂) / ‖x‖.
    static void Scatter(ReadOnlySpan<float> g, ReadOnlySpan<float> xhat, float norm, Span<float> dst, bool normalize)
    {
        if (!normalize) { TensorPrimitives.Add(dst, g, dst); return; }
        var dot = TensorPrimitives.Dot(g, xhat);
        for (var k = 0; k < g.Length; k++) dst[k] += (g[k] - dot * xhat[k]) / norm;
    }

    static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
