using System.Text.RegularExpressions;

namespace PhaseFieldLi.Cases;

/// <summary>
/// `key=value` overrides after a case file on the command line (`time.end=100
/// electrochemistry.current_density=30`), in the manner of MOOSE's `Block/param=v` and AMReX's
/// `key=v`. Each sets one key of one table in the case's TOML text, which the reader then validates
/// like any file. The overridden text, headed by a comment that lists the overrides, becomes the
/// case's source text, so the outputs' provenance (case text and hash in every HDF5 file and
/// checkpoint) records them. A value that is not a TOML value (a bare word) is taken as a string.
/// Keys of [[flaw]] tables cannot be overridden (which flaw would be ambiguous).
/// </summary>
public static partial class CaseOverrides
{
    [GeneratedRegex(@"^(?:(?<table>[A-Za-z_][A-Za-z0-9_]*)\.)?(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?<value>.*)$", RegexOptions.Singleline)]
    private static partial Regex Assignment();

    /// <summary>Whether a command-line word is an override (has '=' and no path separator before it).</summary>
    public static bool IsOverride(string word)
    {
        int eq = word.IndexOf('=');
        return eq > 0 && word.IndexOfAny(['/', '\\'], 0, eq) < 0;
    }

    /// <summary>The case text with every override applied, in order, and a comment line recording them.</summary>
    public static string Apply(string text, IReadOnlyList<string> overrides)
    {
        if (overrides.Count == 0) return text;
        var lines = text.Replace("\r\n", "\n").Split('\n').ToList();
        foreach (string o in overrides)
        {
            var m = Assignment().Match(o);
            if (!m.Success)
                throw new CaseException("override", Quote(o), "must be table.key=value or key=value (e.g. time.end=100)");
            string table = m.Groups["table"].Value, key = m.Groups["key"].Value, value = Value(m.Groups["value"].Value.Trim());
            if (table == "flaw")
                throw new CaseException("override", Quote(o), "[[flaw]] tables cannot be overridden on the command line; edit the case file");
            Set(lines, table, key, value);
        }
        return $"# phasefield overrides: {string.Join(" ", overrides)}\n" + string.Join('\n', lines);
    }

    /// <summary>Opening minus closing brackets of a line, outside strings and comments.</summary>
    private static int Depth(string line)
    {
        int depth = 0;
        char quote = '\0';
        foreach (char ch in line)
        {
            if (quote != '\0') { if (ch == quote) quote = '\0'; continue; }
            if (ch is '"' or '\'') quote = ch;
            else if (ch == '#') break;
            else if (ch == '[') depth++;
            else if (ch == ']') depth--;
        }
        return depth;
    }

    private static string Quote(string s) => "'" + (s.Length > 80 ? s[..77] + "..." : s) + "'";

    /// <summary>A TOML value as given, or a bare word as a string.</summary>
    private static string Value(string v)
    {
        if (v.Length == 0) throw new CaseException("override", "''", "has no value after '='");
        try
        {
            Tomlyn.TomlSerializer.Deserialize<Tomlyn.Model.TomlTable>("v = " + v);
            return v;
        }
        catch (Tomlyn.TomlException)
        {
            return "\"" + v.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        }
    }

    private static bool IsHeader(string line, out string name, out bool array)
    {
        var h = Regex.Match(line, @"^\s*(\[\[?)\s*([A-Za-z_][A-Za-z0-9_]*)\s*\]\]?\s*(#.*)?$");
        name = h.Success ? h.Groups[2].Value : "";
        array = h.Success && h.Groups[1].Value == "[[";
        return h.Success;
    }

    /// <summary>Replaces key's line in its table, or adds it at the table's start (the table at the end if there is none).</summary>
    private static void Set(List<string> lines, string table, string key, string value)
    {
        int start = 0; // top-level keys live before the first header
        if (table.Length > 0)
        {
            start = lines.FindIndex(l => IsHeader(l, out string n, out bool array) && n == table && !array);
            if (start < 0)
            {
                lines.Add($"[{table}]");
                lines.Add($"{key} = {value}");
                return;
            }
            start++;
        }
        int end = lines.FindIndex(start, l => IsHeader(l, out _, out _));
        if (end < 0) end = lines.Count;
        var keyLine = new Regex($@"^\s*{Regex.Escape(key)}\s*=");
        int at = lines.FindIndex(start, end - start, l => keyLine.IsMatch(l));
        if (at < 0)
        {
            lines.Insert(start, $"{key} = {value}");
            return;
        }
        // A multi-line array value ends where its brackets balance (comments and strings aside).
        int depth = Depth(lines[at][(lines[at].IndexOf('=') + 1)..]);
        while (depth > 0 && at + 1 < lines.Count)
        {
            depth += Depth(lines[at + 1]);
            lines.RemoveAt(at + 1);
        }
        lines[at] = $"{key} = {value}";
    }
}
