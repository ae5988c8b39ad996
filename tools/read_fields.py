"""Read a run's XDMF index with ParaView's own XDMF reader and print, as one JSON line, the grid's
cell dimensions and every cell array of the last time step (an independent reader for tests).
Usage: pvpython tools/read_fields.py RUN/fields.xdmf"""
import json
import sys

from paraview import servermanager as sm
from paraview.simple import XDMFReader
from vtk.numpy_interface import dataset_adapter as dsa

reader = XDMFReader(FileNames=[sys.argv[1]])
times = list(reader.TimestepValues) if reader.TimestepValues else [0.0]
reader.UpdatePipeline(times[-1])
grid = dsa.WrapDataObject(sm.Fetch(reader))
points = grid.GetDimensions()
print(json.dumps({
    "cells": [points[0] - 1, points[1] - 1, points[2] - 1],
    "arrays": {name: [float(v) for v in grid.CellData[name]] for name in grid.CellData.keys()},
}))
