using TwoTower.MLNet.Losses;
using TwoTower.MLNet.Optimizers;

namespace TwoTower.MLNet.TwoTowerModel;

/// <summary>The loss a two-tower model trains with.</summary>
public enum TwoTowerLoss
{
    /// <summary>In-batch sampled softmax (with optional logQ correction and extra/hard negatives). The default.</summary>
    SampledSoftmax,
    /// <summary>Binary cross-entropy with the batch's other items as sampled negatives.</summary>
    BinaryCrossEntropy,
    /// <summary>Bayesian personalised ranking over the batch's other items.</summary>
    Bpr,
    /// <summary>Hinge / triplet loss with <see cref="TwoTowerTrainerOptions.Margin"/>.</summary>
    Hinge,
}

/// <summary>The optimiser a two-tower model trains with.</summary>
public enum TwoTowerOptimizer
{
    /// <summary>Adam with decoupled weight decay (default).</summary>
    Adam,
    /// <summary>Adagrad (Keras defaults).</summary>
    Adagrad,
    /// <summary>SGD with momentum.</summary>
    SgdMomentum,
}

/// <summary>
/// Options of <see cref="TwoTowerTrainer"/>. The defaults train well on MovieLens-100K without tuning;
/// they were chosen on the p1-tune / p2-tune splits only (see each property).
/// </summary>
public sealed class TwoTowerTrainerOptions
{
    /// <summary>Output dimension d of both towers. Default 64.</summary>
    public int EmbeddingDimension { get; set; } = 64;

    /// <summary>Width of the user and item id embeddings. Default 64 (as the PyTorch peer).</summary>
    public int IdEmbeddingDimension { get; set; } = 64;

    /// <summary>Width of each categorical / bag feature embedding (genres, title tokens, occupation...). Default 32.</summary>
    public int FeatureEmbeddingDimension { get; set; } = 32;

    /// <summary>Hidden ReLU layer widths of both towers. Default [256, 128] (as the PyTorch peer).</summary>
    public int[] HiddenLayers { get; set; } = { 256, 128 };

    /// <summary>Whether the user tower has a user id embedding. Default true.</summary>
    public bool UseUserIdEmbedding { get; set; } = true;

    /// <summary>
    /// Whether the item tower has an item id embedding: true, false (items purely from their features), or null
    /// (default) = only when some trained item has no feature (no metadata at all, or metadata for part of the items only:
    /// items without any feature would share one vector). Why: on ML-100K the title tokens, genres and year identify
    /// a movie well enough, and without the free id row the tower memorises less: p1-tune val top_100 .412 against
    /// .408 with it (14 epochs), a flatter curve past the best epoch, and p2-tune val NDCG@10 .066 against .062 at
    /// epoch 16. Cold items are then embedded exactly like trained ones.
    /// </summary>
    public bool? UseItemIdEmbedding { get; set; }

    /// <summary>Whether item metadata (genres, title tokens, release year) feeds the item tower when given. Default true.</summary>
    public bool UseItemFeatures { get; set; } = true;

    /// <summary>Whether user metadata (gender, occupation, zip region, age) feeds the user tower when given. Default true.</summary>
    public bool UseUserFeatures { get; set; } = true;

    /// <summary>
    /// Whether the user tower also sees the user's training items as a mean-bag embedding; while training, each
    /// example's own item is left out of its user's bag (one user row per example), so the tower never sees its
    /// target. Default false: on p1-tune (.405 vs .408 val top_100) and p2-tune (.0597 vs .0606 val NDCG@10) it
    /// did not beat the id embedding, with or without it.
    /// </summary>
    public bool UseUserHistory { get; set; }

    /// <summary>With <see cref="UseUserHistory"/> (refused without it): only the user's last N training interactions by time (0 = all). Default 0.</summary>
    public int UserHistoryLength { get; set; }

    /// <summary>L2-normalise tower outputs (cosine similarity). Default true.</summary>
    public bool Normalize { get; set; } = true;

    /// <summary>Softmax temperature: logits are similarities divided by this. BCE and BPR divide their scores by it too (at 0.05 their logits span ±20 with <see cref="Normalize"/>); hinge ignores it and uses <see cref="Margin"/>. Default 0.05.</summary>
    public float Temperature { get; set; } = 0.05f;

    /// <summary>Dropout after hidden layers while training, in [0, 1); needs at least one hidden layer. Default 0.</summary>
    public float Dropout { get; set; }

    /// <summary>Training loss. Default <see cref="TwoTowerLoss.SampledSoftmax"/>.</summary>
    public TwoTowerLoss Loss { get; set; } = TwoTowerLoss.SampledSoftmax;

    /// <summary>Subtract log(item training frequency) from softmax logits (the biggest quality lever here). Default true.</summary>
    public bool LogQCorrection { get; set; } = true;

    /// <summary>
    /// Strength α of the logQ correction: logits −= α·log q. Default 1. Below 1 some popularity stays in the scores: for
    /// next-item data (leave-last-out) 0.5 measured +.009 NDCG@10 on ML-100K p2-tune and −.007 top_100 on the random p1-tune split.
    /// </summary>
    public float LogQWeight { get; set; } = 1f;

    /// <summary>
    /// Sampled softmax: leave a user's other positives of the batch out of each of its examples' softmax (they are
    /// not negatives for that user), also with <see cref="UseUserHistory"/>, where each example has a row of its own. Default false.
    /// </summary>
    public bool MaskSameUserPositives { get; set; }

    /// <summary>
    /// Recency boost β of the training examples (every loss): a user's interactions are ordered by (timestamp, item key) and the
    /// newest weighs 1 + β in the loss, older ones less (see <see cref="RecencyHalfLife"/>); 0 = every example weighs 1.
    /// Default 3. Why: a user's next items follow their latest ones (sessions), as the iALS recency boost found. p2-tune val
    /// NDCG@10 at epoch 14, seeds 1/2/3: .0804/.0757/.0753 against .0643/.0584/.0612 without. Cost: on a random split,
    /// where time says nothing about the held-out items, p1-tune val top_100 at epoch 14 falls .4115/.4134 → .4015/.4066;
    /// set 0 for such data.
    /// </summary>
    public float RecencyWeight { get; set; } = 3f;

    /// <summary>
    /// Shape of the recency boost: h &gt; 0 = the boost halves every h interactions back from the newest (weight 1 + β·2^(−age/h)),
    /// so only each user's last few dozen interactions are favoured; 0 = a linear ramp over the whole history (1 + β·q,
    /// q = 0 oldest … 1 newest, as the iALS boost). Default 10: p2-tune val NDCG@10 .0806 against .0760 with the linear ramp
    /// (β 3, seed 1), and p1-tune loses less (.4015 against .3930 at epoch 14).
    /// </summary>
    public int RecencyHalfLife { get; set; } = 10;

    /// <summary>
    /// Softmax over the whole catalogue: every item is a column of every batch, so the softmax is exact and needs no logQ
    /// correction (<see cref="LogQCorrection"/> is then ignored). Costs an item-tower pass over the catalogue per step, so it
    /// suits catalogues of a few thousand items. Default false: with the recency boost it lifts p2-tune val NDCG@10 further
    /// (.0860/.0855 against .0804/.0757, seeds 1/2) but costs p1-tune (.3965 against .4015) and about 1.8× the training CPU
    /// time on ML-100K, which would break the 10 s budget.
    /// </summary>
    public bool SoftmaxOverAllItems { get; set; }

    /// <summary>Margin of the hinge loss. Default 0.5.</summary>
    public float Margin { get; set; } = 0.5f;

    /// <summary>
    /// Extra negatives drawn per batch and shared by all its examples (mixed negatives, Yang et al. 2020). With logQ the
    /// correction of every column is then log(B·p + E·q) (its expected count among the B positives drawn by popularity p and
    /// the E extras drawn with probability q). Refused with <see cref="SoftmaxOverAllItems"/>, where every item is a column already. Default 0.
    /// </summary>
    public int ExtraNegatives { get; set; }

    /// <summary>How extra negatives are drawn. Default uniform.</summary>
    public NegativeSampling ExtraNegativeSampling { get; set; } = NegativeSampling.Uniform;

    /// <summary>Hard negatives per batch: the items of a random pool that the model as it was at the start of the epoch (a snapshot, re-taken every epoch) scores highest for the batch's users, excluding the batch's positives. Refused with <see cref="SoftmaxOverAllItems"/>. Default 0.</summary>
    public int HardNegatives { get; set; }

    /// <summary>Size of the uniformly drawn pool hard negatives are mined from, at least <see cref="HardNegatives"/>. Default 512.</summary>
    public int HardNegativePool { get; set; } = 512;

    /// <summary>Optimiser. Default Adam.</summary>
    public TwoTowerOptimizer Optimizer { get; set; } = TwoTowerOptimizer.Adam;

    /// <summary>
    /// Peak learning rate. Default 2e-3 (Adam): on p1-tune it beat 1e-3 (val top_100 .407 vs .399); with 1e-3 the
    /// towers need about twice the epochs for the same validation figures.
    /// </summary>
    public float LearningRate { get; set; } = 2e-3f;

    /// <summary>Decoupled weight decay. Default 0.</summary>
    public float WeightDecay { get; set; }

    /// <summary>Momentum of <see cref="TwoTowerOptimizer.SgdMomentum"/>. Default 0.9.</summary>
    public float Momentum { get; set; } = 0.9f;

    /// <summary>Linear learning-rate warm-up steps. Default 0.</summary>
    public int WarmupSteps { get; set; }

    /// <summary>Learning-rate decay after warm-up over the planned steps. Default none.</summary>
    public LearningRateDecay LearningRateDecay { get; set; } = LearningRateDecay.None;

    /// <summary>
    /// Decay of an exponential moving average of the parameters, updated after every step (with TensorFlow's
    /// warm-up min(decay, (1+t)/(10+t))); the model and each validation use the averaged parameters (0 = off: the
    /// last step's parameters). Default 0.99: the validation curves become monotone up to their peak instead of
    /// jumping ±.004 NDCG@10 from epoch to epoch (p2-tune), so a fixed epoch count without validation data lands
    /// near the best epoch; p1-tune val top_100 .415 at epoch 12 against .410 without.
    /// </summary>
    public float WeightAveragingDecay { get; set; } = 0.99f;

    /// <summary>Clip the global gradient norm to this (0 = off). Default 0.</summary>
    public float GradientClipNorm { get; set; }

    /// <summary>Examples per mini-batch (the other examples' items are each example's negatives: 1 only with ExtraNegatives, HardNegatives or SoftmaxOverAllItems). Default 1024.</summary>
    public int BatchSize { get; set; } = 1024;

    /// <summary>
    /// Maximum epochs (fewer with early stopping). Default 14: with the other defaults (parameter averaging, items
    /// from features) p1-tune val top_100 peaks at epoch 12 (.415) and is .412 at 14, while p2-tune val NDCG@10 still
    /// rises (.061 at 12, .064 at 14, .068 at 20); 14 is the compromise that also keeps ML-100K training under 10 s.
    /// </summary>
    public int Epochs { get; set; } = 14;

    /// <summary>Stop after this many epochs without validation improvement and restore the best epoch (0 = no early stopping: every epoch runs, and the best epoch is still restored at the end). Used only with validation data. Default 2.</summary>
    public int EarlyStoppingPatience { get; set; } = 2;

    /// <summary>
    /// Validation metric for early stopping: a full-ranking metric name (e.g. "NDCG@10", "HR@10") or a TFRS one
    /// ("top_100", "f_top_100"). Default "NDCG@10".
    /// </summary>
    public string ValidationMetric { get; set; } = "NDCG@10";

    /// <summary>Number of independently seeded two-tower models trained and combined by concatenating their vectors (scores add up). Default 1.</summary>
    public int EnsembleSize { get; set; } = 1;

    /// <summary>Random seed: the same seed and thread count give the same model. Default 1.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Threads (0 = all cores). With 2 or more the two towers run in parallel. Default 0.</summary>
    public int Threads { get; set; }

    /// <summary>Warm start: initial user id embeddings, row-major Users.Count × <see cref="InitialEmbeddingDimension"/>, keyed by the training user map.</summary>
    public float[]? InitialUserEmbeddings { get; set; }

    /// <summary>Warm start: initial item id embeddings, row-major Items.Count × <see cref="InitialEmbeddingDimension"/>, keyed by the training item map.</summary>
    public float[]? InitialItemEmbeddings { get; set; }

    /// <summary>
    /// Continue from an earlier two-tower model (null = start fresh, the default), e.g. to retrain on newer data: every tower
    /// weight starts from the model's, embedding rows matched by raw id or feature value; new users, items and values start
    /// fresh and the optimiser state starts empty. The tower options and features must be the same as the model's.
    /// </summary>
    public TwoTowerRecommender? InitialModel { get; set; }

    /// <summary>Width of the warm-start matrices; when it differs from <see cref="IdEmbeddingDimension"/> they are randomly projected (inner products preserved in expectation).</summary>
    public int InitialEmbeddingDimension { get; set; }

    /// <summary>Keep warm-started id embeddings (<see cref="InitialUserEmbeddings"/>, <see cref="InitialItemEmbeddings"/>) frozen for this many epochs; training without either refuses a value above 0. Default 0.</summary>
    public int FreezeInitialEmbeddingsEpochs { get; set; }

    /// <summary>
    /// A folder for training checkpoints (null = none, the default). After every epoch the trainer saves its whole state there
    /// atomically (one file per ensemble member); a later run with the same options and data resumes after the last saved epoch
    /// and ends with the same model as an uninterrupted run. Once a run has finished, a rerun returns its model without training.
    /// Delete the folder to start over.
    /// </summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Compute the quality report (neighbour genre coherence, coverage, norms) after training. Default true.</summary>
    public bool ComputeQualityReport { get; set; } = true;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        static void Positive(int v, string name) { if (v < 1) throw new ArgumentOutOfRangeException(name, v, $"{name} must be ≥ 1."); }
        static void NonNegative(int v, string name) { if (v < 0) throw new ArgumentOutOfRangeException(name, v, $"{name} must be ≥ 0."); }
        static void PositiveF(float v, string name) { if (!(v > 0) || !float.IsFinite(v)) throw new ArgumentOutOfRangeException(name, v, $"{name} must be a finite number > 0."); }
        Positive(EmbeddingDimension, nameof(EmbeddingDimension));
        Positive(IdEmbeddingDimension, nameof(IdEmbeddingDimension));
        Positive(FeatureEmbeddingDimension, nameof(FeatureEmbeddingDimension));
        Positive(BatchSize, nameof(BatchSize));
        Positive(Epochs, nameof(Epochs));
        Positive(EnsembleSize, nameof(EnsembleSize));
        NonNegative(UserHistoryLength, nameof(UserHistoryLength));
        NonNegative(RecencyHalfLife, nameof(RecencyHalfLife));
        NonNegative(EarlyStoppingPatience, nameof(EarlyStoppingPatience));
        NonNegative(ExtraNegatives, nameof(ExtraNegatives));
        NonNegative(HardNegatives, nameof(HardNegatives));
        NonNegative(WarmupSteps, nameof(WarmupSteps));
        NonNegative(Threads, nameof(Threads));
        NonNegative(FreezeInitialEmbeddingsEpochs, nameof(FreezeInitialEmbeddingsEpochs));
        if (HardNegatives > 0) Positive(HardNegativePool, nameof(HardNegativePool));
        // The hard negatives are the pool's best-scoring items: a smaller pool quietly gave fewer than asked for.
        if (HardNegatives > HardNegativePool)
            throw new ArgumentOutOfRangeException(nameof(HardNegativePool), HardNegativePool, $"HardNegativePool = {HardNegativePool} must be ≥ HardNegatives ({HardNegatives}): the hard negatives are picked from the pool.");
        PositiveF(Temperature, nameof(Temperature));
        PositiveF(LearningRate, nameof(LearningRate));
        PositiveF(Margin, nameof(Margin));
        if (!(LogQWeight >= 0) || !float.IsFinite(LogQWeight)) throw new ArgumentOutOfRangeException(nameof(LogQWeight), LogQWeight, "LogQWeight must be a finite number ≥ 0.");
        if (!(RecencyWeight >= 0) || !float.IsFinite(RecencyWeight)) throw new ArgumentOutOfRangeException(nameof(RecencyWeight), RecencyWeight, "RecencyWeight must be a finite number ≥ 0 (0 = off).");
        if (SoftmaxOverAllItems && Loss != TwoTowerLoss.SampledSoftmax) throw new ArgumentException($"SoftmaxOverAllItems needs Loss = SampledSoftmax, not {Loss}.", nameof(SoftmaxOverAllItems));
        if (!(WeightDecay >= 0) || !float.IsFinite(WeightDecay)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "WeightDecay must be a finite number ≥ 0.");
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "Momentum must be in [0, 1).");
        // An undefined enum value (a cast from a number) would silently train with the default instead.
        Defined(Loss, nameof(Loss));
        Defined(Optimizer, nameof(Optimizer));
        Defined(LearningRateDecay, nameof(LearningRateDecay));
        Defined(ExtraNegativeSampling, nameof(ExtraNegativeSampling));
        if (!(WeightAveragingDecay >= 0 && WeightAveragingDecay < 1)) throw new ArgumentOutOfRangeException(nameof(WeightAveragingDecay), WeightAveragingDecay, "WeightAveragingDecay must be in [0, 1) (0 = off).");
        if (!(GradientClipNorm >= 0)) throw new ArgumentOutOfRangeException(nameof(GradientClipNorm), GradientClipNorm, "GradientClipNorm must be ≥ 0 (0 = off).");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "Dropout must be in [0, 1).");
        if (HiddenLayers is null) throw new ArgumentNullException(nameof(HiddenLayers));
        foreach (var h in HiddenLayers) Positive(h, nameof(HiddenLayers));
        // Options that would be accepted and then have no effect: refused, so that a run is what its options say.
        if (Dropout > 0 && HiddenLayers.Length == 0)
            throw new ArgumentException($"Dropout = {Dropout} acts after hidden layers, and HiddenLayers is empty: set Dropout = 0 or add a hidden layer.", nameof(Dropout));
        if (SoftmaxOverAllItems && (ExtraNegatives > 0 || HardNegatives > 0))
            throw new ArgumentException($"SoftmaxOverAllItems makes every item a column of every batch, so ExtraNegatives ({ExtraNegatives}) and HardNegatives ({HardNegatives}) would add nothing: set them to 0.",
                ExtraNegatives > 0 ? nameof(ExtraNegatives) : nameof(HardNegatives));
        // One example makes one column: the softmax of the positive is 1 and BPR and hinge have no pair, so no gradient at all.
        if (BatchSize == 1 && ExtraNegatives == 0 && HardNegatives == 0 && !SoftmaxOverAllItems)
            throw new ArgumentException("BatchSize = 1 leaves each example without a negative (the in-batch negatives are the batch's other items), so nothing would train: use BatchSize ≥ 2, or add ExtraNegatives, HardNegatives or SoftmaxOverAllItems.", nameof(BatchSize));
        if (UserHistoryLength > 0 && !UseUserHistory)
            throw new ArgumentException($"UserHistoryLength = {UserHistoryLength} cuts the history bag, which only UseUserHistory = true adds: set UseUserHistory or leave UserHistoryLength at 0.", nameof(UserHistoryLength));
        if (!UseUserIdEmbedding && !UseUserFeatures && !UseUserHistory) throw new ArgumentException("The user tower needs an id embedding, user features or the history: set UseUserIdEmbedding, UseUserFeatures or UseUserHistory.", nameof(UseUserIdEmbedding));
        if (UseItemIdEmbedding == false && !UseItemFeatures) throw new ArgumentException("The item tower needs an id embedding or item features: set UseItemIdEmbedding or UseItemFeatures.", nameof(UseItemIdEmbedding));
        if ((InitialUserEmbeddings is not null || InitialItemEmbeddings is not null) && InitialEmbeddingDimension < 1)
            throw new ArgumentOutOfRangeException(nameof(InitialEmbeddingDimension), InitialEmbeddingDimension, "Warm-start matrices need InitialEmbeddingDimension ≥ 1.");
        if (InitialModel is not null && (InitialUserEmbeddings is not null || InitialItemEmbeddings is not null))
            throw new ArgumentException("InitialModel and warm-start embeddings (InitialUserEmbeddings, InitialItemEmbeddings) both set the id embeddings: choose one.", nameof(InitialModel));
        if (string.IsNullOrWhiteSpace(ValidationMetric)) throw new ArgumentException("ValidationMetric must name a metric, e.g. \"NDCG@10\" or \"top_100\".", nameof(ValidationMetric));
        try
        {
            TwoTowerModel.ValidationMetric.Parse(ValidationMetric);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException(ex.MessageWithoutParameter(), nameof(ValidationMetric), ex);
        }
    }

    private static void Defined<T>(T value, string name) where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} = {value} is not one of {string.Join(", ", Enum.GetNames<T>())}.");
    }

    /// <summary>A copy whose arrays are copied too (a later change to the original's HiddenLayers does not reach it); the model and embedding arrays it points to are shared.</summary>
    public TwoTowerTrainerOptions Clone()
    {
        var copy = (TwoTowerTrainerOptions)MemberwiseClone();
        copy.HiddenLayers = HiddenLayers is null ? null! : (int[])HiddenLayers.Clone();
        return copy;
    }
}
