#!/usr/bin/env bash
# Checks a GPU backend against the host backend, then times it. Run from the repository root:
#   bash tools/gpu-check.sh [BACKEND] [OUTDIR]          (defaults: cuda, runs/gpu-check)
# PHASEFIELD and PHASEFIELD_BENCH may name published executables instead of `dotnet run`.
# 1. `phasefield compare` on the quickstart (electrodeposition, MG-CG potential), on a tiny coupled
#    case (elasticity + damage + growth strain) and on the penny crack (fracture): the same steps on
#    BACKEND and on cpu, the largest difference of every field (exit 5 above 1e-3 relative).
# 2. `phasefield bench`: the whole step on the quickstart and on 64×64×128 and 128×128×256 copies.
# 3. The kernel and solver BenchmarkDotNet suites on BACKEND (in-process).
set -u
backend=${1:-cuda}
out=${2:-runs/gpu-check}
pf=${PHASEFIELD:-"dotnet run -c Release --project src/PhaseFieldLi.Cli --"}
bench=${PHASEFIELD_BENCH:-"dotnet run -c Release --project bench/PhaseFieldLi.Bench --"}
mkdir -p "$out"
status=0
step() { echo; echo "### $*"; "$@" || { echo "### exit $? from: $*"; status=1; }; }

step $pf devices

step $pf compare cases/quickstart.toml --backend "$backend" --steps 30 --output "$out/compare-quickstart"

{ echo 'physics = "coupled"'
  sed -e 's/^cells = .*/cells = [8, 8, 16]/' -e 's/^name = .*/name = "tiny-coupled"/' -e 's/^end = .*/end = 300.0/' \
      -e 's/^growth_room = .*/growth_room = 2.0e-6/' -e 's/^positive_li_thickness = .*/positive_li_thickness = 4.0e-6/' \
      -e '/^\[\[flaw\]\]/,$d' cases/quickstart.toml
  cat <<'TOML'
[[flaw]]
shape = "box"
min = [6.0e-6, 4.0e-6, 3.0e-6]
max = [10.0e-6, 12.0e-6, 14.0e-6]
damage = 1.0
li = 1.0
[mechanics]
stack_pressure = 4.0e6
tolerance = 1e-5
[fracture]
length_scale = 4.0e-6
cleavage_normal = [1, 0, 0]
anisotropy = 10.0
stagger_tolerance = 1e-2
TOML
} > "$out/tiny-coupled.toml"
step $pf compare "$out/tiny-coupled.toml" --backend "$backend" --steps 3 --output "$out/compare-coupled"

step $pf compare cases/penny-crack-3d.toml --backend "$backend" --steps 2 --output "$out/compare-penny"

step $pf bench cases/quickstart.toml --backend "$backend" --steps 20
for size in "64 64 128 1.875e-6" "128 128 256 0.9375e-6"; do
  set -- $size
  sed -e "s/^cells = .*/cells = [$1, $2, $3]/" -e "s/^spacing = .*/spacing = $4/" -e "s/^name = .*/name = \"quickstart-$1x$2x$3\"/" \
      cases/quickstart.toml > "$out/quickstart-$1x$2x$3.toml"
  step $pf bench "$out/quickstart-$1x$2x$3.toml" --backend "$backend" --steps 5
done

export PFLI_BENCH_BACKEND="$backend"
PFLI_BENCH_SIZES=128,256 step $bench --filter '*KernelBenchmarks*' --inProcess --job short
PFLI_SOLVER_CASES="128:mg-cg,256:mg-cg,256:mg,128:jacobi-cg" step $bench --filter '*SolverBenchmarks*' --inProcess
exit $status
