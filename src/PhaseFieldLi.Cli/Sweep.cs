using System.Diagnostics;
using System.Text;

namespace PhaseFieldLi.Cli;

/// <summary>
/// `phasefield sweep CASE key=v1,v2,… [key=value …]`: one `phasefield run` per value, each a process of
/// its own (its own lock, log and exit code) into OUTPUT/key=value, then OUTPUT/sweep.csv: per value
/// the exit code, the folder and the last row of that run's time series. Every run is checked before
/// any starts, so a bad value is found at once. Exit code: 0 if every run finished, else the first
/// failing run's.
/// </summary>
public static class Sweep
{
    public static int Run(CommandLine options)
    {
        var (key, values) = options.Sweep!.Value;
        string root = options.Output ?? Path.Combine("runs", Path.GetFileNameWithoutExtension(options.CasePath!) + "-sweep");
        foreach (string v in values) // the whole sweep is validated before the first run starts
        {
            try
            {
                PhaseFieldLi.Cases.CaseReader.ReadFile(options.CasePath!, [$"{key}={v}", .. options.Overrides]);
            }
            catch (PhaseFieldLi.Cases.CaseException e)
            {
                Console.Error.WriteLine($"error: sweep value {key}={v}: {e.Message}");
                return 2;
            }
        }
        Directory.CreateDirectory(root);
        var rows = new List<string>();
        string? header = null;
        int exit = 0;
        foreach (string v in values)
        {
            string folder = Path.Combine(root, SafeName($"{key}={v}"));
            Console.WriteLine($"sweep: {key} = {v} → {folder}");
            List<string> args = ["run", options.CasePath!, $"{key}={v}", .. options.Overrides, "--backend", options.Backend, "--output", folder];
            if (options.Verbose) args.Add("--verbose");
            int code = Child(args);
            if (code != 0 && exit == 0) exit = code;
            string series = Path.Combine(folder, "timeseries.csv");
            string last = "";
            if (File.Exists(series))
            {
                var lines = File.ReadAllLines(series).Where(l => l.Length > 0).ToArray();
                header ??= lines.Length > 0 ? lines[0] : null;
                last = lines.Length > 1 ? lines[^1] : "";
            }
            rows.Add($"{Csv(key)},{Csv(v)},{code},{Csv(folder)}" + (last.Length > 0 ? "," + last : ""));
        }
        var text = new StringBuilder("key,value,exit_code,output" + (header != null ? "," + header : "") + "\n");
        foreach (string row in rows) text.Append(row).Append('\n');
        PhaseFieldLi.OutputWriters.AtomicFile.WriteText(Path.Combine(root, "sweep.csv"), text.ToString());
        Console.WriteLine($"sweep: {values.Count} runs, summary {Path.GetFullPath(Path.Combine(root, "sweep.csv"))}");
        return exit;
    }

    /// <summary>This program again (the apphost, or `dotnet phasefield.dll`), its output passed through.</summary>
    private static int Child(List<string> args)
    {
        string self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(self);
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(Sweep).Assembly.Location);
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        return p.ExitCode;
    }

    /// <summary>A folder name from key=value: characters other than letters, digits, '.', '-', '_', '=' become '_'.</summary>
    public static string SafeName(string s) =>
        new(s.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '-' or '_' or '=' ? ch : '_').ToArray());

    private static string Csv(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
