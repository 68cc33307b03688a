// The docking model: parameters, initial state and the five monthly rules of
// shared/reference/dock-model.md, each a phase.
//
// Layout: workers are three columns (home zone, skill, employer slot: 6 bytes
// a worker); firms are columns by slot. Randomness: every rule draws from its
// own named stream, keyed by fixed blocks of workers or of firm slots
// (separations, exits: rare events drawn by skipping), by worker id (search,
// choice) or by firm id (targets, dismissals), so the output depends neither
// on the number of threads nor, for one agent, on what the others drew. The
// agents' streams are wyrand's output on a keyed Weyl sequence
// (sim/rng/philox.h: a multiplication a draw, where SplitMix64 costs two).
#include "models/dock/dock.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_reduce.h>

#include "sim/core/agent_ids.h"
#include "sim/core/parallel.h"
#include "sim/rng/distributions.h"
#include "sim/rng/alias.h"
#include "sim/rng/lowest_keys.h"
#include "sim/rng/ziggurat.h"
#include "sim/rng/philox.h"
#include "sim/rng/sampling.h"
#include "sim/territory/territory.h"
#include "sim/util/detmath.h"

namespace terrasim::models::dock {

using sim::rng::Draws;
using sim::rng::stream_id;

namespace {

// One stream per cause.
constexpr std::uint64_t kInitWorkers = stream_id("dock.init.workers");
constexpr std::uint64_t kInitFirms = stream_id("dock.init.firms");
constexpr std::uint64_t kInitOrder = stream_id("dock.init.order");
constexpr std::uint64_t kInitFirmOrder = stream_id("dock.init.firm_order");
constexpr std::uint64_t kSeparations = stream_id("dock.separations");
constexpr std::uint64_t kTargets = stream_id("dock.targets");
constexpr std::uint64_t kDismissals = stream_id("dock.dismissals");
constexpr std::uint64_t kExits = stream_id("dock.exits");
constexpr std::uint64_t kEntries = stream_id("dock.entries");
constexpr std::uint64_t kSearch = stream_id("dock.search");
constexpr std::uint64_t kChoice = stream_id("dock.choice");

// Workers are processed in fixed blocks: the unit of the block-keyed streams
// and of parallel work. Changing it changes the random numbers (not their
// distribution), so it is part of the model's definition.
constexpr std::size_t kWorkerBlock = 8192;
constexpr std::size_t kFirmGrain = 512;
// Fixed blocks of firm slots for the exits drawn by skipping (part of the
// model's definition, like kWorkerBlock).
constexpr std::size_t kSlotBlock = 8192;
// No skill: marks a worker who sends no application (skills are below 255).
constexpr std::uint8_t kNoSkill = 255;

std::size_t blocks_of(std::size_t n, std::size_t block) { return (n + block - 1) / block; }

// Pieces of firm slots for the passes that list firms in slot order in
// parallel (each piece after the pieces before it): one a thread from
// 4,096 slots on, at most 16; one below. (From 32,768 before: at the
// defaults' 9,500 firm slots, two pieces took 1-3% off a run on two
// threads: the matching -3%, targets and exits +3%.)
std::size_t slot_pieces(std::size_t slots) {
  return slots >= 4096 ? std::min<std::size_t>(static_cast<std::size_t>(sim::concurrency()), 16) : 1;
}

// Integer counts added over ranges of agents (sim::sum_ranges); an empty
// tally is the sum's zero.
struct Tally {
  std::vector<std::int64_t> counts;
  friend Tally operator+(Tally a, const Tally& b) {
    if (a.counts.empty()) return b;
    for (std::size_t i = 0; i < b.counts.size(); ++i) a.counts[i] += b.counts[i];
    return a;
  }
};



}  // namespace

// ---------------------------------------------------------------- parameters

void declare_parameters(sim::Record& root) {
  root.integer("workers").range(1, 50'000'000).def(100000).unit("workers").doc("N, number of workers");
  root.integer("firms").range(1, 10'000'000).def(9500).unit("firms").doc("M0, initial number of firms");
  root.integer("skills").range(1, 255).def(4).doc("S, number of skill types");
  root.number("separation_rate").range(0, 1).def(0.02).unit("1/month").doc(
      "delta, monthly probability that an employed worker leaves its job");
  root.number("target_volatility").range(0, 5).def(0.10).doc("sigma, volatility of a firm's latent size target");
  root.number("exit_rate").range(0, 1).def(0.005).unit("1/month").doc("monthly probability that a firm closes");
  root.number("entry_rate").range(0, 1e6).def(48.0).unit("firms/month").doc(
      "lambda, mean number of new firms a month (Poisson)");
  root.number("entrant_size_mean").range(0, 1e6).def(8.0).unit("workers").doc(
      "entrant latent target = 1 + Poisson(this)");
  root.number("init_size_mu").range(-20, 20).def(1.5).doc("initial latent target = exp(mu + sigma Z): mu");
  root.number("init_size_sigma").range(0, 10).def(1.2).doc("initial latent target = exp(mu + sigma Z): sigma");
  root.integer("applications").range(1, 16).def(3).doc("a, applications sent by each unemployed worker a month");
  root.number("distance_scale_km").range(0, 1e6).exclusive_min().def(8.0).unit("km").doc(
      "L, distance decay of job search");
  root.number("mismatch_acceptance").range(0, 1).def(0.25).doc(
      "probability that an application across skills is acceptable");
  auto& zone = root.list("zones").min_items(1).max_items(255).doc("zones: centres and shares of workers and firms").item();
  zone.string("name").doc("zone name");
  zone.number("x_km").range(-1e5, 1e5).unit("km").doc("x coordinate of the zone centre");
  zone.number("y_km").range(-1e5, 1e5).unit("km").doc("y coordinate of the zone centre");
  zone.number("worker_share").range(0, 1).doc("share of workers living in the zone");
  zone.number("firm_share").range(0, 1).doc("share of firms located in the zone");
  root.check([](const sim::Value& cfg, const auto& report) {
    const sim::Value& zones = cfg["zones"];
    double workers = 0, firms = 0;
    for (std::size_t i = 0; i < zones.items().size(); ++i) {
      const sim::Value& z = zones.items()[i];
      workers += z["worker_share"].as_double();
      firms += z["firm_share"].as_double();
      if (z["name"].as_string().empty())  // it would head an unnamed row of the zones' table
        report(z["name"], fmt::format("zones[{}].name", i), "an empty name: expected the zone's name");
      for (std::size_t j = 0; j < i; ++j) {
        if (zones.items()[j]["name"].as_string() == z["name"].as_string())
          report(z["name"], fmt::format("zones[{}].name", i),
                 fmt::format("zone name {:?} is used twice (also zones[{}])", z["name"].as_string(), j));
      }
    }
    if (std::fabs(workers - 1.0) > 1e-9)
      report(zones, "zones", fmt::format("worker shares sum to {:.10g}, expected 1", workers));
    if (std::fabs(firms - 1.0) > 1e-9)
      report(zones, "zones", fmt::format("firm shares sum to {:.10g}, expected 1", firms));
  });
}

Params Params::from_config(const sim::Value& c) {
  Params p;
  p.workers = c["workers"].as_int();
  p.firms = c["firms"].as_int();
  p.skills = static_cast<int>(c["skills"].as_int());
  p.separation_rate = c["separation_rate"].as_double();
  p.target_volatility = c["target_volatility"].as_double();
  p.exit_rate = c["exit_rate"].as_double();
  p.entry_rate = c["entry_rate"].as_double();
  p.entrant_size_mean = c["entrant_size_mean"].as_double();
  p.init_size_mu = c["init_size_mu"].as_double();
  p.init_size_sigma = c["init_size_sigma"].as_double();
  p.applications = static_cast<int>(c["applications"].as_int());
  p.distance_scale_km = c["distance_scale_km"].as_double();
  p.mismatch_acceptance = c["mismatch_acceptance"].as_double();
  for (const auto& z : c["zones"].items()) {
    p.zone_names.push_back(z["name"].as_string());
    p.zone_x.push_back(z["x_km"].as_double());
    p.zone_y.push_back(z["y_km"].as_double());
    p.worker_share.push_back(z["worker_share"].as_double());
    p.firm_share.push_back(z["firm_share"].as_double());
  }
  return p;
}

namespace {
const sim::ModelRegistration kRegistration{{
    "dock",
    "the docking model of shared/reference/dock-model.md: a small labour market specified exactly",
    120,
    declare_parameters,
    [](const sim::Value& config) { return std::make_unique<DockModel>(Params::from_config(config)); },
}};
}  // namespace

// ---------------------------------------------------------------- the model

DockModel::DockModel(Params p) : p_(std::move(p)) {
  worker_cum_ = sim::rng::cumulative(p_.worker_share);
  firm_cum_ = sim::rng::cumulative(p_.firm_share);
  std::vector<sim::Zone> zones;
  for (std::size_t z = 0; z < p_.zone_names.size(); ++z) zones.push_back({p_.zone_names[z], p_.zone_x[z], p_.zone_y[z]});
  distance_km_ = sim::Territory(zones, {}).straight_line_km();
  decay_ = (-distance_km_.array() / p_.distance_scale_km)
               .unaryExpr([](double v) { return sim::dmath::exp(v); })
               .matrix();
  const std::size_t nz = p_.zone_names.size();
  // The table stops at 4,096 (larger targets take an exp).
  log_round_up_.resize(4096 + 1);
  for (std::size_t k = 0; k < log_round_up_.size(); ++k)
    log_round_up_[k] = sim::dmath::log(static_cast<double>(k) + 0.5);
  workers_by_zone_.assign(nz, 0);
  workers_by_skill_.assign(static_cast<std::size_t>(p_.skills), 0);
  unemployed_by_zone_.assign(nz, 0);
  unemployed_by_skill_.assign(static_cast<std::size_t>(p_.skills), 0);
}


std::uint32_t DockModel::firm_target_of(double latent) const {
  // n* = max(1, round(T)) with round(x) = floor(x + 0.5), as the spec has
  // it: a target may pass N (a firm's size cannot, its vacancies can: they
  // weigh in the zones' V_z and the recorded vacancies). Capped at 2^31 - 1
  // only so that it cannot overflow; the matching refuses a month with more
  // vacancies than it can list.
  const double r = std::floor(latent + 0.5);
  if (!(r >= 1.0)) return 1;
  if (r >= 0x1p31) return 0x7FFFFFFFu;
  return static_cast<std::uint32_t>(r);
}

// n* = max(1, round(exp(L))) for L = log T, by comparing L with log(k + 0.5):
// from `near` (the firm's previous target), a shock of sigma moves it by a
// step or two. Targets beyond the table take the exp. Inlined into the
// targets' loop (a call a firm cost 5% of a run at the defaults).
[[gnu::always_inline]] inline std::uint32_t DockModel::firm_target_of_log(double log_latent, std::uint32_t near) const {
  const double* up = log_round_up_.data();
  const std::uint32_t top = static_cast<std::uint32_t>(log_round_up_.size());
  std::uint32_t k = std::clamp<std::uint32_t>(near, 1, top - 1);
  // Most targets move by at most one: that step without a branch (its
  // direction is the shock's sign, a coin toss), then the loops, which
  // then rarely turn.
  k = k + static_cast<std::uint32_t>(log_latent >= up[k]) - static_cast<std::uint32_t>(k > 1 && log_latent < up[k - 1]);
  while (k < top && log_latent >= up[k]) ++k;
  while (k > 1 && log_latent < up[k - 1]) --k;
  return k < top ? k : firm_target_of(sim::dmath::exp(log_latent));
}

std::int64_t DockModel::count_vacancies() const {
  std::int64_t vacancies = 0;
  for (std::size_t f = 0; f < firm_id_.size(); ++f)
    if (firm_alive_[f] && firm_target_[f] > firm_size_[f]) vacancies += firm_target_[f] - firm_size_[f];
  return vacancies;
}

std::uint32_t DockModel::allocate_firm_slot() {
  if (!free_slots_.empty()) {
    const std::uint32_t s = free_slots_.back();
    free_slots_.pop_back();
    return s;
  }
  firm_id_.push_back(0);
  firm_zone_.push_back(0);
  firm_skill_.push_back(0);
  firm_alive_.push_back(0);
  firm_latent_.push_back(0.0);
  firm_target_.push_back(0);
  firm_size_.push_back(0);
  if (count_chunks_ > 1) chunk_count_.resize(chunk_count_.size() + count_chunks_, 0);
  return static_cast<std::uint32_t>(firm_id_.size() - 1);
}

std::size_t DockModel::release_chunks() const {
  // A chunk a thread, at most 4 (each costs 13 bytes a firm slot: state, fate, count), and none
  // under 32,768 workers, where the pass is too short to share.
  const auto threads = static_cast<std::size_t>(sim::concurrency());
  return std::clamp<std::size_t>(std::min(threads, employer_.size() / 32768), 1, 4);
}

void DockModel::count_employees_by_chunk(std::size_t chunks) {
  if (count_chunks_ == chunks) return;
  chunk_count_.clear();
  count_chunks_ = chunks;
  if (chunks <= 1) return;
  const std::size_t slots = firm_id_.size(), n = employer_.size(), span = chunk_span(chunks);
  // Each chunk counts into its own column, then the columns are interleaved
  // (counting into the interleaved table at once would share its cache
  // lines between the threads).
  std::vector<std::vector<std::uint32_t>> column(chunks, std::vector<std::uint32_t>(slots, 0));
  sim::for_each_index(chunks, [&](std::size_t c) {
    std::uint32_t* counts = column[c].data();
    for (std::size_t w = c * span, end = std::min(n, (c + 1) * span); w < end; ++w)
      if (employer_[w] != kNoFirm) ++counts[employer_[w]];
  });
  chunk_count_.resize(slots * chunks);
  for (std::size_t f = 0; f < slots; ++f)
    for (std::size_t c = 0; c < chunks; ++c) chunk_count_[f * chunks + c] = column[c][f];
}

void DockModel::declare(sim::Recorder& rec) {
  s_unemp_ = rec.add_series("unemployment_rate", "unemployed workers / N");
  s_firms_ = rec.add_series("firms", "firms alive");
  s_vac_ = rec.add_series("vacancies", "sum of max(0, n*_f - size_f) after matching");
  s_hires_ = rec.add_series("hires", "workers hired in the matching round");
  s_sep_ = rec.add_series("separations", "workers who lost a job: separations, dismissals, closures");
  s_entries_ = rec.add_series("entries", "new firms (K)");
  s_exits_ = rec.add_series("exits", "firms closed");
  b_zones_ = rec.add_breakdown("zones", "zone", p_.zone_names,
                               {{"workers", "workers living in the zone"},
                                {"unemployed", "unemployed workers living in the zone"},
                                {"unemployment_rate", "unemployed / workers of the zone"}});
  std::vector<std::string> skills;
  for (int s = 0; s < p_.skills; ++s) skills.push_back(std::to_string(s));
  b_skills_ = rec.add_breakdown("skills", "skill", skills,
                                {{"workers", "workers of the skill"},
                                 {"unemployed", "unemployed workers of the skill"},
                                 {"unemployment_rate", "unemployed / workers of the skill"}});
}

void DockModel::initialize(std::uint64_t seed) {
  const auto n = static_cast<std::size_t>(p_.workers);
  const auto m = static_cast<std::size_t>(p_.firms);

  // 1. Workers: home zone and skill, drawn per fixed block of workers.
  home_.resize(n);
  skill_.resize(n);
  employer_.assign(n, kNoFirm);
  const sim::rng::WyrandBlockedStream worker_draws(seed, kInitWorkers, 0, n);
  sim::for_ranges(0, n, kWorkerBlock, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t w = lo; w != hi; ++w) {
      auto d = worker_draws(w);
      home_[w] = static_cast<std::uint8_t>(sim::rng::index_from_cumulative(d.uniform(), worker_cum_));
      skill_[w] = static_cast<std::uint8_t>(d.below(static_cast<std::uint64_t>(p_.skills)));
    }
  });
  const std::size_t nz = p_.zone_names.size();
  const Tally by = sim::sum_ranges<Tally>(0, n, kWorkerBlock, [&](std::size_t lo, std::size_t hi) {
    Tally t{std::vector<std::int64_t>(nz + static_cast<std::size_t>(p_.skills), 0)};
    for (std::size_t w = lo; w != hi; ++w) {
      ++t.counts[home_[w]];
      ++t.counts[nz + skill_[w]];
    }
    return t;
  });
  for (std::size_t z = 0; z < nz; ++z) workers_by_zone_[z] += by.counts[z];
  for (std::size_t q = 0; q < static_cast<std::size_t>(p_.skills); ++q) workers_by_skill_[q] += by.counts[nz + q];

  // 2. Firms: zone, skill, latent target, each keyed by the firm's id.
  // The slots 0..m-1, each written below (a loop of allocate_firm_slot()
  // pushed back seven columns a firm: 10 ms at 10^7 workers).
  free_slots_.clear();
  // Room for an eighth more: entrants take the slots of exits first, and
  // the rest would reallocate the seven columns in the first months.
  const std::size_t room = m + m / 8 + 64;
  firm_id_.reserve(room), firm_zone_.reserve(room), firm_skill_.reserve(room), firm_alive_.reserve(room);
  firm_latent_.reserve(room), firm_target_.reserve(room), firm_size_.reserve(room);
  firm_id_.assign(m, 0);
  firm_zone_.assign(m, 0);
  firm_skill_.assign(m, 0);
  firm_alive_.assign(m, 0);
  firm_latent_.assign(m, 0.0);
  firm_target_.assign(m, 0);
  firm_size_.assign(m, 0);
  const sim::rng::WyrandBlockedStream firm_draws(seed, kInitFirms, 0, m);
  sim::for_ranges(0, m, kFirmGrain, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t f = lo; f < hi; ++f) {
      auto d = firm_draws(f);
      firm_id_[f] = f;
      firm_zone_[f] = static_cast<std::uint8_t>(sim::rng::index_from_cumulative(d.uniform(), firm_cum_));
      firm_skill_[f] = static_cast<std::uint8_t>(d.below(static_cast<std::uint64_t>(p_.skills)));
      firm_latent_[f] = p_.init_size_mu + p_.init_size_sigma * sim::rng::normal_ziggurat(d);
      firm_target_[f] = firm_target_of(sim::dmath::exp(firm_latent_[f]));
      firm_alive_[f] = 1;
    }
  });
  next_firm_id_ = m;
  firms_alive_ = initial_firms_ = static_cast<std::int64_t>(m);

  // 3. Workers in a random order fill firms in a random order.
  std::vector<std::uint32_t> worker_order(n), firm_order(m);
  std::iota(worker_order.begin(), worker_order.end(), 0u);
  std::iota(firm_order.begin(), firm_order.end(), 0u);
  // Two long sequences, each the only unit of its stream: wyrand from one
  // Philox key, with a period of 2^64.
  auto order_w = sim::rng::WyrandBlockedStream(seed, kInitOrder, 0, 1)(0);
  auto order_f = sim::rng::WyrandBlockedStream(seed, kInitFirmOrder, 0, 1)(0);
  // Fisher-Yates: the places drawn do not depend on the order, so they are
  // drawn 64 at a time, in the same sequence, and fetched before the swaps
  // (at 10^7 workers each is a cache miss).
  auto shuffle = [](std::vector<std::uint32_t>& order, auto& draws) {
    constexpr std::size_t kAhead = 64;
    std::size_t place[kAhead];
    for (std::size_t i = order.size(); i > 1;) {
      const std::size_t batch = std::min(kAhead, i - 1);
      for (std::size_t k = 0; k < batch; ++k) {
        place[k] = draws.below(i - k);
        __builtin_prefetch(order.data() + place[k], 1);
      }
      for (std::size_t k = 0; k < batch; ++k) std::swap(order[i - k - 1], order[place[k]]);
      i -= batch;
    }
  };
  // Two independent sequences: shuffled at the same time on two threads.
  sim::for_each_index(2, [&](std::size_t k) {
    if (k == 0)
      shuffle(worker_order, order_w);
    else
      shuffle(firm_order, order_f);
  });
  // Each firm's share of the order (serial: a running sum), then the
  // employers written in parallel by ranges of firms (each worker once).
  std::vector<std::uint32_t> first_taken(m + 1);  // workers number at most 50,000,000
  std::size_t next = 0;
  for (std::size_t k = 0; k < m; ++k) {  // none left for the firms after the workers run out
    const std::uint32_t f = firm_order[k];
    const std::size_t take = std::min<std::size_t>(firm_target_[f], n - next);
    first_taken[k] = static_cast<std::uint32_t>(next);
    firm_size_[f] = static_cast<std::uint32_t>(take);
    next += take;
  }
  first_taken[m] = static_cast<std::uint32_t>(next);
  sim::for_ranges(0, m, kFirmGrain, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t k = lo; k != hi; ++k)
      for (std::size_t j = first_taken[k]; j < first_taken[k + 1]; ++j) employer_[worker_order[j]] = firm_order[k];
  });
  employed_ = static_cast<std::int64_t>(next);
  vacancies_left_ = count_vacancies();
  count_chunks_ = 0;  // counted by the first release pass
  chunk_count_.clear();
}

std::vector<sim::Phase> DockModel::phases() {
  return {
      {"separations", [this](const sim::MonthContext& c) { separate_workers(c); }},
      {"targets and exits", [this](const sim::MonthContext& c) { update_targets_and_exits(c); }},
      {"dismissals and closures", [this](const sim::MonthContext& c) { release_dismissed_and_closed(c); }},
      {"entries", [this](const sim::MonthContext& c) { enter_firms(c); }},
      {"matching", [this](const sim::MonthContext& c) { match(c); }},
  };
}

// Step 1. Each employed worker leaves its job with probability delta. Hits
// are drawn by skipping geometric gaps over each fixed block of workers (one
// draw per event, not per worker); a hit on an unemployed worker does nothing,
// which leaves each employed worker an independent Bernoulli(delta) trial.
void DockModel::separate_workers(const sim::MonthContext& ctx) {
  separations_ = hires_ = entries_ = exits_ = 0;
  if (p_.separation_rate <= 0.0) return;
  const std::size_t n = employer_.size();
  const double log1m = sim::dmath::log1p(-p_.separation_rate);
  const std::size_t chunks = count_chunks_, span = chunks > 1 ? chunk_span(chunks) : 1;
  const std::size_t nblocks = blocks_of(n, kWorkerBlock);
  // The leavers of each fixed block of workers are found by skipping
  // geometric gaps, a batch at a time: the hits do not depend on whom they
  // hit, so their workers' entries are fetched before any is read (at 10^7
  // workers each is a cache miss). leave(hits, k) for each batch of k hits.
  auto find_leavers = [&](std::size_t b, auto&& leave) {
    Draws d(ctx.seed, kSeparations, static_cast<std::uint64_t>(ctx.month), b);
    const std::size_t end = std::min(n, (b + 1) * kWorkerBlock);
    const std::size_t begin = b * kWorkerBlock;
    const std::uint64_t first = sim::rng::geometric_gap(d, log1m);
    if (first >= end - begin) return;
    constexpr std::size_t kBatch = 32;
    std::uint32_t hit[kBatch];
    std::size_t w = begin + first;
    bool more = true;
    while (more) {
      std::size_t k = 0;
      while (k < kBatch) {
        hit[k++] = static_cast<std::uint32_t>(w);
        __builtin_prefetch(employer_.data() + w, 1);
        const std::uint64_t gap = sim::rng::geometric_gap(d, log1m);
        if (gap >= end - w - 1) {  // the next hit would be past the block
          more = false;
          break;
        }
        w += 1 + gap;
      }
      leave(hit, k);
    }
  };
  auto lower_counts = [&](std::uint32_t f, std::size_t w) {
    --firm_size_[f];
    if (chunks > 1) --chunk_count_[f * chunks + w / span];
  };
  if (sim::concurrency() == 1) {
    std::int64_t count = 0;
    for (std::size_t b = 0; b < nblocks; ++b)
      find_leavers(b, [&](const std::uint32_t* hit, std::size_t k) {
        // The firms' lines fetched before the counts are lowered.
        for (std::size_t j = 0; j < k; ++j) {
          const std::uint32_t e = employer_[hit[j]], f = e == kNoFirm ? 0 : e;
          __builtin_prefetch(firm_size_.data() + f, 1);
          if (chunks > 1) __builtin_prefetch(chunk_count_.data() + std::size_t{f} * chunks, 1);
        }
        for (std::size_t j = 0; j < k; ++j) {
          const std::uint32_t x = hit[j], f = employer_[x];
          if (f == kNoFirm) continue;
          lower_counts(f, x);
          employer_[x] = kNoFirm;
          ++count;
        }
      });
    separations_ = count;
  } else {
    // Several threads: pieces of blocks find their leavers and hand them,
    // by part of the firm slots, to the thread that then lowers that part's
    // counts, without atomics (atomic subtractions on the firms' lines,
    // which both threads write, took a quarter of the phase).
    const std::size_t slots = firm_id_.size();
    const std::size_t parts = std::min<std::size_t>(static_cast<std::size_t>(sim::concurrency()), 16);
    const std::size_t pieces = std::min(nblocks, 4 * parts);
    leaver_buckets_.resize(pieces * parts);
    const std::uint64_t part_scale = (std::uint64_t{parts} << 32) / std::max<std::size_t>(slots, 1);
    std::array<std::int64_t, 64> piece_count{};
    sim::for_each_index(pieces, [&](std::size_t piece) {
      std::vector<std::uint64_t>* bucket = leaver_buckets_.data() + piece * parts;
      for (std::size_t q = 0; q < parts; ++q) bucket[q].clear();
      std::int64_t count = 0;
      for (std::size_t b = nblocks * piece / pieces, last = nblocks * (piece + 1) / pieces; b < last; ++b)
        find_leavers(b, [&](const std::uint32_t* hit, std::size_t k) {
          for (std::size_t j = 0; j < k; ++j) {
            const std::uint32_t x = hit[j], f = employer_[x];
            if (f == kNoFirm) continue;
            bucket[(f * part_scale) >> 32].push_back(std::uint64_t{f} << 32 | x);
            employer_[x] = kNoFirm;
            ++count;
          }
        });
      piece_count[piece] = count;
    });
    sim::for_each_index(parts, [&](std::size_t part) {
      for (std::size_t piece = 0; piece < pieces; ++piece) {
        const std::vector<std::uint64_t>& from = leaver_buckets_[piece * parts + part];
        for (std::size_t j = 0; j < from.size(); ++j) {
          if (j + 16 < from.size()) {
            const std::size_t f = from[j + 16] >> 32;
            __builtin_prefetch(firm_size_.data() + f, 1);
            if (chunks > 1) __builtin_prefetch(chunk_count_.data() + f * chunks, 1);
          }
          lower_counts(static_cast<std::uint32_t>(from[j] >> 32), static_cast<std::uint32_t>(from[j]));
        }
      }
    });
    separations_ = 0;
    for (std::size_t piece = 0; piece < pieces; ++piece) separations_ += piece_count[piece];
  }
  employed_ -= separations_;
}

// Steps 2 and 3, the draws. Each firm alive at the start of the month updates
// its latent target by a log-normal shock (an addition to log T) and, if it
// holds more employees than its new integer target, chooses which ranks among
// its employees to dismiss (Floyd's sampling of k distinct ranks, uniform over
// k-subsets). Each closes with probability exit_rate: closures are drawn by
// skipping geometric gaps over fixed blocks of slots (one draw per closure,
// not per firm); a hit on a free slot does nothing, which leaves each live
// firm an independent Bernoulli trial. Entrants of this month do not exist yet.
void DockModel::update_targets_and_exits(const sim::MonthContext& ctx) {
  const std::size_t slots = firm_id_.size();
  excess_.resize(slots);   // every entry is written below
  closing_.resize(slots);
  const double sigma = p_.target_volatility;
  const double drift = -0.5 * sigma * sigma;
  const auto month = static_cast<std::uint64_t>(ctx.month);
  const sim::rng::WyrandBlockedStream target_draws(ctx.seed, kTargets, month, next_firm_id_);
  const sim::rng::WyrandBlockedStream dismissal_draws(ctx.seed, kDismissals, month, next_firm_id_);
  sim::for_ranges(0, slots, kFirmGrain, [&](std::size_t lo, std::size_t hi) {
    // The columns through local pointers: the stores could otherwise alias
    // the vectors' own pointers, which were then read again for every firm.
    const std::uint8_t* alive = firm_alive_.data();
    const std::uint64_t* id = firm_id_.data();
    const std::uint32_t* size = firm_size_.data();
    double* latent = firm_latent_.data();
    std::uint32_t* target = firm_target_.data();
    std::uint32_t* excess = excess_.data();
    std::fill(closing_.begin() + static_cast<std::ptrdiff_t>(lo), closing_.begin() + static_cast<std::ptrdiff_t>(hi), 0);
    for (std::size_t f = lo; f != hi; ++f) {
      if (!alive[f]) {  // rare: a predictable branch
        excess[f] = 0;
        continue;
      }
      auto d = target_draws(id[f]);
      const double log_target = latent[f] + (sigma * sim::rng::normal_ziggurat(d) + drift);
      latent[f] = log_target;
      const std::uint32_t t = firm_target_of_log(log_target, target[f]);
      target[f] = t;
      // Without a branch: whether the firm shrinks is a coin toss.
      excess[f] = size[f] > t ? size[f] - t : 0;
    }
  });
  if (p_.exit_rate > 0.0) {
    const double log1m = sim::dmath::log1p(-p_.exit_rate);
    sim::for_ranges(0, blocks_of(slots, kSlotBlock), 1, [&](std::size_t lo, std::size_t hi) {
      for (std::size_t b = lo; b != hi; ++b) {
        Draws d(ctx.seed, kExits, month, b);
        const std::size_t begin = b * kSlotBlock, end = std::min(slots, begin + kSlotBlock);
        std::uint64_t gap = sim::rng::geometric_gap(d, log1m);
        if (gap >= end - begin) continue;
        for (std::size_t f = begin + gap;; f += 1 + gap) {
          closing_[f] = firm_alive_[f];
          gap = sim::rng::geometric_gap(d, log1m);
          if (gap >= end - f - 1) break;  // the next hit would be past the block
        }
      }
    });
  }
  // The closing and the shrinking firms are listed (in slot order), so that
  // the release pass and what follows it visit them alone; the k-th
  // shrinking firm's chosen ranks will be chosen_ranks_[chosen_offset_[k]
  // .. chosen_offset_[k + 1]). A closing firm releases every employee
  // anyway, so it needs none. The slots are cut into pieces, one a thread
  // from 4,096 slots on: each piece counts its firms, then lists them
  // after those of the pieces before it.
  const std::size_t pieces = slot_pieces(slots);
  std::array<std::size_t, 17> piece_closing{}, piece_shrinking{}, piece_excess{};  // counts, then starts
  if (pieces > 1) {
    sim::for_each_index(pieces, [&](std::size_t k) {
      std::size_t closing = 0, shrinking = 0, excess = 0;
      for (std::size_t f = slots * k / pieces, hi = slots * (k + 1) / pieces; f < hi; ++f) {
        const bool closes = closing_[f] != 0;
        closing += closes;
        shrinking += !closes & (excess_[f] != 0);
        excess += closes ? 0 : excess_[f];
      }
      piece_closing[k + 1] = closing;
      piece_shrinking[k + 1] = shrinking;
      piece_excess[k + 1] = excess;
    });
    for (std::size_t k = 0; k < pieces; ++k) {
      piece_closing[k + 1] += piece_closing[k];
      piece_shrinking[k + 1] += piece_shrinking[k];
      piece_excess[k + 1] += piece_excess[k];
    }
  }
  // Room for every slot, kept from month to month (trimming it and growing
  // it back cleared 4 bytes a slot each month, on one thread).
  if (closing_list_.size() < slots) closing_list_.resize(slots);
  if (shrinking_.size() < slots) shrinking_.resize(slots);
  if (chosen_offset_.size() < slots + 1) chosen_offset_.resize(slots + 1);
  std::size_t shrinking_count = 0, closing_count = 0;
  std::uint32_t total_excess = 0;
  sim::for_each_index(pieces, [&](std::size_t k) {
    std::size_t closing = piece_closing[k], shrinking = piece_shrinking[k];
    // The place after the piece's last shrinking firm belongs to the next
    // piece: written only while the piece has shrinking firms to list.
    const std::size_t last = pieces > 1 ? piece_shrinking[k + 1] : slots;
    auto excess = static_cast<std::uint32_t>(piece_excess[k]);
    std::size_t f = slots * k / pieces;
    const std::size_t hi = slots * (k + 1) / pieces;
    for (; f < hi && shrinking < last; ++f) {
      if (closing_[f]) {  // rare: a predictable branch
        closing_list_[closing++] = static_cast<std::uint32_t>(f);
        continue;
      }
      // Written for every firm, kept if it shrinks (a coin toss: no branch).
      shrinking_[shrinking] = static_cast<std::uint32_t>(f);
      chosen_offset_[shrinking] = excess;
      shrinking += excess_[f] != 0;
      excess += excess_[f];
    }
    for (; f < hi; ++f)
      if (closing_[f]) closing_list_[closing++] = static_cast<std::uint32_t>(f);
    if (k + 1 == pieces) {
      shrinking_count = shrinking;
      closing_count = closing;
      total_excess = excess;
    }
  });
  closing_count_ = closing_count;
  shrinking_count_ = shrinking_count;
  chosen_offset_[shrinking_count] = total_excess;
  chosen_ranks_.resize(total_excess);
  // Which ranks each shrinking firm dismisses, and, when the release pass
  // runs in several chunks of workers, which of them fall in each chunk:
  // found here, once per firm, rather than by each chunk's start, which
  // read the firm's counts once a chunk (on two threads this phase takes
  // 10% more and the release pass 14-15% less at 10^5 and 10^6 workers).
  const std::size_t chunks = release_chunks();
  count_employees_by_chunk(chunks);
  if (chunks > 1 && chunk_bounds_.size() < shrinking_count * (chunks + 1)) chunk_bounds_.resize(shrinking_count * (chunks + 1));
  sim::for_ranges(0, shrinking_count, kFirmGrain / 4, [&](std::size_t lo, std::size_t hi) {
    const std::uint32_t* ranks = chosen_ranks_.data();
    for (std::size_t k = lo; k != hi; ++k) {
      const std::uint32_t f = shrinking_[k];
      auto d = dismissal_draws(firm_id_[f]);
      const std::uint32_t first = chosen_offset_[k], last = chosen_offset_[k + 1];
      sim::rng::sample_sorted(d, firm_size_[f], last - first, chosen_ranks_.data() + first);
      if (chunks == 1) continue;
      ChunkBound* bound = chunk_bounds_.data() + k * (chunks + 1);
      std::uint32_t at = first, start = 0;
      for (std::size_t c = 0;; ++c) {
        bound[c] = {at, start};
        if (c == chunks) break;
        start += chunk_count_[f * chunks + c];
        while (at != last && ranks[at] < start) ++at;
      }
    }
  });
}

// Steps 2 and 3, applied in one pass over the workers: the employees of a
// closing firm are released; an employee of a shrinking firm whose rank among
// that firm's employees (in worker order) was chosen is dismissed. Then the
// closed firms' slots are freed. The workers are cut into chunks released in
// parallel: each chunk starts every firm at the rank of its first employee
// there, from the employees counted in the chunks before (chunk_count_), so
// the same ranks are dismissed whatever the cut.
void DockModel::release_dismissed_and_closed(const sim::MonthContext&) {
  const std::size_t slots = firm_id_.size(), n = employer_.size();
  const std::size_t chunks = release_chunks();
  // The employees by chunk were counted, and the chunk of each chosen rank
  // found, by update_targets_and_exits.
  const std::size_t span = chunk_span(chunks);
  // What happens to a worker, by employer slot + 1 (so that kNoFirm, which
  // wraps to 0, needs no test): nothing, listed as unemployed, released
  // (closing firm), or, for a shrinking firm, released if its rank is
  // chosen: kNear + 2 g + more passes g employees and releases the next,
  // after which more ranks are chosen in the chunk (more = 1) or none; kFar
  // passes gap_[f] employees, for a g too large for 16 bits.
  enum : std::uint16_t { kKeep = 0, kUnemployed = 1, kClose = 2, kFar = 3, kNear = 4 };
  constexpr std::uint32_t kNearGaps = (0xFFFFu - kNear - 1) / 2;  // g <= this: kNear + 2 g + more fits
  auto dismiss_after = [](std::uint16_t* fate, std::uint32_t* gap, std::uint32_t f, std::uint32_t g, bool more) {
    if (g <= kNearGaps) {
      fate[f + 1] = static_cast<std::uint16_t>(kNear + 2 * g + more);
    } else {
      fate[f + 1] = kFar;
      gap[f] = g;
    }
  };
  fate_.resize(chunks * (slots + 1));
  if (gap_room_ < chunks * slots) {
    gap_room_ = chunks * slots;
    gap_.reset(new std::uint32_t[gap_room_]);  // not initialised: each entry is written before it is read
  }
  ranks_left_.resize(chunks * slots);
  if (unemployed_.size() < n) unemployed_.resize(n);  // once: the list is unemployed_count_ long
  std::vector<std::size_t> listed_in(chunks, 0);
  std::vector<std::int64_t> released_in(chunks, 0);
  // Each chunk's start: what its pass does to each firm's employees, and
  // from which rank.
  auto start_chunk = [&](std::size_t c) {
    std::uint16_t* fate = fate_.data() + c * (slots + 1);
    std::uint32_t* gap = gap_.get() + c * slots;
    Ranks* left = ranks_left_.data() + c * slots;
    fate[0] = kUnemployed;
    std::fill_n(fate + 1, slots, std::uint16_t{kKeep});
    for (std::size_t k = 0; k < closing_count_; ++k) fate[closing_list_[k] + 1] = kClose;
    const std::uint32_t* offset = chosen_offset_.data();
    for (std::size_t k = 0; k < shrinking_count_; ++k) {
      const std::uint32_t f = shrinking_[k];
      // The firm's employees here have ranks from `start` on; it dismisses
      // those of the chosen ranks [at, end) (all, on one chunk).
      std::uint32_t start = 0, at = offset[k], end = offset[k + 1];
      if (chunks > 1) {
        const ChunkBound* bound = chunk_bounds_.data() + k * (chunks + 1) + c;
        at = bound[0].at;
        start = bound[0].start;
        end = bound[1].at;
      }
      left[f] = {at, end};
      if (at != end) dismiss_after(fate, gap, f, chosen_ranks_[at] - start, end - at > 1);
    }
  };
  auto release_chunk = [&](std::size_t c) {
    std::uint16_t* fate = fate_.data() + c * (slots + 1);
    std::uint32_t* gap = gap_.get() + c * slots;
    Ranks* left = ranks_left_.data() + c * slots;
    const std::size_t lo = c * span, hi = std::min(n, lo + span);
    std::uint32_t* employer = employer_.data();
    std::uint32_t* listed = unemployed_.data() + lo;
    const std::uint32_t* ranks = chosen_ranks_.data();
    std::size_t count = 0;
    std::int64_t released = 0;
    // What the pass does to an employee of a closing or shrinking firm
    // (fate `what`, of f + 1): true if released, the fate moved on.
    auto release = [&](std::uint32_t f, std::uint16_t& what) {
      if (what >= kNear + 2) {  // passed: one access for most employees of a shrinking firm
        what = static_cast<std::uint16_t>(what - 2);
        return false;
      }
      if (what == kClose) return true;
      // A shrinking firm's employee: dismissed, unless far from the next.
      bool more = what & 1;  // kNear + more
      if (what == kFar) {
        if (gap[f] != 0) {
          --gap[f];
          return false;
        }
        more = left[f].next + 1 != left[f].end;
      }
      if (!more) {  // none other at the chunk's last dismissal
        what = kKeep;
      } else {
        Ranks& r = left[f];
        const std::uint32_t at = ++r.next;
        dismiss_after(fate, gap, f, ranks[at] - ranks[at - 1] - 1, at + 1 != r.end);
      }
      return true;
    };
    if (slots >= (std::size_t{1} << 18)) {
      // One pass, the fate of the worker 64 places on fetched ahead: from
      // 2^18 firm slots (a fate table of 512 KB a chunk and more; 1.9 MB at
      // 10^7 workers) the table misses the core's cache, and the two passes
      // below, which read a candidate's fate twice, cost 5% more there.
      for (std::size_t w = lo; w < hi; ++w) {
        if (w + 64 < hi) __builtin_prefetch(fate + static_cast<std::uint32_t>(employer[w + 64] + 1), 1);
        const std::uint32_t f = employer[w];
        std::uint16_t& what = fate[static_cast<std::uint32_t>(f + 1)];
        listed[count] = static_cast<std::uint32_t>(w);  // kept only if counted
        count += what == kUnemployed;
        if (what <= kUnemployed || !release(f, what)) continue;
        employer[w] = kNoFirm;
        ++released;
        listed[count++] = static_cast<std::uint32_t>(w);
      }
    } else {
      // In blocks of workers, two passes. The first, without a branch,
      // lists the block's unemployed and its candidates, the employees of
      // closing and shrinking firms (whether a worker's firm shrinks is a
      // coin toss, which one pass tested with a branch for every worker).
      // The second runs the candidates through their firms' fates, in
      // worker order. Then the two lists, both in worker order,
      // are merged into the list of the unemployed.
      constexpr std::size_t kBlock = 2048;
      std::uint32_t before[kBlock], candidate[kBlock], out[kBlock];
      for (std::size_t b0 = lo; b0 < hi; b0 += kBlock) {
        const std::size_t b1 = std::min(hi, b0 + kBlock);
        std::size_t unemployed = 0, candidates = 0;
        for (std::size_t w = b0; w < b1; ++w) {
          const std::uint16_t what = fate[static_cast<std::uint32_t>(employer[w] + 1)];
          before[unemployed] = static_cast<std::uint32_t>(w);
          unemployed += what == kUnemployed;
          candidate[candidates] = static_cast<std::uint32_t>(w);
          candidates += what >= kClose;
        }
        std::size_t outs = 0;
        for (std::size_t x = 0; x < candidates; ++x) {
          const std::uint32_t w = candidate[x], f = employer[w];
          std::uint16_t& what = fate[f + 1];
          // kKeep: its firm's last dismissal in the chunk is behind.
          if (what == kKeep || !release(f, what)) continue;
          employer[w] = kNoFirm;
          out[outs++] = w;
        }
        released += static_cast<std::int64_t>(outs);
        // The merge: the released are few (a few in a hundred workers),
        // so each takes its place after the unemployed below it.
        std::size_t i = 0;
        std::uint32_t* to = listed + count;
        for (std::size_t j = 0; j < outs; ++j) {
          const std::uint32_t r = out[j];
          while (i < unemployed && before[i] < r) *to++ = before[i++];
          *to++ = r;
        }
        std::copy(before + i, before + unemployed, to);
        count += unemployed + outs;
      }
    }
    listed_in[c] = count;
    released_in[c] = released;
  };
  if (chunks == 1) {
    start_chunk(0);
    release_chunk(0);
  } else {
    sim::for_each_index(chunks, start_chunk);
    sim::for_each_index(chunks, release_chunk);
  }
  // The chunks' lists of the unemployed, end to end, in worker order. When
  // they fit below the second chunk's list (fewer unemployed than workers in
  // a chunk), no copy overlaps another's source or its own, and they are
  // copied in parallel, by pieces of the whole; otherwise one after the
  // other (at 10^7 workers on two threads, a serial copy of 6 MB).
  std::vector<std::size_t> list_at(chunks + 1, 0);  // each chunk's place in the whole
  for (std::size_t c = 0; c < chunks; ++c) list_at[c + 1] = list_at[c] + listed_in[c];
  const std::size_t count = list_at[chunks];
  if (chunks > 1 && count <= span) {
    const std::size_t moved = count - list_at[1], pieces = std::min<std::size_t>(4 * chunks, blocks_of(moved, 1 << 16));
    sim::for_each_index(pieces, [&](std::size_t k) {
      // Places [lo, hi) of the moved part, chunk by chunk.
      const std::size_t lo = list_at[1] + moved * k / pieces, hi = list_at[1] + moved * (k + 1) / pieces;
      for (std::size_t c = 1; c < chunks; ++c) {
        const std::size_t from = std::max(lo, list_at[c]), to = std::min(hi, list_at[c + 1]);
        if (from < to)
          std::memcpy(unemployed_.data() + from, unemployed_.data() + c * span + (from - list_at[c]),
                      (to - from) * sizeof(std::uint32_t));
      }
    });
  } else {
    for (std::size_t c = 1; c < chunks; ++c)
      std::memmove(unemployed_.data() + list_at[c], unemployed_.data() + c * span, listed_in[c] * sizeof(std::uint32_t));
  }
  unemployed_count_ = count;
  unemployed_listed_ = true;
  std::int64_t released = 0;
  for (const std::int64_t r : released_in) released += r;
  // The shrinking firms' sizes, and their employees in each chunk, less
  // their dismissals: by pieces of the list of shrinking firms, which is in
  // slot order, so that no two threads write the same lines (the chunks'
  // counts of a firm share one: lowered by each chunk's pass, as they were,
  // two threads wrote the same lines; here the phase took 6% less at 10^6
  // workers on two threads, 9% at 10^5).
  const std::size_t pieces = chunks > 1 ? slot_pieces(slots) : 1;
  sim::for_each_index(pieces, [&](std::size_t piece) {
    for (std::size_t k = shrinking_count_ * piece / pieces, last = shrinking_count_ * (piece + 1) / pieces; k < last; ++k) {
      const std::uint32_t f = shrinking_[k];
      firm_size_[f] -= chosen_offset_[k + 1] - chosen_offset_[k];  // every chosen rank was dismissed
      if (chunks == 1) continue;
      const ChunkBound* bound = chunk_bounds_.data() + k * (chunks + 1);
      for (std::size_t c = 0; c < chunks; ++c) chunk_count_[f * chunks + c] -= bound[c + 1].at - bound[c].at;
    }
  });
  for (std::size_t k = 0; k < closing_count_; ++k) {
    const std::uint32_t f = closing_list_[k];
    firm_alive_[f] = 0;
    firm_size_[f] = 0;
    if (chunks > 1) std::fill_n(chunk_count_.begin() + static_cast<std::ptrdiff_t>(f * chunks), chunks, 0u);
    free_slots_.push_back(static_cast<std::uint32_t>(f));
    ++exits_;
  }
  // Reuse the lowest free slots first, whatever order they were freed in.
  std::sort(free_slots_.begin(), free_slots_.end(), std::greater<>());
  firms_alive_ -= exits_;
  separations_ += released;
  employed_ -= released;
}

// Step 4. K ~ Poisson(lambda) entrants, each with a zone, a skill and a
// latent target 1 + Poisson(entrant_size_mean), keyed by the entrant's id.
void DockModel::enter_firms(const sim::MonthContext& ctx) {
  const auto month = static_cast<std::uint64_t>(ctx.month);
  Draws count(ctx.seed, kEntries, month, 0);
  const std::uint64_t k = sim::rng::poisson(count, p_.entry_rate);
  // The slots in order (the lowest free ones first), then the entrants in
  // parallel, each from its own keyed stream (a Philox key each: at 10^7
  // workers, 4,800 entrants took a millisecond a month on one thread).
  entrant_slot_.resize(k);
  for (std::uint64_t j = 0; j < k; ++j) entrant_slot_[j] = allocate_firm_slot();
  const std::uint64_t first_id = next_firm_id_;
  next_firm_id_ += k;
  sim::for_ranges(0, k, 256, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t j = lo; j != hi; ++j) {
      const std::uint32_t f = entrant_slot_[j];
      Draws d(ctx.seed, kEntries, month, 1 + j);
      firm_id_[f] = first_id + j;
      firm_zone_[f] = static_cast<std::uint8_t>(sim::rng::index_from_cumulative(d.uniform(), firm_cum_));
      firm_skill_[f] = static_cast<std::uint8_t>(d.below(static_cast<std::uint64_t>(p_.skills)));
      const double latent = 1.0 + static_cast<double>(sim::rng::poisson(d, p_.entrant_size_mean));
      firm_latent_[f] = sim::dmath::log(latent);
      firm_target_[f] = firm_target_of(latent);
      firm_size_[f] = 0;
      firm_alive_[f] = 1;
    }
  });
  entries_ = static_cast<std::int64_t>(k);
  firms_alive_ += entries_;
}

// Step 5, one simultaneous round.
void DockModel::match(const sim::MonthContext& ctx) {
  const std::size_t slots = firm_id_.size();
  const std::size_t nz = p_.zone_names.size();
  const auto a = static_cast<std::size_t>(p_.applications);
  const auto month = static_cast<std::uint64_t>(ctx.month);

  // a. Vacancies fixed for the round: v_f entries per firm, grouped by zone
  // (a counting sort of the firms by zone), firms in slot order within a zone.
  // The firm slots are cut into pieces, one a thread from 4,096 slots on;
  // each piece lists its firms with vacancies, without a branch (whether a
  // firm has any is a coin toss), from its first slot's place in hiring_,
  // and counts their vacancies per zone in four interleaved tallies, so that
  // consecutive firms of one zone do not wait on each other's count. Each
  // piece then places its firms after those of the pieces before it in
  // each zone: the same entries whatever the cut.
  const std::size_t list_pieces = slot_pieces(slots);
  hiring_.resize(slots);
  // Counted in 64 bits: the firms' vacancies may add up past 2^32 (targets
  // of e^20 workers), which is refused below rather than wrapped.
  std::array<std::array<std::uint64_t, 256>, 16> piece_tally;
  std::array<std::array<std::uint32_t, 256>, 16> piece_fill;
  std::array<std::size_t, 16> piece_hiring;
  std::array<std::uint32_t, 16> piece_widest;
  sim::for_each_index(list_pieces, [&](std::size_t k) {
    std::uint64_t tally[4][256] = {};
    const std::size_t lo = slots * k / list_pieces, hi = slots * (k + 1) / list_pieces;
    std::size_t hiring = lo;
    for (std::size_t f = lo; f < hi; ++f) {
      const std::uint32_t target = firm_target_[f], size = firm_size_[f];
      const std::uint32_t open = (firm_alive_[f] != 0) & (size < target) ? target - size : 0;
      tally[f & 3][firm_zone_[f]] += open;
      hiring_[hiring] = static_cast<std::uint32_t>(f);
      hiring += open != 0;
    }
    piece_hiring[k] = hiring;
    for (std::size_t z = 0; z < nz; ++z) piece_tally[k][z] = tally[0][z] + tally[1][z] + tally[2][z] + tally[3][z];
  });
  std::uint64_t all_vacancies = 0;
  for (std::size_t k = 0; k < list_pieces; ++k)
    for (std::size_t z = 0; z < nz; ++z) all_vacancies += piece_tally[k][z];
  if (all_vacancies > kMaxVacancies)
    throw std::runtime_error(fmt::format(
        "dock: month {}: the firms have {} vacancies in all, more than the {} the matching lists (an entry "
        "each): their targets (init_size_mu, init_size_sigma, entrant_size_mean, target_volatility) are far "
        "beyond the {} workers", ctx.month, all_vacancies, kMaxVacancies, employer_.size()));
  // Each piece's first place in each zone.
  zone_start_.assign(nz + 1, 0);
  for (std::size_t z = 0; z < nz; ++z) {
    std::uint32_t at = zone_start_[z];
    for (std::size_t k = 0; k < list_pieces; ++k) {
      piece_fill[k][z] = at;
      at += static_cast<std::uint32_t>(piece_tally[k][z]);
    }
    zone_start_[z + 1] = at;
  }
  const std::uint32_t total_vacancies = zone_start_[nz];
  vacancies_.resize(total_vacancies);
  run_firm_.resize(total_vacancies);
  offer_keys_.resize(total_vacancies);  // emptied by the listing, run by run
  sim::for_each_index(list_pieces, [&](std::size_t k) {
    std::uint32_t fill[256];  // a local copy: the entries written cannot alias it
    std::copy_n(piece_fill[k].begin(), nz, fill);
    std::uint32_t widest = 0;
    for (std::size_t x = slots * k / list_pieces, end = piece_hiring[k]; x < end; ++x) {
      const std::uint32_t f = hiring_[x];
      const std::uint32_t open = firm_target_[f] - firm_size_[f];
      widest = std::max(widest, open);
      std::uint32_t& at = fill[firm_zone_[f]];
      const Vacancy v{at, std::min(open, kMaxOpen) << 8 | firm_skill_[f]};
      std::fill_n(vacancies_.begin() + at, open, v);
      std::fill_n(offer_keys_.begin() + at, open, sim::rng::kEmptyKey);
      run_firm_[at] = f;
      at += open;
    }
    piece_widest[k] = widest;
  });
  const std::uint32_t widest = *std::max_element(piece_widest.begin(), piece_widest.begin() + list_pieces);
  // Zone choice for a worker living in h: weights V_z exp(-d(h, z) / L).
  // When a row's terms all underflow (or nearly: the alias table then loses
  // zones), because L is tiny against the distances to the zones with
  // vacancies, the row is taken relative to its nearest zone with vacancies,
  // V_z exp(-(d(h, z) - d_min) / L): the same probabilities, without the
  // underflow, which made those workers apply nowhere (the spec has them
  // apply, nearly always to that nearest zone). Other rows are as they were.
  std::vector<double> zone_weight(nz * nz);
  for (std::size_t h = 0; h < nz; ++h) {
    double largest = 0, nearest = std::numeric_limits<double>::infinity();
    for (std::size_t z = 0; z < nz; ++z) {
      const auto open = static_cast<double>(zone_start_[z + 1] - zone_start_[z]);
      const double w = open * decay_(static_cast<Eigen::Index>(h), static_cast<Eigen::Index>(z));
      zone_weight[h * nz + z] = w;
      largest = std::max(largest, w);
      if (open > 0) nearest = std::min(nearest, distance_km_(static_cast<Eigen::Index>(h), static_cast<Eigen::Index>(z)));
    }
    if (largest >= 0x1p-900 || nearest == std::numeric_limits<double>::infinity()) continue;
    for (std::size_t z = 0; z < nz; ++z) {
      const auto open = static_cast<double>(zone_start_[z + 1] - zone_start_[z]);
      const double d = distance_km_(static_cast<Eigen::Index>(h), static_cast<Eigen::Index>(z)) - nearest;
      // d >= 0 where there are vacancies; a nearer zone without any (its
      // exp would overflow) weighs 0.
      zone_weight[h * nz + z] = open > 0 ? open * sim::dmath::exp(-d / p_.distance_scale_km) : 0.0;
    }
  }
  sim::rng::AliasRows zone_pick(nz, nz);
  zone_pick.assign([&](std::size_t h, std::size_t z) { return zone_weight[h * nz + z]; });

  // The unemployed, in worker order: listed by the release pass of this
  // month, or here by fixed blocks (counted, then placed).
  const std::size_t n = employer_.size();
  if (!unemployed_listed_) {
    const std::size_t nblocks = blocks_of(n, kWorkerBlock);
    std::vector<std::uint32_t> block_start(nblocks + 1, 0);
    sim::for_each_index(nblocks, [&](std::size_t b) {
      std::uint32_t c = 0;
      const std::size_t end = std::min(n, (b + 1) * kWorkerBlock);
      for (std::size_t w = b * kWorkerBlock; w < end; ++w) c += employer_[w] == kNoFirm;
      block_start[b + 1] = c;
    });
    for (std::size_t b = 0; b < nblocks; ++b) block_start[b + 1] += block_start[b];
    unemployed_count_ = block_start[nblocks];
    if (unemployed_.size() < unemployed_count_) unemployed_.resize(unemployed_count_);
    sim::for_each_index(nblocks, [&](std::size_t b) {
      std::uint32_t k = block_start[b];
      const std::size_t end = std::min(n, (b + 1) * kWorkerBlock);
      for (std::size_t w = b * kWorkerBlock; w < end; ++w)
        if (employer_[w] == kNoFirm) unemployed_[k++] = static_cast<std::uint32_t>(w);
    });
  }
  unemployed_listed_ = false;
  const std::size_t nu = unemployed_count_;

  hires_ = 0;
  // A firm makes at most as many offers as it has applicants, so offer slots
  // capped at kMaxOpen (2^24 - 1) change nothing while fewer workers than
  // that are unemployed; beyond, the cap would, so that case is refused.
  if (widest > kMaxOpen && nu > kMaxOpen)
    throw std::runtime_error(fmt::format("dock: a firm with {} vacancies and {} unemployed workers exceeds the "
                                         "matching's {} offer slots per firm", widest, nu, kMaxOpen));
  if (total_vacancies > 0 && nu > 0) {
    // b, c, d. Each unemployed worker draws its applications: one word gives
    // the zone (high half) and the vacancy in it (low half), so the firm with
    // probability proportional to v_f; a second word decides whether an
    // application across skills is acceptable (high half) and gives the
    // application its random key (low half). Repeats count once. A firm
    // offers its v_f jobs to the acceptable applicants with the lowest keys:
    // a uniform choice of min(v_f, applicants) among them, whatever the order
    // in which applications arrive (sim/rng/lowest_keys.h), so the result is
    // the same on any number of threads.
    const sim::rng::WyrandBlockedStream search_draws(ctx.seed, kSearch, month, n);
    // uniform < m, with 32 bits: the high half below m * 2^32.
    const double m = p_.mismatch_acceptance;
    const std::uint64_t accept_below = m >= 1.0 ? std::uint64_t{1} << 32 : static_cast<std::uint64_t>(std::ceil(m * 0x1.0p32));
    // Several threads only for at least 4,096 unemployed.
    const bool parallel = sim::concurrency() > 1 && nu >= 4096;
    if (best_offer_.size() < nu) best_offer_.resize(nu);  // the first nu, emptied by the drawing
    const Vacancy* vac = vacancies_.data();
    const std::uint32_t* zone_start = zone_start_.data();
    // Workers in batches: first their draws (arithmetic only, no branch
    // that depends on them), then the applications, whose loads of vacancy
    // entries and offer slots then overlap.
    // The number of applications is a compile-time constant for the
    // default (a = 3), so that the loops over them unroll.
    constexpr std::size_t kBatch = 256;
    // The applications of the unemployed [lo, hi): emit(run, open, key) for
    // each, key all ones for an application refused or repeated.
    auto draw = [&]<std::size_t A>(std::size_t lo, std::size_t hi, auto&& emit) {
      const std::size_t na = A ? A : a;
      std::uint32_t pos[kBatch * 16];
      std::uint64_t key[kBatch * 16];
      std::uint8_t skill[kBatch];
      const std::uint32_t* unemployed = unemployed_.data();
      const std::uint8_t* home_of = home_.data();
      const std::uint8_t* skill_of = skill_.data();
      std::uint64_t* best = best_offer_.data();
      for (std::size_t b0 = lo; b0 < hi; b0 += kBatch) {
        const std::size_t b1 = std::min(hi, b0 + kBatch);
        for (std::size_t i = b0; i != b1; ++i) {
          const std::uint32_t w = unemployed[i];
          const std::size_t h = home_of[w], at = (i - b0) * na;
          best[i] = sim::rng::kEmptyKey;  // no offer yet (written here, in order, rather than in a pass of its own)
          skill[i - b0] = skill_of[w];
          // No vacancy within reach (every weight underflowed): no application.
          if (!(zone_pick.total(h) > 0.0)) {
            skill[i - b0] = kNoSkill;
            std::fill_n(pos + at, na, 0u);  // read by the prefetch
            continue;
          }
          auto search = search_draws(w);
#pragma GCC unroll 16
          for (std::size_t j = 0; j < na; ++j) {
            const std::uint64_t word = search.bits();
            const std::size_t z = zone_pick.find(h, static_cast<std::uint32_t>(word >> 32));
            const std::uint32_t first = zone_start[z], count = zone_start[z + 1] - first;
            pos[at + j] = first + search.below32(static_cast<std::uint32_t>(word), count);
            key[at + j] = search.bits();
          }
        }
        for (std::size_t i = b0; i != b1; ++i) {
          const std::size_t at = (i - b0) * na;
          // The vacancy entries of a worker 8 places on, fetched ahead.
          if (i + 8 < b1)
#pragma GCC unroll 16
            for (std::size_t j = 0; j < na; ++j) __builtin_prefetch(vac + pos[at + 8 * na + j]);
          const std::uint8_t s = skill[i - b0];
          if (s == kNoSkill) continue;
          std::uint32_t runs[16];
#pragma GCC unroll 16
          for (std::size_t j = 0; j < na; ++j) {
            const Vacancy v = vac[pos[at + j]];
            runs[j] = v.run;  // one run per firm
            bool repeat = false;
#pragma GCC unroll 16
            for (std::size_t q = 0; q < j; ++q) repeat |= runs[q] == v.run;
            const std::uint64_t k = key[at + j];
            // Masks rather than branches: acceptance is a coin toss.
            const std::uint64_t acceptable = static_cast<std::uint64_t>(v.skill() == s) | ((k >> 32) < accept_below);
            const std::uint64_t refused = (acceptable & ~static_cast<std::uint64_t>(repeat)) - 1;  // all ones or 0
            emit(v.run, v.open(), (k << 32) | (i * na + j) | refused);
          }
        }
      }
    };
    auto draw_any = [&](std::size_t lo, std::size_t hi, auto&& emit) {
      if (a == 3)
        draw.template operator()<3>(lo, hi, emit);
      else
        draw.template operator()<0>(lo, hi, emit);
    };
    std::uint64_t* slots_of = offer_keys_.data();  // a run's offer slots: slots_of + run
    // Offers kept applications to their firms' slots, which are known
    // ahead: fetched 16 applications early (at 10^7 workers they are
    // megabytes, out of cache).
    // In blocks, two passes: the first keeps, without a branch, the keys
    // below their run's highest kept key (whether a key enters is a coin
    // toss); the second offers those. A run's highest key only falls as
    // keys enter, so a key turned away by the first pass would have been
    // turned away later too; the second pass tests again (a key of the
    // same block may have entered the run in between).
    auto offer_all = [&](const Application* apps, std::size_t count) {
      constexpr std::size_t kBlock = 256;
      std::uint32_t entering[kBlock];
      for (std::size_t b0 = 0; b0 < count; b0 += kBlock) {
        const std::size_t b1 = std::min(count, b0 + kBlock);
        std::size_t entered = 0;
        for (std::size_t x = b0; x < b1; ++x) {
          if (x + 16 < count) __builtin_prefetch(slots_of + apps[x + 16].run, 1);
          entering[entered] = static_cast<std::uint32_t>(x);
          entered += apps[x].key < slots_of[apps[x].run];
        }
        for (std::size_t q = 0; q < entered; ++q) {
          const Application& app = apps[entering[q]];
          sim::rng::offer_key(slots_of + app.run, app.open, app.key);
        }
      }
    };
    if (!parallel) {
      // One thread: the acceptable applications are kept as they are drawn
      // (without a branch: acceptance is a coin toss) and offered by the
      // thousand, their offer slots fetched 16 applications ahead. Offering
      // each as drawn, the refused ones too, cost more: a load, a test and
      // its mispredictions for every application.
      constexpr std::size_t kKept = 2048;
      std::array<Application, kKept> kept;
      std::size_t count = 0;
      auto offer_kept = [&] {
        offer_all(kept.data(), count);
        count = 0;
      };
      draw_any(0, nu, [&](std::uint32_t run, std::uint32_t open, std::uint64_t k) {
        kept[count] = {k, run, open};
        count += k != sim::rng::kEmptyKey;
        if (count == kKept) offer_kept();
      });
      offer_kept();
    } else {
      // Several threads, in rounds of at most kRound unemployed: their
      // applications are drawn in parallel by ranges of workers and kept,
      // then offered in parallel by ranges of vacancy runs, each range
      // taking the applications to its own firms. Each firm's offer slots
      // then have one writer and see all its applicants, as on one thread
      // (cutting the workers instead, each cut with offer slots of its own
      // merged afterwards, cost a quarter more work: each cut's slots keep
      // more keys that a single one would have turned away).
      constexpr std::size_t kRound = 1 << 16;
      // At most 16 ranges of runs and 4 pieces of workers a range: the
      // buckets are pieces x parts.
      const std::size_t parts = std::min<std::size_t>(static_cast<std::size_t>(sim::concurrency()), 16), pieces = 4 * parts;
      // bucket [piece * parts + part]: the applications a piece of workers
      // sends to a range of runs.
      app_buckets_.resize(pieces * parts);
      // run -> part: run * parts / total_vacancies, by a multiplication; the
      // scale rounded down, so that the last run stays in the last part.
      const std::uint64_t part_scale = (std::uint64_t{parts} << 32) / total_vacancies;
      for (std::size_t r0 = 0; r0 < nu; r0 += kRound) {
        const std::size_t r1 = std::min(nu, r0 + kRound);
        sim::for_each_index(pieces, [&](std::size_t piece) {
          const std::size_t lo = r0 + (r1 - r0) * piece / pieces, hi = r0 + (r1 - r0) * (piece + 1) / pieces;
          Bucket* bucket = app_buckets_.data() + piece * parts;
          for (std::size_t q = 0; q < parts; ++q) {
            if (bucket[q].room < (hi - lo) * a) {
              bucket[q].room = (kRound / pieces + 1) * a;  // every piece of a round fits
              bucket[q].apps.reset(new Application[bucket[q].room]);
            }
            bucket[q].count = 0;
          }
          // Refused applications (key all ones) are written and not kept.
          draw_any(lo, hi, [&](std::uint32_t run, std::uint32_t open, std::uint64_t k) {
            Bucket& to = bucket[(run * part_scale) >> 32];
            to.apps[to.count] = {k, run, open};
            to.count += k != sim::rng::kEmptyKey;
          });
        });
        sim::for_each_index(parts, [&](std::size_t part) {
          for (std::size_t piece = 0; piece < pieces; ++piece) {
            const Bucket& from = app_buckets_[piece * parts + part];
            offer_all(from.apps.get(), from.count);
          }
        });
      }
    }

    // The offer slots of the runs (a firm's slots) that start in piece k of
    // the vacancy entries, visited in order: body(application, firm) for
    // each slot that holds an offer. In pieces of at least 4,096 entries; a run
    // belongs to the piece where it starts, so that one thread sees all of a
    // firm's offers. The workers' entries that the slots 16 places on will
    // touch are fetched ahead: at 10^6 workers they are megabytes, and each
    // slot's worker is a random one.
    const std::size_t run_pieces =
        std::clamp<std::size_t>(total_vacancies / 4096, 1, 4 * static_cast<std::size_t>(sim::concurrency()));
    auto run_start = [&](std::size_t at) {
      while (at < total_vacancies && vac[at].run != at) ++at;
      return at;
    };
    const std::uint32_t last_unemployed = static_cast<std::uint32_t>(nu - 1);
    auto for_offers = [&]<bool kWorker>(auto&& body) {
      sim::for_each_index(run_pieces, [&](std::size_t k) {
        const std::size_t lo = run_start(total_vacancies * k / run_pieces);
        const std::size_t hi = run_start(total_vacancies * (k + 1) / run_pieces);
        const std::uint64_t* keys = offer_keys_.data();
        for (std::size_t p = lo; p < hi; ++p) {
          if (p + 16 < hi) {
            // An empty slot's key names no worker: the last one is fetched.
            const std::uint32_t ahead = std::min(static_cast<std::uint32_t>(keys[p + 16]) / static_cast<std::uint32_t>(a), last_unemployed);
            if (kWorker) __builtin_prefetch(unemployed_.data() + ahead);
            __builtin_prefetch(best_offer_.data() + ahead, 1);
          }
          if (keys[p] == sim::rng::kEmptyKey) continue;  // slots past a firm's applicants, or past kMaxOpen
          body(static_cast<std::uint32_t>(keys[p]), run_firm_[vac[p].run]);
        }
      });
    };

    // e. Each worker with offers accepts one, chosen uniformly: the offer of
    // lowest random key (a draw of the worker's choice stream, indexed by the
    // application), whatever the order in which the offers are visited. On
    // one thread a plain minimum; on several, a compare-and-swap.
    const sim::rng::WyrandBlockedStream choice_draws(ctx.seed, kChoice, month, n);
    const bool shared = sim::concurrency() > 1 && run_pieces > 1;
    for_offers.template operator()<true>([&](std::uint32_t app, std::uint32_t firm) {
      const std::size_t i = app / a, j = app % a;
      auto choice = choice_draws(unemployed_[i]);
      std::uint64_t bits = 0;
      for (std::size_t q = 0; q <= j; ++q) bits = choice.bits();
      const std::uint64_t offer = (bits & 0xFFFFFFFF00000000ull) | firm;
      if (!shared) {
        best_offer_[i] = std::min(best_offer_[i], offer);
        return;
      }
      std::atomic_ref<std::uint64_t> best(best_offer_[i]);
      std::uint64_t seen = best.load(std::memory_order_relaxed);
      while (offer < seen && !best.compare_exchange_weak(seen, offer, std::memory_order_relaxed)) {
      }
    });
    // Each firm's hires: its offers that were accepted (a worker holds at
    // most one offer per firm). All of a firm's slots are in one piece, so
    // no two threads add to one firm's size.
    // The hire's chunk of workers (for the release pass) follows from its
    // place in the list of the unemployed, which is in worker order: the
    // worker's index is not read.
    const std::size_t chunks = count_chunks_, span = chunks > 1 ? chunk_span(chunks) : 1;
    std::array<std::uint32_t, 4> chunk_first{};  // [c - 1]: the first place of chunk c's workers (at most 4 chunks: release_chunks)
    for (std::size_t c = 1; c < chunks; ++c)
      chunk_first[c - 1] = static_cast<std::uint32_t>(
          std::lower_bound(unemployed_.begin(), unemployed_.begin() + static_cast<std::ptrdiff_t>(nu), c * span) -
          unemployed_.begin());
    for_offers.template operator()<false>([&](std::uint32_t app, std::uint32_t firm) {
      const std::uint32_t i = app / static_cast<std::uint32_t>(a);
      if (static_cast<std::uint32_t>(best_offer_[i]) != firm) return;
      ++firm_size_[firm];
      if (chunks > 1) {
        std::uint32_t c = 0;
        for (std::size_t b = 0; b + 1 < chunks; ++b) c += i >= chunk_first[b];
        ++chunk_count_[firm * chunks + c];
      }
    });
  } else {
    best_offer_.assign(nu, sim::rng::kEmptyKey);
  }

  // Hires, and who is still unemployed by zone and skill (the breakdowns),
  // in one pass over the month's unemployed: [0] hires, then zones, skills.
  const std::size_t nz_s = nz + static_cast<std::size_t>(p_.skills);
  const Tally tally = sim::sum_ranges<Tally>(0, nu, 4096, [&](std::size_t lo, std::size_t hi) {
    Tally t{std::vector<std::int64_t>(1 + nz_s, 0)};
    std::int64_t* hired = t.counts.data();
    std::int64_t* by_zone = hired + 1;
    std::int64_t* by_skill = by_zone + nz;
    // Without branches (who was hired is a coin toss), the zones and
    // skills counted in four interleaved tallies each (consecutive workers
    // of one zone would wait on each other's count). The employer of a
    // worker not hired is written back as it was: the low half of an empty
    // offer is kNoFirm.
    static_assert(static_cast<std::uint32_t>(sim::rng::kEmptyKey) == kNoFirm);
    std::int64_t zones[4][256] = {}, skills[4][256] = {};
    std::int64_t taken = 0;
    for (std::size_t i = lo; i != hi; ++i) {
      const std::uint32_t w = unemployed_[i];
      const std::uint64_t offer = best_offer_[i];
      const std::int64_t left = offer == sim::rng::kEmptyKey;
      zones[i & 3][home_[w]] += left;
      skills[i & 3][skill_[w]] += left;
      employer_[w] = static_cast<std::uint32_t>(offer);
      taken += 1 - left;
    }
    *hired = taken;
    for (std::size_t k = 0; k < 4; ++k) {
      for (std::size_t z = 0; z < nz; ++z) by_zone[z] += zones[k][z];
      for (std::size_t q = 0; q < static_cast<std::size_t>(p_.skills); ++q) by_skill[q] += skills[k][q];
    }
    return t;
  });
  hires_ = tally.counts.empty() ? 0 : tally.counts[0];
  employed_ += hires_;
  // Each firm hired at most its v_f (no more offers than open slots), so
  // what is left open is what was open less the hires.
  vacancies_left_ = static_cast<std::int64_t>(total_vacancies) - hires_;
  for (std::size_t z = 0; z < nz; ++z) unemployed_by_zone_[z] = tally.counts.empty() ? 0 : tally.counts[1 + z];
  for (std::size_t k = 0; k < unemployed_by_skill_.size(); ++k)
    unemployed_by_skill_[k] = tally.counts.empty() ? 0 : tally.counts[1 + nz + k];
}


void DockModel::record(sim::Recorder& rec, const sim::MonthContext&) {
  const auto n = static_cast<double>(p_.workers);
  rec.set(s_unemp_, static_cast<double>(p_.workers - employed_) / n);
  rec.set(s_firms_, static_cast<double>(firms_alive_));
  rec.set(s_vac_, static_cast<double>(vacancies_left_));
  rec.set(s_hires_, static_cast<double>(hires_));
  rec.set(s_sep_, static_cast<double>(separations_));
  rec.set(s_entries_, static_cast<double>(entries_));
  rec.set(s_exits_, static_cast<double>(exits_));
  auto rate = [](std::int64_t u, std::int64_t w) { return w ? static_cast<double>(u) / static_cast<double>(w) : 0.0; };
  for (std::size_t z = 0; z < workers_by_zone_.size(); ++z) {
    rec.set(b_zones_, z, 0, static_cast<double>(workers_by_zone_[z]));
    rec.set(b_zones_, z, 1, static_cast<double>(unemployed_by_zone_[z]));
    rec.set(b_zones_, z, 2, rate(unemployed_by_zone_[z], workers_by_zone_[z]));
  }
  for (std::size_t s = 0; s < workers_by_skill_.size(); ++s) {
    rec.set(b_skills_, s, 0, static_cast<double>(workers_by_skill_[s]));
    rec.set(b_skills_, s, 1, static_cast<double>(unemployed_by_skill_[s]));
    rec.set(b_skills_, s, 2, rate(unemployed_by_skill_[s], workers_by_skill_[s]));
  }
}

// ---------------------------------------------------------------- checkpoints

void DockModel::save(sim::ArchiveWriter& out) const {
  out.tag("dock");
  out.put_column("home", home_);
  out.put_column("skill", skill_);
  out.put_column("employer", employer_);
  out.put_column("firm_id", firm_id_);
  out.put_column("firm_zone", firm_zone_);
  out.put_column("firm_skill", firm_skill_);
  out.put_column("firm_alive", firm_alive_);
  out.put_column("firm_log_latent", firm_latent_);
  out.put_column("firm_target", firm_target_);
  out.put_column("firm_size", firm_size_);
  out.put_column("free_slots", free_slots_);
  out.tag("counters");
  out.put(next_firm_id_);
  out.put(employed_);
  out.put(firms_alive_);
  out.put(initial_firms_);
  out.put_column("workers_by_zone", workers_by_zone_);
  out.put_column("workers_by_skill", workers_by_skill_);
  out.put_column("unemployed_by_zone", unemployed_by_zone_);
  out.put_column("unemployed_by_skill", unemployed_by_skill_);
}

void DockModel::load(sim::ArchiveReader& in) {
  in.expect_tag("dock");
  in.get_column("home", home_);
  in.get_column("skill", skill_);
  in.get_column("employer", employer_);
  in.get_column("firm_id", firm_id_);
  in.get_column("firm_zone", firm_zone_);
  in.get_column("firm_skill", firm_skill_);
  in.get_column("firm_alive", firm_alive_);
  in.get_column("firm_log_latent", firm_latent_);
  in.get_column("firm_target", firm_target_);
  in.get_column("firm_size", firm_size_);
  in.get_column("free_slots", free_slots_);
  in.expect_tag("counters");
  next_firm_id_ = in.get<std::uint64_t>();
  employed_ = in.get<std::int64_t>();
  firms_alive_ = in.get<std::int64_t>();
  initial_firms_ = in.get<std::int64_t>();
  in.get_column("workers_by_zone", workers_by_zone_);
  in.get_column("workers_by_skill", workers_by_skill_);
  in.get_column("unemployed_by_zone", unemployed_by_zone_);
  in.get_column("unemployed_by_skill", unemployed_by_skill_);
  count_chunks_ = 0;  // derived state: counted again by the next release pass
  chunk_count_.clear();
  unemployed_listed_ = false;
  // The checkpoint must describe this configuration's population.
  const std::size_t n = static_cast<std::size_t>(p_.workers), slots = firm_id_.size();
  if (home_.size() != n || skill_.size() != n || employer_.size() != n)
    in.fail("the worker columns do not match the configuration's number of workers");
  if (firm_zone_.size() != slots || firm_skill_.size() != slots || firm_alive_.size() != slots ||
      firm_latent_.size() != slots || firm_target_.size() != slots || firm_size_.size() != slots)
    in.fail("the firm columns differ in length");
  if (workers_by_zone_.size() != p_.zone_names.size() || unemployed_by_zone_.size() != p_.zone_names.size() ||
      workers_by_skill_.size() != static_cast<std::size_t>(p_.skills) ||
      unemployed_by_skill_.size() != static_cast<std::size_t>(p_.skills))
    in.fail("the breakdown counters do not match the configuration");
  for (std::uint32_t f : employer_)
    if (f != kNoFirm && (f >= slots || !firm_alive_[f])) in.fail("a worker is employed by a firm that does not exist");
  for (std::uint32_t f : free_slots_)
    if (f >= slots || firm_alive_[f]) in.fail("a free firm slot is in use");
  if (const auto why = sim::check_agent_ids(firm_id_, firm_alive_, next_firm_id_); !why.empty()) in.fail("firms: " + why);
  for (std::size_t f = 0; f < slots; ++f) {
    if (!firm_alive_[f]) continue;
    if (!std::isfinite(firm_latent_[f])) in.fail("a firm's latent size (its logarithm) is not a finite number");
    if (firm_zone_[f] >= p_.zone_names.size() || firm_skill_[f] >= p_.skills) in.fail("a firm has an unknown zone or skill");
    // Its target follows from its latent size (within the rounding of the
    // two ways it is computed), now that targets are not capped at N.
    const std::uint32_t t = firm_target_of_log(firm_latent_[f], firm_target_[f]);
    if (t > firm_target_[f] + 1u || t + 1u < firm_target_[f]) in.fail("a firm's target does not follow from its latent size");
  }
  for (std::size_t w = 0; w < n; ++w)
    if (home_[w] >= p_.zone_names.size() || skill_[w] >= p_.skills) in.fail("a worker has an unknown zone or skill");
  vacancies_left_ = count_vacancies();
  if (static_cast<std::uint64_t>(vacancies_left_) > kMaxVacancies)
    in.fail(fmt::format("the firms have {} vacancies, more than the {} the matching lists", vacancies_left_, kMaxVacancies));
}

// ---------------------------------------------------------------- invariants

std::vector<std::string> DockModel::check_invariants(const sim::Recorder& rec) const {
  std::vector<std::string> bad;
  const std::size_t slots = firm_id_.size();
  std::vector<std::uint32_t> counted(slots, 0);
  std::int64_t employed = 0;
  for (std::size_t w = 0; w < employer_.size(); ++w) {
    const std::uint32_t f = employer_[w];
    if (f == kNoFirm) continue;
    if (f >= slots || !firm_alive_[f]) {
      bad.push_back(fmt::format("worker {} is employed by firm slot {}, which is not alive", w, f));
      continue;
    }
    ++counted[f];
    ++employed;
  }
  if (employed != employed_) bad.push_back(fmt::format("{} workers employed, the counter says {}", employed, employed_));
  std::int64_t alive = 0;
  for (std::size_t f = 0; f < slots; ++f) {
    alive += firm_alive_[f];
    if (counted[f] != firm_size_[f])
      bad.push_back(fmt::format("firm slot {} has {} employees, its size says {}", f, counted[f], firm_size_[f]));
    if (firm_alive_[f] && firm_size_[f] > firm_target_[f] && rec.rows() > 0)
      bad.push_back(fmt::format("firm slot {} holds {} employees over a target of {}", f, firm_size_[f], firm_target_[f]));
  }
  if (alive != firms_alive_) bad.push_back(fmt::format("{} firms alive, the counter says {}", alive, firms_alive_));
  if (const std::int64_t open = count_vacancies(); rec.rows() > 0 && open != vacancies_left_)
    bad.push_back(fmt::format("{} vacancies open, the counter says {}", open, vacancies_left_));
  // The employees per chunk of workers, where they are kept.
  if (count_chunks_ > 1) {
    const std::size_t chunks = count_chunks_, span = chunk_span(chunks);
    std::vector<std::uint32_t> by_chunk(slots * chunks, 0);
    for (std::size_t w = 0; w < employer_.size(); ++w)
      if (employer_[w] < slots) ++by_chunk[employer_[w] * chunks + w / span];
    if (by_chunk != chunk_count_) bad.push_back(fmt::format("the employees counted per chunk of {} workers are out of date", span));
  }
  std::int64_t unemployed = 0;
  for (auto u : unemployed_by_zone_) unemployed += u;
  if (rec.rows() > 0 && unemployed + employed != p_.workers)
    bad.push_back(fmt::format("{} unemployed + {} employed != {} workers", unemployed, employed, p_.workers));
  const std::size_t r = rec.rows();
  if (r > 0) {
    const auto firms = rec.series("firms"), entries = rec.series("entries"), exits = rec.series("exits");
    const auto hires = rec.series("hires"), seps = rec.series("separations"), ur = rec.series("unemployment_rate");
    const double before = r > 1 ? firms[r - 2] : static_cast<double>(initial_firms_);
    if (firms[r - 1] - before != entries[r - 1] - exits[r - 1])
      bad.push_back(fmt::format("firms went from {} to {} with {} entries and {} exits", before, firms[r - 1],
                                entries[r - 1], exits[r - 1]));
    if (r > 1) {
      const double n = static_cast<double>(p_.workers);
      const double emp_now = std::round(n * (1.0 - ur[r - 1])), emp_before = std::round(n * (1.0 - ur[r - 2]));
      if (emp_now - emp_before != hires[r - 1] - seps[r - 1])
        bad.push_back(fmt::format("employment changed by {} with {} hires and {} separations", emp_now - emp_before,
                                  hires[r - 1], seps[r - 1]));
    }
  }
  return bad;
}

}  // namespace terrasim::models::dock

// ---------------------------------------------------------------- columns

namespace terrasim::models::dock {

std::vector<sim::ColumnView> DockModel::columns() const {
  using sim::column_view;
  return {
      column_view("workers", "home", home_, "home zone (index into the scenario's zones)"),
      column_view("workers", "skill", skill_, "skill level, 0 to skills - 1"),
      column_view("workers", "employer", employer_, "employing firm's slot, or 4294967295 (0xFFFFFFFF) if unemployed"),
      column_view("firms", "id", firm_id_, "firm id (never reused; keys the firm's random streams)"),
      column_view("firms", "zone", firm_zone_, "zone of the firm (index into the scenario's zones)"),
      column_view("firms", "skill", firm_skill_, "skill level the firm requires"),
      column_view("firms", "alive", firm_alive_, "1 if the slot holds a live firm, 0 if free (a closed firm's slot)"),
      column_view("firms", "target", firm_target_, "target number of employees"),
      column_view("firms", "size", firm_size_, "current number of employees"),
      column_view("firms", "log_latent", firm_latent_, "log of the latent target T (target = max(1, round(T)))"),
  };
}

}  // namespace terrasim::models::dock
