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

// Reconfiguring a run after `at` months with its own configuration changes
// nothing. Reconfiguring it with `change` keeps the first `at` months and
// changes what follows; the reconfigured run checkpoints and resumes like
// any other, its provenance naming the change. Each of `refused` (override
// lists the running state cannot take) is refused with ReconfigureError and
// leaves the run as it was.
void expect_reconfigure_laws(const std::string& scenario, const std::vector<std::string>& overrides, int at,
                             const std::vector<std::string>& change,
                             const std::vector<std::vector<std::string>>& refused);

// With `change` acting only from month `at` on (a policy that starts then),
// the run reconfigured at `at` has the series and the final state of the
// run that had `change` from the start.
void expect_reconfigure_equals_variant(const std::string& scenario, const std::vector<std::string>& overrides, int at,
                                       const std::vector<std::string>& change);

// A checkpoint of the run after `at` months, corrupted `mutants` ways
// (bits flipped, bytes and numbers overwritten, cut, bytes removed; many
// aimed at the sections' lengths and first values) behind a valid hash:
// every one is either refused with CheckpointError/ScenarioError, or
// restores a state whose accounting identities hold and which runs on
// (so a crafted file can give a wrong but never a crashing simulation).
void expect_corrupt_checkpoints_refused(const std::string& scenario, const std::vector<std::string>& overrides, int at,
                                        int mutants);

// All of the above but the reconfiguration laws and the corruptions.
void run_conformance_suite(const std::string& scenario, const std::vector<std::string>& overrides, int checkpoint_at);

}  // namespace terrasim::testing
