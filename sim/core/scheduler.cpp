// Scheduler: runs and times the phases of a month.
#include "sim/core/scheduler.h"

#include <fmt/format.h>

namespace terrasim::sim {

void Scheduler::set_phases(std::vector<Phase> phases) {
  phases_ = std::move(phases);
  timings_.clear();
  for (const auto& p : phases_) timings_.push_back({p.name, 0.0, 0});
}

void Scheduler::restore_profile(std::vector<PhaseTiming> timings) {
  if (timings.size() < phases_.size()) return;
  for (std::size_t i = 0; i < phases_.size(); ++i)
    if (timings[i].name != phases_[i].name) return;
  timings_ = std::move(timings);
}

void Scheduler::run_month(const MonthContext& ctx) {
  using clock = std::chrono::steady_clock;
  for (std::size_t i = 0; i < phases_.size(); ++i) {
    const auto t0 = clock::now();
    phases_[i].run(ctx);
    timings_[i].seconds += std::chrono::duration<double>(clock::now() - t0).count();
    ++timings_[i].calls;
  }
}

void Scheduler::add_timing(const std::string& name, double seconds) {
  for (auto& t : timings_) {
    if (t.name == name) {
      t.seconds += seconds;
      ++t.calls;
      return;
    }
  }
  timings_.push_back({name, seconds, 1});
}

std::string Scheduler::profile_table() const {
  double total = 0.0;
  std::size_t width = 5;
  for (const auto& t : timings_) {
    total += t.seconds;
    width = std::max(width, t.name.size());
  }
  std::string out = fmt::format("{:<{}}  {:>7}  {:>10}  {:>10}  {:>6}\n", "phase", width, "calls", "total s",
                                "ms/call", "share");
  for (const auto& t : timings_) {
    out += fmt::format("{:<{}}  {:>7}  {:>10.4f}  {:>10.4f}  {:>5.1f}%\n", t.name, width, t.calls, t.seconds,
                       t.calls ? 1e3 * t.seconds / static_cast<double>(t.calls) : 0.0,
                       total > 0 ? 100.0 * t.seconds / total : 0.0);
  }
  out += fmt::format("{:<{}}  {:>7}  {:>10.4f}\n", "total", width, "", total);
  return out;
}

}  // namespace terrasim::sim
