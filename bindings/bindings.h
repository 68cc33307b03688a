// The areas of the `terrasim._core` module, each bound in its own file.
#pragma once

#include <pybind11/pybind11.h>

#include <string_view>

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

// A file name from the engine (bytes, which need not be UTF-8) as Python's
// os.fsdecode gives it: a str that Python's file functions, and the
// engine's, take back as the same bytes (b"sc\xe9" as "sc\udce9").
pybind11::str file_name_str(std::string_view bytes);
// Text from the engine (a message, which may name such a file) as a str,
// its bytes that are not UTF-8 written \xNN (errors="backslashreplace"):
// "sc\\xe9.yaml", as the run's provenance writes the name.
pybind11::str text_str(std::string_view bytes);
// Registered last (text.cpp): an engine exception whose message is not UTF-8
// is raised as the type it would be, its message made with text_str.
void translate_messages_that_are_not_utf8(pybind11::module_& m);

void bind_scenario(pybind11::module_& m);    // scenario.cpp: Scenario, ScenarioError, models
void bind_recorder(pybind11::module_& m);    // recorder.cpp: series and breakdowns as NumPy views
void bind_simulation(pybind11::module_& m);  // simulation.cpp: Simulation, checkpoints, agent columns

}  // namespace terrasim::bindings
