namespace TwoTower.MLNet;

/// <summary>What a <see cref="TwoTowerTrainersCatalog.MatrixFactorization(MatrixFactorizationOptions)"/> model fits.</summary>
public enum MatrixFactorizationFeedback
{
    /// <summary>Implicit feedback (who interacted with what): weighted ALS, iALS.</summary>
    Implicit,

    /// <summary>Explicit ratings: biased matrix factorization by ALS on the observed ratings.</summary>
    Explicit,
}
