"""pytest configuration for the Python tests: make the repository root
importable, so that `from bench.peers import dock_numpy` works."""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)


# The terrasim package as the build places it (build/release/python, or
# TERRASIM_PYTHON), importable here and in every subprocess, Dask worker
# and MPI rank the tests start (through PYTHONPATH).
TERRASIM_PYTHON = os.environ.get("TERRASIM_PYTHON", os.path.join(REPO, "build", "release", "python"))
if TERRASIM_PYTHON not in sys.path:
    sys.path.insert(0, TERRASIM_PYTHON)
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in [TERRASIM_PYTHON, REPO, os.environ.get("PYTHONPATH", "")] if p)
