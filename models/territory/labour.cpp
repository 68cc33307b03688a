// The workers' rules: ageing, retirement and migration; entry into the
// labour force; separations; training; job search and matching; outside
// jobs; discouragement. Every pass over workers runs in parallel over fixed
// blocks, each worker drawing from its own keyed stream, so the result does
// not depend on the number of threads; employee counts of firms change by
// commutative atomic integer additions.
#include <algorithm>
#include <bit>
#include <array>
#include <atomic>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <utility>


#include "models/territory/detail.h"
#include "models/territory/territory.h"
#include "sim/core/bitmask.h"
#include "sim/core/grouping.h"
#include "sim/core/parallel.h"
#include "sim/rng/distributions.h"
#include "sim/util/detmath.h"
#include "sim/rng/guided.h"

namespace terrasim::models::territory {

using namespace detail;
using sim::rng::BlockedStream;
using sim::rng::Draws;
using sim::rng::UnitDraws;

namespace {

// The bits set in `mask` < 2^n: a table for n <= 8 (the default build's
// x86-64 has no popcnt instruction, and std::popcount's bit tricks cost a
// dozen instructions).
template <std::size_t n>
unsigned bits_set(std::uint64_t mask) {
  if constexpr (n <= 8) {
    static constexpr auto kTable = [] {
      std::array<std::uint8_t, 256> t{};
      for (unsigned i = 0; i < 256; ++i) t[i] = static_cast<std::uint8_t>(std::popcount(i));
      return t;
    }();
    return kTable[mask & 0xFF];
  } else {
    return static_cast<unsigned>(std::popcount(mask));
  }
}

// The most applications a searcher sends (the scenario schema's bound).
constexpr std::size_t kMaxApplications = 16;

// Runs body(w) for every worker slot, in parallel over fixed blocks, and
// sums the integer it returns.
template <class Body>
std::int64_t for_workers(std::size_t n, Body body) {
  return sim::sum_ranges<std::int64_t>(0, blocks_of(n, kWorkerBlock), 1, [&](std::size_t r_begin, std::size_t r_end) {
        std::int64_t acc = 0;
        for (std::size_t b = r_begin; b != r_end; ++b) {
          const std::size_t end = std::min(n, (b + 1) * kWorkerBlock);
          for (std::size_t w = b * kWorkerBlock; w < end; ++w) acc += body(w);
        }
        return acc;
      });
}

// Runs body(w, d) for the candidates of a rare event: each worker slot is a
// candidate independently with probability p, found by skipping geometric
// gaps inside fixed blocks of workers, each block with its own keyed stream
// (so the result does not depend on the threads). The body decides, from
// the worker's state (and more draws from d for thinning), whether the event
// happens, and returns what to add to the sum.
template <class Body>
std::int64_t for_candidates(std::size_t n, std::uint64_t seed, std::uint64_t stream, std::uint64_t month, double p,
                            Body body) {
  if (!(p > 0) || n == 0) return 0;
  const double log1m = p >= 1 ? -std::numeric_limits<double>::infinity() : sim::dmath::log1p(-p);
  return sim::sum_ranges<std::int64_t>(0, blocks_of(n, kWorkerBlock), 1, [&](std::size_t r_begin, std::size_t r_end) {
        std::int64_t acc = 0;
        for (std::size_t b = r_begin; b != r_end; ++b) {
          Draws d(seed, stream, month, b);
          const std::size_t end = std::min(n, (b + 1) * kWorkerBlock);
          for (std::size_t w = b * kWorkerBlock;;) {
            const std::uint64_t gap = sim::rng::geometric_gap(d, log1m);
            if (gap >= end - w) break;
            w += gap;
            acc += body(w, d);
            ++w;
          }
        }
        return acc;
      });
}

// A worker leaves firm slot f (nothing if f is not a slot): atomically when
// threads share the firms, plainly on one thread (no locked instruction).
void leave_firm(std::vector<std::uint32_t>& size, std::uint32_t f, bool shared = true) {
  if (f >= size.size()) return;
  if (shared)
    std::atomic_ref<std::uint32_t>(size[f]).fetch_sub(1, std::memory_order_relaxed);
  else
    --size[f];
}

}  // namespace

// The national context of the month, policy clocks, and counters reset.
void TerritoryModel::update_context(const sim::MonthContext& ctx) {
  const int t = ctx.month;
  hires_ = separations_ = creations_ = closures_ = retirements_ = 0;
  in_migrants_ = out_migrants_ = entrants_ = training_starts_ = 0;
  month_spending_ = 0;
  month_portal_cash_ = 0;
  std::fill(month_investment_.begin(), month_investment_.end(), 0.0);
  std::fill(month_policy_spending_.begin(), month_policy_spending_.end(), 0.0);
  national_u_ = interpolate(p_.national_unemployment, t);
  gdp_growth_ = interpolate(p_.gdp_growth, t);
  interest_ = interpolate(p_.interest_rate, t);
  // Tradable demand follows national growth net of the productivity trend,
  // with each sector's elasticity.
  for (std::size_t s = 0; s < p_.sectors.size(); ++s) {
    const double g = 1.0 + p_.sectors[s].growth_elasticity * (gdp_growth_ - p_.productivity_trend);
    growth_index_[s] *= sim::dmath::pow(std::max(g, 0.01), 1.0 / 12.0);
  }
  // Territorial marketing: money spent raises every investor's awareness of
  // the territory; the gain decays. Awareness is not a count: the money is
  // counted at full scale (a run at scale s spends s times as much).
  double marketing = 0;
  if (p_.marketing.active(t)) marketing = spend(kMarketing, p_.marketing.monthly_spend_eur);
  for (auto& g : awareness_gain_)
    g = g * (1.0 - p_.marketing.awareness_decay) + marketing / p_.scale / 1e6 * p_.marketing.awareness_per_meur;
  // Clusters cost their running cost once open.
  for (std::size_t c = 0; c < p_.clusters.size(); ++c)
    if (p_.clusters[c].opening >= 0 && t >= p_.clusters[c].opening)
      spend(kFirstTraining + p_.training.size() + c, p_.clusters[c].monthly_cost_eur);
}

// Residents age a month; those at the retirement age retire; others move
// out with a probability that grows with the gap between local and national
// unemployment (measured last month) above the reference gap. Their slots
// are freed; a job they held ends.
void TerritoryModel::age_retire_and_migrate(const sim::MonthContext& ctx) {
  const std::size_t n = status_.size();
  const auto retire_at = static_cast<std::uint16_t>(std::clamp(p_.retirement_age * 12, 0, 0xFFFF));
  const double push = std::max(0.0, 1.0 + p_.migration_gap_sensitivity * 100.0 * (last_local_u_ - national_u_ - p_.reference_gap));
  // Probabilities: at most 1 however hard the push (past 1, the thinning
  // below kept the employed with out_e / out_u).
  const double out_u = std::min(1.0, p_.out_migration_unemployed * push);
  const double out_e = std::min(1.0, p_.out_migration_employed * push);
  const auto outside = static_cast<std::uint8_t>(p_.outside);
  auto leave = [&](std::size_t w) -> std::int64_t {
    const bool had_job = status_[w] == kEmployed;
    if (had_job) leave_firm(firm_size_, employer_[w]);
    status_[w] = kFreeSlot;
    employer_[w] = kNoFirm;
    return had_job ? 1 : 0;
  };
  // Ageing and retirement: every resident ages, 64 slots at a time without
  // a branch (vectorised: `any` is an integer, as the compiler vectorises
  // no bool accumulator); the runs of 64 where a resident reaches the
  // retirement age are scanned again, and those residents retire.
  std::atomic<std::int64_t> retired{0};
  separations_ += sim::sum_ranges<std::int64_t>(0, blocks_of(n, kWorkerBlock), 1, [&](std::size_t r_begin, std::size_t r_end) {
    const std::uint8_t* const status = status_.data();
    const std::uint8_t* const home = home_.data();
    std::uint16_t* const age = age_months_.data();
    std::int64_t acc = 0, retiring = 0;
    for (std::size_t c = r_begin * kWorkerBlock, end = std::min(n, r_end * kWorkerBlock); c < end; c += 64) {
      const std::size_t stop = std::min(end, c + 64);
      std::uint16_t any = 0;
      for (std::size_t w = c; w < stop; ++w) {
        const auto ages = static_cast<std::uint16_t>((status[w] != kFreeSlot) & (home[w] != outside));
        const auto a = static_cast<std::uint16_t>(age[w] + ages);
        age[w] = a;
        any |= static_cast<std::uint16_t>(ages & (a >= retire_at));
      }
      if (!any) continue;
      for (std::size_t w = c; w < stop; ++w)
        if (status[w] != kFreeSlot && home[w] != outside && age[w] >= retire_at) {
          ++retiring;
          acc += leave(w);
        }
    }
    retired.fetch_add(retiring, std::memory_order_relaxed);
    return acc;
  });
  // Out-migration: candidates drawn by skipping at the higher of the two
  // rates, then kept with their own rate over it (thinning).
  const double top = std::max(out_u, out_e);
  std::atomic<std::int64_t> moved{0};
  separations_ += for_candidates(n, ctx.seed, kAgeing, static_cast<std::uint64_t>(ctx.month), top,
                                 [&](std::size_t w, Draws& d) -> std::int64_t {
                                   const std::uint8_t s = status_[w];
                                   if (s == kFreeSlot || home_[w] == outside) return 0;
                                   if (!(d.uniform() * top < (s == kEmployed ? out_e : out_u))) return 0;
                                   moved.fetch_add(1, std::memory_order_relaxed);
                                   return leave(w);
                                 });
  retirements_ = retired.load();
  out_migrants_ = moved.load();
}

// Young people, the graduates who stay, and in-migrants (fewer when the
// local labour market is worse than usual) enter as job seekers. They take
// the lowest free slots.
void TerritoryModel::enter_labour_force(const sim::MonthContext& ctx) {
  // The free slots, 64 at a time, listed highest first (new_worker_slot
  // takes from the back).
  free_workers_.clear();
  for (std::size_t w = 0, n = status_.size(); w < n; w += 64)
    sim::for_each_bit(sim::equal_bits(status_.data() + w, std::min<std::size_t>(64, n - w), kFreeSlot), w,
                      [&](std::uint64_t slot) { free_workers_.push_back(static_cast<std::uint32_t>(slot)); });
  std::reverse(free_workers_.begin(), free_workers_.end());
  std::vector<double> lf;
  for (std::size_t z = 0; z < p_.zones.size(); ++z) lf.push_back(z == p_.outside ? 0.0 : static_cast<double>(p_.zones[z].labour_force));
  const auto lf_cum = cumulative(lf);
  const auto month = static_cast<std::uint64_t>(ctx.month);
  const double pull = std::max(0.0, 1.0 - p_.migration_gap_sensitivity * 100.0 * (last_local_u_ - national_u_ - p_.reference_gap));
  const int age_span = (p_.retirement_age - p_.entry_age) * 12;
  struct Flow {
    std::uint64_t stream;
    double mean;
  };
  const Flow flows[] = {{kEntrants, p_.entrants_per_year / 12.0},
                        {kGraduates, p_.graduates_per_year * p_.graduate_retention / 12.0},
                        {kInMigrants, p_.in_migrants_per_year * pull / 12.0}};
  for (std::size_t k = 0; k < 3; ++k) {
    Draws count(ctx.seed, flows[k].stream, month, 0);
    const std::uint64_t m = sim::rng::poisson(count, flows[k].mean);
    for (std::uint64_t j = 0; j < m; ++j) {
      Draws d(ctx.seed, flows[k].stream, month, 1 + j);
      const std::uint32_t w = new_worker_slot();
      home_[w] = static_cast<std::uint8_t>(index_from_cumulative(d.uniform(), lf_cum));
      const std::size_t top = p_.skills.size() - 1;
      skill_[w] = static_cast<std::uint8_t>(k == 1 ? top : index_from_cumulative(d.uniform(), skill_cum_));
      sector_[w] = static_cast<std::uint8_t>(index_from_cumulative(d.uniform(), sector_job_cum_));
      const int age = k == 0   ? p_.entry_age * 12
                      : k == 1 ? std::min(p_.entry_age + 3, p_.retirement_age - 1) * 12
                               : p_.entry_age * 12 + static_cast<int>(d.below(static_cast<std::uint64_t>(age_span)));
      age_months_[w] = static_cast<std::uint16_t>(age);
      status_[w] = kUnemployed;
      duration_[w] = 0;
      employer_[w] = kNoFirm;
      // The wage they expect: the sector's wage for their skill.
      wage_[w] = static_cast<float>(p_.sectors[sector_[w]].wage_eur * p_.skills[skill_[w]].wage_factor);
      if (k == 2) ++in_migrants_;
      else ++entrants_;
    }
  }
}

// Each job ends with the monthly separation probability (quits, ends of
// contracts), inside the territory or outside: the candidates are drawn by
// skipping (for_candidates), and a candidate who holds a job loses it.
void TerritoryModel::separate_workers(const sim::MonthContext& ctx) {
  separations_ += for_candidates(status_.size(), ctx.seed, kSeparations, static_cast<std::uint64_t>(ctx.month),
                                 p_.separation_rate, [&](std::size_t w, Draws&) -> std::int64_t {
                                   if (status_[w] != kEmployed) return 0;
                                   leave_firm(firm_size_, employer_[w]);
                                   employer_[w] = kNoFirm;
                                   status_[w] = kUnemployed;
                                   duration_[w] = 0;
                                   return 1;
                                 });
}

// Training programmes. Trainees who finish succeed with the programme's
// success rate: a skill level up and the programme's sector as their
// affinity; all return to search. Then each active programme fills its
// places of the month (Poisson around places/12, as the budget allows) with
// eligible unemployed residents chosen uniformly by keyed priorities.
void TerritoryModel::run_training(const sim::MonthContext& ctx) {
  const std::size_t n = status_.size();
  const auto month = static_cast<std::uint64_t>(ctx.month);
  if (p_.training.empty()) return;
  const BlockedStream outcome(ctx.seed, kTrainingOutcome, month, n);
  const auto top = static_cast<std::uint8_t>(p_.skills.size() - 1);
  for_workers(n, [&](std::size_t w) -> std::int64_t {
    if (status_[w] != kInTraining) return 0;
    if (duration_[w] > 1) {
      --duration_[w];
      return 0;
    }
    const auto& prog = p_.training[employer_[w]];
    if (outcome(w).bernoulli(prog.success_rate)) {
      skill_[w] = std::min<std::uint8_t>(top, static_cast<std::uint8_t>(skill_[w] + 1));
      sector_[w] = static_cast<std::uint8_t>(prog.target_sector);
    }
    status_[w] = kUnemployed;
    employer_[w] = kNoFirm;
    duration_[w] = 0;
    return 0;
  });
  for (std::size_t i = 0; i < p_.training.size(); ++i) {
    const auto& prog = p_.training[i];
    if (!prog.active(ctx.month)) continue;
    Draws count(ctx.seed, kTrainingPlaces, month, i);
    auto places = sim::rng::poisson(count, prog.places_per_year / 12.0);
    const std::size_t k = kFirstTraining + i;
    if (prog.cost_per_place_eur > 0)
      // Clamped before the cast: a quotient past 2^64 (a cost of 1e-300 a
      // place) was undefined behaviour, and gave 0 places on x86.
      places = std::min<std::uint64_t>(
          places, clamp_cast<std::uint64_t>(std::floor((budget_[k] - spent_[k]) / prog.cost_per_place_eur), 0x1p63));
    if (places == 0) continue;
    const BlockedStream choice(ctx.seed, kTrainingChoice ^ (i * 0x9e3779b97f4a7c15ull), month, n);
    std::vector<std::pair<double, std::uint32_t>> eligible;
    for (std::size_t w = 0; w < n; ++w)
      if (status_[w] == kUnemployed && home_[w] != p_.outside && duration_[w] >= prog.min_unemployment_months)
        eligible.emplace_back(choice(w).uniform(), static_cast<std::uint32_t>(w));
    const std::size_t take = std::min<std::size_t>(eligible.size(), places);
    std::nth_element(eligible.begin(), eligible.begin() + static_cast<std::ptrdiff_t>(take), eligible.end());
    for (std::size_t j = 0; j < take; ++j) {
      const std::uint32_t w = eligible[j].second;
      status_[w] = kInTraining;
      employer_[w] = static_cast<std::uint32_t>(i);
      duration_[w] = static_cast<std::uint16_t>(prog.duration_months);
    }
    spend(k, static_cast<double>(take) * prog.cost_per_place_eur);
    training_starts_ += static_cast<std::int64_t>(take);
  }
}

// One round of search and matching.
//  a. Vacancies (target - employees) are listed, grouped by zone.
//  b. Searchers: every unemployed resident or outside job seeker, and each
//     employed resident with the on-the-job search probability.
//  c. Each sends `applications`: a zone with probability proportional to its
//     vacancies times exp(-travel minutes / gravity_minutes), then a vacancy
//     of that zone uniformly (a firm in proportion to its vacancies). It
//     applies only if the firm's wage for its skill reaches its reservation
//     wage (unemployed) or its wage plus the switch gain (employed); the
//     firm finds it acceptable if skill and sector match, or else with the
//     mismatch acceptance probabilities.
//  d. Each firm offers its vacancies to the acceptable applicants with the
//     highest keyed priorities (uniform, plus a bonus for subsidised hires);
//     without an eligible applicant, a uniform choice by a partial
//     Fisher-Yates shuffle keyed by the firm's id.
//  e. Each searcher with offers takes the best paid.
void TerritoryModel::match_jobs(const sim::MonthContext& ctx) {
  const std::size_t n = status_.size(), slots = firm_id_.size(), nz = p_.zones.size();
  const auto month = static_cast<std::uint64_t>(ctx.month);
  const auto a = static_cast<std::size_t>(p_.applications);
  if (a > kMaxApplications) throw std::logic_error("territory: more applications than the schema allows");

  std::vector<std::uint32_t> zone_start;
  sim::group_with_multiplicity(
      slots, nz, [&](std::size_t f) { return firm_zone_[f]; },
      [&](std::size_t f) { return firm_alive_[f] && firm_size_[f] < firm_target_[f] ? firm_target_[f] - firm_size_[f] : 0u; },
      zone_start, vacancy_slots_, "territory: the firms' vacancies this month");
  if (zone_start[nz] == 0) return;
  // Zone choice for a worker living in h: vacancies weighted by gravity.
  sim::rng::GuidedRows zone_pick(nz, nz);
  zone_pick.assign([&](std::size_t h, std::size_t z) {
    return static_cast<double>(zone_start[z + 1] - zone_start[z]) *
           gravity_(static_cast<Eigen::Index>(h), static_cast<Eigen::Index>(z));
  });

  // b. Searchers in worker order: every unemployed worker, and the employed
  // residents among the on-the-job candidates (drawn by skipping, each
  // block of workers with its own keyed stream); marked in a bit mask a
  // block and counted, then listed in place.
  const auto outside = static_cast<std::uint8_t>(p_.outside);
  const double otj = p_.on_the_job_search;
  const double otj_log1m = otj >= 1 ? -std::numeric_limits<double>::infinity() : sim::dmath::log1p(-otj);
  const std::size_t nblocks = blocks_of(n, kWorkerBlock);
  constexpr std::size_t kBlockWords = kWorkerBlock / 64;
  static_assert(kWorkerBlock % 64 == 0);
  std::vector<std::uint32_t> block_start(nblocks + 1, 0);
  searching_.resize(nblocks * kBlockWords);
  sim::for_each_index(nblocks, [&](std::size_t b) {
    const std::size_t begin = b * kWorkerBlock, end = std::min(n, (b + 1) * kWorkerBlock);
    const std::uint8_t* const status = status_.data();
    const std::uint8_t* const home = home_.data();
    std::uint64_t* const mask = searching_.data() + b * kBlockWords;
    for (std::size_t k = 0; k < kBlockWords; ++k) {
      const std::size_t w = begin + 64 * k;
      mask[k] = w < end ? sim::equal_bits(status + w, std::min<std::size_t>(64, end - w), kUnemployed) : 0;
    }
    if (otj > 0) {
      Draws d(ctx.seed, kOnTheJob, month, b);
      for (std::size_t w = begin;;) {
        const std::uint64_t gap = sim::rng::geometric_gap(d, otj_log1m);
        if (gap >= end - w) break;
        w += gap;
        if (status[w] == kEmployed && home[w] != outside) mask[(w - begin) / 64] |= std::uint64_t{1} << ((w - begin) % 64);
        ++w;
      }
    }
    block_start[b + 1] = static_cast<std::uint32_t>(sim::count_bits(mask, kBlockWords));
  });
  for (std::size_t b = 0; b < nblocks; ++b) block_start[b + 1] += block_start[b];
  searchers_.resize(block_start[nblocks]);
  sim::for_each_index(nblocks, [&](std::size_t b) {
    sim::list_bits(searching_.data() + b * kBlockWords, kBlockWords, b * kWorkerBlock, searchers_.data() + block_start[b]);
  });
  const std::size_t ns = searchers_.size();
  applications_.assign(ns * a, kNoFirm);
  offered_.assign(ns * a, 0);

  // c. Applications.
  const BlockedStream search(ctx.seed, kSearch, month, n);
  const BlockedStream accept(ctx.seed, kAcceptance, month, n);
  // An acceptance draw passes when uniform_of(bits) < p, tested on the
  // integer bits (UnitDraws::uniform_below: the same test, exactly).
  const std::uint64_t underqualified_below = UnitDraws::uniform_below(p_.underqualified_acceptance);
  const std::uint64_t mismatch_below = UnitDraws::uniform_below(p_.sector_mismatch_acceptance);
  const double switch_factor = 1.0 + p_.switch_gain;
  // In fixed blocks of searchers, each listing its accepted applications
  // (in order, without a branch) for the grouping below.
  constexpr std::size_t kSearcherBlock = 1024;
  const std::size_t search_blocks = blocks_of(ns, kSearcherBlock);
  accepted_.resize(ns * a);
  accepted_count_.resize(search_blocks);
  auto apply_in_block = [&](std::size_t block, auto applications) {
    const std::size_t na = applications;  // a, known at compile time (see the dispatch below)
    const std::size_t r_begin = block * kSearcherBlock, r_end = std::min(ns, r_begin + kSearcherBlock);
    std::uint32_t* listed = accepted_.data() + r_begin * na;
    std::uint32_t listed_count = 0;
    const std::uint32_t* vac = vacancy_slots_.data();
    const std::uint32_t* zstart = zone_start.data();
    const std::uint8_t* fskill = firm_skill_.data();
    const std::uint8_t* fsector = firm_sector_.data();
    const float* fwage = firm_wage_.data();
    const double* sw = skill_wage_.data();
    const std::size_t nk = p_.skills.size();
    for (std::size_t i = r_begin; i != r_end; ++i) {
      const std::uint32_t w = searchers_[i];
      const std::size_t h = home_[w];
      if (!(zone_pick.total(h) > 0)) continue;
      auto ds = search(w);
      const auto da = accept(w);
      const bool employed = status_[w] == kEmployed;
      const double floor_wage = employed ? static_cast<double>(wage_[w]) * switch_factor : reservation_wage(w);
      const std::uint8_t skill = skill_[w], sector = sector_[w];
      const std::uint32_t current = employer_[w];
      std::uint32_t* apps = &applications_[i * na];
      // First the candidate firms (kNoFirm where the zone drawn has no
      // vacancy): the search draws alone decide them, so the a lookups are
      // independent of each other.
      std::uint32_t candidate[kMaxApplications];
      for (std::size_t j = 0; j < na; ++j) {
        const std::uint64_t word = ds.bits();
        const std::size_t z = zone_pick.find(h, static_cast<double>(word >> 32) * 0x1.0p-32);
        const std::uint32_t first = zstart[z], count = zstart[z + 1] - first;
        candidate[j] = count == 0 ? kNoFirm : vac[first + ds.below32(static_cast<std::uint32_t>(word), count)];
      }
      // Then the tests, without branches. What depends on the firm alone
      // comes first, off the chain from one application to the next: the
      // worker applies if the firm pays enough (wage_for) and is not its
      // employer; the firm accepts if skill and sector match or, for each
      // mismatch, with its acceptance draw. The acceptance draws are the
      // unit's draws 0, 1, 2, ... (bits_ahead), each taken only by a
      // mismatch that needs it: the draws of the branching rule, without its
      // unpredictable branches. They are tested ahead, as bit masks, so
      // that the chain (a firm applied to and accepted before is not applied
      // to again; which draw the next mismatch takes) is a few bit
      // operations an application.
      std::uint64_t fits = 0, underqualified = 0, other_sector = 0, skill_pass = 0, sector_pass = 0;
      std::uint64_t same_before[kMaxApplications];  // bit q: candidate q < j is the same firm
      for (std::size_t j = 0; j < na; ++j) {
        const std::uint32_t f = candidate[j];
        const std::uint32_t g = f == kNoFirm ? 0u : f;  // a slot to read safely
        const std::uint8_t fs = fsector[g];
        const bool base = (f != kNoFirm) & (f != current) &
                          !(sw[fs * nk + skill] * static_cast<double>(fwage[g]) < floor_wage);
        fits |= std::uint64_t{base} << j;
        underqualified |= std::uint64_t{skill < fskill[g]} << j;
        other_sector |= std::uint64_t{sector != fs} << j;
        std::uint64_t same = 0;
        for (std::size_t q = 0; q < j; ++q) same |= std::uint64_t{candidate[q] == f} << q;
        same_before[j] = same;
      }
      // Only the draws that mismatches may take: at most one for each
      // application the worker would make that is under-qualified, and one
      // for each in another sector (about 3 of the 8 at the Amiens
      // defaults). The first few always, the rest when needed.
      const auto acceptance_draws = [&](std::size_t from, std::size_t to) {
        for (std::size_t k = from; k < to; ++k) {
          const std::uint64_t u = da.bits_ahead(k) >> 11;
          skill_pass |= std::uint64_t{u < underqualified_below} << k;
          sector_pass |= std::uint64_t{u < mismatch_below} << k;
        }
      };
      constexpr std::size_t kAlways = std::min<std::size_t>(2 * na, 4);
      acceptance_draws(0, kAlways);
      const auto needed = static_cast<std::size_t>(bits_set<na>(fits & underqualified) + bits_set<na>(fits & other_sector));
      if (needed > kAlways) acceptance_draws(kAlways, 2 * na);
      std::uint64_t accepted_mask = 0, taken = 0;
      for (std::size_t j = 0; j < na; ++j) {
        const std::uint64_t applies = (fits >> j & 1) & std::uint64_t{(same_before[j] & accepted_mask) == 0};
        const std::uint64_t under = applies & (underqualified >> j);
        const std::uint64_t skill_ok = skill_pass >> taken;
        taken += under & 1;
        const std::uint64_t other = applies & (other_sector >> j);
        const std::uint64_t sector_ok = sector_pass >> taken;
        taken += other & 1;
        accepted_mask |= (applies & (~under | skill_ok) & (~other | sector_ok) & 1) << j;
      }
      for (std::size_t j = 0; j < na; ++j) {
        const bool accepted = accepted_mask >> j & 1;
        apps[j] = candidate[j] | (static_cast<std::uint32_t>(accepted) - 1u);  // kNoFirm (all ones) unless accepted
        listed[listed_count] = static_cast<std::uint32_t>(i * na + j);
        listed_count += accepted;
      }
    }
    accepted_count_[block] = listed_count;
  };
  // The count of applications a compile-time constant, whichever the
  // scenario's (1 to kMaxApplications): the loops over them unrolled, the
  // masks in registers.
  sim::for_each_index(search_blocks, [&](std::size_t block) {
    [&]<std::size_t... A>(std::index_sequence<A...>) {
      if (!((a == A + 1 && (apply_in_block(block, std::integral_constant<std::size_t, A + 1>{}), true)) || ...))
        throw std::logic_error("territory: no search loop for this many applications");
    }(std::make_index_sequence<kMaxApplications>{});
  });

  // d. The accepted applications grouped by firm (counting sort, in
  // searcher order), from the blocks' lists.
  auto for_accepted = [&](auto&& body) {
    for (std::size_t block = 0; block < search_blocks; ++block) {
      const std::uint32_t* listed = accepted_.data() + block * kSearcherBlock * a;
      for (std::uint32_t k = 0, count = accepted_count_[block]; k < count; ++k) body(listed[k]);
    }
  };
  bucket_offset_.assign(slots + 1, 0);
  for_accepted([&](std::uint32_t i) { ++bucket_offset_[applications_[i] + 1]; });
  for (std::size_t f = 0; f < slots; ++f) bucket_offset_[f + 1] += bucket_offset_[f];
  bucket_.resize(bucket_offset_[slots]);
  {
    std::vector<std::uint32_t> fill(bucket_offset_.begin(), bucket_offset_.end() - 1);
    for_accepted([&](std::uint32_t i) { bucket_[fill[applications_[i]]++] = i; });
  }
  const bool subsidy = p_.hiring_subsidy.active(ctx.month) && spent_[kHiringSubsidy] < budget_[kHiringSubsidy];
  auto eligible = [&](std::uint32_t w) {
    return subsidy && status_[w] == kUnemployed && home_[w] != p_.outside &&
           duration_[w] >= p_.hiring_subsidy.min_unemployment_months;
  };
  // A firm with more applicants than vacancies offers its vacancies to the
  // applicants with the highest keyed priorities: uniform, plus the
  // subsidy's bonus for eligible ones. Without an eligible applicant that is
  // a uniform choice, drawn by a partial Fisher-Yates shuffle (one draw per
  // vacancy, not one per applicant).
  const BlockedStream offers(ctx.seed, kOffers, month, next_firm_id_);
  const double bonus = p_.hiring_subsidy.priority_bonus;
  sim::for_ranges(0, slots, kFirmGrain, [&](std::size_t r_begin, std::size_t r_end) {
    std::vector<std::pair<double, std::uint32_t>> ranked;
    for (std::size_t f = r_begin; f != r_end; ++f) {
      const std::uint32_t begin = bucket_offset_[f], count = bucket_offset_[f + 1] - begin;
      if (count == 0) continue;
      const std::uint32_t vacancies = firm_target_[f] - firm_size_[f];
      std::uint32_t* apps = bucket_.data() + begin;
      if (count <= vacancies) {
        for (std::uint32_t i = 0; i < count; ++i) offered_[apps[i]] = 1;
        continue;
      }
      auto d = offers(firm_id_[f]);
      bool favoured = false;
      if (subsidy && bonus != 0)
        for (std::uint32_t i = 0; i < count && !favoured; ++i) favoured = eligible(searchers_[apps[i] / a]);
      if (!favoured) {
        for (std::uint32_t i = 0; i < vacancies; ++i) {
          std::swap(apps[i], apps[i + d.below(count - i)]);
          offered_[apps[i]] = 1;
        }
        continue;
      }
      ranked.clear();
      for (std::uint32_t i = 0; i < count; ++i) {
        const std::uint32_t app = apps[i];
        ranked.emplace_back(-(d.uniform() + (eligible(searchers_[app / a]) ? bonus : 0.0)), app);
      }
      std::nth_element(ranked.begin(), ranked.begin() + vacancies, ranked.end());
      for (std::uint32_t i = 0; i < vacancies; ++i) offered_[ranked[i].second] = 1;
    }
  });

  // e. Acceptance: the best paid offer.
  std::vector<std::uint8_t> subsidised(ns, 0);
  std::atomic<std::int64_t> switched{0};
  const bool serial = sim::concurrency() == 1;
  const std::int64_t hired = sim::sum_ranges<std::int64_t>(0, ns, 1024, [&](std::size_t r_begin, std::size_t r_end) {
        std::int64_t acc = 0;
        for (std::size_t i = r_begin; i != r_end; ++i) {
          const std::uint32_t w = searchers_[i];
          std::uint32_t best = kNoFirm;
          double best_wage = -1;
          for (std::size_t j = 0; j < a; ++j) {
            if (!offered_[i * a + j]) continue;
            const std::uint32_t f = applications_[i * a + j];
            const double wf = wage_for(f, skill_[w]);
            if (wf > best_wage) best_wage = wf, best = f;
          }
          if (best == kNoFirm) continue;
          subsidised[i] = eligible(w) ? 1 : 0;
          if (status_[w] == kEmployed) {
            leave_firm(firm_size_, employer_[w], !serial);
            switched.fetch_add(1, std::memory_order_relaxed);
          }
          if (serial)  // on one thread without a locked instruction
            ++firm_size_[best];
          else
            std::atomic_ref<std::uint32_t>(firm_size_[best]).fetch_add(1, std::memory_order_relaxed);
          employer_[w] = best;
          status_[w] = kEmployed;
          duration_[w] = 0;
          wage_[w] = static_cast<float>(best_wage);
          sector_[w] = firm_sector_[best];
          ++acc;
        }
        return acc;
      });
  hires_ += hired;
  separations_ += switched.load();
  // The hiring subsidy is paid, in searcher order, while its budget lasts.
  if (subsidy)
    for (std::size_t i = 0; i < ns; ++i)
      if (subsidised[i]) grant(employer_[searchers_[i]], spend(kHiringSubsidy, p_.hiring_subsidy.eur_per_hire));
}

// Unemployed residents find jobs outside the territory at a rate that
// follows the national labour market: outside_job_finding x (national rate
// at the start / national rate now)^elasticity.
void TerritoryModel::find_outside_jobs(const sim::MonthContext& ctx) {
  const double rate = std::min(1.0, p_.outside_job_finding * sim::dmath::pow(national_u0_ / std::max(national_u_, 1e-3),
                                                                       p_.outside_finding_elasticity));
  const auto outside = static_cast<std::uint8_t>(p_.outside);
  hires_ += for_candidates(status_.size(), ctx.seed, kOutsideJobs, static_cast<std::uint64_t>(ctx.month), rate,
                           [&](std::size_t w, Draws&) -> std::int64_t {
                             if (status_[w] != kUnemployed || home_[w] == outside) return 0;
                             status_[w] = kEmployed;
                             employer_[w] = kOutsideJob;
                             duration_[w] = 0;
                             wage_[w] = static_cast<float>(skill_wage_[sector_[w] * p_.skills.size() + skill_[w]]);
                             return 1;
                           });
}

// Unemployment lengthens; long-term unemployed residents may leave the
// labour force (discouragement) and inactive residents may return to it.
// The same pass takes the month's census (census_pass).
void TerritoryModel::drift_labour_force(const sim::MonthContext& ctx) {
  census_pass(&ctx);
  census_month_ = ctx.month;
  count_population();
}

void TerritoryModel::census_pass(const sim::MonthContext* drift) {
  const std::size_t n = status_.size(), nz = p_.zones.size(), nk = p_.skills.size();
  const std::size_t nblocks = blocks_of(n, kWorkerBlock);
  const auto outside = static_cast<std::uint8_t>(p_.outside);
  const BlockedStream draws(drift ? drift->seed : 0, kDiscouragement, drift ? static_cast<std::uint64_t>(drift->month) : 0,
                            drift ? n : 0);
  const auto after = static_cast<std::uint16_t>(std::clamp(p_.discouragement_after_months, 0, 0xFFFF));
  block_census_.resize(nblocks);
  const double discouragement = p_.discouragement_rate, comeback = p_.return_rate;
  sim::for_each_index(nblocks, [&](std::size_t b) {
    // The columns in the body's own locals: the status written below is a
    // byte, which may alias any memory, so pointers read through the
    // closure or the model were read again after every store.
    std::uint8_t* const status = status_.data();
    std::uint16_t* const duration = duration_.data();
    const std::uint8_t* const home = home_.data();
    const std::uint8_t* const skill = skill_.data();
    const std::uint32_t* const employer = employer_.data();
    const float* const wage = wage_.data();
    Census& c = block_census_[b];
    c.reset(nz, nk);
    // Scalars in locals, so that the compiler keeps them in registers, and
    // the tallies on this thread's stack: the blocks' own small arrays lie
    // side by side on the heap, and two threads counting into neighbouring
    // blocks would share their cache lines at every worker.
    std::int64_t jobs = 0, in_comm = 0, employed = 0, unemployed = 0, out_comm = 0, others = 0, training = 0;
    double job_wages = 0, resident_wages = 0;
    std::array<std::int64_t, 256> zone_lf{}, zone_un{};
    std::array<std::int64_t, 256> skill_lf{}, skill_un{};
    const std::size_t end = std::min(n, (b + 1) * kWorkerBlock);
    for (std::size_t w = b * kWorkerBlock; w < end; ++w) {
      std::uint8_t s = status[w];
      const std::uint8_t h = home[w];
      if (drift) {
        if (s == kUnemployed) {
          if (duration[w] < 0xFFFF) ++duration[w];
          if (h != outside && duration[w] >= after && draws(w).bernoulli(discouragement)) status[w] = s = kInactive;
        } else if (s == kInactive) {
          if (draws(w).bernoulli(comeback)) status[w] = s = kUnemployed;
        }
      }
      const bool resident = h != outside;
      if (s == kEmployed) {
        const std::uint32_t f = employer[w];
        const double pay = static_cast<double>(wage[w]);
        if (f != kOutsideJob) {
          ++jobs;
          job_wages += pay;
          in_comm += !resident;
        }
        ++zone_lf[h];
        if (!resident) continue;
        ++employed;
        resident_wages += pay;
        out_comm += f == kOutsideJob;
        ++skill_lf[skill[w]];
      } else if (s == kUnemployed) {
        // The outside zone's row counts its agents, as its labour force
        // does: an outside agent without a job seeks one in the territory.
        ++zone_lf[h];
        ++zone_un[h];
        if (!resident) continue;
        ++unemployed;
        ++skill_lf[skill[w]];
        ++skill_un[skill[w]];
      } else if (resident) {
        training += s == kInTraining;
        others += s == kInactive;
      }
    }
    std::copy_n(zone_lf.begin(), nz, c.zone_lf.begin());
    std::copy_n(zone_un.begin(), nz, c.zone_unemployed.begin());
    std::copy_n(skill_lf.begin(), nk, c.skill_lf.begin());
    std::copy_n(skill_un.begin(), nk, c.skill_unemployed.begin());
    c.jobs = jobs;
    c.in_comm = in_comm;
    c.employed = employed;
    c.unemployed = unemployed;
    c.out_comm = out_comm;
    c.training = training;
    c.inactive = others;
    c.job_wages = job_wages;
    c.resident_wages = resident_wages;
  });
  // Block sums added in block order: the same bits on any number of threads.
  census_.reset(nz, nk);
  for (const auto& c : block_census_) census_.add(c);
  // The jobs of each zone: its firms' employees (a firm's size is the count
  // of workers it employs, an invariant), summed over the firms rather than
  // found worker by worker through their employer's zone.
  for (std::size_t f = 0; f < firm_id_.size(); ++f)
    if (firm_alive_[f]) census_.zone_jobs[firm_zone_[f]] += firm_size_[f];
}

}  // namespace terrasim::models::territory
