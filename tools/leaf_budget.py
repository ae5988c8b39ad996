"""Where the cell's current goes in a leaf run: the Li in the crack and the Faradaic current into it.

Usage: /usr/bin/python3 tools/leaf_budget.py RUN [--molar-volume M3_PER_MOL] [--mirror N]

For every snapshot of RUN (its fields.xdmf and fields_*.h5, read with h5py), over the cracked cells
(damage > 1/2, the crack band that holds the leaf):
  V_crack = sum xi h^3                        the Li in the crack [um^3]
  I_crack = F/V_m sum (dxi/dt) h^3            the Faradaic current depositing there [A]
and, from RUN/timeseries.csv at that time, the cell current I. Both are multiplied by --mirror (4
for a quarter model with two symmetry planes, the default). The fractions I_crack/I and
(F/V_m) dV_crack/dt / I (between snapshots) say how much of the cell's current the leaf draws: its
growth can be no faster than the whole current would make it. With the crack's mouth open
(li_creep_electrodes), I_vent / I is the Li the crack gives the electrode, as a current: -(F/V_m) times
the time series' li_flow_electrode_inflow_m3_per_s (its last flow step), over I.
"""
import argparse
import csv
import os
import re

import h5py
import numpy as np

FARADAY = 96485.33212


def snapshots(run):
    text = open(os.path.join(run, "fields.xdmf")).read()
    spacing = [float(v) for v in re.search(r'GeometryType="ORIGIN_DXDYDZ">.*?<DataItem[^>]*>[^<]*</DataItem>\s*<DataItem[^>]*>([^<]*)<',
                                             text, re.S).group(1).split()]
    steps = re.findall(r'<Time Value="([^"]+)" />.*?(fields_\d+\.h5):/xi', text, re.S)
    return spacing, [(float(t), os.path.join(run, f)) for t, f in steps]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("run")
    parser.add_argument("--molar-volume", type=float, default=13.148e-6, help="V_m of Li [m^3/mol] (the case default)")
    parser.add_argument("--mirror", type=float, default=4.0, help="copies of the modelled part in the whole (4: a quarter)")
    a = parser.parse_args()
    spacing, steps = snapshots(a.run)
    cell = spacing[0] * spacing[1] * spacing[2]
    rows = list(csv.DictReader(open(os.path.join(a.run, "timeseries.csv"))))
    times = np.array([float(r["time_s"]) for r in rows])
    print("| t [s] | Li in the crack [um^3] | Faradaic current into the crack [A] | cell current [A] | I_crack / I | (F/V_m) dV_crack/dt / I | I_vent / I |")
    print("|---|---|---|---|---|---|---|")
    last = None
    for t, path in steps:
        with h5py.File(path, "r") as f:
            cracked = f["damage"][...] > 0.5
            volume = a.mirror * float(np.sum(f["xi"][...][cracked], dtype=np.float64)) * cell
            current = a.mirror * FARADAY / a.molar_volume * float(np.sum(f["deposition_rate"][...][cracked], dtype=np.float64)) * cell
        row = rows[int(np.argmin(np.abs(times - t)))]
        total = a.mirror * abs(float(row["applied_current_A"]))
        growth = "" if last is None or t == last[0] else \
            f"{FARADAY / a.molar_volume * (volume - last[1]) / (t - last[0]) / total:.3f}"
        inflow = float(row.get("li_flow_electrode_inflow_m3_per_s") or "nan")
        vent = "" if not np.isfinite(inflow) else f"{-a.mirror * FARADAY / a.molar_volume * inflow / total:.3f}"
        print(f"| {t:g} | {volume * 1e18:.1f} | {current:.3e} | {total:.3e} | {current / total:.3f} | {growth} | {vent} |")
        last = (t, volume)


if __name__ == "__main__":
    main()
