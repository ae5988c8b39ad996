using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using Xunit;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// The product as a .NET user meets it (issue: native): the `phasefield` tool package installs with
/// `dotnet tool install` and runs, its package carries a description, licence, readme and the
/// commit; and the library example (examples/current-sweep.cs, a file-based `dotnet run` program)
/// runs and its numbers obey Faraday's law.
/// </summary>
public class PackagingTests(ITestOutputHelper output)
{
    private static (int Exit, string Out, string Err) Run(string file, string workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, err.GetAwaiter().GetResult());
    }

    [Fact]
    public void TheToolPackageInstallsAndRuns()
    {
        string root = CaseFileErrorTests.RepoRoot();
        string dir = TestCases.TempDir();
        string feed = Path.Combine(dir, "feed"), tools = Path.Combine(dir, "tools");
        // The CLI is built already (the tests reference it): pack what was built.
        var pack = Run("dotnet", root, "pack", Path.Combine("src", "PhaseFieldLi.Cli"), "-c", "Release", "--no-build", "-o", feed);
        output.WriteLine(pack.Out + pack.Err);
        Assert.Equal(0, pack.Exit);
        string package = Assert.Single(Directory.GetFiles(feed, "PhaseFieldLi.Cli.*.nupkg"));

        using (var zip = ZipFile.OpenRead(package))
        {
            var nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec"));
            using var stream = nuspecEntry.Open();
            var meta = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string Get(string name) => meta.Elements().Single(e => e.Name.LocalName == name).Value;
            Assert.Contains("LLZO", Get("description"));
            Assert.Equal("MIT", Get("license"));
            Assert.Equal("README.md", Get("readme"));
            Assert.Contains(zip.Entries, e => e.FullName == "README.md");
            Assert.Contains(meta.Descendants(), e => e.Name.LocalName == "packageType" && (string?)e.Attribute("name") == "DotnetTool");
            Assert.Matches("^[0-9a-f]{40}$", (string?)meta.Elements().Single(e => e.Name.LocalName == "repository").Attribute("commit") ?? "");
        }

        var install = Run("dotnet", dir, "tool", "install", "PhaseFieldLi.Cli", "--tool-path", tools, "--add-source", feed);
        output.WriteLine(install.Out + install.Err);
        Assert.Equal(0, install.Exit);
        string phasefield = Path.Combine(tools, OperatingSystem.IsWindows() ? "phasefield.exe" : "phasefield");
        var version = Run(phasefield, dir, "--version");
        Assert.Equal(0, version.Exit);
        Assert.Matches(@"^\d+\.\d+\.\d+\+[0-9a-f]{40}\s*$", version.Out);
        var check = Run(phasefield, root, "check", Path.Combine("cases", "quickstart.toml"));
        output.WriteLine(check.Out + check.Err);
        Assert.Equal(0, check.Exit);
        Assert.Contains("valid", check.Out);
    }

    /// <summary>
    /// The example drives the library (case reader with overrides, backend catalogue, model, simulation,
    /// StepCompleted) and reads the time series back: three current densities, the Li plated at the
    /// negative electrode equal to j A Δt V_m / F to 1e-4 (measured: 2e-5), and more steps at a higher
    /// current (the max-dξ step limit).
    /// </summary>
    [Fact]
    public void TheLibraryExampleRunsAndObeysFaradaysLaw()
    {
        string root = CaseFileErrorTests.RepoRoot();
        string dir = TestCases.TempDir();
        var (exit, stdout, err) = Run("dotnet", root, "run", Path.Combine("examples", "current-sweep.cs"), "--", dir);
        output.WriteLine(stdout + err);
        Assert.Equal(0, exit);
        var rows = stdout.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(w => w.Length == 5 && double.TryParse(w[0], out _)).Select(w => w.Select(double.Parse).ToArray()).ToList();
        Assert.Equal(new[] { 10.0, 20.0, 40.0 }, rows.Select(r => r[0]));
        Assert.All(rows, r => Assert.True(Math.Abs(r[3] - r[4]) <= 1e-4 * r[4], $"j = {r[0]}: plated {r[3]} µm³ vs Faraday {r[4]} µm³"));
        Assert.True(rows[2][1] > rows[0][1], "a higher current takes more steps");
        foreach (string j in new[] { "10", "20", "40" })
            Assert.True(File.Exists(Path.Combine(dir, $"j={j}", "timeseries.csv")), $"j={j}: no time series");
    }
}
