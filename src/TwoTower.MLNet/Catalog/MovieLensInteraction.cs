namespace TwoTower.MLNet;

/// <summary>
/// One interaction joined with its user's and its movie's raw features: the rows of <see cref="MovieLens.Load100K"/>'s
/// <c>IDataView</c>. Missing numbers are NaN (replace them with <c>ml.Transforms.ReplaceMissingValues</c> before a tower
/// reads them); missing text is empty.
/// </summary>
public sealed class MovieLensInteraction
{
    /// <summary>Raw user id.</summary>
    public string UserId { get; set; } = "";

    /// <summary>Raw item (movie) id.</summary>
    public string ItemId { get; set; } = "";

    /// <summary>The rating (1–5 in MovieLens); 1 for files without ratings.</summary>
    public float Rating { get; set; }

    /// <summary>Seconds since the Unix epoch; 0 for files without time.</summary>
    public long Timestamp { get; set; }

    /// <summary>The user's age in years, or NaN.</summary>
    public float Age { get; set; }

    /// <summary>"M", "F" or empty.</summary>
    public string Gender { get; set; } = "";

    /// <summary>The user's occupation, or empty.</summary>
    public string Occupation { get; set; } = "";

    /// <summary>The user's zip code, or empty.</summary>
    public string ZipCode { get; set; } = "";

    /// <summary>The movie's title with its year, e.g. "Kolya (1996)", or empty.</summary>
    public string Title { get; set; } = "";

    /// <summary>The movie's genres separated by '|' (a bag column for <c>Featurize</c>), or empty.</summary>
    public string Genres { get; set; } = "";

    /// <summary>The year of the movie's release date, or NaN when the file gives none.</summary>
    public float ReleaseYear { get; set; }
}
