// The docking model (shared/reference/dock-model.md): a small labour market
// specified exactly, so that independent implementations can be docked and
// timed against each other. This implementation runs through the ordinary
// engine: scenario file, phases, recorder, checkpoints.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <Eigen/Dense>

#include "sim/core/huge_pages.h"
#include "sim/core/model.h"

namespace terrasim::models::dock {

inline constexpr std::uint32_t kNoFirm = 0xFFFFFFFFu;

#ifdef TERRASIM_DOCK_FORCE_OFFER_REDRAWS
// Test builds only (test_dock_redraw, see dock.cpp): the redraws of the
// firms' reservoirs that the test seam has caused so far.
std::uint64_t forced_offer_redraws_so_far();
#endif

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
  // The matching on at most kPipelineThreads threads is pipelined: pieces
  // of kPipePiece unemployed drawn in parallel, offered in order by one
  // thread at a time (match()); on more, by parts.
  static constexpr int kPipelineThreads = 4;
  static constexpr std::size_t kPipePiece = 1024;
  // The most workers and applications a scenario may set (the matching's
  // application ids rest on them).
  static constexpr std::int64_t kMaxWorkers = 50'000'000, kMaxApplications = 16;

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
  // Each worker's employer slot, or kNoFirm: derived from the employee lists
  // when asked, into a column the model keeps from then on (4 bytes a
  // worker; the API's workers.employer; valid until the next call or step;
  // not for several threads at once).
  const std::vector<std::uint32_t>& employer() const;
  const sim::LargeVector<std::uint8_t>& home() const { return home_; }
  const sim::LargeVector<std::uint8_t>& skill() const { return skill_; }
  const std::vector<std::uint8_t>& firm_alive() const { return firm_alive_; }
  const sim::LargeVector<std::uint32_t>& firm_size() const { return firm_size_; }
  const std::vector<std::uint32_t>& firm_target() const { return firm_target_; }
  const std::vector<double>& firm_latent() const { return firm_latent_; }  // log T_f
  std::int64_t firms_alive() const { return firms_alive_; }
  std::int64_t employed() const { return employed_; }

  // The employees of firm slot f, in the order the rules keep (the same on
  // any number of threads), and the unemployed, in theirs.
  const std::uint32_t* staff(std::uint32_t f) const { return staff_.get() + rooms_[f].at; }
  std::size_t unemployed_count() const { return unemployed_count_; }
  // The workers released since the last matching, which lists them as
  // unemployed when it starts.
  std::vector<std::uint32_t> released() const;
  // Times the employee lists were laid out afresh since the model was made
  // (for tests: it does not change what the model does).
  std::int64_t staff_layouts() const { return staff_layouts_; }
  // Times a list that moved took a room another list had left.
  std::int64_t staff_holes_reused() const { return staff_holes_reused_; }
  // Lays the employee lists out afresh, as the matching does when the
  // arena's end is full (for tests and benchmarks: it changes where the
  // lists lie, not what the model does).
  void lay_out_staff_afresh();
  std::size_t staff_capacity() const { return staff_.size(); }  // entries the arena holds
  const std::uint32_t* unemployed() const { return unemployed_.data(); }

  // The phases, public so that unit tests and benchmarks can drive one rule.
  void update_firms(const sim::MonthContext& ctx);  // steps 1 to 3: separations, targets and dismissals, exits
  void enter_firms(const sim::MonthContext& ctx);
  void match(const sim::MonthContext& ctx);

 private:
  std::uint32_t allocate_firm_slot();
  std::int64_t count_vacancies() const;  // sum of max(0, n*_f - size_f) over live firms
  std::uint32_t firm_target_of(double latent) const;
  // From the table `up` (log_round_up_'s, which a loop over the firms holds
  // in a local); defined in dock.cpp, its only caller.
  [[gnu::always_inline]] inline std::uint32_t firm_target_of_log(double log_latent, std::uint32_t near, const double* up) const;
  static constexpr std::uint32_t kLogTable = 4096;  // log_round_up_'s entries, [1 .. kLogTable]
  // A new arena holding the live firms' lists, in slot order, each with some
  // room to spare: firm f's employees are lists[first[f] .. + firm_size_[f]).
  void place_staff(const std::uint32_t* lists, const std::uint64_t* first);
  // Lays the lists out afresh in the arena, in place, each with room for its
  // employees and extra(f) more, and some to spare.
  template <class Extra>
  void lay_out_staff(Extra&& extra);
  // Copies firm f's list to `at` in the arena, with `room` entries there.
  void move_list(std::uint32_t f, std::uint64_t at, std::uint64_t room);
  // Moves firm f's list to the end of the arena, with room for its target
  // or one more employee, whichever is more, and some to spare (laying
  // every list out afresh when the end is full).
  void move_staff(std::uint32_t f);
  // A room no list holds any more, reused by a list that moves.
  void leave_hole(std::uint32_t at, std::uint32_t room);
  void forget_holes();
  // The workers released since the last matching (in blocks of slots) join
  // the end of the list of the unemployed.
  void list_released();
  std::int64_t pending_released() const;
  void derive_employer(std::vector<std::uint32_t>& out) const;

  Params p_;
  std::vector<double> worker_cum_, firm_cum_;  // cumulative zone shares (drawn from with u scaled by their total)
  Eigen::MatrixXd distance_km_;                // d(i, j)
  Eigen::MatrixXd decay_;                      // exp(-d(i, j) / L)
  std::vector<double> log_round_up_;           // [k] = log(k + 0.5), k = 1..kLogTable: where round(T) passes k; [0], [kLogTable + 1] NaN

  // Workers: home zone and skill. Who employs them is in the firms' lists
  // below; employer() derives it into employer_view_ when asked.
  sim::LargeVector<std::uint8_t> home_;
  sim::LargeVector<std::uint8_t> skill_;
  mutable std::vector<std::uint32_t> employer_view_;
  mutable std::mutex employer_view_mutex_;

  // Firms, by slot. A closed firm's slot is reused by a later entrant; ids
  // are never reused and key the firm's random streams.
  std::vector<std::uint64_t> firm_id_;
  std::vector<std::uint8_t> firm_zone_;
  std::vector<std::uint8_t> firm_skill_;
  std::vector<std::uint8_t> firm_alive_;
  std::vector<double> firm_latent_;  // log T_f: the shock is an addition, and n*_f needs no exp
  std::vector<std::uint32_t> firm_target_;
  sim::LargeVector<std::uint32_t> firm_size_;
  std::vector<std::uint32_t> free_slots_;
  std::uint64_t next_firm_id_ = 0;

  // Employment, firm-centred: firm slot f's employees are the worker ids
  // staff_[rooms_[f].at .. + firm_size_[f]), with rooms_[f].room entries
  // reserved there. Separations, dismissals and closures touch only the
  // employees they move (a worker leaves by the last one taking its place);
  // hires join the end, and a firm whose list outgrows its room moves to
  // the end of the arena (staff_end_); when that is full, every list is laid
  // out afresh (lay_out_staff). The order of each list is part of the
  // state (dismissals choose ranks in it) and is saved; where the lists lie
  // is not.
  sim::LargeArray<std::uint32_t> staff_;
  std::size_t staff_end_ = 0;  // the arena holds staff_.size() entries
  std::int64_t staff_layouts_ = 0;
  std::int64_t staff_holes_reused_ = 0;
  // Where each firm's list lies, side by side, so that a hire at random
  // reads one line for both (arena_capacity keeps places below 2^32).
  struct Room {
    std::uint32_t at = 0, room = 0;
  };
  sim::LargeVector<Room> rooms_;
  // Rooms that lists left behind (moving, or their firm closing), by size
  // (holes_[r - 1]: where those of r entries lie), up to kHoleSizes
  // entries, for the lists that move next; a bit per size that has any.
  // Forgotten when the lists are laid out afresh.
  static constexpr std::uint64_t kHoleSizes = 64;
  std::array<std::vector<std::uint32_t>, kHoleSizes> holes_;
  std::uint64_t hole_sizes_ = 0;
  // The unemployed: the first unemployed_count_ entries, in the order the
  // rules keep (the released join the end, the hired leave), with each
  // one's home zone | skill << 8 beside it (read in order by the matching,
  // where the workers' own columns would be read at random).
  sim::LargeVector<std::uint32_t> unemployed_;
  sim::LargeVector<std::uint16_t> unemployed_profile_;
  std::size_t unemployed_count_ = 0;

  // Scratch of the current month (not part of the state between months).
  std::vector<std::uint8_t> closing_;          // exits drawn this month
  std::vector<std::vector<std::uint32_t>> closed_;  // by fixed block of slots (kSlotBlock): the firms closing this month
  std::vector<std::uint32_t> entrant_slot_;    // this month's entrants' slots
  // The workers each fixed block of firm slots released since the last
  // matching (firm by firm: its leavers, then its dismissed or, if it
  // closes, the rest), which lists them.
  std::vector<std::vector<std::uint32_t>> released_;
  // One entry per vacancy, grouped by zone, a firm's v_f entries side by
  // side: drawing an entry of a zone uniformly draws a firm of that zone with
  // probability proportional to v_f. `run` is the first of the firm's
  // entries, so that the firm's offer slots are offer_slots_[run .. run + open).
  // 8 bytes, so that the entries of 10^6 workers' vacancies stay in cache.
  // run | (open << 8 | firm skill) << 32, open = min(v_f, kMaxOpen): one
  // 64-bit word, read in one load and copied whole (as a struct of two
  // 32-bit fields GCC kept it in a vector register and took each field out
  // of it with two more instructions).
  struct Vacancy {
    std::uint64_t bits;
    Vacancy() = default;
    Vacancy(std::uint32_t run, std::uint32_t open, std::uint8_t skill)
        : bits(run | std::uint64_t{open << 8 | skill} << 32) {}
    std::uint32_t run() const { return static_cast<std::uint32_t>(bits); }
    std::uint32_t open() const { return static_cast<std::uint32_t>(bits >> 40); }
    std::uint8_t skill() const { return static_cast<std::uint8_t>(bits >> 32); }
  };
  static constexpr std::uint32_t kMaxOpen = (1u << 24) - 1;
  // The most vacancy entries a month (indices are 32-bit; 20 bytes each).
  static constexpr std::uint64_t kMaxVacancies = (std::uint64_t{1} << 31) - 1;
  sim::LargeVector<Vacancy> vacancies_;
  std::vector<std::uint32_t> hiring_;          // per piece of slots, from its first slot: its firms with vacancies
  sim::LargeVector<std::uint32_t> run_firm_;        // firm slot, at each run's first entry
  // The matching's hiring firms, by piece of runs: each one's run (where
  // its hired are gathered), slot and number of hires.
  struct Hiring {
    std::uint32_t run, firm, hires;
  };
  std::vector<std::vector<Hiring>> hiring_by_piece_;
  std::vector<std::uint32_t> zone_start_;      // into vacancies_, by zone
  // Per vacancy run (a firm's entries): the applications it offers a job
  // (application ids, i << kAppBits | j; kNoOffer where none), then, for each
  // part of the offering, an entry that takes the applications it turns
  // away; and at each run's first entry, how many acceptable applications
  // it has had so far.
  sim::LargeVector<std::uint32_t> offer_slots_;
  sim::LargeVector<std::uint32_t> run_applicants_;
  static constexpr std::size_t kTurnedAway = 16;  // entries between two parts' slots for the turned away (64 bytes)
  static constexpr std::uint32_t kNoOffer = ~std::uint32_t{0};
  // Application j of the i-th unemployed worker is known by i << kAppBits | j
  // (at most 16 applications; below 50,000,000 workers the ids stay under
  // 2^30): a shift and a mask take it apart, where i * a + j took a division.
  static constexpr unsigned kAppBits = 4;
  static constexpr std::uint32_t kAppMask = (1u << kAppBits) - 1;
  static_assert(kMaxApplications <= kAppMask + 1, "an application's index j must fit an id's low bits");
  // The ids, and with them the keys of acceptable applications, are never
  // kNoOffer or all ones (match() counts the kept by that).
  static_assert((std::uint64_t{kMaxWorkers} << kAppBits) < kNoOffer);
  // An acceptable application: its key (32 random bits, then its id) and
  // the vacancy entry it drew, copied whole (its one word: run, open, skill).
  struct Application {
    std::uint64_t key;
    Vacancy vacancy;
  };
  // Several threads: a round's acceptable applications, by piece of workers
  // (pipelined) or by piece of workers and range of runs (more threads):
  // the first `count` of `apps`, which has room for every application of a
  // piece (written without a branch, so pages never written are never
  // touched). A cache line each, so that two threads filling neighbouring
  // buckets do not share the lines of their ends (which cost the drawing
  // half its speed).
  struct alignas(64) Bucket {
    std::unique_ptr<Application[]> apps;  // the heap's pages (written in order, touched as written)
    std::size_t room = 0, count = 0;
    // Room for at least `needed` applications: `room` of them if it must grow.
    void fit(std::size_t needed, std::size_t room_if_grown) {
      if (room >= needed) return;
      room = room_if_grown;
      apps.reset(new Application[room]);
    }
  };
  std::vector<Bucket> app_buckets_;
  sim::LargeVector<std::uint64_t> best_offer_;      // per unemployed worker: (choice key, firm slot)
  // Several threads: the offers each part of the offering holds at the end,
  // sorted by piece of the unemployed (kTallyPiece workers), each part's
  // in the places of its runs' offer slots; and where each (part, piece)'s
  // start: parts x (pieces + 1).
  struct PieceOffer {
    std::uint32_t app, firm;
  };
  sim::LargeVector<PieceOffer> offers_by_piece_;
  std::vector<std::uint32_t> offer_piece_start_;

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
