using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using PhaseFieldLi.Cli;

// The command line (System.CommandLine): commands, options, per-command --help, --version (with the
// git commit), POSIX forms (--backend=cpu, -b cpu) and the [suggest] directive for shell completion.
var root = PhaseFieldLi.Cli.CommandLine.Build();
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var e in parsed.Errors) Console.Error.WriteLine("error: " + e.Message);
    string name = parsed.CommandResult.Command == root ? "" : parsed.CommandResult.Command.Name + " ";
    Console.Error.WriteLine($"see 'phasefield {name}--help'");
    return 2;
}
if (parsed.Action is not null) return parsed.Invoke(); // --help, --version, [suggest]

CommandLine options;
try
{
    options = CommandLine.From(parsed);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 2;
}

if (options.Command == "sweep") return Sweep.Run(options);

if (options.Command == "devices")
{
    foreach (var line in PhaseFieldLi.Backends.BackendCatalog.Describe()) Console.WriteLine(line);
    if (!options.Check) return 0;
    bool all = true;
    foreach (string name in options.Backend == "auto" ? PhaseFieldLi.Backends.BackendCatalog.Present() : [options.Backend])
    {
        PhaseFieldLi.Backends.Backend b;
        try
        {
            b = PhaseFieldLi.Backends.BackendCatalog.Create(name);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        using var backend = b;
        foreach (var (check, passed, detail) in PhaseFieldLi.Diagnostics.BackendSelfCheck.Run(b))
        {
            Console.WriteLine($"{(passed ? "pass" : "FAIL")}  {name}: {check}: {detail}");
            all &= passed;
        }
    }
    return all ? 0 : 5;
}

// 'run' runs distributed under mpirun; the benchmark and the backend comparison are one-process tools
// (N copies would write the same files).
if (options.Command is "bench" or "compare" && PhaseFieldLi.Distributed.Mpi.FromLauncher() is { Size: > 1 } launch)
{
    if (launch.Rank == 0)
        Console.Error.WriteLine($"error: '{options.Command}' was launched on {launch.Size} MPI ranks but runs on one process; " +
                                "'run' is the command that runs distributed ('mpi-check' tests the MPI layer).");
    return launch.Rank == 0 ? 2 : 0; // rank 0 reports and carries the exit code (RunCommand.Shared)
}

if (options.Command == "mpi-check")
{
    PhaseFieldLi.Distributed.Mpi mpi;
    try
    {
        mpi = new PhaseFieldLi.Distributed.Mpi();
    }
    catch (PhaseFieldLi.Distributed.MpiException e)
    {
        Console.Error.WriteLine("error: " + e.Message);
        return 2;
    }
    using (mpi)
    {
        var c = options.Cells ?? [8, 8, 32];
        try
        {
            var report = PhaseFieldLi.Distributed.DistributedSelfCheck.Run(mpi, new PhaseFieldLi.Kernels.Accessors.GridShape(c[0], c[1], c[2]),
                outputDirectory: options.Output);
            if (mpi.Rank == 0) foreach (var line in report.Lines) Console.WriteLine(line);
            bool passed = report.Passed;
            if (options.CasePath != null)
            {
                var haloCase = PhaseFieldLi.Cases.CaseReader.ReadFile(options.CasePath, options.Overrides);
                foreach (var result in PhaseFieldLi.Diagnostics.HaloCheck.Run(mpi, haloCase))
                {
                    passed &= result.Passed;
                    if (mpi.Rank == 0) Console.WriteLine($"{(result.Passed ? "pass" : "FAIL")}  stale ghosts, {result.Operation}: {result.Detail}");
                }
            }
            return passed ? 0 : 5;
        }
        catch (PhaseFieldLi.Distributed.MpiException e)
        {
            if (mpi.Rank == 0) Console.Error.WriteLine("error: " + e.Message); // every rank finds the same fault
            return mpi.Rank == 0 ? 2 : 0; // rank 0 reports and carries the exit code (RunCommand.Shared)
        }
    }
}

// Which signal stopped a run decides its exit code (128 + signal number); the host turns both into
// a stop at the next step boundary, and waits for it however long the step takes (its default 30 s
// shutdown timeout ended long steps with exit 0 and no checkpoint).
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM,
    _ => PhaseFieldLi.Cli.Signals.ExitCode = PhaseFieldLi.Cli.Signals.Terminated);
using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT,
    _ => PhaseFieldLi.Cli.Signals.ExitCode = PhaseFieldLi.Cli.Signals.Interrupted);
// The empty builder: logging, the hosted command and its cancellation, without the default
// configuration sources (JSON files, user secrets, environment) and log providers (EventLog, Debug,
// EventSource) that a one-command tool never reads.
var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = Timeout.InfiniteTimeSpan);
builder.Logging.ClearProviders();
builder.Logging.AddConsole(o => o.FormatterName = LogFormat.Name).AddConsoleFormatter<LogFormat, ConsoleFormatterOptions>();
// On several ranks rank 0 speaks for the run; the others report only their own errors.
builder.Logging.SetMinimumLevel(PhaseFieldLi.Distributed.Mpi.FromLauncher().Rank > 0 ? LogLevel.Error
    : options.Verbose ? LogLevel.Debug : LogLevel.Information);
builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
builder.Services.AddSingleton(options);
builder.Services.AddHostedService<RunCommand>();
using var host = builder.Build();
await host.RunAsync();
return Environment.ExitCode;
