using TwoTower.MLNet.MatrixFactorization;

namespace TwoTower.MLNet;

/// <summary>
/// Options of <see cref="TwoTowerTrainersCatalog.MatrixFactorization(MatrixFactorizationOptions)"/>: the columns to
/// read, the kind of feedback and that engine's options (<see cref="Als"/> or <see cref="Explicit"/>, defaults
/// documented there).
/// </summary>
public sealed class MatrixFactorizationOptions
{
    /// <summary>The user id column (text, key with values, or number). Default "UserId".</summary>
    public string UserIdColumn { get; set; } = "UserId";

    /// <summary>The item id column (text, key with values, or number). Default "ItemId".</summary>
    public string ItemIdColumn { get; set; } = "ItemId";

    /// <summary>
    /// A numeric column: the rating to fit, for explicit feedback (required then). Default null. Implicit feedback reads no
    /// rating: every row is one interaction and repeated (user, item) rows raise the confidence, so setting it there throws.
    /// </summary>
    public string? RatingColumn { get; set; }

    /// <summary>
    /// The timestamp column (a scalar number or DateTime), or null (default): it orders each user's interactions for the
    /// iALS recency boost (<c>Als.RecencyBoost</c>, on by default); without it the boost is off.
    /// </summary>
    public string? TimestampColumn { get; set; }

    /// <summary>Implicit (iALS, default) or explicit (rating regression, needs <see cref="RatingColumn"/>).</summary>
    public MatrixFactorizationFeedback Feedback { get; set; } = MatrixFactorizationFeedback.Implicit;

    /// <summary>The implicit-ALS options (factors, regularisation, α, iterations, seed, threads).</summary>
    public ImplicitAlsOptions Als { get; set; } = new();

    /// <summary>The explicit-MF options (factors, regularisation, iterations, biases, seed, threads).</summary>
    public ExplicitMatrixFactorizationOptions Explicit { get; set; } = new();

    /// <summary>Throws naming the first invalid option (the chosen engine's options included).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, explicit feedback has no rating column, or implicit feedback has one.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(UserIdColumn)) throw new ArgumentOutOfRangeException(nameof(UserIdColumn), UserIdColumn, "UserIdColumn must name a column.");
        if (string.IsNullOrWhiteSpace(ItemIdColumn)) throw new ArgumentOutOfRangeException(nameof(ItemIdColumn), ItemIdColumn, "ItemIdColumn must name a column.");
        if (RatingColumn is not null && string.IsNullOrWhiteSpace(RatingColumn)) throw new ArgumentOutOfRangeException(nameof(RatingColumn), RatingColumn, "RatingColumn must name a column or be null.");
        if (TimestampColumn is not null && string.IsNullOrWhiteSpace(TimestampColumn)) throw new ArgumentOutOfRangeException(nameof(TimestampColumn), TimestampColumn, "TimestampColumn must name a column or be null.");
        ColumnRoles.RefuseShared((UserIdColumn, nameof(UserIdColumn)), (ItemIdColumn, nameof(ItemIdColumn)), (RatingColumn, nameof(RatingColumn)), (TimestampColumn, nameof(TimestampColumn)));
        switch (Feedback)
        {
            case MatrixFactorizationFeedback.Implicit:
                ArgumentNullException.ThrowIfNull(Als, nameof(Als));
                // iALS counts rows; a column it would read and then ignore looks like an interaction strength that is used.
                if (RatingColumn is not null)
                    throw new ArgumentOutOfRangeException(nameof(RatingColumn), RatingColumn,
                        "Implicit feedback does not read a rating column (every row is one interaction; repeated rows raise the confidence): leave RatingColumn null, or set Feedback = Explicit to fit the ratings.");
                Als.Validate();
                break;
            case MatrixFactorizationFeedback.Explicit:
                ArgumentNullException.ThrowIfNull(Explicit, nameof(Explicit));
                if (RatingColumn is null) throw new ArgumentOutOfRangeException(nameof(RatingColumn), RatingColumn, "Explicit feedback fits ratings: set RatingColumn.");
                Explicit.Validate();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(Feedback), Feedback, "Expected Implicit or Explicit.");
        }
    }
}
