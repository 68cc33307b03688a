"""The benchmark scripts' plotting works on a run's JSON (the benchmarks
themselves are timed by bench/run_all.py, not by tests)."""
import json
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_scaling_plot_from_a_benchmark_json(tmp_path):
    rows = []
    for n in (10_000, 100_000, 1_000_000):
        rows.append({"model": "dock (NumPy peer)", "workers": n, "months": 120, "threads": 1, "seconds": n * 2e-5})
        rows.append({"model": "dock (hand-tuned C++)", "workers": n, "months": 120, "threads": 1, "seconds": n * 2e-6})
        for t in (1, 2):
            rows.append({"model": "dock (terrasim)", "workers": n, "months": 120, "threads": t, "seconds": n * 4e-6 / t})
    rows.append({"model": "territory (Amiens baseline)", "workers": 85000, "months": 72, "threads": 1, "seconds": 0.5})
    src = tmp_path / "all.json"
    src.write_text(json.dumps({"rows": rows, "cpus": 2, "date": "2026-11-28"}))
    subprocess.run(["/usr/bin/python3", ROOT / "bench" / "plot_scaling.py", src, "--out", tmp_path / "scaling"],
                   check=True, capture_output=True)
    svg = (tmp_path / "scaling.svg").read_text()
    assert svg.count("<path") > 10 and (tmp_path / "scaling.png").stat().st_size > 10_000
    bad = tmp_path / "empty.json"
    bad.write_text(json.dumps({"rows": []}))
    p = subprocess.run(["/usr/bin/python3", ROOT / "bench" / "plot_scaling.py", bad, "--out", tmp_path / "x"],
                       capture_output=True, text=True)
    assert p.returncode != 0 and "no docking-model rows" in p.stderr


def test_compare_binaries_finds_identical_and_different_outputs(tmp_path):
    import os
    terrasim = pathlib.Path(os.environ.get("TERRASIM_BIN", ROOT / "build" / "release" / "cli" / "terrasim"))
    script = ROOT / "bench" / "compare_binaries.py"
    same = subprocess.run(["/usr/bin/python3", script, terrasim, terrasim, "--quick", "--no-timing"],
                          capture_output=True, text=True)
    assert same.returncode == 0, same.stdout + same.stderr
    assert "all outputs identical" in same.stdout
    # A "binary" whose series differ by one line: the comparison must say so.
    changed = tmp_path / "changed"
    changed.write_text(f"""#!/bin/sh
"{terrasim}" "$@" || exit $?
while [ $# -gt 1 ]; do [ "$1" = --out ] && echo extra >> "$2/series.csv"; shift; done
""")
    changed.chmod(0o755)
    diff = subprocess.run(["/usr/bin/python3", script, terrasim, changed, "--quick", "--no-timing"],
                          capture_output=True, text=True)
    assert diff.returncode == 1, diff.stdout + diff.stderr
    assert "DIFFERENT  series.csv" in diff.stdout and "outputs differ" in diff.stdout


def test_dock_vs_peer_times_terrasim_beside_both_peers(tmp_path):
    # One small size, one run each: the table and the JSON hold the three
    # programs, with each ratio computed from the same run's medians.
    out = tmp_path / "d.json"
    p = subprocess.run(["/usr/bin/python3", ROOT / "bench" / "dock_vs_peer.py", "--sizes", "2000", "--threads", "1",
                        "--months", "12", "--repeats", "1", "--json", out], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "x hand" in p.stdout
    rows = {r["model"]: r for r in json.loads(out.read_text())["rows"]}
    assert set(rows) == {"dock (terrasim)", "dock (NumPy peer)", "dock (hand-tuned C++)"}
    ours, peer, hand = rows["dock (terrasim)"], rows["dock (NumPy peer)"], rows["dock (hand-tuned C++)"]
    assert ours["speedup_vs_peer"] == peer["seconds"] / ours["seconds"]
    assert ours["speedup_vs_handtuned"] == hand["seconds"] / ours["seconds"]
    assert hand["speedup_vs_peer"] == peer["seconds"] / hand["seconds"]
