"""Print a SHA-256 (first 16 hex digits) of every dataset in a run's HDF5 files and of its time series
without the wall-clock column, so that two runs can be checked bit for bit (a restructuring must
not change a single bit of the output). Usage, with Debian's h5py:
    /usr/bin/python3 tools/field_hashes.py RUN_DIR [RUN_DIR ...]
One line per run: the run directory and one hash over all of its datasets, then the per-file hashes."""
import csv
import glob
import hashlib
import io
import os
import sys

import h5py


def dataset_hashes(path):
    out = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            data = obj[()]
            raw = data.tobytes() if hasattr(data, "tobytes") else repr(data).encode()
            out.append((name, hashlib.sha256(raw).hexdigest()[:16]))

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return sorted(out)


def series_hash(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    keep = [i for i, h in enumerate(rows[0]) if "wall" not in h.lower()]
    buf = io.StringIO()
    for r in rows:
        buf.write(",".join(r[i] for i in keep if i < len(r)) + "\n")
    return hashlib.sha256(buf.getvalue().encode()).hexdigest()[:16]


for run in sys.argv[1:]:
    total = hashlib.sha256()
    lines = []
    for path in sorted(glob.glob(os.path.join(run, "**", "*.h5"), recursive=True)):
        hashes = dataset_hashes(path)
        h = hashlib.sha256("".join(n + d for n, d in hashes).encode()).hexdigest()[:16]
        total.update(h.encode())
        lines.append(f"  {os.path.relpath(path, run)}  {h}  ({len(hashes)} datasets)")
    for path in sorted(glob.glob(os.path.join(run, "**", "timeseries*.csv"), recursive=True)):
        h = series_hash(path)
        total.update(h.encode())
        lines.append(f"  {os.path.relpath(path, run)}  {h}")
    print(f"{run}  {total.hexdigest()[:16]}")
    print("\n".join(lines))
