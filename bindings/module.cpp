// The `terrasim._core` module: the engine's version, then each area's bindings.
#include <pybind11/pybind11.h>

#include "bindings/bindings.h"
#include "sim/core/simulation.h"

PYBIND11_MODULE(_core, m) {
  m.doc() = "terrasim's C++ engine (glue only; use the `terrasim` package)";
  m.attr("__version__") = terrasim::sim::kVersion;
  terrasim::bindings::bind_scenario(m);
  terrasim::bindings::bind_recorder(m);
  terrasim::bindings::bind_simulation(m);
  terrasim::bindings::translate_messages_that_are_not_utf8(m);
}
