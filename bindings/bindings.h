// The areas of the `terrasim._core` module, each bound in its own file.
#pragma once

#include <pybind11/pybind11.h>

namespace terrasim::bindings {

void bind_scenario(pybind11::module_& m);    // scenario.cpp: Scenario, ScenarioError, models
void bind_recorder(pybind11::module_& m);    // recorder.cpp: series and breakdowns as NumPy views
void bind_simulation(pybind11::module_& m);  // simulation.cpp: Simulation, checkpoints, agent columns

}  // namespace terrasim::bindings
