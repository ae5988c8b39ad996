using System.CommandLine;

namespace PhaseFieldLi.Cli;

/// <summary>Parsed command line; unknown options are errors.</summary>
public sealed record CommandLine(string Command, string? CasePath, string Backend, string? Output, bool Verbose, string? Resume = null,
    int Steps = 10, string Against = "cpu", double Tolerance = 1e-3, bool Check = false, int[]? Cells = null,
    double WallTimeS = double.PositiveInfinity, double CheckpointWallIntervalS = 0)
{
    /// <summary>Exit code of a run stopped by --wall-time (checkpointed; resume to continue): EX_TEMPFAIL.</summary>
    public const int WallTimeExitCode = 75;

    /// <summary>Overrides after the case file (time.end=100 …), applied to the case text before it is read.</summary>
    public IReadOnlyList<string> Overrides { get; init; } = [];

    /// <summary>`check`: every case file named (CasePath is the first).</summary>
    public IReadOnlyList<string> CasePaths { get; init; } = [];

    /// <summary>`sweep`: the key and its values (key=v1,v2,…).</summary>
    public (string Key, IReadOnlyList<string> Values)? Sweep { get; init; }

    public const string ExitCodes = """
        Exit codes:
          0    done (compare: the backends agree)
          1    any other failure
          2    bad input (case, command line, checkpoint, output folder): one message naming the key and value
          3    a watchdog stopped the run (NaN/Inf, unconverged solves, collapsing step)
          4    a fracture load step missed its staggered tolerance
          5    compare found a difference above --tolerance, or devices --check a failing check
          75   the --wall-time limit (checkpointed; continue with --resume)
          130  SIGINT, 143 SIGTERM (checkpointed at the next step)
        """;

    private static readonly Option<string> BackendOption = new("--backend", "-b")
    {
        Description = "where the fields live and the kernels run; auto picks cuda, then opencl, then cpu",
        DefaultValueFactory = _ => "auto",
    };
    private static readonly Option<string?> OutputOption = new("--output", "-o") { Description = "output folder (default runs/<case name>)" };
    private static readonly Option<bool> VerboseOption = new("--verbose", "-v") { Description = "log every step and solve" };
    private static readonly Option<string?> ResumeOption = new("--resume") { Description = "continue from a checkpoint (in place of the case file)" };
    private static readonly Option<int> StepsOption = new("--steps", "-n") { Description = "time steps to run", DefaultValueFactory = _ => 10 };
    private static readonly Option<string> AgainstOption = new("--against") { Description = "the backend to compare with", DefaultValueFactory = _ => "cpu" };
    private static readonly Option<double> ToleranceOption = new("--tolerance")
    {
        Description = "largest relative difference of any field that counts as agreement", DefaultValueFactory = _ => 1e-3,
    };
    private static readonly Option<bool> CheckOption = new("--check") { Description = "run sums and labelling checks on each backend" };
    private static readonly Option<string?> CellsOption = new("--cells") { Description = "grid of the check, NXxNYxNZ (default 8x8x32)" };
    private static readonly Option<string?> WallTimeOption = new("--wall-time")
    {
        Description = "stop cleanly after this wall-clock time (seconds or [[h:]m:]s), checkpointed; exit 75, continue with --resume",
    };
    private static readonly Option<string?> CheckpointWallOption = new("--checkpoint-wall-interval")
    {
        Description = "a checkpoint every this much wall-clock time as well (seconds or [[h:]m:]s)",
    };
    private static readonly Argument<string[]> CaseAndOverrides = new("case")
    {
        Description = "the case file (TOML), then key=value overrides (time.end=100 electrochemistry.current_density=30)",
        Arity = ArgumentArity.ZeroOrMore,
    };
    private static readonly Argument<string[]> CasesAndOverrides = new("cases")
    {
        Description = "one or more case files, then key=value overrides applied to each",
        Arity = ArgumentArity.OneOrMore,
    };
    private static readonly Argument<string[]> SweepArguments = new("case")
    {
        Description = "the case file, the swept key with its values (key=v1,v2,…), then fixed key=value overrides",
        Arity = ArgumentArity.OneOrMore,
    };

    /// <summary>The commands, their options (POSIX forms: --backend=cpu, -b cpu), help and --version.</summary>
    public static RootCommand Build()
    {
        foreach (var o in new[] { BackendOption, AgainstOption })
        {
            // Completion and help list the names; an unknown one is an error naming the option and the value.
            string[] names = [.. PhaseFieldLi.Backends.BackendCatalog.Names];
            o.HelpName = string.Join("|", names);
            o.CompletionSources.Add(names);
            o.Validators.Add(r =>
            {
                string? v = r.GetValueOrDefault<string>();
                if (v != null && !names.Contains(v)) r.AddError($"{o.Name} '{v}': must be one of {string.Join(", ", names)}");
            });
        }
        StepsOption.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError($"--steps '{r.GetValueOrDefault<int>()}': must be a positive integer");
        });
        ToleranceOption.Validators.Add(r =>
        {
            if (!(r.GetValueOrDefault<double>() > 0)) r.AddError($"--tolerance '{r.GetValueOrDefault<double>()}': must be a positive number");
        });
        Command Make(string name, string description, params Symbol[] symbols)
        {
            var c = new Command(name, description);
            foreach (var s in symbols)
            {
                if (s is Option o) c.Options.Add(o);
                else c.Arguments.Add((Argument)s);
            }
            return c;
        }
        var root = new RootCommand("PhaseFieldLi: 3-D phase-field solver of Li filling cracks in LLZO, on CUDA, OpenCL or the CPU.")
        {
            Make("run", "Run a case (or continue one with --resume).", CaseAndOverrides, BackendOption, OutputOption, VerboseOption, ResumeOption,
                WallTimeOption, CheckpointWallOption),
            Make("check", "Validate case files and print their derived numbers.", CasesAndOverrides, VerboseOption),
            Make("bench", "Time the whole step against the device's memory copy.", CaseAndOverrides, BackendOption, StepsOption, VerboseOption),
            Make("compare", "Run the first steps on two backends and compare every field.", CaseAndOverrides, BackendOption, AgainstOption, StepsOption,
                ToleranceOption, OutputOption, VerboseOption),
            Make("devices", "List the backends and devices, and why any is unusable.", BackendOption, CheckOption),
            Make("sweep", "Run a case once per value of one key, each into its own folder, with a CSV summary (sweep.csv).", SweepArguments,
                BackendOption, OutputOption, VerboseOption),
            Make("mpi-check", "Under mpirun: global sums, halo exchange and a distributed solve against known answers; with a case file, " +
                "every neighbour-reading operation on stale ghost planes against the whole grid.", CaseAndOverrides, CellsOption, OutputOption),
        };
        // --help on any command: the parser's help, then the exit codes once (not in every command's summary line).
        var help = root.Options.OfType<System.CommandLine.Help.HelpOption>().Single();
        help.Action = new HelpWithExitCodes((System.CommandLine.Help.HelpAction)help.Action!);
        return root;
    }

    /// <summary>The parsed command as the program's options; errors the parser cannot see are ArgumentExceptions.</summary>
    public static CommandLine From(ParseResult r)
    {
        string command = r.CommandResult.Command.Name;
        var words = (command switch { "check" => r.GetValue(CasesAndOverrides), "sweep" => r.GetValue(SweepArguments), _ => r.GetValue(CaseAndOverrides) }) ?? [];
        var files = words.Where(w => !PhaseFieldLi.Cases.CaseOverrides.IsOverride(w)).ToList();
        var overrides = words.Where(PhaseFieldLi.Cases.CaseOverrides.IsOverride).ToList();
        int firstOverride = Array.FindIndex(words, PhaseFieldLi.Cases.CaseOverrides.IsOverride);
        if (firstOverride >= 0 && Array.FindIndex(words, firstOverride, w => !PhaseFieldLi.Cases.CaseOverrides.IsOverride(w)) >= 0)
            throw new ArgumentException($"'{command}': key=value overrides go after the case file(s), not before");
        (string, IReadOnlyList<string>)? sweep = null;
        if (command == "sweep")
        {
            if (overrides.Count == 0)
                throw new ArgumentException("'sweep' needs the swept key and its values after the case file, e.g. electrochemistry.current_density=10,20,40");
            string s = overrides[0];
            int eq = s.IndexOf('=');
            var values = SplitValues(s[(eq + 1)..]);
            if (values.Count < 1 || values.Any(v => v.Length == 0))
                throw new ArgumentException($"'sweep' '{s}': the values must be a comma-separated list, e.g. {s[..eq]}=10,20,40");
            sweep = (s[..eq], values);
            overrides.RemoveAt(0);
        }
        string? resume = r.GetValue(ResumeOption);
        if (command is "run" or "bench" or "compare" or "sweep" or "mpi-check" && files.Count > 1)
            throw new ArgumentException($"'{command}' takes one case file, not {files.Count} ('{files[1]}' …); key=value overrides follow it");
        if (resume != null && (command != "run" || files.Count > 0))
            throw new ArgumentException("--resume takes the place of the case file, with 'run' only");
        if (resume != null && overrides.Count > 0)
            throw new ArgumentException("--resume continues the checkpoint's own case: overrides cannot change it");
        if (command is not ("devices" or "mpi-check") && files.Count == 0 && resume == null)
            throw new ArgumentException($"'{command}' needs a case file (see 'phasefield {command} --help')");
        int[]? cells = null;
        if (r.GetValue(CellsOption) is { } cellText)
        {
            var parts = cellText.Split('x');
            if (parts.Length != 3 || parts.Any(p => !int.TryParse(p, out int v) || v < 1))
                throw new ArgumentException($"--cells '{cellText}': must be NXxNYxNZ, e.g. 8x8x32");
            cells = parts.Select(int.Parse).ToArray();
        }
        double wallTime = r.GetValue(WallTimeOption) is { } w ? Duration("--wall-time", w) : double.PositiveInfinity;
        double checkpointWall = r.GetValue(CheckpointWallOption) is { } cw ? Duration("--checkpoint-wall-interval", cw) : 0;
        bool has(Option o) => r.CommandResult.Command.Options.Contains(o);
        return new CommandLine(command, files.FirstOrDefault(), has(BackendOption) ? r.GetValue(BackendOption)! : "auto", r.GetValue(OutputOption),
            r.GetValue(VerboseOption), resume, has(StepsOption) ? r.GetValue(StepsOption) : 10, has(AgainstOption) ? r.GetValue(AgainstOption)! : "cpu",
            has(ToleranceOption) ? r.GetValue(ToleranceOption) : 1e-3, r.GetValue(CheckOption), cells, wallTime, checkpointWall)
        {
            Overrides = overrides, CasePaths = files, Sweep = sweep,
        };
    }

    /// <summary>Values separated by commas outside brackets and quotes ([1, 2],[3, 4] is two values).</summary>
    private static List<string> SplitValues(string text)
    {
        var values = new List<string>();
        int depth = 0, start = 0;
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (quote != '\0') { if (ch == quote) quote = '\0'; continue; }
            if (ch is '"' or '\'') quote = ch;
            else if (ch == '[') depth++;
            else if (ch == ']') depth--;
            else if (ch == ',' && depth == 0)
            {
                values.Add(text[start..i].Trim());
                start = i + 1;
            }
        }
        values.Add(text[start..].Trim());
        return values;
    }

    /// <summary>Seconds from "5400", "90:00" or "1:30:00" (h:m:s); positive.</summary>
    private static double Duration(string option, string text)
    {
        var parts = text.Split(':');
        double seconds = 0;
        bool ok = parts.Length <= 3;
        foreach (var p in parts)
        {
            ok &= double.TryParse(p, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v)
                  && v >= 0 && double.IsFinite(v);
            seconds = seconds * 60 + v;
        }
        if (!ok || !(seconds > 0))
            throw new ArgumentException($"{option} '{text}': must be a positive duration in seconds or [[h:]m:]s, e.g. 5400 or 1:30:00");
        return seconds;
    }
}

/// <summary>The parser's help followed by the table of exit codes.</summary>
internal sealed class HelpWithExitCodes(System.CommandLine.Help.HelpAction parserHelp) : System.CommandLine.Invocation.SynchronousCommandLineAction
{
    /// <summary>`check --help` shows help, not "argument missing".</summary>
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        int exit = parserHelp.Invoke(parseResult);
        parseResult.InvocationConfiguration.Output.WriteLine(CommandLine.ExitCodes);
        parseResult.InvocationConfiguration.Output.WriteLine();
        return exit;
    }
}
