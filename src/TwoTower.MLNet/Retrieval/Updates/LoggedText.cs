using TwoTower.MLNet.Retrieval.Engine;

namespace TwoTower.MLNet.Retrieval.Updates;

/// <summary>Checks text bound for the update log: its JSON is UTF-8, which has no form for an unpaired UTF-16 surrogate.</summary>
internal static class LoggedText
{
    /// <summary>Throws when <paramref name="text"/> holds an unpaired surrogate (the log would write U+FFFD and a restart would read other text back).</summary>
    /// <exception cref="InvalidRetrievalRequestException"><paramref name="what"/> has an unpaired surrogate (parameter <paramref name="parameter"/>).</exception>
    public static void ThrowIfUnpairedSurrogate(string? text, string what, string parameter)
    {
        if (text is null) return;
        for (var i = 0; i < text.Length; i++)
        {
            if (!char.IsSurrogate(text[i])) continue;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            throw new InvalidRetrievalRequestException($"{what} has an unpaired UTF-16 surrogate (U+{(int)text[i]:X4} at position {i}); " +
                "the update log stores text as UTF-8, which has no form for it: send well-formed Unicode text.", parameter);
        }
    }
}
