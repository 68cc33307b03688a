// The territorial model: workers, firms and investors of a territory (Amiens
// Métropole in scenarios/amiens/), its cluster sites, its policies and the
// national context. docs/model.md describes it by the ODD protocol and names,
// for every rule, the function below that implements it.
//
// Layout. Workers are columns indexed by slot (16 bytes a worker); a retired
// or emigrated worker frees its slot, which a later entrant reuses. Firms are
// columns by slot too, with a stable id that keys their random streams. No
// firm keeps a list of its employees: a worker's `employer_` column is the
// only link, and every pass that touches employees is one pass over the
// workers, in parallel over fixed blocks, with per-firm counts updated by
// commutative atomic integer additions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "sim/core/model.h"

namespace terrasim::models::territory {

inline constexpr std::uint32_t kNoFirm = 0xFFFFFFFFu;
inline constexpr std::uint32_t kOutsideJob = 0xFFFFFFFEu;  // a resident employed outside the territory

enum Status : std::uint8_t { kEmployed = 0, kUnemployed = 1, kInTraining = 2, kInactive = 3, kFreeSlot = 4 };
enum class ZoneKind : std::uint8_t { Commune, Site, Outside };
enum class InvestorKind : std::uint8_t { Angel, PublicFund, VentureCapital, OutsideCompany };

// A policy's window and money: active from `start` to `end` (months since
// the scenario's start, both included) while its budget lasts.
struct Window {
  bool enabled = false;
  int start = 0, end = 0;
  double budget_eur = 0;
  bool active(int t) const { return enabled && t >= start && t <= end; }
};

// The parameters as the model reads them. Their fields hold no defaults:
// Params::from_config sets every one from the validated scenario, and the
// declared defaults (params.cpp, docs/scenarios.md) are the only ones.
struct ZoneSpec {
  std::string name;
  ZoneKind kind = ZoneKind::Commune;
  std::int64_t labour_force = 0;
  double job_share = 0;
};
struct LinkSpec {
  std::size_t from = 0, to = 0;
  double minutes = 0;
};
struct SkillSpec {
  std::string name;
  double share = 0, wage_factor = 0, unemployment_rate = 0;
};
struct SectorSpec {
  std::string name;
  double job_share = 0, tradable_share = 0, growth_elasticity = 0, wage_eur = 0, margin = 0;
  double required_skill = 0, creation_share = 0, return_rate = 0;
  double value_added() const { return wage_eur / (1.0 - margin); }  // EUR per job and month
};
struct ClusterSpec {
  std::string name;
  std::size_t sector = 0, site = 0;
  int opening = -1;  // month index; -1: never opens
  double capacity_jobs = 0, agglomeration_elasticity = 0, reference_jobs = 0;
  bool lab = false;
  double lab_spillover = 0, creation_share = 0, budget_eur = 0, monthly_cost_eur = 0;
};
struct InvestorSpec {
  std::string name;
  InvestorKind kind = InvestorKind::Angel;
  double capital_eur_per_year = 0, hurdle_rate = 0, ticket_eur = 0, awareness = 0;
  double startup_share = 0, deals_per_year = 0, arrivals_per_year = 0, plant_jobs_mean = 0;
  std::vector<double> sector_weight;  // per sector
};
struct PortalSpec : Window {
  double creation_boost = 0, supported_cash_months = 0, cost_per_creation_eur = 0;
};
struct EntrepreneurSupportSpec : Window {
  double rate_boost = 0, grant_eur = 0;
};
struct TrainingSpec : Window {
  std::string name;
  double places_per_year = 0, cost_per_place_eur = 0, success_rate = 0;
  int duration_months = 0, min_unemployment_months = 0;
  std::size_t target_sector = 0;
};
struct HiringSubsidySpec : Window {
  double eur_per_hire = 0;
  int min_unemployment_months = 0;
  double priority_bonus = 0;
};
struct CreationSubsidySpec : Window {
  double eur_per_creation = 0, creation_boost = 0;
};
// A grant to outside companies that open an establishment at chosen sites
// (an implantation aid): per job of the plant, by zone (0: none there).
struct EstablishmentGrantSpec : Window {
  std::vector<double> eur_per_job;  // per zone
};
struct MarketingSpec : Window {
  double monthly_spend_eur = 0, awareness_per_meur = 0, awareness_decay = 0;
};
struct PartnerFundSpec : Window {
  std::string name;
  std::size_t investor = 0;
};
struct EventSpec {
  std::string name;
  bool closure = true;  // else an arrival
  int month = 0;
  std::size_t zone = 0, sector = 0;
  std::int64_t jobs = 0;
};

struct Params {
  double scale = 0;
  std::string start;  // "YYYY-MM"
  int months = 0;

  std::vector<ZoneSpec> zones;
  std::vector<LinkSpec> links;
  std::size_t outside = 0;  // the zone of kind outside
  std::vector<SkillSpec> skills;
  std::vector<SectorSpec> sectors;
  Eigen::MatrixXd io;  // io(i, j): local purchases from sector i per EUR of sector j's output

  // workers
  int entry_age = 0, retirement_age = 0;
  double initial_duration_mean_months = 0;
  double separation_rate = 0, on_the_job_search = 0;
  int applications = 0;
  double gravity_minutes = 0, sector_mismatch_acceptance = 0, underqualified_acceptance = 0;
  double reservation_decay = 0, reservation_floor_eur = 0, switch_gain = 0;
  double entrants_per_year = 0, graduates_per_year = 0, graduate_retention = 0;
  double in_migrants_per_year = 0, out_migration_unemployed = 0, out_migration_employed = 0;
  double migration_gap_sensitivity = 0, reference_gap = 0;
  double discouragement_rate = 0, return_rate = 0;
  int discouragement_after_months = 0;
  // commuting
  std::int64_t in_commuters = 0, outside_job_seekers = 0;
  double out_commuter_share = 0, outside_job_finding = 0, outside_finding_elasticity = 0;
  // firms
  std::int64_t firms = 0;
  double size_sigma = 0, initial_vacancy_rate = 0, demand_volatility = 0;
  double cash_buffer_months = 0, cash_volatility = 0, fixed_cost_eur = 0, net_margin = 0;
  int young_age_months = 0;
  double young_productivity_penalty = 0, startup_cash_months = 0, startup_size_mean = 0;
  double cessation_rate = 0, young_cessation_rate = 0, cessation_size_elasticity = 0;  // voluntary cessations
  double ess_share = 0, ess_volatility_factor = 0, productivity_demand_elasticity = 0;
  double wage_productivity_elasticity = 0, exogenous_income_share = 0, benefit_replacement = 0;
  double productivity_trend = 0, jobs_per_meur = 0;
  // creation
  double baseline_creations_per_year = 0, entrepreneur_rate_unemployed = 0, entrepreneur_rate_employed = 0;
  // attractiveness of sites for outside companies
  double attract_cluster = 0, attract_lab = 0, attract_labour = 0, attract_grant = 0;

  std::vector<ClusterSpec> clusters;
  std::vector<InvestorSpec> investors;

  // context: (month index, value) points, linearly interpolated
  std::vector<std::pair<int, double>> national_unemployment, gdp_growth, interest_rate;

  PortalSpec portal;
  EntrepreneurSupportSpec entrepreneur_support;
  std::vector<TrainingSpec> training;
  HiringSubsidySpec hiring_subsidy;
  CreationSubsidySpec creation_subsidy;
  EstablishmentGrantSpec establishment_grant;
  MarketingSpec marketing;
  std::vector<PartnerFundSpec> partner_funds;
  std::vector<EventSpec> events;

  static Params from_config(const sim::Value& config);
  std::int64_t scaled(double count) const;  // round(count * scale)
};

// Months between two "YYYY-MM" labels (to - from).
int months_between(const std::string& from, const std::string& to);
// A context series at month t: linear between points, flat beyond them.
double interpolate(const std::vector<std::pair<int, double>>& points, int t);
// The names of the series recorded for a configuration (fixed ones, then one
// per cluster and per investor), which a scenario's target may name.
std::vector<std::string> recorded_series(const sim::Value& config);

// Declares the model's scenario fields (params.cpp).
void declare_parameters(sim::Record& root);

class TerritoryModel final : public sim::Model {
 public:
  explicit TerritoryModel(Params p);

  void declare(sim::Recorder& rec) override;
  void initialize(std::uint64_t seed) override;
  std::vector<sim::Phase> phases() override;
  void record(sim::Recorder& rec, const sim::MonthContext& ctx) override;
  void save(sim::ArchiveWriter& out) const override;
  void load(sim::ArchiveReader& in) override;
  std::vector<std::string> check_invariants(const sim::Recorder& rec) const override;
  std::vector<sim::ColumnView> columns() const override;  // workers and firms (by slot), for bindings

  // The phases, in order, public so that tests can drive one rule.
  void update_context(const sim::MonthContext& ctx);
  void age_retire_and_migrate(const sim::MonthContext& ctx);
  void enter_labour_force(const sim::MonthContext& ctx);
  void separate_workers(const sim::MonthContext& ctx);
  void update_demand(const sim::MonthContext& ctx);
  void account_cash_and_fail(const sim::MonthContext& ctx);
  void cease_firms(const sim::MonthContext& ctx);
  void release_workers(const sim::MonthContext& ctx);
  void create_firms(const sim::MonthContext& ctx);
  void invest(const sim::MonthContext& ctx);
  void run_training(const sim::MonthContext& ctx);
  void match_jobs(const sim::MonthContext& ctx);
  void find_outside_jobs(const sim::MonthContext& ctx);
  void drift_labour_force(const sim::MonthContext& ctx);

  // Read access for tests.
  const Params& params() const { return p_; }
  const std::vector<std::uint8_t>& status() const { return status_; }
  const std::vector<std::uint8_t>& home() const { return home_; }
  const std::vector<std::uint32_t>& employer() const { return employer_; }
  const std::vector<std::uint16_t>& unemployment_months() const { return duration_; }
  const std::vector<float>& wage() const { return wage_; }  // current or last wage, EUR/month
  const std::vector<std::uint8_t>& skill() const { return skill_; }
  const std::vector<std::uint8_t>& sector() const { return sector_; }  // of the current or last job, or trained for
  // The month's applications (match_jobs): searcher i's j-th at
  // i x applications + j, the firm if it found the application acceptable,
  // else kNoFirm; and whether that firm offered the searcher the job.
  const std::vector<std::uint32_t>& applications() const { return applications_; }
  const std::vector<std::uint8_t>& offered() const { return offered_; }
  // The wage firm f pays a worker of `skill`: the sector's wage x the
  // skill's factor (a table) x the firm's wage factor.
  double wage_for(std::uint32_t f, std::uint8_t skill) const {
    return skill_wage_[firm_sector_[f] * p_.skills.size() + skill] * static_cast<double>(firm_wage_[f]);
  }
  const std::vector<std::uint16_t>& age_months() const { return age_months_; }
  const std::vector<std::uint32_t>& searchers() const { return searchers_; }  // the month's job seekers (match_jobs)
  const std::vector<std::uint8_t>& firm_alive() const { return firm_alive_; }
  const std::vector<std::uint32_t>& firm_size() const { return firm_size_; }
  const std::vector<std::uint32_t>& firm_target() const { return firm_target_; }
  const std::vector<double>& firm_cash() const { return firm_cash_; }
  const std::vector<double>& firm_latent() const { return firm_latent_; }  // market share, in jobs
  const Eigen::MatrixXd& travel_minutes() const { return travel_; }  // between zones, by the shortest path
  // A sector's tradable demand relative to the start (national growth net
  // of the productivity trend, with the sector's elasticity).
  double growth_index(std::size_t sector) const { return growth_index_[sector]; }
  const std::vector<float>& firm_productivity() const { return firm_prod_; }
  const std::vector<std::uint8_t>& firm_sector() const { return firm_sector_; }
  const std::vector<std::uint8_t>& firm_zone() const { return firm_zone_; }
  const std::vector<std::uint8_t>& firm_skill() const { return firm_skill_; }  // the skill its jobs ask
  // 1 for a firm created with the portal's support or an entrepreneur
  // support grant (the API's firms.supported).
  const std::vector<std::uint8_t>& firm_supported() const { return firm_supported_; }
  const std::vector<std::uint16_t>& firm_age() const { return firm_age_; }  // months
  const std::vector<std::uint8_t>& closing() const { return closing_; }  // firms closing this month (set by cash, cessations)
  const std::vector<std::uint64_t>& firm_id() const { return firm_id_; }
  std::int64_t firms_alive() const { return firms_alive_; }
  std::int64_t month_out_migrants() const { return out_migrants_; }
  std::int64_t month_retirements() const { return retirements_; }
  std::int64_t month_in_migrants() const { return in_migrants_; }
  std::int64_t month_entrants() const { return entrants_; }  // young entrants and graduates who stay
  std::int64_t month_hires() const { return hires_; }
  // An investor's awareness of the territory: its own plus what marketing added.
  double investor_awareness(std::size_t k) const { return std::min(1.0, p_.investors[k].awareness + awareness_gain_[k]); }
  std::int64_t month_creations() const { return creations_; }
  std::int64_t month_closures() const { return closures_; }
  std::int64_t event_released(std::size_t e) const { return event_released_[e]; }
  double policy_spent(std::size_t k) const { return spent_[k]; }
  double policy_budget(std::size_t k) const { return budget_[k]; }
  const std::vector<std::string>& policy_names() const { return policy_names_; }
  double cluster_jobs(std::size_t c) const { return cluster_jobs_[c]; }
  double cluster_productivity(std::size_t c) const;
  // Test hook: sets a firm's cash (the rule under test is what follows).
  void set_firm_cash(std::size_t slot, double cash) { firm_cash_[slot] = cash; }
  const std::vector<double>& firm_reserve() const { return firm_reserve_; }
  // Policy money to firm f: held in its reserve (see firm_reserve_).
  void grant(std::uint32_t f, double eur) { firm_reserve_[f] += eur; }

 private:
  std::uint32_t allocate_firm_slot();
  std::uint32_t open_firm(std::uint64_t seed, std::uint64_t stream, int month, std::uint64_t unit, std::size_t sector,
                          std::size_t zone, double latent, double cash, bool ess);
  std::size_t draw_sector_for_creation(double u) const;
  std::size_t draw_zone_for_firm(double u, std::size_t sector, int t) const;
  // An unemployed worker's reservation wage: the last wage, decaying with
  // the months of unemployment, down to the floor.
  double reservation_wage(std::size_t w) const {
    const double r = static_cast<double>(wage_[w]) * (1.0 - p_.reservation_decay * duration_[w]);
    return r > p_.reservation_floor_eur ? r : p_.reservation_floor_eur;
  }
  // The first cluster of firm f's site and sector; clusters.size() if none.
  std::size_t cluster_of(std::uint32_t f) const { return cluster_at_[firm_zone_[f] * p_.sectors.size() + firm_sector_[f]]; }
  // Spends up to `amount` from policy k's budget; returns what was spent.
  double spend(std::size_t k, double amount);
  std::uint32_t new_worker_slot();
  void count_population();
  // The census of the workers (the counts that record() and next month's
  // demand and migration read), taken by drift_labour_force in its pass, or
  // by take_census() when the month's pass did not run.
  struct Census {
    std::vector<std::int64_t> zone_lf, zone_unemployed, zone_jobs, skill_lf, skill_unemployed;
    std::int64_t employed = 0, unemployed = 0, training = 0, inactive = 0, in_comm = 0, out_comm = 0, jobs = 0;
    double job_wages = 0;       // wages of the jobs in the territory
    double resident_wages = 0;  // wages of the employed residents (anywhere)
    void reset(std::size_t zones, std::size_t skills);
    void add(const Census& o);
  };
  // One pass over the workers that applies the month's drift rule first
  // when `drift` is given, then counts (labour.cpp).
  void census_pass(const sim::MonthContext* drift);
  void take_census() { census_pass(nullptr); }
  // Dismissals of the month: chooses the ranks each shrinking firm dismisses.
  void choose_dismissals(const sim::MonthContext& ctx);

  Params p_;
  Eigen::MatrixXd travel_, gravity_;  // minutes; exp(-minutes / gravity_minutes)
  Eigen::MatrixXd leontief_;         // (I - A)^-1
  std::vector<double> zone_job_cum_;
  std::vector<double> sector_creation_cum_;
  std::vector<double> skill_cum_;
  std::vector<double> sector_job_cum_;
  std::vector<double> mean_skill_wage_;  // per sector: sector wage x mean skill factor
  std::vector<double> value_added_;      // per sector: SectorSpec::value_added(), EUR a job and month
  std::vector<std::uint32_t> cluster_at_;  // [zone x sectors + sector]: the first cluster there, or clusters.size()
  std::vector<double> skill_wage_;       // [sector x skills + skill]: sector wage x skill factor

  // Workers: 16 bytes each.
  std::vector<std::uint8_t> home_, skill_, sector_, status_;
  std::vector<std::uint16_t> age_months_, duration_;  // unemployment (or training) months
  std::vector<std::uint32_t> employer_;             // firm slot, kOutsideJob, kNoFirm; programme while in training
  std::vector<float> wage_;                         // current or last wage, EUR/month
  std::vector<std::uint32_t> free_workers_;         // free slots, highest first

  // Firms, by slot.
  std::vector<std::uint64_t> firm_id_;
  std::vector<std::uint8_t> firm_sector_, firm_zone_, firm_alive_, firm_ess_, firm_skill_, firm_supported_;
  std::vector<std::uint16_t> firm_age_;
  std::vector<std::int16_t> firm_event_;  // index of the closure event that closes it, or -1
  std::vector<std::uint32_t> firm_size_, firm_target_;
  std::vector<double> firm_latent_, firm_cash_;
  // Policy money a firm holds apart from its cash (grants, supported cash,
  // subsidies): not paid out with profits beyond the buffer, it covers
  // losses that would make the firm fail, until spent.
  std::vector<double> firm_reserve_;
  std::vector<float> firm_prod_, firm_wage_;  // productivity; wage offer factor
  std::vector<std::uint32_t> free_firms_;
  std::uint64_t next_firm_id_ = 0;

  // Context and aggregates carried between months.
  double national_u_ = 0, national_u0_ = 0, gdp_growth_ = 0, interest_ = 0;
  std::vector<double> growth_index_;      // per sector
  Eigen::VectorXd local_demand0_;         // final local demand at the start, per sector
  double income0_ = 0, income_ = 0;       // residents' income (wages, benefits, exogenous)
  std::vector<double> awareness_gain_;    // per investor, from marketing
  std::vector<double> investor_funds_;    // per investor: money available
  std::vector<double> spent_, budget_;    // per policy
  std::vector<std::string> policy_names_;
  std::vector<double> cluster_jobs_;      // per cluster, at the last demand update
  std::vector<std::int64_t> event_released_;
  double last_local_u_ = 0;

  // Counters of the month.
  std::int64_t hires_ = 0, separations_ = 0, creations_ = 0, closures_ = 0, retirements_ = 0;
  std::int64_t in_migrants_ = 0, out_migrants_ = 0, entrants_ = 0, training_starts_ = 0;
  std::int64_t firms_alive_ = 0, initial_firms_ = 0;
  double month_spending_ = 0;
  // The portal's supported cash granted this month (firm reserves): policy money the model does not count in
  // policy_spending (docs/model.md), recorded so that a report can say how much it is.
  double month_portal_cash_ = 0;
  std::vector<double> month_investment_;  // per investor
  std::vector<double> month_policy_spending_;

  // Scratch of the month.
  std::vector<std::uint8_t> closing_;
  std::vector<std::uint32_t> chosen_offset_, chosen_ranks_;  // per firm: ranks of employees dismissed
  std::vector<std::uint32_t> affected_;  // per block of workers: employees of closing or shrinking firms
  std::vector<std::uint64_t> searching_;  // the month's job seekers, a bit each (kWorkerBlock a block)
  Census census_;
  std::vector<Census> block_census_;
  int census_month_ = -1;  // month of the last census (-1: the initial state)
  std::vector<std::uint32_t> searchers_, applications_, bucket_offset_, bucket_;
  // Per block of searchers: its accepted applications (indices into
  // applications_), listed from the block's first place, and their number.
  std::vector<std::uint32_t> accepted_, accepted_count_;
  std::vector<std::uint8_t> offered_;
  std::vector<std::uint32_t> vacancy_slots_;
  // Caches derived from the parameters alone (not saved in checkpoints):
  // by firm size, size^-cessation_size_elasticity and a mature firm's
  // monthly cessation probability (cease_firms).
  std::vector<double> cessation_size_factor_, cessation_mature_p_;

  // Recorder handles.
  int s_unemp_ = 0, s_lf_ = 0, s_emp_ = 0, s_unemployed_ = 0, s_training_ = 0, s_inactive_ = 0, s_firms_ = 0;
  int s_portal_cash_ = 0;
  int s_creations_ = 0, s_closures_ = 0, s_vacancies_ = 0, s_hires_ = 0, s_separations_ = 0, s_wage_ = 0;
  int s_jobs_ = 0, s_jobs_res_ = 0, s_in_comm_ = 0, s_out_comm_ = 0, s_spending_ = 0, s_spending_cum_ = 0;
  int s_national_ = 0;
  std::vector<int> s_cluster_, s_invest_, s_policy_spending_;
  int b_zones_ = 0, b_skills_ = 0, b_sectors_ = 0, b_policies_ = 0;
};

}  // namespace terrasim::models::territory
