// The firms' rules (demand and targets, cash and failure, closures and
// dismissals, creation) and the investors' (funding of start-ups and
// expansions, new establishments of outside companies).
#include <atomic>
#include <cmath>
#include <limits>


#include "models/territory/detail.h"
#include "models/territory/territory.h"
#include "sim/core/parallel.h"
#include "sim/rng/distributions.h"
#include "sim/util/detmath.h"
#include "sim/rng/sampling.h"
#include "sim/rng/ziggurat.h"

namespace terrasim::models::territory {

using namespace detail;
using sim::rng::BlockedStream;
using sim::rng::Draws;

// Demand and employment targets.
//  - Productivity: a new firm's shortfall falls linearly to 0 over its first
//    young_age_months; a firm of an open cluster gains
//    (1 + elasticity x log(1 + cluster jobs / reference)) x (1 + lab spillover).
//  - Market share: a firm's latent share follows a mean-one log-normal shock.
//  - Tradable part: tradable_share x share x sector growth index x
//    productivity^(elasticity - 1) jobs (output grows as productivity^elasticity).
//  - Local part: sector outputs X = (I - A)^-1 (exports + local final
//    demand), local final demand moving with residents' income; the local
//    output of a sector, in jobs, is split among its firms by market share.
void TerritoryModel::update_demand(const sim::MonthContext& ctx) {
  const std::size_t slots = firm_id_.size(), ns = p_.sectors.size(), nc = p_.clusters.size();
  const int t = ctx.month;
  std::fill(cluster_jobs_.begin(), cluster_jobs_.end(), 0.0);
  std::vector<std::int16_t> cluster(slots, -1);
  for (std::size_t f = 0; f < slots; ++f) {
    if (!firm_alive_[f]) continue;
    const std::size_t c = cluster_of(static_cast<std::uint32_t>(f));
    if (c < nc && p_.clusters[c].opening >= 0 && t >= p_.clusters[c].opening) {
      cluster[f] = static_cast<std::int16_t>(c);
      cluster_jobs_[c] += static_cast<double>(firm_size_[f]);
    }
  }
  std::vector<double> cluster_gain(nc);
  for (std::size_t c = 0; c < nc; ++c) cluster_gain[c] = cluster_productivity(c);

  const double sigma = p_.demand_volatility, drift = -0.5 * sigma * sigma;
  const double eps = p_.productivity_demand_elasticity;
  const BlockedStream shocks(ctx.seed, kDemand, static_cast<std::uint64_t>(t), next_firm_id_);
  // Productivity and its two powers as functions of age, for firms outside
  // open clusters: a table for the young ages; 1 (and powers 1) after.
  const double wpe = p_.wage_productivity_elasticity;
  const std::size_t young_ages = static_cast<std::size_t>(std::clamp(p_.young_age_months, 0, 0xFFFF));
  auto productivity = [&](std::uint16_t age) {
    const double young = std::max(0.0, 1.0 - static_cast<double>(age) / p_.young_age_months);
    return 1.0 - p_.young_productivity_penalty * young;
  };
  std::vector<double> prod_of(young_ages), wage_of(young_ages), sales_of(young_ages);
  for (std::size_t age = 0; age < young_ages; ++age) {
    prod_of[age] = productivity(static_cast<std::uint16_t>(age));
    wage_of[age] = sim::dmath::pow(prod_of[age], wpe);
    sales_of[age] = sim::dmath::pow(prod_of[age], eps - 1.0);
  }
  std::vector<double> tradable(slots, 0.0);
  sim::for_ranges(0, slots, kFirmGrain, [&](std::size_t r_begin, std::size_t r_end) {
    for (std::size_t f = r_begin; f != r_end; ++f) {
      if (!firm_alive_[f]) continue;
      if (firm_age_[f] < 0xFFFF) ++firm_age_[f];
      const std::uint16_t age = firm_age_[f];
      double prod = 1.0, wage = 1.0, sales = 1.0;  // pow(1, x) = 1 exactly
      if (cluster[f] >= 0) {
        prod = productivity(age) * cluster_gain[static_cast<std::size_t>(cluster[f])];
        wage = sim::dmath::pow(prod, wpe);
        sales = sim::dmath::pow(prod, eps - 1.0);
      } else if (age < young_ages) {
        prod = prod_of[age];
        wage = wage_of[age];
        sales = sales_of[age];
      }
      firm_prod_[f] = static_cast<float>(prod);
      firm_wage_[f] = static_cast<float>(wage);
      if (firm_event_[f] < 0) {
        auto d = shocks(firm_id_[f]);
        firm_latent_[f] *= sim::dmath::exp(sigma * sim::rng::normal_ziggurat(d) + drift);
      }
      const std::size_t s = firm_sector_[f];
      tradable[f] = p_.sectors[s].tradable_share * firm_latent_[f] * growth_index_[s] * sales;
    }
  });
  // Sector sums in slot order (deterministic).
  const auto nse = static_cast<Eigen::Index>(ns);
  Eigen::VectorXd exports = Eigen::VectorXd::Zero(nse);
  std::vector<double> share_sum(ns, 0.0);
  for (std::size_t f = 0; f < slots; ++f) {
    if (!firm_alive_[f]) continue;
    const std::size_t s = firm_sector_[f];
    exports(static_cast<Eigen::Index>(s)) += value_added_[s] * static_cast<double>(firm_prod_[f]) * tradable[f];
    share_sum[s] += firm_latent_[f];
  }
  const double exo = p_.exogenous_income_share / (1.0 - p_.exogenous_income_share) * income0_;
  const double income_ratio = income0_ > 0 ? (exo + income_) / (exo + income0_) : 1.0;
  const Eigen::VectorXd output = leontief_ * (exports + local_demand0_ * income_ratio);
  std::vector<double> local_jobs(ns);
  for (std::size_t s = 0; s < ns; ++s) {
    const auto i = static_cast<Eigen::Index>(s);
    local_jobs[s] = std::max(0.0, output(i) - exports(i)) / value_added_[s];
  }
  // No firm can hold more jobs than there are workers: the cap keeps an
  // absurd demand (a corrupt checkpoint) from sizing the month's vacancies.
  const double max_jobs = static_cast<double>(std::max<std::size_t>(home_.size(), 1));
  sim::for_ranges(0, slots, kFirmGrain, [&](std::size_t r_begin, std::size_t r_end) {
    for (std::size_t f = r_begin; f != r_end; ++f) {
      if (!firm_alive_[f]) continue;
      const std::size_t s = firm_sector_[f];
      double target = tradable[f];
      if (share_sum[s] > 0) target += local_jobs[s] * firm_latent_[f] / share_sum[s];
      if (firm_event_[f] >= 0) target = firm_latent_[f];  // a plant awaiting its closure keeps its jobs
      firm_target_[f] = std::max<std::uint32_t>(1, clamp_cast<std::uint32_t>(std::floor(target + 0.5), max_jobs));
    }
  });
}

// Cash: value added (at the firm's productivity, on the jobs its demand
// pays for) minus wages, capital costs (gross margin - net margin of the
// value added of its jobs) and the fixed cost, plus a profit shock whose size
// grows as the square root of the firm's jobs (smaller for ESS firms); cash
// above the buffer is paid out. A firm whose cash is negative fails. Plants
// of closure events close at their month (and do not fail before).
void TerritoryModel::account_cash_and_fail(const sim::MonthContext& ctx) {
  const std::size_t slots = firm_id_.size();
  closing_.assign(slots, 0);
  const BlockedStream shocks(ctx.seed, kCash, static_cast<std::uint64_t>(ctx.month), next_firm_id_);
  sim::for_ranges(0, slots, kFirmGrain, [&](std::size_t r_begin, std::size_t r_end) {
    // The columns and parameters in the body's own locals: `closing` is
    // written a byte at a time, and a byte may alias any memory, so what was
    // read through the model was read again after every store.
    std::uint8_t* const closing = closing_.data();
    const std::uint8_t* const alive = firm_alive_.data();
    const std::int16_t* const event = firm_event_.data();
    const std::uint8_t* const sector = firm_sector_.data();
    const std::uint8_t* const ess = firm_ess_.data();
    const std::uint32_t* const employees = firm_size_.data();
    const std::uint32_t* const target = firm_target_.data();
    const float* const prod = firm_prod_.data();
    const float* const wage = firm_wage_.data();
    const std::uint64_t* const id = firm_id_.data();
    double* const cash = firm_cash_.data();
    double* const reserve = firm_reserve_.data();
    const double* const va_of = value_added_.data();
    const double* const sector_wage = mean_skill_wage_.data();
    const SectorSpec* const sectors = p_.sectors.data();
    const EventSpec* const events = p_.events.data();
    const int month = ctx.month;
    const double volatility = p_.cash_volatility, ess_factor = p_.ess_volatility_factor, net_margin = p_.net_margin,
                 fixed_cost = p_.fixed_cost_eur, buffer = p_.cash_buffer_months;
    for (std::size_t f = r_begin; f != r_end; ++f) {
      if (!alive[f]) continue;
      if (event[f] >= 0) {
        closing[f] = events[static_cast<std::size_t>(event[f])].month == month ? 1 : 0;
        continue;
      }
      const std::size_t k = sector[f];
      const double unit_wage = sector_wage[k] * static_cast<double>(wage[f]);
      const double size = static_cast<double>(employees[f]);
      const double sold = std::min(size, static_cast<double>(target[f]));
      const double va = va_of[k] * static_cast<double>(prod[f]);
      auto d = shocks(id[f]);
      const double vol = volatility * (ess[f] ? ess_factor : 1.0);
      const double shock = vol * va_of[k] * std::sqrt(std::max(1.0, size)) * sim::rng::normal_ziggurat(d);
      // Capital costs take the gross margin down to the net margin, on the
      // jobs the firm is equipped for (its employees).
      const double capital = (sectors[k].margin - net_margin) * va_of[k] * size;
      double c = cash[f] + (va * sold - unit_wage * size - capital - fixed_cost + shock);
      const double cap = buffer * unit_wage * std::max(1.0, size);
      c = std::min(c, cap);
      // A loss beyond the cash is covered by the firm's policy reserve, as
      // far as it goes. (Policy money added to the cash was paid out with
      // the profits beyond the buffer at the next accounting: no grant or
      // subsidy changed a firm's survival.)
      if (c < 0 && reserve[f] > 0) {
        const double cover = std::min(reserve[f], -c);
        c += cover;
        reserve[f] -= cover;
      }
      cash[f] = c;
      if (c < 0) closing[f] = 1;
    }
  });
}

// Voluntary cessations (the owner retires, sells or stops, without running
// out of cash): each live firm that does not fail this month ceases with
// probability 1 - exp(-h / 12), where the yearly hazard
// h = (cessation_rate + (young_cessation_rate - cessation_rate) x
// max(0, 1 - age / young_age_months)) x max(1, employees)^-cessation_size_elasticity
// falls with age to the mature rate and with size. One uniform per firm and
// month from its own stream, keyed by the firm's id, so that no other draw
// shifts. Plants of closure events close at their month only.
void TerritoryModel::cease_firms(const sim::MonthContext& ctx) {
  if (!(p_.cessation_rate > 0) && !(p_.young_cessation_rate > 0)) return;
  const std::size_t slots = firm_id_.size();
  closing_.resize(slots, 0);
  const BlockedStream draws(ctx.seed, kCessations, static_cast<std::uint64_t>(ctx.month), next_firm_id_);
  const double young_months = static_cast<double>(p_.young_age_months);
  const double beta = p_.cessation_size_elasticity;
  // The size factor and a mature firm's probability depend on the size
  // alone: tables by size, extended to the largest firm (the same bits as
  // computing them firm by firm, once a run instead of once a firm and month).
  std::uint32_t largest = 0;
  for (std::size_t f = 0; f < slots; ++f) largest = std::max(largest, firm_size_[f]);
  for (std::size_t size = cessation_size_factor_.size(); size <= largest; ++size) {
    const double factor = beta > 0 && size > 1 ? sim::dmath::pow(static_cast<double>(size), -beta) : 1.0;
    double h = p_.cessation_rate + (p_.young_cessation_rate - p_.cessation_rate) * 0.0;  // youth 0, as below
    if (beta > 0 && size > 1) h *= factor;
    cessation_size_factor_.push_back(factor);
    cessation_mature_p_.push_back(-sim::dmath::expm1(-h / 12.0));
  }
  const double* factor = cessation_size_factor_.data();
  const double* mature = cessation_mature_p_.data();
  sim::for_ranges(0, slots, kFirmGrain, [&](std::size_t r_begin, std::size_t r_end) {
    for (std::size_t f = r_begin; f != r_end; ++f) {
      if (!firm_alive_[f] || firm_event_[f] >= 0 || closing_[f]) continue;
      auto d = draws(firm_id_[f]);
      const double u = d.uniform();
      const std::uint32_t size = firm_size_[f];
      const double youth = std::max(0.0, 1.0 - static_cast<double>(firm_age_[f]) / young_months);
      double p = mature[size];
      if (youth != 0.0) {
        double h = p_.cessation_rate + (p_.young_cessation_rate - p_.cessation_rate) * youth;
        if (beta > 0 && size > 1) h *= factor[size];
        p = -sim::dmath::expm1(-h / 12.0);
      }
      if (u < p) closing_[f] = 1;
    }
  });
}

// Which employees each shrinking firm dismisses: exactly its excess
// (employees - target), as ranks among its employees in worker order drawn
// uniformly over the subsets of that size (Floyd's sampling, keyed by the
// firm's id). A closing firm releases everyone and draws nothing.
void TerritoryModel::choose_dismissals(const sim::MonthContext& ctx) {
  const std::size_t slots = firm_id_.size();
  chosen_offset_.assign(slots + 1, 0);
  for (std::size_t f = 0; f < slots; ++f) {
    const bool shrinks = firm_alive_[f] && !closing_[f] && firm_size_[f] > firm_target_[f];
    chosen_offset_[f + 1] = chosen_offset_[f] + (shrinks ? firm_size_[f] - firm_target_[f] : 0);
  }
  chosen_ranks_.resize(chosen_offset_[slots]);
  const BlockedStream draws(ctx.seed, kDismissals, static_cast<std::uint64_t>(ctx.month), next_firm_id_);
  sim::for_ranges(0, slots, kFirmGrain, [&](std::size_t r_begin, std::size_t r_end) {
    std::vector<std::uint64_t> scratch;  // for large k: sim::rng::sample_sorted's bitmap
    for (std::size_t f = r_begin; f != r_end; ++f) {
      const std::uint32_t k = chosen_offset_[f + 1] - chosen_offset_[f];
      if (k == 0) continue;
      auto d = draws(firm_id_[f]);
      sim::rng::sample_sorted(d, firm_size_[f], k, chosen_ranks_.data() + chosen_offset_[f], scratch);
    }
  });
}

// Closures and dismissals, in one ordered pass over the workers: the
// employees of closing firms are all released; an employee of a shrinking
// firm whose rank among that firm's employees (in worker order) was chosen
// by choose_dismissals is dismissed, so the firm ends at its target. Then the
// closed firms' slots are freed.
void TerritoryModel::release_workers(const sim::MonthContext& ctx) {
  const std::size_t n = status_.size(), slots = firm_id_.size();
  for (std::size_t f = 0; f < slots; ++f)
    if (closing_[f] && firm_event_[f] >= 0) event_released_[static_cast<std::size_t>(firm_event_[f])] = firm_size_[f];
  choose_dismissals(ctx);
  enum : std::uint8_t { kKeep = 0, kClose = 1, kDismiss = 2 };
  // One more entry, kKeep, for the employers that are not firm slots.
  std::vector<std::uint8_t> fate(slots + 1, kKeep);
  std::vector<std::uint32_t> seen(slots, 0), next(slots);
  bool any = false;
  for (std::size_t f = 0; f < slots; ++f) {
    next[f] = chosen_offset_[f];
    fate[f] = closing_[f] ? kClose : next[f] < chosen_offset_[f + 1] ? kDismiss : kKeep;
    any |= fate[f] != kKeep;
  }
  std::int64_t released = 0;
  if (any) {
    // The employees concerned, listed in parallel over fixed blocks of
    // workers (without branches: most workers are not concerned, but
    // whether one is cannot be predicted); then released in worker order,
    // which the ranks need.
    const std::size_t nblocks = blocks_of(n, kWorkerBlock);
    std::vector<std::uint32_t> listed(nblocks);
    affected_.resize(n);
    const std::uint32_t* employer = employer_.data();
    const std::uint8_t* status = status_.data();
    std::uint32_t* affected = affected_.data();
    sim::for_each_index(nblocks, [&](std::size_t b) {
      const std::size_t begin = b * kWorkerBlock, end = std::min(n, begin + kWorkerBlock);
      std::uint32_t k = 0;
      for (std::size_t w = begin; w < end; ++w) {
        // Trainees carry their programme in employer_: the status tells.
        const std::size_t f = std::min<std::size_t>(employer[w], slots);
        affected[begin + k] = static_cast<std::uint32_t>(w);
        k += (fate[f] != kKeep) & (status[w] == kEmployed);
      }
      listed[b] = k;
    });
    for (std::size_t b = 0; b < nblocks; ++b)
      for (std::size_t i = b * kWorkerBlock, end = i + listed[b]; i < end; ++i) {
        const std::uint32_t w = affected[i], f = employer_[w];
        if (fate[f] == kKeep) continue;
        if (fate[f] == kDismiss) {
          if (seen[f]++ != chosen_ranks_[next[f]]) continue;
          if (++next[f] == chosen_offset_[f + 1]) fate[f] = kKeep;
        }
        --firm_size_[f];
        employer_[w] = kNoFirm;
        status_[w] = kUnemployed;
        duration_[w] = 0;
        ++released;
      }
  }
  separations_ += released;
  for (std::size_t f = 0; f < slots; ++f) {
    if (!closing_[f]) continue;
    firm_alive_[f] = 0;
    firm_size_[f] = 0;
    firm_event_[f] = -1;
    free_firms_.push_back(static_cast<std::uint32_t>(f));
    ++closures_;
  }
  std::sort(free_firms_.begin(), free_firms_.end(), std::greater<>());
  firms_alive_ -= closures_;
}

std::size_t TerritoryModel::draw_sector_for_creation(double u) const { return index_from_cumulative(u, sector_creation_cum_); }

// Where a new firm of `sector` locates in month t: at the site of a cluster
// of its sector open by then with room left, with the cluster's creation
// share; otherwise in proportion to the zones' jobs.
std::size_t TerritoryModel::draw_zone_for_firm(double u, std::size_t sector, int t) const {
  double acc = 0;
  for (std::size_t c = 0; c < p_.clusters.size(); ++c) {
    const auto& k = p_.clusters[c];
    // (A cluster planned to open later took its share before it opened,
    // until 6 December 2026.)
    if (k.sector != sector || k.opening < 0 || t < k.opening || cluster_jobs_[c] >= k.capacity_jobs) continue;
    acc += k.creation_share;
    if (u < acc) return k.site;
  }
  const double v = acc >= 1 ? 0.0 : (u - acc) / (1 - acc);
  return index_from_cumulative(std::clamp(v, 0.0, 0.999999999), zone_job_cum_);
}

// Firm creation.
//  - The baseline process: Poisson(baseline_per_year / 12) new firms; the
//    portal and the creation subsidy add their own Poisson streams while
//    they run (creation_boost x the baseline rate).
//  - Entrepreneurs: each unemployed resident creates a firm with the
//    unemployed's rate (raised by entrepreneur support), each employed
//    resident with the employed's rate; the founder works in it.
//  - Arrival events open their plant.
//  - New firms start with startup_cash_months of wage bill; the portal adds
//    supported_cash_months to the firms it supports, the subsidies their
//    grants; investors may fund them (fund_startups).
void TerritoryModel::create_firms(const sim::MonthContext& ctx) {
  const int t = ctx.month;
  const auto month = static_cast<std::uint64_t>(t);
  const std::uint64_t first_new_id = next_firm_id_;
  // Cluster openings are known from the month (update_demand ran before).
  auto bill = [&](std::size_t s, double jobs) { return std::max(1.0, jobs) * mean_skill_wage_[s]; };
  auto startup = [&](std::uint64_t stream, std::uint64_t unit, std::size_t sector, std::size_t zone, double jobs) {
    return open_firm(ctx.seed, stream, t, unit, sector, zone, jobs, p_.startup_cash_months * bill(sector, jobs), false);
  };
  const double base = p_.baseline_creations_per_year / 12.0;
  struct Process {
    std::uint64_t stream;
    double mean;
    bool portal_supports;  // its creations ask the portal's support
  };
  // The portal runs while what is left of its budget pays a creation whole: below that its extra
  // creations would go on, for nothing, to the window's end (they did until 6 December 2026, when a
  // budget that is no multiple of the cost, or a scale's rounding, left less than one creation's cost).
  const bool portal = p_.portal.active(t) && spent_[kPortal] < budget_[kPortal] &&
                      budget_[kPortal] - spent_[kPortal] >= p_.portal.cost_per_creation_eur;
  const bool subsidy = p_.creation_subsidy.active(t) && spent_[kCreationSubsidy] < budget_[kCreationSubsidy];
  // (The creation subsidy's creations took the portal's support too, until
  // 6 December 2026: the flag was never read.)
  const Process processes[] = {{kCreations, base, true},
                               {kPortalCreations, portal ? base * p_.portal.creation_boost : 0.0, true},
                               {kSubsidyCreations, subsidy ? base * p_.creation_subsidy.creation_boost : 0.0, false}};
  for (const auto& proc : processes) {
    if (!(proc.mean > 0)) continue;
    Draws count(ctx.seed, proc.stream, month, 0);
    const std::uint64_t k = sim::rng::poisson(count, proc.mean);
    for (std::uint64_t j = 0; j < k; ++j) {
      Draws d(ctx.seed, proc.stream, month, 1 + j);
      const std::size_t sector = draw_sector_for_creation(d.uniform());
      const std::size_t zone = draw_zone_for_firm(d.uniform(), sector, t);
      const double jobs = 1.0 + static_cast<double>(sim::rng::poisson(d, std::max(0.0, p_.startup_size_mean - 1.0)));
      const std::uint32_t f = startup(proc.stream, 1 + j, sector, zone, jobs);
      // The portal supports its own creations and, while it runs, every
      // baseline creation that asks (all of them, budget permitting).
      // A creation is supported at its whole cost, or not at all: the last of
      // a budget too small for it stays unspent (it was spent for nothing).
      if (portal && proc.portal_supports && budget_[kPortal] - spent_[kPortal] >= p_.portal.cost_per_creation_eur) {
        spend(kPortal, p_.portal.cost_per_creation_eur);
        const double cash = p_.portal.supported_cash_months * bill(sector, jobs);
        grant(f, cash);
        month_portal_cash_ += cash;
        firm_supported_[f] = 1;
      }
    }
  }

  // Entrepreneurs. Candidates are drawn by skipping, in worker order, each
  // block of workers with its own keyed stream: at the higher of the two
  // base rates, a candidate's next draw v deciding (a founder if v x top is
  // below its own rate). Entrepreneur support adds founders from its own
  // stream, among the unemployed who are not founders already, at the rate
  // that brings theirs to rate x (1 + boost): support only adds founders.
  const std::size_t n = status_.size();
  const bool support = p_.entrepreneur_support.active(t) && spent_[kEntrepreneurSupport] < budget_[kEntrepreneurSupport];
  const double ru = p_.entrepreneur_rate_unemployed, re = p_.entrepreneur_rate_employed;
  const double extra = support && ru < 1 ? std::min(1.0, ru * p_.entrepreneur_support.rate_boost / (1.0 - ru)) : 0.0;
  struct Founder {
    std::uint32_t w;
    bool supported;  // founded thanks to entrepreneur support
  };
  std::vector<Founder> founders;
  const auto outside = static_cast<std::uint8_t>(p_.outside);
  auto candidates = [&](std::uint64_t stream, double top, auto take) {
    if (!(top > 0)) return;
    const double log1m = top >= 1 ? -std::numeric_limits<double>::infinity() : sim::dmath::log1p(-top);
    for (std::size_t b = 0; b < blocks_of(n, kWorkerBlock); ++b) {
      Draws d(ctx.seed, stream, month, b);
      const std::size_t end = std::min(n, (b + 1) * kWorkerBlock);
      for (std::size_t w = b * kWorkerBlock;;) {
        const std::uint64_t gap = sim::rng::geometric_gap(d, log1m);
        if (gap >= end - w) break;
        w += gap;
        if (home_[w] != outside) take(static_cast<std::uint32_t>(w), d);
        ++w;
      }
    }
  };
  const double top = std::min(1.0, std::max(ru, re));
  candidates(kEntrepreneurs, top, [&](std::uint32_t w, Draws& d) {
    const double v = d.uniform() * top;
    const std::uint8_t s = status_[w];
    if (s == kUnemployed ? v < ru : s == kEmployed && v < re) founders.push_back({w, false});
  });
  const std::size_t base_founders = founders.size();
  candidates(kSupportedEntrepreneurs, extra, [&](std::uint32_t w, Draws&) {
    if (status_[w] == kUnemployed) founders.push_back({w, true});
  });
  if (founders.size() > base_founders) {
    // In worker order; a base founder is not founded twice.
    std::stable_sort(founders.begin(), founders.end(), [](const Founder& x, const Founder& y) { return x.w < y.w; });
    founders.erase(std::unique(founders.begin(), founders.end(), [](const Founder& x, const Founder& y) { return x.w == y.w; }),
                   founders.end());
  }
  {
    for (const auto& founder : founders) {
      const std::uint32_t w = founder.w;
      Draws d(ctx.seed, kFounderFirms, month, w);
      const bool supported = founder.supported;
      const std::size_t sector = sector_[w];
      const std::size_t zone = home_[w];
      const double jobs = 1.0 + static_cast<double>(sim::rng::poisson(d, std::max(0.0, p_.startup_size_mean - 1.0)));
      const std::uint32_t f = startup(kFounderFirms, w, sector, zone, jobs);
      if (supported || (support && status_[w] == kUnemployed)) {
        const double paid = spend(kEntrepreneurSupport, p_.entrepreneur_support.grant_eur);
        grant(f, paid);
        firm_supported_[f] = paid > 0 ? 1 : 0;
      }
      // The founder works in the firm.
      if (status_[w] == kEmployed) {
        if (employer_[w] < firm_size_.size()) --firm_size_[employer_[w]];
        ++separations_;
      }
      employer_[w] = f;
      status_[w] = kEmployed;
      duration_[w] = 0;
      wage_[w] = static_cast<float>(wage_for(f, skill_[w]));
      ++firm_size_[f];
      ++hires_;
    }
  }

  // The firms created this month, in id order.
  std::vector<std::uint32_t> fresh;
  for (std::size_t f = 0; f < firm_id_.size(); ++f)
    if (firm_alive_[f] && firm_id_[f] >= first_new_id) fresh.push_back(static_cast<std::uint32_t>(f));
  std::sort(fresh.begin(), fresh.end(), [&](std::uint32_t x, std::uint32_t y) { return firm_id_[x] < firm_id_[y]; });

  // Arrival events: an established company opens a plant of the stated size.
  for (std::size_t e = 0; e < p_.events.size(); ++e) {
    const auto& ev = p_.events[e];
    if (ev.closure || ev.month != t) continue;
    const auto jobs = static_cast<double>(ev.jobs);
    const std::uint32_t f = open_firm(ctx.seed, kArrivalEvents, t, e, ev.sector, ev.zone, jobs,
                                      p_.cash_buffer_months * bill(ev.sector, jobs), false);
    firm_age_[f] = static_cast<std::uint16_t>(p_.young_age_months);
    firm_prod_[f] = 1.0f;
    firm_wage_[f] = 1.0f;
  }

  // The creation subsidy's grant to every firm created this month, in id
  // order: not the arrival events' plants, opened above by established
  // companies (neither a creation the subsidy pays nor a start-up that
  // investors fund; until 6 December 2026 they were both).
  if (subsidy)
    for (std::uint32_t f : fresh) grant(f, spend(kCreationSubsidy, p_.creation_subsidy.eur_per_creation));

  // Investors fund start-ups: an aware investor that prefers the sector is
  // asked with its start-up share and invests one ticket if the expected
  // return clears its hurdle over the interest rate and its funds allow.
  for (std::uint32_t f : fresh) {
    const std::size_t s = firm_sector_[f];
    const std::size_t c = cluster_of(f);
    const double gain = c < p_.clusters.size() && p_.clusters[c].opening >= 0 && t >= p_.clusters[c].opening
                            ? cluster_productivity(c) : 1.0;
    const double expected = p_.sectors[s].return_rate * gain;
    Draws d(ctx.seed, kStartupFunding, month, firm_id_[f]);
    for (std::size_t k = 0; k < p_.investors.size(); ++k) {
      const auto& inv = p_.investors[k];
      const double u = d.uniform();
      if (inv.kind == InvestorKind::OutsideCompany) continue;
      double wmax = 0;
      for (double x : inv.sector_weight) wmax = std::max(wmax, x);
      const double awareness = std::min(1.0, inv.awareness + awareness_gain_[k]);
      const double p_ask = wmax > 0 ? inv.startup_share * awareness * inv.sector_weight[s] / wmax : 0.0;
      if (u >= p_ask || expected < inv.hurdle_rate + interest_ || investor_funds_[k] < inv.ticket_eur) continue;
      investor_funds_[k] -= inv.ticket_eur;
      month_investment_[k] += inv.ticket_eur;
      firm_cash_[f] += inv.ticket_eur;
      firm_latent_[f] += inv.ticket_eur / 1e6 * p_.jobs_per_meur;
    }
  }
}

// Investors' monthly round: their funds grow by their yearly capital / 12
// and by the partner funds that run; each considers Poisson(deals / 12)
// expansions of existing firms (a random live firm, funded under the same
// conditions as a start-up); outside companies consider Poisson(arrivals /
// 12 x awareness) new establishments and choose their site by a logit over
// the territory's zones: weight = job share x exp(a_cluster log(1 + cluster
// jobs of their sector there) + a_lab [lab of their sector there] (for an
// open cluster below its capacity) + a_labour log(1 + job seekers within
// gravity reach) + a_grant x the establishment grant there, in kEUR a job).
void TerritoryModel::invest(const sim::MonthContext& ctx) {
  const int t = ctx.month;
  const auto month = static_cast<std::uint64_t>(t);
  const std::size_t nz = p_.zones.size(), slots = firm_id_.size();
  for (std::size_t k = 0; k < p_.investors.size(); ++k) investor_funds_[k] += p_.investors[k].capital_eur_per_year / 12.0;
  const std::size_t fund0 = kFirstTraining + p_.training.size() + p_.clusters.size();
  for (std::size_t j = 0; j < p_.partner_funds.size(); ++j) {
    const auto& fund = p_.partner_funds[j];
    if (!fund.active(t)) continue;
    const double per_month = fund.budget_eur / static_cast<double>(fund.end - fund.start + 1);
    investor_funds_[fund.investor] += spend(fund0 + j, per_month);
  }
  // Job seekers within reach of each zone, for site choice: counted (a pass
  // over the workers) the first time an outside company considers a site.
  std::vector<double> seekers;
  auto count_seekers = [&] {
    seekers.assign(nz, 0.0);
    for (std::size_t w = 0; w < status_.size(); ++w)
      if (status_[w] == kUnemployed) seekers[home_[w]] += 1;
  };
  for (std::size_t k = 0; k < p_.investors.size(); ++k) {
    const auto& inv = p_.investors[k];
    const std::uint64_t stream = investor_stream(inv.name);
    const double awareness = std::min(1.0, inv.awareness + awareness_gain_[k]);
    double wmax = 0, wsum = 0;
    for (double x : inv.sector_weight) wmax = std::max(wmax, x), wsum += x;
    Draws count(ctx.seed, stream, month, 0);
    if (inv.kind != InvestorKind::OutsideCompany) {
      const std::uint64_t deals = sim::rng::poisson(count, inv.deals_per_year / 12.0);
      for (std::uint64_t j = 0; j < deals && slots > 0; ++j) {
        Draws d(ctx.seed, stream, month, 1 + j);
        std::uint32_t f = kNoFirm;
        for (int tries = 0; tries < 8 && f == kNoFirm; ++tries) {
          const auto x = static_cast<std::uint32_t>(d.below(slots));
          if (firm_alive_[x] && firm_event_[x] < 0) f = x;
        }
        const double u = d.uniform();
        if (f == kNoFirm || wmax <= 0 || u >= awareness * inv.sector_weight[firm_sector_[f]] / wmax) continue;
        const double expected = p_.sectors[firm_sector_[f]].return_rate * static_cast<double>(firm_prod_[f]);
        if (expected < inv.hurdle_rate + interest_ || investor_funds_[k] < inv.ticket_eur) continue;
        investor_funds_[k] -= inv.ticket_eur;
        month_investment_[k] += inv.ticket_eur;
        firm_cash_[f] += inv.ticket_eur;
        firm_latent_[f] += inv.ticket_eur / 1e6 * p_.jobs_per_meur;
      }
      continue;
    }
    // An outside company. The establishment grant counts in its choice of
    // site while it runs and has money left; it is paid as the plant opens.
    const auto& site_grant = p_.establishment_grant;
    const std::uint64_t arrivals = sim::rng::poisson(count, inv.arrivals_per_year / 12.0 * awareness);
    const std::vector<double> sector_cum = cumulative(inv.sector_weight);
    for (std::uint64_t j = 0; j < arrivals && wsum > 0; ++j) {
      Draws d(ctx.seed, stream, month, 1 + j);
      const std::size_t sector = index_from_cumulative(d.uniform(), sector_cum);
      if (p_.sectors[sector].return_rate < inv.hurdle_rate + interest_ || investor_funds_[k] < inv.ticket_eur) continue;
      if (seekers.empty()) count_seekers();
      const bool granting = site_grant.active(t) && spent_[kEstablishmentGrant] < budget_[kEstablishmentGrant];
      // A logit over the zones: prior x exp(score), taken relative to the
      // highest score, so that scores past exp's range (attractiveness.labour
      // of 100: scores near 1,000) do not overflow to inf, whose cumulative
      // weights sent every plant to the last zone, the outside one. Zones
      // with no prior weigh 0 (0 x inf was NaN).
      std::vector<double> weight(nz, 0.0), scores(nz, 0.0);
      double top = -std::numeric_limits<double>::infinity();
      for (std::size_t z = 0; z < nz; ++z) {
        if (z == p_.outside) continue;
        double score = 0, prior = p_.zones[z].job_share;
        for (std::size_t c = 0; c < p_.clusters.size(); ++c) {
          const auto& cl = p_.clusters[c];
          // A cluster full to its capacity draws no more plants (as it draws
          // no more new firms, draw_zone_for_firm).
          if (cl.site != z || cl.sector != sector || cl.opening < 0 || t < cl.opening ||
              cluster_jobs_[c] >= cl.capacity_jobs)
            continue;
          score += p_.attract_cluster * sim::dmath::log1p(cluster_jobs_[c] / p_.scale) + (cl.lab ? p_.attract_lab : 0.0);
          prior = std::max(prior, 0.05);
        }
        double reach = 0;
        for (std::size_t h = 0; h < nz; ++h) reach += seekers[h] * gravity_(static_cast<Eigen::Index>(h), static_cast<Eigen::Index>(z));
        score += p_.attract_labour * sim::dmath::log1p(reach / p_.scale);
        if (granting) score += p_.attract_grant * site_grant.eur_per_job[z] / 1000.0;
        weight[z] = prior;
        scores[z] = score;
        if (prior > 0) top = std::max(top, score);
      }
      for (std::size_t z = 0; z < nz; ++z)
        if (weight[z] > 0) weight[z] *= sim::dmath::exp(scores[z] - top);
      const std::size_t zone = index_from_cumulative(d.uniform(), cumulative(weight));
      const double jobs = 1.0 + static_cast<double>(sim::rng::poisson(d, std::max(0.0, inv.plant_jobs_mean - 1.0)));
      investor_funds_[k] -= inv.ticket_eur;
      month_investment_[k] += inv.ticket_eur;
      const std::uint32_t f = open_firm(ctx.seed, stream, t, 1 + j, sector, zone, jobs,
                                        inv.ticket_eur + p_.cash_buffer_months * jobs * mean_skill_wage_[sector], false);
      firm_age_[f] = static_cast<std::uint16_t>(p_.young_age_months);
      firm_prod_[f] = 1.0f;
      firm_wage_[f] = 1.0f;
      if (granting && site_grant.eur_per_job[zone] > 0)
        grant(f, spend(kEstablishmentGrant, site_grant.eur_per_job[zone] * jobs));
    }
  }
}

}  // namespace terrasim::models::territory
