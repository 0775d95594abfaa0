using System.Diagnostics;
using System.Numerics.Tensors;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.Index.Kernels;
using TwoTower.MLNet.Losses;
using TwoTower.MLNet.Optimizers;
using TwoTower.MLNet.Towers;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.TwoTowerModel;

/// <summary>
/// The training loop: seeded shuffled mini-batches, deduplicated towers, loss on the distinct-user ×
/// distinct-item score matrix, optimiser step, per-epoch validation with early stopping and best-epoch
/// restore. With ≥ 2 threads the user and item towers run concurrently (a fixed split, so results do
/// not depend on timing) and the logits product uses all threads.
/// </summary>
internal sealed class TwoTowerTrainingLoop
{
    private readonly TwoTowerTrainerOptions _o;
    private readonly TrainingData _data;
    private readonly ITower _user;
    private readonly ITower _item;
    private readonly Parameter[] _userParams;
    private readonly Parameter[] _itemParams;
    private readonly Parameter[] _allParams;
    private readonly Optimizer _optimizer;
    private readonly IRetrievalLoss _loss;
    private readonly float[] _logQ;
    private readonly int _threads;
    private readonly int _d;
    private readonly NegativeSampler? _extraSampler;
    private readonly ValidationMetric? _metric;
    private readonly int[] _itemCounts;
    private readonly int[] _userCounts;
    private readonly Parameter? _userId;
    private readonly Parameter? _itemId;
    private readonly bool _warmUser;
    private readonly bool _warmItem;
    // Id rows taken over from InitialModel (null = none): learnt there, so not cold although this data has no interaction of theirs.
    private readonly bool[]? _continuedUsers;
    private readonly bool[]? _continuedItems;
    private long _step;
    // Exponential moving averages of the parameters (null = off) and the training values while the averages are in place.
    private readonly ParameterAveraging? _averaging;
    private readonly float[][]? _trainingValues;
    // The user tower reads the history without the example's own item: one user row per example.
    private readonly bool _holdOutHistory;
    private readonly string _userFeatureNames, _itemFeatureNames;

    // Per-step buffers, sized for the largest batch.
    private readonly TrainingBatch _batch;
    private readonly float[] _u, _i, _s, _ds, _du, _di, _colLogQ;
    private readonly int[] _order;
    private float[]? _snapItems;
    private float[]? _snapUsers;
    private readonly int _member;
    private readonly int[] _pool;
    private readonly float[] _poolScores;
    private readonly float[] _meanUser;
    // Loss weight of each training row (null = all 1) and of each example of the current batch.
    private readonly float[]? _rowWeights;
    private readonly float[] _batchWeights;

    // The checkpoint file of this run (null = no checkpoints), and the options and data it is written for: described once
    // here, not at every epoch's save (the data fingerprint reads every training row).
    private readonly string? _checkpointPath;
    private readonly string[]? _checkpointOptions;
    private readonly string? _checkpointData;

    public TwoTowerTrainingLoop(TwoTowerTrainerOptions options, ITowerBackend backend, TrainingData data, FeatureTable userFeatures, FeatureTable itemFeatures, int member = 0)
    {
        _o = options;
        _member = member;
        _checkpointPath = options.CheckpointDirectory is { } dir ? TrainingCheckpoint.PathFor(dir, member) : null;
        if (_checkpointPath is not null)
        {
            _checkpointOptions = TrainingCheckpoint.Describe(options);
            _checkpointData = TrainingCheckpoint.Fingerprint(data);
        }
        _data = data;
        _threads = options.Threads == 0 ? Environment.ProcessorCount : options.Threads;
        _d = options.EmbeddingDimension;
        (_userFeatureNames, _itemFeatureNames) = (FeatureNames(userFeatures), FeatureNames(itemFeatures));
        _holdOutHistory = options.UseUserHistory && userFeatures.Bags.Any(b => b.Name == UserHistoryFeature.BagName);
        var userArch = new TowerArchitecture(options.UseUserIdEmbedding, options.IdEmbeddingDimension, options.FeatureEmbeddingDimension, options.HiddenLayers, _d, options.Normalize, options.Dropout,
            _holdOutHistory ? UserHistoryFeature.BagName : null);
        var itemArch = userArch with { UseIdEmbedding = options.UseItemIdEmbedding ?? (itemFeatures.IsEmpty || options.InitialItemEmbeddings is not null || HasTrainedItemWithoutFeatures(itemFeatures, data.Train)), HeldOutBag = null };
        _user = backend.CreateTower("user", userArch, userFeatures, unchecked(options.Seed * 2 + 1), 1);
        // The item tower does most of the work (wider input, more rows): its products may use every thread while the user tower runs beside it.
        _item = backend.CreateTower("item", itemArch, itemFeatures, unchecked(options.Seed * 2 + 2), _threads);
        _userParams = _user.Parameters.ToArray();
        _itemParams = _item.Parameters.ToArray();
        _allParams = _userParams.Concat(_itemParams).ToArray();
        _userId = _userParams.FirstOrDefault(p => p.Name == "user.id_embedding");
        _itemId = _itemParams.FirstOrDefault(p => p.Name == "item.id_embedding");
        _itemCounts = data.Train.ItemCounts();
        _userCounts = data.Train.UserCounts();

        if (options.InitialModel is { } initial)
        {
            if (initial.UserTower is null || initial.ItemTower is null)
                throw new ArgumentException("InitialModel has no tower weights (an ensemble or an imported model); continue from a two-tower model trained with EnsembleSize 1.", nameof(options));
            Continued = (ModelContinuation.Apply("user", _userParams, userArch, userFeatures, data.Users, initial.UserTower, initial.Users),
                ModelContinuation.Apply("item", _itemParams, itemArch, itemFeatures, data.Items, initial.ItemTower, initial.Items));
            _continuedUsers = ModelContinuation.KnownIds(data.Users, initial.Users, initial.UserTower.EntityCount);
            _continuedItems = ModelContinuation.KnownIds(data.Items, initial.Items, initial.ItemTower.EntityCount);
        }
        if (options.InitialUserEmbeddings is not null)
        {
            if (_userId is null) throw new ArgumentException("InitialUserEmbeddings needs UseUserIdEmbedding = true.", nameof(options));
            WarmStart.Apply(_userId, options.InitialUserEmbeddings, options.InitialEmbeddingDimension, options.Seed + 101, "User");
            _warmUser = true;
        }
        if (options.InitialItemEmbeddings is not null)
        {
            if (_itemId is null) throw new ArgumentException("InitialItemEmbeddings needs an item id embedding: set UseItemIdEmbedding = true.", nameof(options));
            WarmStart.Apply(_itemId, options.InitialItemEmbeddings, options.InitialEmbeddingDimension, options.Seed + 202, "Item");
            _warmItem = true;
        }
        ZeroColdIdRows();

        _optimizer = options.Optimizer switch
        {
            TwoTowerOptimizer.Adagrad => new AdagradOptimizer(weightDecay: options.WeightDecay),
            TwoTowerOptimizer.SgdMomentum => new SgdMomentumOptimizer(options.Momentum, options.WeightDecay),
            _ => new AdamOptimizer(weightDecay: options.WeightDecay),
        };
        _loss = options.Loss switch
        {
            TwoTowerLoss.BinaryCrossEntropy => new SampledBceLoss(options.Temperature),
            TwoTowerLoss.Bpr => new BprLoss(options.Temperature),
            TwoTowerLoss.Hinge => new HingeLoss(options.Margin),
            _ => new InBatchSoftmaxLoss(options.Temperature, _threads, options.MaskSameUserPositives),
        };
        var n = data.Train.Count;
        _logQ = new float[data.Items.Count];
        if (options.ExtraNegatives > 0) _extraSampler = new NegativeSampler(_itemCounts, options.ExtraNegativeSampling);
        var batchDraws = Math.Min(options.BatchSize, n);
        for (var k = 0; k < _logQ.Length; k++)
        {
            // Mixed negatives: a column's item comes from the batch's positives (B draws by popularity) or the extra draws (E by the
            // sampler), so the correction is the log of its expected count B·p + E·q; without extras that is log p plus a constant.
            _logQ[k] = _extraSampler is null
                ? options.LogQWeight * MathF.Log(Math.Max(_itemCounts[k], 1) / (float)n)
                : options.LogQWeight * (float)Math.Log(batchDraws * (Math.Max(_itemCounts[k], 1) / (double)n) + options.ExtraNegatives * _extraSampler.Probability(k));
        }
        if (data.Validation is { Count: > 0 }) _metric = ValidationMetric.Parse(options.ValidationMetric);

        var bs = Math.Min(options.BatchSize, n);
        var extra = options.SoftmaxOverAllItems ? data.Items.Count : options.ExtraNegatives + options.HardNegatives;
        _batch = new TrainingBatch(data.Users.Count, data.Items.Count, bs, extra);
        var cols = bs + extra;
        _u = new float[bs * _d];
        _i = new float[cols * _d];
        _s = new float[bs * cols];
        _ds = new float[bs * cols];
        _du = new float[bs * _d];
        _di = new float[cols * _d];
        _colLogQ = new float[cols];
        _order = new int[n];
        _pool = new int[Math.Max(options.HardNegativePool, 1)];
        _poolScores = new float[_pool.Length];
        _meanUser = new float[_d];
        if (options.RecencyWeight > 0) _rowWeights = RecencyExampleWeights.Compute(data.Train, options.RecencyWeight, options.RecencyHalfLife);
        _batchWeights = new float[bs];
        if (options.WeightAveragingDecay > 0)
        {
            _averaging = new ParameterAveraging(_allParams);
            _trainingValues = _allParams.Select(p => new float[p.Value.Length]).ToArray();
        }
    }

    /// <summary>What the towers took over from <see cref="TwoTowerTrainerOptions.InitialModel"/> (null without one).</summary>
    public (ContinuationCounts Users, ContinuationCounts Items)? Continued { get; }

    public Parameter? ItemIdEmbedding => _itemId;

    public Parameter? UserIdEmbedding => _userId;

    /// <summary>Keys of the users with at least one training interaction.</summary>
    public int[] TrainedUsers => [.. Enumerable.Range(0, _userCounts.Length).Where(u => _userCounts[u] > 0)];

    public TwoTowerQualityReport Run(IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var report = new TwoTowerQualityReport { ValidationMetric = _metric?.Name ?? "" };
        var n = _data.Train.Count;
        var bs = Math.Min(_o.BatchSize, n);
        var stepsPerEpoch = (n + bs - 1) / bs;
        var schedule = new LearningRateSchedule(_o.LearningRate, _o.WarmupSteps, _o.LearningRateDecay, (long)stepsPerEpoch * _o.Epochs);
        var shuffle = new Random(_o.Seed);
        var negRandom = new Random(unchecked(_o.Seed * 7919 + 13));
        for (var r = 0; r < n; r++) _order[r] = r;
        double best = double.NegativeInfinity;
        var bestEpoch = 0;
        float[][]? bestValues = null;
        var sinceBest = 0;
        var users = _data.Train.UserKeys.ToArray();
        var items = _data.Train.ItemKeys.ToArray();
        var startEpoch = 1;
        var finished = false;
        if (_checkpointPath is not null && File.Exists(_checkpointPath))
        {
            var ck = TrainingCheckpoint.Load(_checkpointPath, _checkpointOptions!, _checkpointData!, _allParams);
            _step = ck.Step;
            (best, bestEpoch, sinceBest, bestValues) = (ck.State.Best, ck.State.BestEpoch, ck.State.SinceBest, ck.BestValues);
            if (ck.Averages is not null) _averaging?.Import(ck.Averages);
            report.LossCurve.AddRange(ck.State.LossCurve);
            report.ExamplesPerSecond.AddRange(ck.State.ExamplesPerSecond);
            report.ValidationCurve.AddRange(ck.State.ValidationCurve);
            report.EpochsRun = ck.Epoch;
            startEpoch = ck.Epoch + 1;
            finished = ck.Finished;
            // The random streams continue where the saved run left them: replay their draws for the finished epochs.
            for (var e = 1; e <= ck.Epoch; e++)
            {
                shuffle.Shuffle(_order);
                SkipNegativeDraws(negRandom, stepsPerEpoch);
            }
            progress?.Report(OfMember(new TrainingProgress("resume", ck.Epoch, _o.Epochs, ck.State.LossCurve.LastOrDefault())));
        }

        for (var epoch = startEpoch; !finished && epoch <= _o.Epochs; epoch++)
        {
            ct.ThrowIfCancellationRequested();
            var sw = Stopwatch.StartNew();
            (_user as ManagedTower)?.ReseedDropout(unchecked(_o.Seed * 31 + 7 + 1_000_003 * epoch));
            (_item as ManagedTower)?.ReseedDropout(unchecked(_o.Seed * 37 + 11 + 1_000_003 * epoch));
            var freeze = epoch <= _o.FreezeInitialEmbeddingsEpochs;
            if (_userId is not null) _userId.Frozen = freeze && _warmUser;
            if (_itemId is not null) _itemId.Frozen = freeze && _warmItem;
            shuffle.Shuffle(_order);
            if (_o.HardNegatives > 0) SnapshotForMining();
            double lossSum = 0;
            for (var start = 0; start < n; start += bs)
            {
                ct.ThrowIfCancellationRequested();
                var count = Math.Min(bs, n - start);
                _batch.Fill(users, items, _order.AsSpan(start, count), deduplicateUsers: !_holdOutHistory);
                AddNegatives(negRandom);
                if (_rowWeights is not null)
                    for (var b = 0; b < count; b++) _batchWeights[b] = _rowWeights[_order[start + b]];
                lossSum += Step(schedule.RateAt(++_step)) * count;
            }
            var seconds = sw.Elapsed.TotalSeconds;
            var loss = lossSum / n;
            report.LossCurve.Add(loss);
            report.ExamplesPerSecond.Add(n / seconds);
            report.EpochsRun = epoch;
            if (!double.IsFinite(loss))
                throw new TrainingFailedException($"Training diverged at epoch {epoch}: loss is {loss}. Lower LearningRate ({_o.LearningRate}) or raise Temperature ({_o.Temperature}).");
            // With L2-normalised outputs an overflowing tower still gives a finite loss (its vectors normalise to 0): the
            // parameters and the last batch's tower outputs tell divergence apart.
            if (Diverged()) throw new TrainingFailedException($"Training diverged at epoch {epoch}: the towers' parameters or outputs are no longer finite (loss {loss:G4}). Lower LearningRate ({_o.LearningRate}).");

            IReadOnlyDictionary<string, double>? metrics = null;
            if (_metric is not null)
            {
                UseAverages();
                var snapshot = BuildModel(null);
                metrics = _metric.Evaluate(snapshot, _data.Train, _data.Validation!, _threads, ct);
                report.ValidationCurve.Add(new Dictionary<string, double>(metrics));
                var value = metrics[_metric.Name];
                if (value > best)
                {
                    best = value;
                    bestEpoch = epoch;
                    bestValues = _allParams.Select(p => (float[])p.Value.Clone()).ToArray();
                    sinceBest = 0;
                }
                else sinceBest++;
                UseTrainingValues();
            }
            var stop = _metric is not null && _o.EarlyStoppingPatience > 0 && sinceBest >= _o.EarlyStoppingPatience;
            if (_checkpointPath is not null)
                SaveCheckpoint(_checkpointPath, epoch, stop || epoch == _o.Epochs, report, new TrainingCheckpoint.TrainingState { Best = best, BestEpoch = bestEpoch, SinceBest = sinceBest }, bestValues);
            progress?.Report(OfMember(new TrainingProgress("epoch", epoch, _o.Epochs, loss, metrics, n / seconds, sw.Elapsed.TotalSeconds)));
            if (stop) break;
        }
        if (bestValues is not null)
            for (var p = 0; p < _allParams.Length; p++) bestValues[p].CopyTo(_allParams[p].Value, 0);
        else UseAverages();
        report.BestEpoch = bestValues is not null ? bestEpoch : report.EpochsRun;
        report.BestValidationValue = bestValues is not null ? best : null;
        return report;
    }

    // Non-finite parameters or outputs, or (with normalisation) most output rows not of unit length: an overflowing
    // tower's rows normalise to 0, while one row at 0 can be an input that leaves every unit dead.
    // Items read from features alone need some each: trained items without any (metadata for part of the catalogue) would
    // all get the one vector of an all-zero input, and the default then keeps the id embedding.
    private static bool HasTrainedItemWithoutFeatures(FeatureTable itemFeatures, Data.Interactions train)
    {
        foreach (var item in train.ItemKeys)
            if (!itemFeatures.HasFeatures(item)) return true;
        return false;
    }

    private bool Diverged()
    {
        foreach (var p in _allParams)
            if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(p.Value)) return true;
        foreach (var (outputs, rows) in new[] { (_u, _batch.UserCount), (_i, _batch.ItemCount) })
        {
            var collapsed = 0;
            for (var r = 0; r < rows; r++)
            {
                var row = outputs.AsSpan(r * _d, _d);
                if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(row)) return true;
                if (_o.Normalize && System.Numerics.Tensors.TensorPrimitives.SumOfSquares<float>(row) < 0.25f) collapsed++;
            }
            if (rows > 0 && collapsed * 2 > rows) return true;
        }
        return false;
    }

    /// <summary>One optimisation step on the filled batch; returns the batch's mean loss.</summary>
    private float Step(float learningRate)
    {
        int nu = _batch.UserCount, ni = _batch.ItemCount, nb = _batch.ExampleCount, d = _d;
        var parallel = _threads >= 2;
        Run(parallel,
            () => _user.Forward(_batch.Users.AsSpan(0, nu), true, _holdOutHistory ? _batch.HeldOutItems.AsSpan(0, nb) : ReadOnlySpan<int>.Empty).CopyTo(_u),
            () => _item.Forward(_batch.Items.AsSpan(0, ni), true).CopyTo(_i));
        Gemm.MultiplyTransposedB(_u.AsSpan(0, nu * d), _i.AsSpan(0, ni * d), _s.AsSpan(0, nu * ni), nu, ni, d, maxThreads: _threads);
        // With the whole catalogue as columns the softmax is exact: no sampling bias to correct.
        var useLogQ = _o.LogQCorrection && _o.Loss == TwoTowerLoss.SampledSoftmax && !_o.SoftmaxOverAllItems;
        if (useLogQ) for (var c = 0; c < ni; c++) _colLogQ[c] = _logQ[_batch.Items[c]];
        var logQ = useLogQ ? _colLogQ.AsSpan(0, ni) : ReadOnlySpan<float>.Empty;
        var weights = _rowWeights is not null ? _batchWeights.AsSpan(0, nb) : ReadOnlySpan<float>.Empty;
        // One row per example with the held-out history: the loss must know which rows are the same user (its other positives are no negatives).
        var rowUsers = _holdOutHistory ? _batch.RowUsers.AsSpan(0, nu) : ReadOnlySpan<int>.Empty;
        var loss = _loss.Compute(_s.AsSpan(0, nu * ni), nu, ni, _batch.Rows.AsSpan(0, nb), _batch.Columns.AsSpan(0, nb), logQ, weights, rowUsers, _ds.AsSpan(0, nu * ni));
        Run(parallel,
            () =>
            {
                Gemm.Multiply(_ds.AsSpan(0, nu * ni), _i.AsSpan(0, ni * d), _du.AsSpan(0, nu * d), nu, d, ni);
                _user.Backward(_du.AsSpan(0, nu * d));
            },
            () =>
            {
                Gemm.MultiplyTransposedA(_ds.AsSpan(0, nu * ni), _u.AsSpan(0, nu * d), _di.AsSpan(0, ni * d), ni, d, nu);
                _item.Backward(_di.AsSpan(0, ni * d));
            });
        if (_o.GradientClipNorm > 0) GradientClipping.ClipByGlobalNorm(_allParams, _o.GradientClipNorm);
        var step = _step;
        // TensorFlow's ExponentialMovingAverage warm-up: early averages do not drag the random initialisation along.
        var decay = Math.Min(_o.WeightAveragingDecay, (1f + step) / (10f + step));
        _averaging?.BeginStep(decay);
        Run(parallel,
            () => { for (var i = 0; i < _userParams.Length; i++) Update(i, learningRate, step, decay); },
            () => { for (var i = _userParams.Length; i < _allParams.Length; i++) Update(i, learningRate, step, decay); });
        return loss;
    }

    // The averaging reads a sparse parameter's touched rows around its update, before the gradient is cleared.
    private void Update(int index, float learningRate, long step, float decay)
    {
        var p = _allParams[index];
        _averaging?.BeforeUpdate(index);
        _optimizer.Step(p, learningRate, step);
        _averaging?.AfterUpdate(index, decay);
        p.ClearGradient();
    }

    /// <summary>Puts the averaged parameters in place (no-op without averaging), keeping the training values aside.</summary>
    private void UseAverages()
    {
        if (_averaging is null) return;
        var averages = _averaging.Current();
        for (var p = 0; p < _allParams.Length; p++)
        {
            _allParams[p].Value.CopyTo(_trainingValues![p], 0);
            averages[p].CopyTo(_allParams[p].Value, 0);
        }
    }

    /// <summary>Undoes <see cref="UseAverages"/> so that training continues from its own values.</summary>
    private void UseTrainingValues()
    {
        if (_averaging is null) return;
        for (var p = 0; p < _allParams.Length; p++) _trainingValues![p].CopyTo(_allParams[p].Value, 0);
    }

    private static void Run(bool parallel, Action a, Action b)
    {
        if (parallel) Parallel.Invoke(a, b);
        else
        {
            a();
            b();
        }
    }

    private void AddNegatives(Random random)
    {
        if (_o.SoftmaxOverAllItems)
        {
            for (var it = 0; it < _data.Items.Count; it++) _batch.AddNegative(it);
            return;
        }
        if (_extraSampler is not null)
            for (var k = 0; k < _o.ExtraNegatives; k++) _batch.AddNegative(_extraSampler.Sample(random));
        if (_o.HardNegatives > 0 && _snapItems is not null && _snapUsers is not null)
        {
            // Shared hard negatives: the pool items the batch's users score highest on average (epoch-start model).
            Array.Clear(_meanUser);
            for (var r = 0; r < _batch.UserCount; r++)
                TensorPrimitives.Add(_meanUser, _snapUsers.AsSpan(_batch.Users[r] * _d, _d), _meanUser);
            var m = _pool.Length;
            for (var k = 0; k < m; k++)
            {
                var it = random.Next(_data.Items.Count);
                _pool[k] = it;
                _poolScores[k] = _batch.HasItem(it) ? float.NegativeInfinity : TensorPrimitives.Dot(_meanUser, _snapItems.AsSpan(it * _d, _d));
            }
            Array.Sort(_poolScores, _pool);
            var added = 0;
            for (var k = m - 1; k >= 0 && added < _o.HardNegatives; k--)
                if (float.IsFinite(_poolScores[k]) && _batch.AddNegative(_pool[k])) added++;
        }
    }

    // An ensemble's members each count their epochs from 1: every report (resume and epoch) names its member.
    private TrainingProgress OfMember(TrainingProgress p) =>
        _o.EnsembleSize > 1 ? p with { Member = _member + 1, Members = _o.EnsembleSize } : p;

    // Written after the epoch's validation, when the training values (not the averages) are in place.
    private void SaveCheckpoint(string path, int epoch, bool finished, TwoTowerQualityReport report, TrainingCheckpoint.TrainingState earlyStopping, float[][]? bestValues)
    {
        earlyStopping.LossCurve = report.LossCurve;
        earlyStopping.ExamplesPerSecond = report.ExamplesPerSecond;
        earlyStopping.ValidationCurve = report.ValidationCurve;
        new TrainingCheckpoint
        {
            Epoch = epoch, Step = _step, Finished = finished, Options = _checkpointOptions!, Data = _checkpointData!,
            Parameters = _allParams, BestValues = bestValues, Averages = _averaging?.Export(), State = earlyStopping,
        }.Save(path);
    }

    // The draws AddNegatives makes from its random stream over that many batches, without the batches: a resumed run
    // replays them for the epochs it skips. Must follow AddNegatives draw for draw.
    private void SkipNegativeDraws(Random random, long batches)
    {
        if (_o.SoftmaxOverAllItems) return;
        for (var b = 0L; b < batches; b++)
        {
            if (_extraSampler is not null)
                for (var k = 0; k < _o.ExtraNegatives; k++) _extraSampler.Sample(random);
            if (_o.HardNegatives > 0)
                for (var k = 0; k < _pool.Length; k++) random.Next(_data.Items.Count);
        }
    }

    private void SnapshotForMining()
    {
        _snapItems = EmbedAll(_item, _data.Items.Count);
        _snapUsers = EmbedAll(_user, _data.Users.Count);
    }

    private float[] EmbedAll(ITower tower, int count)
    {
        var result = new float[count * _d];
        const int chunk = 1024;
        var keys = new int[chunk];
        for (var start = 0; start < count; start += chunk)
        {
            var c = Math.Min(chunk, count - start);
            for (var k = 0; k < c; k++) keys[k] = start + k;
            tower.Forward(keys.AsSpan(0, c), false).CopyTo(result.AsSpan(start * _d, c * _d));
        }
        return result;
    }

    private void ZeroColdIdRows()
    {
        // Entities never seen in training have untrained id rows: zero them so that their vectors come from features alone.
        // Rows continued from InitialModel were trained there (an item of the catalogue nobody chose this time keeps its row).
        if (_itemId is not null && !_warmItem)
            for (var k = 0; k < _itemCounts.Length; k++) if (_itemCounts[k] == 0 && _continuedItems?[k] != true) _itemId.ValueRow(k).Clear();
        if (_userId is not null && !_warmUser)
            for (var k = 0; k < _userCounts.Length; k++) if (_userCounts[k] == 0 && _continuedUsers?[k] != true) _userId.ValueRow(k).Clear();
    }

    /// <summary>Embeds every user and item with the current parameters.</summary>
    public TwoTowerRecommender BuildModel(TwoTowerQualityReport? report)
    {
        if (report is not null) ZeroColdIdRows();
        var users = EmbedAll(_user, _data.Users.Count);
        var items = EmbedAll(_item, _data.Items.Count);
        var cold = new float[_d];
        var seen = 0;
        for (var u = 0; u < _userCounts.Length; u++)
            if (_userCounts[u] > 0)
            {
                TensorPrimitives.Add(cold, users.AsSpan(u * _d, _d), cold);
                seen++;
            }
        if (seen > 0) TensorPrimitives.Multiply(cold, 1f / seen, cold);
        if (_o.Normalize)
        {
            var norm = TensorPrimitives.Norm(cold);
            if (norm > 0) TensorPrimitives.Multiply(cold, 1f / norm, cold);
        }
        // Only the final model keeps its towers: per-epoch validation snapshots need the vectors alone.
        return report is null
            ? new TwoTowerRecommender(_data.Users, _data.Items, _d, users, items, cold, Hyper(), report)
            : new TwoTowerRecommender(_data.Users, _data.Items, _d, users, items, cold, Hyper(), report, _user.ExportWeights(), _item.ExportWeights());
    }

    private Dictionary<string, object?> Hyper()
    {
        var hyper = Settings();
        if (Continued is { } c)
        {
            // What a continued run took over from its initial model: ids by raw id, feature values by value.
            hyper["continued_users"] = $"{c.Users.Entities}/{c.Users.EntityCount}";
            hyper["continued_items"] = $"{c.Items.Entities}/{c.Items.EntityCount}";
            hyper["continued_feature_values"] = $"{c.Users.VocabularyRows + c.Items.VocabularyRows}/{c.Users.VocabularyCount + c.Items.VocabularyCount}";
        }
        return hyper;
    }

    // The features the towers really read: UseItemFeatures = true without item metadata trains an id-only tower.
    private static string FeatureNames(FeatureTable t) =>
        t.IsEmpty ? "none" : string.Join(", ", t.Categoricals.Select(c => c.Name).Concat(t.Bags.Select(b => b.Name + "[]")).Concat(t.NumericNames.Select(n => n + "#")));

    private Dictionary<string, object?> Settings() => new()
    {
        ["backend"] = "managed",
        ["embedding_dimension"] = _o.EmbeddingDimension,
        ["hidden_layers"] = string.Join(",", _o.HiddenLayers),
        ["loss"] = _o.Loss.ToString(),
        ["logq"] = _o.LogQCorrection,
        ["logq_weight"] = _o.LogQWeight,
        ["temperature"] = _o.Temperature,
        ["optimizer"] = _o.Optimizer.ToString(),
        ["learning_rate"] = _o.LearningRate,
        ["batch_size"] = _o.BatchSize,
        ["epochs"] = _o.Epochs,
        ["seed"] = _o.Seed,
        ["threads"] = _threads,
        ["item_features"] = _itemFeatureNames,
        ["item_id_embedding"] = _itemId is not null,
        ["user_history"] = _o.UseUserHistory,
        ["user_history_length"] = _o.UserHistoryLength,
        ["weight_averaging_decay"] = _o.WeightAveragingDecay,
        ["user_features"] = _userFeatureNames,
        ["recency_weight"] = _o.RecencyWeight,
        ["recency_half_life"] = _o.RecencyHalfLife,
        ["softmax_over_all_items"] = _o.SoftmaxOverAllItems,
    };
}
