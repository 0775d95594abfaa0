using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.ColdStart;

/// <summary>Which user feature splits users into popularity groups for cold start.</summary>
public enum UserGrouping
{
    /// <summary>One group: overall popularity.</summary>
    None,
    /// <summary>Age buckets as in MovieLens 1M: under 18, 18–24, 25–34, 35–44, 45–49, 50–55, 56+.</summary>
    AgeBucket,
    /// <summary>Occupation.</summary>
    Occupation,
    /// <summary>Gender.</summary>
    Gender,
}

/// <summary>Maps a user's features to the name of its group.</summary>
public static class UserGroups
{
    /// <summary>The group of a user under a grouping, or null when the feature is unknown (the user then gets overall popularity).</summary>
    public static string? KeyOf(UserRecord? user, UserGrouping grouping) => user is null ? null : grouping switch
    {
        UserGrouping.None => null,
        UserGrouping.AgeBucket => user.Age is { } a ? AgeBucket(a) : null,
        UserGrouping.Occupation => string.IsNullOrWhiteSpace(user.Occupation) ? null : user.Occupation,
        UserGrouping.Gender => string.IsNullOrWhiteSpace(user.Gender) ? null : user.Gender,
        _ => throw new ArgumentOutOfRangeException(nameof(grouping), grouping, "grouping must be a defined UserGrouping."),
    };

    /// <summary>The MovieLens 1M age bucket of an age in years.</summary>
    public static string AgeBucket(int age) =>
        age < 0 ? throw new ArgumentOutOfRangeException(nameof(age), age, "age must be ≥ 0.")
        : age < 18 ? "<18" : age < 25 ? "18-24" : age < 35 ? "25-34" : age < 45 ? "35-44" : age < 50 ? "45-49" : age < 56 ? "50-55" : "56+";
}
