using System.Globalization;
using System.Reflection;

namespace TwoTower.MLNet.Training;

/// <summary>
/// Sets an options object's public property from a "Name=Value" text (the CLI's <c>--set</c>, bench programs): every
/// knob of an options class is reachable without a dedicated flag. Names are matched ignoring case; values are parsed
/// with the invariant culture (numbers with a decimal point and no thousands separators, true/false, enum names, comma-separated integer lists, "null" for nullable).
/// </summary>
public static class OptionAssignment
{
    /// <summary>Applies <paramref name="assignment"/> ("Name=Value") to <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The text is not Name=Value, the option does not exist or cannot be set (the message lists the settable ones), or the value does not parse as the option's type.</exception>
    public static void Apply(object options, string assignment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(assignment);
        var eq = assignment.IndexOf('=');
        if (eq <= 0) throw new ArgumentException($"'{assignment}' is not an assignment; expected Name=Value (e.g. Epochs=20).", nameof(assignment));
        var name = assignment[..eq].Trim();
        var text = assignment[(eq + 1)..].Trim();
        var type = options.GetType();
        var settable = Settable(type);
        var prop = settable.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"{type.Name} has no settable option '{name}'. Options: {string.Join(", ", settable.Select(p => p.Name))}.", nameof(assignment));
        object? value;
        try
        {
            value = Parse(prop.PropertyType, text);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException or InvalidCastException)
        {
            throw new ArgumentException($"{prop.Name} = '{text}' is not a valid {Describe(prop.PropertyType)}.", nameof(assignment), ex);
        }
        prop.SetValue(options, value);
    }

    /// <summary>The options of <paramref name="type"/> that <see cref="Apply"/> can set, in declaration order.</summary>
    public static IReadOnlyList<PropertyInfo> Settable(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.SetMethod!.IsPublic && p.GetIndexParameters().Length == 0 && IsSupported(p.PropertyType))
            .ToArray();
    }

    private static bool IsSupported(Type t)
    {
        var u = Nullable.GetUnderlyingType(t) ?? t;
        return u.IsPrimitive || u.IsEnum || u == typeof(string) || t == typeof(int[]) || t == typeof(IReadOnlyList<int>);
    }

    private static object? Parse(Type t, string text)
    {
        var underlying = Nullable.GetUnderlyingType(t);
        if (underlying is not null && text.Equals("null", StringComparison.OrdinalIgnoreCase)) return null;
        var u = underlying ?? t;
        if (t == typeof(int[]) || t == typeof(IReadOnlyList<int>))
        {
            // "[256,128]" as well as "256,128": the bracketed form is how a grid writes one list value.
            if (text.StartsWith('[') && text.EndsWith(']')) text = text[1..^1].Trim();
            return text.Length == 0 ? Array.Empty<int>() : text.Split(',').Select(s => int.Parse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture)).ToArray();
        }
        if (u.IsEnum)
        {
            if (!Enum.TryParse(u, text, ignoreCase: true, out var e) || !Enum.IsDefined(u, e!) || text.All(char.IsAsciiDigit))
                throw new FormatException($"expected one of {string.Join(", ", Enum.GetNames(u))}");
            return e;
        }
        if (u == typeof(bool)) return bool.Parse(text);
        if (u == typeof(string)) return text;
        // Convert.ChangeType reads numbers with AllowThousands: a decimal comma, "0,002", became 2 without a word.
        if (u == typeof(float)) return float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (u == typeof(double)) return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (u == typeof(decimal)) return decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return Convert.ChangeType(text, u, CultureInfo.InvariantCulture);
    }

    private static string Describe(Type t)
    {
        var u = Nullable.GetUnderlyingType(t) ?? t;
        // Words a command-line user knows, not CLR type names.
        var name = u.IsEnum ? $"{u.Name} ({string.Join(", ", Enum.GetNames(u))})"
            : t == typeof(int[]) || t == typeof(IReadOnlyList<int>) ? "comma-separated integer list"
            : u == typeof(bool) ? "boolean (true or false)"
            : u == typeof(float) || u == typeof(double) || u == typeof(decimal) ? "number"
            : u == typeof(string) || u == typeof(char) ? u.Name.ToLowerInvariant()
            : $"integer ({u.Name})";
        return Nullable.GetUnderlyingType(t) is null ? name : name + " or null";
    }
}
