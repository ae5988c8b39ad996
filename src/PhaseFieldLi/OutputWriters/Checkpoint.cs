using System.Text;
using PhaseFieldLi.Models;
using PhaseFieldLi.Simulations;
using PureHDF;

namespace PhaseFieldLi.OutputWriters;

/// <summary>
/// One HDF5 file with every evolving and solved field (ξ, φ, φ_B, d, labels, material, the Li history
/// of the residual film; for coupled runs u, H, ξ₀ and the stress fields), the body
/// potentials, the loop state (time, step, output schedule, tip history, snapshot list, time series)
/// and the case file itself with its hash. Written to a temporary name, flushed and renamed, so a
/// kill at any moment leaves the previous checkpoint intact. A resumed run on the same backend
/// continues bit for bit (test: CheckpointTests).
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

    public sealed record Contents(string CaseText, string CaseName, string CaseHash, float[] Xi, float[] Phi, float[] PhiResponse,
        float[] Damage, int[] Label, int[] Material, float[] BodyPotential, RunState State, double[] BodyMassReference, double LastStepS, float[] LiHistory,
        MechanicsFields? Mechanics, int Rank = 0, int Ranks = 1);

    /// <summary>The mechanics state of a coupled run: u (the CG start of the next solve), the history H,
    /// ξ₀ of the growth strain, and the stress fields the next potential solve and the output read.</summary>
    public sealed record MechanicsFields(float[] Displacement, float[] History, float[] InitialXi, float[] Pressure,
        float[] VonMises, float[] EnergyDensity);

    public static void Write(string path, ElectrodepositionModel model, RunState state, Models.FractureModel? mechanics = null)
    {
        var s = model.State;
        var c = model.Case;
        var file = new H5File
        {
            ["xi"] = s.Xi.ToArray(),
            ["phi"] = s.Phi.ToArray(),
            ["phi_response"] = s.PhiB.ToArray(),
            ["damage"] = s.Damage.ToArray(),
            ["li_history"] = s.LiHistory.ToArray(),
            ["label"] = s.Label.ToArray(),
            ["material"] = s.Material.ToArray(),
            ["body_potential"] = s.BodyPotential.ToArray(),
            ["body_mass_reference"] = model.BodyMassReference,
            ["case_text"] = Encoding.UTF8.GetBytes(c.SourceText),
            ["series_text"] = Encoding.UTF8.GetBytes(string.Join("\n", state.SeriesLines)),
            ["snapshot_index"] = state.Snapshots.Select(x => x.Index).ToArray(),
            ["snapshot_step"] = state.Snapshots.Select(x => x.Step).ToArray(),
            ["snapshot_time_s"] = state.Snapshots.Select(x => x.TimeS).ToArray(),
        };
        if (mechanics != null)
        {
            file["displacement"] = mechanics.Displacement.ToArray();
            file["history"] = mechanics.History.ToArray();
            file["xi_initial"] = mechanics.InitialXi.ToArray();
            file["pressure"] = mechanics.Pressure.ToArray();
            file["von_mises"] = mechanics.VonMises.ToArray();
            file["energy_density"] = mechanics.EnergyDensity.ToArray();
        }
        file.Attributes["last_stagger_iterations"] = state.LastStaggerIterations;
        file.Attributes["last_step_damage_change"] = state.LastStepDamageChange;
        file.Attributes["format_version"] = FormatVersion;
        file.Attributes["case_name"] = c.Name;
        file.Attributes["case_sha256"] = c.Hash;
        file.Attributes["backend"] = model.Backend.Name;
        file.Attributes["time_s"] = state.TimeS;
        file.Attributes["step"] = state.Step;
        file.Attributes["next_output_s"] = state.NextOutputS;
        file.Attributes["next_checkpoint_s"] = state.NextCheckpointS;
        file.Attributes["next_snapshot_index"] = state.SnapshotIndex;
        file.Attributes["last_tip_height_m"] = state.LastTipHeightM;
        file.Attributes["last_tip_time_s"] = state.LastTipTimeS;
        file.Attributes["unconverged_solves"] = state.UnconvergedSolves;
        file.Attributes["last_step_s"] = model.LastStepS;
        file.Attributes["rank"] = model.Partition.Rank;
        file.Attributes["ranks"] = model.Partition.Size;
        AtomicFile.Write(path, stream => file.Write(stream));
    }

    public static Contents Read(string path)
    {
        if (!File.Exists(path))
            throw new ArgumentException($"--resume '{path}': no such checkpoint");
        using var f = H5File.OpenRead(path);
        int version = f.Attribute("format_version").Read<int>();
        if (version != FormatVersion)
            throw new ArgumentException($"--resume '{path}': checkpoint format {version}, this program reads {FormatVersion}");
        T[] A<T>(string name) where T : unmanaged => f.Dataset(name).Read<T[]>();
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
        return new Contents(Encoding.UTF8.GetString(A<byte>("case_text")), f.Attribute("case_name").Read<string>(),
            f.Attribute("case_sha256").Read<string>(), A<float>("xi"), A<float>("phi"), A<float>("phi_response"),
            A<float>("damage"), A<int>("label"), A<int>("material"), A<float>("body_potential"), state,
            A<double>("body_mass_reference"), D("last_step_s"), A<float>("li_history"), mechanics,
            f.AttributeExists("rank") ? I("rank") : 0, f.AttributeExists("ranks") ? I("ranks") : 1);
    }
}
