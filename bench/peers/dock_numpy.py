#!/usr/bin/python3
"""Vectorised NumPy peer of the docking model (dock-model.md).

An independent implementation, written from the model specification alone
(not from the engine's C++), so that the engine's `dock` model can be docked
against it in the sense of Axtell, Axelrod, Epstein & Cohen (1996).

State
-----
Workers are three arrays of length N: home zone, skill, and employer (a firm
index, or -1 when unemployed).  Firms live in arrays that grow: entrants are
appended at the end, and a firm that exits is flagged dead (``alive`` false)
but keeps its slot, so a firm's index never changes and workers' employer
indices never need remapping.  Dead firms have no employees, no vacancies
and take no part in any later step.  Firm size is kept incrementally and
(under ``check``) compared every month with ``np.bincount`` of the employers.

Random numbers come from ``numpy.random.Generator(PCG64(seed))``; all loops
are over months and over the six zones, never over agents.

Usage: see ``--help`` or bench/peers/README.md.  Import ``simulate`` for the
monthly series of one run.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time

import numpy as np

SPEC = "dock-model.md"
GENERATOR = "bench/peers/dock_numpy.py"

# name, x km, y km, share of workers, share of firms
ZONES = (
    ("Centre", 0.0, 0.0, 0.30, 0.40),
    ("Nord", 0.0, 4.0, 0.15, 0.15),
    ("Sud", 0.0, -4.0, 0.15, 0.12),
    ("Est", 5.0, 0.0, 0.15, 0.15),
    ("Ouest", -5.0, 0.0, 0.15, 0.10),
    ("Peripherie", 12.0, 8.0, 0.10, 0.08),
)
NZ = len(ZONES)
ZONE_XY = np.array([[z[1], z[2]] for z in ZONES])
WORKER_SHARES = np.array([z[3] for z in ZONES])
FIRM_SHARES = np.array([z[4] for z in ZONES])
# d(i, j): Euclidean distance between zone centres
ZONE_DIST = np.sqrt(((ZONE_XY[:, None, :] - ZONE_XY[None, :, :]) ** 2).sum(-1))

DEFAULTS = {
    "workers": 100000,
    "firms": 9500,
    "skills": 4,
    "months": 120,
    "separation_rate": 0.02,
    "target_volatility": 0.10,
    "exit_rate": 0.005,
    "entry_rate": 48.0,
    "entrant_size_mean": 8.0,
    "init_size_mu": 1.5,
    "init_size_sigma": 1.2,
    "applications": 3,
    "distance_scale_km": 8.0,
    "mismatch_acceptance": 0.25,
}
INT_PARAMS = ("workers", "firms", "skills", "months", "applications")

# The docking rule averages each statistic over months 24..119.
STAT_FIRST_MONTH = 24
STATISTICS = ("unemployment_rate", "firms", "vacancies")
# Beyond the docking rule: the month's flows, averaged over the same months,
# which tests/models/dock/test_docking.cpp docks too (the three statistics
# alone would miss a shift of less than about 5% in the matching's result).
FLOWS = ("hires", "separations", "entries", "exits")
COLUMNS = ("t", "unemployment_rate", "firms", "vacancies", "hires",
           "separations", "entries", "exits")


def round_half_up(x):
    """round(x) as the spec defines it: floor(x + 0.5)."""
    return np.floor(np.asarray(x, dtype=np.float64) + 0.5)


def scaled_params(workers: int, **overrides) -> dict:
    """Defaults scaled to `workers` by the spec's rule: firms and entry_rate
    scale in proportion to workers (1,000,000 workers: 95,000 firms, 480
    entries a month); everything else stays.  firms is rounded half up."""
    p = dict(DEFAULTS)
    ratio = workers / DEFAULTS["workers"]
    p["workers"] = int(workers)
    p["firms"] = int(round_half_up(DEFAULTS["firms"] * ratio))
    p["entry_rate"] = DEFAULTS["entry_rate"] * workers / DEFAULTS["workers"]
    p.update(overrides)
    return normalise_params(p)


def normalise_params(params: dict | None) -> dict:
    p = dict(DEFAULTS)
    if params:
        unknown = set(params) - set(DEFAULTS)
        if unknown:
            raise ValueError(f"unknown parameters: {sorted(unknown)}")
        p.update(params)
    for k in INT_PARAMS:
        p[k] = int(p[k])
    for k in set(DEFAULTS) - set(INT_PARAMS):
        p[k] = float(p[k])
    if p["workers"] < 1 or p["firms"] < 0 or p["skills"] < 1 or p["months"] < 0:
        raise ValueError("need workers >= 1, firms >= 0, skills >= 1, months >= 0")
    if p["applications"] < 0:
        raise ValueError("applications must be >= 0")
    return p


def make_rng(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(seed))


# ---------------------------------------------------------------------------
# Firms: growable arrays, dead firms flagged
# ---------------------------------------------------------------------------

class Firms:
    """Structure of arrays with amortised O(1) append.  Only the first `n`
    slots are in use; slot i is firm i for the whole run."""

    def __init__(self, capacity: int):
        capacity = max(int(capacity), 16)
        self.n = 0
        self.zone = np.zeros(capacity, np.int64)
        self.skill = np.zeros(capacity, np.int64)
        self.latent = np.zeros(capacity, np.float64)   # T_f
        self.target = np.zeros(capacity, np.int64)     # n*_f
        self.size = np.zeros(capacity, np.int64)       # employees
        self.alive = np.zeros(capacity, bool)

    def _grow(self, need: int):
        cap = self.zone.size
        if need <= cap:
            return
        new = max(need, 2 * cap)
        for name in ("zone", "skill", "latent", "target", "size", "alive"):
            old = getattr(self, name)
            arr = np.zeros(new, old.dtype)
            arr[: self.n] = old[: self.n]
            setattr(self, name, arr)

    def append(self, zone, skill, latent):
        k = len(zone)
        self._grow(self.n + k)
        s = slice(self.n, self.n + k)
        self.zone[s] = zone
        self.skill[s] = skill
        self.latent[s] = latent
        self.target[s] = np.maximum(1, round_half_up(latent)).astype(np.int64)
        self.size[s] = 0
        self.alive[s] = True
        self.n += k


def new_firm_attributes(rng, k, params):
    """Zone from the firm shares and skill uniform on {0..S-1}."""
    zone = rng.choice(NZ, size=k, p=FIRM_SHARES)
    skill = rng.integers(0, params["skills"], size=k)
    return zone, skill


# ---------------------------------------------------------------------------
# Grouped uniform choices
# ---------------------------------------------------------------------------

def rank_within_groups(groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A uniformly random rank 0..n_g-1 for every element within its group.

    Each element gets an independent uniform random key; elements are sorted
    by (group, key) and numbered within their group.  Taking the elements of
    a group with rank < k therefore picks min(k, n_g) of them uniformly
    without replacement; rank == 0 picks one uniformly.

    For speed the pair (group, key) is packed into one uint64: the group in
    the high bits, a uniform random integer in the remaining (>= 40) low
    bits, and one argsort does the work (3x faster than np.lexsort).  Two
    keys of the same group tie with probability 2**-40 per pair, i.e. about
    once in 10**7 months at the defaults; argsort's default sort is not
    stable, so a tie is ordered as the sort leaves it."""
    n = groups.size
    if n == 0:
        return np.zeros(0, np.int64)
    gbits = max(1, int(groups.max()).bit_length())
    rbits = 64 - gbits
    if rbits < 32:
        raise ValueError("too many groups for a packed sort key")
    key = groups.astype(np.uint64) << np.uint64(rbits)
    key |= rng.integers(0, 1 << rbits, size=n, dtype=np.uint64)
    order = np.argsort(key)
    g = groups[order]
    first = np.empty(n, bool)
    first[0] = True
    np.not_equal(g[1:], g[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    lengths = np.diff(np.append(starts, n))
    rank_sorted = np.arange(n) - np.repeat(starts, lengths)
    rank = np.empty(n, np.int64)
    rank[order] = rank_sorted
    return rank


# ---------------------------------------------------------------------------
# Initial state
# ---------------------------------------------------------------------------

def initial_state(params: dict, rng: np.random.Generator):
    """Initial state (t = 0, before the first step), spec section
    'Initial state'.  Returns (home, skill, employer, firms)."""
    N, M0, S = params["workers"], params["firms"], params["skills"]
    # 1. workers: home zone from the worker shares, skill uniform; unemployed
    home = rng.choice(NZ, size=N, p=WORKER_SHARES)
    skill = rng.integers(0, S, size=N)
    employer = np.full(N, -1, np.int64)
    # 2. firms: zone, skill, latent target exp(mu + sigma Z)
    expected_entries = params["entry_rate"] * params["months"]
    firms = Firms(M0 + expected_entries + 10.0 * math.sqrt(expected_entries) + 64)
    zone, fskill = new_firm_attributes(rng, M0, params)
    latent = np.exp(params["init_size_mu"] + params["init_size_sigma"] * rng.standard_normal(M0))
    firms.append(zone, fskill, latent)
    # 3. workers in random order fill firms in random order, n*_f each,
    #    until workers or firms run out (skill and zone ignored)
    if M0 > 0:
        worker_order = rng.permutation(N)
        firm_order = rng.permutation(M0)
        ends = np.cumsum(firms.target[:M0][firm_order])   # exclusive ends
        filled = int(min(N, ends[-1]))
        # the k-th worker in order goes to the firm whose slot range holds k
        slot_firm = np.searchsorted(ends, np.arange(filled), side="right")
        employer[worker_order[:filled]] = firm_order[slot_firm]
        firms.size[:M0] = np.bincount(employer[worker_order[:filled]], minlength=M0)
    return home, skill, employer, firms


def initial_employment_share(params: dict | None = None, seed: int = 1) -> float:
    """Share of workers employed in the initial state that `simulate` with
    the same params and seed starts from (same generator, same draws)."""
    p = normalise_params(params)
    _, _, employer, _ = initial_state(p, make_rng(seed))
    return float(np.count_nonzero(employer >= 0)) / p["workers"]


# ---------------------------------------------------------------------------
# Matching (step 5)
# ---------------------------------------------------------------------------

def draw_applications(rng, home, unemployed, fzone, vac, applications, decay, scale_km=None):
    """Step 5b: the distinct applications of the unemployed workers.

    Each worker in `unemployed` makes `applications` draws: a zone z with
    probability proportional to V_z exp(-d(home, z)/L), then a firm of that
    zone with probability proportional to v_f.  Draws that hit the same firm
    count once.  Returns (app_w, app_f): worker and firm index of each
    distinct application (empty when every V_z is 0)."""
    a = int(applications)
    nU = unemployed.size
    vacant = np.flatnonzero(vac > 0)
    empty = np.zeros(0, np.int64)
    if nU == 0 or a == 0 or vacant.size == 0:      # every V_z = 0: nobody applies
        return empty, empty
    vz = vac[vacant]
    zz = fzone[vacant]
    Vz = np.bincount(zz, weights=vz, minlength=NZ)  # step 5a

    #    Zone: inverse CDF of the home's row, zone = #{k < 5 : u >= C[home, k]}
    #    with C the normalised cumulative weights.  A zone of zero weight has
    #    C[k] == C[k-1] and is never drawn; trailing zero-weight zones have
    #    C == 1.0 exactly (x / x) and u < 1.
    zone_weight = Vz[None, :] * decay                     # [home, zone]
    #    A row whose every weight underflowed (L tiny against the distances
    #    to the zones with vacancies) is taken relative to its nearest zone
    #    with vacancies, Vz exp(-(d - d_min) / L): the same probabilities,
    #    without the 0 / 0 that sent all its draws to zone 0.
    if scale_km is not None:
        open_zones = Vz > 0
        for h in np.flatnonzero(zone_weight.sum(axis=1) == 0):
            d = ZONE_DIST[h] - ZONE_DIST[h, open_zones].min()
            zone_weight[h] = np.where(open_zones, Vz * np.exp(-np.maximum(d, 0.0) / scale_km), 0.0)
    cum = np.cumsum(zone_weight, axis=1)
    C = cum[:, : NZ - 1] / cum[:, NZ - 1:]
    Ch = C[home[unemployed]]                              # [worker, 5]
    u = rng.random((nU, a))
    zone_draw = np.zeros((nU, a), np.int64)
    for k in range(NZ - 1):
        zone_draw += u >= Ch[:, k: k + 1]
    #    Firm: vacancies are integers, so a firm of zone z drawn with
    #    probability v_f / V_z is the owner of a vacancy slot drawn uniformly
    #    among the V_z slots of zone z.  Vacant firms are laid out by zone,
    #    each owning v_f consecutive slots (slot_owner); zone z owns slots
    #    zone_start[z] .. zone_end[z]-1.  Integer arithmetic, exact.
    by_zone = np.argsort(zz, kind="stable")
    slot_owner = np.repeat(vacant[by_zone], vz[by_zone])
    zone_end = np.cumsum(Vz).astype(np.int64)
    zone_start = zone_end - Vz.astype(np.int64)
    firm_draw = slot_owner[rng.integers(zone_start[zone_draw], zone_end[zone_draw])]

    # draws that hit the same firm count once: keep the first occurrence
    # (pairwise comparisons for few draws, sorted rows for many)
    keep = np.ones((nU, a), bool)
    if a <= 4:
        for j in range(1, a):
            for i in range(j):
                keep[:, j] &= firm_draw[:, j] != firm_draw[:, i]
    else:
        firm_draw.sort(axis=1)
        keep[:, 1:] = firm_draw[:, 1:] != firm_draw[:, :-1]
    app_w = np.broadcast_to(unemployed[:, None], (nU, a))[keep]   # worker index
    app_f = firm_draw[keep]                                       # firm index
    return app_w, app_f


def match_round(rng, home, wskill, unemployed, fzone, fskill, vac, params,
                decay=None):
    """Step 5, one simultaneous matching round.

    unemployed: indices of the workers unemployed at this point.
    fzone, fskill, vac: per-firm zone, skill and vacancies v_f (>= 0; zero
    for dead firms), fixed for the round.
    Returns (hired_workers, hired_firms, info): one hire per worker at most,
    at most v_f hires per firm, and counts for diagnostics.
    """
    if decay is None:
        decay = np.exp(-ZONE_DIST / params["distance_scale_km"])
    info = {"applicants": int(unemployed.size), "applications": 0, "mismatched": 0,
            "mismatched_acceptable": 0, "acceptable": 0, "offers": 0, "hires": 0}

    # a, b. vacancies fixed for the round; distinct applications
    app_w, app_f = draw_applications(rng, home, unemployed, fzone, vac,
                                     params["applications"], decay, params["distance_scale_km"])
    if app_w.size == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, info

    # c. acceptable: same skill, else with prob mismatch_acceptance
    #    (one draw per distinct application)
    same = wskill[app_w] == fskill[app_f]
    acceptable = same.copy()
    mism = np.flatnonzero(~same)
    acceptable[mism] = rng.random(mism.size) < params["mismatch_acceptance"]
    app_w = app_w[acceptable]
    app_f = app_f[acceptable]

    # d. each firm offers to min(v_f, acceptable applicants) of its
    #    acceptable applicants, chosen uniformly
    offer = rank_within_groups(app_f, rng) < vac[app_f]
    off_w = app_w[offer]
    off_f = app_f[offer]

    # e. each worker with an offer accepts one, chosen uniformly
    take = rank_within_groups(off_w, rng) == 0
    hired_w = off_w[take]
    hired_f = off_f[take]

    info.update(applications=int(same.size), mismatched=int(mism.size),
                mismatched_acceptable=int(np.count_nonzero(acceptable[mism])),
                acceptable=int(app_w.size), offers=int(off_w.size),
                hires=int(hired_w.size))
    return hired_w, hired_f, info


# ---------------------------------------------------------------------------
# Simulation
# ---------------------------------------------------------------------------

class IdentityError(AssertionError):
    pass


def _require(cond, what, t):
    if not cond:
        raise IdentityError(f"month {t}: accounting identity failed: {what}")


def _check_month(t, employer, firms, N, row, prev_employed, prev_alive, vac_after):
    n = firms.n
    emp = employer >= 0
    n_emp = int(np.count_nonzero(emp))
    n_unemp = int(np.count_nonzero(employer == -1))
    _require(n_emp + n_unemp == N, "employed + unemployed == N", t)
    _require(bool(np.all((employer >= -1) & (employer < n))), "employer index range", t)
    _require(bool(np.all(firms.alive[employer[emp]])), "no worker employed by a dead firm", t)
    counted = np.bincount(employer[emp], minlength=n)
    _require(np.array_equal(counted, firms.size[:n]), "firm sizes == bincount(employers)", t)
    _require(bool(np.all(firms.size[:n][~firms.alive[:n]] == 0)), "dead firms are empty", t)
    alive = firms.alive[:n]
    _require(bool(np.all(firms.size[:n][alive] <= firms.target[:n][alive])),
             "size <= n* after matching", t)
    _require(int(alive.sum()) == row["firms"], "firms column == alive firms", t)
    _require(row["firms"] == prev_alive + row["entries"] - row["exits"],
             "firms alive change by entries - exits", t)
    _require(n_emp == prev_employed - row["separations"] + row["hires"],
             "employment change == hires - separations", t)
    _require(abs(row["unemployment_rate"] - n_unemp / N) < 1e-15, "unemployment rate", t)
    v = int(np.maximum(0, firms.target[:n][alive] - firms.size[:n][alive]).sum())
    _require(v == row["vacancies"] == vac_after, "vacancies after matching", t)
    _require(row["hires"] >= 0 and row["separations"] >= 0, "non-negative flows", t)


def simulate(params: dict | None = None, seed: int = 1, check: bool = False,
             return_state: bool = False) -> dict:
    """Run the model once.  Returns the monthly series as arrays of length
    `months`: t, unemployment_rate, firms, vacancies, hires, separations,
    entries, exits.  With check=True, verifies the accounting identities every
    month (raises IdentityError).  With return_state=True also returns the
    final state under the key 'state' (a dict of arrays) and the initial
    employment share under 'initial_employment_share'."""
    p = normalise_params(params)
    rng = make_rng(seed)
    N, T = p["workers"], p["months"]
    sigma = p["target_volatility"]
    decay = np.exp(-ZONE_DIST / p["distance_scale_km"])

    home, wskill, employer, firms = initial_state(p, rng)
    init_share = float(np.count_nonzero(employer >= 0)) / N

    out = {
        "t": np.arange(T, dtype=np.int64),
        "unemployment_rate": np.zeros(T, np.float64),
        "firms": np.zeros(T, np.int64),
        "vacancies": np.zeros(T, np.int64),
        "hires": np.zeros(T, np.int64),
        "separations": np.zeros(T, np.int64),
        "entries": np.zeros(T, np.int64),
        "exits": np.zeros(T, np.int64),
    }
    prev_employed = int(np.count_nonzero(employer >= 0))
    prev_alive = int(firms.alive[: firms.n].sum())
    if check:
        _require(np.array_equal(np.bincount(employer[employer >= 0], minlength=firms.n),
                                firms.size[: firms.n]), "initial sizes", -1)
        _require(bool(np.all(firms.size[: firms.n] <= firms.target[: firms.n])),
                 "initial size <= n*", -1)

    for t in range(T):
        # 1. Separations: each employed worker leaves with prob delta
        emp_idx = np.flatnonzero(employer >= 0)
        quit_ = emp_idx[rng.random(emp_idx.size) < p["separation_rate"]]
        firms.size[: firms.n] -= np.bincount(employer[quit_], minlength=firms.n)
        employer[quit_] = -1
        n_sep = quit_.size

        # 2. Targets: multiplicative shock for every alive firm, then dismiss
        #    the excess uniformly among employees
        alive_idx = np.flatnonzero(firms.alive[: firms.n])
        firms.latent[alive_idx] *= np.exp(
            sigma * rng.standard_normal(alive_idx.size) - 0.5 * sigma * sigma)
        firms.target[alive_idx] = np.maximum(
            1, round_half_up(firms.latent[alive_idx])).astype(np.int64)
        excess = np.maximum(0, firms.size[: firms.n] - firms.target[: firms.n])
        if excess.any():
            # excess_of[employer] with employer == -1 hitting the appended 0
            excess_of = np.append(excess, 0)
            at_risk = np.flatnonzero(excess_of[employer] > 0)
            f = employer[at_risk]
            fired = at_risk[rank_within_groups(f, rng) < excess[f]]
            employer[fired] = -1
            firms.size[: firms.n] -= excess
            n_sep += fired.size

        # 3. Exits: each alive firm closes with prob exit_rate; releases all
        closing = alive_idx[rng.random(alive_idx.size) < p["exit_rate"]]
        if closing.size:
            firms.alive[closing] = False
            closed_of = np.zeros(firms.n + 1, bool)      # index -1: unemployed
            closed_of[closing] = True
            released = np.flatnonzero(closed_of[employer])
            employer[released] = -1
            n_sep += released.size
            firms.size[closing] = 0

        # 4. Entries: K ~ Poisson(lambda) new firms, T_f = 1 + Poisson(mean)
        K = int(rng.poisson(p["entry_rate"]))
        if K:
            zone, fskill = new_firm_attributes(rng, K, p)
            latent = 1.0 + rng.poisson(p["entrant_size_mean"], size=K)
            firms.append(zone, fskill, latent)

        # 5. Matching, one simultaneous round with vacancies fixed
        n = firms.n
        vac = np.where(firms.alive[:n], np.maximum(0, firms.target[:n] - firms.size[:n]), 0)
        unemployed = np.flatnonzero(employer < 0)
        hired_w, hired_f, _ = match_round(rng, home, wskill, unemployed, firms.zone[:n],
                                          firms.skill[:n], vac, p, decay)
        employer[hired_w] = hired_f
        firms.size[:n] += np.bincount(hired_f, minlength=n)

        # 6. Record, after matching
        n_unemp = unemployed.size - hired_w.size
        alive_now = int(firms.alive[:n].sum())
        vac_after = int(vac.sum()) - hired_w.size     # hires never exceed v_f
        row = {
            "unemployment_rate": n_unemp / N,
            "firms": alive_now,
            "vacancies": vac_after,
            "hires": int(hired_w.size),
            "separations": int(n_sep),
            "entries": K,
            "exits": int(closing.size),
        }
        for k, v in row.items():
            out[k][t] = v
        if check:
            _check_month(t, employer, firms, N, row, prev_employed, prev_alive, vac_after)
        prev_employed = N - n_unemp
        prev_alive = alive_now

    if return_state:
        n = firms.n
        out["initial_employment_share"] = init_share
        out["state"] = {
            "home": home, "skill": wskill, "employer": employer,
            "firm_zone": firms.zone[:n].copy(), "firm_skill": firms.skill[:n].copy(),
            "firm_latent": firms.latent[:n].copy(), "firm_target": firms.target[:n].copy(),
            "firm_size": firms.size[:n].copy(), "firm_alive": firms.alive[:n].copy(),
        }
    return out


# ---------------------------------------------------------------------------
# Replicate statistics (docking rule)
# ---------------------------------------------------------------------------

def stat_window(months: int) -> tuple[int, int]:
    """Months averaged for the docking statistics: 24..months-1 (24..119 at
    the defaults).  Runs of 24 months or fewer average over all months."""
    first = STAT_FIRST_MONTH if months > STAT_FIRST_MONTH else 0
    return first, months - 1


def replicate_statistics(series: dict) -> dict:
    first, last = stat_window(series["t"].size)
    return {k: float(np.mean(series[k][first: last + 1])) for k in STATISTICS + FLOWS}


def summarise(replicates: list[dict]) -> dict:
    """Mean and sample standard deviation (ddof=1) across replicates."""
    summary = {}
    for k in [k for k in STATISTICS + FLOWS if replicates and k in replicates[0]]:
        x = np.array([r[k] for r in replicates], dtype=np.float64)
        summary[k] = {"mean": float(x.mean()),
                      "sd": float(x.std(ddof=1)) if x.size > 1 else 0.0}
    return summary


def run_replicates(params: dict, seeds, check: bool = False, progress=None):
    reps = []
    for s in seeds:
        series = simulate(params, int(s), check=check)
        reps.append({"seed": int(s), **replicate_statistics(series)})
        if progress:
            progress(reps[-1])
    return reps


def write_csv(path: str, series: dict):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for i in range(series["t"].size):
            w.writerow([repr(series[c][i].item()) for c in COLUMNS])


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        description="NumPy peer of the docking model (dock-model.md).")
    ap.add_argument("--scale", type=int, default=None, metavar="K",
                    help="workers=K; firms and entry rate scaled by the spec's rule "
                         "(explicit --firms/--entry-rate still override)")
    ap.add_argument("--workers", type=int,
                    help="N alone (firms and entry rate not scaled; see --scale)")
    ap.add_argument("--firms", type=int)
    ap.add_argument("--skills", type=int)
    ap.add_argument("--months", type=int)
    ap.add_argument("--separation-rate", type=float)
    ap.add_argument("--target-volatility", type=float)
    ap.add_argument("--exit-rate", type=float)
    ap.add_argument("--entry-rate", type=float)
    ap.add_argument("--entrant-size-mean", type=float)
    ap.add_argument("--init-size-mu", type=float)
    ap.add_argument("--init-size-sigma", type=float)
    ap.add_argument("--applications", type=int)
    ap.add_argument("--distance-scale-km", type=float)
    ap.add_argument("--mismatch-acceptance", type=float)
    ap.add_argument("--seed", type=int, default=1, help="first seed (default 1)")
    ap.add_argument("--replicates", type=int, default=1,
                    help="R runs with seeds seed..seed+R-1 (default 1)")
    ap.add_argument("--csv", metavar="FILE", help="monthly series of the first run")
    ap.add_argument("--json", metavar="FILE", help="per-replicate statistics")
    ap.add_argument("--time", action="store_true",
                    help="print the simulation wall time as 'seconds: X'")
    ap.add_argument("--check", action="store_true",
                    help="verify accounting identities every month")
    return ap


def params_from_args(args) -> dict:
    p = scaled_params(args.scale) if args.scale is not None else dict(DEFAULTS)
    for k in DEFAULTS:
        v = getattr(args, k, None)
        if v is not None:
            p[k] = v
    return normalise_params(p)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    p = params_from_args(args)
    if args.replicates < 1:
        raise SystemExit("--replicates must be >= 1")
    seeds = list(range(args.seed, args.seed + args.replicates))
    reps = []
    first_series = None
    elapsed = 0.0
    for s in seeds:
        t0 = time.perf_counter()
        series = simulate(p, s, check=args.check)
        elapsed += time.perf_counter() - t0
        if first_series is None:
            first_series = series
        reps.append({"seed": s, **replicate_statistics(series)})
    if args.csv:
        write_csv(args.csv, first_series)
    if args.json:
        first, last = stat_window(p["months"])
        doc = {
            "spec": SPEC,
            "generator": GENERATOR,
            "params": p,
            "seeds": seeds,
            "statistics_months": [first, last],
            "replicates": reps,
            "summary": summarise(reps),
        }
        with open(args.json, "w") as fh:
            json.dump(doc, fh, indent=1)
            fh.write("\n")
    if args.check:
        print(f"check: accounting identities hold for {len(seeds)} run(s), "
              f"{p['months']} months each")
    if args.time:
        print(f"seconds: {elapsed:.4f}")
    if not (args.csv or args.json or args.time or args.check):
        for r in reps:
            print(f"seed {r['seed']}: " + ", ".join(f"{k}={r[k]:.6g}" for k in STATISTICS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
