using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Features;

/// <summary>User features from <see cref="UserMetadata"/>: gender, occupation, zip region and age bucket as categoricals, standardised age.</summary>
public static class UserFeatureBuilder
{
    /// <summary>Name of the gender categorical.</summary>
    public const string Gender = "gender";

    /// <summary>Name of the occupation categorical.</summary>
    public const string Occupation = "occupation";

    /// <summary>Name of the zip-region categorical (first character of the zip code: a digit for US codes, a letter for the Canadian ones of ML-100K).</summary>
    public const string ZipRegion = "zip_region";

    /// <summary>Name of the age-bucket categorical.</summary>
    public const string AgeBucket = "age_bucket";

    // The categoricals in tower input order.
    private static readonly string[] CategoricalNames = [Gender, Occupation, ZipRegion, AgeBucket];

    /// <summary>Name of the age numeric column.</summary>
    public const string Age = "age";

    /// <summary>
    /// Encodes the features of every user key of <paramref name="users"/>; users without a record get missing values. A feature
    /// no user has (no gender in the file, no age) is left out of the table.
    /// </summary>
    public static FeatureTable Build(IdMap users, UserMetadata? metadata)
    {
        ArgumentNullException.ThrowIfNull(users);
        var n = users.Count;
        if (metadata is null) return FeatureTable.Empty(n);
        var raw = new RawFeatures?[n];
        for (var k = 0; k < n; k++) raw[k] = metadata.TryGet(users.GetRawId(k), out var r) ? Describe(r) : null;
        var cats = CategoricalNames.Select(name => Categorical(name, raw.Select(r => r is not null && r.Categorical.TryGetValue(name, out var v) ? v : null).ToArray())).ToList();
        var ages = raw.Select(r => r is not null && r.Numeric.TryGetValue(Age, out var a) ? (double?)a : null).ToArray();
        // Like a categorical no user fills, an age column without ages is left out: all 0 it trained nothing, and a new user's age reached it raw.
        if (!ages.Any(a => a is not null))
            return new FeatureTable(n, cats.Where(c => c.Cardinality > 1).ToArray(), Array.Empty<BagFeature>(), 0, Array.Empty<float>(), Array.Empty<string>(), Array.Empty<NumericScaling>());
        var numeric = NumericStandardizer.Standardize(ages, out var mean, out var std);
        return new FeatureTable(n, cats.Where(c => c.Cardinality > 1).ToArray(), Array.Empty<BagFeature>(), 1, numeric, new[] { Age }, new[] { new NumericScaling(mean, std) });
    }

    /// <summary>The raw features of one user record, as <see cref="Build"/> reads them (for new users: see <see cref="FeatureSchema.Encode"/>).</summary>
    public static RawFeatures Describe(UserRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var raw = new RawFeatures();
        if (!string.IsNullOrEmpty(record.Gender)) raw.Categorical[Gender] = record.Gender;
        if (!string.IsNullOrEmpty(record.Occupation)) raw.Categorical[Occupation] = record.Occupation;
        // The first zip character is a coarse region: full zips are too sparse to learn.
        if (!string.IsNullOrEmpty(record.ZipCode)) raw.Categorical[ZipRegion] = record.ZipCode[..1];
        if (record.Age is { } a)
        {
            raw.Categorical[AgeBucket] = BucketOf(a);
            raw.Numeric[Age] = a;
        }
        return raw;
    }

    private static string BucketOf(int age) => age < 18 ? "<18" : age < 25 ? "18-24" : age < 35 ? "25-34" : age < 45 ? "35-44" : age < 50 ? "45-49" : age < 56 ? "50-55" : "56+";

    private static CategoricalFeature Categorical(string name, string?[] values)
    {
        var vocab = values.Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < vocab.Length; i++) ids[vocab[i]] = i + 1;
        return new CategoricalFeature(name, vocab.Length + 1, values.Select(v => v is not null && ids.TryGetValue(v, out var id) ? id : 0).ToArray(), vocab);
    }
}
