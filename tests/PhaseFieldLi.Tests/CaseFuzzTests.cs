using System.Diagnostics;
using System.Text;
using PhaseFieldLi.Cases;
using PhaseFieldLi.Models;
using Xunit;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// Fuzzing the case reader (issue: faults, "a fuzz test in CI"): a seeded generator mutates every
/// case of cases/ — values of the wrong type, NaN/Inf, huge and tiny numbers, missing, unknown and
/// duplicate keys and tables, broken syntax, binary garbage — and reads each mutant as `check` does
/// (CaseReader.ReadFile, then the non-dimensional parameters). Every mutant must read or end in one
/// CaseException that names a key (a syntax error names the line); nothing else may be thrown. A
/// sample also runs through the CLI's `check`: exit 0 or 2, never an unhandled exception.
/// </summary>
public class CaseFuzzTests(ITestOutputHelper output)
{
    private const int MutantsPerCase = 500;

    [Fact]
    public void MutatedCasesAreReadOrRefusedWithTheKeyNamed()
    {
        var cases = Directory.GetFiles(Path.Combine(CaseFileErrorTests.RepoRoot(), "cases"), "*.toml").OrderBy(f => f, StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(cases);
        var random = new Random(20261204);
        string dir = TestCases.TempDir();
        var outcomes = new Dictionary<string, int>();
        var failures = new List<string>();
        int n = 0;
        foreach (string path in cases)
        {
            byte[] original = File.ReadAllBytes(path);
            for (int m = 0; m < MutantsPerCase; m++, n++)
            {
                var (kind, mutant) = CaseMutator.Mutate(original, random);
                string file = Path.Combine(dir, $"mutant{n:D5}.toml");
                File.WriteAllBytes(file, mutant);
                string outcome;
                try
                {
                    var c = CaseReader.ReadFile(file);
                    _ = new Scaling(c); // what check derives and prints
                    outcome = "read";
                }
                catch (CaseException e)
                {
                    outcome = "refused";
                    bool names = e.Key.Length > 0 && e.Message.Contains($"'{e.Key}'")
                                 && (e.Key != "case" || e.Message.Contains("line", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("no such file"));
                    if (!names) failures.Add($"{kind} of {Path.GetFileName(path)} ({file}): error names no key: {e.Message}");
                }
                catch (Exception e)
                {
                    outcome = "crashed";
                    failures.Add($"{kind} of {Path.GetFileName(path)} ({file}): {e.GetType().Name}: {e.Message}");
                }
                outcomes[$"{kind}: {outcome}"] = outcomes.GetValueOrDefault($"{kind}: {outcome}") + 1;
            }
        }
        foreach (var (k, v) in outcomes.OrderBy(kv => kv.Key, StringComparer.Ordinal)) output.WriteLine($"{k,-40} {v}");
        foreach (string f in failures.Take(20)) output.WriteLine(f);
        Assert.True(failures.Count == 0, $"{failures.Count} of {n} mutants: " + string.Join("\n", failures.Take(5)));
        // The generator must reach both outcomes, or it tests nothing.
        Assert.True(outcomes.Where(kv => kv.Key.EndsWith(": read")).Sum(kv => kv.Value) > n / 20);
        Assert.True(outcomes.Where(kv => kv.Key.EndsWith(": refused")).Sum(kv => kv.Value) > n / 4);
    }

    [Fact]
    public async Task CheckExitsZeroOrTwoOnMutants()
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "phasefield.dll");
        Assert.True(File.Exists(cli), "the CLI is built beside the tests");
        var random = new Random(4);
        string dir = TestCases.TempDir();
        byte[] original = File.ReadAllBytes(Path.Combine(CaseFileErrorTests.RepoRoot(), "cases", "leaf-dendrite-3d.toml"));
        var files = new List<string>();
        for (int m = 0; m < 24; m++)
        {
            string file = Path.Combine(dir, $"mutant{m:D2}.toml");
            File.WriteAllBytes(file, CaseMutator.Mutate(original, random).Mutant);
            files.Add(file);
        }
        var exits = new List<int>();
        foreach (string file in files)
        {
            var p = Process.Start(new ProcessStartInfo("dotnet", [cli, "check", file])
            {
                RedirectStandardError = true, RedirectStandardOutput = true,
            })!;
            var err = p.StandardError.ReadToEndAsync();
            await p.StandardOutput.ReadToEndAsync();
            await p.WaitForExitAsync();
            string text = await err;
            Assert.True(p.ExitCode is 0 or 2, $"{file}: exit {p.ExitCode}: {text}");
            Assert.DoesNotContain("Unhandled exception", text);
            exits.Add(p.ExitCode);
        }
        Assert.Contains(2, exits);
    }
}

/// <summary>The mutations of the fuzz test, one per mutant, chosen by a seeded generator.</summary>
internal static class CaseMutator
{
    private static readonly string[] Values =
    [
        "nan", "+nan", "inf", "-inf", "1e308", "-1e308", "1e-308", "5e-324", "0", "-0.0", "-1", "99999999999999999999",
        "9223372036854775807", "\"text\"", "''", "true", "false", "[]", "[1, 2]", "[nan, 0, 0]", "[[1.0, 2.0]]", "{ a = 1 }",
        "1979-05-27T07:32:00Z", "0x10", "1_000", "[\"a\", 1]", "1e3", "3", "0.5", "-1e-12",
    ];

    private static readonly string[] Garbage = ["[", "]", "=", "\"", "'''", "[[", "{", "}", ",", "\\", "#", "\n[time]\n", "= =", "\u00e9\u0000"];

    public static (string Kind, byte[] Mutant) Mutate(byte[] original, Random r)
    {
        var lines = Encoding.UTF8.GetString(original).Split('\n').ToList();
        var keyLines = Enumerable.Range(0, lines.Count).Where(i => IsKeyLine(lines[i])).ToList();
        var headerLines = Enumerable.Range(0, lines.Count).Where(i => lines[i].TrimStart().StartsWith('[')).ToList();
        int kind = r.Next(9);
        switch (kind)
        {
            case 0 or 1 when keyLines.Count > 0: // a value replaced (twice as often as the rest)
            {
                int i = keyLines[r.Next(keyLines.Count)];
                lines[i] = lines[i][..(lines[i].IndexOf('=') + 1)] + " " + Values[r.Next(Values.Length)];
                return ("value", Join(lines));
            }
            case 2 when keyLines.Count > 0: // a key missing
                lines.RemoveAt(keyLines[r.Next(keyLines.Count)]);
                return ("missing key", Join(lines));
            case 3: // an unknown key in some table
            {
                int i = headerLines.Count > 0 && r.Next(2) == 0 ? headerLines[r.Next(headerLines.Count)] + 1 : 0;
                lines.Insert(Math.Min(i, lines.Count), $"zz{r.Next(1000)}_key = {Values[r.Next(Values.Length)]}");
                return ("unknown key", Join(lines));
            }
            case 4 when keyLines.Count > 0: // a key or a table twice
            {
                bool table = headerLines.Count > 0 && r.Next(2) == 0;
                int i = table ? headerLines[r.Next(headerLines.Count)] : keyLines[r.Next(keyLines.Count)];
                lines.Insert(Math.Min(i + 1 + r.Next(3), lines.Count), lines[i]);
                return (table ? "duplicate table" : "duplicate key", Join(lines));
            }
            case 5: // broken syntax
            {
                int i = r.Next(lines.Count);
                int at = r.Next(lines[i].Length + 1);
                lines[i] = lines[i][..at] + Garbage[r.Next(Garbage.Length)] + lines[i][at..];
                return ("syntax", Join(lines));
            }
            case 6: // cut short
                return ("truncated", original[..r.Next(original.Length)]);
            case 7: // binary garbage spliced in
            {
                var bytes = original.ToList();
                var junk = new byte[1 + r.Next(64)];
                r.NextBytes(junk);
                bytes.InsertRange(r.Next(bytes.Count + 1), junk);
                return ("binary", bytes.ToArray());
            }
            default: // a whole file of garbage, or an empty one
            {
                var junk = new byte[r.Next(2) == 0 ? 0 : 1 + r.Next(4096)];
                r.NextBytes(junk);
                return ("garbage file", junk);
            }
        }
    }

    private static bool IsKeyLine(string line)
    {
        string t = line.TrimStart();
        return t.Length > 0 && char.IsAsciiLetter(t[0]) && t.Contains('=');
    }

    private static byte[] Join(List<string> lines) => Encoding.UTF8.GetBytes(string.Join('\n', lines));
}
