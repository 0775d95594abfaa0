using Microsoft.ML;
using TwoTower.MLNet.Data;

namespace TwoTower.MLNet;

/// <summary>
/// MovieLens as an ML.NET <see cref="IDataView"/>: every interaction joined with its user's and its movie's features
/// (<see cref="MovieLensInteraction"/>), ready for <c>ml.TwoTower().Transforms.Featurize</c> and the trainers.
/// </summary>
public static class MovieLens
{
    /// <summary>
    /// The ratings of a MovieLens 100K folder (<c>u.data</c>), or of <paramref name="interactions"/> (e.g. a split's
    /// <c>train.csv</c>) when given, joined with the folder's <c>u.item</c> and <c>u.user</c>.
    /// </summary>
    /// <param name="ml">The ML.NET context.</param>
    /// <param name="path">A MovieLens 100K folder (see <see cref="MovieLensLocator"/> to find or download one).</param>
    /// <param name="interactions">An interactions file in any layout <see cref="DatasetLoader"/> reads; null = the folder's ratings.</param>
    /// <param name="options">Loading options (malformed rows, CSV column names).</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder lacks u.data, u.item or u.user.</exception>
    public static IDataView Load100K(MLContext ml, string path, string? interactions = null, DataLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"MovieLens 100K folder '{path}' does not exist.");
        foreach (var file in new[] { "u.data", "u.item", "u.user" })
            if (!File.Exists(Path.Combine(path, file)))
                throw new FileNotFoundException($"'{path}' is not a MovieLens 100K folder: it has no {file}.", Path.Combine(path, file));
        var dataset = MovieLens100K.Load(path, options);
        var log = interactions is null ? dataset.Interactions : DatasetLoader.LoadInteractions(interactions, options);
        return Join(ml, log, dataset.Items, dataset.Users);
    }

    /// <summary>
    /// Interactions joined with item and user metadata of any layout (<see cref="DatasetLoader.Load"/>'s
    /// <see cref="LoadedDataset.Items"/> and <see cref="LoadedDataset.Users"/>): one <see cref="MovieLensInteraction"/> row each.
    /// </summary>
    /// <param name="ml">The ML.NET context.</param>
    /// <param name="interactions">The interactions, in file order.</param>
    /// <param name="items">Item metadata, or null (empty titles and genres, NaN years).</param>
    /// <param name="users">User metadata, or null (empty text, NaN ages).</param>
    public static IDataView Join(MLContext ml, InteractionLog interactions, ItemMetadata? items, UserMetadata? users)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(interactions);
        var rows = new MovieLensInteraction[interactions.Count];
        for (var r = 0; r < rows.Length; r++)
        {
            UserRecord? user = null;
            ItemRecord? item = null;
            if (users is not null && users.TryGet(interactions.Users[r], out var u)) user = u;
            if (items is not null && items.TryGet(interactions.Items[r], out var i)) item = i;
            rows[r] = new MovieLensInteraction
            {
                UserId = interactions.Users[r],
                ItemId = interactions.Items[r],
                Rating = interactions.Ratings[r],
                Timestamp = interactions.Timestamps[r],
                Age = user?.Age ?? float.NaN,
                Gender = user?.Gender ?? "",
                Occupation = user?.Occupation ?? "",
                ZipCode = user?.ZipCode ?? "",
                Title = item?.Title ?? "",
                Genres = item is null ? "" : string.Join('|', item.Genres),
                ReleaseYear = item?.ReleaseDate?.Year ?? float.NaN,
            };
        }
        return ml.Data.LoadFromEnumerable(rows);
    }
}
