// The docking model (shared/reference/dock-model.md): a small labour market
// specified exactly, so that independent implementations can be docked and
// timed against each other. This implementation runs through the ordinary
// engine: scenario file, phases, recorder, checkpoints.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <Eigen/Dense>

#include "sim/core/model.h"

namespace terrasim::models::dock {

inline constexpr std::uint32_t kNoFirm = 0xFFFFFFFFu;

struct Params {
  std::int64_t workers = 100000;
  std::int64_t firms = 9500;
  int skills = 4;
  double separation_rate = 0.02;
  double target_volatility = 0.10;
  double exit_rate = 0.005;
  double entry_rate = 48;
  double entrant_size_mean = 8.0;
  double init_size_mu = 1.5;
  double init_size_sigma = 1.2;
  int applications = 3;
  double distance_scale_km = 8.0;
  double mismatch_acceptance = 0.25;
  std::vector<std::string> zone_names;
  std::vector<double> zone_x, zone_y, worker_share, firm_share;

  static Params from_config(const sim::Value& config);
};

// Declares the model's scenario fields (see the table in dock.cpp).
void declare_parameters(sim::Record& root);

class DockModel final : public sim::Model {
 public:
  explicit DockModel(Params p);

  void declare(sim::Recorder& rec) override;
  void initialize(std::uint64_t seed) override;
  std::vector<sim::Phase> phases() override;
  void record(sim::Recorder& rec, const sim::MonthContext& ctx) override;
  void save(sim::ArchiveWriter& out) const override;
  void load(sim::ArchiveReader& in) override;
  std::vector<std::string> check_invariants(const sim::Recorder& rec) const override;
  std::vector<sim::ColumnView> columns() const override;  // workers and firms (by slot), for bindings

  // Read access for tests and bindings.
  const Params& params() const { return p_; }
  const std::vector<std::uint32_t>& employer() const { return employer_; }
  const std::vector<std::uint8_t>& home() const { return home_; }
  const std::vector<std::uint8_t>& skill() const { return skill_; }
  const std::vector<std::uint8_t>& firm_alive() const { return firm_alive_; }
  const std::vector<std::uint32_t>& firm_size() const { return firm_size_; }
  const std::vector<std::uint32_t>& firm_target() const { return firm_target_; }
  const std::vector<double>& firm_latent() const { return firm_latent_; }  // log T_f
  std::int64_t firms_alive() const { return firms_alive_; }
  std::int64_t employed() const { return employed_; }

  // The phases, public so that unit tests and benchmarks can drive one rule.
  void separate_workers(const sim::MonthContext& ctx);
  void update_targets_and_exits(const sim::MonthContext& ctx);
  void release_dismissed_and_closed(const sim::MonthContext& ctx);
  void enter_firms(const sim::MonthContext& ctx);
  void match(const sim::MonthContext& ctx);

 private:
  std::uint32_t allocate_firm_slot();
  std::int64_t count_vacancies() const;  // sum of max(0, n*_f - size_f) over live firms
  std::uint32_t firm_target_of(double latent) const;
  [[gnu::always_inline]] inline std::uint32_t firm_target_of_log(double log_latent, std::uint32_t near) const;  // defined in dock.cpp, its only caller
  // Chunks of workers that the release pass runs in parallel, and their span.
  std::size_t release_chunks() const;
  std::size_t chunk_span(std::size_t chunks) const { return (employer_.size() + chunks - 1) / chunks; }
  // Makes chunk_count_ hold every firm's employees in each of `chunks`
  // chunks of workers (a pass over the workers if it held another cut).
  void count_employees_by_chunk(std::size_t chunks);

  Params p_;
  std::vector<double> worker_cum_, firm_cum_;  // cumulative zone shares (drawn from with u scaled by their total)
  Eigen::MatrixXd distance_km_;                // d(i, j)
  Eigen::MatrixXd decay_;                      // exp(-d(i, j) / L)
  std::vector<double> log_round_up_;           // [k] = log(k + 0.5): where round(T) passes k

  // Workers: 6 bytes each.
  std::vector<std::uint8_t> home_;
  std::vector<std::uint8_t> skill_;
  std::vector<std::uint32_t> employer_;  // firm slot, or kNoFirm

  // Firms, by slot. A closed firm's slot is reused by a later entrant; ids
  // are never reused and key the firm's random streams.
  std::vector<std::uint64_t> firm_id_;
  std::vector<std::uint8_t> firm_zone_;
  std::vector<std::uint8_t> firm_skill_;
  std::vector<std::uint8_t> firm_alive_;
  std::vector<double> firm_latent_;  // log T_f: the shock is an addition, and n*_f needs no exp
  std::vector<std::uint32_t> firm_target_;
  std::vector<std::uint32_t> firm_size_;
  std::vector<std::uint32_t> free_slots_;
  std::uint64_t next_firm_id_ = 0;

  // Derived state, kept between months but not saved: the employees of each
  // firm slot in each of count_chunks_ chunks of workers,
  // [slot * count_chunks_ + chunk]; kept up to date by every rule that
  // moves a worker, so that the release pass can give each chunk the ranks
  // of its first employees without a pass to count them. Not kept for one
  // chunk (count_chunks_ <= 1); 0 means "to be counted".
  std::vector<std::uint32_t> chunk_count_;
  std::size_t count_chunks_ = 0;

  // Scratch of the current month (not part of the state between months).
  std::vector<std::uint32_t> excess_;          // dismissals per firm slot
  std::vector<std::uint8_t> closing_;          // exits drawn this month
  // Per chunk, per slot + 1: what the release pass does to the slot's
  // employees, with, for a shrinking firm, the employees to pass before the
  // next dismissed one: one access of 2 bytes for most employees (the codes
  // are in release_dismissed_and_closed).
  std::vector<std::uint16_t> fate_;
  // Per chunk, per slot, for a shrinking firm: employees to pass before the
  // next dismissed one when too many for its fate (left uninitialised: the
  // pages of an allocation this large are touched only where a far gap is
  // written, which is rare), and the chunk's chosen ranks still to come, as
  // indices into chosen_ranks_ (read only at a dismissal that is not the
  // chunk's last).
  std::unique_ptr<std::uint32_t[]> gap_;
  std::size_t gap_room_ = 0;
  struct Ranks {
    std::uint32_t next, end;
  };
  std::vector<Ranks> ranks_left_;
  std::vector<std::uint32_t> closing_list_;    // the firms closing this month, in slot order: the first closing_count_
  std::size_t closing_count_ = 0;
  std::vector<std::uint32_t> entrant_slot_;    // this month's entrants' slots
  std::vector<std::uint32_t> shrinking_;       // the first shrinking_count_: the firms that dismiss, in slot order
  std::size_t shrinking_count_ = 0;
  std::vector<std::uint32_t> chosen_offset_;   // into chosen_ranks_, by place in shrinking_ (and one past the last)
  std::vector<std::uint32_t> chosen_ranks_;    // ranks to dismiss, sorted per firm
  // Several chunks: by place in shrinking_, chunks + 1 entries: for each
  // chunk, the first of the firm's chosen ranks in it (into chosen_ranks_)
  // and the rank of its first employee there; then the end of its ranks.
  struct ChunkBound {
    std::uint32_t at, start;
  };
  std::vector<ChunkBound> chunk_bounds_;
  // One entry per vacancy, grouped by zone, a firm's v_f entries side by
  // side: drawing an entry of a zone uniformly draws a firm of that zone with
  // probability proportional to v_f. `run` is the first of the firm's
  // entries, so that the firm's offer slots are keys[run .. run + open).
  // 8 bytes, so that the entries of 10^6 workers' vacancies stay in cache.
  struct Vacancy {
    std::uint32_t run;
    std::uint32_t open_skill;  // open << 8 | firm skill; open = min(v_f, kMaxOpen)
    std::uint32_t open() const { return open_skill >> 8; }
    std::uint8_t skill() const { return static_cast<std::uint8_t>(open_skill); }
  };
  static constexpr std::uint32_t kMaxOpen = (1u << 24) - 1;
  // The most vacancy entries a month (indices are 32-bit; 20 bytes each).
  static constexpr std::uint64_t kMaxVacancies = (std::uint64_t{1} << 31) - 1;
  std::vector<Vacancy> vacancies_;
  std::vector<std::uint32_t> hiring_;          // per piece of slots, from its first slot: its firms with vacancies
  std::vector<std::uint32_t> run_firm_;        // firm slot, at each run's first entry
  std::vector<std::uint32_t> zone_start_;      // into vacancies_, by zone
  std::vector<std::uint32_t> unemployed_;      // worker indices: the first unemployed_count_
  std::size_t unemployed_count_ = 0;
  bool unemployed_listed_ = false;             // unemployed_ is this month's
  std::vector<std::uint64_t> offer_keys_;      // the lowest applicant keys per vacancy run
  struct Application {
    std::uint64_t key;
    std::uint32_t run, open;
  };
  // Several threads: a round's acceptable applications, by piece of workers
  // and range of runs: the first `count` of `apps`, which has room for every
  // application of a piece (written without a branch, so pages never
  // written are never touched). A cache line each, so that two threads
  // filling neighbouring buckets do not share the lines of their ends
  // (which cost the drawing half its speed).
  struct alignas(64) Bucket {
    std::unique_ptr<Application[]> apps;
    std::size_t room = 0, count = 0;
  };
  std::vector<Bucket> app_buckets_;
  std::vector<std::vector<std::uint64_t>> leaver_buckets_;  // separations on several threads: (firm << 32 | worker), by piece of workers x part of firms
  std::vector<std::uint64_t> best_offer_;      // per unemployed worker: (choice key, firm slot)

  // Counters of the current month and totals.
  std::int64_t employed_ = 0;
  std::int64_t firms_alive_ = 0;
  std::int64_t initial_firms_ = 0;
  std::int64_t separations_ = 0, hires_ = 0, entries_ = 0, exits_ = 0;
  std::int64_t vacancies_left_ = 0;  // open after the month's matching: the recorded vacancies
  std::vector<std::int64_t> workers_by_zone_, workers_by_skill_;
  std::vector<std::int64_t> unemployed_by_zone_, unemployed_by_skill_;  // after matching

  int s_unemp_ = 0, s_firms_ = 0, s_vac_ = 0, s_hires_ = 0, s_sep_ = 0, s_entries_ = 0, s_exits_ = 0;
  int b_zones_ = 0, b_skills_ = 0;
};

}  // namespace terrasim::models::dock
