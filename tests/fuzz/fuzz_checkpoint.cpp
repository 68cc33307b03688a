// Fuzz harness for restoring checkpoints: any bytes, as a checkpoint's
// payload (what lies between its header and its SHA-256, so that the hash
// does not stop the fuzzer at the door: a crafted file can carry any payload
// with a valid hash), must give a CheckpointError or ScenarioError, or a
// restored simulation whose accounting identities hold and which runs on.
// Never a crash, a hang, another exception or undefined behaviour.
//
// Built with clang and libFuzzer (TERRASIM_FUZZ=ON; `scripts/fuzz checkpoint`
// seeds it with checkpoints of the small dock and territory scenarios), or by
// any compiler as a program that replays the payload files named on its
// command line. The GoogleTest conformance suite runs a fixed set of
// mutations of the same kind (expect_corrupt_checkpoints_refused).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>

#include "sim/checkpoint/archive.h"
#include "sim/core/simulation.h"
#include "sim/scenario/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace terrasim::sim;
  std::unique_ptr<Simulation> s;
  try {
    s = Simulation::resume(ArchiveReader(std::string(reinterpret_cast<const char*>(data), size), "fuzz.ckpt"), 1);
  } catch (const CheckpointError&) {
    return 0;
  } catch (const ScenarioError&) {
    return 0;
  }
  // resume() refuses a state whose identities fail; the months after it
  // must keep them too (a state that passes the checks and goes wrong while
  // stepping would otherwise be found only if it crashed).
  auto expect_consistent = [&](const char* when) {
    if (const auto bad = s->model().check_invariants(s->recorder()); !bad.empty()) {
      std::cerr << when << ": " << bad.front() << "\n";
      std::abort();
    }
  };
  expect_consistent("restored an inconsistent state");
  for (int k = 0; k < 2 && !s->done(); ++k) {
    s->step();  // an exception here escapes: a finding
    expect_consistent("a restored state stepped into an inconsistent one");
  }
  // The outputs of a restored run are made as a finished run's are.
  const auto header = s->provenance();
  (void)s->recorder().series_csv(header);
  for (const auto& b : s->recorder().breakdowns()) (void)s->recorder().breakdown_csv(b, header);
  return 0;
}

#if !defined(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
#include "tests/fuzz/replay_main.h"
#endif
