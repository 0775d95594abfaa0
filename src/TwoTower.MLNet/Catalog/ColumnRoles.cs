namespace TwoTower.MLNet;

/// <summary>The input columns a trainer reads, each in one role: one column named for two (an id as the rating or the time) is refused.</summary>
internal static class ColumnRoles
{
    /// <summary>Throws naming the later option when two options (unset ones are null) name the same column.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Two options name one column (the parameter is the later option).</exception>
    public static void RefuseShared(params (string? Column, string Option)[] roles)
    {
        for (var i = 1; i < roles.Length; i++)
            for (var j = 0; j < i; j++)
                if (roles[i].Column is { } column && string.Equals(column, roles[j].Column, StringComparison.Ordinal))
                    // Numeric ids would otherwise be read as ratings or times without a word.
                    throw new ArgumentOutOfRangeException(roles[i].Option, column, $"{roles[i].Option} '{column}' is also the {roles[j].Option}; each column takes one role: name another column.");
    }
}
