using System.Text;
using PhaseFieldLi.Fields;
using PureHDF;

namespace PhaseFieldLi.OutputWriters;

/// <summary>
/// One HDF5 file with every evolving and solved field (ξ, φ, φ_B, d, labels, material, the Li history
/// of the residual film; for coupled runs u, H, ξ₀ and the stress fields), the body
/// potentials, the loop state (time, step, output schedule, tip history, snapshot list, time series)
/// and the case file itself with its hash. Written to a temporary name, flushed and renamed, so a
/// kill at any moment leaves the previous checkpoint intact. The checkpoint before it is kept as
/// checkpoint.previous.h5 until the new one is complete, and every dataset carries its SHA-256, so
/// a damaged checkpoint is found on resume and a one-process run falls back to the previous one,
/// saying so. A resumed run on the same backend continues bit for bit (test: CheckpointTests).
/// </summary>
public static class Checkpoint
{
    public const int FormatVersion = 3;
    public const string FileName = "checkpoint.h5";

    /// <summary>
    /// The checkpoint of one rank of a distributed run: each rank writes its slab (ghost planes
    /// included) to a file of its own, and a run resumes on the same rank count (checked).
    /// </summary>
    public static string RankFileName(int rank) => $"checkpoint_r{rank:D3}.h5";

    /// <summary>The file of rank r next to the given checkpoint of any rank of the same run.</summary>
    public static string ForRank(string anyRankPath, int rank) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(anyRankPath))!, RankFileName(rank));

    /// <summary>The checkpoint kept from before the last one was written (checkpoint.previous.h5 beside checkpoint.h5).</summary>
    public static string PreviousPath(string path) => Path.ChangeExtension(path, ".previous.h5");

    /// <summary>
    /// What a checkpoint holds: the case, the model's (and a coupled run's mechanics') fields, the
    /// loop state; <see cref="FellBack"/> says why the previous checkpoint was read instead of the one named.
    /// </summary>
    public sealed record Contents(string CaseText, string CaseName, string CaseHash, ElectrochemistryFields Fields, RunState State,
        MechanicsFields? Mechanics, int Rank = 0, int Ranks = 1)
    {
        public string? FellBack { get; init; }
    }

    /// <summary>Attribute holding the SHA-256 of a dataset's bytes.</summary>
    private static string ChecksumAttribute(string dataset) => "sha256_" + dataset;

    private static string Sha256<T>(T[] values) where T : unmanaged =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())));

    /// <summary>Writes one rank's checkpoint (atomically) from plain data.</summary>
    public static void Write(string path, Cases.Case c, string backendName, int rank, int ranks, ElectrochemistryFields fields,
        RunState state, MechanicsFields? mechanics = null)
    {
        var file = new H5File
        {
            ["xi"] = fields.Xi,
            ["phi"] = fields.Phi,
            ["phi_response"] = fields.PhiResponse,
            ["damage"] = fields.Damage,
            ["li_history"] = fields.LiHistory,
            ["label"] = fields.Label,
            ["material"] = fields.Material,
            ["body_potential"] = fields.BodyPotential,
            ["body_mass_reference"] = fields.BodyMassReference,
            ["case_text"] = Encoding.UTF8.GetBytes(c.SourceText),
            ["series_text"] = Encoding.UTF8.GetBytes(string.Join("\n", state.SeriesLines)),
            ["snapshot_index"] = state.Snapshots.Select(x => x.Index).ToArray(),
            ["snapshot_step"] = state.Snapshots.Select(x => x.Step).ToArray(),
            ["snapshot_time_s"] = state.Snapshots.Select(x => x.TimeS).ToArray(),
        };
        if (mechanics != null)
        {
            file["displacement"] = mechanics.Displacement;
            file["history"] = mechanics.History;
            file["xi_initial"] = mechanics.InitialXi;
            file["pressure"] = mechanics.Pressure;
            file["von_mises"] = mechanics.VonMises;
            file["energy_density"] = mechanics.EnergyDensity;
        }
        file.Attributes["last_stagger_iterations"] = state.LastStaggerIterations;
        file.Attributes["last_step_damage_change"] = state.LastStepDamageChange;
        file.Attributes["format_version"] = FormatVersion;
        file.Attributes["case_name"] = c.Name;
        file.Attributes["case_sha256"] = c.Hash;
        file.Attributes["backend"] = backendName;
        file.Attributes["time_s"] = state.TimeS;
        file.Attributes["step"] = state.Step;
        file.Attributes["next_output_s"] = state.NextOutputS;
        file.Attributes["next_checkpoint_s"] = state.NextCheckpointS;
        file.Attributes["next_snapshot_index"] = state.SnapshotIndex;
        file.Attributes["last_tip_height_m"] = state.LastTipHeightM;
        file.Attributes["last_tip_time_s"] = state.LastTipTimeS;
        file.Attributes["unconverged_solves"] = state.UnconvergedSolves;
        file.Attributes["last_step_s"] = fields.LastStepS;
        file.Attributes["rank"] = rank;
        file.Attributes["ranks"] = ranks;
        foreach (var (name, value) in file.ToList())
            file.Attributes[ChecksumAttribute(name)] = value switch
            {
                float[] a => Sha256(a),
                int[] a => Sha256(a),
                double[] a => Sha256(a),
                byte[] a => Sha256(a),
                _ => throw new InvalidOperationException($"checkpoint dataset {name}: no checksum for {value.GetType().Name}"),
            };
        // The new file is complete (flushed) before it replaces the old one, which is kept as the previous
        // checkpoint: some checkpoint is always whole, and checkpoint.h5 is never missing (a reader that
        // polls it, or a kill between the two renames of a move-aside, found it gone).
        AtomicFile.Write(path, stream => file.Write(stream), backupPath: PreviousPath(path));
    }

    /// <summary>
    /// The largest ξ a checkpoint may hold: a sheet cell the creep flow left over-full holds ξ &gt; 1 until
    /// its next step pushes the excess out (Li compressed at K̂(ξ − 1), a few per cent at the GPa pressures
    /// that crack LLZO); twice full is no state the solver writes.
    /// </summary>
    public const float MaxXi = 2f;

    /// <summary>
    /// Reads a checkpoint and checks what it holds before anything runs on it: a file that is not a
    /// readable checkpoint, or one whose values are out of range (d outside [0, 1], ξ outside [0, <see cref="MaxXi"/>] or not finite,
    /// a label outside the body table, a negative step, a time that is not finite), is one error naming
    /// the file and the dataset (exit 2), not a crash or a run on wrong state.
    /// </summary>
    public static Contents Read(string path, bool fallBack = false)
    {
        try
        {
            return ReadChecked(path);
        }
        catch (ArgumentException e) when (fallBack && File.Exists(PreviousPath(path)))
        {
            var previous = ReadChecked(PreviousPath(path));
            return previous with { FellBack = e.Message };
        }
    }

    private static Contents ReadChecked(string path)
    {
        if (!File.Exists(path))
            throw new ArgumentException($"--resume '{path}': no such checkpoint");
        Contents c;
        try
        {
            c = ReadFile(path);
        }
        catch (ArgumentException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ArgumentException($"--resume '{path}': not a readable checkpoint ({e.GetType().Name}: {e.Message})");
        }
        Validate(path, c);
        return c;
    }

    private static void Validate(string path, Contents c)
    {
        void Fail(string what, string why) => throw new ArgumentException($"--resume '{path}': damaged checkpoint: {what} {why}");
        var f = c.Fields;
        int n = f.Xi.Length;
        foreach (var (name, values, max) in new[] { ("xi", f.Xi, MaxXi), ("damage", f.Damage, 1f), ("li_history", f.LiHistory, 1f) })
        {
            if (values.Length != n) Fail(name, $"has {values.Length} values, xi {n}");
            int bad = Array.FindIndex(values, v => !(v >= 0f && v <= max));
            if (bad >= 0) Fail(name, $"[{bad}] = {values[bad]} is outside [0, {max}]");
        }
        if (f.Phi.Length != n || f.PhiResponse.Length != n || f.Label.Length != n || f.Material.Length != n)
            Fail("fields", "differ in length");
        int badPhi = Array.FindIndex(f.Phi, v => !float.IsFinite(v));
        if (badPhi >= 0) Fail("phi", $"[{badPhi}] = {f.Phi[badPhi]} is not finite");
        int badLabel = Array.FindIndex(f.Label, l => l < Kernels.Physics.Bodies.None || l >= State.MaxBodies);
        if (badLabel >= 0) Fail("label", $"[{badLabel}] = {f.Label[badLabel]} is outside the body table [-1, {State.MaxBodies - 1}]");
        if (f.BodyPotential.Length != State.MaxBodies || !f.BodyPotential.All(float.IsFinite)) Fail("body_potential", "is not 64 finite values");
        if (c.State.Step < 0) Fail("step", $"= {c.State.Step} is negative");
        if (!double.IsFinite(c.State.TimeS) || c.State.TimeS < 0) Fail("time_s", $"= {c.State.TimeS} is not a finite time ≥ 0");
        if (!double.IsFinite(f.LastStepS) || f.LastStepS < 0) Fail("last_step_s", $"= {f.LastStepS} is not a finite step ≥ 0");
    }

    private static Contents ReadFile(string path)
    {
        using var f = H5File.OpenRead(path);
        int version = f.Attribute("format_version").Read<int>();
        if (version != FormatVersion)
            throw new ArgumentException($"--resume '{path}': checkpoint format {version}, this program reads {FormatVersion}");
        // Each dataset against its SHA-256 (checkpoints written before the checksums have none to check).
        T[] A<T>(string name) where T : unmanaged
        {
            var values = f.Dataset(name).Read<T[]>();
            if (f.AttributeExists(ChecksumAttribute(name)) && f.Attribute(ChecksumAttribute(name)).Read<string>() != Sha256(values))
                throw new ArgumentException($"--resume '{path}': damaged checkpoint: dataset '{name}' fails its SHA-256 check");
            return values;
        }
        double D(string name) => f.Attribute(name).Read<double>();
        int I(string name) => f.Attribute(name).Read<int>();
        var state = new RunState
        {
            TimeS = D("time_s"), Step = I("step"), NextOutputS = D("next_output_s"), NextCheckpointS = D("next_checkpoint_s"),
            SnapshotIndex = I("next_snapshot_index"), LastTipHeightM = D("last_tip_height_m"), LastTipTimeS = D("last_tip_time_s"),
            UnconvergedSolves = I("unconverged_solves"),
            LastStaggerIterations = I("last_stagger_iterations"), LastStepDamageChange = D("last_step_damage_change"),
        };
        var mechanics = f.LinkExists("displacement")
            ? new MechanicsFields(A<float>("displacement"), A<float>("history"), A<float>("xi_initial"), A<float>("pressure"),
                A<float>("von_mises"), A<float>("energy_density"))
            : null;
        var idx = A<int>("snapshot_index");
        var steps = A<int>("snapshot_step");
        var times = A<double>("snapshot_time_s");
        for (int n = 0; n < idx.Length; n++) state.Snapshots.Add((idx[n], steps[n], times[n]));
        string series = Encoding.UTF8.GetString(A<byte>("series_text"));
        if (series.Length > 0) state.SeriesLines.AddRange(series.Split('\n'));
        var fields = new ElectrochemistryFields(A<float>("xi"), A<float>("phi"), A<float>("phi_response"), A<float>("damage"),
            A<float>("li_history"), A<int>("label"), A<int>("material"), A<float>("body_potential"), A<double>("body_mass_reference"),
            D("last_step_s"));
        return new Contents(Encoding.UTF8.GetString(A<byte>("case_text")), f.Attribute("case_name").Read<string>(),
            f.Attribute("case_sha256").Read<string>(), fields, state, mechanics,
            f.AttributeExists("rank") ? I("rank") : 0, f.AttributeExists("ranks") ? I("ranks") : 1);
    }
}
