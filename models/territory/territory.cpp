// The territorial model: construction, initial state, the schedule of
// phases, recording, checkpoints and accounting identities. The rules
// themselves are in labour.cpp (workers) and firms.cpp (firms, investors,
// policies).
#include "models/territory/territory.h"

#include <atomic>
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "models/territory/detail.h"
#include "sim/core/parallel.h"
#include "sim/rng/distributions.h"
#include "sim/core/agent_ids.h"
#include "sim/util/detmath.h"
#include "sim/territory/territory.h"

namespace terrasim::models::territory {

using namespace detail;
using sim::rng::Draws;


TerritoryModel::TerritoryModel(Params p) : p_(std::move(p)) {
  std::vector<sim::Zone> zones;
  for (const auto& z : p_.zones) zones.push_back({z.name, 0.0, 0.0});
  std::vector<sim::Link> links;
  for (const auto& l : p_.links) links.push_back({l.from, l.to, l.minutes});
  travel_ = sim::Territory(zones, links).travel_minutes();
  // exp(-inf) = 0: unreachable. dmath, not Eigen's exp (its vector and scalar
  // paths differ in the last bit, and the scalar one is the C library's).
  gravity_ = (-travel_.array() / p_.gravity_minutes).unaryExpr([](double x) { return sim::dmath::exp(x); }).matrix();
  const auto ns = static_cast<Eigen::Index>(p_.sectors.size());
  leontief_ = (Eigen::MatrixXd::Identity(ns, ns) - p_.io).inverse();

  std::vector<double> w;
  for (const auto& z : p_.zones) w.push_back(z.job_share);
  zone_job_cum_ = cumulative(w);
  w.clear();
  for (const auto& s : p_.sectors) w.push_back(s.creation_share);
  sector_creation_cum_ = cumulative(w);
  w.clear();
  for (const auto& s : p_.sectors) w.push_back(s.job_share);
  sector_job_cum_ = cumulative(w);
  w.clear();
  double mean_factor = 0;
  for (const auto& k : p_.skills) {
    w.push_back(k.share);
    mean_factor += k.share * k.wage_factor;
  }
  skill_cum_ = cumulative(w);
  for (const auto& s : p_.sectors) mean_skill_wage_.push_back(s.wage_eur * mean_factor);
  for (const auto& s : p_.sectors) value_added_.push_back(s.value_added());
  // cluster_of's table: the first cluster of each site and sector.
  cluster_at_.assign(p_.zones.size() * p_.sectors.size(), static_cast<std::uint32_t>(p_.clusters.size()));
  for (std::size_t c = p_.clusters.size(); c-- > 0;)
    cluster_at_[p_.clusters[c].site * p_.sectors.size() + p_.clusters[c].sector] = static_cast<std::uint32_t>(c);
  for (const auto& s : p_.sectors)
    for (const auto& k : p_.skills) skill_wage_.push_back(s.wage_eur * k.wage_factor);

  policy_names_ = {"portal", "entrepreneur_support", "hiring_subsidy", "creation_subsidy", "marketing",
                   "establishment_grant"};
  budget_ = {p_.portal.enabled ? p_.portal.budget_eur : 0.0,
             p_.entrepreneur_support.enabled ? p_.entrepreneur_support.budget_eur : 0.0,
             p_.hiring_subsidy.enabled ? p_.hiring_subsidy.budget_eur : 0.0,
             p_.creation_subsidy.enabled ? p_.creation_subsidy.budget_eur : 0.0,
             p_.marketing.enabled ? p_.marketing.budget_eur : 0.0,
             p_.establishment_grant.enabled ? p_.establishment_grant.budget_eur : 0.0};
  for (const auto& t : p_.training) {
    policy_names_.push_back("training_" + t.name);
    budget_.push_back(t.enabled ? t.budget_eur : 0.0);
  }
  for (const auto& c : p_.clusters) {
    policy_names_.push_back("cluster_" + c.name);
    budget_.push_back(c.opening >= 0 ? c.budget_eur : 0.0);
  }
  for (const auto& f : p_.partner_funds) {
    policy_names_.push_back("fund_" + f.name);
    budget_.push_back(f.enabled ? f.budget_eur : 0.0);
  }
  spent_.assign(budget_.size(), 0.0);
  month_policy_spending_.assign(budget_.size(), 0.0);
  cluster_jobs_.assign(p_.clusters.size(), 0.0);
  event_released_.assign(p_.events.size(), 0);
  awareness_gain_.assign(p_.investors.size(), 0.0);
  investor_funds_.assign(p_.investors.size(), 0.0);
  month_investment_.assign(p_.investors.size(), 0.0);
  growth_index_.assign(p_.sectors.size(), 1.0);
}

double TerritoryModel::spend(std::size_t k, double amount) {
  const double x = std::max(0.0, std::min(amount, budget_[k] - spent_[k]));
  spent_[k] += x;
  month_policy_spending_[k] += x;
  month_spending_ += x;
  return x;
}

double TerritoryModel::cluster_productivity(std::size_t c) const {
  const auto& k = p_.clusters[c];
  return (1.0 + k.agglomeration_elasticity * sim::dmath::log1p(cluster_jobs_[c] / (k.reference_jobs * p_.scale))) *
         (1.0 + (k.lab ? k.lab_spillover : 0.0));
}

std::uint32_t TerritoryModel::allocate_firm_slot() {
  if (!free_firms_.empty()) {
    const std::uint32_t s = free_firms_.back();
    free_firms_.pop_back();
    return s;
  }
  firm_id_.push_back(0);
  firm_sector_.push_back(0);
  firm_zone_.push_back(0);
  firm_alive_.push_back(0);
  firm_ess_.push_back(0);
  firm_skill_.push_back(0);
  firm_supported_.push_back(0);
  firm_age_.push_back(0);
  firm_event_.push_back(-1);
  firm_size_.push_back(0);
  firm_target_.push_back(0);
  firm_latent_.push_back(0);
  firm_cash_.push_back(0);
  firm_reserve_.push_back(0);
  firm_prod_.push_back(1);
  firm_wage_.push_back(1);
  return static_cast<std::uint32_t>(firm_id_.size() - 1);
}

// A new establishment. Its own draws (skill requirement, ESS status) come
// from (stream, month, unit), the caller's keyed unit.
std::uint32_t TerritoryModel::open_firm(std::uint64_t seed, std::uint64_t stream, int month, std::uint64_t unit,
                                        std::size_t sector, std::size_t zone, double latent, double cash, bool ess) {
  const std::uint32_t f = allocate_firm_slot();
  Draws d(seed, stream ^ 0x5bd1e995u, static_cast<std::uint64_t>(month), unit);
  firm_id_[f] = next_firm_id_++;
  firm_sector_[f] = static_cast<std::uint8_t>(sector);
  firm_zone_[f] = static_cast<std::uint8_t>(zone);
  firm_alive_[f] = 1;
  firm_ess_[f] = ess || d.bernoulli(p_.ess_share) ? 1 : 0;
  const double req = p_.sectors[sector].required_skill + d.uniform() - 0.5;
  firm_skill_[f] = static_cast<std::uint8_t>(std::clamp(std::floor(req + 0.5), 0.0, static_cast<double>(p_.skills.size() - 1)));
  firm_supported_[f] = 0;
  firm_age_[f] = 0;
  firm_event_[f] = -1;
  firm_size_[f] = 0;
  firm_latent_[f] = latent;
  // Capped at the worker slots, as update_demand caps it (docs/model.md): a
  // plant of a million jobs a million times a year summed past the vacancies
  // the matching can list, and the run stopped (a review).
  const double max_jobs = static_cast<double>(std::max<std::size_t>(home_.size(), 1));
  firm_target_[f] = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::llround(std::min(latent, max_jobs))));
  firm_cash_[f] = cash;
  firm_reserve_[f] = 0;
  firm_prod_[f] = static_cast<float>(1.0 - p_.young_productivity_penalty);
  firm_wage_[f] = static_cast<float>(sim::dmath::pow(static_cast<double>(firm_prod_[f]), p_.wage_productivity_elasticity));
  ++firms_alive_;
  ++creations_;
  return f;
}

std::uint32_t TerritoryModel::new_worker_slot() {
  if (!free_workers_.empty()) {
    const std::uint32_t s = free_workers_.back();
    free_workers_.pop_back();
    return s;
  }
  home_.push_back(0);
  skill_.push_back(0);
  sector_.push_back(0);
  status_.push_back(kFreeSlot);
  age_months_.push_back(0);
  duration_.push_back(0);
  employer_.push_back(kNoFirm);
  wage_.push_back(0);
  return static_cast<std::uint32_t>(home_.size() - 1);
}

// ---------------------------------------------------------------- recorder

void TerritoryModel::declare(sim::Recorder& rec) {
  s_unemp_ = rec.add_series("unemployment_rate", "unemployed residents / labour force (residents employed or unemployed)");
  s_lf_ = rec.add_series("labour_force", "residents employed or unemployed (ILO: trainees and inactive excluded)");
  s_emp_ = rec.add_series("employed", "employed residents, in the territory or outside");
  s_unemployed_ = rec.add_series("unemployed", "unemployed residents");
  s_training_ = rec.add_series("in_training", "residents in a training programme");
  s_inactive_ = rec.add_series("inactive", "residents out of the labour force (discouraged)");
  s_firms_ = rec.add_series("firms", "establishments alive in the territory");
  s_creations_ = rec.add_series("creations", "establishments created this month (all processes, arrivals included)");
  s_closures_ = rec.add_series("closures", "establishments closed this month (failures, voluntary cessations and closure events)");
  s_vacancies_ = rec.add_series("vacancies", "unfilled jobs (target - employees) after matching");
  s_hires_ = rec.add_series("hires", "jobs started by residents and in-commuters (founders and outside jobs included)");
  s_separations_ = rec.add_series("separations", "jobs ended: quits, job-to-job moves, employees leaving to found a firm, dismissals, closures, retirements and departures of employees");
  s_wage_ = rec.add_series("mean_wage", "mean monthly gross wage of the jobs in the territory, EUR");
  s_jobs_ = rec.add_series("jobs_in_territory", "filled jobs located in the territory (in-commuters included)");
  s_jobs_res_ = rec.add_series("jobs_held_by_residents", "jobs held by residents, in the territory or outside (each employed resident holds one: the same as employed)");
  s_in_comm_ = rec.add_series("in_commuters", "outside residents employed in the territory");
  s_out_comm_ = rec.add_series("out_commuters", "residents employed outside the territory");
  for (const auto& c : p_.clusters)
    s_cluster_.push_back(rec.add_series("jobs_cluster_" + c.name, "jobs in the firms of cluster " + c.name + " (once open)"));
  for (const auto& i : p_.investors)
    s_invest_.push_back(rec.add_series("investment_" + i.name, "money invested this month by " + i.name + ", EUR"));
  s_spending_ = rec.add_series("policy_spending", "policy spending this month, EUR");
  s_spending_cum_ = rec.add_series("policy_spending_cumulative", "policy spending since the start, EUR");
  s_national_ = rec.add_series("national_unemployment_rate", "the national context's unemployment rate this month");
  s_portal_cash_ = rec.add_series("portal_cash", "the portal's supported cash granted this month, into the reserves of "
                                                 "the firms it supports, EUR: not counted in policy_spending");
  // Each policy's spending of the month (its part of policy_spending), so that a report can say when each
  // lever spent: the budgets are ceilings, and a policy may stop long before its window ends.
  s_policy_spending_.clear();
  for (const auto& name : policy_names_)
    s_policy_spending_.push_back(rec.add_series("spending_" + name, "spending this month of policy " + name +
                                                                        " (its part of policy_spending), EUR"));
  std::vector<std::string> zones, skills, sectors;
  for (const auto& z : p_.zones) zones.push_back(z.name);
  for (const auto& k : p_.skills) skills.push_back(k.name);
  for (const auto& s : p_.sectors) sectors.push_back(s.name);
  b_zones_ = rec.add_breakdown("zones", "zone", zones,
                               {{"labour_force", "residents employed or unemployed (outside: outside agents)"},
                                {"unemployed", "unemployed residents (outside: outside agents without a job, "
                                               "who seek one in the territory)"},
                                {"unemployment_rate", "unemployed / labour force (0 without a labour force: a "
                                                      "cluster site)"},
                                {"jobs", "filled jobs located in the zone"}});
  b_skills_ = rec.add_breakdown("skills", "skill", skills,
                                {{"labour_force", "residents employed or unemployed"},
                                 {"unemployed", "unemployed residents"},
                                 {"unemployment_rate", "unemployed / labour force"}});
  b_sectors_ = rec.add_breakdown("sectors", "sector", sectors,
                                 {{"jobs", "filled jobs in the territory"},
                                  {"firms", "establishments alive"},
                                  {"vacancies", "unfilled jobs after matching"}});
  b_policies_ = rec.add_breakdown("policies", "policy", policy_names_,
                                  {{"spending", "spending this month, EUR"},
                                   {"spent", "spending since the start, EUR"},
                                   {"budget", "total budget, EUR"}});
}

// ---------------------------------------------------------------- initial state

void TerritoryModel::initialize(std::uint64_t seed) {
  const std::size_t nz = p_.zones.size();
  // 1. Residents of each zone, then the outside agents (in-commuters first,
  // then outside job seekers). Attributes per fixed block of workers.
  std::vector<std::uint8_t> zone_of;
  for (std::size_t z = 0; z < nz; ++z) {
    if (z == p_.outside) continue;
    zone_of.insert(zone_of.end(), static_cast<std::size_t>(p_.scaled(static_cast<double>(p_.zones[z].labour_force))),
                   static_cast<std::uint8_t>(z));
  }
  const std::size_t residents = zone_of.size();
  zone_of.insert(zone_of.end(), static_cast<std::size_t>(p_.in_commuters + p_.outside_job_seekers),
                 static_cast<std::uint8_t>(p_.outside));
  const std::size_t n = zone_of.size();
  home_ = zone_of;
  skill_.assign(n, 0);
  sector_.assign(n, 0);
  status_.assign(n, kUnemployed);
  age_months_.assign(n, 0);
  duration_.assign(n, 0);
  employer_.assign(n, kNoFirm);
  wage_.assign(n, 0);
  const double p_dur = 1.0 / (1.0 + p_.initial_duration_mean_months);
  const double log1m_dur = sim::dmath::log1p(-p_dur);
  const int age_span = (p_.retirement_age - p_.entry_age) * 12;
  enum : std::uint8_t { kInside = 0, kOutsideWork = 1, kSeeker = 2 };
  std::vector<std::uint8_t> placement(n, kSeeker);
  sim::for_each_index(blocks_of(n, kWorkerBlock), [&](std::size_t b) {
    Draws d(seed, kInitWorkers, 0, b);
    const std::size_t end = std::min(n, (b + 1) * kWorkerBlock);
    for (std::size_t w = b * kWorkerBlock; w < end; ++w) {
      const auto k = index_from_cumulative(d.uniform(), skill_cum_);
      skill_[w] = static_cast<std::uint8_t>(k);
      sector_[w] = static_cast<std::uint8_t>(index_from_cumulative(d.uniform(), sector_job_cum_));
      age_months_[w] = static_cast<std::uint16_t>(p_.entry_age * 12 + static_cast<int>(d.below(static_cast<std::uint64_t>(age_span))));
      wage_[w] = static_cast<float>(p_.sectors[sector_[w]].wage_eur * p_.skills[k].wage_factor);
      const double u = d.uniform(), v = d.uniform();
      if (w < residents) {
        if (u < p_.skills[k].unemployment_rate) {
          status_[w] = kUnemployed;
        } else {
          status_[w] = kEmployed;
          placement[w] = v < p_.out_commuter_share ? kOutsideWork : kInside;
        }
      } else {
        const bool commuter = w < residents + static_cast<std::size_t>(p_.in_commuters);
        status_[w] = commuter ? kEmployed : kUnemployed;
        placement[w] = commuter ? kInside : kSeeker;
      }
      if (status_[w] == kUnemployed)
        duration_[w] = static_cast<std::uint16_t>(std::min<std::uint64_t>(600, sim::rng::geometric_gap(d, log1m_dur)));
    }
  });
  for (std::size_t w = 0; w < n; ++w)
    if (placement[w] == kOutsideWork) employer_[w] = kOutsideJob;

  // 2. Inactive residents: the discouraged pool at its steady state,
  // discouragement x long-term unemployed / return rate, at most as many as
  // the residents in the labour force (a return rate near 0 asked for
  // billions: the memory ran out, or the count overflowed).
  if (p_.return_rate > 0 && p_.discouragement_rate > 0) {
    std::int64_t long_term = 0;
    for (std::size_t w = 0; w < residents; ++w)
      long_term += status_[w] == kUnemployed && duration_[w] >= p_.discouragement_after_months;
    const double steady = static_cast<double>(long_term) * p_.discouragement_rate / p_.return_rate;
    const auto inactive = static_cast<std::size_t>(std::llround(std::min(steady, static_cast<double>(residents))));
    Draws d(seed, kInitWorkers, 1, 0);
    std::vector<double> lf;
    for (std::size_t z = 0; z < nz; ++z) lf.push_back(z == p_.outside ? 0.0 : static_cast<double>(p_.zones[z].labour_force));
    const auto lf_cum = cumulative(lf);
    for (std::size_t j = 0; j < inactive; ++j) {
      const std::uint32_t w = new_worker_slot();
      home_[w] = static_cast<std::uint8_t>(index_from_cumulative(d.uniform(), lf_cum));
      skill_[w] = static_cast<std::uint8_t>(index_from_cumulative(d.uniform(), skill_cum_));
      sector_[w] = static_cast<std::uint8_t>(index_from_cumulative(d.uniform(), sector_job_cum_));
      age_months_[w] = static_cast<std::uint16_t>(p_.entry_age * 12 + static_cast<int>(d.below(static_cast<std::uint64_t>(age_span))));
      status_[w] = kInactive;
      duration_[w] = static_cast<std::uint16_t>(p_.discouragement_after_months);
      wage_[w] = static_cast<float>(p_.sectors[sector_[w]].wage_eur * p_.skills[skill_[w]].wage_factor);
    }
  }

  // 3. Establishments. The plants of closure events first, with their exact
  // size; then the others, log-normal sizes scaled so that the jobs they
  // hold are the inside-employed workers, plus the initial vacancies.
  std::vector<std::uint32_t> inside;
  for (std::size_t w = 0; w < n; ++w)
    if (status_[w] == kEmployed && placement[w] == kInside) inside.push_back(static_cast<std::uint32_t>(w));
  Draws order(seed, kInitOrder, 0, 0);
  for (std::size_t i = inside.size(); i > 1; --i) std::swap(inside[i - 1], inside[order.below(i)]);
  std::size_t next = 0;
  auto hire_initial = [&](std::uint32_t f, std::size_t count) {
    for (std::size_t j = 0; j < count && next < inside.size(); ++j) {
      const std::uint32_t w = inside[next++];
      employer_[w] = f;
      sector_[w] = firm_sector_[f];
      wage_[w] = static_cast<float>(wage_for(f, skill_[w]));
      ++firm_size_[f];
    }
  };
  const double buffer = p_.cash_buffer_months;
  std::size_t plants = 0;
  for (std::size_t e = 0; e < p_.events.size(); ++e) {
    const auto& ev = p_.events[e];
    if (!ev.closure) continue;
    const std::uint32_t f = open_firm(seed, kInitFirms, 0, (1ull << 40) + e, ev.sector, ev.zone,
                                      static_cast<double>(ev.jobs), 0.0, false);
    firm_ess_[f] = 0;
    firm_event_[f] = static_cast<std::int16_t>(e);
    firm_age_[f] = static_cast<std::uint16_t>(p_.young_age_months + 120);
    firm_prod_[f] = 1.0f;
    firm_wage_[f] = 1.0f;
    hire_initial(f, static_cast<std::size_t>(ev.jobs));
    firm_cash_[f] = buffer * static_cast<double>(firm_size_[f]) * mean_skill_wage_[ev.sector];
    ++plants;
  }
  const std::size_t others = static_cast<std::size_t>(std::max<std::int64_t>(1, p_.firms - static_cast<std::int64_t>(plants)));
  std::vector<double> weight(others);
  double total = 0;
  for (std::size_t i = 0; i < others; ++i) {
    Draws d(seed, kInitFirms, 0, i);
    weight[i] = sim::dmath::exp(p_.size_sigma * sim::rng::normal(d));
    total += weight[i];
  }
  // Jobs to create; targets are max(1, round(c x weight)), with c found by a
  // few fixed-point steps so that the targets sum to the jobs despite the
  // floor of one job.
  const double jobs = static_cast<double>(inside.size() - next) / (1.0 - p_.initial_vacancy_rate);
  double c = jobs / total;
  for (int iter = 0; iter < 4; ++iter) {
    double sum = 0;
    for (double x : weight) sum += std::max(1.0, std::floor(x * c + 0.5));
    c *= jobs / sum;
  }
  std::vector<std::uint32_t> firm_order(others);
  std::vector<std::uint32_t> planned(others);
  for (std::size_t i = 0; i < others; ++i) {
    Draws d(seed, kInitFirms, 1, i);
    const std::size_t sector = index_from_cumulative(d.uniform(), sector_job_cum_);
    const std::size_t zone = index_from_cumulative(d.uniform(), zone_job_cum_);
    const double target = std::max(1.0, std::floor(weight[i] * c + 0.5));
    const std::uint32_t f = open_firm(seed, kInitFirms, 1, i, sector, zone, target, 0.0, false);
    firm_age_[f] = static_cast<std::uint16_t>(p_.young_age_months + static_cast<int>(d.below(240)));
    firm_prod_[f] = 1.0f;
    firm_wage_[f] = 1.0f;
    std::uint32_t filled = 0;
    for (std::uint32_t j = 0; j < firm_target_[f]; ++j) filled += d.bernoulli(p_.initial_vacancy_rate) ? 0 : 1;
    planned[i] = filled;
    firm_order[i] = f;
  }
  for (std::size_t i = others; i > 1; --i) {
    const auto k = order.below(i);
    std::swap(firm_order[i - 1], firm_order[k]);
  }
  // `planned` follows creation order; firm slot f of the i-th created
  // non-plant firm is plants + i.
  for (std::uint32_t f : firm_order) hire_initial(f, planned[f - plants]);
  // Workers left over take the remaining vacancies, in firm order; any still
  // left (rounding) are unemployed.
  for (std::uint32_t f : firm_order) {
    if (next >= inside.size()) break;
    if (firm_size_[f] < firm_target_[f]) hire_initial(f, firm_target_[f] - firm_size_[f]);
  }
  // A firm the workers did not reach keeps its planned vacancies only.
  for (std::size_t i = 0; i < others; ++i) {
    const auto f = static_cast<std::uint32_t>(plants + i);
    const std::uint32_t planned_vacancies = firm_target_[f] - planned[i];
    if (firm_size_[f] + planned_vacancies < firm_target_[f])
      firm_target_[f] = std::max<std::uint32_t>(1, firm_size_[f] + planned_vacancies);
    firm_latent_[f] = firm_target_[f];
  }
  for (; next < inside.size(); ++next) {
    const std::uint32_t w = inside[next];
    status_[w] = kUnemployed;
    duration_[w] = 0;
  }
  for (std::size_t f = 0; f < firm_id_.size(); ++f) {
    if (firm_event_[f] >= 0) continue;
    Draws d(seed, kInitFirms, 2, f);
    const double bill = static_cast<double>(std::max<std::uint32_t>(1, firm_size_[f])) * mean_skill_wage_[firm_sector_[f]];
    firm_cash_[f] = buffer * bill * (0.5 + 0.5 * d.uniform());
  }
  creations_ = 0;
  initial_firms_ = firms_alive_;

  // 4. The demand system at the start: local final demand is what makes
  // every firm's target its initial target (see update_demand).
  const auto ns = static_cast<Eigen::Index>(p_.sectors.size());
  Eigen::VectorXd x0 = Eigen::VectorXd::Zero(ns), e0 = Eigen::VectorXd::Zero(ns);
  for (std::size_t f = 0; f < firm_id_.size(); ++f) {
    const auto s = static_cast<Eigen::Index>(firm_sector_[f]);
    x0(s) += value_added_[firm_sector_[f]] * static_cast<double>(firm_target_[f]);
  }
  for (Eigen::Index s = 0; s < ns; ++s) e0(s) = p_.sectors[static_cast<std::size_t>(s)].tradable_share * x0(s);
  local_demand0_ = (x0 - p_.io * x0 - e0).cwiseMax(0.0);
  take_census();
  census_month_ = -1;
  count_population();
  income0_ = income_;
  national_u0_ = interpolate(p_.national_unemployment, 0);
  national_u_ = national_u0_;
  for (std::size_t k = 0; k < p_.investors.size(); ++k) investor_funds_[k] = p_.investors[k].capital_eur_per_year / 12.0;
}

std::vector<sim::Phase> TerritoryModel::phases() {
  return {
      {"context", [this](const sim::MonthContext& c) { update_context(c); }},
      {"ageing, retirement and migration", [this](const sim::MonthContext& c) { age_retire_and_migrate(c); }},
      {"entry into the labour force", [this](const sim::MonthContext& c) { enter_labour_force(c); }},
      {"separations", [this](const sim::MonthContext& c) { separate_workers(c); }},
      {"demand and targets", [this](const sim::MonthContext& c) { update_demand(c); }},
      {"cash and failures", [this](const sim::MonthContext& c) { account_cash_and_fail(c); }},
      {"cessations", [this](const sim::MonthContext& c) { cease_firms(c); }},
      {"closures and dismissals", [this](const sim::MonthContext& c) { release_workers(c); }},
      {"firm creation", [this](const sim::MonthContext& c) { create_firms(c); }},
      {"investment", [this](const sim::MonthContext& c) { invest(c); }},
      {"training", [this](const sim::MonthContext& c) { run_training(c); }},
      {"job matching", [this](const sim::MonthContext& c) { match_jobs(c); }},
      {"outside jobs", [this](const sim::MonthContext& c) { find_outside_jobs(c); }},
      {"labour force drift", [this](const sim::MonthContext& c) { drift_labour_force(c); }},
  };
}

// ---------------------------------------------------------------- counting

void TerritoryModel::Census::reset(std::size_t zones, std::size_t skills) {
  zone_lf.assign(zones, 0);
  zone_unemployed.assign(zones, 0);
  zone_jobs.assign(zones, 0);
  skill_lf.assign(skills, 0);
  skill_unemployed.assign(skills, 0);
  employed = unemployed = training = inactive = in_comm = out_comm = jobs = 0;
  job_wages = resident_wages = 0;
}

void TerritoryModel::Census::add(const Census& o) {
  for (std::size_t z = 0; z < zone_lf.size(); ++z) {
    zone_lf[z] += o.zone_lf[z];
    zone_unemployed[z] += o.zone_unemployed[z];
    zone_jobs[z] += o.zone_jobs[z];
  }
  for (std::size_t k = 0; k < skill_lf.size(); ++k) {
    skill_lf[k] += o.skill_lf[k];
    skill_unemployed[k] += o.skill_unemployed[k];
  }
  employed += o.employed;
  unemployed += o.unemployed;
  training += o.training;
  inactive += o.inactive;
  in_comm += o.in_comm;
  out_comm += o.out_comm;
  jobs += o.jobs;
  job_wages += o.job_wages;
  resident_wages += o.resident_wages;
}

// Residents' income and unemployment rate after the month's rules, from the
// census: read, the next month, by local demand and migration.
void TerritoryModel::count_population() {
  const auto& c = census_;
  const double mean = c.employed ? c.resident_wages / static_cast<double>(c.employed) : 0.0;
  income_ = c.resident_wages + p_.benefit_replacement * mean * static_cast<double>(c.unemployed);
  last_local_u_ = c.employed + c.unemployed
                      ? static_cast<double>(c.unemployed) / static_cast<double>(c.employed + c.unemployed)
                      : 0.0;
}

void TerritoryModel::record(sim::Recorder& rec, const sim::MonthContext& ctx) {
  const std::size_t nz = p_.zones.size(), nk = p_.skills.size(), ns = p_.sectors.size();
  // The census of this month's last pass over the workers (drift_labour_force).
  if (census_month_ != ctx.month) take_census();
  const Census& c = census_;
  const auto& zlf = c.zone_lf;
  const auto& zun = c.zone_unemployed;
  const auto& zjobs = c.zone_jobs;
  const auto& klf = c.skill_lf;
  const auto& kun = c.skill_unemployed;
  const std::int64_t employed = c.employed, unemployed = c.unemployed, training = c.training, inactive = c.inactive;
  const std::int64_t in_comm = c.in_comm, out_comm = c.out_comm, jobs = c.jobs;
  const double wages = c.job_wages;
  std::vector<std::int64_t> sjobs(ns, 0), sfirms(ns, 0), svac(ns, 0);
  std::int64_t vacancies = 0;
  for (std::size_t f = 0; f < firm_id_.size(); ++f) {
    if (!firm_alive_[f]) continue;
    const std::int64_t v = firm_target_[f] > firm_size_[f] ? firm_target_[f] - firm_size_[f] : 0;
    vacancies += v;
    sjobs[firm_sector_[f]] += firm_size_[f];
    ++sfirms[firm_sector_[f]];
    svac[firm_sector_[f]] += v;
  }
  auto rate = [](std::int64_t u, std::int64_t lf) { return lf ? static_cast<double>(u) / static_cast<double>(lf) : 0.0; };
  const auto d = [](std::int64_t x) { return static_cast<double>(x); };
  rec.set(s_unemp_, rate(unemployed, employed + unemployed));
  rec.set(s_lf_, d(employed + unemployed));
  rec.set(s_emp_, d(employed));
  rec.set(s_unemployed_, d(unemployed));
  rec.set(s_training_, d(training));
  rec.set(s_inactive_, d(inactive));
  rec.set(s_firms_, d(firms_alive_));
  rec.set(s_creations_, d(creations_));
  rec.set(s_closures_, d(closures_));
  rec.set(s_vacancies_, d(vacancies));
  rec.set(s_hires_, d(hires_));
  rec.set(s_separations_, d(separations_));
  rec.set(s_wage_, jobs ? wages / d(jobs) : 0.0);
  rec.set(s_jobs_, d(jobs));
  rec.set(s_jobs_res_, d(employed));
  rec.set(s_in_comm_, d(in_comm));
  rec.set(s_out_comm_, d(out_comm));
  std::vector<double> cluster_jobs(p_.clusters.size(), 0.0);
  std::vector<std::uint8_t> open(p_.clusters.size(), 0);
  bool any_open = false;
  for (std::size_t k = 0; k < p_.clusters.size(); ++k) {
    open[k] = p_.clusters[k].opening >= 0 && rec.rows() > 0 && rec.months().back() >= p_.clusters[k].opening;
    any_open |= open[k] != 0;
  }
  if (any_open)
    for (std::size_t f = 0; f < firm_id_.size(); ++f) {
      if (!firm_alive_[f]) continue;
      const std::size_t k = cluster_of(static_cast<std::uint32_t>(f));
      if (k < open.size() && open[k]) cluster_jobs[k] += static_cast<double>(firm_size_[f]);
    }
  for (std::size_t k = 0; k < p_.clusters.size(); ++k) rec.set(s_cluster_[k], cluster_jobs[k]);
  for (std::size_t k = 0; k < p_.investors.size(); ++k) rec.set(s_invest_[k], month_investment_[k]);
  double cum = 0;
  for (double x : spent_) cum += x;
  rec.set(s_spending_, month_spending_);
  rec.set(s_spending_cum_, cum);
  rec.set(s_national_, national_u_);
  rec.set(s_portal_cash_, month_portal_cash_);
  for (std::size_t z = 0; z < nz; ++z) {
    rec.set(b_zones_, z, 0, d(zlf[z]));
    rec.set(b_zones_, z, 1, d(zun[z]));
    rec.set(b_zones_, z, 2, rate(zun[z], zlf[z]));
    rec.set(b_zones_, z, 3, d(zjobs[z]));
  }
  for (std::size_t k = 0; k < nk; ++k) {
    rec.set(b_skills_, k, 0, d(klf[k]));
    rec.set(b_skills_, k, 1, d(kun[k]));
    rec.set(b_skills_, k, 2, rate(kun[k], klf[k]));
  }
  for (std::size_t s = 0; s < ns; ++s) {
    rec.set(b_sectors_, s, 0, d(sjobs[s]));
    rec.set(b_sectors_, s, 1, d(sfirms[s]));
    rec.set(b_sectors_, s, 2, d(svac[s]));
  }
  for (std::size_t k = 0; k < budget_.size(); ++k) {
    rec.set(s_policy_spending_[k], month_policy_spending_[k]);
    rec.set(b_policies_, k, 0, month_policy_spending_[k]);
    rec.set(b_policies_, k, 1, spent_[k]);
    rec.set(b_policies_, k, 2, budget_[k]);
  }
}

// ---------------------------------------------------------------- checkpoints

void TerritoryModel::save(sim::ArchiveWriter& out) const {
  out.tag("territory");
  out.put_column("home", home_);
  out.put_column("skill", skill_);
  out.put_column("sector", sector_);
  out.put_column("status", status_);
  out.put_column("age", age_months_);
  out.put_column("duration", duration_);
  out.put_column("employer", employer_);
  out.put_column("wage", wage_);
  out.put_column("free_workers", free_workers_);
  out.put_column("firm_id", firm_id_);
  out.put_column("firm_sector", firm_sector_);
  out.put_column("firm_zone", firm_zone_);
  out.put_column("firm_alive", firm_alive_);
  out.put_column("firm_ess", firm_ess_);
  out.put_column("firm_skill", firm_skill_);
  out.put_column("firm_supported", firm_supported_);
  out.put_column("firm_age", firm_age_);
  out.put_column("firm_event", firm_event_);
  out.put_column("firm_size", firm_size_);
  out.put_column("firm_target", firm_target_);
  out.put_column("firm_latent", firm_latent_);
  out.put_column("firm_cash", firm_cash_);
  out.put_column("firm_reserve", firm_reserve_);
  out.put_column("firm_prod", firm_prod_);
  out.put_column("firm_wage", firm_wage_);
  out.put_column("free_firms", free_firms_);
  out.tag("aggregates");
  out.put(next_firm_id_);
  out.put(national_u_);
  out.put(national_u0_);
  out.put(gdp_growth_);
  out.put(interest_);
  out.put(income0_);
  out.put(income_);
  out.put(last_local_u_);
  out.put(firms_alive_);
  out.put(initial_firms_);
  out.put_column("growth_index", growth_index_);
  std::vector<double> d0(local_demand0_.data(), local_demand0_.data() + local_demand0_.size());
  out.put_column("local_demand0", d0);
  out.put_column("awareness_gain", awareness_gain_);
  out.put_column("investor_funds", investor_funds_);
  out.put_column("spent", spent_);
  out.put_column("cluster_jobs", cluster_jobs_);
  out.put_column("event_released", event_released_);
}

void TerritoryModel::load(sim::ArchiveReader& in) {
  in.expect_tag("territory");
  in.get_column("home", home_);
  in.get_column("skill", skill_);
  in.get_column("sector", sector_);
  in.get_column("status", status_);
  in.get_column("age", age_months_);
  in.get_column("duration", duration_);
  in.get_column("employer", employer_);
  in.get_column("wage", wage_);
  in.get_column("free_workers", free_workers_);
  in.get_column("firm_id", firm_id_);
  in.get_column("firm_sector", firm_sector_);
  in.get_column("firm_zone", firm_zone_);
  in.get_column("firm_alive", firm_alive_);
  in.get_column("firm_ess", firm_ess_);
  in.get_column("firm_skill", firm_skill_);
  in.get_column("firm_supported", firm_supported_);
  in.get_column("firm_age", firm_age_);
  in.get_column("firm_event", firm_event_);
  in.get_column("firm_size", firm_size_);
  in.get_column("firm_target", firm_target_);
  in.get_column("firm_latent", firm_latent_);
  in.get_column("firm_cash", firm_cash_);
  in.get_column("firm_reserve", firm_reserve_);
  in.get_column("firm_prod", firm_prod_);
  in.get_column("firm_wage", firm_wage_);
  in.get_column("free_firms", free_firms_);
  in.expect_tag("aggregates");
  next_firm_id_ = in.get<std::uint64_t>();
  national_u_ = in.get<double>();
  national_u0_ = in.get<double>();
  gdp_growth_ = in.get<double>();
  interest_ = in.get<double>();
  income0_ = in.get<double>();
  income_ = in.get<double>();
  last_local_u_ = in.get<double>();
  firms_alive_ = in.get<std::int64_t>();
  initial_firms_ = in.get<std::int64_t>();
  in.get_column("growth_index", growth_index_);
  std::vector<double> d0;
  in.get_column("local_demand0", d0);
  in.get_column("awareness_gain", awareness_gain_);
  in.get_column("investor_funds", investor_funds_);
  in.get_column("spent", spent_);
  in.get_column("cluster_jobs", cluster_jobs_);
  in.get_column("event_released", event_released_);
  const std::size_t n = home_.size(), slots = firm_id_.size();
  if (skill_.size() != n || sector_.size() != n || status_.size() != n || age_months_.size() != n ||
      duration_.size() != n || employer_.size() != n || wage_.size() != n)
    in.fail("the worker columns differ in length");
  if (firm_sector_.size() != slots || firm_zone_.size() != slots || firm_alive_.size() != slots ||
      firm_ess_.size() != slots || firm_skill_.size() != slots || firm_supported_.size() != slots ||
      firm_age_.size() != slots || firm_event_.size() != slots || firm_size_.size() != slots ||
      firm_target_.size() != slots || firm_latent_.size() != slots || firm_cash_.size() != slots ||
      firm_reserve_.size() != slots ||
      firm_prod_.size() != slots || firm_wage_.size() != slots)
    in.fail("the firm columns differ in length");
  if (growth_index_.size() != p_.sectors.size() || d0.size() != p_.sectors.size() ||
      awareness_gain_.size() != p_.investors.size() || investor_funds_.size() != p_.investors.size() ||
      spent_.size() != budget_.size() || cluster_jobs_.size() != p_.clusters.size() ||
      event_released_.size() != p_.events.size())
    in.fail("the checkpoint does not match the configuration's sectors, investors, policies or events");
  for (std::size_t w = 0; w < n; ++w) {
    if (status_[w] > kFreeSlot || home_[w] >= p_.zones.size() || skill_[w] >= p_.skills.size() ||
        sector_[w] >= p_.sectors.size())
      in.fail("a worker has an unknown status, zone, skill or sector");
    const std::uint32_t f = employer_[w];
    if (status_[w] == kEmployed && f != kOutsideJob && (f >= slots || !firm_alive_[f]))
      in.fail("a worker is employed by a firm that does not exist");
  }
  for (std::size_t w = 0; w < n; ++w) {
    if (status_[w] == kInTraining && employer_[w] >= p_.training.size())
      in.fail("a worker is in a training programme that does not exist");
    if (!std::isfinite(wage_[w]) || wage_[w] < 0) in.fail("a worker's wage is not a number of euros");
  }
  for (std::uint32_t w : free_workers_)
    if (w >= n || status_[w] != kFreeSlot) in.fail("a free worker slot is in use");
  for (std::uint32_t f : free_firms_)
    if (f >= slots || firm_alive_[f]) in.fail("a free firm slot is in use");
  if (const auto why = sim::check_agent_ids(firm_id_, firm_alive_, next_firm_id_); !why.empty()) in.fail("firms: " + why);
  for (std::size_t f = 0; f < slots; ++f) {
    if (firm_sector_[f] >= p_.sectors.size() || firm_zone_[f] >= p_.zones.size()) in.fail("a firm has an unknown sector or zone");
    if (!firm_alive_[f]) continue;
    if (firm_skill_[f] >= p_.skills.size()) in.fail("a firm requires an unknown skill");
    if (firm_event_[f] < -1 || firm_event_[f] >= static_cast<std::int64_t>(p_.events.size()))
      in.fail("a firm is bound to an event that does not exist");
    if (!std::isfinite(firm_latent_[f]) || firm_latent_[f] < 0 || !std::isfinite(firm_cash_[f]) ||
        !std::isfinite(firm_reserve_[f]) || firm_reserve_[f] < 0 ||
        !std::isfinite(firm_prod_[f]) || !(firm_prod_[f] > 0) || !std::isfinite(firm_wage_[f]) || !(firm_wage_[f] > 0))
      in.fail("a firm's size, cash, productivity or wage is not a finite number in its range");
  }
  for (double x : {national_u_, national_u0_, gdp_growth_, interest_, income0_, income_, last_local_u_})
    if (!std::isfinite(x)) in.fail("an aggregate of the territory is not a finite number");
  for (const auto* column : {&growth_index_, &d0, &awareness_gain_, &investor_funds_, &spent_, &cluster_jobs_})
    for (double x : *column)
      if (!std::isfinite(x)) in.fail("an aggregate of the territory is not a finite number");
  local_demand0_ = Eigen::Map<const Eigen::VectorXd>(d0.data(), static_cast<Eigen::Index>(d0.size()));
  month_policy_spending_.assign(budget_.size(), 0.0);
  month_investment_.assign(p_.investors.size(), 0.0);
}

// ---------------------------------------------------------------- invariants

std::vector<std::string> TerritoryModel::check_invariants(const sim::Recorder& rec) const {
  std::vector<std::string> bad;
  const std::size_t slots = firm_id_.size();
  std::vector<std::uint32_t> counted(slots, 0);
  // The residents by status, counted here, apart from the census the series come from.
  std::int64_t residents[kFreeSlot] = {0, 0, 0, 0};
  for (std::size_t w = 0; w < status_.size(); ++w) {
    const std::uint8_t s = status_[w];
    const std::uint32_t f = employer_[w];
    if (s > kFreeSlot) {
      bad.push_back(fmt::format("worker {} has status {}", w, s));
      continue;
    }
    if (s != kFreeSlot && home_[w] != p_.outside) ++residents[s];
    if (s == kEmployed) {
      if (f == kOutsideJob) {
        if (home_[w] == p_.outside) bad.push_back(fmt::format("outside agent {} holds an outside job", w));
      } else if (f >= slots || !firm_alive_[f]) {
        bad.push_back(fmt::format("worker {} is employed by firm slot {}, which is not alive", w, f));
      } else {
        ++counted[f];
      }
    } else if (s == kInTraining) {
      if (f >= p_.training.size()) bad.push_back(fmt::format("worker {} is in training in no programme", w));
    } else if (f != kNoFirm) {
      bad.push_back(fmt::format("worker {} is not employed but has employer {}", w, f));
    }
  }
  std::int64_t alive = 0;
  for (std::size_t f = 0; f < slots; ++f) {
    alive += firm_alive_[f];
    if (counted[f] != firm_size_[f])
      bad.push_back(fmt::format("firm slot {} has {} employees, its size says {}", f, counted[f], firm_size_[f]));
    if (!firm_alive_[f] && firm_size_[f] != 0) bad.push_back(fmt::format("closed firm slot {} has a size", f));
  }
  if (alive != firms_alive_) bad.push_back(fmt::format("{} firms alive, the counter says {}", alive, firms_alive_));
  for (std::size_t k = 0; k < budget_.size(); ++k)
    if (spent_[k] > budget_[k] * (1 + 1e-12) + 1e-6)
      // In the scenario's terms (budgets are scaled with the territory), so
      // that a reconfigure that cut a budget below what was spent reads as
      // the number the user wrote.
      bad.push_back(fmt::format("policy {} has spent EUR {:.0f}, more than its budget of EUR {:.0f}{}", policy_names_[k],
                                spent_[k] / p_.scale, budget_[k] / p_.scale,
                                p_.scale == 1 ? std::string() : fmt::format(" (at scale {}: EUR {:.0f} of {:.0f})", p_.scale,
                                                                            spent_[k], budget_[k])));
  const std::size_t r = rec.rows();
  if (r > 0) {
    const auto firms = rec.series("firms"), cr = rec.series("creations"), cl = rec.series("closures");
    const double before = r > 1 ? firms[r - 2] : static_cast<double>(initial_firms_);
    if (firms[r - 1] - before != cr[r - 1] - cl[r - 1])
      bad.push_back(fmt::format("firms went from {} to {} with {} creations and {} closures", before, firms[r - 1], cr[r - 1],
                                cl[r - 1]));
    const auto emp = rec.series("employed");
    // Against the state itself (the series' own sum, labour force = employed + unemployed, holds by
    // construction: it could not fail).
    const std::pair<const char*, double> by_status[] = {
        {"employed", static_cast<double>(residents[kEmployed])},
        {"unemployed", static_cast<double>(residents[kUnemployed])},
        {"in_training", static_cast<double>(residents[kInTraining])},
        {"inactive", static_cast<double>(residents[kInactive])},
        {"labour_force", static_cast<double>(residents[kEmployed] + residents[kUnemployed])}};
    for (const auto& [name, count] : by_status)
      if (rec.series(name)[r - 1] != count)
        bad.push_back(fmt::format("the series {} says {}, the workers' statuses {}", name, rec.series(name)[r - 1], count));
    if (alive != static_cast<std::int64_t>(firms[r - 1])) bad.push_back("the firms series differs from the firms alive");
    if (r > 1) {
      const auto inc = rec.series("in_commuters"), h = rec.series("hires"), sp = rec.series("separations");
      const double change = (emp[r - 1] + inc[r - 1]) - (emp[r - 2] + inc[r - 2]);
      if (change != h[r - 1] - sp[r - 1])
        bad.push_back(fmt::format("employment changed by {} with {} hires and {} separations", change, h[r - 1], sp[r - 1]));
    }
    const auto spend = rec.series("policy_spending_cumulative");
    double total_budget = 0;
    for (double b : budget_) total_budget += b;
    if (spend[r - 1] > total_budget * (1 + 1e-12) + 1e-6) bad.push_back("cumulative policy spending exceeds the budgets");
  }
  return bad;
}

}  // namespace terrasim::models::territory

// ---------------------------------------------------------------- columns

namespace terrasim::models::territory {

std::vector<sim::ColumnView> TerritoryModel::columns() const {
  using sim::column_view;
  return {
      column_view("workers", "status", status_,
                  "0 employed, 1 unemployed, 2 in training, 3 inactive, 4 free slot (no worker)"),
      column_view("workers", "home", home_, "home zone (index into the scenario's zones; the outside zone for in-commuters)"),
      column_view("workers", "skill", skill_, "skill level (index into the scenario's skills)"),
      column_view("workers", "sector", sector_, "sector of the worker's trade (index into the scenario's sectors)"),
      column_view("workers", "age_months", age_months_, "age in months"),
      column_view("workers", "duration", duration_, "months of unemployment (or of training)"),
      column_view("workers", "employer", employer_,
                  "firm slot; 4294967294 (0xFFFFFFFE) a job outside the territory; 4294967295 (0xFFFFFFFF) none; "
                  "the training programme while in training"),
      column_view("workers", "wage", wage_, "current or last monthly gross wage, EUR"),
      column_view("firms", "id", firm_id_, "firm id (never reused; keys the firm's random streams)"),
      column_view("firms", "alive", firm_alive_, "1 if the slot holds a live firm, 0 if free"),
      column_view("firms", "sector", firm_sector_, "sector (index into the scenario's sectors)"),
      column_view("firms", "zone", firm_zone_, "zone (index into the scenario's zones)"),
      column_view("firms", "skill", firm_skill_, "skill level the firm requires"),
      column_view("firms", "ess", firm_ess_, "1 for a firm of the social and solidarity economy"),
      column_view("firms", "age_months", firm_age_, "age in months"),
      column_view("firms", "size", firm_size_, "current number of employees"),
      column_view("firms", "target", firm_target_, "target number of employees"),
      column_view("firms", "latent", firm_latent_, "latent size in jobs, moved by demand (real; the target follows it)"),
      column_view("firms", "cash", firm_cash_, "cash, EUR"),
      column_view("firms", "reserve", firm_reserve_, "policy money held apart from the cash, covering losses, EUR"),
      column_view("firms", "supported", firm_supported_,
                  "1 for a firm created with the portal's support or an entrepreneur support grant"),
      column_view("firms", "productivity", firm_prod_, "productivity factor"),
      column_view("firms", "wage_factor", firm_wage_, "wage offer factor (x the sector's and skill's wage)"),
  };
}

}  // namespace terrasim::models::territory
