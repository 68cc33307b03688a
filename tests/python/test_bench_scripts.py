"""The benchmark scripts' plotting works on a run's JSON (the benchmarks
themselves are timed by bench/run_all.py, not by tests)."""
import json
import pathlib
import subprocess

import pytest

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
    # A run with the peers also run with their heap as terrasim's: two more series (and their legend lines).
    for n in (10_000, 100_000, 1_000_000):
        for peer, per in (("dock (NumPy peer)", 1e-5), ("dock (hand-tuned C++)", 1.5e-6)):
            rows.append({"model": peer + " (heap as terrasim's)", "workers": n, "months": 120, "threads": 1,
                         "seconds": n * per})
    src.write_text(json.dumps({"rows": rows, "cpus": 2, "date": "2026-12-07"}))
    subprocess.run(["/usr/bin/python3", ROOT / "bench" / "plot_scaling.py", src, "--out", tmp_path / "both"],
                   check=True, capture_output=True)
    assert (tmp_path / "both.svg").read_text().count("<path") > svg.count("<path") + 6
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


def test_compare_binaries_times_the_dock_at_the_sizes_asked(tmp_path):
    # --workers adds timed dock runs at those sizes, firms and entries scaled
    # as dock_vs_peer.py scales them, on one thread and two.
    import os
    terrasim = pathlib.Path(os.environ.get("TERRASIM_BIN", ROOT / "build" / "release" / "cli" / "terrasim"))
    p = subprocess.run(["/usr/bin/python3", ROOT / "bench" / "compare_binaries.py", terrasim, terrasim, "--quick",
                        "--workers", "2000"], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    sized = [line for line in p.stdout.splitlines() if "workers=2000 " in line]
    assert len(sized) == 2, p.stdout
    assert all("firms=190 " in line and "entry_rate=0.96 " in line and "medians of 3" in line for line in sized)
    assert "threads=1:" in sized[0] and "threads=2:" in sized[1]


def test_micro_benchmarks_run_each_hot_path(tmp_path):
    # bench_micro, each benchmark briefly: every hot path the issue names is there (the RNG, the firms' step and
    # separations, the matching, the recorder) and runs to the end with a time.
    exe = ROOT / "build" / "release" / "bench" / "bench_micro"
    out = tmp_path / "micro.json"
    p = subprocess.run([exe, "--benchmark_min_time=0.001", "--benchmark_format=json", f"--benchmark_out={out}"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    runs = {b["name"]: b for b in json.loads(out.read_text())["benchmarks"]}
    for name in ("BM_PhiloxBits", "BM_GeometricGap", "BM_Normal", "BM_DockFirms", "BM_DockMatching", "BM_DockMonth",
                 "BM_TerritoryMatching", "BM_RecorderRow", "BM_RecorderCsv"):
        assert name in runs and runs[name]["iterations"] > 0 and runs[name]["real_time"] > 0, name
    assert "error_occurred" not in str(runs)


def test_phase_times_reads_each_phase_of_the_profile(tmp_path):
    # Medians of --profile's phases by size and thread count, with what lies outside them.
    import os
    terrasim = pathlib.Path(os.environ.get("TERRASIM_BIN", ROOT / "build" / "release" / "cli" / "terrasim"))
    script = ROOT / "bench" / "phase_times.py"
    out = tmp_path / "p.json"
    p = subprocess.run(["/usr/bin/python3", script, "--binary", terrasim, "--sizes", "3000", "--months", "6",
                        "--repeats", "2", "--json", out, "--markdown"], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    rows = json.loads(out.read_text())["rows"]
    assert [(r["workers"], r["threads"], r["months"], r["repeats"]) for r in rows] == [(3000, 1, 6, 2), (3000, 2, 6, 2)]
    for r in rows:
        assert {"matching", "separations, targets and exits", "entries", "initial state"} <= set(r["calls"])
        assert r["calls"]["matching"] == 6 and r["calls"]["initial state"] == 1
        assert all(ms >= 0 for ms in r["phases_ms_per_call"].values())
        assert 0 < r["profile_total_s"] < r["wall_s"] and r["outside_ms"] > 0
    assert "| matching |" in p.stdout and "| initial state (once) |" in p.stdout and "3,000, 2 thr" in p.stdout
    # A binary that prints no profile table: said, not an empty table.
    silent = tmp_path / "silent"
    silent.write_text("#!/bin/sh\nexit 0\n")
    silent.chmod(0o755)
    q = subprocess.run(["/usr/bin/python3", script, "--binary", silent, "--sizes", "3000", "--months", "6",
                        "--repeats", "1", "--threads", "1"], capture_output=True, text=True)
    assert q.returncode != 0 and "no --profile table" in q.stderr


def test_dock_vs_peer_times_terrasim_beside_both_peers(tmp_path):
    # One small size, one run each: the table and the JSON hold the three
    # programs, with each ratio computed from the same run's medians.
    out = tmp_path / "d.json"
    p = subprocess.run(["/usr/bin/python3", ROOT / "bench" / "dock_vs_peer.py", "--sizes", "2000", "--threads", "1",
                        "--months", "12", "--repeats", "1", "--json", out], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "x hand" in p.stdout and "x peer*" in p.stdout
    rows = {r["model"]: r for r in json.loads(out.read_text())["rows"]}
    heap = " (heap as terrasim's)"
    assert set(rows) == {"dock (terrasim)", "dock (NumPy peer)", "dock (hand-tuned C++)",
                         "dock (NumPy peer)" + heap, "dock (hand-tuned C++)" + heap}
    ours, peer, hand = rows["dock (terrasim)"], rows["dock (NumPy peer)"], rows["dock (hand-tuned C++)"]
    assert ours["speedup_vs_peer"] == peer["seconds"] / ours["seconds"]
    assert ours["speedup_vs_handtuned"] == hand["seconds"] / ours["seconds"]
    assert hand["speedup_vs_peer"] == peer["seconds"] / hand["seconds"]
    # like with like: each peer again, with its heap as terrasim's
    assert ours["speedup_vs_peer_heap"] == rows["dock (NumPy peer)" + heap]["seconds"] / ours["seconds"]
    assert ours["speedup_vs_handtuned_heap"] == rows["dock (hand-tuned C++)" + heap]["seconds"] / ours["seconds"]


def test_dock_vs_peer_runs_a_peer_with_its_heap_as_terrasims():
    # The "(heap as terrasim's)" runs are given glibc's settings of sim::heap_in_huge_pages, the others none:
    # measure() exits when the command fails, and the command fails unless it sees what it should.
    import importlib.util
    spec = importlib.util.spec_from_file_location("dock_vs_peer", ROOT / "bench" / "dock_vs_peer.py")
    dvp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dvp)
    assert "glibc.malloc.hugetlb=1" in dvp.PEER_HEAP and "glibc.malloc.arena_max=1" in dvp.PEER_HEAP
    assert "mmap_threshold=33554432" in dvp.PEER_HEAP  # 32 MiB, as huge_pages.cpp sets it
    dvp.measure(["/bin/sh", "-c", f'test "$GLIBC_TUNABLES" = "{dvp.PEER_HEAP}"'], True)
    dvp.measure(["/bin/sh", "-c", 'test -z "$GLIBC_TUNABLES"'], False)


def test_team_waits_tallies_what_the_caller_ran_while_the_team_waited(tmp_path):
    # Caller 100 and team thread 101 of process 100: the team waits twice
    # while the caller is in list_released, and once in the count (the
    # caller's sample nearest in time decides), and works the other times.
    lines = []
    for t, (caller, team) in enumerate([("terrasim::models::dock::DockModel::list_released()", "terrasim::sim::Team::work"),
                                        ("terrasim::models::dock::DockModel::list_released()", "terrasim::sim::Team::work"),
                                        ("count", "terrasim::sim::Team::work"),
                                        ("draw", "draw"),
                                        ("offer", "offer")]):
        lines.append(f"   100/100   {1000 + t * 0.001:.6f}:      55d0c0ffee {caller}")
        lines.append(f"   100/101   {1000 + t * 0.001 + 0.0002:.6f}:      55d0c0ffef {team}")
    lines.append("   100/100   1000.009000:      55d0c0ffee ")  # an unnamed sample
    src = tmp_path / "script.txt"
    src.write_text("\n".join(lines) + "\n")
    script = ROOT / "bench" / "team_waits.py"
    p = subprocess.run(["/usr/bin/python3", script, "--perf-script", src], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "team thread 101: 3 of 5 samples idle (60%)" in p.stdout
    assert "      2  66.7%  list_released()" in p.stdout
    assert "      1  33.3%  count" in p.stdout
    # Not perf script's output: said so, nothing else printed.
    bad = tmp_path / "bad.txt"
    bad.write_text("hello\n")
    p = subprocess.run(["/usr/bin/python3", script, "--perf-script", bad], capture_output=True, text=True)
    assert p.returncode != 0 and "no samples" in p.stderr and p.stdout == ""


def test_core_capacity_times_both_kernels_alone_and_together(tmp_path):
    # One round of each kernel, small: the JSON holds both kernels, their
    # times alone on each cpu and together, and the speedup they make
    # (twice the time alone on cpu 0 over the time together).
    import os
    import pytest
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("core_capacity pins threads to two cpus")
    exe = ROOT / "build" / "release" / "bench" / "core_capacity"
    out = tmp_path / "c.json"
    p = subprocess.run([exe, "--rounds", "1", "--ms", "2", "--mib", "4", "--json", out], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "speedup q1 / median / q3" in p.stdout
    doc = json.loads(out.read_text())
    assert doc["rounds"] == 1 and set(doc["kernels"]) == {"compute", "memory"}
    for k in doc["kernels"].values():
        assert k["cpu0_alone_s"] > 0 and k["cpu1_alone_s"] > 0 and k["both_s"] > 0
        assert k["speedup_q1"] == k["speedup_median"] == k["speedup_q3"]
        assert k["speedup_median"] == pytest.approx(2 * k["cpu0_alone_s"] / k["both_s"], rel=1e-3)
    # A cache line's round trip between the two cpus: one round, so its quartiles are one figure. It costs more
    # than nothing; how much more depends on the load (other processes on the two cpus leave the two threads
    # fewer moments when both run), so no upper bound here.
    trip = doc["round_trip_ns"]
    assert trip["q1"] == trip["median"] == trip["q3"] and trip["median"] > 0
    assert f"round trip between cpus 0 and 1: {trip['median']:.0f} / " in p.stdout
    bad = subprocess.run([exe, "--rounds"], capture_output=True, text=True)
    assert bad.returncode == 2 and "usage" in bad.stderr
    unwritable = subprocess.run([exe, "--rounds", "1", "--ms", "1", "--mib", "1", "--json", tmp_path / "no" / "c.json"],
                                capture_output=True, text=True)
    assert unwritable.returncode == 1 and "cannot write" in unwritable.stderr


def test_targets_reads_each_target_within_its_own_run(tmp_path):
    # Two made-up runs: each ratio is taken within its run, then the median and the count of runs met.
    def run(date, numpy, dock1, dock2, amiens):
        rows = [{"model": "dock (NumPy peer)", "workers": 100_000, "threads": 1, "seconds": numpy},
                {"model": "dock (NumPy peer) (heap as terrasim's)", "workers": 100_000, "threads": 1,
                 "seconds": numpy / 2},
                {"model": "dock (hand-tuned C++)", "workers": 100_000, "threads": 1, "seconds": numpy / 24},
                {"model": "dock (terrasim)", "workers": 100_000, "threads": 1, "seconds": dock1},
                {"model": "dock (terrasim)", "workers": 100_000, "threads": 2, "seconds": dock2},
                {"model": "territory (Amiens baseline)", "workers": 84_970, "threads": 1, "seconds": amiens}]
        return {"rows": rows, "date": date}

    paths = []
    for name, data in (("b", run("2026-12-06 10:00", 1.3, 0.1, 0.05, 0.26)),   # 13x, 26x
                       ("a", run("2026-12-05 10:00", 1.1, 0.1, 0.1, 0.24))):   # 11x, 11x
        paths.append(tmp_path / f"{name}.json")
        if name == "b":  # the machine measured before the run (bench/core_capacity): the other run has none
            data["core_capacity"] = {"before": {"kernels": {"memory": {"speedup_median": 1.5}},
                                                "round_trip_ns": {"q1": 380, "median": 400, "q3": 410}}}
        paths[-1].write_text(json.dumps(data))
    script = ROOT / "bench" / "targets.py"
    p = subprocess.run(["/usr/bin/python3", script, *paths], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    lines = {line.split("  ")[0]: line for line in p.stdout.splitlines()}
    assert p.stdout.startswith("2 runs, 2026-12-05 10:00 to 2026-12-06 10:00")
    assert "12.00x" in lines["dock at the defaults, 1 thread: >= 12x the NumPy peer"]
    assert "11.00x-13.00x" in lines["dock at the defaults, 1 thread: >= 12x the NumPy peer"]
    assert "1 of 2" in lines["dock at the defaults, 1 thread: >= 12x the NumPy peer"]
    assert "1 of 2" in lines["the same, 2 threads: >= 20x"]
    like = "like with like (the peer's heap as terrasim's): defaults, 1 thread: >= 12x"
    assert "6.00x" in lines[like] and "5.50x-6.50x" in lines[like] and "0 of 2" in lines[like]
    assert "no runs" in lines["10^6 workers, 2 threads: >= 20x"]
    assert "0.250 s" in lines["Amiens baseline, 1 thread: <= 0.25 s"]
    assert "1 of 2" in lines["Amiens baseline, 1 thread: <= 0.25 s"]
    trip = lines["the two cpus before the run: a cache line's round trip"]
    assert "400 ns" in trip and "400 ns-400 ns" in trip and trip.endswith("  1 run")
    assert "1.50x" in lines["the two cpus before the run: the memory kernel, two threads over one"]
    # --last keeps the most recent by date, whatever the order of the files.
    p = subprocess.run(["/usr/bin/python3", script, "--last", "1", *paths], capture_output=True, text=True)
    assert p.stdout.startswith("1 run, 2026-12-06 10:00") and "13.00x" in p.stdout, p.stdout
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    p = subprocess.run(["/usr/bin/python3", script, bad], capture_output=True, text=True)
    assert p.returncode != 0 and "bad.json: not a run of bench/run_all.py" in p.stderr


def test_targets_reads_the_kept_runs():
    kept = sorted((ROOT / "docs" / "bench").glob("run_all-*.json"))
    p = subprocess.run(["/usr/bin/python3", ROOT / "bench" / "targets.py", *kept], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"{len(kept)} runs, ")
    assert "no runs" not in p.stdout and "over the hand-tuned peer, 10^7, 2 threads" in p.stdout


def test_sweep_bookkeeping_times_fresh_sweeps_and_resumes_under_both_keys(tmp_path):
    # Each resume (same keys, then keys an earlier build wrote) runs nothing again: the script says so and
    # stops otherwise, so a table is a table of bookkeeping.
    out = tmp_path / "b.json"
    p = subprocess.run(["/usr/bin/python3", ROOT / "bench" / "sweep_bookkeeping.py", "--points", "6", "12",
                        "--repeats", "1", "--workers", "1", "--json", out], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    rows = json.loads(out.read_text())["rows"]
    assert [r["points"] for r in rows] == [6, 12] and rows[0]["growth"] == 1.0
    assert all(r["fresh_s"] > 0 and r["resume_s"] > 0 and r["resume_other_keys_s"] > 0 for r in rows)
    assert "     12 " in p.stdout


def test_instruction_counts_by_phase_add_up_and_refuse_a_build_they_cannot_read(tmp_path):
    # bench/instructions.py: callgrind's inclusive count of each phase's function, terrasim's and the
    # hand-tuned peer's; the phases and what lies outside them make the whole program.
    terrasim = ROOT / "build" / "release" / "cli" / "terrasim"
    out = tmp_path / "i.json"
    p = subprocess.run(["/usr/bin/python3", ROOT / "bench" / "instructions.py", "--workers", "20000", "--months", "12",
                        "--binary", terrasim, "--json", out], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    doc = json.loads(out.read_text())
    assert (doc["workers"], doc["months"], doc["threads"]) == (20000, 12, 1)
    by = {}
    for r in doc["rows"]:
        by.setdefault(r["program"], {})[r["phase"]] = r["instructions"]
        assert r["per_worker_month"] == r["instructions"] / 240000
    ours, hand = by["terrasim"], by["hand-tuned"]
    assert set(ours) == {"matching", "separations, targets and exits", "entries", "initial state",
                         "outside the phases", "whole program"}
    assert sum(v for k, v in ours.items() if k != "whole program") == ours["whole program"]
    assert all(v > 0 for v in ours.values()) and ours["matching"] > ours["entries"]
    # "outside" is the whole less the phases found: a phase missed or half counted would show there (at this
    # size the start and the outputs are about a third of the run).
    assert ours["outside the phases"] < ours["whole program"] / 2
    assert hand["matching"] > 0 and hand["matching"] + hand["the rest (initial state, other steps, start, exit)"] \
        == hand["whole program"]
    assert "hand-tuned:" in p.stdout and "x the instructions of terrasim" in p.stdout
    # A program that is not there: refused, nothing written.
    out.unlink()
    p = subprocess.run(["/usr/bin/python3", ROOT / "bench" / "instructions.py", "--binary", tmp_path / "none",
                        "--no-peer", "--json", out], capture_output=True, text=True)
    assert p.returncode != 0 and "no such program" in p.stderr and not out.exists()


def test_instruction_counts_refuse_a_function_split_by_debug_information():
    # With debug information, callgrind_annotate lists a function once per source file of its inlined code
    # ("/work/main/sim/rng/philox.h:...DockModel::enter_firms(...)"), none of them its whole count: refused.
    import importlib.util
    spec = importlib.util.spec_from_file_location("instructions", ROOT / "bench" / "instructions.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    name = "terrasim::models::dock::DockModel::{}(terrasim::sim::MonthContext const&) [/x/terrasim]"
    plain = [(900, "???:" + name.format("match")), (200, "???:" + name.format("update_firms")),
             (10, "???:" + name.format("enter_firms")),
             (50, "???:terrasim::models::dock::DockModel::initialize(unsigned long) [/x/terrasim]")]
    assert mod.phase_counts(1200, plain, mod.TERRASIM_PHASES, "t") == {
        "matching": 900, "separations, targets and exits": 200, "entries": 10, "initial state": 50,
        "outside the phases": 40}
    split = plain + [(7, "/work/main/sim/rng/philox.h:" + name.format("enter_firms"))]
    with pytest.raises(SystemExit, match="debug information"):
        mod.phase_counts(1200, split, mod.TERRASIM_PHASES, "t")
    with pytest.raises(SystemExit, match="inlined"):
        mod.phase_counts(1200, plain[1:], mod.TERRASIM_PHASES, "t")


def test_the_benchmarks_scale_the_model_as_the_specification_rounds():
    # firms = round(9,500 x workers / 100,000) with round(x) = floor(x + 0.5) (dock-model.md), as the
    # hand-tuned peer's --scale computes it: Python's round() went to the even integer at a half, so that at
    # 300, 700, 1,100... workers terrasim and the NumPy peer had one firm fewer than the hand-tuned peer.
    import importlib.util
    spec = importlib.util.spec_from_file_location("dock_vs_peer", ROOT / "bench" / "dock_vs_peer.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert [mod.scaled(w)["firms"] for w in (300, 700, 1100, 100000, 1000000)] == [29, 67, 105, 9500, 95000]
    assert mod.scaled(123456)["entry_rate"] == 48 * 123456 / 100000
