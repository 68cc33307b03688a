"""The notebooks run end to end (nbclient), at a small size (TERRASIM_NB_REPLICATES, _MONTHS, _SCALE)."""
import json
import os
import pathlib

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_notebooks_are_committed_without_outputs():
    assert [p.name for p in NOTEBOOKS] == ["01-quickstart.ipynb", "02-monte-carlo.ipynb", "03-council-forecast.ipynb"]
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path.name


def test_notebook_cells_have_distinct_ids():
    # nbformat 4.5 requires a cell id; nbformat warns today without one and
    # will refuse the notebook in a future version.
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text())
        assert (nb["nbformat"], nb["nbformat_minor"]) >= (4, 5), path.name
        ids = [cell.get("id") for cell in nb["cells"]]
        assert None not in ids, f"{path.name}: cell {ids.index(None)} has no id"
        assert len(set(ids)) == len(ids), f"{path.name}: two cells share an id"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("TERRASIM_ROOT", str(ROOT))
    monkeypatch.setenv("TERRASIM_NB_REPLICATES", os.environ.get("TERRASIM_NB_REPLICATES", "4"))
    monkeypatch.setenv("TERRASIM_NB_MONTHS", os.environ.get("TERRASIM_NB_MONTHS", "12"))
    monkeypatch.setenv("TERRASIM_NB_SCALE", os.environ.get("TERRASIM_NB_SCALE", "0.05"))  # 03: whole period, small
    monkeypatch.setenv("TERRASIM_NB_DB", str(tmp_path / "mc.sqlite"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
