namespace PhaseFieldLi.Cli;

/// <summary>Parsed command line; unknown options are errors.</summary>
public sealed record CommandLine(string Command, string? CasePath, string Backend, string? Output, bool Verbose, string? Resume = null,
    int Steps = 10)
{
    public const string Usage = """
        usage:
          phasefield run <case.toml> [--backend auto|cuda|opencl|cpu|ilgpu-cpu] [--output DIR] [--verbose]
          phasefield run --resume <run-dir>/checkpoint.h5 [--backend …] [--output DIR]
          phasefield check <case.toml>
          phasefield bench <case.toml> [--backend …] [--steps N]   whole-step throughput vs the copy bandwidth
          phasefield devices
        """;

    public static CommandLine Parse(string[] args)
    {
        string command = args[0];
        if (command is not ("run" or "check" or "devices" or "bench"))
            throw new ArgumentException($"unknown command '{command}'");
        string? casePath = null, output = null, resume = null;
        string backend = "auto";
        bool verbose = false;
        int steps = 10;
        for (int a = 1; a < args.Length; a++)
        {
            switch (args[a])
            {
                case "--backend" when a + 1 < args.Length:
                    backend = args[++a];
                    if (!PhaseFieldLi.Backends.Backends.Names.Contains(backend))
                        throw new ArgumentException($"--backend '{backend}': must be one of {string.Join(", ", PhaseFieldLi.Backends.Backends.Names)}");
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
        if (command != "devices" && casePath == null && resume == null)
            throw new ArgumentException($"'{command}' needs a case file");
        return new CommandLine(command, casePath, backend, output, verbose, resume, steps);
    }
}
