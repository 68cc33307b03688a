// The conformance suite: the laws every model must keep, as functions that
// each model's tests call with its own scenarios.
//
//   TEST(DockConformance, DeterministicAcrossThreads) {
//     terrasim::testing::expect_same_output_across_threads(scenario, {"months=24"});
//   }
#pragma once

#include <string>
#include <vector>

#include "sim/core/simulation.h"

namespace terrasim::testing {

// Everything a run produced, as text: series and breakdowns in CSV and JSON.
std::string full_output(const sim::Simulation& s);

// Runs `scenario` (with `overrides`) to the end on `threads` threads.
std::unique_ptr<sim::Simulation> run_scenario(const std::string& scenario, const std::vector<std::string>& overrides,
                                              int threads);

// Byte-identical output with 1, 2 and 4 threads.
void expect_same_output_across_threads(const std::string& scenario, const std::vector<std::string>& overrides);

// The same seed twice gives the same output; another seed gives another.
void expect_seed_reproducibility(const std::string& scenario, const std::vector<std::string>& overrides);

// The model's accounting identities hold on the initial state and after
// every month.
void expect_invariants_every_month(const std::string& scenario, const std::vector<std::string>& overrides);

// A run saved after `at` months and resumed (on another number of threads)
// ends with exactly the output of an uninterrupted run; a second checkpoint
// of the resumed run is byte-identical to the first.
void expect_checkpoint_round_trip(const std::string& scenario, const std::vector<std::string>& overrides, int at);

// All of the above.
void run_conformance_suite(const std::string& scenario, const std::vector<std::string>& overrides, int checkpoint_at);

}  // namespace terrasim::testing
