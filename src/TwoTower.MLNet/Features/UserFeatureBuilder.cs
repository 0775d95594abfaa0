using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Features;

/// <summary>User features from <see cref="UserMetadata"/>: gender, occupation, zip region and age bucket as categoricals, standardised age.</summary>
public static class UserFeatureBuilder
{
    /// <summary>Encodes the features of every user key of <paramref name="users"/>; users without a record get missing values.</summary>
    public static FeatureTable Build(IdMap users, UserMetadata? metadata)
    {
        ArgumentNullException.ThrowIfNull(users);
        var n = users.Count;
        if (metadata is null) return FeatureTable.Empty(n);
        var records = new UserRecord?[n];
        for (var k = 0; k < n; k++) records[k] = metadata.TryGet(users.GetRawId(k), out var r) ? r : null;
        var cats = new List<CategoricalFeature>
        {
            Categorical("gender", records.Select(r => r?.Gender).ToArray()),
            Categorical("occupation", records.Select(r => r?.Occupation).ToArray()),
            // The first zip digit is a coarse region: full zips are too sparse to learn.
            Categorical("zip_region", records.Select(r => string.IsNullOrEmpty(r?.ZipCode) ? null : r!.ZipCode![..1]).ToArray()),
            Categorical("age_bucket", records.Select(r => r?.Age is { } a ? AgeBucket(a) : null).ToArray()),
        };
        var ages = records.Select(r => r?.Age is { } a ? (double?)a : null).ToArray();
        var numeric = ages.Any(a => a is not null) ? NumericStandardizer.Standardize(ages, out _, out _) : new float[n];
        return new FeatureTable(n, cats.Where(c => c.Cardinality > 1).ToArray(), Array.Empty<BagFeature>(), 1, numeric, new[] { "age" });
    }

    private static string AgeBucket(int age) => age < 18 ? "<18" : age < 25 ? "18-24" : age < 35 ? "25-34" : age < 45 ? "35-44" : age < 50 ? "45-49" : age < 56 ? "50-55" : "56+";

    private static CategoricalFeature Categorical(string name, string?[] values)
    {
        var vocab = values.Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < vocab.Length; i++) ids[vocab[i]] = i + 1;
        return new CategoricalFeature(name, vocab.Length + 1, values.Select(v => v is not null && ids.TryGetValue(v, out var id) ? id : 0).ToArray());
    }
}
