"""Tests of the terrasim Python package: scenarios, runs, views, checkpoints, forks."""
import csv
import gc
import io
import json
import os
import pathlib
import pickle
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest

import terrasim as ts
from terrasim import _core

ROOT = pathlib.Path(__file__).resolve().parents[2]
SMALL = ROOT / "scenarios" / "dock" / "small.yaml"
DEFAULT = ROOT / "scenarios" / "dock" / "default.yaml"
TERRASIM_BIN = pathlib.Path(os.environ.get("TERRASIM_BIN", ROOT / "build" / "release" / "cli" / "terrasim"))


def small(months=6, **overrides):
    return ts.Scenario.load(SMALL, {"months": months, **overrides})


# ---------------------------------------------------------------------------
# scenarios

def test_load_file_with_overrides():
    sc = ts.Scenario.load(SMALL, {"months": 12, "seed": 7, "exit_rate": 0.01})
    assert (sc.model, sc.months, sc.seed, sc.start) == ("dock", 12, 7, "2015-01")
    assert sc.config["exit_rate"] == 0.01 and sc.config["workers"] == 10000
    assert len(sc.config_sha256) == 64 and len(sc.file_sha256) == 64
    assert sc.source == str(SMALL)
    assert ts.Scenario.load(SMALL, ["months=12", "seed=7", "exit_rate=0.01"]) == sc


def test_load_from_dict_matches_file():
    sc = ts.Scenario.load(SMALL)
    again = ts.Scenario.from_dict(sc.config)
    assert again.config_sha256 == sc.config_sha256
    assert again.source == "<dict>"
    doc = sc.config
    doc["workers"] = np.int64(5000)  # NumPy scalars are accepted
    doc["zones"][0]["x_km"] = np.float64(1.5)
    changed = ts.Scenario.from_dict(doc, {"zones.Centre.y_km": 2})
    assert changed.config["workers"] == 5000 and changed.config["zones"][0]["x_km"] == 1.5
    assert changed.config["zones"][0]["y_km"] == 2


def test_with_overrides_and_pickle():
    import pickle
    sc = small()
    sc2 = sc.with_overrides({"seed": 11})
    assert sc2.seed == 11 and sc.seed == 1 and sc2.overrides[-1] == "seed=11"
    assert pickle.loads(pickle.dumps(sc2)) == sc2
    # Overrides and pickling keep the files the scenario came from, and the top file's hash.
    for derived in (sc2, pickle.loads(pickle.dumps(sc2)), pickle.loads(pickle.dumps(sc))):
        assert derived._core.files == sc._core.files and len(sc._core.files) == 2
        assert derived._core.file_sha256 == sc._core.file_sha256 != ""


# Text that YAML would read as something else, or refuse: each must come back as it was given.
TRICKY_TEXTS = ["", "null", "~", "Null", "true", "no", "1e3", "0x10", "0.5", ".inf", "2015-01", "x #1", "# run 3",
                "'quoted'", '"double"', "it's \"both\"", "back\\slash", "C:\\new\\table\\", "\\n", "line\nbreak",
                "tab\there", "\r\n", "  padded  ", " ", "Scenario B: more exits", "a:b", "- item", "[1, 2]",
                "{a: 1}", "a, b", "&anchor", "*alias", "!tag", "%TAG", "@at", "`tick", "|", ">", "---", "...", "?",
                "=", "x=y", "Zo\u00eb \u2192 Amiens \U0001f600", "\u00a0nbsp\u2028line\u2029par\ufeffbom\u0085nel",
                "\x7fdel\x01ctrl\x1b", "\u200bzero width", "\U000e0001tag"]


def test_a_text_override_is_kept_as_it_is():
    # A Python str was written after `path=` unquoted and read back as YAML: "null", "" and "# run 3" gave
    # the default title, "x #1" gave "x", "'quoted'" gave "quoted", "  padded  " "padded", and
    # "Scenario B: more exits" was refused ("expected a scalar or a flow collection").
    wrong = {}
    for text in TRICKY_TEXTS:
        try:
            loaded = ts.Scenario.load(SMALL, {"title": text})
            got = (loaded.title, loaded.config["title"], ts.Scenario.from_dict(loaded.config, {"title": text}).title,
                   small().with_overrides({"title": text}).title)
        except ts.ScenarioError as e:
            got = str(e)
        if got != (text,) * 4:
            wrong[text] = got
    assert wrong == {}


def test_a_text_override_of_a_simulation_is_kept_as_it_is():
    sim = ts.Simulation(SMALL, {"months": 6, "title": "Scenario A: # 1"}).step(2)
    assert sim.scenario.title == "Scenario A: # 1"
    wrong = {}
    for text in TRICKY_TEXTS:
        try:
            got = sim.reconfigure({"title": text}).scenario.title
        except ts.ScenarioError as e:
            got = str(e)
        if got != text:
            wrong[text] = got
    assert wrong == {}
    assert sim.scenario.title == TRICKY_TEXTS[-1]
    # (a fresh simulation: one reconfigured more than month + 1 times cannot be forked or checkpointed)
    variants = ts.Simulation(SMALL, {"months": 6}).step(2).fork([{"title": "null"}, {"title": ""}, {"title": "x #1"}])
    assert [child.scenario.title for child in variants] == ["null", "", "x #1"]


def test_control_characters_are_one_value_from_a_dict_and_from_yaml_escapes(tmp_path):
    # A dict's str may hold any character; YAML refuses them written as they are in a file (binary data), and
    # takes them escaped in a double-quoted scalar: the same configurations, the same hash.
    text = "A\x00B\x07C\x1b\x7f\x01"
    escaped = tmp_path / "escaped.yaml"
    escaped.write_text(f'extends: {SMALL}\nmonths: 6\ntitle: "A\\0B\\aC\\e\\x7f\\u0001"\n')
    from_yaml = ts.Scenario.load(escaped)
    from_dict = ts.Scenario.from_dict({**small().config, "title": text})
    from_set = ts.Scenario.load(SMALL, ["months=6", 'title="A\\0B\\x07C\\e\\x7f\\x01"'])
    assert from_yaml.title == from_dict.title == from_set.title == text
    assert from_yaml.config_sha256 == from_dict.config_sha256 == from_set.config_sha256
    literal = tmp_path / "literal.yaml"
    literal.write_bytes(f'extends: {SMALL}\ntitle: "A\x07B"\n'.encode())
    with pytest.raises(ts.ScenarioError, match=r"literal\.yaml:2:10: error: binary data \(control character 0x07\)"):
        ts.Scenario.load(literal)
    # A run with them checkpoints (its configuration as JSON, escaped) and resumes.
    sim = ts.Simulation(from_dict).step()
    sim.save_checkpoint(tmp_path / "c.ckpt")
    assert ts.Simulation.resume(tmp_path / "c.ckpt").scenario.title == text


def test_a_lone_surrogate_is_refused_naming_the_field(tmp_path):
    # No Unicode text, which YAML refuses too ("\uD800": invalid unicode). From Python it was a RuntimeError
    # ("Unable to cast Python instance to C++ type") or a TypeError (the function's arguments), naming nothing.
    config = small().config
    zones = [dict(z) for z in config["zones"]]
    zones[1]["name"] = "Nord\udcff"
    message = r"the text holds a lone surrogate \(U\+{}, character {}\), which is not Unicode"
    for document, where, code, at in [({**config, "title": "ab\ud800"}, "title", "D800", 3),
                                      ({**config, "zones": zones}, r"zones\[1\]\.name", "DCFF", 5),
                                      ({**config, "ti\udc80tle": 1}, "a key of the scenario", "DC80", 3)]:
        with pytest.raises(ValueError, match=f"^{where}: {message.format(code, at)}"):
            ts.Scenario.from_dict(document)
        with pytest.raises(ValueError, match=f"^{where}: {message.format(code, at)}"):
            _core.scenario_from_dict(document)  # the engine's own check, without the package's
    with pytest.raises(ValueError, match=f"^title: {message.format('D800', 1)}"):
        ts.Scenario.load(SMALL, {"title": "\ud800"})
    with pytest.raises(ValueError, match=rf"^zones\[1\]\.name: {message.format('DCFF', 5)}"):
        ts.Scenario.load(SMALL, {"zones": zones})
    with pytest.raises(ValueError, match=f"^override 'title=\\\\ud800': {message.format('D800', 7)}"):
        ts.Scenario.load(SMALL, ["title=\ud800"])
    sim = ts.Simulation(SMALL, {"months": 6}).step()
    with pytest.raises(ValueError, match=f"^title: {message.format('D800', 1)}"):
        sim.reconfigure({"title": "\ud800"})
    assert sim.scenario.title == small().title
    escaped = tmp_path / "escaped.yaml"
    escaped.write_text(f'extends: {SMALL}\ntitle: "\\uD800"\n')
    with pytest.raises(ts.ScenarioError, match="invalid unicode: 55296"):
        ts.Scenario.load(escaped)


def test_override_values_are_written_as_yaml_that_reads_back_the_same():
    from terrasim.scenario import format_override_value
    from terrasim.sweep import _YamlText
    assert format_override_value("x #1") == '"x #1"'
    assert format_override_value(_YamlText(".01")) == ".01"  # the command line's text, read as YAML
    # Inside lists and mappings too: JSON wrote inf as Infinity, which YAML reads as a string, and a character
    # beyond U+FFFF as a pair of surrogates, which the engine refused ("invalid unicode: 55357").
    assert format_override_value([1, 0.5, float("inf"), None, True, "a\x7f\U0001f600", {"k": "v"}]) == \
        '[1, 0.5, .inf, null, true, "a\\u007f\U0001f600", {"k": "v"}]'
    zones = small().config["zones"]
    zones[0]["name"] = "Zo\u00eb \U0001f600 #1\t'\"\\"
    assert ts.Scenario.load(SMALL, {"zones": zones}).config["zones"] == zones
    # The command line's --set text is YAML, as it was.
    assert ts.Scenario.load(SMALL, ["exit_rate=.01", "title=null"]).config["exit_rate"] == 0.01
    assert ts.Scenario.load(SMALL, ["title=null"]).title == ts.Scenario.load(SMALL, {"title": None}).title != "null"


def test_scenario_error_from_file_has_location(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {SMALL}\nmonths: 6\nseparaton_rate: 0.02\n")
    with pytest.raises(ts.ScenarioError) as info:
        ts.Scenario.load(bad)
    e = info.value
    assert isinstance(e, ValueError)
    assert (e.file, e.line, e.column, e.path) == (str(bad), 3, 1, "separaton_rate")
    assert "did you mean `separation_rate`" in e.message
    assert "separaton_rate" in str(e)
    assert e.diagnostics[0].line == 3 and e.diagnostics[0].path == "separaton_rate"


def test_scenario_error_lists_every_problem_of_a_dict():
    doc = small().config
    doc["workers"] = "many"
    doc["exit_rate"] = -1.0
    with pytest.raises(ts.ScenarioError) as info:
        ts.Scenario.from_dict(doc)
    paths = {d.path for d in info.value.diagnostics}
    assert {"workers", "exit_rate"} <= paths
    assert info.value.file == "<dict>"


def test_scenario_error_from_an_override():
    with pytest.raises(ts.ScenarioError) as info:
        ts.Scenario.load(SMALL, {"months": 0})
    assert info.value.path == "months"


def test_a_dict_nested_deeper_than_a_scenario_can_be_is_refused_not_a_crash():
    # The engine's conversion called itself once a level: a dict nested 50,000 deep overflowed the C++ stack
    # (SIGSEGV, found by a fuzzing review); the Python side raised RecursionError at 1,000. Both now refuse
    # what YAML's loader refuses, nesting deeper than 64 levels, by a ValueError naming the field.
    def nested(depth):
        doc = small().config
        cur = doc["zones"][0]
        for _ in range(depth):
            cur["deep"] = {}
            cur = cur["deep"]
        return doc
    with pytest.raises(ValueError, match=r"^zones\[0\]\.deep\.deep[.dep]*\.\.\.: nesting deeper than 64 levels"):
        ts.Scenario.from_dict(nested(100))
    with pytest.raises(ts.ScenarioError):  # 60 levels convert; the schema then refuses the unknown field
        ts.Scenario.from_dict(nested(60))
    code = ("import sys; from terrasim import _core\n"
            "deep = cur = {}\n"
            "for _ in range(50000): cur['a'] = {}; cur = cur['a']\n"
            "try: _core.scenario_from_dict(deep, [], '<dict>')\n"
            "except ValueError as e: print(str(e)[-100:]); sys.exit(0)\n"
            "sys.exit(3)\n")
    proc = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(pathlib.Path(ts.__file__).parent.parent)})
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    assert proc.stdout.strip().endswith(": nesting deeper than 64 levels: a scenario never needs that many")


def test_unsupported_python_value_is_a_type_error():
    doc = small().config
    doc["workers"] = object()
    with pytest.raises(TypeError, match="workers"):
        ts.Scenario.from_dict(doc)


# ---------------------------------------------------------------------------
# runs and outputs

def test_run_gives_dataframes_indexed_by_month():
    result = ts.run(SMALL, months=12, seed=3)
    s = result.series
    assert isinstance(s.index, pd.PeriodIndex) and s.index.name == "month"
    assert str(s.index[0]) == "2015-01" and str(s.index[-1]) == "2015-12"
    assert "unemployment_rate" in s.columns and len(s) == 12
    zones = result.breakdowns["zones"]
    assert zones.index.names == ["month", "zone"]
    assert len(zones) == 12 * 6 and zones.loc[("2015-03", "Centre"), "workers"] > 0
    assert result.provenance["seed"] == "3"


def test_same_numbers_as_the_command_line():
    args = ["--months", "12", "--seed", "5", "--set", "exit_rate=0.01"]
    cli = subprocess.run([str(TERRASIM_BIN), "run", str(SMALL), *args], capture_output=True, text=True, check=True)
    sim = ts.Simulation(ts.Scenario.load(SMALL, ["exit_rate=0.01", "seed=5", "months=12"]))
    sim.run()
    rows = [l for l in cli.stdout.splitlines() if not l.startswith("#")]
    ours = [l for l in sim.series_csv().splitlines() if not l.startswith("#")]
    assert rows == ours
    table = list(csv.DictReader(io.StringIO("\n".join(rows))))
    df = sim.series()
    for name in df.columns:
        assert [float(r[name]) for r in table] == df[name].tolist()  # bit for bit


def test_python_command_line_out_holds_one_run(tmp_path):
    # As the C++ program: an earlier run's outputs that this one does not
    # write are removed from the folder, and other files stay.
    subprocess.run([str(TERRASIM_BIN), "run", str(SMALL), "--months", "2", "--format", "json", "--out",
                    str(tmp_path)], check=True)
    (tmp_path / "notes.txt").write_text("mine")
    py = subprocess.run(["/usr/bin/python3", "-m", "terrasim", "run", str(SMALL), "--months", "2", "--out",
                         str(tmp_path)], capture_output=True, text=True, check=True)
    assert "removed an earlier run's run.json" in py.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "notes.txt", "series.csv", "skills.csv",
                                                          "zones.csv"]


def test_python_command_line_and_write_outputs_refuse_a_users_file_named_as_an_output(tmp_path):
    (tmp_path / "config.json").write_text('{"mine": 1}')
    py = subprocess.run(["/usr/bin/python3", "-m", "terrasim", "run", str(SMALL), "--months", "2", "--out",
                         str(tmp_path)], capture_output=True, text=True)
    assert py.returncode == 2, py.stderr
    assert f"--out {tmp_path}: config.json exists and is not a terrasim output" in py.stderr
    sim = ts.Simulation(ts.Scenario.load(str(SMALL), ["months=2"]))
    assert "config.json exists and is not a terrasim output" in sim.output_folder_problem(tmp_path)
    assert sim.output_folder_problem(tmp_path / "new") == ""
    sim.run()
    with pytest.raises(RuntimeError, match="config.json exists and is not a terrasim output"):
        sim.write_outputs(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["config.json"]
    assert (tmp_path / "config.json").read_text() == '{"mine": 1}'


def test_an_override_that_breaks_a_check_in_the_file_is_noted_and_options_are_checked_by_name():
    with pytest.raises(ts.ScenarioError) as e:
        ts.Scenario.load(str(SMALL), ["zones.Centre.worker_share=0.5"])
    d = e.value.diagnostics[0]
    assert d.path == "zones" and d.file.endswith("default.yaml")
    assert d.note == (f"zones changed by --set #1 `zones.Centre.worker_share=0.5`; {SMALL.parent / 'default.yaml'} is read "
                      f"through `extends` from {SMALL}:3:10")
    p = subprocess.run(["/usr/bin/python3", "-m", "terrasim", "run", str(SMALL), "--out", ""], capture_output=True,
                       text=True)
    assert p.returncode == 2 and p.stdout == "" and "--out: expected a folder, found an empty name" in p.stderr
    for args, option in ((["--months", "0"], "--months"), (["--seed", "-1"], "--seed")):
        p = subprocess.run(["/usr/bin/python3", "-m", "terrasim", "run", str(SMALL), *args], capture_output=True,
                           text=True)
        assert p.returncode == 2 and f"argument {option}: expected a whole number" in p.stderr, p.stderr


def test_a_run_that_fails_is_said_in_one_line_by_both_programs(tmp_path, terrasim_bin):
    # python3 -m terrasim run printed a traceback where the C++ program says one line (exit 1, no folder).
    args = [str(SMALL), "--set", "workers=500", "--set", "firms=10", "--set", "init_size_mu=20"]
    for program, out in ((["/usr/bin/python3", "-m", "terrasim"], tmp_path / "py"), ([str(terrasim_bin)], tmp_path / "cc")):
        p = subprocess.run([*program, "run", *args, "--out", str(out)], capture_output=True, text=True)
        assert p.returncode == 1 and p.stderr.startswith("terrasim: dock: month 0: the firms have "), p.stderr
        assert "Traceback" not in p.stderr and len(p.stderr.splitlines()) == 1 and not out.exists()


def test_a_dict_overrides_errors_name_its_key():
    # They were located in "--set #1", which a Python user never typed.
    with pytest.raises(ts.ScenarioError) as e:
        ts.Scenario.load(str(SMALL), {"exit_rate": 0.01, "seed": "abc"})
    assert e.value.diagnostics[0].file == "overrides['seed']"
    with pytest.raises(ts.ScenarioError) as e:
        ts.Scenario.load(str(SMALL)).with_overrides({"workers": -1})
    assert e.value.diagnostics[0].file == "overrides['workers']"
    with pytest.raises(ts.ScenarioError) as e:
        ts.Scenario.from_dict({"model": "dock"}, {"workers": 0})
    assert any(d.file == "overrides['workers']" for d in e.value.diagnostics)
    with pytest.raises(ts.ScenarioError) as e:  # a list is the command line's --set
        ts.Scenario.load(str(SMALL), ["seed=abc"])
    assert e.value.diagnostics[0].file == "--set #1"


def test_python_command_line_run_matches():
    cli = subprocess.run([str(TERRASIM_BIN), "run", str(SMALL), "--months", "4"], capture_output=True, text=True,
                         check=True)
    py = subprocess.run(["/usr/bin/python3", "-m", "terrasim", "run", str(SMALL), "--months", "4"],
                        capture_output=True, text=True, check=True)
    assert py.stdout == cli.stdout


def test_python_command_line_resume_with_changes_matches(tmp_path):
    ckpt = tmp_path / "a.ckpt"
    subprocess.run([str(TERRASIM_BIN), "run", str(SMALL), "--months", "10", "--checkpoint-at", "4", str(ckpt)],
                   capture_output=True, check=True)
    args = ["resume", str(ckpt), "--set", "exit_rate=0.05", "--months", "12"]
    subprocess.run([str(TERRASIM_BIN), *args, "--out", str(tmp_path / "cli")], capture_output=True, check=True)
    subprocess.run(["/usr/bin/python3", "-m", "terrasim", *args, "--out", str(tmp_path / "py")], capture_output=True,
                   check=True)
    for name in ("series.csv", "zones.csv", "skills.csv", "config.json"):
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    assert json.loads((tmp_path / "py" / "changes.json").read_text()) == json.loads(
        (tmp_path / "cli" / "changes.json").read_text())
    p = subprocess.run(["/usr/bin/python3", "-m", "terrasim", "resume", str(ckpt), "--set", "workers=3"],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "it changes workers, which sizes the whole run" in p.stderr


def test_step_month_by_month_equals_run():
    a = ts.Simulation(small(8))
    months = [a.step().month for _ in range(3)]
    assert months == [1, 2, 3] and str(a.current_month) == "2015-03"
    assert list(a) == [4, 5, 6, 7, 8] and a.done
    b = ts.Simulation(small(8)).run()
    pd.testing.assert_frame_equal(a.series(), b.series())
    with pytest.raises(Exception):
        a._sim.step()  # done: the engine refuses


def test_run_until_month():
    sim = ts.Simulation(small(12))
    sim.run(until="2015-04")
    assert sim.month == 4
    sim.run(until=6)
    assert sim.month == 6
    calls = []
    sim.run(progress=lambda done, total: calls.append((done, total)))
    # After each month simulated, the last included (a progress bar ends full).
    assert sim.done and calls == [(m, 12) for m in range(7, 13)]


def test_run_until_outside_the_months_left_is_refused():
    sim = ts.Simulation(small(12)).step(3)
    for until in ("2014-11", "2015-02", "2016-01", -5, 2, 13, "April", "2015-4"):
        with pytest.raises(ValueError, match="until="):
            sim.run(until=until)
    assert sim.month == 3  # nothing ran
    sim.run(until="2015-03")  # the month just simulated: nothing to do
    assert sim.month == 3
    sim.run(until=np.int64(5))
    assert sim.month == 5


def test_a_simulation_takes_one_call_at_a_time():
    # Two threads stepping one simulation freed its memory twice (the calls
    # release the GIL): the second call is refused while the first runs.
    import threading
    sim = ts.Simulation(ts.Scenario.load(DEFAULT), threads=1)
    errors, started = [], threading.Event()

    def first():
        sim.run(progress=lambda done, total: started.set() or time.sleep(0.002))

    t = threading.Thread(target=first)
    t.start()
    started.wait(10)
    for call in (sim.step, lambda: sim.run(), lambda: sim.view("hires"), lambda: sim.column("workers", "employer"),
                 sim.fork, sim.series):
        try:
            call()
        except RuntimeError as e:
            errors.append(str(e))
    t.join()
    assert len(errors) == 6 and all("this Simulation is busy" in e for e in errors), errors
    assert sim.done  # the first call ran to its end, undisturbed
    assert sim.series().equals(ts.Simulation(ts.Scenario.load(DEFAULT), threads=1).run().series())


# ---------------------------------------------------------------------------
# zero-copy views

def test_series_views_are_read_only_and_what_they_give_stays_valid():
    sim = ts.Simulation(small(48)).step(3)
    v = sim.view("hires")
    a = np.asarray(v)
    assert not a.flags.writeable
    with pytest.raises(ValueError):
        a[0] = 1.0
    assert list(v) == sim.series()["hires"].tolist()
    zones = sim.breakdown_view("zones")
    assert zones.shape == (3, 6, 3)
    # What pandas and NumPy keep of a view stays the months it was taken at
    # (they used to point into the engine's series, which a later month's
    # row reallocated: pd.Series(view) then read freed memory).
    kept = [pd.Series(v), v.array, np.asarray(v), v[0:2], np.asarray(zones), zones.array]
    expected = [np.array(k, copy=True) for k in kept]
    sim.run()
    for k, e in zip(kept, expected):
        np.testing.assert_array_equal(np.asarray(k), e)


def test_view_keeps_its_simulation_alive():
    sim = ts.Simulation(small(4)).step(2)
    v = sim.view("unemployment_rate")
    expected = v.copy()
    del sim
    gc.collect()
    np.testing.assert_array_equal(np.asarray(v), expected)


def test_stale_view_raises_instead_of_reading_freed_memory():
    sim = ts.Simulation(small(40)).step(2)
    v = sim.view("hires")
    z = sim.breakdown_view("zones")
    assert len(v) == 2 and not v.stale
    sim.run()  # many reallocations of the columns
    assert v.stale
    for read in (lambda: v[0], lambda: np.asarray(v), lambda: len(v), lambda: v.array, lambda: z.shape):
        with pytest.raises(ts.StaleViewError, match="taken after month 2"):
            read()
    assert len(sim.view("hires")) == 40  # a new view is fine


def test_iterating_a_column_view_after_a_step_reads_the_month_it_was_taken_at():
    # The iterator walked the engine's own buffer, checked once when made: consumed after a step that
    # moved the column, it read freed memory (0xEFEFEFEF and garbage), without a StaleViewError.
    sim = ts.Simulation(small(60, entry_rate=200, exit_rate=0)).step(2)
    view = sim.column("firms", "size")
    expected = view.copy()
    walk = iter(view)
    first = [next(walk) for _ in range(10)]
    sim.step(6)  # new firms: the firms' columns grow and move
    churn = [b"\xef" * n for n in range(2000, 40000, 8)]  # the freed buffer reused
    assert view.stale and len(churn) > 0
    np.testing.assert_array_equal(np.array(first + list(walk), dtype=expected.dtype), expected)


def test_a_view_taken_as_a_step_runs_is_stale_not_current():
    # The view read the generation after taking the array: a step of another thread in between tagged
    # the earlier month's array (the dock's employer column: last month's employers) as current. Here the
    # step runs between the two, as a thread switch can make it.
    sim = ts.Simulation(small(12)).step(2)

    class StepsWhileTaken:
        def __init__(self, core):
            self._core = core

        def __getattr__(self, name):
            return getattr(self._core, name)

        def column(self, agents, name):
            array = self._core.column(agents, name)
            self._core.step()
            return array
    sim._sim = StepsWhileTaken(sim._sim)
    view = sim.column("workers", "employer")
    with pytest.raises(ts.StaleViewError, match="taken after month 2"):
        view.copy()


def test_reads_of_a_simulation_running_in_another_thread_are_refused():
    # The scenario, months and done read the scenario that a reconfiguration replaces without the GIL
    # (a copy read freed memory: bad_alloc); a view checked, then read while another thread stepped, read
    # memory the step freed. Each is refused while the other thread's call runs.
    sim = ts.Simulation(ts.Scenario.load(DEFAULT), threads=1).step(1)
    view = sim.column("workers", "employer")
    paused, resume = threading.Event(), threading.Event()

    def progress(done, total):
        if done == 3:
            paused.set()
            resume.wait(30)
    t = threading.Thread(target=lambda: sim.run(until=4, progress=progress))
    t.start()
    try:
        assert paused.wait(30)
        for read in (lambda: sim._sim.scenario, lambda: sim._sim.months, lambda: sim._sim.done,
                     lambda: view.copy(), lambda: view[0], lambda: list(view), lambda: np.asarray(view)):
            with pytest.raises(RuntimeError, match="this Simulation is busy"):
                read()
    finally:
        resume.set()
        t.join()
    assert sim.month == 4 and view.stale


def test_a_simulation_is_not_copied_by_copy_but_forked():
    import copy
    sim = ts.Simulation(small(6)).step(2)
    for make in (copy.copy, copy.deepcopy):  # copy.copy shared the engine: stepping the copy moved the original
        with pytest.raises(TypeError, match="fork"):
            make(sim)
    assert sim.month == 2


def test_views_compare_element_by_element():
    # `view == x` was an identity test: False, and np.count_nonzero(view == x) 0.
    sim = ts.Simulation(small(6)).step(2)
    employer = sim.column("workers", "employer")
    values = employer.copy()
    nobody = np.uint32(0xFFFFFFFF)
    np.testing.assert_array_equal(employer == nobody, values == nobody)
    assert np.count_nonzero(employer == nobody) == np.count_nonzero(values == nobody) > 0
    np.testing.assert_array_equal(employer != nobody, values != nobody)
    hires = sim.view("hires")
    np.testing.assert_array_equal(hires >= 0, np.asarray(hires) >= 0)


def test_unknown_series_is_a_key_error():
    sim = ts.Simulation(small(2))
    with pytest.raises(KeyError):
        sim.view("no_such_series")
    with pytest.raises(KeyError):
        sim.breakdown("no_such_breakdown")


# ---------------------------------------------------------------------------
# checkpoints and forks

def test_checkpoint_continues_bit_identically(tmp_path):
    full = ts.Simulation(small(12)).run().series()
    sim = ts.Simulation(small(12)).run(until=5)
    sim.save_checkpoint(tmp_path / "at5.ckpt")
    restored = ts.Simulation.resume(tmp_path / "at5.ckpt")
    assert restored.month == 5 and restored.scenario.config_sha256 == sim.scenario.config_sha256
    restored.run()
    pd.testing.assert_frame_equal(restored.series(), full, check_exact=True)
    pd.testing.assert_frame_equal(sim.run().series(), full, check_exact=True)


def test_a_checkpoint_is_never_written_over_a_file_that_is_not_one(tmp_path):
    # save_checkpoint(sim.scenario.source) replaced the scenario's YAML with the checkpoint's bytes; terrasim
    # run --checkpoint-at refused it. Now both refuse, with the same reasons, and change nothing.
    scenario = tmp_path / "mine.yaml"
    scenario.write_text(SMALL.read_text().replace("extends: default.yaml", f"extends: {SMALL.parent / 'default.yaml'}"))
    sim = ts.Simulation(ts.Scenario.load(scenario, {"months": 3})).step()
    before = scenario.read_bytes()
    with pytest.raises(ts.CheckpointError, match=r"mine\.yaml: exists and is not a terrasim checkpoint: refusing"):
        sim.save_checkpoint(sim.scenario.source)
    assert scenario.read_bytes() == before
    with pytest.raises(ts.CheckpointError, match="is a folder"):
        sim.save_checkpoint(tmp_path)
    with pytest.raises(ts.CheckpointError, match="no folder .* to write it in"):
        sim.save_checkpoint(tmp_path / "missing" / "a.ckpt")
    sim.save_checkpoint(tmp_path / "a.ckpt")  # a new file, then a checkpoint written over by a later one
    sim.step().save_checkpoint(tmp_path / "a.ckpt")
    assert ts.Simulation.resume(tmp_path / "a.ckpt").month == 2


def test_the_api_refuses_what_it_cannot_take_naming_the_argument(tmp_path):
    # Found by an audit of the Python API: threads=-7 ran on every core and 2**31-1 started 32,449 threads
    # (the command line takes 0 to 1024); a progress that is no function failed after a month; until="2015-13"
    # raised pandas' DateParseError without naming until; fork(dict) took the dict's keys as variants
    # ("--set #1: expected path=value"), and fork(n)'s copies lost the scenario's files and overrides.
    for bad in (-7, 1025, 2 ** 31 - 1, 2.0, True, "2"):
        with pytest.raises(ValueError, match=r"^threads: expected a whole number from 0 \(every core\) to 1024"):
            ts.Simulation(small(3), threads=bad)
    sim = ts.Simulation(small(3), threads=np.int64(2))
    assert sim.threads == 2
    sim.save_checkpoint(tmp_path / "c.ckpt")
    with pytest.raises(ValueError, match="^threads: "):
        ts.Simulation.resume(tmp_path / "c.ckpt", threads=-1)
    with pytest.raises(TypeError, match="^progress: expected a function"):
        sim.run(progress=5)
    assert sim.month == 0  # refused before running
    for until in ("2015-13", "2015-00"):
        with pytest.raises(ValueError, match=f"^until='{until}': expected a month as 'YYYY-MM'"):
            sim.run(until=until)
    with pytest.raises(TypeError, match=r"fork: expected .*: for one variant, fork\(\[\{'exit_rate': 0.1\}\]\)"):
        sim.fork({"exit_rate": 0.1})
    for n in (0, -2, True):
        with pytest.raises(ValueError, match="^fork: expected a number of copies of at least 1"):
            sim.fork(n)
    base = ts.Simulation(ts.Scenario.load(SMALL, {"months": 3, "exit_rate": 0.02})).step()
    for child in base.fork(2) + base.fork([{"exit_rate": 0.03}]):
        assert child.scenario.files == base.scenario.files and child.scenario.overrides[:2] == base.scenario.overrides


def test_a_budget_cut_below_what_was_spent_is_refused_in_the_scenarios_terms():
    # "policy portal spent 30000 over a budget of 400": the amounts at the run's scale, not the number written.
    pacte = ROOT / "scenarios" / "amiens" / "pacte.yaml"
    sim = ts.Simulation(ts.Scenario.load(pacte, {"scale": 0.02})).step(30)
    with pytest.raises(ts.ReconfigureError, match=r"policy portal has spent EUR 1500000, more than its budget of "
                                                  r"EUR 20000 \(at scale 0.02: EUR 30000 of 400\)"):
        sim.reconfigure({"policies.portal.budget_eur": 20000})
    assert sim.month == 30


def test_a_run_reconfigured_at_one_month_again_and_again_checkpoints_and_resumes(tmp_path):
    # Each reconfigure appended to the run's history, and a checkpoint holds at most one change a month: a
    # reconfigure at month 0, or two at one month, made a checkpoint (and a fork) that could not be read
    # ("the configuration history does not match the month"). A second change at a month replaces the first.
    whole = ts.Simulation(small(4)).reconfigure({"exit_rate": 0.03}).run()
    sim = ts.Simulation(small(4)).reconfigure({"exit_rate": 0.02}).reconfigure({"exit_rate": 0.03})
    sim.save_checkpoint(tmp_path / "m0.ckpt")
    resumed = ts.Simulation.resume(tmp_path / "m0.ckpt")
    pd.testing.assert_frame_equal(resumed.run().series(), whole.series(), check_exact=True)
    sim.step()
    for rate in (0.01, 0.02, 0.025):
        sim.reconfigure({"exit_rate": rate})
    history = sim.config_history
    assert list(history.from_month) == [0, 0, 1] and history.config.iloc[2]["exit_rate"] == 0.025
    sim.save_checkpoint(tmp_path / "m1.ckpt")
    pd.testing.assert_frame_equal(ts.Simulation.resume(tmp_path / "m1.ckpt").config_history, history)
    assert [f.month for f in sim.fork(2)] == [1, 1]


def test_bad_checkpoint_is_a_checkpoint_error(tmp_path):
    (tmp_path / "junk").write_bytes(b"not a checkpoint at all")
    with pytest.raises(ts.CheckpointError, match="checkpoint"):
        ts.Simulation.resume(tmp_path / "junk")


def test_fork_identical_copies_continue_identically():
    sim = ts.Simulation(small(10)).run(until=4)
    forks = sim.fork(2)
    assert [f.month for f in forks] == [4, 4]
    final = sim.run().series()
    for f in forks:
        pd.testing.assert_frame_equal(f.run().series(), final, check_exact=True)


def test_a_month_that_fails_halfway_leaves_a_simulation_that_refuses_to_go_on(tmp_path):
    # A phase that throws left the earlier phases' changes in place: the next step ran the month's phases again
    # on them (the firms' vacancies grew from one refusal to the next), and a transient error then a retry would
    # have given a wrong run without a word.
    sim = ts.Simulation(small(6, workers=500, firms=10, init_size_mu=20), threads=1)
    with pytest.raises(RuntimeError, match="dock: month 0: the firms have") as first:
        sim.step()
    failed = f"the simulation failed in month 0 (2015-01): {first.value}; its state is part of that month's"
    for what, call in (("simulate a month", sim.step), ("simulate a month", sim.run),
                       ("change the configuration", lambda: sim.reconfigure({"exit_rate": 0.05})),
                       ("save a checkpoint", lambda: sim.save_checkpoint(tmp_path / "x.ckpt")),
                       ("save a checkpoint", lambda: sim.fork(1))):
        with pytest.raises(RuntimeError) as e:
            call()
        assert str(e.value).startswith(f"cannot {what}: {failed}"), (what, str(e.value))
    assert sim.month == 0 and len(sim.series()) == 0 and not (tmp_path / "x.ckpt").exists()
    # Nor are its outputs written as a run's (they were, its months before, with no sign of the failure).
    with pytest.raises(RuntimeError, match=f"^cannot write the outputs to .*out: the simulation failed in month 0"):
        sim.write_outputs(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_view_indexed_by_another_view_of_its_simulation(tmp_path):
    # NumPy converted the key view inside the engine's call, which asked for the same simulation again and was
    # refused as "busy ... in another thread", on one thread.
    sim = ts.Simulation(small(4), threads=1).run(until=2)
    sizes, homes = sim.column("firms", "size"), sim.column("workers", "home")
    small_index = sim.column("firms", "zone")
    assert np.array_equal(sizes[small_index], np.asarray(sizes)[np.asarray(small_index)])
    assert np.array_equal(sizes[(small_index,)], np.asarray(sizes)[np.asarray(small_index)])
    assert len(homes) > 0


def test_a_simulation_running_in_another_thread_shows_itself():
    # repr read the engine's months, which it refuses during a run: Jupyter could not show the simulation.
    import threading
    sim = ts.Simulation(small(120, workers=200000), threads=1)
    started = threading.Event()

    def run():
        sim.run(progress=lambda done, total: started.set())
    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert started.wait(60)
        assert re.fullmatch(r"<terrasim\.Simulation '.*' month \d+/120>", repr(sim)), repr(sim)
    finally:
        worker.join()


def test_run_names_its_own_arguments_in_an_error():
    with pytest.raises(ts.ScenarioError, match=r"^seed:1:\d+: error: seed"):
        ts.run(small(2), seed=-1)
    with pytest.raises(ts.ScenarioError, match=r"^months:1:\d+: error: months"):
        ts.run(small(2), months=0)


def test_the_schema_is_had_by_the_models_name():
    assert ts._core.schema_json(model="dock") == ts._core.schema_json("dock")


def test_the_unchanged_variant_of_a_fork_records_no_change(tmp_path):
    # fork([{}]), the README's unchanged variant, recorded a change to the same configuration: its outputs had
    # a changes.json and a "reconfigured" line that a plain copy's had not, and every view went stale.
    sim = ts.Simulation(small(10)).run(until=4)
    view = sim.column("firms", "size")
    (same,), (copy,) = sim.fork([{}]), sim.fork(1)
    sim.reconfigure({})
    assert len(sim.config_history) == len(same.config_history) == 1
    assert len(view) > 0  # still current: nothing changed
    for child, folder in ((same, tmp_path / "same"), (copy, tmp_path / "copy")):
        child.run().write_outputs(folder)
    assert sorted(p.name for p in (tmp_path / "same").iterdir()) == sorted(p.name for p in (tmp_path / "copy").iterdir())
    assert not (tmp_path / "same" / "changes.json").exists()
    assert (tmp_path / "same" / "series.csv").read_bytes() == (tmp_path / "copy" / "series.csv").read_bytes()
    # A change, then back to the configuration before it, at one month: no change either (a second review
    # found it recorded, changes.json naming the run's own configuration).
    back = ts.Simulation(small(10)).run(until=3)
    rate = back.scenario.config["exit_rate"]
    back.reconfigure({"exit_rate": 0.05}).reconfigure({"exit_rate": rate})
    assert len(back.config_history) == 1
    back.run().write_outputs(tmp_path / "back")
    assert not (tmp_path / "back" / "changes.json").exists()


def test_fork_variants_share_history_and_random_numbers():
    sim = ts.Simulation(small(10)).run(until=4)
    same, faster_exits, longer = sim.fork([{}, {"exit_rate": 0.05}, {"months": 12}])
    assert same.month == faster_exits.month == longer.month == 4
    for child in (same, faster_exits, longer):
        pd.testing.assert_frame_equal(child.series(), sim.series(), check_exact=True)
        child.run()
    sim.run()
    pd.testing.assert_frame_equal(same.series(), sim.series(), check_exact=True)
    pd.testing.assert_frame_equal(longer.series().iloc[:10], sim.series(), check_exact=True)
    assert len(longer.series()) == 12
    # The faster exits act from month 4 on, with the parent's random numbers before.
    pd.testing.assert_frame_equal(faster_exits.series().iloc[:4], sim.series().iloc[:4], check_exact=True)
    assert (faster_exits.series()["firms"].iloc[4:] < sim.series()["firms"].iloc[4:]).all()
    assert faster_exits.scenario.config["exit_rate"] == 0.05
    with pytest.raises(ts.ReconfigureError, match="workers"):
        ts.Simulation(small(10)).run(until=4).fork([{"workers": 10001}])


# ---------------------------------------------------------------------------
# changing a policy between months

PACTE = ROOT / "scenarios" / "amiens" / "pacte.yaml"
SUBSIDY_FROM_OCTOBER_2015 = {"policies.hiring_subsidy.enabled": True, "policies.hiring_subsidy.start": "2015-10",
                             "policies.hiring_subsidy.end": "2016-12", "policies.hiring_subsidy.budget_eur": 400000,
                             "policies.hiring_subsidy.eur_per_hire": 4000}


def test_policy_decided_between_months_equals_the_policy_planned_from_the_start():
    small_pacte = {"scale": 0.05, "months": 18}
    planned = ts.Simulation(PACTE, {**small_pacte, **SUBSIDY_FROM_OCTOBER_2015}).run()
    decided = ts.Simulation(PACTE, small_pacte).run(until="2015-09")  # months 0-8 simulated
    assert decided.month == 9
    column = decided.column("workers", "status")
    decided.reconfigure(SUBSIDY_FROM_OCTOBER_2015)
    with pytest.raises(ts.StaleViewError):
        column.copy()
    assert decided.scenario.config["policies"]["hiring_subsidy"]["enabled"] is True
    decided.run()
    pd.testing.assert_frame_equal(decided.series(), planned.series(), check_exact=True)
    without = ts.Simulation(PACTE, small_pacte).run().series()
    pd.testing.assert_frame_equal(decided.series().iloc[:9], without.iloc[:9], check_exact=True)
    assert (decided.series()["policy_spending"].iloc[9:] > without["policy_spending"].iloc[9:]).any()
    history = decided.config_history
    assert list(history["from_month"]) == [0, 9]
    assert history["config_sha256"].iloc[1] == decided.scenario.config_sha256
    assert decided.scenario.config_sha256 in decided.provenance["reconfigured"]
    assert "2015-10" in decided.provenance["reconfigured"]


def test_refused_reconfiguration_changes_nothing(tmp_path):
    reference = ts.Simulation(small(10)).run().series()
    sim = ts.Simulation(small(10)).run(until=4)
    generation = sim._sim.generation
    for bad, what in [({"workers": 10001}, "workers"), ({"seed": 99}, "seed"), ({"months": 3}, "months"),
                      ({"zones.Centre.name": "Middle"}, "zones")]:
        with pytest.raises(ts.ReconfigureError, match=what):
            sim.reconfigure(bad)
    with pytest.raises(ts.ReconfigureError, match="model"):
        sim.reconfigure(scenario=PACTE)
    assert sim._sim.generation == generation and sim.scenario.config["workers"] == 10000
    pd.testing.assert_frame_equal(sim.run().series(), reference, check_exact=True)


def test_reconfigured_run_checkpoints_and_resumes(tmp_path):
    sim = ts.Simulation(small(10)).run(until=3).reconfigure({"separation_rate": 0.04})
    sim.save_checkpoint(tmp_path / "r.ckpt")
    restored = ts.Simulation.resume(tmp_path / "r.ckpt")
    assert list(restored.config_history["from_month"]) == [0, 3]
    assert restored.scenario.config["separation_rate"] == 0.04
    pd.testing.assert_frame_equal(restored.run().series(), sim.run().series(), check_exact=True)


# ---------------------------------------------------------------------------
# the GIL and Ctrl-C

def _long_scenario():
    # Long enough to last well past 0.1 s (the dock at the defaults took
    # about 0.1 s for 90 months in December 2026, after the engine got faster).
    return ts.Scenario.load(DEFAULT, {"months": 360})


def test_gil_is_released_while_cpp_runs():
    for check_signals in (False, True):
        core = _core.Simulation(_long_scenario()._core, 1)
        thread = threading.Thread(target=core.run, args=(-1, None, check_signals))
        ticks = 0
        thread.start()
        t0 = time.perf_counter()
        while thread.is_alive():
            ticks += 1
        elapsed = time.perf_counter() - t0
        thread.join()
        assert core.done and elapsed > 0.1
        # Pure-Python work went on the whole time (millions of ticks a second
        # when the GIL is free; a handful if the run held it).
        assert ticks / elapsed > 100_000, (check_signals, ticks, elapsed)


def test_ctrl_c_stops_a_long_run_cleanly():
    # Ctrl-C from another thread 20 ms into a run of about 0.2 s (300,000
    # workers, 87 months, December 2026; a fixed 0.15 s on 100,000 workers
    # once fired after the end of the run on a fast machine). No progress
    # callback: the signal must be seen by the C++ loop itself.
    # Python's own handler, as a terminal gives it: a process started in the
    # background by a non-interactive shell (`cmd &`) ignores SIGINT, and
    # then no Ctrl-C reaches the run (rightly); this test failed so.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        scenario = ts.Scenario.load(DEFAULT, {"months": 90, "workers": 300000, "firms": 28500, "entry_rate": 144})
        reference = ts.Simulation(scenario).run().series()
        sim = ts.Simulation(scenario).run(until=3)
        fired = []
        timer = threading.Timer(0.02, lambda: (fired.append(time.perf_counter()), os.kill(os.getpid(), signal.SIGINT)))
        t0 = time.perf_counter()
        timer.start()
        try:
            sim.run()
        except KeyboardInterrupt:
            pass
        else:
            timer.cancel()  # a signal after the test would stop the whole session
            timer.join()
            pytest.fail(f"the run ended {time.perf_counter() - t0:.3f} s after it started, with no "
                        f"KeyboardInterrupt; the signal was sent {fired[0] - t0:.3f} s after the start"
                        if fired else "the timer never fired")
        timer.join()
        assert time.perf_counter() - t0 < 5
        assert 3 < sim.month < sim.months  # stopped between two months
        sim.run()  # and continues as if nothing happened
        pd.testing.assert_frame_equal(sim.series(), reference, check_exact=True)
    finally:
        signal.signal(signal.SIGINT, previous)


def test_models_and_version():
    assert "dock" in ts.models()
    assert ts.__version__ == _core.__version__
    schema = json.loads(_core.schema_json("dock"))
    assert "properties" in json.dumps(schema)


def test_python_command_line_writes_the_same_files(tmp_path):
    args = [str(SMALL), "--months", "5", "--seed", "2", "--set", "exit_rate=0.01"]
    subprocess.run([str(TERRASIM_BIN), "run", *args, "--out", str(tmp_path / "cpp")], check=True)
    subprocess.run(["/usr/bin/python3", "-m", "terrasim", "run", *args, "--out", str(tmp_path / "py")], check=True)
    names = sorted(os.listdir(tmp_path / "cpp"))
    assert names == sorted(os.listdir(tmp_path / "py"))
    for name in names:
        assert (tmp_path / "cpp" / name).read_bytes() == (tmp_path / "py" / name).read_bytes(), name
    # and resume through Python continues a checkpoint the C++ program wrote
    subprocess.run([str(TERRASIM_BIN), "run", *args, "--checkpoint-at", "3", str(tmp_path / "c.ckpt"),
                    "--out", str(tmp_path / "full")], check=True)
    resumed = subprocess.run(["/usr/bin/python3", "-m", "terrasim", "resume", str(tmp_path / "c.ckpt")],
                             capture_output=True, text=True, check=True).stdout
    strip = lambda text: [l for l in text.splitlines() if not l.startswith("#")]
    assert strip(resumed) == strip((tmp_path / "full" / "series.csv").read_text())
    check = subprocess.run(["/usr/bin/python3", "-m", "terrasim", "check", str(SMALL)], capture_output=True,
                           text=True, check=True).stdout
    cpp_check = subprocess.run([str(TERRASIM_BIN), "check", str(SMALL)], capture_output=True, text=True,
                               check=True).stdout
    assert check == cpp_check


def test_write_outputs_is_the_command_lines(tmp_path):
    # Simulation.write_outputs is the code of `terrasim run --out`: the same
    # files, byte for byte; the folder holds one run; a bad format changes
    # nothing.
    sim = ts.Simulation(ts.Scenario.load(str(SMALL), ["months=3"]))
    sim.run()
    subprocess.run([str(TERRASIM_BIN), "run", str(SMALL), "--months", "3", "--out", str(tmp_path / "cli")],
                   check=True)
    assert sim.write_outputs(tmp_path / "api") == []
    names = sorted(os.listdir(tmp_path / "cli"))
    assert sorted(os.listdir(tmp_path / "api")) == names
    for name in names:
        assert (tmp_path / "api" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    (tmp_path / "api" / "notes.txt").write_text("mine")
    assert sim.write_outputs(tmp_path / "api", format="json") == sorted(n for n in names if n != "config.json")
    assert sorted(os.listdir(tmp_path / "api")) == ["config.json", "notes.txt", "run.json"]
    with pytest.raises(ValueError, match="expected csv or json"):
        sim.write_outputs(tmp_path / "api", format="xml")
    assert sorted(os.listdir(tmp_path / "api")) == ["config.json", "notes.txt", "run.json"]


def test_write_outputs_that_cannot_be_written_leave_no_folder_it_made(tmp_path):
    # The disk full (here a limit on a file's size): the folders write_outputs had made for the files stayed,
    # empty; both programs removed theirs, the API did not (a review). A folder that was there stays.
    code = f"""
import resource, signal, sys
import terrasim as ts
resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG rather than killing
sim = ts.Simulation(ts.Scenario.load({str(SMALL)!r}, ["months=2"])).run()
for out in sys.argv[1:]:
    try:
        sim.write_outputs(out)
    except RuntimeError as e:
        print("refused:", e)
"""
    (tmp_path / "there").mkdir()
    # "new2/../b" makes new2 and b (a review: the path normalised named b alone, and new2 stayed)
    outs = [tmp_path / "new" / "deeper", tmp_path / "there" / "a" / "b", tmp_path / "there",
            tmp_path / "new2" / ".." / "b"]
    p = subprocess.run([sys.executable, "-c", code, *map(str, outs)], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("refused:") == 4 and "cannot write" in p.stdout, p.stdout
    assert os.listdir(tmp_path) == ["there"] and os.listdir(tmp_path / "there") == []


def test_a_run_waiting_for_a_writer_that_fails_and_removes_its_folder_still_writes_its_files(tmp_path):
    # Run A makes the folder, locks it and fails (the disk full: a limit on a file's size), removing the folder
    # it made; run B, waiting on A's lock, was given a folder that no longer existed, and lost its outputs
    # (8 times in 8, a review). B makes it again.
    writer = f"""
import resource, signal, sys
import terrasim as ts
sim = ts.Simulation(ts.Scenario.load({str(SMALL)!r}, ["months=240"])).run()
resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
print("ready", flush=True)
sys.stdin.readline()
try:
    sim.write_outputs(sys.argv[1])
except RuntimeError:
    print("refused", flush=True)
"""
    sim = ts.Simulation(small(2)).run()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    for i in range(4):
        out = tmp_path / f"run{i}" / "out"
        a = subprocess.Popen([sys.executable, "-c", writer, str(out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, env=env)
        assert a.stdout.readline() == "ready\n"
        a.stdin.write("\n")
        a.stdin.flush()
        deadline = time.monotonic() + 60
        while not out.is_dir() and time.monotonic() < deadline:
            pass
        sim.write_outputs(out)  # raised "No such file or directory" before
        assert a.wait(timeout=60) == 0 and a.stdout.read() == "refused\n"
        assert "2015-02" in (out / "series.csv").read_text()
        assert sorted(os.listdir(out)) == sorted(sim.write_outputs(tmp_path / f"check{i}") or os.listdir(out))


def test_the_outputs_of_a_run_stopped_before_its_end_say_so(tmp_path):
    # They said "# months: 6" over 2 rows, as the outputs of a run that had ended (a review).
    sim = ts.Simulation(small(6)).run(until=2)
    sim.write_outputs(tmp_path / "part")
    text = (tmp_path / "part" / "series.csv").read_text()
    assert "# months: 6\n# stopped: after 2 of the 6 months (to 2015-02): the run has not reached its end\n" in text
    assert sim.provenance["stopped"].startswith("after 2 of the 6 months")
    sim.run().write_outputs(tmp_path / "whole")
    assert "stopped" not in (tmp_path / "whole" / "series.csv").read_text() and "stopped" not in sim.provenance


def test_scenario_series_names_without_simulating():
    # What a run records, from the model's declarations alone: the same
    # names as a simulation's, for both models, and cheap for a scenario
    # whose initial state would be large.
    for sc in (ts.Scenario.load(str(ROOT / "scenarios" / "amiens" / "baseline.yaml")), small()):
        assert sc.series_names == ts.Simulation(sc).series_names
    huge = ts.Scenario.load(str(SMALL), ["workers=50000000", "firms=5000000"])
    assert huge.series_names == small().series_names  # no 50 million workers drawn


def test_python_command_line_says_why_outputs_cannot_be_written(tmp_path):
    (tmp_path / "a_file").write_text("not a folder")
    p = subprocess.run(["/usr/bin/python3", "-m", "terrasim", "run", str(SMALL), "--months", "2", "--out",
                        str(tmp_path / "a_file")], capture_output=True, text=True)
    assert p.returncode == 2  # refused before the run, as by the C++ program
    assert f"--out {tmp_path / 'a_file'}: exists and is not a folder" in p.stderr
    assert p.stderr.startswith("terrasim: ") and str(tmp_path / "a_file") in p.stderr
    assert "Traceback" not in p.stderr and len(p.stderr.splitlines()) == 1
    assert (tmp_path / "a_file").read_text() == "not a folder"
    p = subprocess.run(["/usr/bin/python3", "-m", "terrasim", "run", str(SMALL), "--months", "2", "--out",
                        str(tmp_path / "a_file" / "sub")], capture_output=True, text=True)
    assert p.returncode == 2 and "cannot make the folder" in p.stderr  # it ran, then failed (exit 1)
    p = subprocess.run(["/usr/bin/python3", "-m", "terrasim", "run", str(SMALL), "--months", "5000"],
                       capture_output=True, text=True)
    assert p.returncode == 2 and p.stderr.startswith("--months:1:8: error: months:"), p.stderr  # was "--set #1"


# ---------------------------------------------------------------------------
# file names that are not UTF-8 (Linux takes any bytes): taken as open() takes them (str, one decoded with
# surrogateescape as os.listdir gives it, bytes, PathLike), given back as os.fsdecode names them, written in
# messages and provenance with their other bytes as \xNN

def undecodable_scenario(tmp_path, name=b"sc\xe9.yaml", text=None):
    """small.yaml (and the default.yaml it extends) as a file whose name, as its folder's, holds the byte
    0xe9, which is no UTF-8; `text` in its place when given."""
    folder = tmp_path / os.fsdecode(b"f\xe9")
    folder.mkdir(exist_ok=True)
    shutil.copy(DEFAULT, folder / "default.yaml")
    path = folder / os.fsdecode(name)
    path.write_text(text if text is not None else SMALL.read_text())
    return path


def shown(path):
    """How messages and provenance write a path: its bytes that are not UTF-8 as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def test_a_scenario_whose_file_name_is_not_utf8_loads_from_a_str_bytes_or_path(tmp_path):
    path = undecodable_scenario(tmp_path)
    assert "\\xe9" in shown(path) and "\udce9" in str(path)
    for given in (str(path), os.fsencode(path), path):
        sc = ts.Scenario.load(given, {"months": 2})
        assert sc.source == str(path)  # as os.fsdecode names it: the same file
        assert [os.path.samefile(f, g) for f, g in zip(sc.files, [path, path.parent / "default.yaml"])] == [True, True]
        assert ts.Scenario.load(sc.source, {"months": 2}) == sc
        again = pickle.loads(pickle.dumps(sc))
        assert (again, again.source, again.files) == (sc, sc.source, sc.files)
        assert ts.validate(given).source == str(path) and ts.Simulation(given).scenario.source == str(path)


def test_a_run_of_a_file_whose_name_is_not_utf8_records_the_name_as_text(tmp_path):
    path = undecodable_scenario(tmp_path)
    sim = ts.Simulation(ts.Scenario.load(path, {"months": 2}))
    sim.run()
    assert sim.provenance["scenario"] == shown(path)
    assert f"# scenario: {shown(path)}\n" in sim.series_csv()
    for i, given in enumerate((str, os.fsencode, pathlib.Path)):
        out = path.parent / os.fsdecode(b"out\xe9%d" % i)
        assert sim.output_folder_problem(given(out)) == ""
        assert sim.write_outputs(given(out)) == []
        text = (out / "series.csv").read_bytes().decode("utf-8")  # UTF-8 text, as every output
        assert f"# scenario: {shown(path)}\n" in text
        sim.write_outputs(given(out), "json")
        run = json.loads((out / "run.json").read_bytes().decode("utf-8"))
        assert run["provenance"]["scenario"] == shown(path)
    # a name that is UTF-8 is written as it is (here in the folder f\xe9)
    utf8 = undecodable_scenario(tmp_path, name="sc\u00e9.yaml".encode())
    assert ts.Simulation(ts.Scenario.load(utf8, {"months": 1})).provenance["scenario"] == shown(utf8)
    assert shown(utf8).endswith("f\\xe9/sc\u00e9.yaml")


def test_checkpoints_at_paths_that_are_not_utf8_are_saved_and_resumed(tmp_path):
    path = undecodable_scenario(tmp_path)
    sim = ts.Simulation(ts.Scenario.load(path, {"months": 4}))
    sim.step(2)
    for i, given in enumerate((str, os.fsencode, pathlib.Path)):
        checkpoint = path.parent / os.fsdecode(b"ck\xe9%d" % i)
        sim.save_checkpoint(given(checkpoint))
        resumed = ts.Simulation.resume(given(checkpoint))
        assert resumed.month == 2 and resumed.scenario.source == str(path)
        assert resumed.provenance == sim.provenance and resumed.provenance["scenario"] == shown(path)
        assert resumed.config_history["source"].tolist() == [str(path)]
    # the refusals name the file with its other bytes as \xNN (they were empty)
    with pytest.raises(ts.CheckpointError) as e:
        sim.save_checkpoint(path)
    assert str(e.value) == f"{shown(path)}: exists and is not a terrasim checkpoint: refusing to write over it"
    with pytest.raises(ts.CheckpointError, match=r"^" + re.escape(shown(path)) + ": not a terrasim checkpoint"):
        ts.Simulation.resume(os.fsencode(path))
    with pytest.raises(ts.CheckpointError, match=re.escape(shown(path.parent / os.fsdecode(b"no\xe9")))):
        ts.Simulation.resume(path.parent / os.fsdecode(b"no\xe9"))


def test_a_scenario_error_in_a_file_whose_name_is_not_utf8_names_the_file(tmp_path):
    bad = undecodable_scenario(tmp_path, b"bad\xe9.yaml", "extends: default.yaml\nmonths: x\n")
    for given in (str(bad), os.fsencode(bad), bad):
        with pytest.raises(ts.ScenarioError) as e:
            ts.Scenario.load(given)
        assert str(e.value).startswith(f"{shown(bad)}:2:9: error: months: expected an integer")
        assert (e.value.file, e.value.line, e.value.column, e.value.path) == (str(bad), 2, 9, "months")
        assert os.path.samefile(e.value.file, bad)  # the field names the file itself
        d = e.value.diagnostics[0]
        assert (d.file, d.path) == (str(bad), "months")
        assert str(d).startswith(f"{shown(bad)}:2:9: error:") and shown(bad) in repr(d)
    missing = bad.parent / os.fsdecode(b"missing\xe9.yaml")
    with pytest.raises(ts.ScenarioError, match=r"^" + re.escape(shown(missing)) + ": error: cannot open file"):
        ts.Scenario.load(missing)
    with pytest.raises(ValueError, match="NUL"):  # as open(): no file name holds one
        ts.Scenario.load(str(bad) + "\0")


OTHER_EXTENSION = r"""
// Another pybind11 extension in the same process, with an exception type of its own.
#include <pybind11/pybind11.h>
#include <stdexcept>
#include <string>
namespace py = pybind11;
struct OtherError : std::runtime_error { using std::runtime_error::runtime_error; };
PYBIND11_MODULE(other_extension, m) {
  py::register_exception<OtherError>(m, "OtherError", PyExc_RuntimeError);
  m.def("fail", [](py::bytes message) { throw OtherError(std::string(message)); });
}
"""


def test_terrasims_exception_translators_leave_other_extensions_exceptions_alone(tmp_path):
    # The translator that gives an engine message that is not UTF-8 its text (\xNN) was registered for every
    # pybind11 extension of the process: once terrasim was imported, another extension's own exception whose
    # message is not UTF-8 came out as a builtin RuntimeError. terrasim's translators are now its module's own.
    import sysconfig
    (tmp_path / "other.cpp").write_text(OTHER_EXTENSION)
    so = tmp_path / ("other_extension" + sysconfig.get_config_var("EXT_SUFFIX"))
    subprocess.run(["g++", "-O0", "-std=c++17", "-shared", "-fPIC", f"-I{sysconfig.get_paths()['include']}",
                    str(tmp_path / "other.cpp"), "-o", str(so)], check=True)
    script = ("import sys; sys.path.insert(0, sys.argv[1]); import other_extension, terrasim  # terrasim last\n"
              "try:\n    other_extension.fail(b'caf\\xe9')\n"
              "except Exception as e:\n    print(type(e).__module__, type(e).__name__)\n")
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["other_extension", "OtherError"]


def test_a_scenario_error_pickles_with_its_diagnostics(tmp_path):
    # An error raised in a worker process of the user's own executor comes back pickled: a ScenarioError raised
    # "TypeError: cannot pickle 'terrasim._core.Diagnostic' object" in its place.
    bad = tmp_path / os.fsdecode(b"bad\xe9.yaml")
    bad.write_text("extends: " + str(SMALL) + "\nmonths: -3\nseed: x\n")
    with pytest.raises(ts.ScenarioError) as raised:
        ts.Scenario.load(bad)
    error = raised.value
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and str(back) == str(error)
    assert (back.file, back.line, back.column, back.path, back.message) == \
        (error.file, error.line, error.column, error.path, error.message)
    assert back.file == str(bad) and len(back.diagnostics) == 2
    for got, want in zip(back.diagnostics, error.diagnostics):
        assert (got.file, got.line, got.column, got.path, got.message, got.source_line, got.note, str(got)) == \
            (want.file, want.line, want.column, want.path, want.message, want.source_line, want.note, str(want))


@pytest.mark.parametrize("overrides, error, message", [
    # Read back as the path `title` and the value `x=1`: the title became "x=1".
    ({"title=x": 1}, ValueError, "overrides['title=x']: a key of an overrides dict is a field's path, which holds "
                                 "no `=`: give the value as the key's value ({'title': ...})"),
    # An AttributeError ('int' object has no attribute 'encode').
    ({1: 2}, TypeError, "overrides[1]: a key of an overrides dict is a field's path, a str"),
])
def test_a_dict_overrides_key_that_is_no_path_is_refused_naming_it(overrides, error, message):
    with pytest.raises(error) as e:
        ts.load(str(SMALL), overrides)
    assert message in str(e.value)


@pytest.mark.parametrize("how", ["dict", "dict overrides", "list overrides", "str override", "with_overrides"])
def test_extends_given_in_python_is_refused_not_ignored(how):
    # The engine dropped `extends` from a dict and from an override: the scenario loaded as if it were not there,
    # even a parent that does not exist. The engine refuses it, located (ScenarioError).
    document = {"model": "dock", "extends": "nonexistent.yaml"}
    with pytest.raises(ts.ScenarioError) as e:
        if how == "dict":
            ts.load(document)
        elif how == "dict overrides":
            ts.load(str(SMALL), {"extends": "nonexistent.yaml"})
        elif how == "list overrides":
            ts.load(str(SMALL), ["months=6", "extends=nonexistent.yaml"])
        elif how == "str override":
            ts.load(str(SMALL), "extends=nonexistent.yaml")
        else:
            ts.load(str(SMALL)).with_overrides({"extends": "default.yaml"})
    assert e.value.path == "extends" and "write `extends: FILE` in the scenario file" in str(e.value), str(e.value)
