"""terrasim: an agent-based territorial economic simulator, from Python.

    import terrasim
    sc = terrasim.Scenario.load("scenarios/dock/small.yaml", {"months": 24})
    result = terrasim.run(sc)                    # series and breakdowns as pandas
    sim = terrasim.Simulation(sc); sim.step(12)  # month by month, read-only views
    sim.column("workers", "employer")            # agent columns as read-only NumPy views
    terrasim.sweep({"a": sc}, replicates=100, db="a.sqlite")
    terrasim.SweepResults("a.sqlite").fan("unemployment_rate")
    terrasim.forecast(replicates=200)            # the council report: Amiens baseline against the pact
"""
from . import _core
from ._core import CheckpointError, Diagnostic, ReconfigureError, ScenarioError
from .forecast import ForecastError, ForecastResult, ForecastSpec, ReportInternalError, forecast
from .results import Probability, SweepResults
from .scenario import Scenario, load, validate
from .simulation import ColumnInfo, Result, Simulation, StaleViewError, View, run
from .sweep import SweepError, SweepSummary, sweep

__version__ = _core.__version__


def models() -> dict:
    """The models compiled in: name -> one-line summary."""
    return dict(_core.models())


__all__ = [
    "CheckpointError", "ColumnInfo", "Diagnostic", "ForecastError", "ForecastResult", "ForecastSpec", "Probability",
    "ReconfigureError", "Result", "Scenario", "ScenarioError", "Simulation", "StaleViewError", "SweepError", "SweepResults",
    "ReportInternalError", "SweepSummary", "View", "forecast", "load", "models", "run", "sweep", "validate", "__version__",
]
