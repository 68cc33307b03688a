// A running simulation: a scenario, its model's state, the recorder, the
// schedule, and the threads it runs on.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <oneapi/tbb/task_arena.h>

#include "sim/core/model.h"
#include "sim/core/scenario.h"
#include "sim/core/scheduler.h"
#include "sim/record/recorder.h"

namespace terrasim::sim {

inline constexpr const char* kVersion = TERRASIM_VERSION;

class Simulation {
 public:
  // Builds the initial state. `threads` = 0 uses every core.
  explicit Simulation(Scenario scenario, int threads = 0);

  // Restores a checkpoint written by save_checkpoint. Throws CheckpointError
  // for a file that is not a valid checkpoint, ScenarioError if the
  // configuration it holds no longer validates (an incompatible version).
  static std::unique_ptr<Simulation> resume(const std::string& checkpoint_path, int threads = 0);

  int month() const { return month_; }  // months simulated so far
  int months() const { return scenario_.months(); }
  bool done() const { return month_ >= months(); }
  // Counts the changes of state (each step, and a resume): a pointer into
  // the model's or the recorder's storage taken at one generation may be
  // invalid at the next.
  std::uint64_t generation() const { return generation_; }

  // Simulates one month. Throws std::logic_error when done().
  void step();
  // Simulates to the end, or until `keep_going(months_done)` returns false.
  // Returns true when the run is complete.
  bool run(const std::function<bool(int)>& keep_going = {});

  void save_checkpoint(const std::string& path) const;

  const Scenario& scenario() const { return scenario_; }
  const Recorder& recorder() const { return recorder_; }
  const Scheduler& scheduler() const { return scheduler_; }
  Model& model() { return *model_; }
  const Model& model() const { return *model_; }
  int threads() const { return arena_.max_concurrency(); }

  // Lines identifying an output: version, model, scenario and its hashes, seed.
  Recorder::Provenance provenance() const;

 private:
  struct Restoring {};
  Simulation(Scenario scenario, int threads, Restoring);
  void start(int threads);

  Scenario scenario_;
  std::unique_ptr<Model> model_;
  Recorder recorder_;
  Scheduler scheduler_;
  tbb::task_arena arena_;
  int month_ = 0;
  std::uint64_t generation_ = 0;
};

}  // namespace terrasim::sim
