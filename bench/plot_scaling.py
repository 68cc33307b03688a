#!/usr/bin/python3
"""Draws the scaling plot of docs/performance.md from a run of bench/run_all.py:
time per simulated month against the number of workers (log-log), terrasim
on each thread count, the NumPy peer and the hand-tuned C++ peer (each as
given and, where the run has them, with its heap as terrasim's), with the
line of linear cost through terrasim's 10^5-worker point on one thread.

    bench/plot_scaling.py out/bench/all.json     # writes docs/scaling.svg and docs/scaling.png
"""
import argparse
import json
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]


def series(rows, model, threads=None):
    pts = sorted((r["workers"], r["seconds"] / r["months"]) for r in rows
                 if r["model"] == model and (threads is None or r["threads"] == threads))
    return [p[0] for p in pts], [p[1] * 1e3 for p in pts]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("json", nargs="?", default=str(ROOT / "out" / "bench" / "all.json"))
    ap.add_argument("--out", default=str(ROOT / "docs" / "scaling"), help="path without extension")
    args = ap.parse_args()
    with open(args.json) as fh:
        doc = json.load(fh)
    rows = [r for r in doc["rows"] if r["model"].startswith("dock")]
    if not rows:
        raise SystemExit(f"{args.json}: no docking-model rows to plot")

    plt.rcParams.update({"font.family": "DejaVu Sans", "svg.hashsalt": "terrasim", "svg.fonttype": "path"})
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for threads, style in ((1, "o-"), (2, "s-")):
        x, y = series(rows, "dock (terrasim)", threads)
        if x:
            ax.plot(x, y, style, label=f"terrasim, {threads} thread{'s' if threads > 1 else ''}")
    # Each peer as given, and (runs from 7 December 2026 on) with its heap as terrasim's: like with like
    # (bench/dock_vs_peer.py).
    for model, marker, colour, label in (("dock (NumPy peer)", "^", "grey", "NumPy peer"),
                                         ("dock (hand-tuned C++)", "v", "black", "hand-tuned C++ peer, 1 thread")):
        x, y = series(rows, model)
        if x:
            ax.plot(x, y, marker + "--", color=colour, alpha=0.5, label=f"{label} as given (bench/peers)")
        x, y = series(rows, model + " (heap as terrasim's)")
        if x:
            ax.plot(x, y, marker + "-.", color=colour, label=f"{label}, heap as terrasim's (like with like)")
    base = [r for r in rows if r["model"] == "dock (terrasim)" and r["threads"] == 1 and r["workers"] == 100_000]
    if base:
        per_worker = base[0]["seconds"] / base[0]["months"] / 100_000 * 1e3
        xs = sorted({r["workers"] for r in rows})
        ax.plot(xs, [per_worker * n for n in xs], ":", color="black", linewidth=1,
                label="linear cost from 10^5 workers, 1 thread")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("workers")
    ax.set_ylabel("milliseconds per simulated month")
    ax.set_title("Docking model: time per month against workers\n"
                 f"(whole process, median of runs; {doc.get('cpus', '?')} cores, {doc.get('date', '')})", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out.with_suffix(".svg"), metadata={"Date": None})
    fig.savefig(out.with_suffix(".png"), metadata={"Software": None})
    print(f"written {out.with_suffix('.svg')} and {out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
