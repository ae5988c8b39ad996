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

    private static string Show(object? v) => v switch
    {
        null => "(missing)",
        string s => $"\"{s}\"",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        TomlArray a => "[" + string.Join(", ", a.Select(Show)) + "]",
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
        bool exclusiveMin = false)
    {
        var v = Raw(name);
        if (v is null)
        {
            if (required) throw new CaseException(Key(name), "(missing)", $"is required: a number in {Range(min, max, exclusiveMin)} {unit}");
            return fallback;
        }
        double d = v switch
        {
            double x => x,
            long l => l,
            _ => throw new CaseException(Key(name), Show(v), $"must be a number in {Range(min, max, exclusiveMin)} {unit}"),
        };
        bool low = exclusiveMin ? d <= min : d < min;
        if (double.IsNaN(d) || low || d > max)
            throw new CaseException(Key(name), Show(v), $"must be in {Range(min, max, exclusiveMin)} {unit}");
        return d;
    }

    private static string Range(double min, double max, bool exclusiveMin) =>
        $"{(exclusiveMin ? "(" : "[")}{min.ToString("G4", CultureInfo.InvariantCulture)}, {max.ToString("G4", CultureInfo.InvariantCulture)}]";

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
                throw new CaseException(Key(key), Show(value), "unknown key (see cases/README.md for the allowed keys)");
    }

    public CaseException Error(string name, object? value, string allowed) => new(Key(name), Show(value), allowed);
}
