namespace PhaseFieldLi.Cli;

/// <summary>Parsed command line; unknown options are errors.</summary>
public sealed record CommandLine(string Command, string? CasePath, string Backend, string? Output, bool Verbose, string? Resume = null,
    int Steps = 10, string Against = "cpu", double Tolerance = 1e-3, bool Check = false, int[]? Cells = null,
    double WallTimeS = double.PositiveInfinity, double CheckpointWallIntervalS = 0)
{
    /// <summary>Exit code of a run stopped by --wall-time (checkpointed; resume to continue): EX_TEMPFAIL.</summary>
    public const int WallTimeExitCode = 75;

    public const string Usage = """
        usage:
          phasefield run <case.toml> [--backend auto|cuda|opencl|cpu|ilgpu-cpu] [--output DIR] [--verbose]
          phasefield run --resume <run-dir>/checkpoint.h5 [--backend …] [--output DIR]
            run options: --wall-time T   stop cleanly after T of wall-clock time (seconds, or [[h:]m:]s), checkpointed;
                                         exit code 75, continue with --resume
                         --checkpoint-wall-interval T   a checkpoint every T of wall-clock time as well
          phasefield check <case.toml>
          phasefield bench <case.toml> [--backend …] [--steps N]   whole-step throughput vs the copy bandwidth
          phasefield compare <case.toml> [--backend …] [--against cpu] [--steps N] [--tolerance R] [--output DIR]
                                     the first N steps on two backends, field by field (exit 5 above R, relative)
          phasefield devices [--check [--backend …]]   list backends; --check tests sums and labelling on each
          mpirun -n N phasefield run <case.toml> [--backend …] [--output DIR]   the case on N ranks, a z-slab each
                                     (GPU = local rank); resume with --resume <run-dir>/checkpoint_r000.h5 on N ranks
          mpirun -n N phasefield mpi-check [--cells NXxNYxNZ] [--output DIR]   MPI: global sums, halo exchange and a
                                     distributed solve on N ranks, against known answers; --output writes the
                                     solve's fields as one XDMF grid stitched from a file per rank
        """;

    public static CommandLine Parse(string[] args)
    {
        string command = args[0];
        if (command is not ("run" or "check" or "devices" or "bench" or "compare" or "mpi-check"))
            throw new ArgumentException($"unknown command '{command}'");
        string? casePath = null, output = null, resume = null;
        string backend = "auto", against = "cpu";
        double tolerance = 1e-3;
        bool verbose = false, check = false;
        int steps = 10;
        int[]? cells = null;
        double wallTime = double.PositiveInfinity, checkpointWall = 0;
        for (int a = 1; a < args.Length; a++)
        {
            switch (args[a])
            {
                case "--backend" when a + 1 < args.Length:
                    backend = args[++a];
                    if (!PhaseFieldLi.Backends.BackendCatalog.Names.Contains(backend))
                        throw new ArgumentException($"--backend '{backend}': must be one of {string.Join(", ", PhaseFieldLi.Backends.BackendCatalog.Names)}");
                    break;
                case "--against" when a + 1 < args.Length:
                    against = args[++a];
                    if (!PhaseFieldLi.Backends.BackendCatalog.Names.Contains(against))
                        throw new ArgumentException($"--against '{against}': must be one of {string.Join(", ", PhaseFieldLi.Backends.BackendCatalog.Names)}");
                    break;
                case "--tolerance" when a + 1 < args.Length:
                    if (!double.TryParse(args[++a], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out tolerance)
                        || !(tolerance > 0))
                        throw new ArgumentException($"--tolerance '{args[a]}': must be a positive number");
                    break;
                case "--output" when a + 1 < args.Length:
                    output = args[++a];
                    break;
                case "--resume" when a + 1 < args.Length:
                    resume = args[++a];
                    break;
                case "--steps" when a + 1 < args.Length:
                    if (!int.TryParse(args[++a], out steps) || steps < 1)
                        throw new ArgumentException($"--steps '{args[a]}': must be a positive integer");
                    break;
                case "--cells" when a + 1 < args.Length:
                    var parts = args[++a].Split('x');
                    if (parts.Length != 3 || parts.Any(s => !int.TryParse(s, out int v) || v < 1))
                        throw new ArgumentException($"--cells '{args[a]}': must be NXxNYxNZ, e.g. 8x8x32");
                    cells = parts.Select(int.Parse).ToArray();
                    break;
                case "--wall-time" when a + 1 < args.Length:
                    wallTime = Duration("--wall-time", args[++a]);
                    break;
                case "--checkpoint-wall-interval" when a + 1 < args.Length:
                    checkpointWall = Duration("--checkpoint-wall-interval", args[++a]);
                    break;
                case "--check":
                    check = true;
                    break;
                case "--verbose":
                    verbose = true;
                    break;
                default:
                    if (args[a].StartsWith('-') || casePath != null)
                        throw new ArgumentException($"unexpected argument '{args[a]}'");
                    casePath = args[a];
                    break;
            }
        }
        if (resume != null && (command != "run" || casePath != null))
            throw new ArgumentException("--resume takes the place of the case file, with 'run' only");
        if (command is not ("devices" or "mpi-check") && casePath == null && resume == null)
            throw new ArgumentException($"'{command}' needs a case file");
        if ((wallTime < double.PositiveInfinity || checkpointWall > 0) && command != "run")
            throw new ArgumentException("--wall-time and --checkpoint-wall-interval go with 'run' only");
        return new CommandLine(command, casePath, backend, output, verbose, resume, steps, against, tolerance, check, cells,
            wallTime, checkpointWall);
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
