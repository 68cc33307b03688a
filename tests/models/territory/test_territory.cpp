// The territorial model: the conformance suite, one test per rule, the
// accounting identities and the calibration of the Amiens baseline.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "models/territory/territory.h"
#include "sim/core/scenario.h"
#include "sim/core/simulation.h"
#include "sim/scenario/error.h"
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
double sum(std::span<const double> v, std::size_t from, std::size_t to) {
  return std::accumulate(v.begin() + static_cast<std::ptrdiff_t>(from), v.begin() + static_cast<std::ptrdiff_t>(to), 0.0);
}
// Runs the phases of the next month up to (not including) the one named.
void run_phases_until(sim::Simulation& s, const std::string& stop) {
  const sim::MonthContext ctx{s.month(), s.scenario().seed()};
  for (auto& phase : s.model().phases()) {
    if (phase.name == stop) return;
    phase.run(ctx);
  }
  FAIL() << "no phase named " << stop;
}
}  // namespace

// ------------------------------------------------------------ conformance

TEST(TerritoryConformance, PacteSmall) { ts::run_conformance_suite(kPacte, {kSmall, "months=24"}, 9); }

TEST(TerritoryConformance, HistoriqueSmallInvariants) {
  ts::expect_invariants_every_month(kDir + "historique.yaml", {kSmall, "months=48"});
}

TEST(TerritoryConformance, BaselineFullScaleIsThreadIndependent) {
  ts::expect_same_output_across_threads(kBaseline, {"months=6"});
}

// ------------------------------------------------------------ rules

TEST(TerritoryRules, FirmWithoutCashFails) {
  auto s = make(kBaseline, {kSmall, "months=3"});
  auto& m = model(*s);
  std::uint32_t victim = 0;
  while (m.firm_size()[victim] < 3) ++victim;
  const std::uint32_t employees = m.firm_size()[victim];
  run_phases_until(*s, "cash and failures");
  m.set_firm_cash(victim, -1e9);
  const sim::MonthContext ctx{0, s->scenario().seed()};
  m.account_cash_and_fail(ctx);
  std::vector<std::uint32_t> staff;
  for (std::size_t w = 0; w < m.employer().size(); ++w)
    if (m.status()[w] == models::territory::kEmployed && m.employer()[w] == victim) staff.push_back(static_cast<std::uint32_t>(w));
  EXPECT_GE(staff.size() + 3, employees);  // separations may have taken a few
  const auto before = m.firms_alive();
  m.release_workers(ctx);
  EXPECT_EQ(m.firm_alive()[victim], 0);
  EXPECT_EQ(m.firms_alive(), before - m.month_closures());
  for (auto w : staff) EXPECT_EQ(m.status()[w], models::territory::kUnemployed);
}

TEST(TerritoryRules, ClusterProductivityGrowsWithItsSize) {
  auto s = make(kPacte, {kSmall, "months=36"});
  s->run();
  auto& m = model(*s);
  // The energy cluster (index 2) is open and has a lab.
  const double now = m.cluster_productivity(2);
  EXPECT_GT(now, 1.05);
  // The rule, as a function of size: log growth in cluster jobs.
  const auto& k = m.params().clusters[2];
  double previous = 0;
  for (double jobs : {0.0, 10.0, 100.0, 1000.0}) {
    const double g = (1 + k.agglomeration_elasticity * std::log1p(jobs / (k.reference_jobs * m.params().scale))) * (1 + k.lab_spillover);
    EXPECT_GT(g, previous);
    previous = g;
  }
  // Cluster firms carry the gain: productivity >= (1 - youth penalty) x gain.
  int members = 0;
  const double floor = (1 - m.params().young_productivity_penalty) * now;
  for (std::size_t f = 0; f < m.firm_alive().size(); ++f) {
    if (!m.firm_alive()[f] || m.firm_zone()[f] != k.site || m.firm_sector()[f] != k.sector) continue;
    ++members;
    EXPECT_GE(static_cast<double>(m.firm_productivity()[f]), floor - 1e-5);
  }
  EXPECT_GT(members, 0);
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
  const sim::MonthContext ctx{s->month(), s->scenario().seed()};
  m.release_workers(ctx);
  EXPECT_EQ(m.event_released(0), static_cast<std::int64_t>(staff.size()));
  EXPECT_EQ(m.firm_alive()[0], 0);
  for (auto w : staff) EXPECT_EQ(m.status()[w], models::territory::kUnemployed);
}

TEST(TerritoryRules, TrainingPutsJobSeekersInTrainingWithinBudget) {
  auto s = make(kPacte, {kSmall, "months=24"});
  s->run();
  const auto& r = s->recorder();
  EXPECT_GT(r.series("in_training")[20], 0);
  auto& m = model(*s);
  for (std::size_t k = 0; k < m.policy_names().size(); ++k) EXPECT_LE(m.policy_spent(k), m.policy_budget(k) + 1e-6);
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
}

TEST(TerritoryScenario, RefusesTwoOutsideZones) {
  try {
    sim::load_scenario(kBaseline, {"zones.1.kind=outside"});
    FAIL() << "accepted two outside zones";
  } catch (const sim::ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("exactly one zone of kind outside"), std::string::npos) << e.what();
  }
}

// ------------------------------------------------------------ calibration

// The Amiens baseline, mean of 10 replicates at 1:1 scale (issue 3).
TEST(TerritoryCalibration, AmiensBaseline) {
  const int reps = 10;
  std::vector<double> first(reps), gap(24, 0.0), year1(reps), year2(reps);
  for (int i = 0; i < reps; ++i) {
    auto s = make(kBaseline, {"months=24", "seed=" + std::to_string(100 + i)});
    s->run();
    const auto& r = s->recorder();
    const auto u = r.series("unemployment_rate"), nat = r.series("national_unemployment_rate");
    first[static_cast<std::size_t>(i)] = u[0];
    for (std::size_t t = 0; t < 24; ++t) gap[t] += (u[t] - nat[t]) / reps;
    year1[static_cast<std::size_t>(i)] = sum(r.series("creations"), 0, 12);
    year2[static_cast<std::size_t>(i)] = sum(r.series("creations"), 12, 24);
  }
  auto mean = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); };
  EXPECT_NEAR(mean(first), 0.125, 0.003);
  for (std::size_t t = 0; t < 24; ++t) EXPECT_NEAR(gap[t], 0.02, 0.01) << "month " << t;
  EXPECT_NEAR(mean(year1), 1034, 103.4);
  EXPECT_NEAR(mean(year2), 1034, 103.4);
}
