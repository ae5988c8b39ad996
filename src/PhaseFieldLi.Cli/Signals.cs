namespace PhaseFieldLi.Cli;

/// <summary>Exit codes of a run stopped by a signal: 128 + the signal's number, as shells report them.</summary>
public static class Signals
{
    public const int Interrupted = 130; // SIGINT (Ctrl+C)
    public const int Terminated = 143;  // SIGTERM (kill, batch schedulers)

    /// <summary>The code of the last signal received (SIGINT if none was seen, e.g. a cancellation from a test).</summary>
    public static int ExitCode { get; set; } = Interrupted;
}
