"""Agent columns from Python: zero-copy read-only NumPy views that keep their
simulation alive and refuse to be read once a later month has made them stale;
DataFrame copies of whole kinds of agents."""
import gc
import os
import pathlib
import subprocess

import numpy as np
import pandas as pd
import pytest

import terrasim as ts

ROOT = pathlib.Path(__file__).resolve().parents[2]
SMALL = ROOT / "scenarios" / "dock" / "small.yaml"
BASELINE = ROOT / "scenarios" / "amiens" / "baseline.yaml"
NO_FIRM = 0xFFFFFFFF


def dock(months=6):
    return ts.Simulation(ts.Scenario.load(SMALL, {"months": months}))


def territory(months=3):
    return ts.Simulation(ts.Scenario.load(BASELINE, {"months": months, "scale": 0.05}))


def test_columns_are_listed_with_their_types():
    sim = dock()
    cols = {(c.agents, c.name): c for c in sim.columns()}
    for key in [("workers", "home"), ("workers", "skill"), ("workers", "employer"), ("firms", "id"),
                ("firms", "zone"), ("firms", "skill"), ("firms", "alive"), ("firms", "target"), ("firms", "size"),
                ("firms", "log_latent")]:
        assert key in cols, key
    assert cols[("workers", "employer")].dtype == "u4" and cols[("workers", "employer")].size == 10000
    assert cols[("firms", "log_latent")].dtype == "f8" and cols[("firms", "id")].dtype == "u8"
    assert all(c.doc for c in cols.values())
    for c in cols.values():
        a = sim.column(c.agents, c.name).array
        assert a.dtype == np.dtype(c.dtype) and a.shape == (c.size,)


def test_column_array_is_zero_copy_and_read_only():
    sim = dock().step(2)
    a = sim.column("workers", "employer").array
    b = sim.column("workers", "employer").array
    assert np.shares_memory(a, b)  # the engine's column, read twice in one month
    assert a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
    assert not a.flags.writeable and not a.flags.owndata
    with pytest.raises(ValueError):
        a[0] = 1
    with pytest.raises(ValueError):
        sim.column("firms", "log_latent").array[:] = 0.0


def test_what_may_be_kept_of_a_column_is_a_copy_that_stays_valid():
    # np.asarray, pandas and slices of a column's view copy: the engine
    # changes the column at the next step, and may free it.
    sim = dock(40).step(2)
    v = sim.column("firms", "size")
    kept = [np.asarray(v), pd.Series(v), v[0:100], v.copy()]
    for k in kept:
        assert not np.shares_memory(np.asarray(k), v.array)
    expected = [np.array(k, copy=True) for k in kept]
    sim.step(30)
    for k, e in zip(kept, expected):
        np.testing.assert_array_equal(np.asarray(k), e)
    assert np.asarray(sim.column("firms", "size")).sum() != expected[0].sum()  # the column did change


def test_column_keeps_its_simulation_alive():
    sim = dock().step(2)
    v = sim.column("workers", "employer")
    raw = sim._sim.column("workers", "home")  # the bare array: its base keeps the engine alive
    expected, expected_home = v.copy(), raw.copy()
    del sim
    gc.collect()
    np.testing.assert_array_equal(np.asarray(v), expected)
    np.testing.assert_array_equal(raw, expected_home)


def test_a_column_array_stays_readable_through_a_reconfigure_at_its_month():
    # .array is the engine's memory, valid until the next step; reconfigure() freed it (it rebuilds the
    # model): reading it then crashed the interpreter (SIGSEGV at 1:1, where the columns are unmapped when
    # freed). Run in a subprocess, so that a crash fails this test rather than the suite.
    code = f"""
import numpy as np, terrasim as ts
sim = ts.Simulation(ts.Scenario.load({str(BASELINE)!r}, {{"months": 6}}))
sim.step(2)
employer = sim.column("workers", "employer").array
before = int(np.count_nonzero(employer != {NO_FIRM})), employer.copy()
sim.reconfigure({{"workers.separation_rate": 0.03}})
sim.reconfigure({{"workers.separation_rate": 0.025}})  # twice at one month: the first model's memory too
assert int(np.count_nonzero(employer != {NO_FIRM})) == before[0] and np.array_equal(employer, before[1])
print("ok", before[0])
"""
    proc = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(pathlib.Path(ts.__file__).parent.parent)})
    assert proc.returncode == 0 and proc.stdout.startswith("ok "), (proc.returncode, proc.stderr[-2000:])


def test_threads_that_only_read_a_simulation_see_one_state():
    # Every columns()/column() call derived the dock's employer column again, in place (all slots unemployed,
    # then refilled), while another thread's agents() copied it without the GIL: 295 frames in 300 disagreed.
    import threading
    sim = ts.Simulation(ts.Scenario.load(ROOT / "scenarios" / "dock" / "default.yaml", {"months": 12})).step(3)
    truth = sim.column("workers", "employer").copy()
    stop = threading.Event()

    def other():
        while not stop.is_set():
            try:
                sim.columns()
            except RuntimeError as e:  # while agents() copies, as one call of the engine
                assert "this Simulation is busy" in str(e)
    reader = threading.Thread(target=other, daemon=True)
    reader.start()
    try:
        frames = [sim.agents("workers")["employer"].to_numpy() for _ in range(100)]
    finally:
        stop.set()
        reader.join()
    assert sum(not np.array_equal(f, truth) for f in frames) == 0


def test_stale_column_raises_a_clear_error():
    sim = dock(12).step(2)
    v = sim.column("firms", "size")
    assert not v.stale
    sim.step()  # firms enter and exit: the columns may move
    assert v.stale
    for read in (lambda: v[0], lambda: np.asarray(v), lambda: len(v), lambda: v.array, lambda: v.copy()):
        with pytest.raises(ts.StaleViewError, match=r"'firms.size' was taken after month 2.*month 3") as info:
            read()
        assert "sim.column('firms', 'size')" in str(info.value)
    assert len(sim.column("firms", "size")) > 0  # a new view is fine


def test_a_views_repr_reads_the_engines_memory_as_one_call_of_the_engine():
    # repr read the column's memory itself after the staleness check: a step that another thread had begun
    # (its call registered, the GIL released, the generation not yet counted) could free it under the read.
    sim = territory(3).step(1)
    small, large = sim.column("firms", "size"), sim.column("workers", "employer")
    assert len(small) <= np.get_printoptions()["threshold"] < len(large)  # printed whole, and summarised
    assert repr(small) == f"<terrasim.View 'firms.size' at month 1: {small.copy()!r}>"
    assert repr(large) == f"<terrasim.View 'workers.employer' at month 1: {large.copy()!r}>"  # NumPy's text
    with np.printoptions(threshold=2, edgeitems=3):  # 6 ends of 5 values: printed whole, not summarised
        few = ts.View(sim, np.arange(5, dtype=np.uint32), "few", sim._sim.generation, 1, shared=True)
        assert repr(few) == "<terrasim.View 'few' at month 1: array([0, 1, 2, 3, 4], dtype=uint32)>"
    # The simulation busy (a call of another thread): the memory is not read.

    class Busy:
        generation = sim._sim.generation

        def _read_if_current(self, array, generation, key):
            raise RuntimeError("this Simulation is busy: a call on it is running")

    class Owner:
        _sim = Busy()

    class Unreadable:
        def __len__(self):
            return 10

        def __repr__(self):
            raise AssertionError("the engine's memory was read outside the engine's call")

    view = ts.View(Owner(), Unreadable(), "workers.employer", Busy.generation, 1, shared=True)
    assert repr(view) == "<terrasim.View 'workers.employer' at month 1: not read, the simulation being busy>"
    sim.step()
    assert repr(large) == "<terrasim.View 'workers.employer' at month 1: stale>"


@pytest.mark.parametrize("read", ["series", "breakdown"])
def test_a_read_of_several_engine_calls_that_a_step_interrupts_gives_the_month_it_began_at(read):
    # series() read each series in a call of its own: another thread's step between two added a month to the
    # later ones, and pandas refused them ("All arrays must be of the same length"). The months recorded do
    # not change: the read gives the month it began at (breakdown() too, its values read before the labels).
    # Here the step comes between the reads, as a thread's could.
    sim = dock(6).step(2)
    name = sim.breakdown_names[0]
    call = (lambda: sim.series()) if read == "series" else (lambda: sim.breakdown(name))
    before = call()

    class SteppingBetween:
        """The recorder, whose first read is followed by a step of the simulation."""

        def __init__(self, recorder):
            self._recorder, self._stepped = recorder, False

        def __getattr__(self, attribute):
            value = getattr(self._recorder, attribute)
            if attribute not in ("series_view", "breakdown_view"):
                return value

            def read_then_step(*args):
                out = value(*args)
                if not self._stepped:
                    self._stepped = True
                    sim._sim.step()
                return out
            return read_then_step
    recorder = sim._recorder
    sim._recorder = SteppingBetween(recorder)
    try:
        during = call()
    finally:
        sim._recorder = recorder
    assert sim.month == 3
    pd.testing.assert_frame_equal(during, before)  # month 2's, whole
    months = call().index.get_level_values(0).unique()
    assert len(months) == 3  # read again: month 3's


def test_generation_counts_steps_and_resume(tmp_path):
    sim = dock(6)
    assert sim._sim.generation == 0
    sim.step(3)
    assert sim._sim.generation == 3
    sim.save_checkpoint(tmp_path / "c.ckpt")
    restored = ts.Simulation.resume(tmp_path / "c.ckpt")
    assert restored._sim.generation == 3
    np.testing.assert_array_equal(restored.column("workers", "employer").array,
                                  sim.column("workers", "employer").array)


def test_unknown_column_or_agents_is_a_key_error():
    sim = dock()
    with pytest.raises(KeyError, match="workers.employer"):  # the message lists the columns there are
        sim.column("workers", "salary")
    with pytest.raises(KeyError, match="workers, firms|firms, workers"):
        sim.agents("investors")


def test_dock_columns_agree_with_the_recorder():
    sim = dock(8)
    for _ in sim:
        employer = sim.column("workers", "employer").array
        size = sim.column("firms", "size").array
        alive = sim.column("firms", "alive").array
        employed = int(np.count_nonzero(employer != NO_FIRM))
        ur = sim.view("unemployment_rate")[-1]
        assert employed == round((1 - ur) * len(employer))
        assert int(alive.sum()) == sim.view("firms")[-1]
        assert np.array_equal(np.bincount(employer[employer != NO_FIRM], minlength=len(size)), size)
        assert (size[alive == 0] == 0).all()


def test_agents_dataframe_is_a_copy():
    sim = dock(4).step(2)
    workers = sim.agents("workers")
    assert isinstance(workers, pd.DataFrame) and workers.index.name == "slot"
    assert list(workers.columns) == ["home", "skill", "employer"] and len(workers) == 10000
    assert workers["employer"].dtype == np.uint32
    assert not np.shares_memory(workers["employer"].to_numpy(), sim.column("workers", "employer").array)
    before = workers.copy()
    workers.loc[0, "home"] = 5  # writable, and the engine is untouched
    assert sim.column("workers", "home")[0] == before.loc[0, "home"]
    sim.step()
    pd.testing.assert_frame_equal(workers.drop(index=0), before.drop(index=0))  # still valid after the step


def test_territory_columns_agree_with_the_recorder():
    sim = territory(3)
    outside = [z["kind"] for z in sim.scenario.config["zones"]].index("outside")
    names = {(c.agents, c.name) for c in sim.columns()}
    assert {("workers", "status"), ("workers", "employer"), ("firms", "alive"), ("firms", "cash"),
            ("firms", "supported")} <= names
    for _ in sim:
        w = sim.agents("workers")
        resident = w["home"] != outside
        last = sim.series().iloc[-1]
        assert ((w["status"] == 0) & resident).sum() == last["employed"]
        assert ((w["status"] == 1) & resident).sum() == last["unemployed"]
        assert ((w["status"] == 0) & ~resident).sum() == last["in_commuters"]
        assert sim.agents("firms")["alive"].sum() == last["firms"]
        status = sim.column("workers", "status").array
        assert np.shares_memory(status, sim.column("workers", "status").array) and not status.flags.writeable


def test_territory_firms_supported_are_the_policies_new_firms():
    # The pact's portal and entrepreneur support help creations from July
    # 2015: by October, some live firms were created with their support, and
    # only firms made since.
    sim = ts.Simulation(ts.Scenario.load(ROOT / "scenarios" / "amiens" / "pacte.yaml", {"months": 10, "scale": 0.2}))
    sim.run()
    f = sim.agents("firms")
    live = f[f["alive"] == 1]
    supported = live[live["supported"] == 1]
    assert len(supported) > 10
    assert (supported["age_months"] <= 4).all(), supported["age_months"].max()
    assert sim.column("firms", "supported").array.dtype == np.uint8
