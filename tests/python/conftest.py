"""pytest configuration for the Python tests: make the repository root
importable, so that `from bench.peers import dock_numpy` works."""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)
