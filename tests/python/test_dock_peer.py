"""Tests of the NumPy peer of the docking model (bench/peers/dock_numpy.py).

All tests use fixed seeds, so they are deterministic; the statistical ones
use thresholds (p > 1e-3, several standard errors) chosen so that a correct
implementation passes for essentially every seed, while a wrong rule (e.g.
picking offers by index, ignoring distance, failing to deduplicate) fails
by a wide margin.
"""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from bench.peers import dock_numpy as peer

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEER = os.path.join(REPO, "bench", "peers", "dock_numpy.py")
FIXTURES = os.path.join(REPO, "tests", "models", "dock", "fixtures")

SMALL = peer.scaled_params(2000)          # 190 firms, 0.96 entries a month


# ---------------------------------------------------------------------------
# accounting identities, determinism
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_identities_hold_at_2000_workers(seed):
    out = peer.simulate(SMALL, seed, check=True)
    assert out["t"].tolist() == list(range(120))
    assert np.all((out["unemployment_rate"] >= 0) & (out["unemployment_rate"] <= 1))


@pytest.mark.parametrize("overrides", [
    # heavy turnover: many dismissals, exits and entries every month
    dict(separation_rate=0.1, target_volatility=0.6, exit_rate=0.1, entry_rate=30.0),
    # firms run out before workers at the start; one skill; one application
    dict(firms=50, skills=1, applications=1),
    # workers run out: many firms partly filled or empty at the start
    dict(firms=600, mismatch_acceptance=0.0, applications=6),
])
def test_identities_hold_under_stress(overrides):
    out = peer.simulate({**SMALL, "months": 60, **overrides}, 7, check=True)
    assert out["separations"].sum() > 0 and out["hires"].sum() > 0


def test_check_detects_a_broken_identity(monkeypatch):
    # the check is not vacuous: hire the first hired worker twice, so the
    # firm size bookkeeping counts a worker the employer array holds once
    real = peer.match_round

    def double_hire(*args, **kw):
        w, f, info = real(*args, **kw)
        return np.append(w, w[:1]), np.append(f, f[:1]), info
    monkeypatch.setattr(peer, "match_round", double_hire)
    with pytest.raises(peer.IdentityError):
        peer.simulate({**SMALL, "months": 12}, 1, check=True)


def test_same_seed_identical_output():
    a = peer.simulate(SMALL, 11)
    b = peer.simulate(SMALL, 11)
    assert a.keys() == b.keys()
    for k in a:
        assert np.array_equal(a[k], b[k]), k


def test_different_seeds_differ():
    a = peer.simulate(SMALL, 11)
    b = peer.simulate(SMALL, 12)
    assert not np.array_equal(a["unemployment_rate"], b["unemployment_rate"])
    assert not np.array_equal(a["hires"], b["hires"])


def test_command_line(tmp_path):
    csv_path = tmp_path / "series.csv"
    json_path = tmp_path / "stats.json"
    res = subprocess.run(
        [sys.executable, PEER, "--scale", "2000", "--months", "30", "--replicates", "2",
         "--seed", "5", "--check", "--time", "--csv", str(csv_path), "--json", str(json_path)],
        capture_output=True, text=True, check=True, cwd=REPO)
    assert "check: accounting identities hold for 2 run(s)" in res.stdout
    assert any(line.startswith("seconds: ") for line in res.stdout.splitlines())
    lines = csv_path.read_text().splitlines()
    assert lines[0] == "t,unemployment_rate,firms,vacancies,hires,separations,entries,exits"
    assert len(lines) == 31
    series = peer.simulate(peer.scaled_params(2000, months=30), 5)
    row = lines[1].split(",")
    assert float(row[1]) == series["unemployment_rate"][0]
    assert int(row[2]) == series["firms"][0]
    doc = json.loads(json_path.read_text())
    assert doc["params"]["firms"] == 190 and doc["params"]["entry_rate"] == 0.96
    assert [r["seed"] for r in doc["replicates"]] == [5, 6]
    # 30 months: statistics over months 24..29
    assert doc["statistics_months"] == [24, 29]
    assert doc["replicates"][0]["firms"] == pytest.approx(series["firms"][24:30].mean())


def test_scaling_rule():
    p = peer.scaled_params(1_000_000)
    assert p["firms"] == 95000 and p["entry_rate"] == 480
    p = peer.scaled_params(10000)
    assert p["firms"] == 950 and p["entry_rate"] == 4.8
    assert {k: v for k, v in p.items() if k not in ("workers", "firms", "entry_rate")} == \
        {k: v for k, v in peer.DEFAULTS.items() if k not in ("workers", "firms", "entry_rate")}


# ---------------------------------------------------------------------------
# initial state and first month
# ---------------------------------------------------------------------------

def expected_integer_target(mu, sigma):
    """E[max(1, round(exp(mu + sigma Z)))] and its standard deviation."""
    k = np.arange(2, 200000, dtype=np.float64)
    pk = (stats.norm.cdf((np.log(k + 0.5) - mu) / sigma)
          - stats.norm.cdf((np.log(k - 0.5) - mu) / sigma))
    p1 = stats.norm.cdf((np.log(1.5) - mu) / sigma)
    m1 = p1 + (k * pk).sum()
    m2 = p1 + (k * k * pk).sum()
    return m1, math.sqrt(m2 - m1 * m1)


def test_initial_employment_share_at_defaults():
    # The initial state fills firms with their integer targets until workers
    # run out, so the employed share is min(1, sum_f n*_f / N).  At the
    # defaults E[n*] = 9.2408 (lognormal mu 1.5, sigma 1.2, rounded half up,
    # floored at 1), so the expected share is 9500 * 9.2408 / 100000 = 0.8779
    # (the spec's "about 87%").  sd(n*) = 16.51, so one run's share has sd
    # sqrt(9500) * 16.51 / 100000 = 0.0161, and the mean of 10 seeds has
    # standard error 0.0051.  We require the mean of 10 seeds within 4 SE of
    # the exact expectation, and within 0.025 of the spec's 87%.
    p = peer.normalise_params(None)
    m, sd = expected_integer_target(p["init_size_mu"], p["init_size_sigma"])
    expected = p["firms"] * m / p["workers"]
    assert expected == pytest.approx(0.8779, abs=1e-4)
    se_one = math.sqrt(p["firms"]) * sd / p["workers"]
    shares = np.array([peer.initial_employment_share(p, s) for s in range(1, 11)])
    assert abs(shares.mean() - expected) < 4 * se_one / math.sqrt(shares.size)
    assert abs(shares.mean() - 0.87) < 0.025
    assert np.all(np.abs(shares - expected) < 5 * se_one)


def test_initial_state_structure():
    p = peer.normalise_params(None)
    home, skill, employer, firms = peer.initial_state(p, peer.make_rng(3))
    n = firms.n
    assert n == p["firms"]
    size, target = firms.size[:n], firms.target[:n]
    assert np.array_equal(np.bincount(employer[employer >= 0], minlength=n), size)
    assert np.all(size <= target)
    assert np.all(target >= 1)
    assert np.array_equal(target, np.maximum(1, np.floor(firms.latent[:n] + 0.5)))
    # workers ran out (87% < 100%): every worker placed or exactly one firm
    # partly filled, the others full or empty
    partial = np.count_nonzero((size > 0) & (size < target))
    assert partial <= 1
    if np.any(employer < 0):
        assert np.all(size == target)
    # zone shares, skills
    assert np.bincount(home, minlength=6) / home.size == pytest.approx(peer.WORKER_SHARES, abs=0.01)
    assert set(np.unique(skill)) == {0, 1, 2, 3}
    assert np.bincount(firms.zone[:n], minlength=6) / n == pytest.approx(peer.FIRM_SHARES, abs=0.03)


def test_initial_state_firms_run_out():
    p = peer.normalise_params({"workers": 5000, "firms": 100})   # demand ~ 924 < 5000
    _, _, employer, firms = peer.initial_state(p, peer.make_rng(1))
    assert np.array_equal(firms.size[:100], firms.target[:100])
    assert np.count_nonzero(employer >= 0) == firms.target[:100].sum()


def test_first_month_unemployment_plausible():
    # Scaled down to 20,000 workers (1,900 firms).  Month 0 starts from
    # 1 - 0.878 = 12.2% unemployed (sd of one run 0.036 at this size);
    # separations in month 0 are 2% quits + dismissals after the first
    # target shock (about sigma * E[max(0, -Z)] = 4% of a large firm, less
    # for small ones) + 0.5% exits: 3-8% of the employed.  Hires are bounded
    # by the vacancies.  The recorded u[0] must obey the flow identity and
    # stay near the initial level.
    p = peer.scaled_params(20000, months=1)
    u0, uinit, sep_share = [], [], []
    for s in range(1, 11):
        out = peer.simulate(p, s, return_state=True)
        N = p["workers"]
        init = out["initial_employment_share"]
        assert out["unemployment_rate"][0] * N == pytest.approx(
            (1 - init) * N + out["separations"][0] - out["hires"][0])
        u0.append(out["unemployment_rate"][0])
        uinit.append(1 - init)
        sep_share.append(out["separations"][0] / (init * N))
    u0, uinit, sep_share = map(np.array, (u0, uinit, sep_share))
    assert np.all((sep_share > 0.03) & (sep_share < 0.08))
    assert np.all(np.abs(u0 - uinit) < 0.03)
    assert abs(u0.mean() - 0.122) < 0.04


# ---------------------------------------------------------------------------
# rules
# ---------------------------------------------------------------------------

def test_no_shocks_means_no_separations():
    # No quits, no target shocks (exp(0) == 1), no exits, no entries: nobody
    # ever loses a job.  The initial state then has either no unemployed
    # (workers ran out) or no vacancies (firms ran out), so nothing moves.
    q = {**SMALL, "separation_rate": 0.0, "exit_rate": 0.0,
         "target_volatility": 0.0, "entry_rate": 0.0, "months": 60}
    for seed in (1, 2, 3):
        out = peer.simulate(q, seed, check=True, return_state=True)
        assert np.all(out["separations"] == 0)
        assert np.all(out["exits"] == 0) and np.all(out["entries"] == 0)
        assert np.all(out["firms"] == q["firms"])
        assert np.all(out["hires"] == 0)
        N = q["workers"]
        unemployed = np.rint(out["unemployment_rate"] * N)
        assert np.all(unemployed == round((1 - out["initial_employment_share"]) * N))
    # the same when firms run out first: 60 firms, all full, ~1450 unemployed
    out = peer.simulate({**q, "firms": 60}, 1, check=True)
    assert np.all(out["separations"] == 0) and np.all(out["vacancies"] == 0)


def random_market(rng, n_workers=6000, n_firms=300, skills=4):
    home = rng.choice(6, size=n_workers, p=peer.WORKER_SHARES)
    wskill = rng.integers(0, skills, n_workers)
    fzone = rng.choice(6, size=n_firms, p=peer.FIRM_SHARES)
    fskill = rng.integers(0, skills, n_firms)
    vac = rng.integers(0, 6, n_firms)
    return home, wskill, fzone, fskill, vac


@pytest.mark.parametrize("mismatch", [0.0, 0.25, 1.0])
def test_mismatch_acceptance_rule(mismatch):
    rng = peer.make_rng(21)
    home, wskill, fzone, fskill, vac = random_market(rng)
    params = {**peer.DEFAULTS, "mismatch_acceptance": mismatch}
    w, f, info = peer.match_round(rng, home, wskill, np.arange(home.size), fzone,
                                  fskill, vac, params)
    assert info["mismatched"] > 1000
    same = info["applications"] - info["mismatched"]
    assert info["acceptable"] == same + info["mismatched_acceptable"]
    if mismatch == 0.0:
        assert info["mismatched_acceptable"] == 0
        assert np.all(wskill[w] == fskill[f])
    elif mismatch == 1.0:
        assert info["mismatched_acceptable"] == info["mismatched"]
    else:
        # one Bernoulli(0.25) draw per distinct mismatched application
        p = stats.binomtest(info["mismatched_acceptable"], info["mismatched"], 0.25).pvalue
        assert p > 1e-3
    # round constraints: one hire per worker, at most v_f per firm
    assert np.unique(w).size == w.size
    assert np.all(np.bincount(f, minlength=vac.size) <= vac)
    assert info["hires"] == w.size <= info["offers"] <= info["acceptable"]


@pytest.mark.parametrize("skills", [1, 4])
def test_skill_match_share_of_applications(skills):
    # Worker and firm skills are independent and uniform on {0..S-1}, so a
    # distinct application is same-skill with probability 1/S; with
    # mismatch_acceptance = 0 exactly those are acceptable and every hire
    # is same-skill.
    rng = peer.make_rng(33)
    home, wskill, fzone, fskill, vac = random_market(rng, skills=skills)
    params = {**peer.DEFAULTS, "skills": skills, "mismatch_acceptance": 0.0}
    w, f, info = peer.match_round(rng, home, wskill, np.arange(home.size), fzone,
                                  fskill, vac, params)
    assert np.all(wskill[w] == fskill[f])
    if skills == 1:
        assert info["acceptable"] == info["applications"] and info["mismatched"] == 0
    else:
        # the worker's skill is uniform and independent of the firm drawn
        p = stats.binomtest(info["acceptable"], info["applications"], 1 / skills).pvalue
        assert p > 1e-3


def zone_firm_probabilities(home_zone, fzone, vac, L):
    """P(firm f | home) by the spec's two-stage rule."""
    Vz = np.bincount(fzone, weights=vac, minlength=6)
    wz = Vz * np.exp(-peer.ZONE_DIST[home_zone] / L)
    pz = wz / wz.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(vac > 0, pz[fzone] * vac / Vz[fzone], 0.0)


@pytest.mark.parametrize("home_zone", [0, 5])
def test_application_draws_follow_zone_then_firm_rule(home_zone):
    rng = peer.make_rng(5)
    n_firms = 40
    fzone = np.repeat(np.arange(6), 7)[:n_firms]
    vac = rng.integers(0, 5, n_firms)
    vac[fzone == 2] = 0                       # a zone without vacancies
    n = 60000
    home = np.full(n, home_zone)
    decay = np.exp(-peer.ZONE_DIST / 8.0)
    w, f = peer.draw_applications(rng, home, np.arange(n), fzone, vac, 1, decay)
    assert w.size == n
    counts = np.bincount(f, minlength=n_firms)
    prob = zone_firm_probabilities(home_zone, fzone, vac, 8.0)
    assert np.all(counts[prob == 0] == 0)       # no draw of a firm without vacancies
    pos = prob > 0
    p = stats.chisquare(counts[pos], prob[pos] * n).pvalue
    assert p > 1e-3


def test_repeated_draws_count_once():
    rng = peer.make_rng(8)
    n = 5000
    fzone = np.array([0, 3, 5])
    vac = np.array([2, 0, 1])
    home = rng.choice(6, size=n, p=peer.WORKER_SHARES)
    w, f = peer.draw_applications(rng, home, np.arange(n), fzone, vac, 5,
                                  np.exp(-peer.ZONE_DIST / 8.0))
    pairs = w * 10 + f
    assert np.unique(pairs).size == pairs.size            # no duplicates
    per_worker = np.bincount(w, minlength=n)
    assert np.all((per_worker >= 1) & (per_worker <= 2))  # only 2 vacant firms
    assert not np.any(f == 1)
    # a worker applies to both firms unless all 5 draws hit the same one:
    # P(both | home) = 1 - p^5 - (1 - p)^5, p = P(firm 0 | home)
    p0 = np.array([zone_firm_probabilities(h, fzone, vac, 8.0)[0] for h in range(6)])
    pb = 1 - p0 ** 5 - (1 - p0) ** 5
    mean = pb[home].sum()
    sd = math.sqrt((pb[home] * (1 - pb[home])).sum())
    assert abs(np.count_nonzero(per_worker == 2) - mean) < 4 * sd
    # no vacancies anywhere: nobody applies
    w, f = peer.draw_applications(rng, home, np.arange(n), fzone, np.zeros(3, int), 5,
                                  np.exp(-peer.ZONE_DIST / 8.0))
    assert w.size == 0 and f.size == 0


def test_offers_uniform_among_acceptable_applicants():
    # one firm with 2 vacancies, 5 applicants of its skill, one application
    # each: exactly 2 hires a round, each applicant hired with prob 2/5
    rng = peer.make_rng(13)
    params = {**peer.DEFAULTS, "applications": 1}
    home = np.zeros(5, int)
    wskill = np.zeros(5, int)
    reps = 3000
    counts = np.zeros(5, int)
    for _ in range(reps):
        w, f, _ = peer.match_round(rng, home, wskill, np.arange(5), np.array([0]),
                                   np.array([0]), np.array([2]), params)
        assert w.size == 2 and np.all(f == 0)
        counts[w] += 1
    assert stats.chisquare(counts, np.full(5, reps * 2 / 5)).pvalue > 1e-3


def test_worker_accepts_one_offer_uniformly():
    # one worker, 3 firms of its skill with one vacancy each; with 40 draws
    # the worker applies to all 3 (miss probability 3 (2/3)^40 < 1e-6), gets
    # 3 offers and must take each with prob 1/3
    rng = peer.make_rng(17)
    params = {**peer.DEFAULTS, "applications": 40}
    reps = 3000
    counts = np.zeros(3, int)
    for _ in range(reps):
        w, f, info = peer.match_round(rng, np.zeros(1, int), np.zeros(1, int), np.arange(1),
                                      np.zeros(3, int), np.zeros(3, int), np.ones(3, int), params)
        assert info["offers"] == 3 and w.size == 1
        counts[f] += 1
    assert stats.chisquare(counts, np.full(3, reps / 3)).pvalue > 1e-3


def test_rank_within_groups_is_a_permutation_per_group():
    rng = peer.make_rng(2)
    groups = rng.integers(0, 50, 5000)
    rank = peer.rank_within_groups(groups, rng)
    for g in range(50):
        r = np.sort(rank[groups == g])
        assert np.array_equal(r, np.arange(r.size))


# ---------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("workers", [10000, 20000])
def test_fixture_consistent_and_reproducible(workers):
    path = os.path.join(FIXTURES, f"peer_w{workers}.json")
    with open(path) as fh:
        doc = json.load(fh)
    assert doc["generator"] == "bench/peers/dock_numpy.py"
    assert doc["spec"] == "dock-model.md"
    assert doc["command"].startswith("scripts/dock-peer-fixture --workers %d" % workers)
    assert doc["params"] == peer.scaled_params(workers)
    reps = doc["replicates"]
    assert [r["seed"] for r in reps] == list(range(1, 101))
    for k in peer.STATISTICS:
        x = np.array([r[k] for r in reps])
        assert doc["summary"][k]["mean"] == pytest.approx(x.mean(), rel=1e-12)
        assert doc["summary"][k]["sd"] == pytest.approx(x.std(ddof=1), rel=1e-12)
    # the stored numbers are what this code produces (seed 1, one replicate)
    got = peer.replicate_statistics(peer.simulate(doc["params"], 1))
    for k in peer.STATISTICS:
        assert got[k] == pytest.approx(reps[0][k], rel=1e-12), k


def test_workers_far_from_every_vacancy_apply_to_the_nearest():
    # With no vacancy in their zone and L so short that every exp(-d / L)
    # underflows, the row's weights were 0 / 0 and every draw went to zone 0.
    rng = peer.make_rng(3)
    fzone = np.repeat(np.arange(6), 3)
    vac = np.ones(fzone.size, np.int64)
    vac[fzone == 5] = 0                                   # nothing in Peripherie
    n = 2000
    home = np.full(n, 5)
    decay = np.exp(-peer.ZONE_DIST / 0.001)
    w, f = peer.draw_applications(rng, home, np.arange(n), fzone, vac, 1, decay, 0.001)
    nearest = int(np.argmin(np.where(np.bincount(fzone, weights=vac, minlength=6) > 0, peer.ZONE_DIST[5], np.inf)))
    assert w.size == n and np.all(fzone[f] == nearest)
