// The territorial model: the conformance suite, one test per rule, the
// accounting identities and the calibration of the Amiens baseline.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <iostream>
#include <limits>
#include <numeric>
#include <set>

#include "models/territory/territory.h"
#include "sim/core/scenario.h"
#include "sim/core/simulation.h"
#include "sim/scenario/error.h"
#include "sim/scenario/loader.h"
#include "tests/conformance/conformance.h"

using namespace terrasim;
namespace ts = terrasim::testing;
using models::territory::TerritoryModel;

namespace {
const std::string kDir = std::string(TERRASIM_SOURCE_DIR) + "/scenarios/amiens/";
const std::string kBaseline = kDir + "baseline.yaml";
const std::string kPacte = kDir + "pacte.yaml";
const std::string kStress = kDir + "stress-fermeture.yaml";
const std::string kSmall = "scale=0.05";

std::unique_ptr<sim::Simulation> make(const std::string& scenario, std::vector<std::string> overrides, int threads = 2) {
  return std::make_unique<sim::Simulation>(sim::load_scenario(scenario, overrides), threads);
}
TerritoryModel& model(sim::Simulation& s) { return dynamic_cast<TerritoryModel&>(s.model()); }
// The scenario's error with these overrides, or "accepted".
std::string load_error(const std::string& scenario, std::vector<std::string> overrides) {
  try {
    sim::load_scenario(scenario, overrides);
  } catch (const sim::ScenarioError& e) {
    return e.what();
  }
  return "accepted";
}
double sum(std::span<const double> v, std::size_t from, std::size_t to) {
  return std::accumulate(v.begin() + static_cast<std::ptrdiff_t>(from), v.begin() + static_cast<std::ptrdiff_t>(to), 0.0);
}
// Runs the phases of the next month up to (not including) the one named, on
// the simulation's threads (as a month runs them).
void run_phases_until(sim::Simulation& s, const std::string& stop) {
  const sim::MonthContext ctx{s.month(), s.scenario().seed()};
  bool found = false;
  s.run_on_threads([&] {
    for (auto& phase : s.model().phases()) {
      if (phase.name == stop) {
        found = true;
        return;
      }
      phase.run(ctx);
    }
  });
  if (!found) FAIL() << "no phase named " << stop;
}
// Runs one rule of the current month on the simulation's threads (as a
// month runs it), after run_phases_until ran the phases before it.
void run_rule(sim::Simulation& s, void (TerritoryModel::*rule)(const sim::MonthContext&)) {
  const sim::MonthContext ctx{s.month(), s.scenario().seed()};
  auto& m = model(s);
  s.run_on_threads([&] { (m.*rule)(ctx); });
}
}  // namespace

// ------------------------------------------------------------ conformance

TEST(TerritoryConformance, PacteSmall) { ts::run_conformance_suite(kPacte, {kSmall, "months=24"}, 9); }

// The search loop is compiled once for each count of applications the
// schema allows: the fewest and the most keep the laws too.
TEST(TerritoryConformance, FewestAndMostApplicationsKeepTheLaws) {
  for (const char* a : {"workers.applications=1", "workers.applications=16"}) {
    SCOPED_TRACE(a);
    ts::expect_same_output_across_threads(kBaseline, {kSmall, "months=12", a});
    ts::expect_invariants_every_month(kBaseline, {kSmall, "months=12", a});
  }
}

TEST(TerritoryConformance, PacteReconfiguredBetweenMonths) {
  // Jobs end more often from month 9; the clusters, policies and zones of a
  // run cannot change (they are its series and breakdowns).
  ts::expect_reconfigure_laws(kPacte, {kSmall, "months=24"}, 9, {"workers.separation_rate=0.03"},
                              {{"seed=3"}, {"clusters.numerique.name=design"},
                               {"policies.training.cluster_skills.name=other"}, {"months=8"},
                               {"policies.portal.budget_eur=1"}});
}

TEST(TerritoryConformance, PolicyDecidedAtMonthNineEqualsPolicyPlannedFromTheStart) {
  // A hiring subsidy from October 2015 (month 9), decided at month 9 or
  // written in the scenario from the start: the same run.
  ts::expect_reconfigure_equals_variant(kPacte, {kSmall, "months=24"}, 9,
                                        {"policies.hiring_subsidy.enabled=true", "policies.hiring_subsidy.start=2015-10",
                                         "policies.hiring_subsidy.end=2016-12", "policies.hiring_subsidy.budget_eur=400000",
                                         "policies.hiring_subsidy.eur_per_hire=4000"});
}

TEST(TerritoryConformance, EstablishmentGrantDecidedAtMonthNineEqualsGrantPlannedFromTheStart) {
  // Outside companies arriving (100 a year at 1:20), a grant at the health
  // site from October 2015: decided at month 9 or written from the start.
  ts::expect_reconfigure_equals_variant(kPacte, {kSmall, "months=24", "investors.4.arrivals_per_year=2000",
                                                 "investors.4.awareness=1", "investors.4.capital_eur_per_year=1e12",
                                                 "investors.4.plant_jobs_mean=4"},
                                        9,
                                        {"policies.establishment_grant.enabled=true",
                                         "policies.establishment_grant.start=2015-10",
                                         "policies.establishment_grant.budget_eur=2e6",
                                         "policies.establishment_grant.sites=[{zone: site_sante, eur_per_job: 15000}]"});
}

TEST(TerritoryConformance, CorruptCheckpointsAreRefused) {
  ts::expect_corrupt_checkpoints_refused(kPacte, {"scale=0.02", "months=12"}, 4, 200);
}

// A checkpoint whose firm sizes are not the counts of their employees is
// refused (the invariants checked on restoring): the census and the record
// read the jobs of the zones and sectors from the sizes.
TEST(TerritoryConformance, CheckpointWithAFirmSizeThatMiscountsItsEmployeesIsRefused) {
  sim::Simulation s(sim::load_scenario(kBaseline, {kSmall}), 1);
  s.step();
  const std::string payload = s.checkpoint_payload();
  const std::string name = "firm_size";
  std::string tag(8, '\0');
  const std::uint64_t length = name.size();
  std::memcpy(tag.data(), &length, 8);
  tag += name;
  const std::size_t at = payload.find(tag);
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(payload.find(tag, at + 1), std::string::npos);
  // The column: its tag, its length, then the sizes (32 bits each); the
  // first firm slot's size one more than its employees.
  std::string bad = payload;
  std::uint32_t size = 0;
  std::memcpy(&size, bad.data() + at + tag.size() + 8, 4);
  ++size;
  std::memcpy(bad.data() + at + tag.size() + 8, &size, 4);
  EXPECT_NO_THROW(sim::Simulation::resume(sim::ArchiveReader(payload, "the checkpoint"), 1));
  try {
    sim::Simulation::resume(sim::ArchiveReader(bad, "the checkpoint"), 1);
    FAIL() << "restored";
  } catch (const sim::CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("firm slot 0 has " + std::to_string(size - 1) + " employees, its size says " +
                                         std::to_string(size)),
              std::string::npos)
        << e.what();
  }
}

TEST(TerritoryConformance, HistoriqueSmallInvariants) {
  ts::expect_invariants_every_month(kDir + "historique.yaml", {kSmall, "months=48"});
}

TEST(TerritoryConformance, BaselineFullScaleIsThreadIndependent) {
  ts::expect_same_output_across_threads(kBaseline, {"months=6"});
}

// The plant closure (2015-09) releases 1,100 workers at once: the closures
// pass lists the employees concerned in parallel over blocks of workers.
TEST(TerritoryConformance, MassClosureFullScaleIsThreadIndependent) {
  ts::expect_same_output_across_threads(kDir + "stress-fermeture.yaml", {"months=10"});
}

// ------------------------------------------------------------ rules

// Cash (docs/model.md): cash += value added x productivity x min(employees,
// target) - wages (the sector's wage at the mean skill x the firm's wage
// factor, a job) - capital costs ((margin - net_margin) x value added x
// employees) - fixed_cost_eur + a shock; capped at cash_buffer_months of
// wage bill (of at least one job); a loss beyond the cash is covered by the
// firm's reserve as far as it goes; a firm whose cash is then negative
// fails. Without shocks, each firm's cash is that to within rounding
// (reserves given to every seventh firm, a fixed cost that sinks some).
// With them, the shocks are N(0, (cash_volatility x value added)^2 x
// max(1, employees)). Fails with sales on the employees rather than
// min(employees, target), the capital cost or the fixed cost left out, the
// cap on the target's wage bill, the reserve not drawn, or the shocks'
// size x1.1 (checked).
TEST(TerritoryRules, CashFollowsSalesWagesCapitalAndFixedCosts) {
  struct Month {
    std::vector<double> before, after, reserve_after;
    std::vector<std::uint8_t> closing;
  };
  auto account = [](double volatility, std::function<void(TerritoryModel&)> check_before = {}) {
    auto s = make(kBaseline, {"firms.fixed_cost_eur=6000", "firms.cash_volatility=" + std::to_string(volatility),
                              "firms.ess_volatility_factor=1"});
    auto& m = model(*s);
    run_phases_until(*s, "cash and failures");
    for (std::size_t f = 0; f < m.firm_alive().size(); f += 7)
      if (m.firm_alive()[f]) m.grant(static_cast<std::uint32_t>(f), 2000.0 * static_cast<double>(f % 5));
    if (check_before) check_before(m);
    Month r;
    r.before = m.firm_cash();
    run_rule(*s, &TerritoryModel::account_cash_and_fail);
    r.after = m.firm_cash();
    r.reserve_after = m.firm_reserve();
    r.closing = m.closing();
    return std::make_pair(std::move(s), std::move(r));
  };
  std::vector<double> reserve_before;
  auto [s, plain] = account(0, [&](TerritoryModel& m) { reserve_before = m.firm_reserve(); });
  auto& m = model(*s);
  const auto& p = m.params();
  ASSERT_TRUE(p.events.empty());
  double mean_factor = 0;
  for (const auto& k : p.skills) mean_factor += k.share * k.wage_factor;
  std::int64_t firms = 0, capped = 0, covered = 0, failed = 0, beyond_target = 0;
  std::vector<double> unit_wage(plain.after.size(), 0), shock_scale(plain.after.size(), 0);
  for (std::size_t f = 0; f < plain.after.size(); ++f) {
    if (!m.firm_alive()[f]) continue;
    ++firms;
    const auto& sector = p.sectors[m.firm_sector()[f]];
    const double va = sector.wage_eur / (1 - sector.margin);
    unit_wage[f] = m.wage_for(static_cast<std::uint32_t>(f), 0) / p.skills[0].wage_factor * mean_factor;
    const double size = m.firm_size()[f], target = m.firm_target()[f];
    double c = plain.before[f] + va * static_cast<double>(m.firm_productivity()[f]) * std::min(size, target) -
               unit_wage[f] * size - (sector.margin - p.net_margin) * va * size - p.fixed_cost_eur;
    const double cap = p.cash_buffer_months * unit_wage[f] * std::max(1.0, size);
    capped += c > cap;
    c = std::min(c, cap);
    double reserve = reserve_before[f];
    if (c < 0 && reserve > 0) {
      const double cover = std::min(reserve, -c);
      c += cover;
      reserve -= cover;
      ++covered;
    }
    beyond_target += size > target;
    failed += c < 0;
    const double tolerance = 1e-9 * (std::abs(plain.before[f]) + cap + va * size + p.fixed_cost_eur);
    ASSERT_NEAR(plain.after[f], c, tolerance) << "firm " << f << " of " << size << " employees, target " << target;
    ASSERT_NEAR(plain.reserve_after[f], reserve, tolerance) << f;
    ASSERT_EQ(plain.closing[f], c < 0 ? 1 : 0) << f;
    shock_scale[f] = p.cash_volatility * va * std::sqrt(std::max(1.0, size));
  }
  EXPECT_GT(capped, 100);
  EXPECT_GT(covered, 20);
  EXPECT_GT(failed, 20);
  EXPECT_GT(beyond_target, 100);
  EXPECT_LT(failed, firms / 4);

  // The shocks: where neither run was capped nor covered by a reserve, the
  // difference is the shock.
  const double volatility = 0.2;
  auto [s2, shaken] = account(volatility);
  double sum = 0, squares = 0, n = 0;
  for (std::size_t f = 0; f < plain.after.size(); ++f) {
    if (!m.firm_alive()[f] || reserve_before[f] > 0) continue;
    const double size = std::max(1.0, static_cast<double>(m.firm_size()[f]));
    const double cap = p.cash_buffer_months * unit_wage[f] * size;
    if (plain.after[f] >= cap * (1 - 1e-12) || shaken.after[f] >= cap * (1 - 1e-12)) continue;
    const auto& sector = p.sectors[m.firm_sector()[f]];
    const double z = (shaken.after[f] - plain.after[f]) / (volatility * sector.wage_eur / (1 - sector.margin) * std::sqrt(size));
    sum += z;
    squares += z * z;
    n += 1;
  }
  EXPECT_GT(n, 1000);
  EXPECT_NEAR(sum / n, 0, 4 / std::sqrt(n));
  EXPECT_NEAR(squares / n, 1, 4 * std::sqrt(2 / n)) << n << " firms";
}

// Demand: each firm's market share takes a mean-one log-normal shock,
// log share += demand_volatility x N(0, 1) - demand_volatility^2 / 2; and a
// firm at productivity 1 (mature, outside the open clusters) gets the
// target round(K x share), K one number a sector (its tradable demand per
// unit of share and its part of the sector's local jobs): so for each
// sector some K must round every such firm's share to its target. Fails with the shock's size x1.1, without the
// drift, or with the local jobs shared by employees rather than by share
// (checked).
TEST(TerritoryRules, MarketSharesTakeTheirShockAndTargetsFollowThem) {
  auto s = make(kBaseline, {"firms.demand_volatility=0.2"});
  auto& m = model(*s);
  const auto& p = m.params();
  ASSERT_TRUE(p.events.empty());
  run_phases_until(*s, "demand and targets");
  const auto latent = m.firm_latent();
  run_rule(*s, &TerritoryModel::update_demand);
  const double sigma = p.demand_volatility;
  double sum = 0, squares = 0, n = 0;
  const std::size_t ns = p.sectors.size();
  std::vector<double> lowest(ns, 0), highest(ns, std::numeric_limits<double>::infinity());
  std::vector<std::int64_t> mature(ns, 0);
  for (std::size_t f = 0; f < latent.size(); ++f) {
    if (!m.firm_alive()[f]) continue;
    const double z = (std::log(m.firm_latent()[f] / latent[f]) + 0.5 * sigma * sigma) / sigma;
    sum += z;
    squares += z * z;
    n += 1;
    if (m.firm_productivity()[f] != 1.0f) continue;  // young, or in an open cluster
    const std::size_t k = m.firm_sector()[f];
    const double share = m.firm_latent()[f], target = m.firm_target()[f];
    ++mature[k];
    // round(K x share) = target: K in [target - 0.5, target + 0.5] / share
    // (for a target of 1, the floor: K x share below 1.5).
    lowest[k] = std::max(lowest[k], target == 1 ? 0.0 : (target - 0.5) / share);
    highest[k] = std::min(highest[k], (target + 0.5) / share);
  }
  EXPECT_GT(n, 10000);
  EXPECT_NEAR(sum / n, 0, 4 / std::sqrt(n));
  EXPECT_NEAR(squares / n, 1, 4 * std::sqrt(2 / n));
  for (std::size_t k = 0; k < ns; ++k) {
    EXPECT_GT(mature[k], 50) << p.sectors[k].name;
    EXPECT_LE(lowest[k], highest[k] * (1 + 1e-12)) << p.sectors[k].name << ": no K rounds every share to its target";
  }
}

TEST(TerritoryRules, FirmWithoutCashFails) {
  auto s = make(kBaseline, {kSmall, "months=3"});
  auto& m = model(*s);
  std::uint32_t victim = 0;
  while (m.firm_size()[victim] < 3) ++victim;
  const std::uint32_t employees = m.firm_size()[victim];
  run_phases_until(*s, "cash and failures");
  m.set_firm_cash(victim, -1e9);
  const sim::MonthContext ctx{0, s->scenario().seed()};
  s->run_on_threads([&] { m.account_cash_and_fail(ctx); });
  std::vector<std::uint32_t> staff;
  for (std::size_t w = 0; w < m.employer().size(); ++w)
    if (m.status()[w] == models::territory::kEmployed && m.employer()[w] == victim) staff.push_back(static_cast<std::uint32_t>(w));
  EXPECT_GE(staff.size() + 3, employees);  // separations may have taken a few
  const auto before = m.firms_alive();
  s->run_on_threads([&] { m.release_workers(ctx); });
  EXPECT_EQ(m.firm_alive()[victim], 0);
  EXPECT_EQ(m.firms_alive(), before - m.month_closures());
  for (auto w : staff) EXPECT_EQ(m.status()[w], models::territory::kUnemployed);
}

// An open cluster's productivity gain is (1 + agglomeration_elasticity x
// log(1 + its jobs / (reference_jobs x scale))) x (1 + lab_spillover if it
// has a lab), its jobs the employees of the live firms of its sector at its
// site; a firm of an open cluster has the gain x its own productivity by
// age (1 - young_productivity_penalty x max(0, 1 - age / young_age_months)),
// every other firm the latter alone. Checked in the demand phase of month
// 36 of the pact, when the three clusters are open. Fails without the lab's
// spillover, with the reference unscaled, with the jobs of the whole site,
// or with the gain withheld from young members (checked).
TEST(TerritoryRules, ClusterProductivityGrowsWithItsSize) {
  auto s = make(kPacte, {"months=40", "scale=0.5"});
  auto& m = model(*s);
  const auto& p = m.params();
  for (int k = 0; k < 36; ++k) s->step();
  run_phases_until(*s, "demand and targets");
  run_rule(*s, &TerritoryModel::update_demand);
  std::vector<double> jobs(p.clusters.size(), 0);
  std::vector<int> cluster(m.firm_alive().size(), -1);
  for (std::size_t f = 0; f < m.firm_alive().size(); ++f) {
    if (!m.firm_alive()[f]) continue;
    for (std::size_t c = 0; c < p.clusters.size(); ++c)
      if (m.firm_zone()[f] == p.clusters[c].site && m.firm_sector()[f] == p.clusters[c].sector) {
        ASSERT_GE(p.clusters[c].opening, 0);
        ASSERT_GE(s->month(), p.clusters[c].opening);  // all open by now
        jobs[c] += m.firm_size()[f];
        cluster[f] = static_cast<int>(c);
        break;
      }
  }
  int labs = 0;
  for (std::size_t c = 0; c < p.clusters.size(); ++c) {
    const auto& k = p.clusters[c];
    SCOPED_TRACE(k.name);
    EXPECT_GT(jobs[c], 20);
    EXPECT_EQ(m.cluster_jobs(c), jobs[c]);
    const double gain = (1 + k.agglomeration_elasticity * std::log1p(jobs[c] / (k.reference_jobs * p.scale))) *
                        (1 + (k.lab ? k.lab_spillover : 0.0));
    EXPECT_NEAR(m.cluster_productivity(c), gain, 1e-12);
    labs += k.lab && k.lab_spillover > 0;
  }
  EXPECT_GT(labs, 0);
  int young_members = 0, members = 0;
  for (std::size_t f = 0; f < m.firm_alive().size(); ++f) {
    if (!m.firm_alive()[f]) continue;
    const double youth = std::max(0.0, 1.0 - m.firm_age()[f] / static_cast<double>(p.young_age_months));
    double prod = 1 - p.young_productivity_penalty * youth;
    if (cluster[f] >= 0) {
      prod *= m.cluster_productivity(static_cast<std::size_t>(cluster[f]));
      ++members;
      young_members += youth > 0;
    }
    ASSERT_NEAR(m.firm_productivity()[f], prod, 1e-6 * prod) << "firm " << f << " of cluster " << cluster[f];
  }
  EXPECT_GT(members, 30);
  EXPECT_GT(young_members, 10);
}

// A new firm of the baseline process takes its sector by the sectors'
// creation shares, and locates at the site of an open cluster of its sector
// that has room left with the cluster's creation share, otherwise in
// proportion to the zones' jobs. Month 0 of the pact (no cluster open yet,
// many more creations than usual): the sites get new firms by their share
// of the jobs alone; with
// the digital and health clusters opened at month 0 and the energy one full,
// half the new firms of the first two sectors at their sites, none of the
// third. Fails with a cluster taking firms before it opens, or past its
// capacity, or with its creation share x1.2 (checked).
TEST(TerritoryRules, NewFirmsLocateAtOpenClustersWithRoomByTheirCreationShare) {
  // A zone's share of the jobs.
  auto site_jobs = [](const models::territory::Params& p, std::size_t zone) {
    double all = 0;
    for (const auto& z : p.zones) all += z.job_share;
    return p.zones[zone].job_share / all;
  };
  auto created = [](std::vector<std::string> overrides) {
    overrides.insert(overrides.end(), {"creation.baseline_per_year=240000", "creation.entrepreneur_rate_unemployed=0",
                                       "creation.entrepreneur_rate_employed=0", "policies.portal.enabled=false",
                                       "policies.creation_subsidy.enabled=false"});
    auto s = make(kPacte, overrides);
    auto& m = model(*s);
    run_phases_until(*s, "firm creation");
    const auto alive = m.firm_alive();
    run_rule(*s, &TerritoryModel::create_firms);
    const auto& p = m.params();
    // [sector]: new firms, and those at the site of the sector's cluster.
    std::vector<std::int64_t> firms(p.sectors.size(), 0), at_site(p.sectors.size(), 0);
    for (std::size_t f = 0; f < m.firm_alive().size(); ++f) {
      if (!m.firm_alive()[f] || (f < alive.size() && alive[f])) continue;
      const std::size_t k = m.firm_sector()[f];
      ++firms[k];
      for (const auto& c : p.clusters) at_site[k] += c.sector == k && c.site == m.firm_zone()[f];
    }
    return std::make_tuple(std::move(s), firms, at_site);
  };
  {
    auto [s, firms, at_site] = created({});
    const auto& p = model(*s).params();
    std::int64_t all = 0;
    double shares = 0;
    for (const auto& k : p.sectors) shares += k.creation_share;
    for (std::size_t k = 0; k < p.sectors.size(); ++k) all += firms[k];
    EXPECT_GT(all, 15000);
    for (std::size_t k = 0; k < p.sectors.size(); ++k) {
      const double q = p.sectors[k].creation_share / shares, n = static_cast<double>(all);
      EXPECT_NEAR(static_cast<double>(firms[k]) / n, q, 4 * std::sqrt(q * (1 - q) / n) + 1e-12) << p.sectors[k].name;
    }
    // No cluster open before 2015-06: the sites' new firms come by their
    // share of the jobs alone.
    for (const auto& c : p.clusters) {
      const double q = site_jobs(p, c.site), n = static_cast<double>(firms[c.sector]);
      EXPECT_NEAR(static_cast<double>(at_site[c.sector]) / n, q, 4 * std::sqrt(q * (1 - q) / n))
          << c.name << ": " << at_site[c.sector] << " of " << firms[c.sector] << " before it opens";
    }
  }
  auto [s, firms, at_site] = created({"clusters[0].opening=2015-01", "clusters[1].opening=2015-01",
                                      "clusters[2].opening=2015-01", "clusters[2].capacity_jobs=0"});
  const auto& p = model(*s).params();
  for (const auto& c : p.clusters) {
    SCOPED_TRACE(c.name);
    EXPECT_GT(firms[c.sector], 100);
    const double share = c.capacity_jobs > 0 ? c.creation_share : 0.0;
    const double q = share + (1 - share) * site_jobs(p, c.site), n = static_cast<double>(firms[c.sector]);
    EXPECT_NEAR(static_cast<double>(at_site[c.sector]) / n, q, 4 * std::sqrt(q * (1 - q) / n)) << at_site[c.sector] << " of " << firms[c.sector];
  }
}

TEST(TerritoryRules, PortalRaisesCreations) {
  std::vector<double> with, without;
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const std::string sd = "seed=" + std::to_string(seed);
    auto a = make(kBaseline, {kSmall, "months=24", sd});
    auto b = make(kBaseline, {kSmall, "months=24", sd, "policies.portal.enabled=true", "policies.portal.start=2015-01",
                              "policies.portal.budget_eur=1e9", "policies.portal.creation_boost=0.5"});
    a->run();
    b->run();
    without.push_back(sum(a->recorder().series("creations"), 0, 24));
    with.push_back(sum(b->recorder().series("creations"), 0, 24));
    // Common random numbers: the portal only adds creations to the baseline's.
    EXPECT_GT(with.back(), without.back());
  }
  const double w = std::accumulate(with.begin(), with.end(), 0.0), wo = std::accumulate(without.begin(), without.end(), 0.0);
  EXPECT_NEAR(w / wo, 1.0 + 0.5 * 900.0 / 1034.0, 0.15);
}

TEST(TerritoryRules, PlantClosureReleasesExactlyItsWorkers) {
  auto s = make(kStress, {kSmall});
  auto& m = model(*s);
  const int event_month = m.params().events[0].month;
  while (s->month() < event_month) s->step();
  run_phases_until(*s, "closures and dismissals");
  // The plant is the first firm created (slot 0).
  std::vector<std::uint32_t> staff;
  for (std::size_t w = 0; w < m.employer().size(); ++w)
    if (m.status()[w] == models::territory::kEmployed && m.employer()[w] == 0) staff.push_back(static_cast<std::uint32_t>(w));
  EXPECT_GT(staff.size(), 40u);  // 1,100 x 0.05 = 55 jobs, less this month's separations
  run_rule(*s, &TerritoryModel::release_workers);
  EXPECT_EQ(m.event_released(0), static_cast<std::int64_t>(staff.size()));
  EXPECT_EQ(m.firm_alive()[0], 0);
  for (auto w : staff) EXPECT_EQ(m.status()[w], models::territory::kUnemployed);
}

// Steps `s` to the month of its first arrival event and runs that month's
// firm creation: the event (null if none), and which slots were alive
// before the creation.
std::pair<const models::territory::EventSpec*, std::vector<std::uint8_t>> create_firms_in_the_first_arrivals_month(
    sim::Simulation& s) {
  auto& m = model(s);
  const auto& events = m.params().events;
  const auto arrival = std::find_if(events.begin(), events.end(), [](const auto& e) { return !e.closure; });
  if (arrival == events.end()) return {nullptr, {}};
  while (s.month() < arrival->month) s.step();
  run_phases_until(s, "firm creation");
  std::vector<std::uint8_t> alive = m.firm_alive();
  run_rule(s, &TerritoryModel::create_firms);
  return {&*arrival, std::move(alive)};
}

// A plant whose closure is an event keeps its jobs until its month: its
// market share takes no shock, its target stays its jobs, its cash is not
// accounted (it cannot fail), and it closes in that month. An arrival
// event opens its plant in its month: in its zone and sector, with its jobs
// as its share and target, mature (the young firms' age) and at
// productivity 1. Fails with the plant's target following the demand, its
// cash accounted, or the arrival opened as a young firm (checked).
TEST(TerritoryRules, EventsCloseAndOpenPlantsAtTheirMonth) {
  {
    auto s = make(kStress, {"firms.cash_volatility=1"});
    auto& m = model(*s);
    const auto& ev = m.params().events[0];
    ASSERT_TRUE(ev.closure);
    // The plant is the first firm created (slot 0).
    ASSERT_EQ(m.firm_zone()[0], ev.zone);
    ASSERT_EQ(m.firm_sector()[0], ev.sector);
    const double share = m.firm_latent()[0], cash = m.firm_cash()[0];
    const std::uint64_t id = m.firm_id()[0];
    EXPECT_EQ(share, static_cast<double>(ev.jobs));
    while (s->month() < ev.month) {
      s->step();
      ASSERT_TRUE(m.firm_alive()[0] && m.firm_id()[0] == id) << "month " << s->month();
      ASSERT_EQ(m.firm_latent()[0], share) << "month " << s->month();
      ASSERT_EQ(m.firm_target()[0], static_cast<std::uint32_t>(ev.jobs)) << "month " << s->month();
      ASSERT_EQ(m.firm_cash()[0], cash) << "month " << s->month();
    }
    s->step();
    EXPECT_TRUE(!m.firm_alive()[0] || m.firm_id()[0] != id);  // closed (its slot may serve a new firm)
    EXPECT_GT(m.event_released(0), 0);
  }
  auto s = make(kDir + "historique.yaml", {});
  auto& m = model(*s);
  const auto& p = m.params();
  const auto [arrival, alive] = create_firms_in_the_first_arrivals_month(*s);
  ASSERT_NE(arrival, nullptr);
  std::int64_t plants = 0, arrivals = 0;
  for (const auto& e : p.events) arrivals += !e.closure && e.month == s->month();
  for (std::size_t f = 0; f < m.firm_alive().size(); ++f) {
    if (!m.firm_alive()[f] || (f < alive.size() && alive[f])) continue;
    if (m.firm_zone()[f] != arrival->zone || m.firm_sector()[f] != arrival->sector) {
      ASSERT_EQ(m.firm_age()[f], 0) << f;  // a start-up
      continue;
    }
    if (m.firm_age()[f] == 0) continue;
    ++plants;
    EXPECT_EQ(m.firm_age()[f], p.young_age_months);
    EXPECT_EQ(m.firm_productivity()[f], 1.0f);
    EXPECT_EQ(m.firm_latent()[f], static_cast<double>(arrival->jobs));
    EXPECT_EQ(m.firm_target()[f], static_cast<std::uint32_t>(arrival->jobs));
  }
  EXPECT_EQ(arrivals, 1);
  EXPECT_EQ(plants, 1);
}

// The portal adds creations only while what is left of its budget pays one
// whole: a portal whose budget is below its cost per creation changes
// nothing (its extra creations ran to the window's end, for nothing).
TEST(TerritoryRules, ThePortalStopsWhenItsBudgetCannotPayACreation) {
  auto off = make(kPacte, {kSmall, "months=18", "policies.portal.enabled=false"});
  auto broke = make(kPacte, {kSmall, "months=18", "policies.portal.budget_eur=1000",
                             "policies.portal.cost_per_creation_eur=1500", "policies.portal.creation_boost=2"});
  auto funded = make(kPacte, {kSmall, "months=18", "policies.portal.budget_eur=1e9",
                              "policies.portal.cost_per_creation_eur=1500", "policies.portal.creation_boost=2"});
  off->run();
  broke->run();
  funded->run();
  const auto vec = [](std::span<const double> x) { return std::vector<double>(x.begin(), x.end()); };
  const auto a = off->recorder().series("creations");
  EXPECT_EQ(vec(broke->recorder().series("creations")), vec(a));
  EXPECT_EQ(vec(broke->recorder().series("policy_spending")), vec(off->recorder().series("policy_spending")));
  EXPECT_GT(sum(funded->recorder().series("creations"), 6, 18), sum(a, 6, 18) + 20);  // the boost, when paid
}

// The portal's supported cash, which policy_spending leaves out, is
// recorded each month as portal_cash: the money the month's firm creation
// put into reserves when the portal is the only policy that grants any (and
// none when it is off).
TEST(TerritoryRules, PortalCashIsTheSupportedCashTheMonthGranted) {
  const std::vector<std::string> o = {kSmall, "months=10", "policies.entrepreneur_support.enabled=false"};
  auto whole = make(kPacte, o);
  whole->run();
  const auto& recorded = whole->recorder().series("portal_cash");
  double total = 0;
  for (int t = 5; t < 10; ++t) {  // the portal starts in 2015-07, month 6
    auto s = make(kPacte, o);
    while (s->month() < t) s->step();
    run_phases_until(*s, "firm creation");
    auto& m = model(*s);
    const std::vector<double> before = m.firm_reserve();
    run_rule(*s, &TerritoryModel::create_firms);
    double granted = 0;
    for (std::size_t f = 0; f < m.firm_reserve().size(); ++f)
      granted += m.firm_reserve()[f] - (f < before.size() ? before[f] : 0.0);
    EXPECT_NEAR(recorded[static_cast<std::size_t>(t)], granted, 1e-6 * std::max(1.0, granted)) << "month " << t;
    total += granted;
  }
  EXPECT_EQ(recorded[5], 0.0);
  EXPECT_GT(total, 0.0);
  auto off = make(kPacte, {kSmall, "months=10", "policies.portal.enabled=false"});
  off->run();
  for (double x : off->recorder().series("portal_cash")) EXPECT_EQ(x, 0.0);
}

// Each policy's spending of the month is recorded as spending_<policy>
// (the names of policy_names()): the parts add up to policy_spending every
// month, each part is the policy's own, and a policy whose budget is spent
// records 0 from then on (the portal, whose budget runs out long before its
// window ends), so that a report can say when each lever spent.
TEST(TerritoryRules, EachPolicysSpendingIsRecordedAndAddsUpToTheTotal) {
  auto s = make(kPacte, {kSmall, "months=30"});
  s->run();
  auto& m = model(*s);
  const auto& rec = s->recorder();
  const auto total = rec.series("policy_spending");
  std::vector<double> sum(total.size(), 0.0);
  for (std::size_t k = 0; k < m.policy_names().size(); ++k) {
    const auto part = rec.series("spending_" + m.policy_names()[k]);
    ASSERT_EQ(part.size(), total.size());
    double spent = 0;
    for (std::size_t t = 0; t < part.size(); ++t) {
      EXPECT_GE(part[t], 0.0);
      sum[t] += part[t];
      spent += part[t];
    }
    EXPECT_NEAR(spent, m.policy_spent(k), 1e-6 * std::max(1.0, spent)) << m.policy_names()[k];
  }
  for (std::size_t t = 0; t < total.size(); ++t) EXPECT_NEAR(sum[t], total[t], 1e-6 * std::max(1.0, total[t]));
  // The portal (from 2015-07 to 2020-12) spends its budget within the 30 months and records 0 after.
  const auto portal = rec.series("spending_portal");
  std::size_t last = 0;
  for (std::size_t t = 0; t < portal.size(); ++t)
    if (portal[t] > 0) last = t;
  EXPECT_GE(last, 6u);
  EXPECT_LT(last + 1, portal.size());
  const auto& names = m.policy_names();
  const auto k = static_cast<std::size_t>(std::find(names.begin(), names.end(), "portal") - names.begin());
  EXPECT_GT(m.policy_spent(k), m.policy_budget(k) - m.params().portal.cost_per_creation_eur);
}

// An arrival event's plant is an established company's: the creation
// subsidy does not pay it and investors do not fund it as a start-up, while
// the month's start-ups get both (with a subsidy and a fund that reach
// every creation). Until 6 December 2026 the plant got both.
TEST(TerritoryRules, AnArrivalsPlantIsNeitherSubsidisedNorFundedAsAStartUp) {
  auto s = make(kDir + "historique.yaml",
                {"policies.creation_subsidy.enabled=true", "policies.creation_subsidy.start=2015-01",
                 "policies.creation_subsidy.budget_eur=1e9", "policies.creation_subsidy.eur_per_creation=3000",
                 "investors.1.startup_share=1", "investors.1.awareness=1", "investors.1.capital_eur_per_year=1e12",
                 "investors.1.hurdle_rate=0"});
  auto& m = model(*s);
  const auto& p = m.params();
  const auto [arrival, alive] = create_firms_in_the_first_arrivals_month(*s);
  ASSERT_NE(arrival, nullptr);
  std::int64_t plants = 0, startups = 0, funded = 0;
  for (std::size_t f = 0; f < m.firm_alive().size(); ++f) {
    if (!m.firm_alive()[f] || (f < alive.size() && alive[f])) continue;
    if (m.firm_age()[f] == p.young_age_months) {  // the plant
      ++plants;
      EXPECT_EQ(m.firm_reserve()[f], 0.0);
      EXPECT_EQ(m.firm_latent()[f], static_cast<double>(arrival->jobs));  // no ticket's jobs
      continue;
    }
    ++startups;
    EXPECT_GE(m.firm_reserve()[f], 3000.0) << f;
    funded += m.firm_latent()[f] > m.firm_target()[f] + 1.0;
  }
  EXPECT_EQ(plants, 1);
  EXPECT_GT(startups, 10);
  EXPECT_GT(funded, startups / 2);
}

// A shrinking firm dismisses exactly its excess (employees - target), chosen
// uniformly among its employees (ranks in worker order); a closing firm
// releases everyone.
TEST(TerritoryRules, DismissalsAreExactAndUniform) {
  using models::territory::kEmployed;
  std::int64_t shrinking = 0, dismissed = 0;
  double rank_sum = 0;  // (rank + 1/2) / employees, over the dismissed workers
  for (int month = 0; month < 6; ++month) {
    auto s = make(kBaseline, {"scale=0.2", "months=8", "firms.demand_volatility=0.08"});
    auto& m = model(*s);
    for (int t = 0; t < month; ++t) s->step();
    run_phases_until(*s, "closures and dismissals");
    const std::size_t slots = m.firm_alive().size();
    std::vector<std::vector<std::uint32_t>> staff(slots);
    for (std::size_t w = 0; w < m.employer().size(); ++w)
      if (m.status()[w] == kEmployed && m.employer()[w] < slots) staff[m.employer()[w]].push_back(static_cast<std::uint32_t>(w));
    const std::vector<std::uint32_t> target(m.firm_target());
    const std::vector<std::uint8_t> alive(m.firm_alive());
    run_rule(*s, &TerritoryModel::release_workers);
    for (std::size_t f = 0; f < slots; ++f) {
      if (!alive[f] || staff[f].size() <= target[f]) continue;
      if (!m.firm_alive()[f]) {  // closed this month: everyone released
        EXPECT_EQ(m.firm_size()[f], 0u);
        continue;
      }
      ++shrinking;
      EXPECT_EQ(m.firm_size()[f], target[f]) << "firm slot " << f;
      std::uint32_t kept = 0;
      for (std::size_t r = 0; r < staff[f].size(); ++r) {
        const auto w = staff[f][r];
        if (m.status()[w] == kEmployed && m.employer()[w] == f) {
          ++kept;
        } else {
          EXPECT_EQ(m.status()[w], models::territory::kUnemployed);
          ++dismissed;
          rank_sum += (static_cast<double>(r) + 0.5) / static_cast<double>(staff[f].size());
        }
      }
      EXPECT_EQ(kept, target[f]) << "firm slot " << f;
    }
  }
  EXPECT_GT(shrinking, 200);
  ASSERT_GT(dismissed, 500);
  // Uniform ranks: the mean relative rank is 1/2 (sd 0.29 / sqrt(dismissed)).
  EXPECT_NEAR(rank_sum / static_cast<double>(dismissed), 0.5, 4 * 0.29 / std::sqrt(static_cast<double>(dismissed)));
}

// The hiring subsidy's bonus makes firms prefer long-term job seekers: more
// of them are hired in the same month from the same state (common random
// numbers), and the subsidy never spends more than its budget.
// While the hiring subsidy runs, a firm with more acceptable applicants
// than vacancies ranks them by a uniform key plus priority_bonus for those
// eligible (unemployed residents of min_unemployment_months, 24 here, or
// more): with a bonus of 1, every such firm offers its jobs to its eligible
// applicants first. Each hire of an eligible worker puts eur_per_hire in its firm's
// reserve. Fails with the bonus ignored, eligibility a month early, or the
// subsidy paid for every hire (checked).
TEST(TerritoryRules, HiringSubsidyPutsEligibleApplicantsFirstAndPaysTheirFirms) {
  using models::territory::kEmployed;
  using models::territory::kUnemployed;
  auto s = make(kBaseline, {"policies.hiring_subsidy.enabled=true", "policies.hiring_subsidy.start=2015-01",
                            "policies.hiring_subsidy.budget_eur=1e9", "policies.hiring_subsidy.eur_per_hire=1000",
                            "policies.hiring_subsidy.priority_bonus=1", "policies.hiring_subsidy.min_unemployment_months=24"});
  auto& m = model(*s);
  const auto& p = m.params();
  run_phases_until(*s, "job matching");
  const auto status = m.status();
  const auto months = m.unemployment_months();
  const auto size = m.firm_size();
  const auto target = m.firm_target();
  const auto reserve = m.firm_reserve();
  const auto employer = m.employer();
  auto eligible = [&](std::uint32_t w) {
    return status[w] == kUnemployed && m.home()[w] != p.outside && months[w] >= p.hiring_subsidy.min_unemployment_months;
  };
  run_rule(*s, &TerritoryModel::match_jobs);
  const auto a = static_cast<std::size_t>(p.applications);
  const auto& apps = m.applications();
  const std::size_t slots = size.size();
  std::vector<std::uint32_t> applicants(slots, 0), first(slots, 0), offers_first(slots, 0);
  for (std::size_t x = 0; x < apps.size(); ++x) {
    if (apps[x] == models::territory::kNoFirm) continue;
    ++applicants[apps[x]];
    const bool e = eligible(m.searchers()[x / a]);
    first[apps[x]] += e;
    offers_first[apps[x]] += e && m.offered()[x];
  }
  std::int64_t crowded = 0, mixed = 0;
  for (std::size_t f = 0; f < slots; ++f) {
    const std::uint32_t vacancies = m.firm_alive()[f] && target[f] > size[f] ? target[f] - size[f] : 0;
    if (applicants[f] <= vacancies || first[f] == 0) continue;
    ++crowded;
    mixed += first[f] < applicants[f] && first[f] < vacancies + 1;
    ASSERT_EQ(offers_first[f], std::min(first[f], vacancies)) << "firm " << f << ": " << first[f] << " eligible of "
                                                               << applicants[f] << " applicants, " << vacancies << " vacancies";
  }
  EXPECT_GT(crowded, 100);
  EXPECT_GT(mixed, 50);
  // The payments: per eligible hire, into the hiring firm's reserve; none
  // for the others (the unemployed of fewer months, the employed who move).
  std::vector<double> paid(slots, 0);
  std::int64_t subsidised = 0, others = 0;
  for (std::uint32_t w : m.searchers()) {
    if (m.status()[w] != kEmployed || (status[w] == kEmployed && m.employer()[w] == employer[w])) continue;
    if (eligible(w)) {
      paid[m.employer()[w]] += p.hiring_subsidy.eur_per_hire;
      ++subsidised;
    } else {
      ++others;
    }
  }
  for (std::size_t f = 0; f < slots; ++f) ASSERT_DOUBLE_EQ(m.firm_reserve()[f] - reserve[f], paid[f]) << "firm " << f;
  EXPECT_GT(subsidised, 200);
  EXPECT_GT(others, 200);
}

TEST(TerritoryRules, HiringSubsidyRaisesEligibleHiresWithinBudget) {
  using models::territory::kEmployed;
  using models::territory::kUnemployed;
  std::int64_t with = 0, without = 0;
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const std::string sd = "seed=" + std::to_string(seed);
    std::int64_t hired[2] = {0, 0};
    for (int subsidised = 0; subsidised < 2; ++subsidised) {
      std::vector<std::string> o{"scale=0.2", "months=2", sd};
      if (subsidised)
        o.insert(o.end(), {"policies.hiring_subsidy.enabled=true", "policies.hiring_subsidy.start=2015-01",
                           "policies.hiring_subsidy.budget_eur=1e9", "policies.hiring_subsidy.eur_per_hire=3000",
                           "policies.hiring_subsidy.priority_bonus=0.5"});
      auto s = make(kBaseline, o);
      auto& m = model(*s);
      run_phases_until(*s, "job matching");
      std::vector<std::uint32_t> eligible;
      const auto outside = m.params().outside;
      for (std::size_t w = 0; w < m.status().size(); ++w)
        if (m.status()[w] == kUnemployed && m.home()[w] != outside &&
            m.unemployment_months()[w] >= m.params().hiring_subsidy.min_unemployment_months)
          eligible.push_back(static_cast<std::uint32_t>(w));
      s->run_on_threads([&] { m.match_jobs(sim::MonthContext{0, s->scenario().seed()}); });
      for (auto w : eligible) hired[subsidised] += m.status()[w] == kEmployed;
      if (subsidised) {
        EXPECT_NEAR(m.policy_spent(2), 3000.0 * static_cast<double>(hired[1]), 1e-6);
      }
    }
    EXPECT_GT(hired[1], hired[0]) << "seed " << seed;
    without += hired[0];
    with += hired[1];
  }
  EXPECT_GT(static_cast<double>(with), 1.2 * static_cast<double>(without));
  // A small budget (scaled: 50,000 EUR at 1:20): spent out, never over, in
  // every month, though it does not divide by the subsidy per hire.
  auto s = make(kBaseline, {kSmall, "months=12", "policies.hiring_subsidy.enabled=true", "policies.hiring_subsidy.start=2015-01",
                            "policies.hiring_subsidy.budget_eur=1e6", "policies.hiring_subsidy.eur_per_hire=3000"});
  auto& m = model(*s);
  while (!s->done()) {
    s->step();
    ASSERT_LE(m.policy_spent(2), m.policy_budget(2) + 1e-6);
  }
  EXPECT_NEAR(m.policy_budget(2), 50000.0, 1e-6);
  EXPECT_NEAR(m.policy_spent(2), m.policy_budget(2), 1e-6);
}

TEST(TerritoryRules, CreationSubsidyRaisesCreations) {
  double with = 0, without = 0;
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const std::string sd = "seed=" + std::to_string(seed);
    auto a = make(kBaseline, {kSmall, "months=24", sd});
    auto b = make(kBaseline, {kSmall, "months=24", sd, "policies.creation_subsidy.enabled=true",
                              "policies.creation_subsidy.start=2015-01", "policies.creation_subsidy.budget_eur=1e9",
                              "policies.creation_subsidy.eur_per_creation=5000", "policies.creation_subsidy.creation_boost=0.5"});
    a->run();
    b->run();
    const double wo = sum(a->recorder().series("creations"), 0, 24), w = sum(b->recorder().series("creations"), 0, 24);
    EXPECT_GT(w, wo) << "seed " << seed;  // its own stream: it only adds creations
    with += w;
    without += wo;
  }
  EXPECT_NEAR(with / without, 1.0 + 0.5 * 900.0 / 1034.0, 0.15);
}

// Marketing raises every investor's awareness, and with it the arrivals of
// outside companies (Poisson(arrivals x awareness) a month).
TEST(TerritoryRules, MarketingRaisesAwarenessAndArrivals) {
  double with = 0, without = 0;
  const std::size_t outside_companies = 4;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const std::string sd = "seed=" + std::to_string(seed);
    // At 1:20, arrivals (scaled) as many as at 1:1 with 200 a year, funds
    // that never bind, small plants.
    const std::string more = "investors.4.arrivals_per_year=200", rich = "investors.4.capital_eur_per_year=1e12",
                      small = "investors.4.plant_jobs_mean=2";
    auto a = make(kBaseline, {kSmall, "months=36", sd, more, rich, small});
    auto b = make(kBaseline, {kSmall, "months=36", sd, more, rich, small, "policies.marketing.enabled=true", "policies.marketing.start=2015-01",
                              "policies.marketing.budget_eur=1e9", "policies.marketing.monthly_spend_eur=2000000",
                              "policies.marketing.awareness_per_meur=2"});
    a->run();
    b->run();
    auto& ma = model(*a);
    auto& mb = model(*b);
    ASSERT_EQ(ma.params().investors[outside_companies].kind, models::territory::InvestorKind::OutsideCompany);
    for (std::size_t k = 0; k < ma.params().investors.size(); ++k) {
      EXPECT_DOUBLE_EQ(ma.investor_awareness(k), ma.params().investors[k].awareness);
      EXPECT_GT(mb.investor_awareness(k), ma.investor_awareness(k)) << k;
    }
    const double ticket = ma.params().investors[outside_companies].ticket_eur;
    without += sum(a->recorder().series("investment_outside_companies"), 0, 36) / ticket;
    with += sum(b->recorder().series("investment_outside_companies"), 0, 36) / ticket;
  }
  // 10 a year x 0.3 awareness vs about 10 x 1: 36 vs about 110 arrivals in 4 x 3 years.
  EXPECT_GT(with, 2.0 * without);
  EXPECT_GT(without, 10.0);
}

// The month's context: each sector's tradable demand index grows by
// (1 + growth_elasticity x (GDP growth now - productivity_trend))^(1/12) a
// month; while marketing runs, each investor's awareness gain becomes
// gain x (1 - awareness_decay) + the month's spending at full scale in
// millions x awareness_per_meur, and afterwards decays alone. Followed
// month by month over six months (marketing in the first three) at a
// twentieth of the scale. Fails with the trend left out, the elasticity
// left out, the decay left out, or the spending not brought back to full
// scale (checked).
TEST(TerritoryRules, TheContextMovesDemandAndAwarenessMonthByMonth) {
  for (int t = 0; t < 6; ++t) {
    SCOPED_TRACE(t);
    auto s = make(kBaseline, {kSmall, "context.gdp_growth={2015-01: 0.03, 2015-06: -0.02}",
                              "policies.marketing.enabled=true", "policies.marketing.start=2015-01",
                              "policies.marketing.end=2015-03", "policies.marketing.budget_eur=1e9",
                              "policies.marketing.monthly_spend_eur=200000", "policies.marketing.awareness_per_meur=0.1",
                              "policies.marketing.awareness_decay=0.2"});
    auto& m = model(*s);
    const auto& p = m.params();
    for (int k = 0; k < t; ++k) s->step();
    std::vector<double> index(p.sectors.size()), gain(p.investors.size());
    for (std::size_t k = 0; k < p.sectors.size(); ++k) index[k] = m.growth_index(k);
    for (std::size_t k = 0; k < p.investors.size(); ++k) gain[k] = m.investor_awareness(k) - p.investors[k].awareness;
    run_phases_until(*s, "ageing, retirement and migration");  // the context alone
    const double g = models::territory::interpolate(p.gdp_growth, t);
    for (std::size_t k = 0; k < p.sectors.size(); ++k) {
      const double expected = index[k] * std::pow(1 + p.sectors[k].growth_elasticity * (g - p.productivity_trend), 1.0 / 12);
      ASSERT_NEAR(m.growth_index(k), expected, 1e-12) << p.sectors[k].name;
    }
    const double spent = t < 3 ? 200000.0 : 0.0;  // at full scale
    for (std::size_t k = 0; k < p.investors.size(); ++k) {
      ASSERT_LT(p.investors[k].awareness + gain[k], 0.99) << p.investors[k].name;  // below the cap
      const double expected = gain[k] * (1 - 0.2) + spent / 1e6 * 0.1;
      ASSERT_NEAR(m.investor_awareness(k) - p.investors[k].awareness, expected, 1e-12) << p.investors[k].name;
    }
    if (t == 0) {
      std::set<double> elasticities;
      for (const auto& k : p.sectors) elasticities.insert(k.growth_elasticity);
      EXPECT_GE(elasticities.size(), 3u);
      EXPECT_NE(p.productivity_trend, 0.0);
      EXPECT_NE(p.scale, 1.0);
    }
  }
}

// Investors fund a start-up only if its expected return clears their hurdle
// over the interest rate.
TEST(TerritoryRules, InvestorsFundStartupsOnlyAboveTheirHurdle) {
  // Business angels (investor 0) fund start-ups only; no sector returns 20%.
  auto low = make(kBaseline, {kSmall, "months=24", "investors.0.hurdle_rate=0.0"});
  auto high = make(kBaseline, {kSmall, "months=24", "investors.0.hurdle_rate=0.2"});
  // Only digital (12%) clears 8% + the interest rate (2% to 1.5%).
  auto digital = make(kBaseline, {kSmall, "months=24", "investors.0.hurdle_rate=0.08", "investors.0.startup_share=1",
                                  "investors.0.awareness=1"});
  low->run();
  high->run();
  digital->run();
  EXPECT_GT(sum(low->recorder().series("investment_business_angels"), 0, 24), 0.0);
  EXPECT_EQ(sum(high->recorder().series("investment_business_angels"), 0, 24), 0.0);
  // With a hurdle only digital clears, the funded start-ups are digital.
  auto& m = model(*digital);
  const double funded = sum(digital->recorder().series("investment_business_angels"), 0, 24) / m.params().investors[0].ticket_eur;
  EXPECT_GT(funded, 0.0);
  std::size_t digital_sector = 0;
  while (m.params().sectors[digital_sector].name != "digital") ++digital_sector;
  const double total_startups = sum(digital->recorder().series("creations"), 0, 24);
  // Digital is 5% of creations: funding every start-up would be 20 times more.
  EXPECT_LT(funded, 0.2 * total_startups);
}

// An investor is asked to fund each new firm with probability startup_share
// x awareness x the sector's weight / the largest weight, and funds it with
// one ticket (cash, and ticket / 1e6 x jobs_per_meur jobs of market share)
// if the sector's return x the cluster gain clears its hurdle + the
// interest rate and its funds allow. (No cluster is open in the baseline:
// the gain, 1, is not tested here.) The same month's creations are run
// with the business angels funding nothing (a hurdle of 1) and with a
// hurdle of 3.5%; each new firm's cash and share differ by one ticket or
// nothing, only in sectors that clear it, in about half of them (share
// 0.5, awareness 1, funds without limit). Fails with the ticket's jobs
// x1.2, the interest left out of the hurdle, or the ask probability
// without the start-up share (checked).
TEST(TerritoryRules, InvestorsFundNewFirmsWithATicketOfCashAndMarketShare) {
  struct Month {
    std::vector<std::uint8_t> fresh;
    std::vector<double> cash, latent;
  };
  auto create = [](double hurdle) {
    auto s = make(kBaseline, {"creation.baseline_per_year=20000", "investors.0.hurdle_rate=" + std::to_string(hurdle),
                              "investors.0.capital_eur_per_year=1e12", "investors.0.startup_share=0.5",
                              "investors.0.awareness=1", "investors.1.hurdle_rate=1", "investors.2.hurdle_rate=1",
                              "investors.3.hurdle_rate=1"});
    auto& m = model(*s);
    run_phases_until(*s, "firm creation");
    const auto alive = m.firm_alive();
    run_rule(*s, &TerritoryModel::create_firms);
    Month r;
    r.fresh.assign(m.firm_alive().size(), 0);
    for (std::size_t f = 0; f < r.fresh.size(); ++f) r.fresh[f] = m.firm_alive()[f] && (f >= alive.size() || !alive[f]);
    r.cash = m.firm_cash();
    r.latent = m.firm_latent();
    return std::make_pair(std::move(s), std::move(r));
  };
  auto [s0, none] = create(1.0);
  auto [s, some] = create(0.035);
  auto& m = model(*s);
  const auto& p = m.params();
  const auto& angels = p.investors[0];
  ASSERT_EQ(angels.name, "business_angels");
  ASSERT_EQ(some.fresh, none.fresh);
  const double interest = models::territory::interpolate(p.interest_rate, s->month());
  std::int64_t clearing = 0, funded = 0, other = 0;
  for (std::size_t f = 0; f < some.fresh.size(); ++f) {
    if (!some.fresh[f]) continue;
    const auto& sector = p.sectors[m.firm_sector()[f]];
    const double extra = some.cash[f] - none.cash[f];
    const bool ticket = std::abs(extra - angels.ticket_eur) < 1e-6;
    ASSERT_TRUE(ticket || std::abs(extra) < 1e-6) << "firm " << f << " got " << extra;
    ASSERT_NEAR(some.latent[f] - none.latent[f], ticket ? angels.ticket_eur / 1e6 * p.jobs_per_meur : 0.0, 1e-9) << f;
    if (sector.return_rate >= angels.hurdle_rate + interest) {
      ++clearing;
      funded += ticket;
    } else {
      ++other;
      ASSERT_FALSE(ticket) << f << " of " << sector.name << " (return " << sector.return_rate << ")";
    }
  }
  EXPECT_GT(clearing, 300);
  EXPECT_GT(other, 300);
  const double n = static_cast<double>(clearing);
  EXPECT_NEAR(static_cast<double>(funded) / n, 0.5, 4 * std::sqrt(0.25 / n)) << funded << " of " << clearing;
}

// An outside company chooses the zone of a new plant of sector s with
// weight prior x exp(score): prior the zone's job share (at least 0.05 at
// the site of an open cluster of s below its capacity), score
// attract_cluster x log(1 + the cluster's jobs) + attract_lab if that
// cluster has a lab, + attract_labour x log(1 + the job seekers within
// gravity reach, sum over homes of seekers x exp(-minutes / gravity_minutes)),
// + attract_grant x the grant a job in kEUR. One month of 2,000 arrivals,
// with the energy cluster (a lab) open, weights 0 / 2 / 1 / 0: each zone's
// plants against the sum of their probabilities. Fails with the labour
// term or the lab term left out, or without the prior's floor (checked).
TEST(TerritoryRules, OutsideCompaniesWeighSitesByJobsLabourAndLab) {
  auto s = make(kBaseline, {"investors.4.arrivals_per_year=24000", "investors.4.awareness=1",
                            "investors.4.capital_eur_per_year=1e12", "investors.4.hurdle_rate=0",
                            "attractiveness.cluster=0", "attractiveness.lab=2", "attractiveness.labour=1",
                            "attractiveness.grant=0", "clusters[2].opening=2015-01"});
  auto& m = model(*s);
  const auto& p = m.params();
  const std::size_t nz = p.zones.size();
  run_phases_until(*s, "investment");
  const auto alive = m.firm_alive();
  std::vector<double> seekers(nz, 0);
  for (std::size_t w = 0; w < m.status().size(); ++w) seekers[m.home()[w]] += m.status()[w] == models::territory::kUnemployed;
  run_rule(*s, &TerritoryModel::invest);
  // The weights by sector.
  std::vector<std::vector<double>> chance(p.sectors.size(), std::vector<double>(nz, 0));
  for (std::size_t k = 0; k < p.sectors.size(); ++k) {
    double total = 0;
    for (std::size_t z = 0; z < nz; ++z) {
      if (z == p.outside) continue;
      double prior = p.zones[z].job_share, score = 0;
      for (std::size_t c = 0; c < p.clusters.size(); ++c) {
        const auto& cl = p.clusters[c];
        if (cl.site != z || cl.sector != k || cl.opening < 0 || s->month() < cl.opening || m.cluster_jobs(c) >= cl.capacity_jobs)
          continue;
        score += p.attract_cluster * std::log1p(m.cluster_jobs(c) / p.scale) + (cl.lab ? p.attract_lab : 0.0);
        prior = std::max(prior, 0.05);
      }
      double reach = 0;
      for (std::size_t h = 0; h < nz; ++h) reach += seekers[h] * std::exp(-m.travel_minutes()(h, z) / p.gravity_minutes);
      score += p.attract_labour * std::log1p(reach / p.scale);
      chance[k][z] = prior * std::exp(score);
      total += chance[k][z];
    }
    for (double& x : chance[k]) x /= total;
  }
  std::vector<double> plants(nz, 0), expected(nz, 0), variance(nz, 0);
  double all = 0, energy = 0;
  for (std::size_t f = 0; f < m.firm_alive().size(); ++f) {
    if (!m.firm_alive()[f] || (f < alive.size() && alive[f])) continue;
    const std::size_t k = m.firm_sector()[f];
    all += 1;
    energy += p.sectors[k].name == "energy_storage";
    plants[m.firm_zone()[f]] += 1;
    for (std::size_t z = 0; z < nz; ++z) {
      expected[z] += chance[k][z];
      variance[z] += chance[k][z] * (1 - chance[k][z]);
    }
  }
  EXPECT_GT(all, 1500);
  EXPECT_GT(energy, 100);
  for (std::size_t z = 0; z < nz; ++z)
    EXPECT_NEAR(plants[z], expected[z], 4 * std::sqrt(variance[z]) + 1e-9) << p.zones[z].name << ", " << all << " plants";
}

// An investor's deals: Poisson(deals_per_year / 12) a month, each with a
// live firm drawn uniformly, funded with probability awareness x the
// sector's weight / the largest if the sector's return x the firm's
// productivity clears the hurdle + the interest rate (funds allowing): one
// ticket of cash and ticket / 1e6 x jobs_per_meur jobs of market share. The
// same month's investment with the region's deals (2,000 a month, funds
// without limit) and without (a hurdle of 1), with 500 creations a month
// (young firms of clearing sectors that their productivity keeps below
// the hurdle). Fails with the productivity
// left out of the expected return, the awareness left out, or the ticket's
// jobs x1.2 (checked).
TEST(TerritoryRules, InvestorsExpandFirmsWithTheirDeals) {
  struct Month {
    std::vector<double> cash, latent;
  };
  auto invest = [](double hurdle) {
    auto s = make(kBaseline, {"investors.1.deals_per_year=24000", "investors.1.capital_eur_per_year=1e12",
                              "investors.1.awareness=0.5",
                              "investors.1.hurdle_rate=" + std::to_string(hurdle), "investors.1.startup_share=0",
                              "investors.2.deals_per_year=0",
                              "investors.3.deals_per_year=0", "investors.4.arrivals_per_year=0",
                              "creation.baseline_per_year=6000", "firms.young_productivity_penalty=0.9"});
    auto& m = model(*s);
    run_phases_until(*s, "investment");
    run_rule(*s, &TerritoryModel::invest);
    return std::make_pair(std::move(s), Month{m.firm_cash(), m.firm_latent()});
  };
  auto [s0, without] = invest(1.0);
  auto [s, with] = invest(0.0);
  auto& m = model(*s);
  const auto& p = m.params();
  const auto& region = p.investors[1];
  ASSERT_EQ(region.name, "region");
  const double interest = models::territory::interpolate(p.interest_rate, s->month());
  double live = 0, clearing = 0, deals = 0;
  std::int64_t young_refused = 0;
  for (std::size_t f = 0; f < without.cash.size(); ++f) {
    if (!m.firm_alive()[f]) continue;
    live += 1;
    const double extra = with.cash[f] - without.cash[f];
    const double tickets = std::round(extra / region.ticket_eur);
    ASSERT_NEAR(extra, tickets * region.ticket_eur, 1e-6) << "firm " << f;
    ASSERT_NEAR(with.latent[f] - without.latent[f], tickets * region.ticket_eur / 1e6 * p.jobs_per_meur, 1e-9) << f;
    const bool clears = p.sectors[m.firm_sector()[f]].return_rate * m.firm_productivity()[f] >= region.hurdle_rate + interest;
    clearing += clears;
    deals += tickets;
    if (!clears) {
      ASSERT_EQ(tickets, 0) << f << " of " << p.sectors[m.firm_sector()[f]].name;
    }
    young_refused += !clears && p.sectors[m.firm_sector()[f]].return_rate >= region.hurdle_rate + interest;
  }
  EXPECT_GT(young_refused, 50);  // firms of a sector that clears, too young to clear it themselves
  const double expected = region.deals_per_year / 12 * region.awareness * clearing / live;
  EXPECT_NEAR(deals, expected, 4 * std::sqrt(expected)) << clearing << " of " << live << " firms clear";
}

// A partner fund pays its budget to its investor in equal monthly parts
// over its window (spent as a policy), which the investor then invests. The
// region without capital of its own, 100 deal draws a month, and its fund
// paying 300,000 EUR a month: exactly two tickets of 150,000 in the first
// month, none without the fund; the last payment in the window's last
// month, none after. Fails with the fund paid
// over a window a month longer, or its payment not given to the investor
// (checked).
TEST(TerritoryRules, PartnerFundsPayTheirInvestorMonthByMonth) {
  auto invest = [](bool fund, int months) {
    auto s = make(kPacte, {"investors.1.capital_eur_per_year=0", "investors.1.deals_per_year=1200",
                           "investors.1.hurdle_rate=0", "investors.1.startup_share=0",
                           "policies.partner_funds[0].start=2015-01", "policies.partner_funds[0].end=2015-12",
                           "policies.partner_funds[0].budget_eur=3600000",
                           std::string("policies.partner_funds[0].enabled=") + (fund ? "true" : "false")});
    auto& m = model(*s);
    for (int k = 0; k < months; ++k) s->step();
    run_phases_until(*s, "investment");
    const auto& names = m.policy_names();
    const auto k = static_cast<std::size_t>(std::find(names.begin(), names.end(), "fund_region") - names.begin());
    const double spent = m.policy_spent(k);
    run_rule(*s, &TerritoryModel::invest);
    return std::make_tuple(std::move(s), m.policy_spent(k) - spent, m.firm_cash());
  };
  {
    // The first month: the same state with and without the fund.
    auto [s, paid, cash] = invest(true, 0);
    auto [s0, paid0, cash0] = invest(false, 0);
    auto& m = model(*s);
    const auto& region = m.params().investors[1];
    ASSERT_EQ(region.name, "region");
    EXPECT_DOUBLE_EQ(paid, 300000.0);
    EXPECT_DOUBLE_EQ(paid0, 0.0);
    double tickets = 0;
    for (std::size_t f = 0; f < cash.size(); ++f) {
      if (!m.firm_alive()[f]) continue;
      const double extra = cash[f] - cash0[f];
      ASSERT_NEAR(extra, std::round(extra / region.ticket_eur) * region.ticket_eur, 1e-6) << f;
      tickets += std::round(extra / region.ticket_eur);
    }
    EXPECT_EQ(tickets, 2.0);
  }
  EXPECT_DOUBLE_EQ(std::get<1>(invest(true, 11)), 300000.0);  // 2015-12, the window's last month
  EXPECT_DOUBLE_EQ(std::get<1>(invest(true, 12)), 0.0);       // 2016-01: over
}

// Outside companies choose sites by attractiveness: with a stronger weight on
// the cluster's size, more of their establishments open at cluster sites.
// A cluster full to its capacity draws none: as if its weight were 0.
TEST(TerritoryRules, OutsideCompaniesPreferAttractiveSites) {
  std::int64_t at_sites[3] = {0, 0, 0}, arrivals[3] = {0, 0, 0};
  const double weights[3] = {0.0, 1.5, 1.5};
  for (int i = 0; i < 3; ++i) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
      std::vector<std::string> o = {kSmall, "months=24", "seed=" + std::to_string(seed), "creation.baseline_per_year=0",
                                    "creation.entrepreneur_rate_unemployed=0", "creation.entrepreneur_rate_employed=0",
                                    "policies.portal.enabled=false", "policies.entrepreneur_support.enabled=false",
                                    "investors.4.arrivals_per_year=20000", "investors.4.awareness=1",
                                    "investors.4.capital_eur_per_year=1e12", "investors.4.plant_jobs_mean=2",
                                    "attractiveness.cluster=" + std::to_string(weights[i])};
      // Room for every plant; or every cluster full from its first jobs.
      for (const char* c : {"numerique", "sante", "energie"})
        o.push_back(std::string("clusters.") + c + (i < 2 ? ".capacity_jobs=1e6" : ".capacity_jobs=1"));
      auto s = make(kPacte, o);
      auto& m = model(*s);
      // Let the clusters open and grow, then look at each month's new firms
      // (the arrivals: every other creation process is off).
      while (s->month() < 18) s->step();
      while (!s->done()) {
        const std::uint64_t first = *std::max_element(m.firm_id().begin(), m.firm_id().end()) + 1;
        s->step();
        for (std::size_t f = 0; f < m.firm_id().size(); ++f) {
          if (!m.firm_alive()[f] || m.firm_id()[f] < first) continue;
          ++arrivals[i];
          bool site = false;
          for (const auto& c : m.params().clusters) site |= m.firm_zone()[f] == c.site && m.firm_sector()[f] == c.sector;
          at_sites[i] += site;
        }
      }
    }
  }
  for (int i = 0; i < 3; ++i) ASSERT_GT(arrivals[i], 300) << i;
  const double p0 = static_cast<double>(at_sites[0]) / static_cast<double>(arrivals[0]);
  const double p1 = static_cast<double>(at_sites[1]) / static_cast<double>(arrivals[1]);
  const double full = static_cast<double>(at_sites[2]) / static_cast<double>(arrivals[2]);
  EXPECT_GT(p1, p0 + 0.05) << p0 << " vs " << p1;
  EXPECT_LT(full, p0 + 0.02) << p0 << " vs " << full;
}

// Scores past exp's range (attractiveness.labour of 100, the schema's most:
// scores near 1,000) still choose zones of the territory, the most
// attractive one: exp overflowed to inf, and every plant went to the last
// zone, the outside one (3,295 jobs there at scale 0.1; a review).
TEST(TerritoryRules, SiteScoresPastExpsRangeStillChooseZonesOfTheTerritory) {
  auto s = make(kBaseline, {kSmall, "months=3", "attractiveness.labour=100", "investors.4.arrivals_per_year=20000",
                            "investors.4.awareness=1", "investors.4.ticket_eur=0"});
  auto& m = model(*s);
  const std::uint64_t first = *std::max_element(m.firm_id().begin(), m.firm_id().end()) + 1;
  while (!s->done()) s->step();
  std::vector<std::int64_t> plants(m.params().zones.size(), 0);
  for (std::size_t f = 0; f < m.firm_id().size(); ++f)
    if (m.firm_alive()[f] && m.firm_id()[f] >= first) ++plants[m.firm_zone()[f]];
  EXPECT_EQ(plants[m.params().outside], 0);
  EXPECT_GT(*std::max_element(plants.begin(), plants.end()), 100);
}

// A training place so cheap that the budget pays for more than 2^64 of them
// takes the places drawn, as a free one does: the count of places the
// budget pays was cast from a double past the integer's range (undefined;
// no place at all on x86; a review).
TEST(TerritoryRules, ATrainingPlaceOfAlmostNoCostIsTakenAsAFreeOneIs) {
  std::vector<double> trainees[2];
  int i = 0;
  for (const char* cost : {"policies.training[0].cost_per_place_eur=0", "policies.training[0].cost_per_place_eur=1e-300"}) {
    auto s = make(kPacte, {kSmall, "months=12", cost});
    while (!s->done()) s->step();
    const auto series = s->recorder().series("in_training");
    trainees[i++].assign(series.begin(), series.end());
  }
  EXPECT_GT(trainees[0].back(), 0.0);
  EXPECT_EQ(trainees[0], trainees[1]);
}

// A plant's target at opening is capped at the worker slots, as every
// month's targets are: a million plants a year of a million jobs each
// stopped the run in its first month ("the firms' vacancies this month:
// 4196015806 in all, more than ... can be listed"; a review).
TEST(TerritoryRules, APlantsTargetAtOpeningIsCappedAtTheWorkerSlots) {
  auto s = make(kBaseline, {kSmall, "months=1", "investors.4.arrivals_per_year=1000000", "investors.4.ticket_eur=0",
                            "investors.4.plant_jobs_mean=1000000", "investors.4.awareness=1"});
  auto& m = model(*s);
  const std::uint64_t first = *std::max_element(m.firm_id().begin(), m.firm_id().end()) + 1;
  run_phases_until(*s, "job matching");
  std::size_t plants = 0;
  for (std::size_t f = 0; f < m.firm_id().size(); ++f) {
    if (!m.firm_alive()[f] || m.firm_id()[f] < first) continue;
    ++plants;
    EXPECT_LE(m.firm_target()[f], m.status().size()) << "firm " << f;
  }
  EXPECT_GT(plants, 1000u);
}

// The establishment grant (an implantation aid) enters the outside
// companies' choice of site, exp(attractiveness.grant x kEUR a job), and is
// paid to each plant that opens at a site offering it: per job, into its
// reserve, from the policy's budget.
namespace {
struct GrantRun {
  std::int64_t arrivals = 0, at_site = 0;
  double granted = 0;  // the new plants' reserves at the end of their first month
  double spent = 0;
};
GrantRun run_with_grant(std::uint64_t seed, std::vector<std::string> grant, std::size_t site, double eur_per_job) {
  std::vector<std::string> o = {kSmall, "months=24", "seed=" + std::to_string(seed),
                                "creation.baseline_per_year=0", "creation.entrepreneur_rate_unemployed=0",
                                "creation.entrepreneur_rate_employed=0", "investors.4.arrivals_per_year=20000",
                                "investors.4.awareness=1", "investors.4.capital_eur_per_year=1e12",
                                "investors.4.plant_jobs_mean=3"};
  o.insert(o.end(), grant.begin(), grant.end());
  auto s = make(kBaseline, o);
  auto& m = model(*s);
  GrantRun r;
  while (!s->done()) {
    const std::uint64_t first = *std::max_element(m.firm_id().begin(), m.firm_id().end()) + 1;
    s->step();
    for (std::size_t f = 0; f < m.firm_id().size(); ++f) {
      if (!m.firm_alive()[f] || m.firm_id()[f] < first) continue;  // the month's new plants
      ++r.arrivals;
      const bool here = m.firm_zone()[f] == site;
      r.at_site += here;
      // Exactly the grant a job, at the site; nothing elsewhere (no other
      // policy pays into a plant's reserve, and no accounting has run since).
      EXPECT_EQ(m.firm_reserve()[f], here ? eur_per_job * m.firm_target()[f] : 0.0) << "firm " << f;
      r.granted += m.firm_reserve()[f];
    }
  }
  r.spent = m.policy_spent(5);
  EXPECT_EQ(m.policy_names()[5], "establishment_grant");
  return r;
}
}  // namespace

TEST(TerritoryRules, EstablishmentGrantDrawsPlantsToItsSiteAndPaysEachJob) {
  const std::size_t sud = 2;  // couronne_sud: 12% of the jobs
  const std::vector<std::string> grant = {"policies.establishment_grant.enabled=true",
                                          "policies.establishment_grant.budget_eur=1e12",
                                          "policies.establishment_grant.sites=[{zone: couronne_sud, eur_per_job: 20000}]"};
  GrantRun without, with;
  for (std::uint64_t seed = 1; seed <= 2; ++seed) {
    const GrantRun a = run_with_grant(seed, {}, sud, 0.0);
    const GrantRun b = run_with_grant(seed, grant, sud, 20000.0);
    EXPECT_EQ(a.spent, 0.0);
    EXPECT_NEAR(b.spent, b.granted, 1e-6 * b.spent);  // every euro spent is in a plant's reserve
    EXPECT_GT(b.granted, 0.0);
    without.arrivals += a.arrivals, without.at_site += a.at_site;
    with.arrivals += b.arrivals, with.at_site += b.at_site;
  }
  ASSERT_GT(without.arrivals, 1000);
  ASSERT_GT(with.arrivals, 1000);
  // 20 kEUR a job at the default weight 0.05: the site's weight x e.
  const double p0 = static_cast<double>(without.at_site) / static_cast<double>(without.arrivals);
  const double p1 = static_cast<double>(with.at_site) / static_cast<double>(with.arrivals);
  const double expected = std::exp(1.0) * p0 / (1.0 - p0 + std::exp(1.0) * p0);
  EXPECT_GT(p0, 0.02);
  EXPECT_NEAR(p1, expected, 0.25 * expected) << p0 << " -> " << p1;
  // At weight 0 the grant is paid but moves no plant.
  GrantRun flat;
  for (std::uint64_t seed = 1; seed <= 2; ++seed) {
    std::vector<std::string> o = grant;
    o.push_back("attractiveness.grant=0");
    const GrantRun c = run_with_grant(seed, o, sud, 20000.0);
    flat.arrivals += c.arrivals, flat.at_site += c.at_site;
  }
  const double pf = static_cast<double>(flat.at_site) / static_cast<double>(flat.arrivals);
  EXPECT_NEAR(pf, p0, 0.3 * p0) << p0 << " vs " << pf;
  EXPECT_LT(pf, 0.7 * p1);
}

TEST(TerritoryRules, EstablishmentGrantKeepsToItsWindowAndBudget) {
  // Disabled, its sites change nothing: the run is the one without it.
  {
    auto a = make(kBaseline, {kSmall, "months=12", "investors.4.arrivals_per_year=2000"}, 1);
    auto b = make(kBaseline, {kSmall, "months=12", "investors.4.arrivals_per_year=2000",
                              "policies.establishment_grant.budget_eur=1e9",
                              "policies.establishment_grant.sites=[{zone: couronne_sud, eur_per_job: 50000}]"}, 1);
    a->run();
    b->run();
    for (const char* series : {"jobs_in_territory", "unemployment_rate", "firms", "policy_spending"}) {
      const auto x = a->recorder().series(series), y = b->recorder().series(series);
      EXPECT_TRUE(std::equal(x.begin(), x.end(), y.begin(), y.end())) << series;
    }
    EXPECT_EQ(model(*b).policy_spent(5), 0.0);
  }
  // From 2016-01 (month 12), with 2,000,000 EUR (100,000 at 1:20): nothing
  // before; then spent out, never over.
  auto s = make(kBaseline, {kSmall, "months=30", "creation.baseline_per_year=0", "investors.4.arrivals_per_year=20000",
                            "investors.4.awareness=1", "investors.4.capital_eur_per_year=1e12",
                            "policies.establishment_grant.enabled=true", "policies.establishment_grant.start=2016-01",
                            "policies.establishment_grant.budget_eur=2e6",
                            "policies.establishment_grant.sites=[{zone: couronne_sud, eur_per_job: 5000}]"});
  auto& m = model(*s);
  EXPECT_NEAR(m.policy_budget(5), 100000.0, 1e-6);
  double before = 0;
  while (!s->done()) {
    s->step();
    if (s->month() <= 12) {
      EXPECT_EQ(m.policy_spent(5), 0.0) << s->month();
    }
    ASSERT_LE(m.policy_spent(5), m.policy_budget(5) + 1e-6);
    before = m.policy_spent(5);
  }
  EXPECT_NEAR(before, 100000.0, 1e-6);
}

// Out-migration rises with the gap between local and national unemployment.
// Each job ends with the monthly separation probability, whoever holds it
// (residents, in-commuters, outside jobs): the job's holder becomes
// unemployed from this month, and the firm loses an employee. Nobody else
// changes. (A full-scale run: about 100,000 jobs, so the rate is tested to
// within four standard deviations, about 9% of itself.)
TEST(TerritoryRules, JobsEndAtTheSeparationRate) {
  auto s = make(kBaseline, {});
  auto& m = model(*s);
  run_phases_until(*s, "separations");
  const auto status = m.status();
  const auto employer = m.employer();
  const auto size = m.firm_size();
  run_rule(*s, &TerritoryModel::separate_workers);
  std::int64_t jobs = 0, ended = 0;
  std::vector<std::uint32_t> left(size.size(), 0);
  for (std::size_t w = 0; w < status.size(); ++w) {
    if (status[w] != models::territory::kEmployed) {
      ASSERT_EQ(m.status()[w], status[w]) << w;
      continue;
    }
    ++jobs;
    if (m.status()[w] == models::territory::kEmployed) {
      ASSERT_EQ(m.employer()[w], employer[w]) << w;
      continue;
    }
    ++ended;
    ASSERT_EQ(m.status()[w], models::territory::kUnemployed) << w;
    EXPECT_EQ(m.employer()[w], models::territory::kNoFirm) << w;
    EXPECT_EQ(m.unemployment_months()[w], 0) << w;
    if (employer[w] < size.size()) ++left[employer[w]];
  }
  const double p = m.params().separation_rate, n = static_cast<double>(jobs);
  EXPECT_GT(jobs, 80000);
  EXPECT_NEAR(static_cast<double>(ended) / n, p, 4 * std::sqrt(p * (1 - p) / n)) << ended << " of " << jobs;
  for (std::size_t f = 0; f < size.size(); ++f) ASSERT_EQ(m.firm_size()[f], size[f] - left[f]) << f;
}

// Unemployed residents find jobs outside the territory at
// outside_job_finding x (national rate at the start / national rate now)^
// elasticity, at their sector's wage for their skill; outside job seekers
// do not. With the national rate doubled and an elasticity of 2, a quarter
// as often.
TEST(TerritoryRules, UnemployedResidentsFindOutsideJobsAtTheirRate) {
  for (const double national : {0.10, 0.20}) {
    SCOPED_TRACE(national);
    auto s = make(kBaseline, {"commuting.outside_finding_elasticity=2",
                              "context.national_unemployment_rate={2015-01: 0.10, 2015-02: " + std::to_string(national) + "}"});
    auto& m = model(*s);
    s->step();  // month 1 (2015-02): the national rate is `national`
    run_phases_until(*s, "outside jobs");
    const auto status = m.status();
    run_rule(*s, &TerritoryModel::find_outside_jobs);
    std::int64_t seekers = 0, found = 0;
    for (std::size_t w = 0; w < status.size(); ++w) {
      const bool resident = m.home()[w] != m.params().outside;
      if (status[w] != models::territory::kUnemployed || !resident) {
        ASSERT_EQ(m.status()[w], status[w]) << w;
        continue;
      }
      ++seekers;
      if (m.status()[w] == models::territory::kUnemployed) continue;
      ++found;
      ASSERT_EQ(m.status()[w], models::territory::kEmployed) << w;
      ASSERT_EQ(m.employer()[w], models::territory::kOutsideJob) << w;
      ASSERT_EQ(m.unemployment_months()[w], 0) << w;
      // At the wage of its sector and skill. (Most of the unemployed had
      // that wage already: their firms paid the sector's wage, at
      // productivity 1.)
      const auto& sector = m.params().sectors[m.sector()[w]];
      ASSERT_EQ(m.wage()[w], static_cast<float>(sector.wage_eur * m.params().skills[m.skill()[w]].wage_factor)) << w;
    }
    const double p = m.params().outside_job_finding * std::pow(0.10 / national, 2.0), n = static_cast<double>(seekers);
    EXPECT_GT(seekers, 8000);
    EXPECT_NEAR(static_cast<double>(found) / n, p, 4 * std::sqrt(p * (1 - p) / n)) << found << " of " << seekers;
  }
}

// The zones table counts each zone's agents as its columns say: the labour
// force (employed or unemployed) and the unemployed among them by home
// zone, the outside zone's row its outside agents (its unemployed were left
// out, so that its rate was 0 beside a labour force of 26,750), and the
// rate their ratio. Read against the agents after the month's census.
TEST(TerritoryRules, TheZonesTableCountsEachZonesAgentsTheOutsideZoneIncluded) {
  using models::territory::kEmployed;
  using models::territory::kUnemployed;
  auto s = make(kBaseline, {"months=3"});
  auto& m = model(*s);
  s->step();
  s->step();
  const auto& zones = *std::find_if(s->recorder().breakdowns().begin(), s->recorder().breakdowns().end(),
                                    [](const sim::Breakdown& b) { return b.name == "zones"; });
  const std::size_t nz = zones.categories.size(), nc = zones.columns.size();
  ASSERT_EQ(zones.columns[1].name, "unemployed");
  std::vector<std::int64_t> lf(nz, 0), unemployed(nz, 0);
  for (std::size_t w = 0; w < m.status().size(); ++w) {
    const auto st = m.status()[w];
    lf[m.home()[w]] += st == kEmployed || st == kUnemployed;
    unemployed[m.home()[w]] += st == kUnemployed;
  }
  const std::size_t row = (s->recorder().rows() - 1) * nz * nc;
  for (std::size_t z = 0; z < nz; ++z) {
    SCOPED_TRACE(zones.categories[z]);
    EXPECT_EQ(zones.values[row + z * nc + 0], static_cast<double>(lf[z]));
    EXPECT_EQ(zones.values[row + z * nc + 1], static_cast<double>(unemployed[z]));
    // A cluster site has no residents: its rate is 0, as the column says.
    EXPECT_EQ(zones.values[row + z * nc + 2],
              lf[z] ? static_cast<double>(unemployed[z]) / static_cast<double>(lf[z]) : 0.0);
  }
  const std::size_t outside = m.params().outside;
  EXPECT_GT(unemployed[outside], 1000);  // about 4,000 of the outside agents seek a job at 1:1
}

// At the month's end, unemployment lengthens by a month; an unemployed
// resident unemployed for discouragement_after_months or more leaves the
// labour force with the discouragement rate, and an inactive resident
// returns to search with the return rate. Outside job seekers are never
// discouraged; nobody else changes. (A discouragement rate of 0.1 makes the
// inactive pool, discouraged x long-term / return rate, some 10,000: each
// rate is then tested to within a fifth of itself.)
TEST(TerritoryRules, LongTermUnemployedAreDiscouragedAndInactiveReturn) {
  auto s = make(kBaseline, {"workers.discouragement_rate=0.1"});
  auto& m = model(*s);
  run_phases_until(*s, "labour force drift");
  const auto status = m.status();
  const auto months = m.unemployment_months();
  const int after = m.params().discouragement_after_months;
  run_rule(*s, &TerritoryModel::drift_labour_force);
  std::int64_t long_term = 0, discouraged = 0, inactive = 0, returned = 0;
  for (std::size_t w = 0; w < status.size(); ++w) {
    const bool resident = m.home()[w] != m.params().outside;
    if (status[w] == models::territory::kUnemployed) {
      ASSERT_EQ(m.unemployment_months()[w], months[w] + 1) << w;
      if (!resident || months[w] + 1 < after) {
        ASSERT_EQ(m.status()[w], models::territory::kUnemployed) << w;
        continue;
      }
      ++long_term;
      discouraged += m.status()[w] == models::territory::kInactive;
    } else if (status[w] == models::territory::kInactive) {
      ++inactive;
      returned += m.status()[w] == models::territory::kUnemployed;
      // A resident who returns keeps the months of unemployment they had (docs/model.md): long-term at once.
      ASSERT_EQ(m.unemployment_months()[w], months[w]) << w;
      ASSERT_GE(months[w], after) << w;
    } else {
      ASSERT_EQ(m.status()[w], status[w]) << w;
    }
  }
  EXPECT_GT(long_term, 3000);
  EXPECT_GT(inactive, 8000);
  auto near = [](std::int64_t k, std::int64_t n, double p) {
    const double x = static_cast<double>(n);
    EXPECT_NEAR(static_cast<double>(k) / x, p, 4 * std::sqrt(p * (1 - p) / x)) << k << " of " << n;
  };
  near(discouraged, long_term, m.params().discouragement_rate);
  near(returned, inactive, m.params().return_rate);
}

// The month's job seekers, in worker order: every unemployed worker
// (outside job seekers too), and each employed resident with the
// on-the-job search probability; no in-commuter, trainee, inactive
// resident or free slot. (The probability raised to 0.2 in the test: some
// 16,000 of the 80,000 employed residents, to within 4 standard deviations.)
TEST(TerritoryRules, JobSeekersAreTheUnemployedAndSomeEmployedResidents) {
  auto s = make(kBaseline, {"workers.on_the_job_search=0.2"});
  auto& m = model(*s);
  run_phases_until(*s, "job matching");
  const auto status = m.status();
  run_rule(*s, &TerritoryModel::match_jobs);
  const auto& searchers = m.searchers();
  ASSERT_TRUE(std::is_sorted(searchers.begin(), searchers.end()));
  ASSERT_EQ(std::adjacent_find(searchers.begin(), searchers.end()), searchers.end());
  std::vector<std::uint8_t> searching(status.size(), 0);
  for (std::uint32_t w : searchers) searching[w] = 1;
  std::int64_t employed_residents = 0, searching_employed = 0;
  for (std::size_t w = 0; w < status.size(); ++w) {
    const bool resident = m.home()[w] != m.params().outside;
    if (status[w] == models::territory::kUnemployed) {
      ASSERT_TRUE(searching[w]) << w;
    } else if (status[w] == models::territory::kEmployed && resident) {
      ++employed_residents;
      searching_employed += searching[w];
    } else {
      ASSERT_FALSE(searching[w]) << w << " of status " << int{status[w]};
    }
  }
  const double p = m.params().on_the_job_search, n = static_cast<double>(employed_residents);
  EXPECT_GT(employed_residents, 60000);
  EXPECT_NEAR(static_cast<double>(searching_employed) / n, p, 4 * std::sqrt(p * (1 - p) / n))
      << searching_employed << " of " << employed_residents;
}

// Each application goes to zone z with probability proportional to the
// zone's vacancies x exp(-travel minutes from home / gravity_minutes). Every
// candidate is made acceptable here (no reservation wage after a month of
// unemployment, every mismatch accepted, no on-the-job search), so that the
// applications of the unemployed of a month or more are the draws
// themselves; their zones are counted by home zone against those
// probabilities. Fails with gravity_minutes doubled in the rule, or with
// the vacancies left out of the weights (checked).
TEST(TerritoryRules, ApplicationsGoToZonesByVacanciesAndTravelTime) {
  auto s = make(kBaseline, {"workers.reservation_decay=1", "workers.reservation_floor_eur=0",
                            "workers.underqualified_acceptance=1", "workers.sector_mismatch_acceptance=1",
                            "workers.on_the_job_search=0", "workers.gravity_minutes=15"});
  auto& m = model(*s);
  const auto& p = m.params();
  const std::size_t nz = p.zones.size();
  run_phases_until(*s, "job matching");
  std::vector<double> vacancies(nz, 0);
  for (std::size_t f = 0; f < m.firm_alive().size(); ++f)
    if (m.firm_alive()[f] && m.firm_target()[f] > m.firm_size()[f]) vacancies[m.firm_zone()[f]] += m.firm_target()[f] - m.firm_size()[f];
  const auto months = m.unemployment_months();
  run_rule(*s, &TerritoryModel::match_jobs);
  const auto a = static_cast<std::size_t>(p.applications);
  std::vector<double> counts(nz * nz, 0), sent(nz, 0);
  for (std::size_t i = 0; i < m.searchers().size(); ++i) {
    const std::uint32_t w = m.searchers()[i];
    if (months[w] < 1) continue;  // its reservation wage is still its last wage
    for (std::size_t j = 0; j < a; ++j) {
      const std::uint32_t f = m.applications()[i * a + j];
      if (f == models::territory::kNoFirm) continue;  // the same firm drawn again
      counts[m.home()[w] * nz + m.firm_zone()[f]] += 1;
      sent[m.home()[w]] += 1;
    }
  }
  std::int64_t homes = 0;
  for (std::size_t h = 0; h < nz; ++h) {
    if (sent[h] < 1000) continue;
    ++homes;
    double total = 0;
    for (std::size_t z = 0; z < nz; ++z) total += vacancies[z] * std::exp(-m.travel_minutes()(h, z) / p.gravity_minutes);
    for (std::size_t z = 0; z < nz; ++z) {
      const double q = vacancies[z] * std::exp(-m.travel_minutes()(h, z) / p.gravity_minutes) / total;
      EXPECT_NEAR(counts[h * nz + z], sent[h] * q, 4 * std::sqrt(sent[h] * q * (1 - q)) + 1)
          << "from " << p.zones[h].name << " to " << p.zones[z].name << ", " << sent[h] << " applications";
    }
  }
  EXPECT_GE(homes, 4);
}

// An unemployed worker applies only to firms whose wage for its skill
// reaches its reservation wage: its last wage x (1 - reservation_decay x
// months unemployed), not below reservation_floor_eur. So every hire of an
// unemployed worker pays at least that; and as the reservation falls with
// the months, some take less than their last wage, and less than half the
// decay would have let them (which a slower decay would forbid), while
// those whose reservation reached the floor take at least the floor (set
// above the lowest wages offered, so that it binds). Fails with the decay
// x1.2 or x0.5, or without the floor (checked).
TEST(TerritoryRules, UnemployedTakeJobsAtOrAboveTheirFallingReservationWage) {
  auto s = make(kBaseline, {"workers.reservation_decay=0.04", "workers.reservation_floor_eur=1800"});
  auto& m = model(*s);
  for (int k = 0; k < 6; ++k) s->step();  // a spread of durations
  run_phases_until(*s, "job matching");
  const auto status = m.status();
  const auto wage = m.wage();
  const auto months = m.unemployment_months();
  run_rule(*s, &TerritoryModel::match_jobs);
  const double decay = m.params().reservation_decay, floor = m.params().reservation_floor_eur;
  std::int64_t hired = 0, below_last = 0, below_half_decay = 0, at_floor = 0;
  for (std::size_t w = 0; w < status.size(); ++w) {
    if (status[w] != models::territory::kUnemployed || m.status()[w] != models::territory::kEmployed) continue;
    ++hired;
    const double last = wage[w], now = m.wage()[w];
    const double reservation = std::max(floor, last * (1 - decay * months[w]));
    // The wage is kept in single precision: to within its rounding.
    ASSERT_GE(now, reservation * (1 - 1e-6)) << w << ": " << months[w] << " months unemployed, last wage " << last;
    below_last += now < last;
    below_half_decay += now < std::max(floor, last * (1 - 0.5 * decay * months[w]));
    at_floor += last * (1 - decay * months[w]) <= floor;
  }
  EXPECT_GT(hired, 1000);
  EXPECT_GT(below_last, hired / 20) << hired << " hired";
  EXPECT_GT(below_half_decay, 20) << hired << " hired";
  EXPECT_GT(at_floor, 20) << hired << " hired";
}

// An employed resident who searches applies only to firms that pay at
// least its wage x (1 + switch_gain) (and never to its own employer:
// NobodyIsHiredByItsOwnEmployer): whoever changes jobs gains that much; and
// some gain less than 1.4 times that (which a rule half as strict again
// would forbid). Whoever does not
// change stays with the same firm at the same wage. Fails with the gain
// x0.8 or x1.5 (checked).
TEST(TerritoryRules, EmployedSearchersChangeJobsOnlyForTheSwitchGain) {
  auto s = make(kBaseline, {"workers.on_the_job_search=0.3", "workers.switch_gain=0.1"});
  auto& m = model(*s);
  run_phases_until(*s, "job matching");
  const auto status = m.status();
  const auto employer = m.employer();
  const auto wage = m.wage();
  run_rule(*s, &TerritoryModel::match_jobs);
  const double gain = m.params().switch_gain;
  std::int64_t switched = 0, small_gain = 0;
  for (std::size_t w = 0; w < status.size(); ++w) {
    if (status[w] != models::territory::kEmployed) continue;
    ASSERT_EQ(m.status()[w], models::territory::kEmployed) << w;
    if (m.employer()[w] == employer[w]) {
      ASSERT_EQ(m.wage()[w], wage[w]) << w;
      continue;
    }
    ++switched;
    const double before = wage[w], now = m.wage()[w];
    // Wages are kept in single precision: to within their rounding.
    ASSERT_GE(now, before * (1 + gain) * (1 - 1e-6)) << w << " moved from firm " << employer[w] << " to " << m.employer()[w];
    small_gain += now < before * (1 + 1.4 * gain);  // not 1.5: some sectors' wages are 1.15 apart
  }
  EXPECT_GT(switched, 200);
  EXPECT_GT(small_gain, 20) << switched << " switched";
}

// Nobody is hired by the firm it works for: with no gain needed, the
// matching's hires are exactly the unemployed it employs and the employed
// it moves to another firm. Fails when searchers may apply to their own
// employer (checked).
TEST(TerritoryRules, NobodyIsHiredByItsOwnEmployer) {
  auto s = make(kBaseline, {"workers.on_the_job_search=0.5", "workers.switch_gain=0"});
  auto& m = model(*s);
  for (int k = 0; k < 3; ++k) s->step();
  run_phases_until(*s, "job matching");
  const auto status = m.status();
  const auto employer = m.employer();
  const std::int64_t hires_before = m.month_hires();
  run_rule(*s, &TerritoryModel::match_jobs);
  std::int64_t from_unemployment = 0, moved = 0;
  for (std::size_t w = 0; w < status.size(); ++w) {
    if (m.status()[w] != models::territory::kEmployed) continue;
    from_unemployment += status[w] != models::territory::kEmployed;
    moved += status[w] == models::territory::kEmployed && m.employer()[w] != employer[w];
  }
  EXPECT_GT(moved, 1000);
  EXPECT_EQ(m.month_hires() - hires_before, from_unemployment + moved);
}

// Each firm offers its vacancies (target - employees) to the applicants
// that it found acceptable: to all of them if they are no more, otherwise to
// as many as it has vacancies, chosen uniformly (without a hiring subsidy,
// no priority): the offers' mean place in the firm's list of applicants is
// a half. Each searcher with offers takes the best paid (the first of
// equals), at that firm's wage for its skill and in its sector; one
// without stays as it was. Fails with the first offer taken, with the
// first applicants offered the jobs, or with every applicant offered one
// (checked).
TEST(TerritoryRules, FirmsOfferTheirVacanciesAndSearchersTakeTheBestPaidOffer) {
  auto s = make(kBaseline, {"workers.on_the_job_search=0.1"});
  auto& m = model(*s);
  run_phases_until(*s, "job matching");
  ASSERT_FALSE(m.params().hiring_subsidy.active(s->month()));
  const auto status = m.status();
  const auto employer = m.employer();
  const auto size = m.firm_size();
  const auto target = m.firm_target();
  const auto alive = m.firm_alive();
  run_rule(*s, &TerritoryModel::match_jobs);
  const auto& searchers = m.searchers();
  const auto& applications = m.applications();
  const auto& offered = m.offered();
  const auto a = static_cast<std::size_t>(m.params().applications);
  ASSERT_EQ(applications.size(), searchers.size() * a);

  // The firms: acceptable applicants, offers, and each offer's place among
  // the firm's applicants (in the order of the applications).
  const std::size_t slots = size.size();
  std::vector<std::uint32_t> applicants(slots, 0), offers(slots, 0), place(applications.size(), 0);
  for (std::size_t x = 0; x < applications.size(); ++x) {
    const std::uint32_t f = applications[x];
    if (f == models::territory::kNoFirm) {
      ASSERT_EQ(offered[x], 0) << x;
      continue;
    }
    place[x] = applicants[f]++;
    offers[f] += offered[x];
  }
  std::int64_t crowded = 0;
  double places = 0, offers_in_crowded = 0;
  for (std::size_t f = 0; f < slots; ++f) {
    const std::uint32_t vacancies = alive[f] && target[f] > size[f] ? target[f] - size[f] : 0;
    ASSERT_EQ(offers[f], std::min(applicants[f], vacancies)) << "firm " << f;
    crowded += applicants[f] > vacancies && vacancies > 0;
  }
  for (std::size_t x = 0; x < applications.size(); ++x) {
    const std::uint32_t f = applications[x];
    if (f == models::territory::kNoFirm || !offered[x] || offers[f] == applicants[f]) continue;
    places += (place[x] + 0.5) / applicants[f];
    ++offers_in_crowded;
  }
  EXPECT_GT(crowded, 100);
  EXPECT_NEAR(places / offers_in_crowded, 0.5, 4 * std::sqrt(1.0 / (12 * offers_in_crowded)))
      << offers_in_crowded << " offers by " << crowded << " firms with more applicants than vacancies";

  // The searchers: the best paid offer.
  std::int64_t hired = 0, chose = 0;
  for (std::size_t i = 0; i < searchers.size(); ++i) {
    const std::uint32_t w = searchers[i];
    std::uint32_t best = models::territory::kNoFirm;
    double best_wage = -1;
    std::size_t with_offer = 0;
    for (std::size_t j = 0; j < a; ++j) {
      if (!offered[i * a + j]) continue;
      ++with_offer;
      const std::uint32_t f = applications[i * a + j];
      const double wf = m.wage_for(f, m.skill()[w]);
      if (wf > best_wage) best_wage = wf, best = f;
    }
    if (best == models::territory::kNoFirm) {
      ASSERT_EQ(m.status()[w], status[w]) << w;
      ASSERT_EQ(m.employer()[w], employer[w]) << w;
      continue;
    }
    ++hired;
    chose += with_offer > 1;
    ASSERT_EQ(m.status()[w], models::territory::kEmployed) << w;
    ASSERT_EQ(m.employer()[w], best) << w << " had " << with_offer << " offers";
    ASSERT_EQ(m.wage()[w], static_cast<float>(best_wage)) << w;
    ASSERT_EQ(m.sector()[w], m.firm_sector()[best]) << w;
    ASSERT_EQ(m.unemployment_months()[w], 0) << w;
  }
  EXPECT_GT(hired, 1000);
  EXPECT_GT(chose, 50) << hired << " hired";
}

// A firm finds an application acceptable when the applicant's skill
// reaches the firm's and its sector is the firm's; an underqualified one
// with probability underqualified_acceptance, one from another sector with
// sector_mismatch_acceptance, one that is both with both. The same month
// is matched three times: with both probabilities 0, no mismatched
// application is acceptable; with both 1, every one sent is, and with 0.35
// and 0.6 each kind is in its proportion of those (the draws are the same,
// and a draw that passes at 0.35 passes at 1: the counts at 1 are the
// denominators; a firm drawn twice by one searcher bends this by far less
// than the tolerance). Fails with either probability x1.2, or
// the two swapped (checked).
TEST(TerritoryRules, FirmsAcceptMismatchedApplicantsAtTheirRates) {
  struct Kinds {
    std::int64_t matched = 0, underqualified = 0, other_sector = 0, both = 0;
  };
  auto accepted = [](double underqualified, double other_sector) {
    auto s = make(kBaseline, {"workers.underqualified_acceptance=" + std::to_string(underqualified),
                              "workers.sector_mismatch_acceptance=" + std::to_string(other_sector)});
    auto& m = model(*s);
    run_phases_until(*s, "job matching");
    const auto sector = m.sector();  // before the hires change it
    run_rule(*s, &TerritoryModel::match_jobs);
    const auto a = static_cast<std::size_t>(m.params().applications);
    Kinds k;
    for (std::size_t x = 0; x < m.applications().size(); ++x) {
      const std::uint32_t f = m.applications()[x], w = m.searchers()[x / a];
      if (f == models::territory::kNoFirm) continue;
      const bool under = m.skill()[w] < m.firm_skill()[f], other = sector[w] != m.firm_sector()[f];
      k.both += under && other;
      k.underqualified += under && !other;
      k.other_sector += other && !under;
      k.matched += !under && !other;
    }
    return k;
  };
  const Kinds none = accepted(0, 0), all = accepted(1, 1), some = accepted(0.35, 0.6);
  EXPECT_GT(none.matched, 1000);
  EXPECT_EQ(none.underqualified + none.other_sector + none.both, 0);
  EXPECT_EQ(some.matched, all.matched);
  EXPECT_EQ(none.matched, all.matched);
  auto near = [](std::int64_t got, std::int64_t of, double p, const char* kind) {
    const double n = static_cast<double>(of);
    EXPECT_GT(n * p, 50) << kind;
    EXPECT_NEAR(static_cast<double>(got) / n, p, 4 * std::sqrt(p * (1 - p) / n)) << kind << ": " << got << " of " << of;
  };
  near(some.underqualified, all.underqualified, 0.35, "underqualified");
  near(some.other_sector, all.other_sector, 0.6, "other sector");
  near(some.both, all.both, 0.35 * 0.6, "both");
}

// Each live firm that does not fail this month ceases with probability
// 1 - exp(-h / 12), h = (cessation_rate + (young_cessation_rate -
// cessation_rate) x max(0, 1 - age / young_age_months)) x max(1,
// employees)^-cessation_size_elasticity: the count of cessations matches
// the sum of those probabilities (to within four standard deviations),
// for all firms at one hazard (about a thousand a month: the form of the
// probability to within 12%), and for young and mature firms, one-job and
// larger ones, when the hazard falls with age and size.
TEST(TerritoryRules, FirmsCeaseWithTheirHazardByAgeAndSize) {
  struct Setting {
    std::vector<std::string> overrides;
    int months;  // run first: new firms are the young ones
  };
  const Setting settings[] = {
      {{"firms.cessation_rate=1", "firms.young_cessation_rate=1", "firms.cessation_size_elasticity=0"}, 0},
      {{"firms.cessation_rate=0.8", "firms.young_cessation_rate=1", "firms.cessation_size_elasticity=0.5"}, 12}};
  for (const auto& setting : settings) {
    SCOPED_TRACE(setting.overrides[2]);
    auto s = make(kBaseline, setting.overrides);
    auto& m = model(*s);
    ASSERT_TRUE(m.params().events.empty());  // no plant waits for its closure
    for (int k = 0; k < setting.months; ++k) s->step();
    run_phases_until(*s, "cessations");
    const auto failing = m.closing();
    run_rule(*s, &TerritoryModel::cease_firms);
    const auto& p = m.params();
    struct Group {
      const char* name;
      double expected = 0, variance = 0;
      std::int64_t ceased = 0, firms = 0;
    };
    Group all{"all"}, groups[4] = {{"young"}, {"mature, one job"}, {"mature, 2-9 jobs"}, {"mature, 10 jobs or more"}};
    for (std::size_t f = 0; f < m.firm_alive().size(); ++f) {
      if (!m.firm_alive()[f]) continue;
      if (failing[f]) {
        ASSERT_EQ(m.closing()[f], 1) << f;
        continue;
      }
      const double age = m.firm_age()[f], size = m.firm_size()[f];
      const double youth = std::max(0.0, 1.0 - age / p.young_age_months);
      double h = p.cessation_rate + (p.young_cessation_rate - p.cessation_rate) * youth;
      if (size > 1) h *= std::pow(size, -p.cessation_size_elasticity);
      const double q = -std::expm1(-h / 12.0);
      for (Group* g : {&all, &groups[youth > 0 ? 0 : size <= 1 ? 1 : size < 10 ? 2 : 3]}) {
        g->expected += q;
        g->variance += q * (1 - q);
        g->ceased += m.closing()[f];
        ++g->firms;
      }
    }
    for (const Group& g : groups) {
      if (setting.months == 0 && g.name == groups[0].name) continue;  // no young firm yet
      SCOPED_TRACE(g.name);
      EXPECT_GT(g.expected, 25.0) << g.firms << " firms";
      EXPECT_NEAR(static_cast<double>(g.ceased), g.expected, 4 * std::sqrt(g.variance)) << g.firms << " firms";
    }
    EXPECT_NEAR(static_cast<double>(all.ceased), all.expected, 4 * std::sqrt(all.variance)) << all.firms << " firms";
  }
}

// Entrants into the labour force take the lowest free slots; slots are
// added only when none is free. (More residents move out here than in the
// baseline, so that some slots stay free.)
TEST(TerritoryRules, EntrantsTakeTheLowestFreeSlots) {
  auto s = make(kBaseline, {kSmall, "workers.out_migration_employed=0.01"});
  auto& m = model(*s);
  s->step();
  s->step();
  run_phases_until(*s, "entry into the labour force");
  std::vector<std::size_t> free;
  for (std::size_t w = 0; w < m.status().size(); ++w)
    if (m.status()[w] == models::territory::kFreeSlot) free.push_back(w);
  const std::size_t slots = m.status().size();
  run_rule(*s, &TerritoryModel::enter_labour_force);
  std::size_t taken = 0;
  while (taken < free.size() && m.status()[free[taken]] != models::territory::kFreeSlot) ++taken;
  for (std::size_t i = taken; i < free.size(); ++i) ASSERT_EQ(m.status()[free[i]], models::territory::kFreeSlot) << i;
  EXPECT_GT(taken, 5u);
  EXPECT_LT(taken, free.size());  // some left free: then no slot is added
  EXPECT_EQ(m.status().size(), slots);
}

// Every resident ages a month; those who reach the retirement age retire
// (their slot is freed, a job they held ends); outside job seekers and free
// slots do not age. Without out-migration, nobody else leaves.
TEST(TerritoryRules, ResidentsAgeAMonthAndRetireAtTheRetirementAge) {
  auto s = make(kBaseline, {kSmall, "workers.out_migration_unemployed=0", "workers.out_migration_employed=0"});
  auto& m = model(*s);
  s->step();
  run_phases_until(*s, "ageing, retirement and migration");
  const auto status = m.status();
  const auto age = m.age_months();
  const auto employer = m.employer();
  const auto size = m.firm_size();
  const auto retire_at = static_cast<std::uint16_t>(m.params().retirement_age * 12);
  const auto outside = m.params().outside;
  run_rule(*s, &TerritoryModel::age_retire_and_migrate);
  std::int64_t retired = 0, residents = 0;
  std::vector<std::uint32_t> left(size.size(), 0);
  for (std::size_t w = 0; w < status.size(); ++w) {
    const bool resident = status[w] != models::territory::kFreeSlot && m.home()[w] != outside;
    if (!resident) {
      ASSERT_EQ(m.age_months()[w], age[w]) << w;
      ASSERT_EQ(m.status()[w], status[w]) << w;
      continue;
    }
    ++residents;
    ASSERT_EQ(m.age_months()[w], age[w] + 1) << w;
    if (age[w] + 1 >= retire_at) {
      ++retired;
      ASSERT_EQ(m.status()[w], models::territory::kFreeSlot) << w;
      if (status[w] == models::territory::kEmployed && employer[w] < size.size()) ++left[employer[w]];
    } else {
      ASSERT_EQ(m.status()[w], status[w]) << w;
    }
  }
  EXPECT_GT(residents, 4000);
  EXPECT_GT(retired, 5);  // about one resident in 500 a month
  EXPECT_EQ(m.month_retirements(), retired);
  EXPECT_EQ(m.month_out_migrants(), 0);
  for (std::size_t f = 0; f < size.size(); ++f) ASSERT_EQ(m.firm_size()[f], size[f] - left[f]) << f;
}

// Young people and the graduates who stay enter the labour force at
// entrants_per_year + graduates_per_year x graduate_retention a year, and
// in-migrants arrive at in_migrants_per_year when the gap does not move
// them (a sensitivity of 0): Poisson counts, each month's mean a twelfth;
// a year's totals to within four standard deviations (about 9% and 10%).
TEST(TerritoryRules, EntrantsAndInMigrantsArriveAtTheirYearlyRates) {
  auto s = make(kBaseline, {"months=12", "workers.migration_gap_sensitivity=0"});
  auto& m = model(*s);
  std::int64_t entrants = 0, in_migrants = 0;
  while (!s->done()) {
    s->step();
    entrants += m.month_entrants();
    in_migrants += m.month_in_migrants();
  }
  const auto& p = m.params();
  const double e = p.entrants_per_year + p.graduates_per_year * p.graduate_retention, i = p.in_migrants_per_year;
  EXPECT_GT(e, 1000.0);
  EXPECT_GT(i, 1000.0);
  EXPECT_NEAR(static_cast<double>(entrants), e, 4 * std::sqrt(e));
  EXPECT_NEAR(static_cast<double>(in_migrants), i, 4 * std::sqrt(i));
}

// Newcomers enter as job seekers (unemployed, no employer, no months
// unemployed) living in a zone with a labour force, in proportion to it,
// in its sector's jobs' proportions, expecting their sector's wage for their
// skill: young entrants at entry_age, with the skill levels' shares;
// graduates three years older, at the highest skill; in-migrants at any
// working age. One month's entry with many of each. Fails with graduates
// of the entrants' skills, in-migrants all of the entry age, or homes that
// include the zones without a labour force (checked).
TEST(TerritoryRules, NewcomersEnterAsJobSeekersWithTheirProfiles) {
  auto s = make(kBaseline, {"workers.entrants_per_year=60000", "workers.graduates_per_year=60000",
                            "workers.graduate_retention=1", "workers.in_migrants_per_year=60000",
                            "workers.migration_gap_sensitivity=0"});
  auto& m = model(*s);
  const auto& p = m.params();
  run_phases_until(*s, "entry into the labour force");
  const auto status = m.status();
  run_rule(*s, &TerritoryModel::enter_labour_force);
  const int entry = p.entry_age * 12, graduate = std::min(p.entry_age + 3, p.retirement_age - 1) * 12;
  const std::size_t top = p.skills.size() - 1;
  std::vector<double> by_skill(p.skills.size(), 0), by_home(p.zones.size(), 0), by_sector(p.sectors.size(), 0);
  double entrants = 0, graduates = 0, others = 0, other_ages = 0;
  for (std::size_t w = 0; w < m.status().size(); ++w) {
    if (w < status.size() && status[w] != models::territory::kFreeSlot) continue;
    if (m.status()[w] == models::territory::kFreeSlot) continue;
    ASSERT_EQ(m.status()[w], models::territory::kUnemployed) << w;
    ASSERT_EQ(m.employer()[w], models::territory::kNoFirm) << w;
    ASSERT_EQ(m.unemployment_months()[w], 0) << w;
    ASSERT_GT(p.zones[m.home()[w]].labour_force, 0) << w << " lives in " << p.zones[m.home()[w]].name;
    const auto& sector = p.sectors[m.sector()[w]];
    ASSERT_EQ(m.wage()[w], static_cast<float>(sector.wage_eur * p.skills[m.skill()[w]].wage_factor)) << w;
    by_home[m.home()[w]] += 1;
    by_sector[m.sector()[w]] += 1;
    const int age = m.age_months()[w];
    ASSERT_GE(age, entry) << w;
    ASSERT_LT(age, p.retirement_age * 12) << w;
    if (age == entry) {
      entrants += 1;
      by_skill[m.skill()[w]] += 1;
    } else if (age == graduate && m.skill()[w] == top) {
      graduates += 1;
    } else {
      others += 1;
      other_ages += age;
    }
  }
  const double month = 60000.0 / 12;
  for (double got : {entrants, graduates, others}) EXPECT_NEAR(got, month, 4 * std::sqrt(month) + 20);
  double shares = 0, labour = 0;
  for (const auto& k : p.skills) shares += k.share;
  for (const auto& z : p.zones) labour += static_cast<double>(z.labour_force);
  for (std::size_t k = 0; k < p.skills.size(); ++k) {
    const double q = p.skills[k].share / shares;
    EXPECT_NEAR(by_skill[k] / entrants, q, 4 * std::sqrt(q * (1 - q) / entrants)) << p.skills[k].name;
  }
  const double all = entrants + graduates + others;
  for (std::size_t z = 0; z < p.zones.size(); ++z) {
    const double q = static_cast<double>(p.zones[z].labour_force) / labour;
    EXPECT_NEAR(by_home[z] / all, q, 4 * std::sqrt(q * (1 - q) / all) + 1e-12) << p.zones[z].name;
  }
  double jobs = 0;
  for (const auto& k : p.sectors) jobs += k.job_share;
  for (std::size_t k = 0; k < p.sectors.size(); ++k) {
    const double q = p.sectors[k].job_share / jobs;
    EXPECT_NEAR(by_sector[k] / all, q, 4 * std::sqrt(q * (1 - q) / all)) << p.sectors[k].name;
  }
  // In-migrants' ages uniform over the working months: their mean half way.
  const double span = (p.retirement_age - p.entry_age) * 12.0;
  EXPECT_NEAR(other_ages / others, entry + (span - 1) / 2, 4 * span / std::sqrt(12 * others));
}

// Migration follows the gap between local and national unemployment
// (measured last month) above the reference gap: residents move out more
// (push = 1 + 0.2 x 100 x (gap - 0.025): about 0.5 with a gap of 0, 1.7
// with one of 6 points), and in-migrants come fewer (Poisson(in_migrants_per_year
// x pull / 12), pull = max(0, 1 - 0.2 x 100 x (gap - 0.025)): about 1.5
// and 0.3).
TEST(TerritoryRules, MigrationFollowsTheGap) {
  std::int64_t moved[2] = {0, 0}, arrived[2] = {0, 0};
  const char* national[2] = {"{2014-12: 0.12}", "{2014-12: 0.06}"};  // gap about 0 vs 6 points
  for (int i = 0; i < 2; ++i) {
    auto s = make(kBaseline, {"months=6", std::string("context.national_unemployment_rate=") + national[i]});
    auto& m = model(*s);
    while (!s->done()) {
      s->step();
      moved[i] += m.month_out_migrants();
      arrived[i] += m.month_in_migrants();
    }
  }
  EXPECT_GT(static_cast<double>(moved[1]), 2.0 * static_cast<double>(moved[0])) << moved[0] << " vs " << moved[1];
  EXPECT_GT(arrived[1], 0);
  EXPECT_GT(static_cast<double>(arrived[0]), 3.0 * static_cast<double>(arrived[1])) << arrived[0] << " vs " << arrived[1];
}

// Residents who do not retire this month move out with
// out_migration_employed if they hold a job, otherwise (unemployed, in
// training, inactive) with out_migration_unemployed, times the gap's push (1
// here: no sensitivity); their slots are freed and a job they held ends.
// Outside job seekers never move. Fails with the two rates swapped, or the
// inactive kept (checked).
TEST(TerritoryRules, ResidentsMoveOutAtTheirRates) {
  using models::territory::kEmployed;
  using models::territory::kFreeSlot;
  using models::territory::kInactive;
  using models::territory::kUnemployed;
  auto s = make(kBaseline, {"workers.migration_gap_sensitivity=0", "workers.out_migration_unemployed=0.05",
                            "workers.out_migration_employed=0.01", "workers.discouragement_rate=0.1"});
  auto& m = model(*s);
  const auto& p = m.params();
  for (int k = 0; k < 3; ++k) s->step();  // an inactive pool
  run_phases_until(*s, "ageing, retirement and migration");
  const auto status = m.status();
  const auto employer = m.employer();
  const auto age = m.age_months();
  const auto size = m.firm_size();
  run_rule(*s, &TerritoryModel::age_retire_and_migrate);
  double left[2] = {0, 0}, exposed[2] = {0, 0}, inactive_left = 0, inactive = 0;  // [employed?]
  std::vector<std::uint32_t> lost(size.size(), 0);
  for (std::size_t w = 0; w < status.size(); ++w) {
    if (status[w] == kFreeSlot) continue;
    if (m.home()[w] == p.outside) {
      ASSERT_EQ(m.status()[w], status[w]) << w;
      continue;
    }
    const bool moved = m.status()[w] == kFreeSlot;  // moved out or retired
    if (moved && status[w] == kEmployed && employer[w] < size.size()) ++lost[employer[w]];
    if (age[w] + 1 >= p.retirement_age * 12) continue;  // retires
    const int k = status[w] == kEmployed ? 1 : 0;
    exposed[k] += 1;
    left[k] += moved;
    if (status[w] == kInactive) {
      inactive += 1;
      inactive_left += moved;
    }
    if (!moved) {
      ASSERT_EQ(m.status()[w], status[w]) << w;
    }
  }
  for (std::size_t f = 0; f < size.size(); ++f) ASSERT_EQ(m.firm_size()[f], size[f] - lost[f]) << "firm " << f;
  EXPECT_GT(inactive, 2000);
  EXPECT_GT(inactive_left, 0.05 * inactive - 4 * std::sqrt(0.05 * inactive));
  const double rate[2] = {p.out_migration_unemployed, p.out_migration_employed};
  for (int k = 0; k < 2; ++k)
    EXPECT_NEAR(left[k] / exposed[k], rate[k], 4 * std::sqrt(rate[k] * (1 - rate[k]) / exposed[k]))
        << (k ? "employed" : "without a job") << ": " << left[k] << " of " << exposed[k];
}

// A push that takes a rate past 1 makes it 1: every resident moves out,
// whatever the other rate. Uncapped, the thinning kept the employed with
// out_e / out_u, so that a higher rate for the unemployed (1 against 0.01)
// kept 7,216 more employed residents at home (a review).
TEST(TerritoryRules, APushPastCertaintyMovesEveryResidentOut) {
  using models::territory::kFreeSlot;
  for (const char* unemployed : {"workers.out_migration_unemployed=1", "workers.out_migration_unemployed=0.01"}) {
    SCOPED_TRACE(unemployed);
    auto s = make(kBaseline, {kSmall, unemployed, "workers.out_migration_employed=0.01",
                              "workers.migration_gap_sensitivity=1", "workers.reference_gap=-1"});
    auto& m = model(*s);
    run_phases_until(*s, "ageing, retirement and migration");
    run_rule(*s, &TerritoryModel::age_retire_and_migrate);  // the push: 1 + 100 x (gap + 1), above 100
    std::size_t stayed = 0, outside = 0;
    for (std::size_t w = 0; w < m.status().size(); ++w) {
      if (m.home()[w] == m.params().outside) {
        outside += m.status()[w] != kFreeSlot;
        continue;
      }
      stayed += m.status()[w] != kFreeSlot;
    }
    EXPECT_EQ(stayed, 0u);
    EXPECT_GT(outside, 0u);  // outside agents never move
    for (const std::uint32_t size : m.firm_size()) EXPECT_LE(size, outside);
  }
}

// The unemployed create firms at their rate, the employed at theirs.
TEST(TerritoryRules, EntrepreneurshipHigherAmongTheUnemployed) {
  using models::territory::kEmployed;
  using models::territory::kUnemployed;
  double founders[2] = {0, 0}, exposed[2] = {0, 0};  // unemployed, employed
  for (int month = 0; month < 3; ++month) {
    auto s = make(kBaseline, {"months=4", "creation.entrepreneur_rate_unemployed=0.01",
                              "creation.entrepreneur_rate_employed=0.001"});
    auto& m = model(*s);
    for (int t = 0; t < month; ++t) s->step();
    run_phases_until(*s, "firm creation");
    const std::vector<std::uint8_t> status(m.status());
    const std::vector<std::uint32_t> employer(m.employer());
    run_rule(*s, &TerritoryModel::create_firms);
    for (std::size_t w = 0; w < status.size(); ++w) {
      if (m.home()[w] == m.params().outside || (status[w] != kEmployed && status[w] != kUnemployed)) continue;
      const int k = status[w] == kUnemployed ? 0 : 1;
      exposed[k] += 1;
      founders[k] += m.employer()[w] != employer[w];  // only founders change employer here
    }
  }
  const double ru = founders[0] / exposed[0], re = founders[1] / exposed[1];
  EXPECT_NEAR(ru, 0.01, 4 * std::sqrt(0.01 / exposed[0]));
  EXPECT_NEAR(re, 0.001, 4 * std::sqrt(0.001 / exposed[1]));
  EXPECT_GT(ru, 5 * re);
}

// Entrepreneur support raises the unemployed's rate of founding a firm to
// entrepreneur_rate_unemployed x (1 + rate_boost), leaves the employed's
// as it was, and puts grant_eur in the reserve of each firm an unemployed
// founder creates while it runs. Every founder works in its new firm, which
// lies in the founder's home zone, in the founder's sector, and pays the
// founder its wage for the founder's skill. Fails with the boost ignored,
// the grant paid to employed founders too, or the firm placed in another
// zone (checked).
TEST(TerritoryRules, SupportedFoundersCreateFirmsAtTheBoostedRateWithTheirGrant) {
  using models::territory::kEmployed;
  using models::territory::kUnemployed;
  const double ru = 0.01, re = 0.001, boost = 1, grant = 5000;
  double founders[2] = {0, 0}, exposed[2] = {0, 0};  // unemployed, employed
  for (int month = 0; month < 3; ++month) {
    auto s = make(kBaseline, {"months=4", "creation.entrepreneur_rate_unemployed=0.01",
                              "creation.entrepreneur_rate_employed=0.001", "policies.entrepreneur_support.enabled=true",
                              "policies.entrepreneur_support.rate_boost=1", "policies.entrepreneur_support.budget_eur=1e9",
                              "policies.entrepreneur_support.grant_eur=5000"});
    auto& m = model(*s);
    for (int t = 0; t < month; ++t) s->step();
    run_phases_until(*s, "firm creation");
    const auto status = m.status();
    const auto employer = m.employer();
    const auto sector = m.sector();
    const auto& names = m.policy_names();
    const auto support = static_cast<std::size_t>(std::find(names.begin(), names.end(), "entrepreneur_support") - names.begin());
    ASSERT_LT(support, names.size());
    const double spent = m.policy_spent(support);
    run_rule(*s, &TerritoryModel::create_firms);
    double granted = 0;
    for (std::size_t w = 0; w < status.size(); ++w) {
      if (m.home()[w] == m.params().outside || (status[w] != kEmployed && status[w] != kUnemployed)) continue;
      const int k = status[w] == kUnemployed ? 0 : 1;
      exposed[k] += 1;
      if (m.employer()[w] == employer[w]) continue;  // only founders change employer here
      founders[k] += 1;
      const std::uint32_t f = m.employer()[w];
      ASSERT_LT(f, m.firm_alive().size()) << w;
      ASSERT_EQ(m.status()[w], kEmployed) << w;
      ASSERT_EQ(m.firm_zone()[f], m.home()[w]) << w;
      ASSERT_EQ(m.firm_sector()[f], sector[w]) << w;
      ASSERT_EQ(m.wage()[w], static_cast<float>(m.wage_for(f, m.skill()[w]))) << w;
      ASSERT_GE(m.firm_size()[f], 1u) << w;
      ASSERT_EQ(m.firm_reserve()[f], k == 0 ? grant : 0.0) << w << (k == 0 ? ", unemployed" : ", employed");
      ASSERT_EQ(m.firm_supported()[f], k == 0 ? 1 : 0) << w;
      granted += m.firm_reserve()[f];
    }
    EXPECT_DOUBLE_EQ(m.policy_spent(support) - spent, granted);
  }
  EXPECT_NEAR(founders[0] / exposed[0], ru * (1 + boost), 4 * std::sqrt(ru * (1 + boost) / exposed[0]));
  EXPECT_NEAR(founders[1] / exposed[1], re, 4 * std::sqrt(re / exposed[1]));
}

TEST(TerritoryRules, TrainingPutsJobSeekersInTrainingWithinBudget) {
  auto s = make(kPacte, {kSmall, "months=24"});
  s->run();
  const auto& r = s->recorder();
  EXPECT_GT(r.series("in_training")[20], 0);
  auto& m = model(*s);
  for (std::size_t k = 0; k < m.policy_names().size(); ++k) EXPECT_LE(m.policy_spent(k), m.policy_budget(k) + 1e-6);
}

// A training programme fills its places of the month (Poisson around
// places_per_year / 12, paid cost_per_place_eur each) with unemployed
// residents who have been unemployed min_unemployment_months or more; a
// trainee stays duration_months, then returns to search, with a skill level
// up (at most the top one) and the programme's sector with its success rate,
// as it was otherwise. Fails with the success rate x1.2, eligibility from
// one month less, the duration a month shorter, or the places doubled
// (checked).
TEST(TerritoryRules, TrainingTakesEligibleJobSeekersAndRaisesSkillsAtItsSuccessRate) {
  using models::territory::kInTraining;
  using models::territory::kUnemployed;
  const std::vector<std::string> overrides = {
      "policies.training[0].start=2015-01", "policies.training[0].places_per_year=6000",
      "policies.training[0].duration_months=2", "policies.training[0].success_rate=0.5",
      "policies.training[0].cost_per_place_eur=1000", "policies.training[0].budget_eur=1e9",
      "policies.training[1].enabled=false"};
  // The first month's places.
  std::vector<std::uint32_t> first;
  {
    auto s = make(kPacte, overrides);
    auto& m = model(*s);
    const auto& prog = m.params().training[0];
    const auto& names = m.policy_names();
    const auto k = static_cast<std::size_t>(std::find(names.begin(), names.end(), "training_" + prog.name) - names.begin());
    ASSERT_LT(k, names.size());
    run_phases_until(*s, "training");
    const auto status = m.status();
    const auto months = m.unemployment_months();
    const double spent = m.policy_spent(k);
    run_rule(*s, &TerritoryModel::run_training);
    std::int64_t eligible = 0;
    for (std::size_t w = 0; w < status.size(); ++w) {
      const bool can = status[w] == kUnemployed && m.home()[w] != m.params().outside &&
                       months[w] >= prog.min_unemployment_months;
      eligible += can;
      if (m.status()[w] != kInTraining) continue;
      first.push_back(static_cast<std::uint32_t>(w));
      ASSERT_TRUE(can) << w << ": status " << int{status[w]} << ", " << months[w] << " months unemployed";
      ASSERT_EQ(m.employer()[w], 0u) << w;  // the programme's index
    }
    const auto trainees = static_cast<double>(first.size());
    EXPECT_GT(static_cast<double>(eligible), 2 * trainees);  // the places, not the eligible, bound them
    EXPECT_NEAR(trainees, prog.places_per_year / 12, 4 * std::sqrt(prog.places_per_year / 12));
    EXPECT_DOUBLE_EQ(m.policy_spent(k) - spent, trainees * prog.cost_per_place_eur);
  }
  // The same run (same seed): after two months they are still in training,
  // and the third month's training phase returns them to search.
  auto s = make(kPacte, overrides);
  auto& m = model(*s);
  const auto& prog = m.params().training[0];
  s->step();
  s->step();
  // Still in training, but for the few whose slot retirement or migration
  // freed (and an entrant may have taken).
  std::int64_t staying = 0;
  for (std::uint32_t w : first) staying += m.status()[w] == kInTraining && m.unemployment_months()[w] == 1;
  EXPECT_GT(static_cast<double>(staying), 0.98 * static_cast<double>(first.size()));
  run_phases_until(*s, "training");
  const auto status = m.status();
  const auto skill = m.skill();
  const auto sector = m.sector();
  run_rule(*s, &TerritoryModel::run_training);
  std::erase_if(first, [&](std::uint32_t w) { return status[w] != kInTraining; });
  const auto top = static_cast<std::uint8_t>(m.params().skills.size() - 1);
  std::int64_t decided = 0, succeeded = 0;
  for (std::uint32_t w : first) {
    ASSERT_EQ(m.status()[w], kUnemployed) << w;
    ASSERT_EQ(m.unemployment_months()[w], 0) << w;
    const bool raised = m.skill()[w] == std::min<std::uint8_t>(top, skill[w] + 1) && m.sector()[w] == prog.target_sector;
    const bool kept = m.skill()[w] == skill[w] && m.sector()[w] == sector[w];
    ASSERT_TRUE(raised || kept) << w;
    if (raised && kept) continue;  // at the top already, in the sector already: either
    ++decided;
    succeeded += raised;
  }
  const double p = prog.success_rate, n = static_cast<double>(decided);
  EXPECT_GT(decided, 300);
  EXPECT_NEAR(static_cast<double>(succeeded) / n, p, 4 * std::sqrt(p * (1 - p) / n)) << succeeded << " of " << decided;
}

TEST(TerritoryRules, PolicySpendingNeverExceedsSmallBudgets) {
  auto s = make(kPacte, {kSmall, "months=24", "policies.portal.budget_eur=20000", "policies.marketing.budget_eur=50000",
                         "policies.entrepreneur_support.budget_eur=10000"});
  auto& m = model(*s);
  while (!s->done()) {
    s->step();
    for (std::size_t k = 0; k < m.policy_names().size(); ++k)
      ASSERT_LE(m.policy_spent(k), m.policy_budget(k) + 1e-6) << m.policy_names()[k];
  }
  // Small budgets are spent out, never over.
  EXPECT_NEAR(m.policy_spent(4), m.policy_budget(4), 1e-6);  // marketing
}

TEST(TerritoryRules, PortalSupportsACreationAtItsWholeCostOrNotAtAll) {
  // A budget of 2.5 creations (3,750 EUR at scale 0.05, 1,500 a creation):
  // two are supported, and the last 750 EUR stay unspent (they were spent
  // on a creation that then went unsupported).
  auto s = make(kPacte, {kSmall, "months=24", "policies.portal.budget_eur=75000"});
  auto& m = model(*s);
  s->run();
  const auto& names = m.policy_names();
  const std::size_t portal = static_cast<std::size_t>(std::find(names.begin(), names.end(), "portal") - names.begin());
  ASSERT_LT(portal, names.size());
  EXPECT_DOUBLE_EQ(m.policy_budget(portal), 3750.0);
  EXPECT_DOUBLE_EQ(m.policy_spent(portal), 3000.0);
}

// The portal supports its own creations and the baseline's, not those the
// creation subsidy adds: the same month with and without the subsidy's
// extra creations (its boost 1, its grant 0) spends the same on the portal
// and supports the same firms, while more firms are created.
TEST(TerritoryRules, PortalSupportsItsOwnAndTheBaselinesCreationsOnly) {
  auto create = [](bool subsidy) {
    auto s = make(kPacte, {"policies.portal.start=2015-01", "policies.portal.budget_eur=1e9",
                           "policies.creation_subsidy.enabled=" + std::string(subsidy ? "true" : "false"),
                           "policies.creation_subsidy.start=2015-01", "policies.creation_subsidy.budget_eur=1e9",
                           "policies.creation_subsidy.creation_boost=1", "policies.creation_subsidy.eur_per_creation=0",
                           "creation.entrepreneur_rate_unemployed=0", "creation.entrepreneur_rate_employed=0"});
    auto& m = model(*s);
    const auto& names = m.policy_names();
    const auto portal = static_cast<std::size_t>(std::find(names.begin(), names.end(), "portal") - names.begin());
    run_phases_until(*s, "investment");  // the month's creations made
    std::int64_t supported = 0;
    for (std::size_t f = 0; f < m.firm_alive().size(); ++f) {
      if (!m.firm_alive()[f]) continue;
      supported += m.firm_reserve()[f] > 0;
      EXPECT_EQ(m.firm_supported()[f], m.firm_reserve()[f] > 0) << f;  // the portal's money, and no other
    }
    return std::make_tuple(m.policy_spent(portal), supported, m.month_creations());
  };
  const auto [spent, supported, creations] = create(false);
  const auto [spent_with, supported_with, creations_with] = create(true);
  EXPECT_GT(supported, 50);
  EXPECT_GT(creations_with, creations + 30);
  EXPECT_DOUBLE_EQ(spent_with, spent);
  EXPECT_EQ(supported_with, supported);
}

// docs/model.md, "Budgets": a policy acts only while some of its budget is
// left. With a budget of 0 the portal, entrepreneur support, the creation
// subsidy and the hiring subsidy do nothing at all: the run is the run
// without them, draw for draw. With a budget above 0 and nothing to pay per
// unit, nothing is ever spent and the boost runs to the window's end: more
// creations in the second year than with the same budget and a grant, which
// the first payment spends out (EUR 20, 1 at scale 0.05).
TEST(TerritoryRules, APolicyWithABudgetOf0DoesNothingAndOneWithNothingToPayActsForItsWholeWindow) {
  struct Run {
    std::vector<double> creations, hires, unemployment;
    double spent = 0;
  };
  auto run = [](std::vector<std::string> overrides) {
    overrides.insert(overrides.begin(), {kSmall, "months=24"});
    auto s = make(kBaseline, overrides);
    s->run();
    const auto& r = s->recorder();
    auto copy = [&](const char* name) {
      const auto v = r.series(name);
      return std::vector<double>(v.begin(), v.end());
    };
    return Run{copy("creations"), copy("hires"), copy("unemployment_rate"), r.series("policy_spending_cumulative").back()};
  };
  const Run none = run({});
  const std::vector<std::vector<std::string>> at_zero = {
      {"policies.portal.enabled=true", "policies.portal.start=2015-01", "policies.portal.budget_eur=0",
       "policies.portal.creation_boost=2", "policies.portal.cost_per_creation_eur=0",
       "policies.portal.supported_cash_months=2"},
      {"policies.entrepreneur_support.enabled=true", "policies.entrepreneur_support.start=2015-01",
       "policies.entrepreneur_support.budget_eur=0", "policies.entrepreneur_support.rate_boost=20",
       "policies.entrepreneur_support.grant_eur=5000"},
      {"policies.creation_subsidy.enabled=true", "policies.creation_subsidy.start=2015-01",
       "policies.creation_subsidy.budget_eur=0", "policies.creation_subsidy.creation_boost=2",
       "policies.creation_subsidy.eur_per_creation=3000"},
      {"policies.hiring_subsidy.enabled=true", "policies.hiring_subsidy.start=2015-01",
       "policies.hiring_subsidy.budget_eur=0", "policies.hiring_subsidy.eur_per_hire=0",
       "policies.hiring_subsidy.priority_bonus=5", "policies.hiring_subsidy.min_unemployment_months=0"}};
  for (const auto& policy : at_zero) {
    SCOPED_TRACE(policy[0]);
    const Run r = run(policy);
    EXPECT_EQ(r.creations, none.creations);
    EXPECT_EQ(r.hires, none.hires);
    EXPECT_EQ(r.unemployment, none.unemployment);
    EXPECT_EQ(r.spent, 0.0);
  }
  for (const char* name : {"entrepreneur_support", "creation_subsidy"}) {
    SCOPED_TRACE(name);
    const std::string p = std::string("policies.") + name + ".";
    const std::string boost = p + (std::string(name) == "creation_subsidy" ? "creation_boost=2" : "rate_boost=20");
    const std::string unit = p + (std::string(name) == "creation_subsidy" ? "eur_per_creation=" : "grant_eur=");
    const std::vector<std::string> common = {p + "enabled=true", p + "start=2015-01", p + "budget_eur=20", boost};
    auto with = [&](const std::string& amount) {
      auto o = common;
      o.push_back(unit + amount);
      return run(o);
    };
    const Run free = with("0"), paid = with("1000");
    EXPECT_EQ(free.spent, 0.0);
    EXPECT_DOUBLE_EQ(paid.spent, 1.0);  // the budget, EUR 20 scaled to 1, spent by the first (partial) grant
    // The boost adds about 90-100 creations a year at this scale; the second year's, still there without payments.
    EXPECT_GT(sum(free.creations, 12, 24), sum(paid.creations, 12, 24) + 40);
    EXPECT_GT(sum(free.creations, 12, 24), sum(none.creations, 12, 24) + 40);
  }
}

TEST(TerritoryRules, DefaultContextHoldsTheYear2019ToItsEnd) {
  // Interpolated straight from June 2019 to the 2020 lockdown point, the
  // shock reached back into December 2019, the pact's target month: the
  // national rate was 7.8% there, and GDP growth negative.
  auto s = make(kBaseline, {kSmall, "months=60"}, 1);
  s->run();
  const auto national = s->recorder().series("national_unemployment_rate");
  for (std::size_t t = 53; t <= 59; ++t) EXPECT_EQ(national[t], 0.081) << s->recorder().labels()[t];  // 2019-06..12
  EXPECT_EQ(s->recorder().labels()[59], "2019-12");
}

TEST(TerritoryRules, ScaleShrinksCountsNotWhatEachIsWorth) {
  // At scale 0.05 the marketing's awareness and an arriving plant's jobs
  // were scaled too (awareness counted scaled money; plants scaled in
  // number and again in size): a scaled run then drew no arrival at all.
  auto full = make(kPacte, {"months=12"}, 1), small = make(kPacte, {kSmall, "months=12"}, 1);
  for (int m = 0; m < 12; ++m) full->step(), small->step();
  const auto& f = model(*full);
  const auto& s = model(*small);
  for (std::size_t k = 0; k < f.params().investors.size(); ++k) {
    EXPECT_DOUBLE_EQ(s.investor_awareness(k), f.investor_awareness(k)) << k;
    EXPECT_DOUBLE_EQ(s.params().investors[k].plant_jobs_mean, f.params().investors[k].plant_jobs_mean) << k;
    EXPECT_DOUBLE_EQ(s.params().investors[k].arrivals_per_year, 0.05 * f.params().investors[k].arrivals_per_year) << k;
  }
  EXPECT_GT(f.investor_awareness(0), f.params().investors[0].awareness);  // the marketing did raise it
}

TEST(TerritoryRules, PolicyMoneyHelpsFirmsSurvive) {
  // Policy money went into a firm's cash, and the profits beyond the cash
  // buffer were paid out at the next accounting, the money with them: with
  // supported cash of 0 or 12 months, or a creation grant of 0 or 20,000
  // EUR, the runs were the same but for the spending. Held apart, in a
  // reserve that covers losses, it keeps supported firms alive longer.
  // Over eight seeds: on one, the grant's effect (a few closures in 130) was
  // within the noise, and a change of the calibration (outside_job_finding
  // 0.024 to 0.0215) made seed 1 give 133 closures either way.
  auto closures_with = [](std::vector<std::string> overrides) {
    overrides.insert(overrides.end(), {kSmall, "months=36", "policies.portal.budget_eur=1e9",
                                       "policies.creation_subsidy.budget_eur=1e9", ""});
    double closures = 0, reserve = 0;
    for (int seed = 1; seed <= 8; ++seed) {
      overrides.back() = "seed=" + std::to_string(seed);
      auto s = make(kPacte, overrides, 1);
      s->run();
      for (double c : s->recorder().series("closures")) closures += c;
      for (double r : model(*s).firm_reserve()) reserve += r;
    }
    std::cout << "  closures " << closures << ", reserve " << reserve << "\n";
    return std::pair{closures, reserve};
  };
  const auto none = closures_with({"policies.portal.supported_cash_months=0"});
  const auto some = closures_with({"policies.portal.supported_cash_months=12"});
  EXPECT_LT(some.first, none.first);
  EXPECT_GT(some.second, 0.0);
  const auto no_grant = closures_with({"policies.creation_subsidy.enabled=true", "policies.creation_subsidy.eur_per_creation=0"});
  const auto grant = closures_with({"policies.creation_subsidy.enabled=true", "policies.creation_subsidy.eur_per_creation=20000"});
  EXPECT_LT(grant.first, no_grant.first);
}

TEST(TerritoryRules, EveryWorkerInExactlyOneStatusAndFirmsConserved) {
  auto s = make(kPacte, {kSmall, "months=18"});
  s->run();
  const auto& r = s->recorder();
  auto& m = model(*s);
  std::array<std::int64_t, 5> count{};
  for (auto st : m.status()) ++count[st];
  EXPECT_EQ(count[0] + count[1] + count[2] + count[3] + count[4], static_cast<std::int64_t>(m.status().size()));
  const auto firms = r.series("firms"), cr = r.series("creations"), cl = r.series("closures");
  EXPECT_EQ(firms[17] - firms[0], sum(cr, 1, 18) - sum(cl, 1, 18));
}

TEST(TerritoryRules, NationalContextIsInterpolated) {
  using models::territory::interpolate;
  const std::vector<std::pair<int, double>> pts{{-1, 0.10}, {8, 0.102}, {29, 0.091}};
  EXPECT_DOUBLE_EQ(interpolate(pts, -5), 0.10);
  EXPECT_DOUBLE_EQ(interpolate(pts, 8), 0.102);
  EXPECT_NEAR(interpolate(pts, 18), 0.102 - 0.011 * 10.0 / 21.0, 1e-12);
  EXPECT_DOUBLE_EQ(interpolate(pts, 100), 0.091);
  // Points come out as given, and values between two points stay between
  // them, rounding included (0.1 -> 1 gave 1.0000000000000002 and 0.1 gave
  // 0.09999999999999998).
  const std::vector<std::pair<int, double>> steep{{0, 0.3}, {3, 0.1}, {10, 1.0}, {13, 0.0}, {17, 0.7}};
  for (const auto& [t, v] : steep) EXPECT_EQ(interpolate(steep, t), v) << t;
  for (int t = 0; t <= 17; ++t) {
    std::size_t i = 1;
    while (steep[i].first < t) ++i;
    const double lo = std::min(steep[i - 1].second, steep[i].second), hi = std::max(steep[i - 1].second, steep[i].second);
    EXPECT_GE(interpolate(steep, t), lo) << t;
    EXPECT_LE(interpolate(steep, t), hi) << t;
  }
}

TEST(TerritoryScenario, RefusesTwoOutsideZones) {
  try {
    sim::load_scenario(kBaseline, {"zones.1.kind=outside"});
    FAIL() << "accepted two outside zones";
  } catch (const sim::ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("exactly one zone of kind outside"), std::string::npos) << e.what();
  }
}

// Checks across fields, each refusing what would run without a word but
// not as written (found by a review of bad inputs).
TEST(TerritoryScenario, RefusesInconsistentWindowsLinksNamesAndPlants) {
  auto error_of = [](const std::string& file, std::vector<std::string> overrides) {
    try {
      sim::load_scenario(file, overrides);
    } catch (const sim::ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  auto expect = [&](std::vector<std::string> overrides, const std::string& where, const std::string& what,
                    const std::string& file = kBaseline) {
    const std::string e = error_of(file, overrides);
    EXPECT_NE(e.find("error: " + where + ": " + what), std::string::npos) << e;
  };
  // An investor named as the start-up funding's random stream would share its draws.
  expect({"investors.0.name=startups"}, "investors[0].name", "\"startups\" is reserved");
  // A policy window that ends before it starts (it would never run).
  expect({"policies.hiring_subsidy.enabled=true", "policies.hiring_subsidy.start=2018-01",
          "policies.hiring_subsidy.end=2016-06"},
         "policies.hiring_subsidy.end", "the window ends (2016-06) before it starts (2018-01)");
  expect({"policies.training.cluster_skills.start=2021-01"}, "policies.training[0].end",
         "the window ends (2020-12) before it starts (2021-01)", kPacte);
  // Two training programmes, or partner funds, of one name.
  expect({"policies.training[1]={name: cluster_skills, target_sector: industry}"}, "policies.training[1].name",
         "name \"cluster_skills\" is used twice (also policies.training[0])", kPacte);
  expect({"policies.partner_funds[2].name=region"}, "policies.partner_funds[2].name",
         "name \"region\" is used twice (also policies.partner_funds[0])", kPacte);
  expect({"skills[1].name=\"\""}, "skills[1].name", "an empty name: expected a name");
  // Links: to itself, twice between two zones, and a zone no link reaches.
  expect({"links[2].to=couronne_nord"}, "links[2].to", "a link from zone \"couronne_nord\" to itself");
  expect({"links[2]={from: couronne_sud, to: amiens_ville, minutes: 30}"}, "links[2]",
         "a second link between \"couronne_sud\" and \"amiens_ville\" (also links[1])");
  expect({"links[6].to=site_sante"}, "zones[5]", "no link reaches zone \"site_energie\" from \"amiens_ville\"");
  // An event before the start would never happen.
  expect({"policies.events=[{name: usine, kind: closure, month: 2014-06, zone: couronne_nord, sector: industry, "
          "jobs: 900}]"},
         "policies.events[0].month", "2014-06 is before the run starts (2015-01): the event would never happen");
  // A plant in the outside zone, or with more jobs than the labour force.
  const std::string plant = "{name: usine, kind: closure, month: 2016-09, zone: couronne_nord, sector: industry, jobs: 900}";
  EXPECT_EQ(error_of(kBaseline, {"policies.events=[" + plant + "]"}), "accepted");
  expect({"policies.events=[" + plant + "]", "policies.events[0].zone=hors_territoire"}, "policies.events[0].zone",
         "a plant in the outside zone");
  expect({"policies.events=[" + plant + "]", "policies.events[0].jobs=1000000"}, "policies.events[0].jobs",
         "1000000 jobs, more than the territory's labour force (85000 workers)");
  // The establishment grant: a zone twice, the outside zone, a zone unknown.
  const std::string grant = "policies.establishment_grant.sites=[{zone: site_sante, eur_per_job: 1000}, ";
  expect({grant + "{zone: site_sante, eur_per_job: 2000}]"}, "policies.establishment_grant.sites[1].zone",
         "zone site_sante is listed twice (also sites[0])");
  expect({grant + "{zone: hors_territoire, eur_per_job: 2000}]"}, "policies.establishment_grant.sites[1].zone",
         "a grant in the outside zone");
  EXPECT_NE(error_of(kBaseline, {grant + "{zone: site_sant, eur_per_job: 2000}]"}).find("site_sant"), std::string::npos);
  EXPECT_EQ(error_of(kBaseline, {grant + "{zone: site_energie, eur_per_job: 2000}]"}), "accepted");
}

// A check elsewhere in the file that an override broke: the error is
// located in the file, at a field no override set, and its note names the
// override that gives it (and not the others), or every override when none
// gives it alone. An error the file gives without the overrides gets none.
TEST(TerritoryScenario, AnErrorElsewhereThatAnOverrideCausedNamesIt) {
  auto diagnostics_of = [](const std::string& file, std::vector<std::string> overrides) {
    try {
      sim::load_scenario(file, overrides, sim::ModelRegistry::global(), {"--set #1", "--set #2", "--set #3", "--set #4"});
    } catch (const sim::ScenarioError& e) {
      return e.diagnostics();
    }
    return std::vector<sim::Diagnostic>{};
  };
  {  // The portal's start moved past its end, which the file sets.
    const auto ds = diagnostics_of(kPacte, {"seed=3", "policies.portal.start=2030-01", "months=24"});
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_EQ(ds[0].path, "policies.portal.end");
    EXPECT_NE(ds[0].location.file.find("pacte.yaml"), std::string::npos);
    EXPECT_EQ(ds[0].note, "not an error of the file alone: it comes with --set #2 `policies.portal.start=2030-01`");
  }
  {  // A zone renamed: the links that name it fail, in the file pacte.yaml extends.
    const auto ds = diagnostics_of(kPacte, {"zones[1].name=nord"});
    ASSERT_GE(ds.size(), 2u);
    const auto link = std::find_if(ds.begin(), ds.end(), [](const sim::Diagnostic& d) { return d.path == "links[0].to"; });
    ASSERT_NE(link, ds.end());
    EXPECT_TRUE(link->note.starts_with("not an error of the file alone: it comes with --set #1 `zones[1].name=nord`; "))
        << link->note;
    EXPECT_NE(link->note.find("is read through `extends`"), std::string::npos) << link->note;
  }
  {  // Three overrides that together leave fewer workers than a plant's jobs, none alone; the seed plays no part.
    const auto ds = diagnostics_of(kDir + "stress-fermeture.yaml",
                                   {"zones[0].labour_force=100", "seed=4", "zones[1].labour_force=100", "zones[2].labour_force=800"});
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_EQ(ds[0].path, "policies.events[0].jobs");
    EXPECT_EQ(ds[0].note, "not an error of the file alone: it comes with --set #1 `zones[0].labour_force=100`, "
                          "--set #3 `zones[1].labour_force=100`, --set #4 `zones[2].labour_force=800`");
  }
  {  // An error of the file itself gets no note, whatever the overrides (here one written into the document,
     // located in a file of its own).
    sim::Value doc = sim::resolve_extends(kPacte);
    sim::apply_override(doc, "policies.portal.end=2014-01", "written.yaml");
    auto diagnostics_of_document = [&](const std::string& mending) {
      try {
        sim::scenario_from_document(doc, "written.yaml", {"seed=5", mending}, sim::ModelRegistry::global(),
                                    {"--set #1", "--set #2"});
      } catch (const sim::ScenarioError& e) {
        return e.diagnostics();
      }
      ADD_FAILURE() << "accepted a window that ends before it starts";
      return std::vector<sim::Diagnostic>{};
    };
    auto ds = diagnostics_of_document("policies.portal.start=2014-06");
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_EQ(ds[0].location.file, "written.yaml");
    EXPECT_EQ(ds[0].note, "");
    // Nor when an override mends a value of the file: the checks across
    // fields, which a document with another error skips, then run and find
    // the file's own error (a review found it blamed on the override).
    sim::apply_override(doc, "workers.separation_rate=5", "written.yaml");
    ds = diagnostics_of_document("workers.separation_rate=0.02");
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_EQ(ds[0].path, "policies.portal.end");
    EXPECT_EQ(ds[0].note, "");
  }
}

TEST(TerritoryRules, InitialInactivePoolIsCappedAtTheLabourForce) {
  // Its steady state, discouraged x long-term unemployed / return rate, was
  // taken whole: a return rate of 1e-10 asked for billions of inactive
  // residents (memory ran out), 1e-300 overflowed the count.
  for (const char* rate : {"workers.return_rate=1e-10", "workers.return_rate=1e-300"}) {
    auto s = make(kBaseline, {kSmall, "months=1", rate}, 1);
    s->step();
    const auto inactive = s->recorder().series("inactive"), lf = s->recorder().series("labour_force");
    EXPECT_GT(inactive[0], 0.9 * lf[0]) << rate;
    EXPECT_LE(inactive[0], 1.01 * lf[0]) << rate;  // the residents, give or take the month's moves
  }
}

TEST(TerritoryScenario, TargetNamesASeriesTheTerritoryRecords) {
  // The list the check uses is the recorder's, clusters and investors included.
  auto s = make(kPacte, {kSmall, "months=1"});
  std::vector<std::string> recorded;
  for (const auto& info : s->recorder().series_info()) recorded.push_back(info.name);
  EXPECT_EQ(models::territory::recorded_series(s->scenario().config), recorded);
  EXPECT_GT(recorded.size(), 25u);
  // A typo in the target's series, or its reference, is refused at load
  // (forecasts found it later, with no line).
  auto error_of = [](std::vector<std::string> overrides) { return load_error(kBaseline, std::move(overrides)); };
  // The rates forecasts read (a share of the labour force; a target of
  // jobs, 90,050, was reported as "9,005,000%"), declared as the field's
  // choices, so that the reference and the JSON Schema list them.
  const std::string rates = "expected one of unemployment_rate, national_unemployment_rate";
  EXPECT_NE(error_of({"target.series=unemploymentrate"})
                .find("error: target.series: " + rates + ", found \"unemploymentrate\" (did you mean "
                      "`unemployment_rate`?)"),
            std::string::npos);
  EXPECT_NE(error_of({"target.reference=national_rate"}).find("error: target.reference: " + rates), std::string::npos);
  EXPECT_EQ(error_of({"target.series=national_unemployment_rate"}), "accepted");
  EXPECT_NE(error_of({"target.series=jobs_cluster_numerique"}).find("error: target.series: " + rates), std::string::npos);
  EXPECT_NE(error_of({"target.reference=employed"}).find("error: target.reference: " + rates), std::string::npos);
  // Named, not by their ending: a cluster named growth_rate makes a count that ends in "_rate".
  EXPECT_NE(error_of({"clusters=[{name: growth_rate, sector: digital, site: site_numerique}]",
                      "target.series=jobs_cluster_growth_rate"})
                .find("error: target.series: " + rates),
            std::string::npos);
}

// What the model cannot honour is refused where the scenario is read, each
// naming its field (a review found each accepted and run): a second
// cluster of one sector at one site (it counted no job and spent its
// running cost), a cluster in the outside zone (its jobs counted as the
// territory's), a training programme or partner fund whose name cannot
// name its spending series (a comma split the series file's header), an
// investor's field that its kind does not use, a lab's spillover without
// the lab.
TEST(TerritoryScenario, ClustersAndPolicyNamesTheModelCannotHonourAreRefused) {
  auto error_of = [](std::vector<std::string> overrides) { return load_error(kPacte, std::move(overrides)); };
  EXPECT_NE(error_of({"clusters[0].sector=energy_storage", "clusters[0].site=site_energie"})
                .find("error: clusters[2].sector: cluster energie has the sector energy_storage at the site "
                      "site_energie, as cluster numerique (clusters[0]) has"),
            std::string::npos);
  EXPECT_EQ(error_of({"clusters[0].sector=energy_storage"}), "accepted");  // another site: another cluster
  EXPECT_NE(error_of({"clusters[0].site=hors_territoire"})
                .find("error: clusters[0].site: a cluster in the outside zone"),
            std::string::npos);
  // Declared identifiers since 7 December 2026 (the scenario reference
  // said "any"): refused where the scenario is validated, as before.
  for (const std::string path : {"policies.training[0].name", "policies.partner_funds[0].name", "sectors[0].name",
                                 "clusters[0].name", "investors[0].name"})
    for (const std::string bad : {"a,b", "Région"})
      EXPECT_NE(error_of({path + "=" + bad})
                    .find("error: " + path + ": expected a lowercase identifier (letters a-z, digits 0-9 and _), "
                          "found \"" + bad + "\""),
                std::string::npos)
          << path << "=" << bad << ": " << error_of({path + "=" + bad});
  // Each investor's fields of its kind: an outside company's deals and
  // start-ups, another's arrivals, were taken and ignored.
  EXPECT_NE(error_of({"investors[4].deals_per_year=1000"})
                .find("error: investors[4].deals_per_year: an outside company opens establishments"),
            std::string::npos);
  EXPECT_NE(error_of({"investors[4].startup_share=1"}).find("error: investors[4].startup_share: an outside company"),
            std::string::npos);
  EXPECT_NE(error_of({"investors[0].arrivals_per_year=1000"})
                .find("error: investors[0].arrivals_per_year: only an outside company opens establishments; an "
                      "investor of kind angel funds"),
            std::string::npos);
  // The spillover is the lab's: a cluster's lab_spillover without its lab
  // was taken and ignored (7 December 2026).
  EXPECT_NE(error_of({"clusters[0].lab_spillover=0.1"})
                .find("error: clusters[0].lab_spillover: cluster numerique has no lab (lab: false), and the spillover "
                      "is the lab's: expected lab: true, or lab_spillover 0, found 0.1"),
            std::string::npos);
  EXPECT_NE(error_of({"clusters[2].lab=false"}).find("error: clusters[2].lab_spillover: cluster energie has no lab"),
            std::string::npos);
  EXPECT_EQ(error_of({"clusters[0].lab=true", "clusters[0].lab_spillover=0.1"}), "accepted");
  EXPECT_EQ(error_of({"clusters[2].lab=false", "clusters[2].lab_spillover=0"}), "accepted");
}

// A closure event's plant opens with the initial state and knows its event
// by its place in the list: a reconfiguration (resume --set, reconfigure,
// fork) that would change the plant, move a closure that happened or into
// the past, put another event in its place, or add a closure is refused,
// naming the field. Accepted, jobs=10 for the plant of 1,100 ran as before
// (a review). A closure to come moved to a month to come is taken. (An
// event added is refused by the running state, whose events are counted.)
TEST(TerritoryConformance, ClosureEventsAreKeptByAReconfiguration) {
  auto at_month_3 = [] {
    auto s = make(kStress, {kSmall, "months=12"});
    for (int k = 0; k < 3; ++k) s->step();
    return s;
  };
  auto error_of = [&](std::vector<std::string> overrides) {
    auto s = at_month_3();
    overrides.insert(overrides.begin(), {kSmall, "months=12"});
    try {
      s->reconfigure(sim::load_scenario(kStress, overrides));
    } catch (const sim::ReconfigureError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const std::string because = "its plant opened with the run's initial state";
  for (const char* change : {"policies.events[0].jobs=10", "policies.events[0].zone=amiens_ville",
                             "policies.events[0].sector=trade", "policies.events[0].kind=arrival"}) {
    const std::string field = std::string(change).substr(0, std::string(change).find('='));
    EXPECT_NE(error_of({change}).find("it changes " + field + " (the closure fermeture_usine): " + because),
              std::string::npos)
        << change;
  }
  EXPECT_NE(error_of({"policies.events[0].month=2015-02"})
                .find("it changes policies.events[0].month (the closure fermeture_usine) from 2015-09 to 2015-02, a "
                      "month gone"),
            std::string::npos);
  EXPECT_EQ(error_of({"policies.events[0].month=2016-03"}), "accepted");  // to come, to a month to come
  // Another event inserted before it: refused as an event added (their
  // number is fixed); another in its place (a name changed, the list
  // reordered) is said so (it was "it changes policies.events[0].name").
  EXPECT_NE(error_of({"policies.events=[{name: arrivee, kind: arrival, month: \"2016-01\", zone: couronne_nord, "
                      "sector: industry, jobs: 50}, {name: fermeture_usine, kind: closure, month: \"2015-09\", zone: "
                      "couronne_nord, sector: industry, jobs: 1100}]"})
                .find("it adds the event arrivee (policies.events)"),
            std::string::npos);
  EXPECT_NE(error_of({"policies.events[0].name=autre"})
                .find("it puts the event autre at policies.events[0], the place of the closure fermeture_usine"),
            std::string::npos);
  EXPECT_NE(error_of({"policies.events=[{name: fermeture_usine, kind: closure, month: \"2015-09\", zone: "
                      "couronne_nord, sector: industry, jobs: 1100}, {name: autre, kind: closure, month: "
                      "\"2016-01\", zone: couronne_nord, sector: industry, jobs: 50}]"})
                .find("it adds the event autre (policies.events): the events of a run are fixed in number from its "
                      "start"),
            std::string::npos);
  EXPECT_NE(error_of({"policies.events=[]"}).find("it removes the event fermeture_usine (policies.events)"),
            std::string::npos);
  // Once it has happened, its month stays.
  auto s = make(kStress, {kSmall, "months=12"});
  while (s->month() < 10) s->step();
  try {
    s->reconfigure(sim::load_scenario(kStress, {kSmall, "months=12", "policies.events[0].month=2015-11"}));
    ADD_FAILURE() << "a closure that happened was moved";
  } catch (const sim::ReconfigureError& e) {
    EXPECT_NE(std::string(e.what()).find("from 2015-09 to 2015-11, a closure that has happened"), std::string::npos)
        << e.what();
  }
}

// An arrival opens its plant in its month: one that has happened is done
// (moved to a month to come, it opened a second plant: one firm and 65 jobs
// more in the month it was moved to; a review), and one to come moves only
// to a month to come.
TEST(TerritoryConformance, ArrivalEventsThatHappenedAreKeptByAReconfiguration) {
  const std::string historique = kDir + "historique.yaml";
  auto error_at = [&](int month, std::vector<std::string> overrides) {
    auto s = make(historique, {kSmall});
    while (s->month() < month) s->step();
    overrides.insert(overrides.begin(), kSmall);
    try {
      s->reconfigure(sim::load_scenario(historique, overrides));
    } catch (const sim::ReconfigureError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  // amazon_logistique (events[3]) in 2017-09, month 32.
  EXPECT_NE(error_at(34, {"policies.events[3].month=2018-03"})
                .find("it changes policies.events[3] (the arrival amazon_logistique, in 2017-09), which has happened"),
            std::string::npos);
  EXPECT_NE(error_at(34, {"policies.events[3].jobs=10"}).find("which has happened"), std::string::npos);
  EXPECT_NE(error_at(30, {"policies.events[3].month=2016-03"})
                .find("it changes policies.events[3].month (the arrival amazon_logistique) from 2017-09 to 2016-03, a "
                      "month gone"),
            std::string::npos);
  EXPECT_EQ(error_at(30, {"policies.events[3].month=2018-03", "policies.events[3].jobs=10"}), "accepted");
  EXPECT_EQ(error_at(32, {"policies.events[3].jobs=10"}), "accepted");  // its month, still to run
  // An arrival to come made a closure: its plant would have had to open with the run.
  EXPECT_NE(error_at(30, {"policies.events[5].kind=closure"})
                .find("it makes policies.events[5], coriolis, a closure"),
            std::string::npos);
  // Their number is fixed: one removed or added is named (it was refused as a checkpoint that "does not
  // match the configuration's ... events").
  const std::string four =
      "policies.events=[{name: whirlpool, kind: closure, month: \"2018-06\", zone: couronne_nord, sector: industry, "
      "jobs: 290}, {name: whirlpool_interim_soustraitance, kind: closure, month: \"2018-06\", zone: couronne_nord, "
      "sector: business_services, jobs: 330}, {name: tiamat, kind: arrival, month: \"2017-06\", zone: site_energie, "
      "sector: energy_storage, jobs: 15}, {name: amazon_logistique, kind: arrival, month: \"2017-09\", zone: "
      "couronne_sud, sector: trade, jobs: 900}, {name: cgi, kind: arrival, month: \"2018-09\", zone: amiens_ville, "
      "sector: digital, jobs: 400}]";
  EXPECT_NE(error_at(34, {four}).find("it removes the event coriolis (policies.events): the events of a run are "
                                      "fixed in number"),
            std::string::npos);
}

// ------------------------------------------------------------ calibration

// The Amiens baseline, mean of 10 replicates (seeds 100-109) at 1:1 scale
// (issue 3), over its 72 months (2015-2020): the figures docs/model.md
// (section 1) and scenarios/amiens/README.md ("Calibration") state.
//  - First-month unemployment 12.5% ± 0.3 points (the article's 12.5%).
//  - The calibration's target: the gap to the national rate (metropolitan
//    France's) in 2015, 2017 and 2018, yearly means, within 0.2 points of
//    the data sheet's dated gaps on the same basis (2.6, the region, Q3
//    2015; 2.5, the region, 2017; 1.9, the Somme, Q4 2018). Until 7
//    December 2026 the target was "the article's two points", which are
//    against France's 10.4%, not the metropolitan 10.0% of the model's
//    national series (a review): on the model's basis the article's figures
//    give 2.5 points, and the old value, 0.024, missed the 2017 and 2018
//    gaps by 0.4 and 0.3 points.
//  - A band: every month's gap within 2.5 points (the article's 12.5% less
//    metropolitan France's 10.0% at the end of 2014), one point either way.
//  - The gap's path, as the documents give it: its yearly means 2.63,
//    2.65, 2.41, 1.96, 1.86 and 2.18 points (2015-2020), each within 0.2
//    points (a margin for seed noise: the standard error of a yearly mean
//    of 10 replicates is 0.03-0.05 points), so that it narrows by about
//    0.8 points from 2015 to 2019. With `outside_job_finding` 0.020 or
//    0.023 instead of 0.0215 the yearly means are 0.1-0.3 points higher or
//    lower from 2016 on (scripts/amiens-calibration --values 0.020,0.023)
//    and the test fails.
//  - Creations 1,034 ± 10% in each of the first two years.
TEST(TerritoryCalibration, AmiensBaseline) {
  const int reps = 10;
  const std::size_t months = 72;
  std::vector<double> first(reps), gap(months, 0.0), year1(reps), year2(reps);
  for (int i = 0; i < reps; ++i) {
    auto s = make(kBaseline, {"seed=" + std::to_string(100 + i)});
    s->run();
    const auto& r = s->recorder();
    const auto u = r.series("unemployment_rate"), nat = r.series("national_unemployment_rate");
    ASSERT_EQ(u.size(), months);
    first[static_cast<std::size_t>(i)] = u[0];
    for (std::size_t t = 0; t < months; ++t) gap[t] += (u[t] - nat[t]) / reps;
    year1[static_cast<std::size_t>(i)] = sum(r.series("creations"), 0, 12);
    year2[static_cast<std::size_t>(i)] = sum(r.series("creations"), 12, 24);
  }
  auto mean = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); };
  EXPECT_NEAR(mean(first), 0.125, 0.003);
  for (std::size_t t = 0; t < months; ++t) EXPECT_NEAR(gap[t], 0.025, 0.01) << "month " << t;
  const double path[] = {2.63, 2.65, 2.41, 1.96, 1.86, 2.18};  // points, 2015-2020
  std::vector<double> yearly(6);
  for (std::size_t y = 0; y < 6; ++y) {
    yearly[y] = 100 * std::accumulate(gap.begin() + 12 * y, gap.begin() + 12 * y + 12, 0.0) / 12;
    EXPECT_NEAR(yearly[y], path[y], 0.2) << "yearly mean gap of " << 2015 + y << ", points";
  }
  // The data sheet's dated gaps: 2015 (the region), 2017 (the region), 2018 (the Somme).
  EXPECT_NEAR(yearly[0], 2.6, 0.2) << "the region's gap in Q3 2015";
  EXPECT_NEAR(yearly[2], 2.5, 0.2) << "the region's gap in 2017";
  EXPECT_NEAR(yearly[3], 1.9, 0.2) << "the Somme's gap in Q4 2018";
  EXPECT_GT(yearly[0] - yearly[4], 0.5) << "the gap narrows from 2015 to 2019";
  EXPECT_NEAR(mean(year1), 1034, 103.4);
  EXPECT_NEAR(mean(year2), 1034, 103.4);
  std::cout << "  first month " << mean(first) << ", gap to the national rate "
            << *std::min_element(gap.begin(), gap.end()) << "-" << *std::max_element(gap.begin(), gap.end())
            << " (month by month), yearly means (points):";
  for (double g : yearly) std::cout << " " << g;
  std::cout << "; creations " << mean(year1) << " and " << mean(year2) << "\n";
}

// Firm demography of the Amiens baseline over 2015-2020, mean of 10
// replicates at 1:1 scale: closures (failures and cessations) of the same
// order as creations (each year within 15% of them), the stock of
// establishments within 4% of its start in every month, and about half of
// the firms created in 2015 still alive five years later (Insee's SINE
// survey: about one new French firm in two is still active after five years;
// an approximate public statistic, scenarios/amiens/README.md). Survival is
// measured by following the ids of the firms created in 2015.
TEST(TerritoryCalibration, AmiensBaselineFirmDemography) {
  const int reps = 10, months = 72;
  std::vector<double> creations(6, 0.0), closures(6, 0.0);
  double cohort = 0, survivors = 0, worst_low = 1, worst_high = 1;
  std::vector<double> stock(months, 0.0);
  double start = 0;
  for (int i = 0; i < reps; ++i) {
    auto s = make(kBaseline, {"seed=" + std::to_string(100 + i)});
    auto& m = model(*s);
    std::uint64_t next = 0;
    for (std::size_t f = 0; f < m.firm_id().size(); ++f) next = std::max(next, m.firm_id()[f] + 1);
    const std::uint64_t first_new = next;
    std::vector<int> birth;  // month of creation, for ids >= first_new
    while (!s->done()) {
      const int t = s->month();
      s->step();
      std::uint64_t top = next;
      for (std::size_t f = 0; f < m.firm_id().size(); ++f)
        if (m.firm_alive()[f]) top = std::max(top, m.firm_id()[f] + 1);
      birth.resize(top - first_new, t);  // ids of closed firms are never reused
      next = top;
      if (t < 60) continue;
      // Month t closes year 5 of the firms created at month t - 60.
      for (std::size_t f = 0; f < m.firm_id().size(); ++f)
        if (m.firm_alive()[f] && m.firm_id()[f] >= first_new && birth[m.firm_id()[f] - first_new] == t - 60 && t - 60 < 12)
          survivors += 1;
      if (t - 60 < 12)
        for (int b : birth) cohort += b == t - 60;
    }
    const auto& r = s->recorder();
    const auto cr = r.series("creations"), cl = r.series("closures"), firms = r.series("firms");
    for (std::size_t y = 0; y < 6; ++y) {
      creations[y] += sum(cr, 12 * y, 12 * y + 12) / reps;
      closures[y] += sum(cl, 12 * y, 12 * y + 12) / reps;
    }
    start += firms[0] / reps;
    for (std::size_t t = 0; t < static_cast<std::size_t>(months); ++t) {
      stock[t] += firms[t] / reps;
      worst_low = std::min(worst_low, firms[t] / firms[0]);
      worst_high = std::max(worst_high, firms[t] / firms[0]);
    }
  }
  for (std::size_t y = 0; y < 6; ++y)
    EXPECT_NEAR(closures[y] / creations[y], 1.0, 0.15) << "year " << 2015 + y << ": " << closures[y] << " closures, "
                                                      << creations[y] << " creations";
  for (std::size_t t = 0; t < stock.size(); ++t) EXPECT_NEAR(stock[t] / start, 1.0, 0.04) << "month " << t;
  // Each replicate stays within 6% (a margin for the noise of one run).
  EXPECT_GT(worst_low, 0.94);
  EXPECT_LT(worst_high, 1.06);
  ASSERT_GT(cohort, 500.0 * reps);
  EXPECT_NEAR(survivors / cohort, 0.5, 0.1) << survivors << " of " << cohort;
  // The figures scenarios/amiens/README.md quotes.
  std::cout << "  creations a year:";
  for (double c : creations) std::cout << " " << std::lround(c);
  std::cout << "\n  closures a year:";
  for (double c : closures) std::cout << " " << std::lround(c);
  std::cout << "\n  stock: " << std::lround(start) << " at the start, " << std::lround(stock.back())
            << " at the end; every replicate within " << worst_low << "-" << worst_high << " of its start\n"
            << "  five-year survival of the 2015 cohort: " << survivors / cohort << "\n";
}
