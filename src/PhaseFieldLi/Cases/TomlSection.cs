using System.Globalization;
using Tomlyn.Model;

namespace PhaseFieldLi.Cases;

/// <summary>
/// Typed, validating access to one table of a case file. Every key read is remembered so that
/// <see cref="RejectUnknownKeys"/> can turn any key nobody asked for into an error.
/// </summary>
internal sealed class TomlSection(TomlTable table, string path)
{
    private readonly HashSet<string> _read = [];

    public string Path { get; } = path;

    private string Key(string name) => Path.Length == 0 ? name : $"{Path}.{name}";

    /// <summary>A value as the message quotes it: at most 80 characters (a 3 MB array was echoed whole).</summary>
    private static string Show(object? v)
    {
        string s = ShowWhole(v);
        return s.Length <= 80 ? s : s[..77] + "…";
    }

    private static string ShowWhole(object? v) => v switch
    {
        null => "(missing)",
        string s => $"\"{s}\"",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        TomlArray a => "[" + string.Join(", ", a.Take(20).Select(ShowWhole)) + (a.Count > 20 ? ", …]" : "]"),
        bool b => b ? "true" : "false",
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "?",
    };

    private object? Raw(string name)
    {
        _read.Add(name);
        return table.TryGetValue(name, out var v) ? v : null;
    }

    public bool Has(string name) => table.ContainsKey(name);

    public TomlSection Section(string name)
    {
        var v = Raw(name);
        return v switch
        {
            null => new TomlSection(new TomlTable(), Key(name)),
            TomlTable t => new TomlSection(t, Key(name)),
            _ => throw new CaseException(Key(name), Show(v), "must be a table ([" + Key(name) + "])"),
        };
    }

    public IReadOnlyList<TomlSection> TableArray(string name)
    {
        var v = Raw(name);
        return v switch
        {
            null => [],
            TomlTableArray a => a.Select((t, i) => new TomlSection(t, $"{Key(name)}[{i}]")).ToList(),
            _ => throw new CaseException(Key(name), Show(v), "must be an array of tables ([[" + Key(name) + "]])"),
        };
    }

    public double Number(string name, double fallback, double min, double max, string unit, bool required = false,
        bool exclusiveMin = false, bool exclusiveMax = false)
    {
        var v = Raw(name);
        string range = Range(min, max, exclusiveMin, exclusiveMax);
        if (v is null)
        {
            if (required) throw new CaseException(Key(name), "(missing)", $"is required: a number in {range} {unit}{Suggestion(name)}");
            return fallback;
        }
        double d = v switch
        {
            double x => x,
            long l => l,
            _ => throw new CaseException(Key(name), Show(v), $"must be a number in {range} {unit}"),
        };
        bool low = exclusiveMin ? d <= min : d < min;
        bool high = exclusiveMax ? d >= max : d > max;
        if (double.IsNaN(d) || low || high)
            throw new CaseException(Key(name), Show(v), $"must be in {range} {unit}");
        return d;
    }

    private static string Range(double min, double max, bool exclusiveMin, bool exclusiveMax = false) =>
        $"{(exclusiveMin ? "(" : "[")}{min.ToString("G4", CultureInfo.InvariantCulture)}, {max.ToString("G4", CultureInfo.InvariantCulture)}{(exclusiveMax ? ")" : "]")}";

    /// <summary>"; did you mean …" for a missing key when the table holds an unread key a typo away from it.</summary>
    private string Suggestion(string name)
    {
        var near = table.Keys.Where(k => !_read.Contains(k) && Distance(k, name) <= 2).OrderBy(k => Distance(k, name)).FirstOrDefault();
        return near == null ? "" : $"; the table has '{near}': did you mean '{name}'?";
    }

    /// <summary>Levenshtein distance (short keys only).</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        for (int j = 1; j <= b.Length; j++)
            d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }

    public int Integer(string name, int fallback, int min, int max, bool required = false)
    {
        var v = Raw(name);
        if (v is null)
        {
            if (required) throw new CaseException(Key(name), "(missing)", $"is required: an integer in [{min}, {max}]");
            return fallback;
        }
        if (v is not long l || l < min || l > max)
            throw new CaseException(Key(name), Show(v), $"must be an integer in [{min}, {max}]");
        return (int)l;
    }

    public bool Boolean(string name, bool fallback)
    {
        var v = Raw(name);
        return v switch
        {
            null => fallback,
            bool b => b,
            _ => throw new CaseException(Key(name), Show(v), "must be true or false"),
        };
    }

    public string Choice(string name, string fallback, params string[] allowed)
    {
        var v = Raw(name);
        if (v is null) return fallback;
        if (v is string s && allowed.Contains(s)) return s;
        throw new CaseException(Key(name), Show(v), "must be one of " + string.Join(", ", allowed.Select(a => $"\"{a}\"")));
    }

    public string Text(string name, string fallback)
    {
        var v = Raw(name);
        return v switch
        {
            null => fallback,
            string s => s,
            _ => throw new CaseException(Key(name), Show(v), "must be a string"),
        };
    }

    /// <summary>An array of exactly <paramref name="length"/> numbers (or null when absent and not required).</summary>
    public double[]? Vector(string name, int length, string unit, bool required = false)
    {
        var v = Raw(name);
        if (v is null)
        {
            if (required) throw new CaseException(Key(name), "(missing)", $"is required: an array of {length} numbers {unit}");
            return null;
        }
        if (v is TomlArray a && a.Count == length && a.All(x => x is double or long))
        {
            var values = a.Select(x => x is long l ? l : (double)x!).ToArray();
            if (values.All(double.IsFinite)) return values;
            throw new CaseException(Key(name), Show(v), $"must be an array of {length} finite numbers {unit} (no nan or inf)");
        }
        throw new CaseException(Key(name), Show(v), $"must be an array of {length} numbers {unit}");
    }

    public IReadOnlyList<double[]> VectorList(string name, int length, string unit)
    {
        var v = Raw(name);
        if (v is null) return [];
        if (v is TomlArray outer && outer.All(x => x is TomlArray inner && inner.Count == length && inner.All(y => y is double or long)))
        {
            var rows = outer.Select(x => ((TomlArray)x!).Select(y => y is long l ? l : (double)y!).ToArray()).ToList();
            if (rows.All(r => r.All(double.IsFinite))) return rows;
            throw new CaseException(Key(name), Show(v), $"must hold finite numbers only {unit} (no nan or inf)");
        }
        throw new CaseException(Key(name), Show(v), $"must be an array of [{string.Join(", ", Enumerable.Repeat("number", length))}] pairs {unit}");
    }

    /// <summary>Unknown keys are errors: a typo must not silently fall back to a default.</summary>
    public void RejectUnknownKeys()
    {
        foreach (var (key, value) in table)
            if (!_read.Contains(key))
                throw new CaseException(Key(key), Show(value), $"unknown key{Nearest(key)} (see cases/README.md for the allowed keys)");
    }

    /// <summary>"; did you mean '…'" with the read (known) key nearest to an unknown one, if it is close.</summary>
    private string Nearest(string key)
    {
        var near = _read.Where(k => Distance(k, key) <= 2).OrderBy(k => Distance(k, key)).FirstOrDefault();
        return near == null ? "" : $"; did you mean '{near}'?";
    }

    public CaseException Error(string name, object? value, string allowed) => new(Key(name), Show(value), allowed);
}
