// The monthly schedule: an ordered list of named phases, each timed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace terrasim::sim {

// What a phase knows of the month it runs in.
struct MonthContext {
  int month = 0;               // 0-based index of the month being simulated
  std::uint64_t seed = 0;      // the run's seed, the first half of every RNG key
};

struct Phase {
  std::string name;
  std::function<void(const MonthContext&)> run;
};

struct PhaseTiming {
  std::string name;
  double seconds = 0.0;
  std::uint64_t calls = 0;
};

class Scheduler {
 public:
  void set_phases(std::vector<Phase> phases);
  const std::vector<Phase>& phases() const { return phases_; }

  // Runs every phase of one month in order and adds their times to the profile.
  void run_month(const MonthContext& ctx);

  // Time spent outside the phases (initial state, recording), added by the caller.
  void add_timing(const std::string& name, double seconds);

  const std::vector<PhaseTiming>& profile() const { return timings_; }
  // Puts back a profile taken before set_phases, so that a run whose phases
  // were rebuilt keeps its timings; ignored unless it starts with the same
  // phases, in the same order.
  void restore_profile(std::vector<PhaseTiming> timings);
  // The profile as an aligned table: phase, calls, total seconds, ms per call, share.
  std::string profile_table() const;

 private:
  std::vector<Phase> phases_;
  std::vector<PhaseTiming> timings_;
};

}  // namespace terrasim::sim
