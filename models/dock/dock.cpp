// The docking model: parameters, initial state and the five monthly rules of
// shared/reference/dock-model.md, each a phase.
//
// Layout: workers are two columns (home zone, skill); employment is
// firm-centred: each firm's employees are a list of worker ids in one arena,
// and the unemployed are a list too, so that a rule touches only the workers
// it moves (each worker's employer is derived from the lists when asked).
// Firms are columns by slot. Randomness: every rule draws from its own named
// stream, keyed by fixed blocks of workers or of firm slots (separations,
// exits: rare events drawn by skipping), by worker id (search, choice, the
// offers' rare redraws) or by firm id (targets, dismissals), so the output
// depends neither on the number of threads nor, for one agent, on what the
// others drew. The agents' streams
// are wyrand's output on a keyed Weyl sequence (sim/rng/philox.h: a
// multiplication a draw, where SplitMix64 costs two).
#include "models/dock/dock.h"

#include <algorithm>
#include <array>
#include <bit>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <type_traits>

#include <fmt/format.h>

#include "sim/core/agent_ids.h"
#include "sim/core/parallel.h"
#include "sim/rng/distributions.h"
#include "sim/rng/alias.h"
#include "sim/rng/reservoir.h"
#include "sim/rng/ziggurat.h"
#include "sim/rng/philox.h"
#include "sim/rng/sampling.h"
#include "sim/territory/territory.h"
#include "sim/util/detmath.h"
#include "sim/util/select.h"

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
constexpr std::uint64_t kOffers = stream_id("dock.offers");

// A test seam: built with TERRASIM_DOCK_FORCE_OFFER_REDRAWS (only the test
// program test_dock_redraw is), an application's 32 bits for its firm's
// reservoir are zero once in 256, which Lemire's method rejects, so that
// the redraws from dock.offers (otherwise below c / 2^32 an application)
// happen in every run, and are counted. Otherwise both are no-ops.
#ifdef TERRASIM_DOCK_FORCE_OFFER_REDRAWS
std::atomic<std::uint64_t> forced_offer_redraws{0};
std::uint32_t reservoir_bits(std::uint32_t bits) { return (bits & 0xFF) == 0 ? 0 : bits; }
void count_offer_redraw() { forced_offer_redraws.fetch_add(1, std::memory_order_relaxed); }
#else
constexpr std::uint32_t reservoir_bits(std::uint32_t bits) { return bits; }
constexpr void count_offer_redraw() {}
#endif

// All ones: no offer yet (a worker's best offer); an application refused
// or repeated (its key).
constexpr std::uint64_t kNone = ~std::uint64_t{0};

// The initial state's workers are drawn in fixed blocks (the unit of their
// block-keyed stream). Changing it changes the random numbers (not their
// distribution), so it is part of the model's definition.
constexpr std::size_t kWorkerBlock = 8192;
constexpr std::size_t kFirmGrain = 512;
// Fixed blocks of firm slots for the exits drawn by skipping (part of the
// model's definition, like kWorkerBlock).
constexpr std::size_t kSlotBlock = 8192;
// Fixed blocks of firm slots for the separations drawn by skipping and for
// the lists of the released (part of the model's definition).
constexpr std::size_t kReleaseBlock = 1024;
// No skill: marks a worker who sends no application (skills are below 255).
constexpr std::uint8_t kNoSkill = 255;

std::size_t blocks_of(std::size_t n, std::size_t block) { return (n + block - 1) / block; }

// Pieces of firm slots for the passes that list firms in slot order in
// parallel (each piece after the pieces before it): one a thread from
// 4,096 slots on, at most 16; one below. (From 32,768 before: at the
// defaults' 9,500 firm slots, two pieces took 1-3% off a run on two
// threads.)
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

#ifdef TERRASIM_DOCK_FORCE_OFFER_REDRAWS
// The redraws the seam above has caused so far (test_dock_redraw).
std::uint64_t forced_offer_redraws_so_far() { return forced_offer_redraws.load(); }
#endif

// ---------------------------------------------------------------- parameters

void declare_parameters(sim::Record& root) {
  root.integer("workers").range(1, DockModel::kMaxWorkers).def(100000).unit("workers").doc("N, number of workers");
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
  root.integer("applications").range(1, DockModel::kMaxApplications).def(3).doc("a, applications sent by each unemployed worker a month");
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
    {"firms", "init_size_mu", "init_size_sigma", "zones[].worker_share"},
    // The workers' columns are drawn at the start (their number was refused
    // as "inconsistent checkpoint" by the state's reader).
    {"workers"},
    {},
    {"zones", "skills"},
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
  // [0] and [kLogTable + 1] are sentinels that no comparison passes (NaN),
  // so that the search below needs no bounds of its own.
#if defined(__FINITE_MATH_ONLY__) && __FINITE_MATH_ONLY__
#error "the targets' table ends in NaN sentinels: build without -ffinite-math-only (or -ffast-math)"
#endif
  log_round_up_.resize(kLogTable + 2);
  for (std::size_t k = 1; k <= kLogTable; ++k) log_round_up_[k] = sim::dmath::log(static_cast<double>(k) + 0.5);
  log_round_up_.front() = log_round_up_.back() = std::numeric_limits<double>::quiet_NaN();
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
[[gnu::always_inline]] inline std::uint32_t DockModel::firm_target_of_log(double log_latent, std::uint32_t near,
                                                                         const double* up) const {
  constexpr std::uint32_t top = kLogTable + 1;  // up[top] a sentinel
  std::uint32_t k = std::clamp<std::uint32_t>(near, 1, top - 1);
  // Most targets move by at most one: that step without a branch (its
  // direction is the shock's sign, a coin toss), then the loops, which
  // then rarely turn. The sentinels up[0] and up[top] (NaN) stop them at
  // 1 and top.
  k = k + static_cast<std::uint32_t>(log_latent >= up[k]) - static_cast<std::uint32_t>(log_latent < up[k - 1]);
  while (log_latent >= up[k]) ++k;
  while (log_latent < up[k - 1]) --k;
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
  rooms_.push_back({});
  return static_cast<std::uint32_t>(firm_id_.size() - 1);
}

namespace {
// The entries reserved for a list of n employees: an eighth more and 4, so
// that a growing firm seldom moves.
std::uint64_t room_for(std::uint64_t n) { return n + n / 8 + 4; }

// The arena for lists of `total` entries in all: half as much again at the
// end. Places are below 2^32 (lay_out_staff sorts them in 32 bits): a
// population that needs more is refused.
std::uint64_t arena_capacity(std::uint64_t total) {
  const std::uint64_t capacity = total + total / 2 + 1024;
  if (capacity >= (std::uint64_t{1} << 32))
    throw std::runtime_error(fmt::format("dock: the firms' employee lists need {} entries, more than the 2^32 they can hold "
                                         "(too many live firms: see entry_rate and exit_rate)", capacity));
  return capacity;
}
}  // namespace

void DockModel::place_staff(const std::uint32_t* lists, const std::uint64_t* first) {
  const std::size_t slots = firm_id_.size();
  rooms_.assign(slots, {});
  std::uint64_t total = 0;
  for (std::size_t f = 0; f < slots; ++f) {
    rooms_[f].at = static_cast<std::uint32_t>(total);  // below 2^32: arena_capacity checks the total below
    rooms_[f].room = firm_alive_[f] ? static_cast<std::uint32_t>(room_for(firm_size_[f])) : 0;
    total += rooms_[f].room;
  }
  // Half as much again at the end, where the firms that outgrow their room go.
  staff_ = sim::LargeArray<std::uint32_t>(arena_capacity(total));  // entries past a list are never read
  staff_end_ = total;
  forget_holes();
  // Serial. On the team (initialize), a copy in parallel was no faster: at
  // 10^6 workers on two threads the initial state took 6.0-6.4 ms serial,
  // 6.1-6.8 in parallel (`--profile`, the usual four of six runs each).
  // load() runs without a team, where a parallel loop would start TBB's own
  // threads.
  for (std::size_t f = 0; f < slots; ++f) std::copy_n(lists + first[f], firm_size_[f], staff_.get() + rooms_[f].at);
}

void DockModel::move_list(std::uint32_t f, std::uint64_t at, std::uint64_t room) {
  std::copy_n(staff_.get() + rooms_[f].at, firm_size_[f], staff_.get() + at);
  rooms_[f].at = static_cast<std::uint32_t>(at);
  rooms_[f].room = static_cast<std::uint32_t>(room);
}

void DockModel::forget_holes() {
  for (auto& h : holes_) h.clear();
  hole_sizes_ = 0;
}

void DockModel::leave_hole(std::uint32_t at, std::uint32_t room) {
  if (room == 0 || room > kHoleSizes) return;
  holes_[room - 1].push_back(at);
  hole_sizes_ |= std::uint64_t{1} << (room - 1);
}

void DockModel::move_staff(std::uint32_t f) {
  // Room for the firm's target: a firm moves when it hires, and may hire up
  // to its target this month. An entrant, which starts without a room,
  // then moves once rather than two or three times as it fills its
  // vacancies (10^6 workers: a third fewer moves, 8 layouts a run, not 9).
  const std::uint64_t size = firm_size_[f];
  const std::uint64_t wanted = std::max<std::uint64_t>(size + 1, firm_target_[f]);
  std::uint64_t room = room_for(wanted), at = staff_end_;
  // The smallest hole that holds the room and is at most a quarter larger,
  // else the arena's end.
  const std::uint64_t largest = std::min<std::uint64_t>(kHoleSizes, room + room / 4);
  const std::uint64_t fits = room > kHoleSizes ? 0 : (hole_sizes_ >> (room - 1)) & ((std::uint64_t{2} << (largest - room)) - 1);
  if (fits != 0) {
    room += static_cast<std::uint64_t>(std::countr_zero(fits));
    auto& holes = holes_[room - 1];
    at = holes.back();
    holes.pop_back();
    if (holes.empty()) hole_sizes_ &= ~(std::uint64_t{1} << (room - 1));
    ++staff_holes_reused_;
  } else if (staff_end_ + room > staff_.size()) {
    lay_out_staff([&](std::size_t g) { return g == f ? wanted - size : std::uint64_t{0}; });
    return;
  } else {
    staff_end_ += room;
  }
  const Room left = rooms_[f];
  move_list(f, at, room);
  leave_hole(left.at, left.room);
}

template <class Extra>
void DockModel::lay_out_staff(Extra&& extra) {
  ++staff_layouts_;
  // In place (a second arena would be the run's peak of memory). The lists,
  // taken in the order they lie (sorted by place: 32 bits, which
  // arena_capacity ensures), get new rooms in that order, each list copied
  // once: those whose room starts lower, from the first up, then those
  // whose room starts higher, from the last down. Neither overwrites a list
  // not yet copied: a list's new room lies past the new rooms of the lists
  // before it, which hold at least those lists, and (copied down) before
  // its old place, so before the lists after it. When the arena leaves too
  // little at the end, each list is copied into a larger one instead.
  const std::size_t slots = firm_id_.size();
  std::vector<std::uint64_t> order, scratch;  // (place << 32 | slot) of the firms with a room, sorted by place
  for (std::size_t f = 0; f < slots; ++f)
    if (rooms_[f].room != 0) order.push_back(std::uint64_t{rooms_[f].at} << 32 | f);
  scratch.resize(order.size());
  for (unsigned shift = 32; shift < 64 && (staff_.size() >> (shift - 32)) != 0; shift += 11) {
    std::array<std::size_t, 2048> at{};
    for (const std::uint64_t x : order) ++at[(x >> shift) & 2047];
    std::size_t sum = 0;
    for (auto& c : at) sum += std::exchange(c, sum);
    for (const std::uint64_t x : order) scratch[at[(x >> shift) & 2047]++] = x;
    order.swap(scratch);
  }
  // The new rooms, in the same order (room_at[k] .. room_at[k + 1]), then
  // the live firms without one.
  std::vector<std::uint64_t> room_at(order.size() + 1, 0);
  std::vector<std::uint32_t> size(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    const auto f = static_cast<std::uint32_t>(order[k]);
    size[k] = firm_size_[f];
    room_at[k + 1] = room_at[k] + room_for(std::uint64_t{size[k]} + extra(f));
  }
  std::uint64_t total = room_at.back();
  for (std::size_t f = 0; f < slots; ++f)
    if (firm_alive_[f] && rooms_[f].room == 0) total += room_for(extra(f));
  std::uint32_t* staff = staff_.get();
  // Too little left at the end (a quarter of the rooms): a larger arena
  // (so that moves stay rare as the lists grow, rather than each filling
  // the end again).
  if (total + total / 4 + 1024 > staff_.size()) {
    sim::LargeArray<std::uint32_t> larger(arena_capacity(total));
    for (std::size_t k = 0; k < order.size(); ++k)
      std::copy_n(staff + (order[k] >> 32), size[k], larger.get() + room_at[k]);
    staff_ = std::move(larger);
  } else {
    auto copy = [&](std::size_t k) {
      std::memmove(staff + room_at[k], staff + (order[k] >> 32), std::size_t{size[k]} * sizeof(std::uint32_t));
    };
    for (std::size_t k = 0; k < order.size(); ++k)
      if (room_at[k] < (order[k] >> 32)) copy(k);
    for (std::size_t k = order.size(); k-- > 0;)
      if (room_at[k] > (order[k] >> 32)) copy(k);
  }
  for (std::size_t k = 0; k < order.size(); ++k) {
    const auto f = static_cast<std::uint32_t>(order[k]);
    rooms_[f].at = static_cast<std::uint32_t>(room_at[k]);
    rooms_[f].room = static_cast<std::uint32_t>(room_at[k + 1] - room_at[k]);
  }
  std::uint64_t end = room_at.back();
  for (std::size_t f = 0; f < slots; ++f)
    if (firm_alive_[f] && rooms_[f].room == 0) {
      rooms_[f].at = static_cast<std::uint32_t>(end);
      rooms_[f].room = static_cast<std::uint32_t>(room_for(extra(f)));
      end += rooms_[f].room;
    }
  staff_end_ = end;
  forget_holes();
}

void DockModel::lay_out_staff_afresh() {
  lay_out_staff([](std::size_t) { return 0u; });
}

namespace {
std::uint16_t profile_of(std::uint8_t home, std::uint8_t skill) { return static_cast<std::uint16_t>(home | skill << 8); }
}  // namespace

std::vector<std::uint32_t> DockModel::released() const {
  std::vector<std::uint32_t> all;
  for (const auto& r : released_) all.insert(all.end(), r.begin(), r.end());
  return all;
}

std::int64_t DockModel::pending_released() const {
  std::int64_t count = 0;
  for (const auto& r : released_) count += static_cast<std::int64_t>(r.size());
  return count;
}

void DockModel::list_released() {
  const auto total = static_cast<std::size_t>(pending_released());
  if (total == 0) return;
  // The released join the end of the list, block after block, each with its
  // zone and skill.
  const std::size_t count = unemployed_count_ + total;
  if (unemployed_.size() < count) {
    unemployed_.resize(count);
    unemployed_profile_.resize(count);
  }
  // Each block's place in the list, then the blocks in parallel (the zone
  // and skill of each released worker are read at random), a block a
  // piece at least: at the defaults there are 10 blocks (a grain of 16
  // left them to one thread while the other waited).
  std::vector<std::size_t> at(released_.size() + 1, unemployed_count_);
  for (std::size_t b = 0; b < released_.size(); ++b) at[b + 1] = at[b] + released_[b].size();
  sim::for_ranges(0, released_.size(), 1, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t b = lo; b != hi; ++b) {
      std::size_t k = at[b];
      for (const std::uint32_t w : released_[b]) {
        unemployed_[k] = w;
        unemployed_profile_[k++] = profile_of(home_[w], skill_[w]);
      }
      released_[b].clear();
    }
  });
  unemployed_count_ = count;
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
  // Each firm's share of the order (serial: a running sum); the firms'
  // lists are then laid out in slot order, each from its share.
  std::vector<std::uint64_t> first_taken(m);  // by slot: where its share of the order starts
  std::size_t next = 0;
  for (std::size_t k = 0; k < m; ++k) {  // none left for the firms after the workers run out
    const std::uint32_t f = firm_order[k];
    const std::size_t take = std::min<std::size_t>(firm_target_[f], n - next);
    first_taken[f] = next;
    firm_size_[f] = static_cast<std::uint32_t>(take);
    next += take;
  }
  rooms_.reserve(room);
  place_staff(worker_order.data(), first_taken.data());
  // The rest start unemployed, in the drawn order.
  unemployed_.assign(worker_order.begin() + static_cast<std::ptrdiff_t>(next), worker_order.end());
  unemployed_count_ = unemployed_.size();
  unemployed_profile_.resize(unemployed_count_);
  std::fill(unemployed_by_zone_.begin(), unemployed_by_zone_.end(), 0);
  std::fill(unemployed_by_skill_.begin(), unemployed_by_skill_.end(), 0);
  for (std::size_t i = 0; i < unemployed_count_; ++i) {
    const std::uint32_t w = unemployed_[i];
    unemployed_profile_[i] = profile_of(home_[w], skill_[w]);
    ++unemployed_by_zone_[home_[w]];
    ++unemployed_by_skill_[skill_[w]];
  }
  employed_ = static_cast<std::int64_t>(next);
  vacancies_left_ = count_vacancies();
}

std::vector<sim::Phase> DockModel::phases() {
  return {
      {"separations, targets and exits", [this](const sim::MonthContext& c) { update_firms(c); }},
      {"entries", [this](const sim::MonthContext& c) { enter_firms(c); }},
      {"matching", [this](const sim::MonthContext& c) { match(c); }},
  };
}

// Steps 1 to 3 (each firm's employees are its own list), in fixed blocks of
// slots, in parallel; in each block step 2 for every firm first (a target
// depends on nothing steps 1 and 3 change), then steps 1 and 3 firm by firm:
// 1. Separations. Each employed worker leaves its job with probability
//    delta. Over each block, the hits are drawn by skipping geometric gaps
//    over the block's employees, firm after firm in slot order, each firm's
//    in its list's order (one draw per event, not per worker): each
//    employee is an independent Bernoulli(delta) trial.
// 2. Targets. Each firm alive at the start of the month updates its latent
//    target by a log-normal shock (an addition to log T); a firm that then
//    holds more employees than its new integer target dismisses the excess,
//    ranks in its list chosen by Floyd's sampling (uniform over k-subsets).
// 3. Exits. Each firm closes with probability exit_rate, releasing every
//    employee: closures are drawn first, by skipping geometric gaps over
//    fixed blocks of slots (one draw per closure, not per firm); a hit on a
//    free slot does nothing, which leaves each live firm an independent
//    Bernoulli trial.
// A worker who leaves a list gives its place to the list's last (a firm's
// leavers go from the last place down, so that none moves before it
// leaves) and joins the block's released, whom the matching lists as
// unemployed. Entrants of this month do not exist yet.
void DockModel::update_firms(const sim::MonthContext& ctx) {
  separations_ = hires_ = entries_ = exits_ = 0;
  const std::size_t slots = firm_id_.size(), blocks = blocks_of(slots, kReleaseBlock);
  if (released_.size() < blocks) released_.resize(blocks);
  const std::int64_t released_before = pending_released();
  const auto month = static_cast<std::uint64_t>(ctx.month);
  // 3, the draws: the closing firms, by fixed block of slots.
  closing_.resize(slots);
  const std::size_t exit_blocks = blocks_of(slots, kSlotBlock);
  if (closed_.size() < exit_blocks) closed_.resize(exit_blocks);
  const double exit_log1m = p_.exit_rate > 0.0 ? sim::dmath::log1p(-p_.exit_rate) : 0.0;
  sim::for_each_index(exit_blocks, [&](std::size_t b) {
    const std::size_t begin = b * kSlotBlock, end = std::min(slots, begin + kSlotBlock);
    std::fill(closing_.begin() + static_cast<std::ptrdiff_t>(begin), closing_.begin() + static_cast<std::ptrdiff_t>(end), 0);
    closed_[b].clear();
    if (p_.exit_rate <= 0.0) return;
    Draws d(ctx.seed, kExits, month, b);
    std::uint64_t gap = sim::rng::geometric_gap(d, exit_log1m);
    if (gap >= end - begin) return;
    for (std::size_t f = begin + gap;; f += 1 + gap) {
      if (firm_alive_[f]) {
        closing_[f] = 1;
        closed_[b].push_back(static_cast<std::uint32_t>(f));
      }
      gap = sim::rng::geometric_gap(d, exit_log1m);
      if (gap >= end - f - 1) break;  // the next hit would be past the block
    }
  });
  const double sigma = p_.target_volatility;
  const double drift = -0.5 * sigma * sigma;
  const bool separating = p_.separation_rate > 0.0;
  const double separation_log1m = separating ? sim::dmath::log1p(-p_.separation_rate) : 0.0;
  const sim::rng::WyrandBlockedStream target_draws(ctx.seed, kTargets, month, next_firm_id_);
  const sim::rng::WyrandBlockedStream dismissal_draws(ctx.seed, kDismissals, month, next_firm_id_);
  // Separations and dismissals read the lists of the firms in slot order:
  // the list eight firms ahead is fetched early, its first entries and its
  // last (which fill the places of those who leave), once the arena
  // outgrows a core's cache (1 MiB), where lists moved since the last
  // layout are misses (10^6 workers, one thread: steps 1 to 3 450 -> 380
  // ms a run, 357 with the last entries; the defaults' arena fits, and
  // the prefetches cost 2% of the steps).
  const bool fetch_lists = staff_.size() * sizeof(std::uint32_t) > (std::size_t{1} << 20);
  sim::for_each_index(blocks, [&](std::size_t b) {
    // The columns through local pointers: the stores could otherwise alias
    // the vectors' own pointers, which were then read again for every firm.
    const std::uint8_t* alive = firm_alive_.data();
    const std::uint8_t* closing = closing_.data();
    const std::uint64_t* id = firm_id_.data();
    std::uint32_t* size = firm_size_.data();
    double* latent = firm_latent_.data();
    std::uint32_t* target = firm_target_.data();
    std::uint32_t* staff = staff_.get();
    const Room* rooms = rooms_.data();
    const auto& zig = sim::rng::ziggurat_tables();
    // Locals, not the captures (read through the closure at each firm, as
    // the calls in the loop could have changed them).
    const double shock_sd = sigma, shock_mean = drift, leave_log1m = separation_log1m;
    const bool fetch = fetch_lists;
    const double* log_up = log_round_up_.data();
    const auto targets_of = target_draws.view(), dismissals_of = dismissal_draws.view();
    // The block's released through a local (threads pushing to neighbouring
    // vectors of released_ would share the lines of their ends).
    std::vector<std::uint32_t> out;
    out.swap(released_[b]);
    std::vector<std::uint32_t> place;  // a firm's leavers or dismissed, by place in its list
    std::vector<std::uint64_t> scratch;  // sample_sorted's, for a firm dismissing many
    // Removes the places `place` (ascending) from firm f's list of s.
    // (Written through a pointer into room made for them at once: a
    // push_back each, with its test of the capacity, took 24 instructions.)
    auto release = [&](std::size_t f, std::uint32_t s) {
      std::uint32_t* list = staff + rooms[f].at;
      const std::size_t n = place.size(), at = out.size();
      out.resize(at + n);
      std::uint32_t* to = out.data() + at;
      for (std::size_t k = n; k-- > 0;) {
        *to++ = list[place[k]];
        list[place[k]] = list[--s];
      }
      size[f] = s;
    };
    // The separations' gaps, drawn 32 at a time ahead of their use: their
    // logarithms then overlap, rather than each waiting on the branch that
    // the last decided (a draw or two past the block's last hit changes
    // nothing).
    Draws d(ctx.seed, kSeparations, month, b);
    constexpr std::size_t kGaps = 32;
    std::uint64_t gaps[kGaps];
    std::size_t next_gap = kGaps;
    auto gap_of = [&] {
      if (next_gap == kGaps) {
        for (std::size_t k = 0; k < kGaps; ++k) gaps[k] = sim::rng::geometric_gap(d, leave_log1m);
        next_gap = 0;
      }
      return gaps[next_gap++];
    };
    const std::size_t first = b * kReleaseBlock, hi = std::min(slots, first + kReleaseBlock);
    // 2. first, over the block's firms, in a loop of its own: a target
    // depends on nothing the other steps change, and the loop keeps more
    // of what it uses in registers (3 instructions a firm fewer than in one
    // loop with steps 1 and 3).
    for (std::size_t f = first; f < hi; ++f) {
      if (!alive[f]) continue;
      auto draws = targets_of(id[f]);
      const double log_target = latent[f] + (shock_sd * sim::rng::normal_ziggurat(draws, zig) + shock_mean);
      latent[f] = log_target;
      target[f] = firm_target_of_log(log_target, target[f], log_up);
    }
    std::uint64_t gap = separating ? gap_of() : ~std::uint64_t{0};
    for (std::size_t f = first; f < hi; ++f) {
      if (fetch && f + 8 < hi) {
        __builtin_prefetch(staff + rooms[f + 8].at, 1);
        __builtin_prefetch(staff + rooms[f + 8].at + size[f + 8], 1);
      }
      if (!alive[f]) continue;  // rare: a predictable branch (and no employees)
      // 1. Most firms have no leaver this month.
      if (const std::uint64_t s = size[f]; gap < s) {
        place.clear();
        for (std::uint64_t p = gap;;) {
          place.push_back(static_cast<std::uint32_t>(p));
          const std::uint64_t g = gap_of();
          if (g >= s - p - 1) {  // the next hit is past the firm's last employee
            gap = g - (s - p - 1);
            break;
          }
          p += 1 + g;
        }
        release(f, static_cast<std::uint32_t>(s));
      } else {
        gap -= s;
      }
      const std::uint32_t t = target[f], s = size[f];
      if (closing[f]) {  // 3. rare
        out.insert(out.end(), staff + rooms[f].at, staff + rooms[f].at + s);
        size[f] = 0;
        continue;
      }
      if (s <= t) continue;
      place.resize(s - t);
      auto dd = dismissals_of(id[f]);
      sim::rng::sample_sorted(dd, s, s - t, place.data(), scratch);
      release(f, s);
    }
    out.swap(released_[b]);
  });
  // The closed firms' slots are freed, and reused lowest first, whatever
  // order they were freed in.
  for (std::size_t b = 0; b < exit_blocks; ++b)
    for (const std::uint32_t f : closed_[b]) {
      firm_alive_[f] = 0;
      leave_hole(rooms_[f].at, rooms_[f].room);
      rooms_[f].at = 0;
      rooms_[f].room = 0;
      free_slots_.push_back(f);
      ++exits_;
    }
  std::sort(free_slots_.begin(), free_slots_.end(), std::greater<>());
  firms_alive_ -= exits_;
  separations_ = pending_released() - released_before;
  employed_ -= separations_;
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
        "beyond the {} workers", ctx.month, all_vacancies, kMaxVacancies, home_.size()));
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
  // Emptied by the listing, run by run; past the last run, a slot for each
  // part of the offering (below) to write the applicants it turns away, a
  // cache line apart.
  offer_slots_.resize(std::size_t{total_vacancies} + kTurnedAway * 16);
  run_applicants_.resize(total_vacancies);  // zeroed by the listing at each run's first entry
  sim::for_each_index(list_pieces, [&](std::size_t k) {
    std::uint32_t fill[256];  // a local copy: the entries written cannot alias it
    std::copy_n(piece_fill[k].begin(), nz, fill);
    std::uint32_t widest = 0;
    for (std::size_t x = slots * k / list_pieces, end = piece_hiring[k]; x < end; ++x) {
      const std::uint32_t f = hiring_[x];
      const std::uint32_t open = firm_target_[f] - firm_size_[f];
      widest = std::max(widest, open);
      std::uint32_t& at = fill[firm_zone_[f]];
      const Vacancy v(at, std::min(open, kMaxOpen), firm_skill_[f]);
      if (open <= 4) {
        // Most firms have a vacancy or two: written here, where a call of
        // memset for each took about 13 instructions more.
#pragma GCC unroll 4
        for (std::uint32_t q = 0; q < open; ++q) {
          vacancies_[at + q] = v;
          offer_slots_[at + q] = kNoOffer;
        }
      } else {
        std::fill_n(vacancies_.begin() + at, open, v);
        std::fill_n(offer_slots_.begin() + at, open, kNoOffer);
      }
      run_firm_[at] = f;
      run_applicants_[at] = 0;
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

  list_released();
  const std::size_t n = home_.size();
  const std::size_t nu = unemployed_count_;

  hires_ = 0;
  // A firm makes at most as many offers as it has applicants, so offer slots
  // capped at kMaxOpen (2^24 - 1) change nothing while fewer workers than
  // that are unemployed; beyond, the cap would, so that case is refused.
  if (widest > kMaxOpen && nu > kMaxOpen)
    throw std::runtime_error(fmt::format("dock: a firm with {} vacancies and {} unemployed workers exceeds the "
                                         "matching's {} offer slots per firm", widest, nu, kMaxOpen));
  bool lists_by_runs = false;  // the hired joined their firms' lists by pieces of runs
  // Pieces of the list of the unemployed for the count (below), and for
  // the choice among offers when the offering was by parts.
  constexpr std::size_t kTallyPiece = 4096;
  static_assert(std::has_single_bit(kTallyPiece));  // an application's piece is its id shifted
  const std::size_t tally_pieces = blocks_of(nu, kTallyPiece);
  bool offers_by_piece = false;  // each part's offers sorted by piece of the unemployed (below)
  // e. Each worker with offers accepts one, chosen uniformly: the offer of
  // lowest random key (a draw of the worker's choice stream, indexed by the
  // application), whatever the order in which the offers are visited. After
  // an offering by parts (more than kPipelineThreads threads), by piece of
  // the unemployed: each piece's workers over their offers, which the parts
  // sorted so, a plain minimum in lines no other thread writes. Otherwise
  // over the offer slots (below).
  const sim::rng::WyrandBlockedStream choice_draws(ctx.seed, kChoice, month, n);
  // The offer from `firm` to the application `app` (i << kAppBits | j): its
  // key, the high half of worker i's choice draw j, and the firm. What it
  // reads comes as arguments (no capture), so that the loops that call it
  // can hold them in registers.
  const auto offer_of = [](sim::rng::KeyedBlockedView<sim::rng::WyrandUnitDraws> choice_of,
                           const std::uint32_t* unemployed, std::uint32_t app, std::uint32_t firm) -> std::uint64_t {
    const std::uint64_t bits = choice_of(unemployed[app >> kAppBits]).bits_ahead(app & kAppMask);
    return (bits & 0xFFFFFFFF00000000ull) | firm;
  };
  auto choose_in_piece = [&](std::size_t k) {
    const std::size_t parts = offer_piece_start_.size() / (tally_pieces + 1);
    std::uint64_t* best = best_offer_.data();
    const PieceOffer* offers = offers_by_piece_.data();
    const auto choice_of = choice_draws.view();
    const std::uint32_t* unemployed = unemployed_.data();
    for (std::size_t part = 0; part < parts; ++part) {
      const std::uint32_t* start = offer_piece_start_.data() + part * (tally_pieces + 1);
      for (std::uint32_t x = start[k], end = start[k + 1]; x != end; ++x) {
        const std::size_t i = offers[x].app >> kAppBits;
        best[i] = std::min(best[i], offer_of(choice_of, unemployed, offers[x].app, offers[x].firm));
      }
    }
  };
  if (total_vacancies > 0 && nu > 0) {
    // b, c, d. Each unemployed worker draws its applications: one word gives
    // the zone (high half) and the vacancy in it (low half), so the firm with
    // probability proportional to v_f; a second word decides whether an
    // application across skills is acceptable (high half) and gives the
    // application 32 random bits (low half) for the firm's choice. Repeats
    // count once. A firm chooses whom it offers its v_f jobs by reservoir
    // sampling (Vitter's Algorithm R): its first v_f acceptable applicants
    // take its offer slots; the c-th after them takes slot j, drawn uniform
    // on [0, c) from its 32 bits, if j < v_f. That keeps a uniform choice of
    // min(v_f, applicants) among them. It depends on the order in which they
    // arrive, which is the order of the list of the unemployed, then of the
    // worker's applications, on any number of threads: one thread offers
    // them as they are drawn, several take each range of firms' applications
    // piece of workers after piece.
    const sim::rng::WyrandBlockedStream search_draws(ctx.seed, kSearch, month, n);
    // uniform < m, with 32 bits: the high half below m * 2^32.
    const double accept = p_.mismatch_acceptance;
    const std::uint64_t accept_below = accept >= 1.0 ? std::uint64_t{1} << 32 : static_cast<std::uint64_t>(std::ceil(accept * 0x1.0p32));
    // Several threads only for at least 4,096 unemployed; on at most
    // kPipelineThreads, pipelined (below).
    const bool parallel = sim::concurrency() > 1 && nu >= 4096;
    const bool pipelined = parallel && sim::concurrency() <= kPipelineThreads;
    // Several threads draw in rounds of at most kRound unemployed (the
    // applications of a round are kept until offered).
    constexpr std::size_t kRound = 1 << 16;
    if (best_offer_.size() < nu) best_offer_.resize(nu);  // the first nu, emptied by the drawing
    const Vacancy* vac = vacancies_.data();
    // Each zone's entries as one word, first | count << 32: one load an
    // application where two were (and a subtraction).
    std::array<std::uint64_t, 256> zone_span;
    for (std::size_t z = 0; z < nz; ++z)
      zone_span[z] = zone_start_[z] | std::uint64_t{zone_start_[z + 1] - zone_start_[z]} << 32;
    // Workers in batches: first their draws (arithmetic only, no branch
    // that depends on them), then the applications, whose loads of vacancy
    // entries and offer slots then overlap.
    // The number of applications is a compile-time constant for the
    // default (a = 3), so that the loops over them unroll.
    constexpr std::size_t kBatch = 256;
    // The applications of the unemployed [lo, hi), to `out`: an Application*
    // keeps the acceptable ones there, in order, and the count is returned;
    // a callable is called emit(vacancy, key) for each, key all ones for
    // an application refused or repeated. (The pointer keeps the count in a
    // register: a callable's captured count and array were loaded and
    // stored again at each application, 3 instructions of about 90.)
    // All: every application across skills acceptable (accept_below 2^32).
    auto draw = [&]<std::size_t A, bool All, class Out>(std::size_t lo, std::size_t hi, Out&& out) -> std::size_t {
      constexpr bool keep = std::is_same_v<std::remove_cvref_t<Out>, Application*>;
      const std::size_t na = A ? A : a;
      const Vacancy* const vac_at = vac;  // locals, kept in registers
      const std::uint64_t* const span_of = zone_span.data();
      const auto search_of = search_draws.view();
      // The coin as a comparison of the whole word: (k >> 32) < accept_below
      // is k < accept_below << 32, which holds in 64 bits unless all pass.
      const std::uint64_t accept_key = All ? 0 : accept_below << 32;
      Application* to = nullptr;  // the pointer's value, not a reference to it
      if constexpr (keep) to = out;
      Application* const first_kept = to;
      std::uint32_t pos[kBatch * 16];
      std::uint64_t key[kBatch * 16];
      std::uint8_t skill[kBatch];
      const std::uint32_t* unemployed = unemployed_.data();
      const std::uint16_t* profile = unemployed_profile_.data();
      std::uint64_t* best = best_offer_.data();
      for (std::size_t b0 = lo; b0 < hi; b0 += kBatch) {
        const std::size_t b1 = std::min(hi, b0 + kBatch);
        for (std::size_t i = b0; i != b1; ++i) {
          const std::uint32_t w = unemployed[i];
          const std::size_t h = profile[i] & 0xFF, at = (i - b0) * na;
          best[i] = kNone;  // no offer yet (written here, in order, rather than in a pass of its own)
          skill[i - b0] = static_cast<std::uint8_t>(profile[i] >> 8);
          // No vacancy within reach (every weight underflowed): no application.
          if (!(zone_pick.total(h) > 0.0)) {
            skill[i - b0] = kNoSkill;
            std::fill_n(pos + at, na, 0u);  // read by the prefetch
            continue;
          }
          auto search = search_of(w);
          const auto zones = zone_pick.row(h);
#pragma GCC unroll 16
          for (std::size_t j = 0; j < na; ++j) {
            const std::uint64_t word = search.bits();
            const std::size_t z = zones.find(static_cast<std::uint32_t>(word >> 32));
            const std::uint64_t span = span_of[z];
            const auto first = static_cast<std::uint32_t>(span), count = static_cast<std::uint32_t>(span >> 32);
            pos[at + j] = first + search.below32(static_cast<std::uint32_t>(word), count);
            key[at + j] = search.bits();
          }
        }
        for (std::size_t i = b0; i != b1; ++i) {
          const std::size_t at = (i - b0) * na;
          // The vacancy entries of a worker 8 places on, fetched ahead.
          if (i + 8 < b1)
#pragma GCC unroll 16
            for (std::size_t j = 0; j < na; ++j) __builtin_prefetch(vac_at + pos[at + 8 * na + j]);
          const std::uint8_t s = skill[i - b0];
          if (s == kNoSkill) continue;
          std::uint32_t runs[16];
#pragma GCC unroll 16
          for (std::size_t j = 0; j < na; ++j) {
            const Vacancy v = vac_at[pos[at + j]];
            runs[j] = v.run();  // one run per firm
            bool repeat = false;
#pragma GCC unroll 16
            for (std::size_t q = 0; q < j; ++q) repeat |= runs[q] == v.run();
            const std::uint64_t k = key[at + j];
            // Masks rather than branches: acceptance is a coin toss.
            const std::uint64_t acceptable = static_cast<std::uint64_t>(v.skill() == s) | (All || k < accept_key);
            const std::uint64_t refused = (acceptable & ~static_cast<std::uint64_t>(repeat)) - 1;  // all ones or 0
            const std::uint64_t app_key = (k << 32) | (i << kAppBits | j) | refused;
            if constexpr (keep) {
              // Refused applications are written and not kept: the key is
              // kNone exactly when refused is all ones (an id is never
              // 2^32 - 1: dock.h asserts it), so the pointer moves on by
              // 1 + refused.
              to->key = app_key;
              to->vacancy = v;
              to += 1 + refused;
            } else {
              out(v, app_key);
            }
          }
        }
      }
      return static_cast<std::size_t>(to - first_kept);
    };
    auto draw_any = [&](std::size_t lo, std::size_t hi, auto&& out) -> std::size_t {
      const bool all = accept_below >> 32 != 0;
      if (a == 3) return all ? draw.template operator()<3, true>(lo, hi, out) : draw.template operator()<3, false>(lo, hi, out);
      return all ? draw.template operator()<0, true>(lo, hi, out) : draw.template operator()<0, false>(lo, hi, out);
    };
    // The rare redraws of a firm's choice (below): worker w's application j
    // takes its r-th from draw r * a + j of w's stream.
    const sim::rng::WyrandBlockedStream offer_draws(ctx.seed, kOffers, month, n);
    std::uint32_t* offer_slots = offer_slots_.data();  // a run's offer slots: offer_slots + run
    std::uint32_t* applicants = run_applicants_.data();
    // Offers acceptable applications, in order, to their firms (step d).
    // Without a branch on the draw (whether an applicant takes a slot is a
    // coin toss): an applicant turned away writes to its part's slot past
    // the last run (parts offer at once on several threads). A run's count
    // and first slot are fetched 16 applications early (at 10^7 workers they
    // are megabytes, out of cache).
    auto offer_all = [&](const Application* apps, std::size_t count, std::size_t part) {
      const std::uint32_t turned_away = total_vacancies + static_cast<std::uint32_t>(part * kTurnedAway);
      std::uint32_t* const slot = offer_slots;  // locals, kept in registers
      std::uint32_t* const seen = applicants;
      auto offer = [&](const Application& app) __attribute__((always_inline)) {
        const auto id = static_cast<std::uint32_t>(app.key);
        const std::uint32_t open = app.vacancy.open();
        const std::uint32_t j = sim::rng::reservoir_slot(
            ++seen[app.vacancy.run()], open, reservoir_bits(static_cast<std::uint32_t>(app.key >> 32)),
            [&, r = std::uint64_t{0}]() mutable {
              count_offer_redraw();
              return offer_draws(unemployed_[id >> kAppBits]).bits_ahead(r++ * a + (id & kAppMask)) >> 32;
            });
        // A conditional move, not a branch (taken or not is a coin toss).
        slot[sim::select_if_below(j, open, app.vacancy.run() + j, turned_away)] = id;
      };
      std::size_t x = 0;
      for (; x + 16 < count; ++x) {
        __builtin_prefetch(seen + apps[x + 16].vacancy.run(), 1);
        __builtin_prefetch(slot + apps[x + 16].vacancy.run(), 1);
        offer(apps[x]);
      }
      for (; x < count; ++x) offer(apps[x]);
    };
    // Pieces of the vacancy entries, for the passes over the offer slots
    // (below): of at least 4,096 entries; a run belongs to the piece where
    // it starts, so that one thread sees all of a firm's offers.
    const std::size_t run_pieces =
        std::clamp<std::size_t>(total_vacancies / 4096, 1, 4 * static_cast<std::size_t>(sim::concurrency()));
    // The first run that starts at or after entry `at`: a run is its
    // firm's v_f entries, and the firms' sizes do not change before the
    // hired join their lists, after the last call. (Scanning to it, entry
    // by entry, took each piece to the end of a firm of 10^8 vacancies.)
    auto run_start = [&](std::size_t at) -> std::size_t {
      if (at >= total_vacancies) return total_vacancies;
      const std::uint32_t run = vac[at].run();
      if (run == at) return at;
      const std::uint32_t f = run_firm_[run];
      return std::size_t{run} + (firm_target_[f] - firm_size_[f]);
    };
    if (!parallel) {
      // One thread: the acceptable applications are kept as they are drawn
      // (without a branch: acceptance is a coin toss) and offered by the
      // thousand, their offer slots fetched 16 applications ahead. Offering
      // each as drawn, the refused ones too, cost more: a load, a test and
      // its mispredictions for every application.
      constexpr std::size_t kKept = 2048;
      std::array<Application, kKept> kept;
      const std::size_t piece = kKept / a;  // workers whose applications fit
      for (std::size_t lo = 0; lo < nu; lo += piece)
        offer_all(kept.data(), draw_any(lo, std::min(nu, lo + piece), kept.data()), 0);
    } else if (pipelined) {
      // A few threads: they draw the applications of pieces of kPipePiece
      // unemployed, claimed in order, each piece's acceptable ones into a
      // bucket of its own; the pieces drawn are offered in order, one after
      // the other, by the calling thread between the pieces it draws, while
      // the other threads draw. The firms' counts and offer slots are then
      // written by one core throughout the offering (by whichever thread
      // had just drawn a piece, as the count appends the hired below, they
      // moved from core to core: at 10^6 workers on two threads the
      // matching took 4.3-4.5 ms a month against 3.9-4.0 so; the defaults,
      // whose slots fit a core's cache, about the same). The offers are
      // made as on one thread, in the same order. An offer costs about a
      // seventh of a draw (at the defaults, one thread: 38 us of offers a
      // month against 245 us of draws), so one thread offering keeps up
      // with a few drawing; the offering by parts (below) is for more. At
      // the defaults on two threads the matching took 0.43 ms a month by
      // parts, 0.37 so.
      const std::size_t max_pieces = blocks_of(std::min(nu, kRound), kPipePiece);
      if (app_buckets_.size() < max_pieces) app_buckets_.resize(max_pieces);
      for (std::size_t k = 0; k < max_pieces; ++k) app_buckets_[k].fit(kPipePiece * a, kPipePiece * a);
      for (std::size_t r0 = 0; r0 < nu; r0 += kRound) {
        const std::size_t r1 = std::min(nu, r0 + kRound), pieces = blocks_of(r1 - r0, kPipePiece);
        sim::InOrderStage offering(pieces, sim::InOrderStage::Taker::kCreator);
        auto offer_piece = [&](std::size_t k) { offer_all(app_buckets_[k].apps.get(), app_buckets_[k].count, 0); };
        sim::for_each_index(pieces, [&](std::size_t k) {
          app_buckets_[k].count =
              draw_any(r0 + k * kPipePiece, std::min(r1, r0 + (k + 1) * kPipePiece), app_buckets_[k].apps.get());
          offering.made(k, offer_piece);
        }, sim::Team::Claims::kInOrder);  // the offering takes the pieces in order
        offering.finish(offer_piece);
      }
    } else {
      // More threads, in rounds of at most kRound unemployed: their
      // applications are drawn in parallel by ranges of workers and kept,
      // then offered in parallel by ranges of vacancy runs, each range
      // taking the applications to its own firms, piece of workers after
      // piece. Each firm's offer slots then have one writer and see its
      // applicants in the order they have on one thread.
      // At most 16 ranges of runs and 8 pieces of workers a range: the
      // buckets are pieces x parts. (4 pieces a range: the defaults' matching
      // took 2-3% longer on two threads, the last pieces of the drawing
      // waiting on one thread; 16: no faster.)
      const std::size_t parts = std::min<std::size_t>(static_cast<std::size_t>(sim::concurrency()), 16), pieces = 8 * parts;
      // bucket [piece * parts + part]: the applications a piece of workers
      // sends to a range of runs.
      app_buckets_.resize(pieces * parts);
      // run -> part: run * parts / total_vacancies, by a multiplication; the
      // scale rounded down, so that the last run stays in the last part.
      const std::uint64_t part_scale = (std::uint64_t{parts} << 32) / total_vacancies;
      // The first entry whose runs belong to part k (or past the last).
      auto part_bound = [&](std::size_t k) -> std::size_t {
        return std::min<std::uint64_t>(total_vacancies, ((std::uint64_t{k} << 32) + part_scale - 1) / part_scale);
      };
      // Once a part has offered its last applications, its runs' offers
      // are final (no other part writes them): it sorts them by piece of
      // the unemployed (a counting sort, into the places of its slots), so
      // that each piece's workers then choose among their offers without
      // sharing a line with another thread (choose_in_piece). The choice
      // by offer slots, on two threads, wrote eight workers' best offers a
      // line from both, and took as long as on one (30 ms at 10^6).
      offer_piece_start_.resize(parts * (tally_pieces + 1));
      if (offers_by_piece_.size() < total_vacancies) offers_by_piece_.resize(total_vacancies);
      auto sort_offers = [&](std::size_t part) {
        const std::size_t lo = run_start(part_bound(part)), hi = run_start(part_bound(part + 1));
        std::uint32_t* start = offer_piece_start_.data() + part * (tally_pieces + 1);
        std::fill_n(start, tally_pieces + 1, 0u);
        const std::uint32_t* offered = offer_slots_.data();
        constexpr unsigned piece_bits = kAppBits + std::countr_zero(kTallyPiece);  // id >> piece_bits: its piece
        for (std::size_t q = lo; q < hi; ++q)
          if (offered[q] != kNoOffer) ++start[(offered[q] >> piece_bits) + 1];
        start[0] = static_cast<std::uint32_t>(lo);
        for (std::size_t k = 0; k < tally_pieces; ++k) start[k + 1] += start[k];
        std::vector<std::uint32_t> fill(start, start + tally_pieces);
        PieceOffer* to = offers_by_piece_.data();
        for (std::size_t q = lo; q < hi; ++q) {
          const std::uint32_t app = offered[q];
          if (app == kNoOffer) continue;  // slots past a firm's applicants, or past kMaxOpen
          to[fill[app >> piece_bits]++] = {app, run_firm_[vac[q].run()]};
        }
      };
      for (std::size_t r0 = 0; r0 < nu; r0 += kRound) {
        const std::size_t r1 = std::min(nu, r0 + kRound);
        sim::for_each_index(pieces, [&](std::size_t piece) {
          const std::size_t lo = r0 + (r1 - r0) * piece / pieces, hi = r0 + (r1 - r0) * (piece + 1) / pieces;
          Bucket* bucket = app_buckets_.data() + piece * parts;
          for (std::size_t q = 0; q < parts; ++q) {
            bucket[q].fit((hi - lo) * a, (kRound / pieces + 1) * a);  // grown: every piece of a round fits
            bucket[q].count = 0;
          }
          // Refused applications (key all ones) are written and not kept.
          draw_any(lo, hi, [&](const Vacancy& v, std::uint64_t k) {
            Bucket& to = bucket[(v.run() * part_scale) >> 32];
            to.apps[to.count] = {k, v};
            to.count += k != kNone;
          });
        });
        const bool last_round = r1 == nu;
        sim::for_each_index(parts, [&](std::size_t part) {
          for (std::size_t piece = 0; piece < pieces; ++piece) {
            const Bucket& from = app_buckets_[piece * parts + part];
            offer_all(from.apps.get(), from.count, part);
          }
          if (last_round) sort_offers(part);
        });
      }
      offers_by_piece = true;
    }

    // The offer slots of the runs that start in piece k of the vacancy
    // entries, visited in order: body(application, firm) for each slot that
    // holds an offer. The workers' entries that the slots 16 places on will
    // touch are fetched ahead: at 10^6 workers they are megabytes, and each
    // slot's worker is a random one.
    const std::uint32_t last_unemployed = static_cast<std::uint32_t>(nu - 1);
    auto for_offers = [&](auto&& body) {
      sim::for_each_index(run_pieces, [&](std::size_t k) {
        const std::size_t lo = run_start(total_vacancies * k / run_pieces);
        const std::size_t hi = run_start(total_vacancies * (k + 1) / run_pieces);
        const std::uint32_t* offered = offer_slots_.data();
        const std::uint32_t* unemployed = unemployed_.data();
        const std::uint64_t* best = best_offer_.data();
        const std::uint32_t* firm_of_run = run_firm_.data();
        for (std::size_t p = lo; p < hi; ++p) {
          if (p + 16 < hi) {
            // An empty slot names no worker: the last one is fetched.
            const std::uint32_t ahead = std::min(offered[p + 16] >> kAppBits, last_unemployed);
            __builtin_prefetch(unemployed + ahead);
            __builtin_prefetch(best + ahead, 1);
          }
          if (offered[p] == kNoOffer) continue;  // slots past a firm's applicants, or past kMaxOpen
          body(offered[p], firm_of_run[vac[p].run()]);
        }
      });
    };

    // e., over the offer slots: on one thread a plain minimum; on several
    // (fewer than 4,096 unemployed, or the offering pipelined), a
    // compare-and-swap (with the pipelined offering, a minimum on one
    // thread took as long: 0.035 ms a month at the defaults).
    const bool shared = sim::concurrency() > 1 && run_pieces > 1;
    // (What the loop reads, by value in its closure: one load each, where
    // a reference to a local took two.)
    if (!offers_by_piece) for_offers([=, choice_of = choice_draws.view(), unemployed = unemployed_.data(),
                                      best_of = best_offer_.data()](std::uint32_t app, std::uint32_t firm) {
      const std::size_t i = app >> kAppBits;
      const std::uint64_t offer = offer_of(choice_of, unemployed, app, firm);
      if (!shared) {
        best_of[i] = std::min(best_of[i], offer);
        return;
      }
      std::atomic_ref<std::uint64_t> best(best_of[i]);
      std::uint64_t seen = best.load(std::memory_order_relaxed);
      while (offer < seen && !best.compare_exchange_weak(seen, offer, std::memory_order_relaxed)) {
      }
    });
    // The hired join their firms' lists in the order of the list of the
    // unemployed: here, on several threads, by pieces of runs, from 2^18
    // vacancies (10^7 workers); otherwise after the count below, which
    // meets them in that order (at 10^6 workers on two threads, 4% faster
    // than the pieces of runs; at 10^7, 7% slower).
    lists_by_runs = sim::concurrency() > 1 && run_pieces > 1 && total_vacancies >= (1u << 18);
    // (Made in the count's pieces instead, the choice lengthened the path
    // of the serial appends: 10^6 workers, the count and appends 80 -> 94 ms.)
    if (offers_by_piece) sim::for_each_index(tally_pieces, choose_in_piece);
    if (lists_by_runs) {
      // The hired of each firm: its offers that were accepted (a worker holds
      // at most one offer per firm), gathered at the front of its run (all
      // of a firm's slots are in one piece, so no two threads write one
      // firm's), then put in the order of the list of the unemployed. By
      // pieces of runs, as the offers were visited, each listing its hiring
      // firms and counting the room those that outgrow their lists will take
      // at the arena's end.
      hiring_by_piece_.resize(run_pieces);
      std::vector<std::uint64_t> piece_end(run_pieces + 1, 0);
      sim::for_each_index(run_pieces, [&](std::size_t k) {
        const std::size_t lo = run_start(total_vacancies * k / run_pieces);
        const std::size_t hi = run_start(total_vacancies * (k + 1) / run_pieces);
        std::vector<Hiring> hiring;  // through a local, as the released are
        hiring.swap(hiring_by_piece_[k]);
        hiring.clear();
        std::uint32_t* offered = offer_slots_.data();
        const std::uint64_t* best = best_offer_.data();
        std::uint64_t moving = 0;
        std::uint32_t run = static_cast<std::uint32_t>(lo), firm = lo < hi ? run_firm_[lo] : 0, h = 0;
        auto close_run = [&] {
          if (h == 0) return;
          // The firm's hired in the order of the list of the unemployed, as
          // the count appends them on one thread (most firms hire a few: an
          // insertion sort; a large one may hire thousands).
          std::uint32_t* hired = offered + run;
          if (h > 32) {
            std::sort(hired, hired + h);
          } else {
            for (std::uint32_t q = 1; q < h; ++q)
              for (std::uint32_t r = q; r > 0 && hired[r] < hired[r - 1]; --r) std::swap(hired[r], hired[r - 1]);
          }
          hiring.push_back({run, firm, h});
          if (std::uint64_t{firm_size_[firm]} + h > rooms_[firm].room) moving += room_for(std::uint64_t{firm_size_[firm]} + h);
        };
        for (std::size_t p = lo; p < hi; ++p) {
          if (p + 16 < hi) {
            const std::uint32_t ahead = std::min(offered[p + 16] >> kAppBits, last_unemployed);
            __builtin_prefetch(best + ahead);
          }
          if (vac[p].run() != run) {  // the next firm's run
            close_run();
            run = static_cast<std::uint32_t>(p);
            firm = run_firm_[p];
            h = 0;
          }
          if (offered[p] == kNoOffer) continue;  // slots past a firm's applicants, or past kMaxOpen
          const std::uint32_t i = offered[p] >> kAppBits;
          if (static_cast<std::uint32_t>(best[i]) != firm) continue;
          offered[run + h++] = i;  // run + h <= p: read already
        }
        close_run();
        piece_end[k + 1] = moving;
        hiring.swap(hiring_by_piece_[k]);
      });
      // The hired join the end of their firms' lists. A firm whose list
      // outgrows its room moves to the end of the arena (room_for its new
      // size), each piece's after the pieces' before it; when the end cannot
      // hold them all, every list is laid out afresh first.
      piece_end[0] = staff_end_;
      for (std::size_t k = 0; k < run_pieces; ++k) piece_end[k + 1] += piece_end[k];
      if (piece_end[run_pieces] > staff_.size()) {
        std::vector<std::uint32_t> extra(slots, 0);
        for (const auto& hiring : hiring_by_piece_)
          for (const Hiring& x : hiring) extra[x.firm] = x.hires;
        lay_out_staff([&](std::size_t f) { return extra[f]; });
        for (std::size_t k = 0; k <= run_pieces; ++k) piece_end[k] = staff_end_;  // nobody moves
      }
      sim::for_each_index(run_pieces, [&](std::size_t k) {
        std::uint64_t end = piece_end[k];
        std::uint32_t* staff = staff_.get();
        for (const Hiring& x : hiring_by_piece_[k]) {
          const std::uint32_t f = x.firm;
          const std::uint64_t grown = std::uint64_t{firm_size_[f]} + x.hires;
          if (grown > rooms_[f].room) {
            move_list(f, end, room_for(grown));
            end += rooms_[f].room;
          }
          const std::uint32_t* hired = offer_slots_.data() + x.run;
          std::uint32_t* to = staff + rooms_[f].at + firm_size_[f];
          for (std::uint32_t q = 0; q < x.hires; ++q) to[q] = unemployed_[hired[q]];
          firm_size_[f] = static_cast<std::uint32_t>(grown);
        }
      });
      staff_end_ = piece_end[run_pieces];
    }
  } else {
    best_offer_.assign(nu, kNone);
  }

  // Hires, and who is still unemployed by zone and skill (the breakdowns),
  // in one pass over the month's unemployed, by fixed pieces: each piece
  // keeps those not hired at its front, in order; the pieces' fronts are
  // then joined. Counts per piece: hires, kept, then zones, skills.
  const std::size_t nz_s = nz + static_cast<std::size_t>(p_.skills), width = 2 + nz_s;
  std::vector<std::int64_t> counts(tally_pieces * width, 0);
  // Piece k's hired join their firms' lists, in the order of the list of
  // the unemployed (a firm's list grows at its end, and may move).
  auto append_hired = [&](std::size_t k) {
    const std::uint64_t* hired = best_offer_.data() + k * kTallyPiece;
    for (std::int64_t x = 0, taken = counts[k * width]; x < taken; ++x) {
      if (x + 16 < taken) {
        const auto ahead = static_cast<std::uint32_t>(hired[x + 16]);
        __builtin_prefetch(firm_size_.data() + ahead);
        __builtin_prefetch(rooms_.data() + ahead);
      }
      if (x + 8 < taken) {
        const auto ahead = static_cast<std::uint32_t>(hired[x + 8]);
        __builtin_prefetch(staff_.get() + rooms_[ahead].at + firm_size_[ahead], 1);
      }
      const auto f = static_cast<std::uint32_t>(hired[x]);
      if (firm_size_[f] == rooms_[f].room) move_staff(f);
      staff_[rooms_[f].at + firm_size_[f]++] = static_cast<std::uint32_t>(hired[x] >> 32);
    }
  };
  // Then piece k's workers still unemployed join those of the pieces before
  // it at the front of the list (they move down, to places no later piece
  // reads: a piece keeps at most its own number).
  std::size_t joined = 0;  // the workers still unemployed in the pieces joined so far
  auto join_kept = [&](std::size_t k) {
    const auto kept_here = static_cast<std::size_t>(counts[k * width + 1]);
    std::memmove(unemployed_.data() + joined, unemployed_.data() + k * kTallyPiece, kept_here * sizeof(std::uint32_t));
    std::memmove(unemployed_profile_.data() + joined, unemployed_profile_.data() + k * kTallyPiece,
                 kept_here * sizeof(std::uint16_t));
    joined += kept_here;
  };
  auto append_and_join = [&](std::size_t k) {
    if (!lists_by_runs) append_hired(k);  // else the hired are in their lists already
    join_kept(k);
  };
  // The appends and joins are serial, piece after piece, but need not wait
  // for the last piece to be counted (sim::InOrderStage): whichever thread
  // has just counted a piece appends and joins, unless another is doing so,
  // while the other threads count the rest (at 10^6 workers on two threads
  // the appends took three times as long as the count; the joins, after the
  // count, were 9% of the samples in which the second thread waited). The
  // order of the appends, and so the lists, are the same whoever makes them.
  sim::InOrderStage appending(tally_pieces);
  sim::for_each_index(tally_pieces, [&](std::size_t k) {
    const std::size_t lo = k * kTallyPiece, hi = std::min(nu, lo + kTallyPiece);
    std::int64_t* c = counts.data() + k * width;
    // Without branches (who was hired is a coin toss), the zones and
    // skills counted in four interleaved tallies each (consecutive workers
    // of one zone would wait on each other's count), from each worker's
    // zone and skill as the drawing saw them.
    std::int64_t zones[4][256] = {}, skills[4][256] = {};
    std::uint32_t* list = unemployed_.data();
    std::uint16_t* profile = unemployed_profile_.data();
    std::uint64_t* best = best_offer_.data();
    std::size_t kept = lo;  // before worker i: kept - lo stay, i - kept were hired
    // Worker i into tally q (i mod 4, a constant in the loop unrolled by 4).
    auto one = [&](std::size_t i, std::size_t q) __attribute__((always_inline)) {
      const std::uint64_t offer = best[i];
      const std::uint16_t pr = profile[i];
      const std::uint32_t w = list[i];
      const std::int64_t left = offer == kNone;
      zones[q][pr & 0xFF] += left;
      skills[q][pr >> 8] += left;
      // The hired, (worker << 32 | firm), over their offers (read already).
      best[lo + i - kept] = std::uint64_t{w} << 32 | static_cast<std::uint32_t>(offer);
      list[kept] = w;
      profile[kept] = pr;
      kept += static_cast<std::size_t>(left);
    };
    std::size_t i = lo;  // lo is a multiple of 4
    for (; i + 4 <= hi; i += 4) {
      one(i, 0);
      one(i + 1, 1);
      one(i + 2, 2);
      one(i + 3, 3);
    }
    for (; i != hi; ++i) one(i, i & 3);
    const auto taken = static_cast<std::int64_t>(hi - kept);
    c[0] = taken;
    c[1] = static_cast<std::int64_t>(kept - lo);
    for (std::size_t q = 0; q < 4; ++q) {
      for (std::size_t z = 0; z < nz; ++z) c[2 + z] += zones[q][z];
      for (std::size_t s = 0; s < static_cast<std::size_t>(p_.skills); ++s) c[2 + nz + s] += skills[q][s];
    }
    appending.made(k, append_and_join);
  }, sim::Team::Claims::kInOrder);  // the appends take the pieces in order
  appending.finish(append_and_join);
  std::vector<std::int64_t> sum(width, 0);
  for (std::size_t k = 0; k < tally_pieces; ++k) {
    const std::int64_t* c = counts.data() + k * width;
    for (std::size_t x = 0; x < width; ++x) sum[x] += c[x];
  }
  unemployed_count_ = joined;
  hires_ = sum[0];
  employed_ += hires_;
  // Each firm hired at most its v_f (no more offers than open slots), so
  // what is left open is what was open less the hires.
  vacancies_left_ = static_cast<std::int64_t>(total_vacancies) - hires_;
  for (std::size_t z = 0; z < nz; ++z) unemployed_by_zone_[z] = sum[2 + z];
  for (std::size_t k = 0; k < unemployed_by_skill_.size(); ++k) unemployed_by_skill_[k] = sum[2 + nz + k];
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
  // Between months the released are listed as unemployed; in the middle of
  // one they would be lost.
  if (pending_released() != 0)
    throw std::logic_error(fmt::format("dock: a checkpoint in the middle of a month ({} released workers not yet listed)",
                                       pending_released()));
  out.tag("dock");
  out.put_column("home", home_);
  out.put_column("skill", skill_);
  out.put_column("firm_id", firm_id_);
  out.put_column("firm_zone", firm_zone_);
  out.put_column("firm_skill", firm_skill_);
  out.put_column("firm_alive", firm_alive_);
  out.put_column("firm_log_latent", firm_latent_);
  out.put_column("firm_target", firm_target_);
  out.put_column("firm_size", firm_size_);
  out.put_column("free_slots", free_slots_);
  // The employee lists, firm after firm in slot order, and the unemployed:
  // their order is part of the state.
  std::vector<std::uint32_t> staff;
  staff.reserve(static_cast<std::size_t>(employed_));
  for (std::size_t f = 0; f < firm_id_.size(); ++f) staff.insert(staff.end(), this->staff(static_cast<std::uint32_t>(f)), this->staff(static_cast<std::uint32_t>(f)) + firm_size_[f]);
  out.put_column("staff", staff);
  out.put_column("unemployed", std::vector<std::uint32_t>(unemployed_.begin(), unemployed_.begin() + static_cast<std::ptrdiff_t>(unemployed_count_)));
  out.tag("counters");
  out.put(next_firm_id_);
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
  in.get_column("firm_id", firm_id_);
  in.get_column("firm_zone", firm_zone_);
  in.get_column("firm_skill", firm_skill_);
  in.get_column("firm_alive", firm_alive_);
  in.get_column("firm_log_latent", firm_latent_);
  in.get_column("firm_target", firm_target_);
  in.get_column("firm_size", firm_size_);
  in.get_column("free_slots", free_slots_);
  std::vector<std::uint32_t> staff;
  in.get_column("staff", staff);
  in.get_column("unemployed", unemployed_);
  unemployed_count_ = unemployed_.size();
  in.expect_tag("counters");
  next_firm_id_ = in.get<std::uint64_t>();
  firms_alive_ = in.get<std::int64_t>();
  initial_firms_ = in.get<std::int64_t>();
  in.get_column("workers_by_zone", workers_by_zone_);
  in.get_column("workers_by_skill", workers_by_skill_);
  in.get_column("unemployed_by_zone", unemployed_by_zone_);
  in.get_column("unemployed_by_skill", unemployed_by_skill_);
  // The checkpoint must describe this configuration's population.
  const std::size_t n = static_cast<std::size_t>(p_.workers), slots = firm_id_.size();
  if (home_.size() != n || skill_.size() != n) in.fail("the worker columns do not match the configuration's number of workers");
  if (firm_zone_.size() != slots || firm_skill_.size() != slots || firm_alive_.size() != slots ||
      firm_latent_.size() != slots || firm_target_.size() != slots || firm_size_.size() != slots)
    in.fail("the firm columns differ in length");
  if (workers_by_zone_.size() != p_.zone_names.size() || unemployed_by_zone_.size() != p_.zone_names.size() ||
      workers_by_skill_.size() != static_cast<std::size_t>(p_.skills) ||
      unemployed_by_skill_.size() != static_cast<std::size_t>(p_.skills))
    in.fail("the breakdown counters do not match the configuration");
  {
    std::vector<std::uint8_t> freed(slots, 0);
    for (std::uint32_t f : free_slots_)
      if (f >= slots || firm_alive_[f] || freed[f]++) in.fail("a free firm slot is in use, or listed twice");
  }
  if (firms_alive_ != std::count(firm_alive_.begin(), firm_alive_.end(), std::uint8_t{1}) ||
      std::any_of(firm_alive_.begin(), firm_alive_.end(), [](std::uint8_t a) { return a > 1; }))
    in.fail("the count of live firms does not match their flags");
  if (const auto why = sim::check_agent_ids(firm_id_, firm_alive_, next_firm_id_); !why.empty()) in.fail("firms: " + why);
  // Every worker is on exactly one list: its firm's, or the unemployed's.
  std::vector<std::uint64_t> first(slots + 1, 0);
  for (std::size_t f = 0; f < slots; ++f) {
    if (!firm_alive_[f] && firm_size_[f] != 0) in.fail("a closed firm slot has employees");
    first[f + 1] = first[f] + firm_size_[f];
  }
  if (first[slots] != staff.size())
    in.fail(fmt::format("the employee lists hold {} workers, the firms' sizes say {}", staff.size(), first[slots]));
  if (staff.size() + unemployed_.size() != n) in.fail("the employee lists and the unemployed do not add up to the workers");
  std::vector<std::uint8_t> listed(n, 0);
  for (const std::uint32_t w : staff) {
    if (w >= n || listed[w]) in.fail("a worker is listed twice, or does not exist");
    listed[w] = 1;
  }
  for (std::size_t i = 0; i < unemployed_.size(); ++i) {
    const std::uint32_t w = unemployed_[i];
    if (w >= n || listed[w]) in.fail("a worker is listed twice, or does not exist");
    listed[w] = 1;
  }
  employed_ = static_cast<std::int64_t>(staff.size());
  for (std::size_t f = 0; f < slots; ++f) {
    if (!firm_alive_[f]) continue;
    if (!std::isfinite(firm_latent_[f])) in.fail("a firm's latent size (its logarithm) is not a finite number");
    if (firm_zone_[f] >= p_.zone_names.size() || firm_skill_[f] >= p_.skills) in.fail("a firm has an unknown zone or skill");
    // Its target follows from its latent size (within the rounding of the
    // two ways it is computed), now that targets are not capped at N.
    const std::uint32_t t = firm_target_of_log(firm_latent_[f], firm_target_[f], log_round_up_.data());
    if (t > firm_target_[f] + 1u || t + 1u < firm_target_[f]) in.fail("a firm's target does not follow from its latent size");
  }
  for (std::size_t w = 0; w < n; ++w)
    if (home_[w] >= p_.zone_names.size() || skill_[w] >= p_.skills) in.fail("a worker has an unknown zone or skill");
  unemployed_profile_.resize(unemployed_count_);
  for (std::size_t i = 0; i < unemployed_count_; ++i) unemployed_profile_[i] = profile_of(home_[unemployed_[i]], skill_[unemployed_[i]]);
  for (auto& r : released_) r.clear();
  // The breakdowns' counts follow from the workers and the unemployed.
  {
    std::vector<std::int64_t> by_zone(workers_by_zone_.size(), 0), by_skill(workers_by_skill_.size(), 0);
    for (std::size_t w = 0; w < n; ++w) ++by_zone[home_[w]], ++by_skill[skill_[w]];
    std::vector<std::int64_t> out_zone(by_zone.size(), 0), out_skill(by_skill.size(), 0);
    for (const std::uint32_t w : unemployed_) ++out_zone[home_[w]], ++out_skill[skill_[w]];
    if (by_zone != workers_by_zone_ || by_skill != workers_by_skill_ || out_zone != unemployed_by_zone_ ||
        out_skill != unemployed_by_skill_)
      in.fail("the breakdowns' counts do not match the workers and the unemployed");
  }
  vacancies_left_ = count_vacancies();
  if (static_cast<std::uint64_t>(vacancies_left_) > kMaxVacancies)
    in.fail(fmt::format("the firms have {} vacancies, more than the {} the matching lists", vacancies_left_, kMaxVacancies));
  rooms_.assign(slots, {});
  place_staff(staff.data(), first.data());
}

// ---------------------------------------------------------------- invariants

std::vector<std::string> DockModel::check_invariants(const sim::Recorder& rec) const {
  std::vector<std::string> bad;
  const std::size_t slots = firm_id_.size(), n = home_.size();
  std::vector<std::uint32_t> counted(slots, 0);
  std::int64_t employed = 0;
  if (staff_end_ > staff_.size()) {  // nothing in the lists can be trusted
    bad.push_back(fmt::format("the arena's lists end at {}, past its {} entries", staff_end_, staff_.size()));
    return bad;
  }
  std::vector<std::uint32_t> employer_of;  // a local: a resumed run need not keep the API's column
  derive_employer(employer_of);
  for (std::size_t w = 0; w < n; ++w) {
    const std::uint32_t f = employer_of[w];
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
  // The lists: each firm's employees are those whose employer it is, each
  // once, within its room, and no two firms' rooms overlap; the unemployed
  // are the others, each once.
  std::vector<std::uint8_t> listed(n, 0);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> rooms;
  for (std::size_t f = 0; f < slots; ++f) {
    alive += firm_alive_[f];
    if (counted[f] != firm_size_[f])
      bad.push_back(fmt::format("firm slot {} has {} employees, its size says {}", f, counted[f], firm_size_[f]));
    if (firm_alive_[f] && firm_size_[f] > firm_target_[f] && rec.rows() > 0)
      bad.push_back(fmt::format("firm slot {} holds {} employees over a target of {}", f, firm_size_[f], firm_target_[f]));
    if (firm_size_[f] > rooms_[f].room || std::uint64_t{rooms_[f].at} + rooms_[f].room > staff_end_) {
      bad.push_back(fmt::format("firm slot {}'s list of {} lies outside its room of {} or the arena", f, firm_size_[f], rooms_[f].room));
      continue;
    }
    if (rooms_[f].room > 0) rooms.emplace_back(rooms_[f].at, std::uint64_t{rooms_[f].at} + rooms_[f].room);
    for (std::uint32_t j = 0; j < firm_size_[f]; ++j) {
      const std::uint32_t w = staff(static_cast<std::uint32_t>(f))[j];
      if (w >= n || employer_of[w] != f || listed[w]++)
        bad.push_back(fmt::format("firm slot {} lists worker {}, who is not its employee or is listed twice", f, w));
    }
  }
  std::sort(rooms.begin(), rooms.end());
  for (std::size_t k = 1; k < rooms.size(); ++k)
    if (rooms[k].first < rooms[k - 1].second) bad.push_back("two firms' lists overlap in the arena");
  for (std::size_t i = 0; i < unemployed_count_; ++i) {
    const std::uint32_t w = unemployed_[i];
    if (w >= n || employer_of[w] != kNoFirm || listed[w]++)
      bad.push_back(fmt::format("the list of the unemployed holds worker {}, who is employed or listed twice", w));
    else if (unemployed_profile_[i] != profile_of(home_[w], skill_[w]))
      bad.push_back(fmt::format("the list of the unemployed has a wrong zone or skill for worker {}", w));
  }
  if (pending_released() != 0) bad.push_back(fmt::format("{} released workers are not listed as unemployed", pending_released()));
  if (static_cast<std::int64_t>(unemployed_count_) + employed_ != p_.workers)
    bad.push_back(fmt::format("{} listed unemployed + {} employed != {} workers", unemployed_count_, employed_, p_.workers));
  if (alive != firms_alive_) bad.push_back(fmt::format("{} firms alive, the counter says {}", alive, firms_alive_));
  if (const std::int64_t open = count_vacancies(); rec.rows() > 0 && open != vacancies_left_)
    bad.push_back(fmt::format("{} vacancies open, the counter says {}", open, vacancies_left_));
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
      const double workers = static_cast<double>(p_.workers);
      const double emp_now = std::round(workers * (1.0 - ur[r - 1])), emp_before = std::round(workers * (1.0 - ur[r - 2]));
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

void DockModel::derive_employer(std::vector<std::uint32_t>& out) const {
  // Lists that break the arena's bounds, or ids past the workers, are left
  // out (check_invariants reports them).
  out.assign(home_.size(), kNoFirm);
  for (std::uint32_t f = 0; f < firm_size_.size(); ++f) {
    if (firm_size_[f] > rooms_[f].room || std::uint64_t{rooms_[f].at} + rooms_[f].room > staff_end_ || staff_end_ > staff_.size()) continue;
    for (std::uint32_t j = 0; j < firm_size_[f]; ++j)
      if (const std::uint32_t w = staff(f)[j]; w < out.size()) out[w] = f;
  }
}

const std::vector<std::uint32_t>& DockModel::employer() const {
  // Derived afresh, then written over the column only where it differs:
  // asked again at the same month, it writes nothing, so that another
  // thread reading the column (NumPy copies it without the GIL) never sees
  // it half rewritten, as it did when each call rewrote it whole. The lock
  // keeps two such calls from writing at once.
  std::vector<std::uint32_t> now;
  derive_employer(now);
  const std::lock_guard<std::mutex> lock(employer_view_mutex_);
  if (employer_view_.size() != now.size()) {
    employer_view_ = std::move(now);
  } else {
    for (std::size_t w = 0; w < now.size(); ++w)
      if (employer_view_[w] != now[w]) employer_view_[w] = now[w];
  }
  return employer_view_;
}

std::vector<sim::ColumnView> DockModel::columns() const {
  using sim::column_view;
  return {
      column_view("workers", "home", home_, "home zone (index into the scenario's zones)"),
      column_view("workers", "skill", skill_, "skill level, 0 to skills - 1"),
      column_view("workers", "employer", employer(), "employing firm's slot, or 4294967295 (0xFFFFFFFF) if unemployed"),
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
