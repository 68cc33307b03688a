"""Tests of the hand-tuned C++ peer of the docking model
(bench/peers/dock_handtuned.cpp, built as build/release/bench/dock_handtuned).

The program is an independent implementation written from dock-model.md
alone; these tests dock it against the NumPy peer's fixture by the spec's
rule, run its accounting checks under stress, and pin down its command line.
All runs use fixed seeds, so the tests are deterministic.  About 10 s.
"""

import csv
import io
import json
import os
import subprocess

import numpy as np
import pytest
from scipy import stats

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("DOCK_HANDTUNED", os.path.join(REPO, "build", "release", "bench", "dock_handtuned"))
FIXTURE = os.path.join(REPO, "tests", "models", "dock", "fixtures", "peer_w100000.json")



@pytest.fixture(autouse=True)
def _built():
    # scripts/setup builds it with everything else: missing, it is a failure, not a skip.
    assert os.path.isfile(BINARY) and os.access(BINARY, os.X_OK), \
        f"{BINARY} is not built (cmake --build build/release --target dock_handtuned)"

STATISTICS = ("unemployment_rate", "firms", "vacancies")
FLOWS = ("hires", "separations", "entries", "exits")  # docked too (tests/models/dock/test_docking.cpp)
COLUMNS = ("t", "unemployment_rate", "firms", "vacancies", "hires", "separations", "entries", "exits")
SMALL = ["--scale", "2000"]  # 190 firms, 0.96 entries a month


def run(*args, timeout=120):
    return subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def series(*args):
    """The monthly series the program prints on stdout, as arrays."""
    res = run(*args)
    assert res.returncode == 0, res.stderr
    rows = list(csv.reader(io.StringIO(res.stdout)))
    assert tuple(rows[0]) == COLUMNS
    return {c: np.array([float(r[i]) for r in rows[1:]]) for i, c in enumerate(COLUMNS)}


def replicates(path):
    with open(path) as fh:
        return json.load(fh)


# ---------------------------------------------------------------------------
# docking against the NumPy peer (dock-model.md, "How two implementations
# are docked")
# ---------------------------------------------------------------------------

def test_docks_with_the_numpy_peer_fixture(tmp_path):
    fixture = replicates(FIXTURE)
    seeds = [r["seed"] for r in fixture["replicates"]]
    assert len(seeds) == 100 and seeds == list(range(seeds[0], seeds[0] + len(seeds)))
    out = tmp_path / "handtuned.json"
    res = run("--seed", seeds[0], "--replicates", len(seeds), "--json", out, "--csv", os.devnull)
    assert res.returncode == 0, res.stderr
    ours = replicates(out)
    # the defaults the fixture was made with are ours
    for k, v in fixture["params"].items():
        assert ours["params"][k] == pytest.approx(v), k
    assert ours["statistics_months"] == fixture["statistics_months"] == [24, 119]
    assert [r["seed"] for r in ours["replicates"]] == seeds

    assert ours["statistics"] == fixture["statistics"] and ours["flows"] == fixture["flows"] == list(FLOWS)
    report, failures = [], []
    for k in STATISTICS + FLOWS:
        a = np.array([r[k] for r in ours["replicates"]])
        b = np.array([r[k] for r in fixture["replicates"]])
        p = stats.ttest_ind(a, b, equal_var=False).pvalue
        rel = abs(a.mean() - b.mean()) / max(abs(a.mean()), abs(b.mean()))
        line = (f"{k:18s} handtuned {a.mean():.6g} (sd {a.std(ddof=1):.4g})  numpy peer {b.mean():.6g} "
                f"(sd {b.std(ddof=1):.4g})  Welch p = {p:.3f}  relative difference {100 * rel:.2f}%")
        report.append(line)
        if not (p >= 0.01 and rel <= 0.08):
            failures.append(line)
    print("\ndocking, 100 replicates at the defaults, means over months 24..119:\n" + "\n".join(report))
    assert not failures, "does not dock:\n" + "\n".join(failures)


def test_alias_tables_and_vacancy_slots_agree(tmp_path):
    # the firm within its zone is drawn from vacancy slots unless vacancies
    # are huge, then from an exact alias table; force each and compare
    means = {}
    for mode in ("slots", "alias32", "alias64"):
        out = tmp_path / f"{mode}.json"
        res = run("--scale", 20000, "--replicates", 40, "--seed", 500, "--firm-draw", mode,
                  "--json", out, "--csv", os.devnull)
        assert res.returncode == 0, res.stderr
        means[mode] = {k: np.array([r[k] for r in replicates(out)["replicates"]]) for k in STATISTICS}
    # the flag takes effect (an ignored flag would compare the slots with
    # themselves): each table draws other firms than the slots do
    for mode in ("alias32", "alias64"):
        assert not np.array_equal(means[mode]["vacancies"], means["slots"]["vacancies"]), mode
        for k in STATISTICS:
            p = stats.ttest_ind(means[mode][k], means["slots"][k], equal_var=False).pvalue
            assert p > 1e-3, (mode, k, p)


# ---------------------------------------------------------------------------
# accounting identities (--check) under stress
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("extra", [
    [],
    # heavy turnover: many dismissals, exits and entries every month
    ["--separation-rate", 0.1, "--target-volatility", 0.6, "--exit-rate", 0.1, "--entry-rate", 30],
    # firms run out before workers at the start; one skill; one application
    ["--firms", 50, "--skills", 1, "--applications", 1],
    # workers run out: many firms partly filled or empty at the start
    ["--firms", 600, "--mismatch-acceptance", 0, "--applications", 6],
    # huge targets: alias tables (32- and 64-bit) instead of vacancy slots,
    # offer slots counted from the applicants
    ["--init-size-mu", 14, "--months", 24],
    ["--init-size-mu", 23, "--months", 24],
    # many applications (repeats found by stamps), many skills (wider entries)
    ["--applications", 12, "--skills", 100],
    # everyone separates / every firm exits every month
    ["--separation-rate", 1, "--months", 12],
    ["--exit-rate", 1, "--months", 12],
])
def test_identities_hold_under_stress(extra):
    res = run(*SMALL, "--months", 60, *extra, "--seed", 7, "--check")
    assert res.returncode == 0, res.stderr
    assert "check: accounting identities hold" in res.stderr
    s = series(*SMALL, "--months", 60, *extra, "--seed", 7)
    assert s["separations"].sum() > 0 and s["hires"].sum() > 0
    assert np.all((s["unemployment_rate"] >= 0) & (s["unemployment_rate"] <= 1))


def test_checked_run_is_the_same_computation():
    # --check carries worker ids and an employer array, but draws exactly the
    # same numbers: its output is identical to the fast run's
    for extra in ([], ["--separation-rate", 0.1, "--target-volatility", 0.6, "--exit-rate", 0.1]):
        fast = run(*SMALL, *extra, "--seed", 3)
        checked = run(*SMALL, *extra, "--seed", 3, "--check")
        assert fast.returncode == checked.returncode == 0, checked.stderr
        assert fast.stdout == checked.stdout


# ---------------------------------------------------------------------------
# determinism, outputs
# ---------------------------------------------------------------------------

def test_same_seed_same_output_different_seed_different_output():
    a = run(*SMALL, "--seed", 11).stdout
    b = run(*SMALL, "--seed", 11).stdout
    c = run(*SMALL, "--seed", 12).stdout
    assert a == b
    assert a != c
    sa, sc = series(*SMALL, "--seed", 11), series(*SMALL, "--seed", 12)
    assert not np.array_equal(sa["unemployment_rate"], sc["unemployment_rate"])
    assert not np.array_equal(sa["hires"], sc["hires"])


def test_replicates_are_independent_runs(tmp_path):
    # replicate k of a multi-replicate run is the run with seed + k (no state
    # carried from one replicate to the next)
    out = tmp_path / "r.json"
    assert run(*SMALL, "--seed", 5, "--replicates", 3, "--json", out, "--csv", os.devnull).returncode == 0
    reps = replicates(out)["replicates"]
    for k, rep in enumerate(reps):
        one = tmp_path / f"one{k}.json"
        assert run(*SMALL, "--seed", 5 + k, "--json", one, "--csv", os.devnull).returncode == 0
        assert replicates(one)["replicates"][0] == rep


def test_outputs(tmp_path):
    res = run(*SMALL, "--seed", 2, "--time")
    assert res.returncode == 0
    s = series(*SMALL, "--seed", 2)
    assert s["t"].tolist() == list(range(120))
    assert res.stderr.startswith("seconds: ") and float(res.stderr.split()[1]) > 0
    # --csv FILE writes what stdout gets otherwise
    path = tmp_path / "s.csv"
    assert run(*SMALL, "--seed", 2, "--csv", path).stdout == ""
    assert path.read_text() == res.stdout
    # --json: the fixture's layout; statistics are the means over months 24..119
    out = tmp_path / "s.json"
    assert run(*SMALL, "--seed", 2, "--json", out, "--csv", os.devnull).returncode == 0
    doc = replicates(out)
    assert set(replicates(FIXTURE)) - set(doc) == set()
    assert doc["seeds"] == [2, 2] and doc["statistics_months"] == [24, 119]
    for k in STATISTICS + FLOWS:
        assert doc["replicates"][0][k] == pytest.approx(s[k][24:120].mean(), rel=1e-12)
    # the series obey the recorded identities between months
    employed = (1 - s["unemployment_rate"]) * 2000
    assert np.allclose(np.diff(employed), (s["hires"] - s["separations"])[1:])
    assert np.array_equal(np.diff(s["firms"]), (s["entries"] - s["exits"])[1:])


@pytest.mark.parametrize("args", [
    ["--workers", "abc"],
    ["--workers", "0"],
    ["--firms", "-1"],
    ["--months"],
    ["--bogus", "1"],
    ["positional"],
    ["--separation-rate", "1.5"],
    ["--mismatch-acceptance", "-0.1"],
    ["--entry-rate", "nan"],
    ["--distance-scale-km", "0"],
    ["--skills", "0"],
    ["--replicates", "0"],
    ["--seed", "-1"],
    ["--scale", "0"],
    ["--time=1"],
    ["--firm-draw", "fastest"],
])
def test_bad_arguments_exit_2_with_a_message(args):
    res = run(*args)
    assert res.returncode == 2, (args, res.returncode)
    assert "error" in res.stderr and res.stdout == ""
