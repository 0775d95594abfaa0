using TwoTower.MLNet.Models.Baselines;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.Models;

/// <summary>Registers the loaders of the models that ship in this assembly.</summary>
internal static class BuiltInModels
{
    /// <summary>Called once by <see cref="ModelRegistry"/>'s static constructor. Each model family adds its line here.</summary>
    internal static void RegisterAll()
    {
        ModelRegistry.Register(PopularityRecommender.TypeName, PopularityRecommender.Load);
        ModelRegistry.Register(RandomRecommender.TypeName, RandomRecommender.Load);
        ModelRegistry.Register(TwoTowerModel.TwoTowerRecommender.TypeName, TwoTowerModel.TwoTowerRecommender.Load);
        ModelRegistry.Register(ItemItemRecommender.TypeName, ItemItemRecommender.Load);
        ModelRegistry.Register(MatrixFactorization.MatrixFactorizationModel.ImplicitModelType, MatrixFactorization.MatrixFactorizationModel.Load);
        ModelRegistry.Register(MatrixFactorization.MatrixFactorizationModel.ExplicitModelType, MatrixFactorization.MatrixFactorizationModel.Load);
        ModelRegistry.Register(MatrixFactorization.EaseModel.EaseModelType, MatrixFactorization.EaseModel.Load);
    }
}
