// The areas of the `terrasim._core` module, each bound in its own file.
#pragma once

#include <pybind11/pybind11.h>

namespace terrasim::sim {
class Simulation;
}

namespace terrasim::bindings {

// One call at a time on a Simulation (simulation.cpp). Its long calls
// (step, run, checkpoints, reconfigure) release the GIL, and the engine is
// not to be read or changed by another thread meanwhile: two threads
// stepping one simulation freed its memory twice. A call made while another
// runs raises RuntimeError instead. The bookkeeping is done with the GIL.
class ExclusiveCall {
 public:
  explicit ExclusiveCall(const sim::Simulation& s);  // raises if a call on `s` is running
  ~ExclusiveCall();                                  // with the GIL held
  ExclusiveCall(const ExclusiveCall&) = delete;
  ExclusiveCall& operator=(const ExclusiveCall&) = delete;

 private:
  const void* keys_[2];
};
// Raises RuntimeError if a call on the simulation that owns `object` (the
// simulation or its recorder) is running in another thread.
void check_not_running(const void* object);

void bind_scenario(pybind11::module_& m);    // scenario.cpp: Scenario, ScenarioError, models
void bind_recorder(pybind11::module_& m);    // recorder.cpp: series and breakdowns as NumPy views
void bind_simulation(pybind11::module_& m);  // simulation.cpp: Simulation, checkpoints, agent columns

}  // namespace terrasim::bindings
