// What the checkpoint harness (fuzz_checkpoint.cpp) did with the inputs it
// was given, counted so that its smoke test can check that a fixed corpus
// reaches every way through it.
#pragma once

namespace terrasim::fuzz {

struct CheckpointHarnessCounts {
  int refused = 0;              // payloads refused by resume
  int restored = 0;             // payloads restored
  int own_configuration = 0;    // restored runs reconfigured with their own configuration
  int overrides_refused = 0;    // overrides that gave no valid configuration (ScenarioError)
  int reconfigure_refused = 0;  // valid configurations the running state could not take (ReconfigureError)
  int reconfigured = 0;         // runs reconfigured with overrides
};

CheckpointHarnessCounts& checkpoint_harness_counts();

}  // namespace terrasim::fuzz
