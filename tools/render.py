"""Render a PhaseFieldLi run with ParaView (pvpython): the xi = 0.5 iso-surface (the Li), the
d = 0.5 iso-surface (cracks) and a slice of phi (of the von Mises stress in a fracture run) on the
plane of cell centres at the back of the domain (behind the Li, as the camera sees it), with a
colour bar, the run's name and the time, at the last time, to a PNG; next to it a ParaView state
file (same name, .pvsm: File > Load State). Print the time steps, each array's name, shape and range,
and the number of points on the d = 0.5 iso-surface.

With --frames DIR, also one PNG per snapshot time, DIR/frame_0000.png … (same camera and colour
scale as the last time's, so that the sequence plays as a film: e.g.
`ffmpeg -framerate 4 -i DIR/frame_%04d.png run.mp4`).

usage: QT_QPA_PLATFORM=offscreen pvpython tools/render.py RUN_DIR [OUT.png] [--frames DIR]
"""
import json
import os
import sys

from paraview.simple import (XDMFReader, Contour, Slice, Show, Render, SaveScreenshot, GetActiveViewOrCreate,
                             ColorBy, ResetCamera, UpdatePipeline, Text, SaveState, GetScalarBar)

args = sys.argv[1:]
frames = None
if "--frames" in args:
    at = args.index("--frames")
    if at + 1 >= len(args):
        sys.exit("render.py: --frames needs a folder")
    frames = args[at + 1]
    del args[at:at + 2]
if not args:
    sys.exit(__doc__)
run = args[0]
png = args[1] if len(args) > 1 else os.path.join(run, "render.png")
reader = XDMFReader(FileNames=[os.path.join(run, "fields.xdmf")])
reader.UpdatePipelineInformation()
times = list(reader.TimestepValues) if reader.TimestepValues else [0.0]
t = times[-1]
UpdatePipeline(time=t, proxy=reader)
data = reader.GetCellDataInformation()
info = {"times": times, "arrays": {}}
for name in data.keys():
    a = data.GetArray(name)
    info["arrays"][name] = {"components": a.GetNumberOfComponents(), "tuples": a.GetNumberOfTuples(),
                            "range": list(a.GetRange())}
ext = reader.GetDataInformation().GetExtent()
info["cells"] = [ext[1] - ext[0], ext[3] - ext[2], ext[5] - ext[4]]

view = GetActiveViewOrCreate("RenderView")
view.ViewSize = [900, 700]
view.ViewTime = t
from paraview.simple import CellDatatoPointData
points = CellDatatoPointData(Input=reader)
li = Contour(Input=points, ContourBy=["POINTS", "xi"], Isosurfaces=[0.5])
Show(li, view)
if "damage" in info["arrays"] and info["arrays"]["damage"]["range"][1] > 0.5:
    crack = Contour(Input=points, ContourBy=["POINTS", "damage"], Isosurfaces=[0.5])
    d = Show(crack, view)
    d.Opacity = 0.3
    UpdatePipeline(time=t, proxy=crack)
    info["crack_iso_points"] = crack.GetDataInformation().GetNumberOfPoints()
    cb = crack.GetDataInformation().GetBounds()
    info["crack_iso_bounds"] = list(cb)
b = reader.GetDataInformation().GetBounds()
field = "phi" if "phi" in info["arrays"] else "von_mises"
cut = Slice(Input=points)
cut.SliceType.Normal = [1, 0, 0]
cut.SliceType.Origin = [b[0] + 0.5 * (b[1] - b[0]) / max(info["cells"][0], 1), 0, 0]  # the back plane of cell centres
s = Show(cut, view)
ColorBy(s, ("POINTS", field))
s.RescaleTransferFunctionToDataRange(True, False)
s.SetScalarBarVisibility(view, True)
bar = GetScalarBar(s.LookupTable, view)
bar.Title = {"phi": "phi [V]", "von_mises": "von Mises [Pa]"}[field]
bar.ComponentTitle = ""
title = Text(Text=os.path.basename(os.path.normpath(run)))
td = Show(title, view)
td.WindowLocation = "Upper Center"
td.FontSize = 14
stamp = Text(Text="t = %g s" % t)
sd = Show(stamp, view)
sd.WindowLocation = "Upper Left Corner"
sd.FontSize = 12
centre = [(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2]
size = max(b[1] - b[0], b[3] - b[2], b[5] - b[4])
view.CameraFocalPoint = centre
view.CameraPosition = [centre[0] + 1.2 * size, centre[1] - 1.6 * size, centre[2] + 0.5 * size]
view.CameraViewUp = [0, 0, 1]
view.OrientationAxesVisibility = 1
Render(view)
SaveScreenshot(png, view)
info["png"] = png
state = os.path.splitext(png)[0] + ".pvsm"
SaveState(state)
info["state"] = state
if frames is not None:
    os.makedirs(frames, exist_ok=True)
    info["frames"] = []
    for n, tf in enumerate(times):
        view.ViewTime = tf
        stamp.Text = "t = %g s" % tf
        Render(view)
        name = os.path.join(frames, "frame_%04d.png" % n)
        SaveScreenshot(name, view)
        info["frames"].append(name)
print(json.dumps(info))
