// A running simulation: a scenario, its model's state, the recorder, the
// schedule, and the threads it runs on.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/core/team.h"

#include "sim/core/model.h"
#include "sim/core/scenario.h"
#include "sim/core/scheduler.h"
#include "sim/record/recorder.h"

namespace terrasim::sim {

inline constexpr const char* kVersion = TERRASIM_VERSION;

// A reconfiguration that cannot apply to the running state (nothing changed).
class ReconfigureError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class Simulation {
 public:
  // Builds the initial state. `threads` = 0 uses every core.
  explicit Simulation(Scenario scenario, int threads = 0);

  // Restores a checkpoint written by save_checkpoint. Throws CheckpointError
  // for a file that is not a valid checkpoint, ScenarioError if the
  // configuration it holds no longer validates (an incompatible version).
  static std::unique_ptr<Simulation> resume(const std::string& checkpoint_path, int threads = 0);
  // The same from a checkpoint's payload already read (tests, fuzzing).
  static std::unique_ptr<Simulation> resume(ArchiveReader in, int threads = 0);

  int month() const { return month_; }  // months simulated so far
  int months() const { return scenario_.months(); }
  bool done() const { return month_ >= months(); }
  // Counts the changes of state (each step, and a resume): a pointer into
  // the model's or the recorder's storage taken at one generation may be
  // invalid at the next.
  std::uint64_t generation() const { return generation_; }

  // Simulates one month. Throws std::logic_error when done(). A month that
  // throws halfway (a phase refusing a state, an allocation failing) leaves
  // the state part of a month's: the simulation is then failed(), and a
  // step, run, reconfigure or checkpoint of it throws std::logic_error
  // saying why (the months and series before stay readable).
  void step();
  // Why a month failed, or "".
  const std::string& failed() const { return failed_; }
  // Simulates to the end, or until `keep_going(months_done)` returns false.
  // Returns true when the run is complete.
  bool run(const std::function<bool(int)>& keep_going = {});
  // Calls `work` where the month's phases run: in this simulation's arena,
  // with its team as the current one, so that the model's parallel loops
  // run on the same threads as in step(). For tests and benchmarks that
  // drive one rule of the model by hand.
  void run_on_threads(const std::function<void()>& work);

  // Continues with another configuration of the same scenario from the
  // current month on: a policy that starts, stops or changes its budget, a
  // new link of the territory, another national context... The model is
  // rebuilt from `next` and given the running state (as from a checkpoint),
  // so every parameter read after this month is the new one, and the random
  // numbers are those of the same seed: a variant reconfigured at month m
  // shares its first m months, and its draws, with the original.
  //
  // Refused with ReconfigureError, changing nothing, when `next` names
  // another model, seed or start, has fewer months than already simulated,
  // declares other series or breakdowns (another list of zones, sectors,
  // policies or clusters), does not match the state (say, another number
  // of workers in the docking model), or under which the state breaks the
  // model's accounting identities (a budget below what is already spent),
  // or changes what the model lists as fixed (ModelInfo: the fields that
  // only build the initial state, those that size the run, and what its
  // reconfigure_problem refuses). The same configuration changes nothing.
  void reconfigure(Scenario next);

  // The configurations this run has had: months simulated when it took
  // effect, config SHA-256, source and its file's SHA-256 (if a file); the
  // first entry is month 0, the scenario the run started from.
  struct ConfigChange {
    int month = 0;
    std::string config_sha256;
    std::string source;
    std::string file_sha256;
    std::string config_json;  // the whole configuration, canonical JSON
  };
  const std::vector<ConfigChange>& config_history() const { return history_; }

  void save_checkpoint(const std::string& path) const;
  // What a checkpoint holds between its header and its hash.
  std::string checkpoint_payload() const;

  const Scenario& scenario() const { return scenario_; }
  const Recorder& recorder() const { return recorder_; }
  const Scheduler& scheduler() const { return scheduler_; }
  Model& model() { return *model_; }
  const Model& model() const { return *model_; }
  int threads() const { return team_->size(); }

  // Lines identifying an output: version, model, scenario and its hashes, seed.
  Recorder::Provenance provenance() const;

 private:
  struct Restoring {};
  Simulation(Scenario scenario, int threads, Restoring);
  void start(int threads);
  void write_state(ArchiveWriter& out) const;

  Scenario scenario_;
  std::unique_ptr<Model> model_;
  // The models reconfigure() replaced at this month, freed by the next step:
  // an array over a model's columns (Python's View.array) is valid until the
  // next step, and a reconfigure is none (it freed the columns under it).
  std::vector<std::unique_ptr<Model>> replaced_models_;
  Recorder recorder_;
  Scheduler scheduler_;
  // The threads of the model's loops: the caller's alone for one thread
  // (a team without threads of its own, whose loops run inline).
  std::unique_ptr<Team> team_;
  int month_ = 0;
  std::uint64_t generation_ = 0;
  std::vector<ConfigChange> history_;
  std::string failed_;  // why a month failed halfway (step)
  void refuse_if_failed(const char* what) const;
};

}  // namespace terrasim::sim
