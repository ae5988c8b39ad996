using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PhaseFieldLi.Cases;
using PhaseFieldLi.Distributed;
using PhaseFieldLi.Models;
using PhaseFieldLi.OutputWriters;
using PhaseFieldLi.Simulations;

namespace PhaseFieldLi.Cli;

/// <summary>Runs one command inside the generic host (logging, Ctrl+C → cancellation, exit code).</summary>
public sealed class RunCommand(CommandLine options, IHostApplicationLifetime lifetime, ILogger<RunCommand> log) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        try
        {
            Environment.ExitCode = Execute(stoppingToken);
        }
        catch (CaseException e)
        {
            if (_launch.Rank == 0) Console.Error.WriteLine("error: " + e.Message); // every rank finds the same fault
            Environment.ExitCode = Shared(2);
        }
        catch (ArgumentException e)
        {
            // Rank 0 speaks for faults every rank finds; a rank reports its own (its checkpoint file).
            bool own = e.Data.Contains(RankOwn);
            if (_launch.Rank == 0 || own) Console.Error.WriteLine("error: " + e.Message);
            Environment.ExitCode = own ? 2 : Shared(2);
        }
        catch (MpiException e)
        {
            if (_launch.Rank == 0) Console.Error.WriteLine("error: " + e.Message); // a launch fault: every rank finds it
            Environment.ExitCode = Shared(2);
        }
        catch (WatchdogException e)
        {
            if (_launch.Rank == 0) log.LogError("{Message}; the last periodic checkpoint (if any) is kept", e.Message);
            Environment.ExitCode = Shared(3);
        }
        catch (Exception e)
        {
            log.LogError("run failed: {Message}", e.Message);
            log.LogDebug(e, "details");
            Environment.ExitCode = 1;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }, CancellationToken.None);

    /// <summary>
    /// The exit code of a fault every rank finds and rank 0 reports: rank 0 carries it, the others
    /// exit 0 — a rank that exited non-zero first would make mpirun kill rank 0 before it printed.
    /// </summary>
    private int Shared(int code) => _launch.Rank == 0 ? code : 0;

    /// <summary>Marks an error only this rank found (the others would not report it).</summary>
    private const string RankOwn = "rank-own";

    /// <summary>Rank and rank count of this process (1 and 0 unless launched by mpirun/mpiexec).</summary>
    private readonly (int Size, int Rank) _launch = Mpi.FromLauncher();

    /// <summary>The case's derived numbers, for the log.</summary>
    private void Describe(Case c)
    {
        var scaling = new Scaling(c);
        double lambda = c.Electrochemistry.SigmaLlzoSPerM * Scaling.GasConstant * c.Electrochemistry.TemperatureK
                        / (Scaling.Faraday * c.Electrochemistry.ExchangeCurrentDensityAPerM2);
        log.LogInformation("case {Name} ({Hash}): {Nx}×{Ny}×{Nz} cells, h = {H} m; δ/h = {Ratio:G3}; λ = σR_ct = {Lambda:G3} µm; L_η = {Leta:G3} 1/s; curvature speed at R = δ: {Vk:G3} m/s",
            c.Name, c.Hash[..12], c.Grid.Nx, c.Grid.Ny, c.Grid.Nz, c.Grid.SpacingM,
            c.PhaseField.InterfaceWidthM / c.Grid.SpacingM, lambda * 1e6, scaling.KineticMobilityPerS,
            scaling.CurvatureSpeed(c.PhaseField.MobilityM3PerJS, c.PhaseField.InterfaceWidthM));
    }

    /// <summary>`check`: every case file named, each with the overrides; exit 2 if any is bad (each error printed).</summary>
    private int CheckAll()
    {
        int exit = 0;
        foreach (string path in options.CasePaths)
        {
            try
            {
                var c = CaseReader.ReadFile(path, options.Overrides);
                Describe(c);
                Console.WriteLine($"{path}: valid");
                Console.WriteLine($"  MPI: runs on 1 to {c.Grid.Nz / SlabDecomposition.MinPlanes} ranks (z-slabs of at least {SlabDecomposition.MinPlanes} planes)");
            }
            catch (CaseException e)
            {
                Console.Error.WriteLine($"error: {path}: {e.Message}");
                exit = 2;
            }
        }
        return exit;
    }

    private int Execute(CancellationToken cancel)
    {
        if (options.Command == "check") return CheckAll();
        // On several ranks each rank resumes from its own file next to the one named, written by the
        // same rank of a run on as many ranks (rank 0's file says how many; every rank checks it).
        string? resumePath = options.Resume;
        if (options.Resume != null && _launch.Size > 1)
        {
            int ranks = Checkpoint.Read(Checkpoint.ForRank(options.Resume, 0)).Ranks;
            if (ranks != _launch.Size)
                throw new ArgumentException($"--resume '{options.Resume}': the run was written by {ranks} rank(s), this is {_launch.Size}: resume on {ranks}");
            resumePath = Checkpoint.ForRank(options.Resume, _launch.Rank);
        }
        Checkpoint.Contents? resume;
        try
        {
            // One process falls back to the checkpoint kept from before a damaged or missing one; ranks
            // would have to agree on it, so a distributed resume does not.
            resume = resumePath != null ? Checkpoint.Read(resumePath, fallBack: _launch.Size == 1) : null;
            if (resume?.FellBack is { } why)
                log.LogWarning("{Why}; resuming from the previous checkpoint {Previous} instead (step {Step}, t = {T:G6} s)",
                    why, Checkpoint.PreviousPath(resumePath!), resume.State.Step, resume.State.TimeS);
        }
        catch (ArgumentException e) when (_launch.Rank > 0)
        {
            throw new ArgumentException($"rank {_launch.Rank}: {e.Message}") { Data = { [RankOwn] = true } };
        }
        if (resume != null && (resume.Ranks != _launch.Size || resume.Rank != _launch.Rank))
            throw new ArgumentException($"--resume '{resumePath}': written by rank {resume.Rank} of {resume.Ranks}, not by rank {_launch.Rank} of {_launch.Size}");
        var c = resume != null ? CaseReader.Parse(resume.CaseText, resume.CaseName) : CaseReader.ReadFile(options.CasePath!, options.Overrides);
        if (options.Overrides.Count > 0) log.LogInformation("overrides: {Overrides} (recorded in the case text of every output file)", string.Join(" ", options.Overrides));
        if (resume != null && c.Hash != resume.CaseHash)
            throw new ArgumentException($"--resume '{options.Resume}': the stored case does not match its hash (corrupt checkpoint)");
        Describe(c);
        if (options.Command == "bench")
        {
            using var b = PhaseFieldLi.Backends.BackendCatalog.Create(options.Backend);
            var result = PhaseFieldLi.Diagnostics.StepBenchmarkResult.Run(c, b, options.Steps);
            Console.WriteLine(result.Table());
            if (result.KernelTimes.Count > 0)
            {
                // PHASEFIELD_PROFILE=1: every launch of the timed steps, each synchronised.
                double total = result.KernelTimes.Values.Sum(v => v.Seconds);
                Console.WriteLine($"\nkernels of the {result.Steps} timed steps, each launch synchronised:");
                Console.WriteLine("| kernel (rule) | launches | s | share |\n|---|---|---|---|");
                foreach (var (name, (n, s)) in result.KernelTimes.OrderByDescending(kv => kv.Value.Seconds).Take(15))
                    Console.WriteLine($"| {name} | {n} | {s:G3} | {s / total:P1} |");
            }
            Console.WriteLine($"T_eff counts {PhaseFieldLi.Diagnostics.StepBenchmarkResult.MinimumBytesPerCell} B/cell per step " +
                              "(ξ and φ read and written, d and material read); memcpy: the device's own copy, 8 B/cell; copy kernel: " +
                              "one float per thread. A linear iteration is one MG-CG iteration of the potential solve (its time: the " +
                              "potential solve's over its linear iterations); its floor: its counted bytes at memcpy speed.");
            return 0;
        }

        if (options.Command == "compare")
        {
            string root = options.Output ?? Path.Combine("runs", c.Name + "-compare");
            EnsureWritable(root);
            var cmp = PhaseFieldLi.Diagnostics.BackendComparison.Run(c, options.Against, options.Backend, options.Steps, root);
            Console.WriteLine(cmp.Table());
            bool ok = cmp.MaxRelative <= options.Tolerance;
            Console.WriteLine(ok
                ? $"agree: every field within {options.Tolerance:G3} (relative to its largest value)"
                : $"DIFFER: largest relative difference {cmp.MaxRelative:G3} > --tolerance {options.Tolerance:G3}");
            return ok ? 0 : 5;
        }

        string output = options.Output
                        ?? (options.Resume != null ? Path.GetDirectoryName(Path.GetFullPath(options.Resume))! : Path.Combine("runs", c.Name));
        EnsureWritable(output);
        using var folderLock = _launch.Size == 1 ? LockOutput(output) : null;
        if (folderLock != null) RemoveStaleTemporaries(output);
        if (_launch.Rank == 0) EnsureSpace(output, c, resume);
        using var mpi = _launch.Size > 1 ? new Mpi() : null;
        try
        {
            return Run(c, resume, output, mpi, cancel);
        }
        catch (Exception e) when (mpi != null && e is IOException or UnauthorizedAccessException or OutOfMemoryException)
        {
            // A fault of this rank alone: the others would wait for it in their next collective call.
            Console.Error.WriteLine($"error on rank {mpi.Rank}: {e.Message}; stopping every rank");
            mpi.Abort(1);
            throw;
        }
    }

    /// <summary>
    /// The run itself, on one process or as one rank of several: a rank holds its z-slab on its own
    /// device (GPU = local rank modulo the GPUs present) and logs only on rank 0.
    /// </summary>
    private int Run(Case c, Checkpoint.Contents? resume, string output, Mpi? mpi, CancellationToken cancel)
    {
        var runLog = _launch.Rank == 0 ? log : (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var device = PhaseFieldLi.Backends.BackendCatalog.Create(options.Backend, Mpi.LocalRank());
        using var backend = mpi == null ? device
            : SlabBackend.Wrap(device, new SlabPartition(mpi, new SlabDecomposition(c.Grid.Shape, mpi.Rank, mpi.Size)));
        runLog.LogInformation("backend {Backend}: {Device}; {Bytes} B/cell → {MiB:F1} MiB of fields",
            backend.Name, backend.Device, ElectrodepositionModel.BytesPerCell(c.Solver),
            (double)ElectrodepositionModel.BytesPerCell(c.Solver) * c.Grid.CellCount / (1 << 20) / _launch.Size);
        if (device.Name == "ilgpu-cpu")
            runLog.LogWarning("ilgpu-cpu is ILGPU's CPU emulator, for checking kernels (about 10⁶ cell-updates/s per kernel): " +
                              "a step of this {Cells}-cell case takes seconds to minutes, the first one longest (kernel compilation); " +
                              "--backend cpu runs the same per-cell code natively", c.Grid.CellCount);
        using var model = new ElectrodepositionModel(c, backend);
        if (mpi != null) runLog.LogInformation("potential solve preconditioner: {P}", model.PotentialPreconditioner.Describe());
        if (c.Physics == Physics.Fracture)
        {
            if (resume != null) throw new ArgumentException("--resume: fracture runs have no checkpoints yet");
            using var fracture = new FractureModel(model);
            if (mpi != null) runLog.LogInformation("elastic solve preconditioner: {P}", fracture.ElasticPreconditionerDescription);
            var fractureRun = new FractureSimulation(model, fracture, output, runLog) { WallTimeLimitS = options.WallTimeS };
            var rows = fractureRun.Run(cancel);
            int exit = fractureRun.End switch
            {
                LoopEnd.Signal => Signals.ExitCode,
                LoopEnd.WallTime => CommandLine.WallTimeExitCode,
                _ => rows.All(r => r.Converged) ? 0 : 4,
            };
            if (fractureRun.End == LoopEnd.WallTime)
                runLog.LogInformation("wall-time limit reached after load step {Step}; fracture runs have no checkpoint to resume from", rows.Count - 1);
            if (_launch.Rank != 0) return exit;
            Console.WriteLine($"output: {Path.GetFullPath(output)}");
            Console.WriteLine($"  load steps:  {Path.GetFullPath(Path.Combine(output, "fracture.csv"))}");
            Console.WriteLine($"  ParaView:    paraview {Path.GetFullPath(Path.Combine(output, "fields.xdmf"))}   (Contour damage = 0.5)");
            return exit;
        }
        FractureModel? mechanics = null;
        if (c.Physics == Physics.Coupled)
        {
            mechanics = new FractureModel(model);
            mechanics.EnableGrowthStrain();
            if (mpi != null) runLog.LogInformation("elastic solve preconditioner: {P}", mechanics.ElasticPreconditionerDescription);
            model.CoupleMechanics(mechanics);
            if (resume != null)
                mechanics.Restore(resume.Mechanics
                    ?? throw new ArgumentException($"--resume '{options.Resume}': the checkpoint holds no mechanics state (not written by a coupled run)"));
        }
        using var mechanicsLifetime = mechanics;
        runLog.LogInformation("fields allocated: {MiB:F1} MiB on {Where} ({Bytes:F0} B/cell, coarse levels and mechanics included)",
            backend.Counts.FieldBytes / (double)(1 << 20), mpi == null ? "the device" : "rank 0's device", (double)backend.Counts.FieldBytes / model.Shape.Count);
        if (resume != null) model.Restore(resume.Fields);
        var sim = new Simulation(model, output, runLog)
        {
            State = resume?.State ?? new RunState(), Mechanics = mechanics, WallTimeLimitS = options.WallTimeS,
            CheckpointWallIntervalS = options.CheckpointWallIntervalS,
        };
        var progress = new Progress(sim, runLog);
        if (_launch.Rank == 0) sim.StepCompleted += progress.OnStep;
        RunSummary summary;
        try
        {
            summary = sim.Run(cancel);
        }
        finally
        {
            progress.Finish();
        }
        var last = summary.Rows.Count > 0 ? summary.Rows[^1] : null;
        runLog.LogInformation("{State} after {Steps} steps, t = {T:G4} s, wall {Wall:F1} s, {Rate:G3} cell-updates/s; cell voltage {V:G4} mV",
            summary.Cancelled ? "stopped" : "finished", summary.Steps, summary.TimeS, summary.WallSeconds,
            summary.CellUpdatesPerSecond, model.CellVoltageV * 1e3);
        if (mpi != null && summary.Steps > 0)
            runLog.LogInformation("rank 0: {Sends} ghost-plane sends ({MiB:F1} MiB, every multigrid level) and {Allreduces} Allreduces in {Steps} steps",
                mpi.Sends, mpi.BytesSent / (double)(1 << 20), mpi.Allreduces, summary.Steps);
        if (summary.UnconvergedSolves > 0)
            runLog.LogWarning("{N} potential solves missed their tolerance (see the warnings above)", summary.UnconvergedSolves);
        int code = sim.End switch { LoopEnd.Signal => Signals.ExitCode, LoopEnd.WallTime => CommandLine.WallTimeExitCode, _ => 0 };
        if (_launch.Rank != 0) return code;
        string index = Path.GetFullPath(Path.Combine(output, "fields.xdmf"));
        Console.WriteLine($"output: {Path.GetFullPath(output)}");
        Console.WriteLine($"  checkpoint:  {Path.GetFullPath(sim.CheckpointPath)}   (continue with: run --resume <that file>)");
        Console.WriteLine($"  time series: {Path.GetFullPath(Path.Combine(output, "timeseries.csv"))}");
        Console.WriteLine($"  ParaView:    paraview {index}   (choose the 'XDMF Reader' if asked; colour by xi, Contour xi = 0.5)");
        if (last != null && summary.HasTip)
            Console.WriteLine($"  last tip current density {last.TipCurrentDensityAPerM2:G3} A/m² vs nominal {last.NominalCurrentDensityAPerM2:G3} A/m²");
        return code;
    }

    /// <summary>
    /// Refuses to start when the output disk cannot hold the rest of the run's snapshots and a checkpoint
    /// (OutputSpace: the files the run will replace count as free).
    /// </summary>
    private static void EnsureSpace(string dir, Case c, Checkpoint.Contents? resume)
    {
        var space = PhaseFieldLi.OutputWriters.OutputSpace.Estimate(c, dir, resume?.State.TimeS ?? 0, resume?.State.SnapshotIndex ?? 0);
        if (!space.Fits)
            throw new ArgumentException($"--output '{dir}': the run {space.Describe()} (raise [time] output_interval or free space)");
    }

    /// <summary>An unwritable output folder is an error before the run starts, not after it.</summary>
    /// <summary>The lock file of an output folder (held open, exclusively, for the whole run).</summary>
    public const string LockFileName = ".phasefield.lock";

    /// <summary>
    /// Refuses a second run into a folder another run is writing (two runs 1 s apart mixed their
    /// snapshots under one XDMF index): an exclusive lock on a file in the folder for the whole run,
    /// released (and the file removed) when the process ends, however it ends. One-process runs only: on
    /// several ranks only rank 0 could see a failed lock, and the other ranks would then wait for it.
    /// </summary>
    private static FileStream LockOutput(string dir)
    {
        string path = Path.Combine(dir, LockFileName);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException)
        {
            throw new ArgumentException($"--output '{dir}': another run is writing into this folder (it holds {LockFileName}); " +
                                        "choose another --output or wait for that run to end");
        }
    }

    /// <summary>
    /// Half-written files a killed run left (AtomicFile's ".NAME.PID.tmp"): with the folder's lock held
    /// no other run writes here, so every one of them is stale.
    /// </summary>
    private void RemoveStaleTemporaries(string dir)
    {
        foreach (var f in Directory.EnumerateFiles(dir, ".*.tmp"))
        {
            string[] parts = Path.GetFileName(f).Split('.');
            if (parts.Length < 4 || !int.TryParse(parts[^2], out _)) continue; // not AtomicFile's
            File.Delete(f);
            log.LogInformation("removed {File}, left half-written by a run that was killed", Path.GetFileName(f));
        }
    }

    private static void EnsureWritable(string dir)
    {
        try
        {
            Directory.CreateDirectory(dir);
            string probe = Path.Combine(dir, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--output '{dir}': cannot write there ({e.Message})");
        }
    }
}
