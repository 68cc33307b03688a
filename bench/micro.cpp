// Micro-benchmarks of the hot paths: random numbers and the dock model's
// monthly phases at the specification's defaults.
//
//   build/release/bench/bench_micro --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <cmath>
#include <initializer_list>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "models/dock/dock.h"
#include "models/territory/territory.h"
#include "sim/core/scenario.h"
#include "sim/core/simulation.h"
#include "sim/core/team.h"
#include "sim/rng/alias.h"
#include "sim/rng/distributions.h"
#include "sim/rng/reservoir.h"
#include "sim/rng/philox.h"
#include "sim/util/detmath.h"

namespace {
using namespace terrasim;

void BM_PhiloxBits(benchmark::State& state) {
  sim::rng::Draws d(1, 2, 3, 4);
  for (auto _ : state) benchmark::DoNotOptimize(d.bits());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PhiloxBits);

void BM_DrawsConstructionAndUniform(benchmark::State& state) {
  std::uint64_t unit = 0;
  for (auto _ : state) {
    sim::rng::Draws d(1, 2, 3, unit++);
    benchmark::DoNotOptimize(d.uniform());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DrawsConstructionAndUniform);

void BM_GeometricGap(benchmark::State& state) {
  sim::rng::Draws d(1, 2, 3, 4);
  const double l = std::log1p(-0.02);
  for (auto _ : state) benchmark::DoNotOptimize(sim::rng::geometric_gap(d, l));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GeometricGap);

void BM_Normal(benchmark::State& state) {
  sim::rng::Draws d(1, 2, 3, 4);
  for (auto _ : state) benchmark::DoNotOptimize(sim::rng::normal(d));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Normal);

// The deterministic elementary functions against glibc's, on the arguments
// the territory model gives them (issue 3): expm1 of monthly hazards,
// pow of firm sizes and productivities.
template <class F>
void math_over(benchmark::State& state, F f, double lo, double hi) {
  std::vector<double> x(1024);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(x.size());
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f(x[i++ & 1023]));
  state.SetItemsProcessed(state.iterations());
}
void BM_DetmathExpm1(benchmark::State& s) { math_over(s, [](double x) { return sim::dmath::expm1(x); }, -0.05, -1e-4); }
void BM_LibmExpm1(benchmark::State& s) { math_over(s, [](double x) { return std::expm1(x); }, -0.05, -1e-4); }
void BM_DetmathPow(benchmark::State& s) { math_over(s, [](double x) { return sim::dmath::pow(x, -2.0); }, 1.0, 200.0); }
void BM_LibmPow(benchmark::State& s) { math_over(s, [](double x) { return std::pow(x, -2.0); }, 1.0, 200.0); }
void BM_DetmathExp(benchmark::State& s) { math_over(s, [](double x) { return sim::dmath::exp(x); }, -0.1, 0.1); }
BENCHMARK(BM_DetmathExpm1);
BENCHMARK(BM_LibmExpm1);
BENCHMARK(BM_DetmathPow);
BENCHMARK(BM_LibmPow);
BENCHMARK(BM_DetmathExp);

// A zone drawn for a home zone: the dock model's 6 x 6 alias table.
void BM_AliasFind(benchmark::State& state) {
  sim::rng::AliasRows alias(6, 6);
  alias.assign([](std::size_t r, std::size_t k) { return 1.0 + static_cast<double>((r * 7 + k * 3) % 5); });
  sim::rng::Draws d(1, 2, 3, 4);
  std::size_t row = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(alias.find(row, static_cast<std::uint32_t>(d.bits())));
    row = row == 5 ? 0 : row + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AliasFind);

// Candidates offered to reservoirs of 1 to 8 offer slots, as the dock
// model's firms receive applications (the slot taken, or the one past the
// last for a candidate turned away).
void BM_ReservoirSlot(benchmark::State& state) {
  std::vector<std::uint32_t> count(4096, 0), slots(4096 * 8 + 1, 0);
  sim::rng::Draws d(1, 2, 3, 4);
  for (auto _ : state) {
    const std::uint64_t x = d.bits();
    const std::size_t run = x & 4095;
    const auto k = static_cast<std::uint32_t>(1 + ((x >> 12) & 7));
    const std::uint32_t j = sim::rng::reservoir_slot(++count[run], k, static_cast<std::uint32_t>(x >> 32), [&] { return static_cast<std::uint32_t>(d.bits()); });
    slots[j < k ? run * 8 + j : 4096 * 8] = static_cast<std::uint32_t>(x);
  }
  benchmark::DoNotOptimize(slots.data());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReservoirSlot);

// The fixed cost of one job of the simulation's team (sim/core/team.h): a
// month of the dock model runs about a dozen, each a fraction of a
// millisecond; range(0) calls that do nothing, on a team of two threads.
void BM_TeamJob(benchmark::State& state) {
  sim::Team team(2);
  const auto calls = static_cast<std::size_t>(state.range(0));
  std::vector<std::size_t> hits(calls * 8, 0);  // a line per call
  for (auto _ : state) team.run(calls, [&](std::size_t k) { ++hits[k * 8]; });
  benchmark::DoNotOptimize(hits.data());
}
BENCHMARK(BM_TeamJob)->Arg(2)->Arg(8)->Unit(benchmark::kMicrosecond);

// One phase of a model on a warmed-up state of `scenario` (24 months in), on
// one thread. Each iteration restores the state and runs `setup` (the
// month's earlier phases) first, excluded from the timing, so every
// iteration does the same work; items(model) counts the items an iteration
// processes (0: not reported).
template <class Model, class Setup, class Phase, class Items>
void warmed_phase(benchmark::State& state, const std::string& scenario, Setup setup, Phase phase, Items items) {
  sim::Simulation s(sim::load_scenario(std::string(TERRASIM_SOURCE_DIR) + scenario, {"months=25"}), 1);
  while (s.month() < 24) s.step();
  auto& model = dynamic_cast<Model&>(s.model());
  sim::ArchiveWriter saved;
  model.save(saved);
  const sim::MonthContext ctx{24, s.scenario().seed()};
  for (auto _ : state) {
    state.PauseTiming();
    sim::ArchiveReader in(saved.bytes(), "memory");
    model.load(in);
    s.run_on_threads([&] { setup(model, ctx); });
    state.ResumeTiming();
    s.run_on_threads([&] { phase(model, ctx); });
  }
  if (const std::int64_t n = items(model)) state.SetItemsProcessed(state.iterations() * n);
}

// A phase of the dock model on the default scenario; `before` runs untimed
// after the restore (the phases the timed one depends on within the month).
template <class Phase, class Before = void (*)(models::dock::DockModel&, const sim::MonthContext&)>
void dock_phase(benchmark::State& state, Phase phase,
                Before before = [](models::dock::DockModel&, const sim::MonthContext&) {}) {
  warmed_phase<models::dock::DockModel>(
      state, "/scenarios/dock/default.yaml", before, phase,
      [](const auto& m) { return static_cast<std::int64_t>(m.params().workers); });
}

// Steps 1 to 3: separations, targets and dismissals, exits.
void BM_DockFirms(benchmark::State& st) {
  dock_phase(st, [](auto& m, const auto& c) { m.update_firms(c); });
}
void BM_DockMonth(benchmark::State& st) {
  dock_phase(st, [](auto& m, const auto& c) {
    m.update_firms(c);
    m.enter_firms(c);
    m.match(c);
  });
}
// The matching round alone, after the month's other phases (untimed).
void BM_DockMatching(benchmark::State& st) {
  dock_phase(
      st, [](auto& m, const auto& c) { m.match(c); },
      [](auto& m, const auto& c) {
        m.update_firms(c);
        m.enter_firms(c);
      });
}
// Laying the employee lists out afresh after a month's moves (the
// matching does it when the arena's end is full: 9 times in a run of
// 10^6 workers).
void BM_DockLayout(benchmark::State& st) {
  dock_phase(
      st, [](auto& m, const auto&) { m.lay_out_staff_afresh(); },
      [](auto& m, const auto& c) {
        m.update_firms(c);
        m.enter_firms(c);
        m.match(c);
      });
}
BENCHMARK(BM_DockFirms)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DockMatching)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DockMonth)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DockLayout)->Unit(benchmark::kMicrosecond);

// Phases of the territorial model on the Amiens baseline.
template <class Setup, class Phase>
void territory_phase(benchmark::State& state, Setup setup, Phase phase) {
  warmed_phase<models::territory::TerritoryModel>(state, "/scenarios/amiens/baseline.yaml", setup, phase,
                                                  [](const auto&) { return std::int64_t{0}; });
}
void no_setup(models::territory::TerritoryModel&, const sim::MonthContext&) {}

// Demand, then the firms' exits and the closures pass that releases their
// employees and the dismissed.
void BM_TerritoryExitsAndClosures(benchmark::State& st) {
  territory_phase(st, no_setup, [](auto& m, const auto& c) {
    m.update_demand(c);
    m.account_cash_and_fail(c);
    m.cease_firms(c);
    m.release_workers(c);
  });
}
// One round of search and matching (the application loop, the counting sort
// by firm, offers and acceptance), after the month's demand and exits.
void BM_TerritoryMatching(benchmark::State& st) {
  territory_phase(
      st,
      [](auto& m, const auto& c) {
        m.separate_workers(c);
        m.update_demand(c);
        m.account_cash_and_fail(c);
        m.cease_firms(c);
        m.release_workers(c);
      },
      [](auto& m, const auto& c) { m.match_jobs(c); });
}
BENCHMARK(BM_TerritoryExitsAndClosures)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TerritoryMatching)->Unit(benchmark::kMicrosecond);

void BM_RecorderRow(benchmark::State& state) {
  sim::Recorder rec;
  for (int i = 0; i < 20; ++i) rec.add_series(fmt::format("s{}", i), "");
  int t = 0;
  for (auto _ : state) {
    rec.begin_row(t++, "2015-01");
    for (int i = 0; i < 20; ++i) rec.set(i, i * 0.5);
  }
}
BENCHMARK(BM_RecorderRow);

// The text forms of a run's outputs, shaped as the dock model's at the
// defaults (120 months; 7 series; zones and skills breakdowns of 6 and 4
// categories by 3 columns: two counts and a rate of 7 to 17 digits).
void BM_RecorderCsv(benchmark::State& state) {
  sim::Recorder rec;
  for (int i = 0; i < 7; ++i) rec.add_series(fmt::format("s{}", i), "");
  const std::vector<sim::SeriesInfo> columns{{"workers", ""}, {"unemployed", ""}, {"unemployment_rate", ""}};
  const int zones = rec.add_breakdown("zones", "zone", {"Centre", "Nord", "Sud", "Est", "Ouest", "Peripherie"}, columns);
  const int skills = rec.add_breakdown("skills", "skill", {"0", "1", "2", "3"}, columns);
  std::uint64_t n = 12345;
  auto count = [&] { return static_cast<double>((n = n * 6364136223846793005ull + 1442695040888963407ull) >> 48); };
  auto rate = [&] { return count() / 65537.0; };
  for (int t = 0; t < 120; ++t) {
    rec.begin_row(t, fmt::format("{}-{:02}", 2015 + t / 12, t % 12 + 1));
    rec.set(0, rate());
    for (int i = 1; i < 7; ++i) rec.set(i, count());
    for (const auto& [breakdown, categories] : {std::pair{zones, 6}, std::pair{skills, 4}}) {
      for (std::size_t c = 0; c < static_cast<std::size_t>(categories); ++c) {
        rec.set(breakdown, c, 0, count());
        rec.set(breakdown, c, 1, count());
        rec.set(breakdown, c, 2, rate());
      }
    }
  }
  const sim::Recorder::Provenance header{{"terrasim", "0"}, {"model", "dock"}};
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string series = rec.series_csv(header);
    bytes += series.size();
    for (const auto& b : rec.breakdowns()) bytes += rec.breakdown_csv(b, header).size();
    benchmark::DoNotOptimize(series);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_RecorderCsv)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
