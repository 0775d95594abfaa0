using TwoTower.MLNet.Data;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.ColdStart;

/// <summary>
/// New items through a two-tower model's own item tower: the record's genres, title and release year are encoded with
/// the training vocabularies and run through the trained network, exactly as an item without training interactions was.
/// Fields the tower does not read (a release date for a tower trained without release years) are left out; a tower that
/// reads features a record does not describe (Featurize's columns, such as "GenresBag") is not one this embedder serves.
/// </summary>
public sealed class ItemTowerEmbedder : INewItemEmbedder
{
    private readonly TwoTowerRecommender _model;

    /// <summary>Wraps <paramref name="model"/>, which must have an item tower that reads the features of item records.</summary>
    /// <exception cref="ArgumentException">The model has no item tower, its item tower reads no features, or it reads features an item record does not describe.</exception>
    public ItemTowerEmbedder(TwoTowerRecommender model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.ItemTower is not { Features.IsEmpty: false } tower)
            throw new ArgumentException("The two-tower model has no item tower with features (an ensemble, a file saved before towers were kept, or items trained from ids only).", nameof(model));
        if (Undescribed(tower.Features).Any())
            throw new ArgumentException($"The item tower reads features an item record does not describe ({string.Join(", ", Undescribed(tower.Features))}); " +
                $"a record gives only {ItemFeatureBuilder.Genres}, {ItemFeatureBuilder.Title} and {ItemFeatureBuilder.ReleaseYear}.", nameof(model));
        _model = model;
    }

    /// <summary>
    /// Whether <paramref name="model"/> has an item tower that reads item features, all of them ones an <see cref="ItemRecord"/>
    /// describes (<see cref="ItemFeatureBuilder"/>'s genres, title and release year).
    /// </summary>
    public static bool CanEmbed(TwoTowerRecommender model) =>
        model.ItemTower is { Features.IsEmpty: false } tower && !Undescribed(tower.Features).Any();

    // The tower's features no record describes: every new item would read them as missing, and all would get one vector.
    private static IEnumerable<string> Undescribed(FeatureSchema features) =>
        features.Categoricals.Select(c => c.Name)
            .Concat(features.Bags.Select(b => b.Name).Where(n => n is not (ItemFeatureBuilder.Genres or ItemFeatureBuilder.Title)))
            .Concat(features.Numerics.Select(n => n.Name).Where(n => n != ItemFeatureBuilder.ReleaseYear));

    /// <inheritdoc />
    public string Method => "item_tower";

    /// <inheritdoc />
    public int Dimension => _model.Dimension;

    /// <inheritdoc />
    public float[] Embed(ItemRecord item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var raw = ItemFeatureBuilder.Describe(item);
        // A field the tower never saw is left out, as training left it out, not refused like a misspelt feature name (a
        // record's fields are fixed). The constructor's check makes each name's kind the record's (genres and title bags, release year numeric).
        raw.KeepOnly(_model.ItemTower!.Features.Names);
        return _model.EmbedNewItem(raw);
    }
}
