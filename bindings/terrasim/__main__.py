"""``python3 -m terrasim``: every subcommand of ``terrasim``, and those the C++
program hands over (``sweep``, ``results``, ``forecast``).

    python3 -m terrasim run scenarios/dock/small.yaml --months 12 --set exit_rate=0.01
    python3 -m terrasim sweep baseline=a.yaml pact=b.yaml --replicates 500 --db mc.sqlite
    python3 -m terrasim results mc.sqlite --fan --series unemployment_rate --scenario pact
    python3 -m terrasim forecast                     # the Amiens council report
"""
from __future__ import annotations

import argparse
import json
import contextlib
import os
import sys
from typing import List, Optional

from ._paths import shown


def _scenario_arg(text: str):
    """NAME=PATH or PATH."""
    name, sep, path = text.partition("=")
    if sep and not os.path.exists(text):
        return name, path
    return None, text


def _grid_arg(text: str):
    path, sep, values = text.partition("=")
    if not sep or not values or not path.strip():
        raise argparse.ArgumentTypeError(f"expected PATH=V1,V2,..., found {text!r}")
    return path.strip(), [v for v in values.split(",")]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, found {text!r}")
    return value


def _seed_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 2 ** 53 - 1:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 2^53 - 1, found {text!r}")
    return value


def _year_count(text: str):
    year, sep, count = text.partition("=")
    try:
        if sep:
            return int(year), float(count)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"expected YEAR=COUNT (e.g. 2013=1034), found {text!r}")


def _executor_arg(text: str) -> str:
    """--executor: local, mpi or dask://HOST:PORT (tcp://HOST:PORT too), refused here rather than by the sweep."""
    if text in ("local", "mpi") or (text.startswith(("dask://", "tcp://")) and text.split("://", 1)[1]):
        return text
    raise argparse.ArgumentTypeError(f"expected local, mpi or dask://HOST:PORT, found {text!r}")


def _executor_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--executor", default="local", type=_executor_arg,
                        help="local (a process per core), mpi (under mpiexec ... -m mpi4py.futures), "
                             "or dask://HOST:PORT (a running dask scheduler)")
    parser.add_argument("--workers", type=_positive_int, help="worker processes for the local executor")
    parser.add_argument("--progress", choices=["auto", "always", "never"], default="auto")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="terrasim", description="terrasim: an agent-based territorial economic simulator")
    from . import __version__
    p.add_argument("--version", action="version", version=f"terrasim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario; print its series as CSV")
    run.add_argument("scenario")
    run.add_argument("--seed", type=_seed_int)
    run.add_argument("--months", type=_positive_int)
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE")
    run.add_argument("--threads", type=int, default=0)
    run.add_argument("--out", help="folder for series.csv, one CSV per breakdown and config.json")

    resume = sub.add_parser("resume", help="continue a run from a checkpoint")
    resume.add_argument("checkpoint")
    resume.add_argument("--months", type=_positive_int,
                        help="months to simulate in all (at least those already simulated)")
    resume.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                        help="change a field from the checkpoint's month on (repeatable)")
    resume.add_argument("--threads", type=int, default=0)
    resume.add_argument("--out")

    check = sub.add_parser("check", help="check a scenario without running it")
    check.add_argument("scenario")
    check.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE")
    check.add_argument("--print", action="store_true", help="print the complete configuration as JSON")

    sub.add_parser("models", help="list the models")
    schema = sub.add_parser("schema", help="print the JSON Schema of a model's scenarios")
    schema.add_argument("model")

    sw = sub.add_parser("sweep", help="scenarios x parameter grid x replicates into a SQLite database",
                        description="Runs a Monte Carlo sweep; rerun the same command to resume an interrupted one.")
    sw.add_argument("scenarios", nargs="+", type=_scenario_arg, metavar="[NAME=]SCENARIO")
    sw.add_argument("--db", required=True, help="SQLite database (created, or resumed)")
    sw.add_argument("--replicates", "-r", type=_positive_int, default=1)
    sw.add_argument("--seed", type=int, default=1, help="base seed: replicate r uses seed+r in every scenario "
                                                        "and at every grid point (not in --set or --grid)")
    sw.add_argument("--months", type=int, help="months to simulate (every scenario; not in --grid)")
    sw.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                    help="override applied to every scenario")
    sw.add_argument("--grid", action="append", default=[], type=_grid_arg, metavar="PATH=V1,V2,...",
                    help="a grid dimension (repeatable, one per path; the sweep runs their product)")
    sw.add_argument("--series", action="append", help="keep only these series (repeatable; a resumed sweep keeps "
                                                      "the same)")
    sw.add_argument("--breakdowns", action="store_true", help="keep the breakdowns too (a resumed sweep keeps "
                                                              "the same)")
    _executor_options(sw)

    fc = sub.add_parser(
        "forecast", help="the council report: scenarios compared over paired replicates (HTML, PDF, CSV)",
        description="Runs paired Monte Carlo replicates of scenarios (the first is the reference; none: the "
                    "Amiens baseline against the pact, shipped with terrasim), keeps them in a sweep database "
                    "that a second call reuses, and writes a report folder: report.html (self-contained), "
                    "report.pdf (with Chromium), charts/ (SVG, PNG), tables/ (CSV).")
    fc.add_argument("scenarios", nargs="*", type=_scenario_arg, metavar="[NAME=]SCENARIO",
                    help="scenario files, the reference first; or one forecast file (default: the Amiens forecast)")
    fc.add_argument("--replicates", "-r", type=_positive_int, default=200, help="paired replicates (default 200)")
    fc.add_argument("--out", help="report folder, replaced whole (default: forecast-<names> here)")
    fc.add_argument("--db", help="sweep database (default: runs.sqlite inside the report folder)")
    fc.add_argument("--seed", type=int, default=1, help="base seed: replicate r uses seed+r in every scenario")
    fc.add_argument("--months", type=_positive_int, help="months to simulate (every scenario)")
    fc.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                    help="override applied to every scenario (e.g. --set scale=0.1 for a quick, reduced run)")
    fc.add_argument("--lang", choices=["fr", "en"], help="report language (default: the scenarios' locale)")
    fc.add_argument("--level", type=float, help="a fixed level of the target series, read beside the target "
                                                "(default: the forecast file's; Amiens: 0.10)")
    fc.add_argument("--creations-reference", type=_year_count, metavar="YEAR=COUNT",
                    help="firm creations of a past year, drawn for comparison (Amiens: 2013=1034)")
    fc.add_argument("--no-pdf", action="store_true", help="do not print report.pdf")
    _executor_options(fc)

    from .results import FAN_QUANTILES, _percent
    level = _percent(_RESULTS_LEVEL).replace("%", "%%")  # argparse formats a help text with %
    res = sub.add_parser(
        "results", help="summaries of a sweep database",
        description="Without --fan, --diff, --at-most or --csv: the finished runs of each scenario and grid point. "
                    f"Intervals are at {_percent(_RESULTS_LEVEL)}: a Student t interval over the replicates for "
                    "--diff, a Wilson score interval for --at-most.")
    res.add_argument("db", help="a sweep database (terrasim sweep --db)")
    res.add_argument("--series", default="unemployment_rate", help="the series (default: unemployment_rate)")
    res.add_argument("--scenario", help="the scenario of --fan and --at-most, when the database holds several "
                                        "(--diff A B names its own two: --scenario without --fan or --at-most is "
                                        "refused)")
    res.add_argument("--point", type=int, help="the grid point's id, when the sweep had a --grid")
    res.add_argument("--fan", action="store_true",
                     help=f"per month, the quantiles {_words(FAN_QUANTILES)} across the runs, each interpolated "
                          "linearly between the two runs around it (numpy's and pandas' default), their mean and n, "
                          "the runs with a value")
    res.add_argument("--diff", nargs=2, metavar=("A", "B"),
                     help="per month, the mean paired difference A - B over the replicates, paired by seed (refused "
                          f"where a pair's seeds differ), its standard deviation, n pairs, and a {level} Student t "
                          "interval (n - 1 degrees of freedom)")
    res.add_argument("--at-most", type=float, metavar="THRESHOLD",
                     help="P(series <= THRESHOLD at --at) over the runs, a run without a value that month counting "
                          f"as not reaching it, with its Monte Carlo standard error and {level} Wilson score interval")
    res.add_argument("--at", metavar="YYYY-MM", help="the month of --at-most")
    res.add_argument("--csv", metavar="FILE", help="export every value to CSV (never over the database or its files)")
    return p


# The confidence level of terrasim results' intervals.
_RESULTS_LEVEL = 0.95


def _words(values) -> str:
    """0.05, 0.25 and 0.5."""
    items = [f"{v:g}" for v in values]
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def _output_folder_usable(sim, out: Optional[str]) -> bool:
    """As the C++ program, before the run: False, said in one line, when the
    run's files could not be written into the folder afterwards."""
    if out == "":  # not standard output, as no --out would be
        print("terrasim: --out: expected a folder, found an empty name", file=sys.stderr)
        return False
    why = sim.output_folder_problem(out) if out else ""
    if why:
        print(f"terrasim: --out {shown(out)}: {why}", file=sys.stderr)
    return not why


def _write_outputs(sim, out: Optional[str]) -> int:
    """As the C++ program (the same code, Simulation.write_outputs): the
    series on standard output, or the run's files in the folder. Returns an
    exit status: 1 when the files cannot be written (said in one line)."""
    if not out:
        sys.stdout.write(sim.series_csv())
        return 0
    try:
        removed = sim.write_outputs(out)  # which removes the folders it made when it fails
    except (RuntimeError, OSError) as e:  # the message names the file, as the C++ program's
        print(f"terrasim: {shown(str(e))}", file=sys.stderr)
        return 1
    if removed:
        print(f"terrasim: --out {shown(out)}: removed an earlier run's {shown(', '.join(removed))}", file=sys.stderr)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    import terrasim as ts
    try:
        if args.command == "run":
            ov = list(args.overrides)
            labels = [f"--set #{i + 1}" for i in range(len(ov))]  # errors name the option, as the C++ program's
            if args.seed is not None:
                ov.append(f"seed={args.seed}")
                labels.append("--seed")
            if args.months is not None:
                ov.append(f"months={args.months}")
                labels.append("--months")
            sim = ts.Simulation(ts.Scenario(ts._core.load_scenario(args.scenario, ov, labels), ov),
                                threads=args.threads)
            if not _output_folder_usable(sim, args.out):
                return 2
            return _run_and_write(sim, args.out)
        elif args.command == "resume":
            sim = ts.Simulation.resume(args.checkpoint, threads=args.threads)
            ov = list(args.overrides) + ([f"months={args.months}"] if args.months is not None else [])
            labels = [f"--set #{i + 1}" for i in range(len(args.overrides))] + ["--months"] * (args.months is not None)
            if ov:  # as the C++ program: the source names the checkpoint and the changes
                source = args.checkpoint + "".join(f" --set {o}" for o in ov)
                sim.reconfigure(scenario=ts.Scenario(ts._core.scenario_from_dict(sim.scenario.config, ov, source,
                                                                                 labels=labels), ov))
            if not _output_folder_usable(sim, args.out):
                return 2
            return _run_and_write(sim, args.out)
        elif args.command == "check":
            sc = ts.Scenario.load(args.scenario, args.overrides)
            if args.print:
                print(sc.to_json(2))
            else:
                print(f"{shown(args.scenario)}: ok (model {sc.model}, {sc.months} months from {sc.start}, seed {sc.seed}; "
                      f"config sha256 {sc.config_sha256})")
        elif args.command == "models":
            for name, summary in ts.models().items():
                print(f"{name:<12} {summary}")
        elif args.command == "schema":
            print(ts._core.schema_json(args.model))
        elif args.command == "sweep":
            return _sweep(ts, args)
        elif args.command == "results":
            return _results(ts, args)
        elif args.command == "forecast":
            return _forecast(ts, args)
    except ts.ScenarioError as e:
        print(shown(str(e)), file=sys.stderr)
        return 2
    except (ts.SweepError, ts.CheckpointError, FileNotFoundError, KeyError, ValueError) as e:
        print(f"terrasim: {shown(str(e))}", file=sys.stderr)  # a file name that is not UTF-8 as \xNN
        return 2
    except KeyboardInterrupt:
        print("\nterrasim: interrupted", file=sys.stderr)
        return 130
    return 0


def _run_and_write(sim, out) -> int:
    """Runs to the end and writes the outputs; a month that fails is said as the C++ program says it (exit 1,
    one line, no folder), not as a traceback."""
    try:
        sim.run()
    except MemoryError:
        print(f"terrasim: not enough memory at month {sim.month}: the scenario's agents, or its firms' vacancies, "
              "need more than this machine has", file=sys.stderr)
        return 1
    except RuntimeError as e:
        print(f"terrasim: {shown(str(e))}", file=sys.stderr)
        return 1
    return _write_outputs(sim, out)


def _sweep(ts, args) -> int:
    # Each scenario under its name (NAME=, else its file's stem) and each grid
    # path once: a name or a path given twice would keep one of the two
    # without a word, so both are refused (as forecast refuses two names).
    scenarios = {}
    for name, path in args.scenarios:
        name = name or os.path.splitext(os.path.basename(path))[0]
        if name in scenarios:
            raise ValueError(f"two scenarios are named {name!r} ({shown(scenarios[name])} and {shown(path)}): give "
                             "each its own name (NAME=PATH)")
        scenarios[name] = path
    grid = {}
    for path, values in args.grid:
        if path in grid:
            raise ValueError(f"--grid {path}: given twice; give all its values in one --grid {path}=V1,V2,...")
        grid[path] = [_yaml_scalar(v) for v in values]
    with _executor(args.executor) as executor:
        summary = ts.sweep(scenarios, grid=grid or None, replicates=args.replicates, db=args.db,
                           executor=executor, workers=args.workers, base_seed=args.seed, months=args.months,
                           overrides=args.overrides, series=args.series, breakdowns=args.breakdowns,
                           progress=_PROGRESS[args.progress], _command_line=True)
    print(f"terrasim sweep: {summary.completed} runs done, {summary.skipped} already in {shown(summary.db)}, "
          f"{summary.total} in all; {summary.wall_seconds:.1f} s", file=sys.stderr)
    return 0


_PROGRESS = {"auto": "auto", "always": True, "never": False}


@contextlib.contextmanager
def _executor(name: str):
    """--executor: "local", "mpi", or dask://HOST:PORT (a Client, closed afterwards)."""
    if not (name.startswith("dask://") or name.startswith("tcp://")):
        yield name
        return
    from distributed import Client
    address = name.replace("dask://", "tcp://")
    try:
        client = Client(address)
    except OSError as e:  # no scheduler there: an option's error (exit 2), not a traceback
        raise ValueError(f"--executor {name}: cannot reach a Dask scheduler at {address}: {e}") from None
    try:
        yield client
    finally:
        client.close()


def _forecast(ts, args) -> int:
    from .forecast import ReportInternalError
    scenarios = [path if name is None else (name, path) for name, path in args.scenarios] or None
    try:
        with _executor(args.executor) as executor:
            result = ts.forecast(scenarios, replicates=args.replicates, out=args.out, db=args.db, lang=args.lang,
                                 base_seed=args.seed, months=args.months, overrides=args.overrides,
                                 level=args.level, creations_reference=args.creations_reference,
                                 executor=executor, workers=args.workers, pdf=not args.no_pdf,
                                 progress=_PROGRESS[args.progress])
    except KeyboardInterrupt:
        print("\nterrasim forecast: interrupted; the finished runs are kept: the same command resumes from them",
              file=sys.stderr)
        return 130
    except ReportInternalError as e:  # exit 1, with the traceback to report it
        import traceback
        cause = e.__cause__ or e
        traceback.print_exception(type(cause), cause, cause.__traceback__, file=sys.stderr)  # Python 3.9's form
        print(f"terrasim forecast: {e}", file=sys.stderr)
        return 1
    for sentence in result.summary:
        print(f"- {sentence}")
    print(f"report: {shown(result.html)}" + (f" (and {result.pdf.name})" if result.pdf else ""))
    print(f"terrasim forecast: done in {result.wall_seconds:.1f} s", file=sys.stderr)
    return 0


def _yaml_scalar(text: str):
    """A grid value from the command line: a JSON number written as JSON writes it (``1``, ``0.5``), a JSON
    bool, null, string, list or mapping, else YAML text (``.01``, ``Middle``, ``-0``, ``1.50``), which the
    engine reads as --set's (a Python str would be a string, kept as it is). JSON's reading of ``-0`` (0) and
    ``1.50`` (1.5) is not YAML's: the sign of -0.0, the title "1.50"."""
    import json
    import math
    from .scenario import _YamlText
    def refuse(constant: str):  # NaN, Infinity: no JSON, and YAML's text (--set title=NaN is the title NaN)
        raise ValueError(constant)
    try:
        value = json.loads(text, parse_constant=refuse)
    except ValueError:
        return _YamlText(text)
    if isinstance(value, float) and not math.isfinite(value):  # 1e999: the engine says it is beyond a double
        return _YamlText(text)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and json.dumps(value) != text:
        return _YamlText(text)
    return value


def _results(ts, args) -> int:
    import pandas as pd
    pd.set_option("display.width", 200)
    if args.at_most is not None and not args.at:
        raise ValueError("--at-most needs --at YYYY-MM")
    if args.at and args.at_most is None:
        raise ValueError("--at needs --at-most THRESHOLD")
    if args.point is not None and not (args.fan or args.diff or args.at_most is not None):
        # It was ignored without a word: the summary and --csv gave every point, a point that does not exist too
        # (a review).
        raise ValueError(f"--point {args.point}: is the grid point of --fan, --diff and --at-most, and none is "
                         "given: leave it out (the summary and --csv give every point)")
    if args.scenario is not None and not (args.fan or args.at_most is not None):
        # It was ignored without a word (with --diff A B, which names its own two scenarios).
        raise ValueError(f"--scenario {args.scenario}: is the scenario of --fan and --at-most, and neither is given" +
                         (" (--diff A B compares its own two scenarios, A and B)" if args.diff else "") +
                         ": leave it out")
    from .results import _check_export_path, _percent
    res = ts.SweepResults(args.db)
    try:
        if args.csv:
            _check_export_path(args.csv, res.path, "--csv")
        # Everything asked is computed first: a question the database cannot answer (a series it lacks, a
        # scenario to name) then writes no --csv file and prints nothing. Each block says what it is.
        texts = []

        def grid_point() -> str:
            pid = res._point_id(args.point)
            return f"grid point {pid} ({res._points()[pid]})"

        def scenario() -> str:
            return f"scenario {res._scenario_name(args.scenario)}, {grid_point()}"
        if args.fan:
            fan = res.fan(args.series, args.scenario, args.point)
            quantiles = [q for q in fan.columns if q not in ("mean", "n")]
            texts.append(f"{args.series}, {scenario()}: per month, the quantiles {_words(quantiles)} across the runs "
                         "(linear interpolation between runs), their mean and n, the runs with a value\n" +
                         fan.to_string())
        if args.diff:
            a, b = args.diff
            diff = res.paired_difference(args.series, a, b, args.point, level=_RESULTS_LEVEL)
            texts.append(f"{args.series}, {a} - {b}, {grid_point()}: per month, the mean paired difference over the "
                         "replicates paired by seed, its standard deviation sd, n pairs, and its "
                         f"{_percent(_RESULTS_LEVEL)} Student t interval (ci_low, ci_high)\n" + diff.to_string())
        if args.at_most is not None:
            p, missing = res._at_most(args.series, args.at_most, args.at, args.scenario, args.point,
                                      level=_RESULTS_LEVEL)
            texts.append(f"P({args.series} <= {args.at_most!r} in {args.at}), {scenario()}, with a Wilson score "
                         f"interval: {p}; {missing} of the {p.n} runs had no value that month (they count as not "
                         "reaching it)")
        if not (args.csv or args.fan or args.diff or args.at_most is not None):
            texts.append(_run_counts(res))
        if args.csv:
            try:
                res.to_csv(args.csv)
            except OSError as e:
                raise ValueError(f"--csv {shown(args.csv)}: cannot write it ({e.strerror or e})") from None
        if texts:
            print("\n\n".join(texts))  # a blank line between blocks
    except KeyError as e:  # str() of a KeyError is its message in quotes
        raise ValueError(f"{shown(args.db)}: {e.args[0] if e.args else e}") from None
    finally:
        res.close()
    return 0


def _run_counts(res) -> str:
    """The default summary of `terrasim results DB`: every scenario x grid point that a sweep into the database
    was to run (SweepResults._run_counts), with its overrides and its runs, 0 included ("Series([], )" before a
    first run, and those without runs left out)."""
    counts = res._run_counts()
    total = int(counts["runs"].sum())
    if counts.empty:
        return (f"no runs yet in {shown(res.path)}, and no scenario or grid point either: the sweep stopped before "
                "its first run was written; the same sweep command resumes it")
    heading = (f"runs finished per scenario and grid point (point: its overrides) in {shown(res.path)}, {total} in "
               "all:" if total else
               f"no runs yet in {shown(res.path)}: none of its scenarios and grid points has a finished run")
    return heading + "\n" + counts.to_string(index=False)


class _StdoutError(OSError):
    """Standard output could not be written (a full disk, /dev/full)."""


class _GuardedStdout:
    """sys.stdout, whose failures to write are told apart from the other OSErrors of a command (a file it
    reads): they become _StdoutError, said in one line as the C++ program says them."""

    def __init__(self, stream):
        self._stream = stream

    def _guarded(self, call, *args):
        try:
            return call(*args)
        except BrokenPipeError:
            raise
        except OSError as e:
            raise _StdoutError(e.errno, e.strerror) from e

    def write(self, text):
        return self._guarded(self._stream.write, text)

    def flush(self):
        return self._guarded(self._stream.flush)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _main_closing_quietly() -> int:
    """main(), ending as the C++ program does when its reader stops reading (``terrasim results DB | head``):
    the exit status of a SIGPIPE, 141, without Python's traceback or "Exception ignored" message; and when
    standard output cannot be written (``> /dev/full``): one line and exit 1, where Python printed a traceback."""
    sys.stdout = _GuardedStdout(sys.stdout)
    try:
        code = main()
        sys.stdout.flush()  # here, not at the interpreter's exit, where a broken pipe cannot be caught
        return code
    except BrokenPipeError:
        # Nothing more can be written there: standard output to /dev/null, so that the exit's flush is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13  # SIGPIPE
    except _StdoutError as e:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the exit's flush would fail again
        print(f"terrasim: cannot write to standard output: {e.strerror or e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(_main_closing_quietly())
