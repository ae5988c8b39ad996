using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace PhaseFieldLi.Cli;

/// <summary>
/// The run log as a researcher reads it, and as a batch log file stores it: `HH:mm:ss message`, with
/// `warning:` or `error:` before the message where it is one, no logger category, and no colour codes
/// (they end up in files under mpirun and batch schedulers). Exceptions follow on their own lines.
/// </summary>
public sealed class LogFormat() : ConsoleFormatter(Name)
{
    public new const string Name = "phasefield";

    public override void Write<TState>(in LogEntry<TState> entry, IExternalScopeProvider? scopeProvider, TextWriter writer)
    {
        string message = entry.Formatter(entry.State, entry.Exception);
        if (string.IsNullOrEmpty(message) && entry.Exception == null) return;
        string level = entry.LogLevel switch
        {
            LogLevel.Warning => "warning: ",
            LogLevel.Error or LogLevel.Critical => "error: ",
            LogLevel.Debug or LogLevel.Trace => "  ",
            _ => "",
        };
        writer.Write(DateTime.Now.ToString("HH:mm:ss "));
        writer.Write(level);
        writer.WriteLine(message);
        if (entry.Exception != null) writer.WriteLine(entry.Exception.ToString());
    }
}
