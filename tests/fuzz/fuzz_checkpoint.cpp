// Fuzz harness for restoring checkpoints: any bytes, as a checkpoint's
// payload (what lies between its header and its SHA-256, so that the hash
// does not stop the fuzzer at the door: a crafted file can carry any payload
// with a valid hash), must give a CheckpointError or ScenarioError, or a
// restored simulation whose accounting identities hold and which runs on.
// Never a crash, a hang, another exception or undefined behaviour.
//
// A restored run is then reconfigured, as `terrasim resume CKPT --set
// PATH=VALUE` does it: each line after the input's last "\n#reconfigure\n"
// (at most 8) is an override of the restored configuration, and the bytes
// before that line are the payload. With no override the run is
// reconfigured with its own configuration, which it must take without a
// change to its state. A reconfiguration refused (ScenarioError,
// ReconfigureError) must leave the simulation as it was: its checkpoint the
// same bytes. Whether reconfigured or not, the run steps on with its
// identities holding after every month, makes its outputs, and its
// checkpoint resumes into one that checkpoints to the same bytes.
//
// Built three ways:
// - with clang and libFuzzer (TERRASIM_FUZZ=ON; `scripts/fuzz checkpoint`
//   seeds it with checkpoints of the small dock and territory scenarios,
//   alone and with overrides to reconfigure them);
// - into the test_fuzz_checkpoint_smoke GoogleTest with -DTERRASIM_FUZZ_SMOKE,
//   which feeds it those checkpoints, overrides and corruptions of them;
// - otherwise as a program that replays the payload files named on its
//   command line.
// The conformance suite also corrupts checkpoints this way
// (expect_corrupt_checkpoints_refused). Whole files, header and hash
// included, are fuzz_checkpoint_file's.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "sim/checkpoint/archive.h"
#include "sim/core/simulation.h"
#include "sim/scenario/error.h"
#include "tests/fuzz/fuzz_checkpoint.h"

namespace terrasim::fuzz {
CheckpointHarnessCounts& checkpoint_harness_counts() {
  static CheckpointHarnessCounts counts;
  return counts;
}
}  // namespace terrasim::fuzz

namespace {

using namespace terrasim::sim;

[[noreturn]] void finding(const std::string& what) {
  std::cerr << what << "\n";
  std::abort();
}

void expect_consistent(const Simulation& s, const char* when) {
  if (const auto bad = s.model().check_invariants(s.recorder()); !bad.empty()) finding(std::string(when) + ": " + bad.front());
}

std::string model_state(const Simulation& s) {
  ArchiveWriter out;
  s.model().save(out);
  return out.bytes();
}

// The configuration `s` goes on under: its own with `overrides` applied, the
// way the command line applies `terrasim resume --set`. Refused or not, it
// must leave `s` consistent, and as it was when refused.
void reconfigure(Simulation& s, const std::vector<std::string>& overrides) {
  auto& counts = terrasim::fuzz::checkpoint_harness_counts();
  std::vector<std::string> labels;
  std::string source = "fuzz.ckpt";
  for (const auto& o : overrides) {
    labels.push_back("--set #" + std::to_string(labels.size() + 1));
    source += " --set " + o;
  }
  Scenario next;
  try {
    next = scenario_from_document(s.scenario().config, source, overrides, ModelRegistry::global(), labels);
  } catch (const ScenarioError& e) {
    // The configuration the run has validated once: again, it must.
    if (overrides.empty()) finding(std::string("the restored configuration no longer validates: ") + e.what());
    for (const Diagnostic& d : e.diagnostics()) (void)ScenarioError::format(d);
    ++counts.overrides_refused;
    return;
  }
  const std::string before = s.checkpoint_payload();
  const std::string state = model_state(s);
  const std::uint64_t generation = s.generation();
  try {
    s.reconfigure(std::move(next));
  } catch (const ReconfigureError& e) {
    if (overrides.empty()) finding(std::string("the run refused its own configuration: ") + e.what());
    if (s.checkpoint_payload() != before || s.generation() != generation)
      finding(std::string("a refused reconfiguration changed the run: ") + e.what());
    ++counts.reconfigure_refused;
    return;
  }
  expect_consistent(s, "a reconfiguration left an inconsistent state");
  if (overrides.empty() && model_state(s) != state) finding("the run's own configuration changed its state");
  ++(overrides.empty() ? counts.own_configuration : counts.reconfigured);
}

void run_one(std::string_view input) {
  // The payload, then the overrides.
  constexpr std::string_view kMarker = "\n#reconfigure\n";
  std::vector<std::string> overrides;
  std::string_view payload = input;
  if (const std::size_t at = input.rfind(kMarker); at != std::string_view::npos) {
    payload = input.substr(0, at);
    const std::string_view text = input.substr(at + kMarker.size());
    for (std::size_t pos = 0; pos < text.size() && overrides.size() < 8;) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      if (end > pos) overrides.emplace_back(text.substr(pos, end - pos));
      pos = end + 1;
    }
  }

  std::unique_ptr<Simulation> s;
  try {
    s = Simulation::resume(ArchiveReader(std::string(payload), "fuzz.ckpt"), 1);
  } catch (const CheckpointError&) {
    ++terrasim::fuzz::checkpoint_harness_counts().refused;
    return;
  } catch (const ScenarioError&) {
    ++terrasim::fuzz::checkpoint_harness_counts().refused;
    return;
  }
  ++terrasim::fuzz::checkpoint_harness_counts().restored;
  // resume() refuses a state whose identities fail; the months after it
  // must keep them too (a state that passes the checks and goes wrong while
  // stepping would otherwise be found only if it crashed).
  expect_consistent(*s, "restored an inconsistent state");
  reconfigure(*s, overrides);
  for (int k = 0; k < 2 && !s->done(); ++k) {
    s->step();  // an exception here escapes: a finding
    expect_consistent(*s, "a restored state stepped into an inconsistent one");
  }
  // The outputs of a restored run are made as a finished run's are.
  const auto header = s->provenance();
  (void)s->recorder().series_csv(header);
  for (const auto& b : s->recorder().breakdowns()) (void)s->recorder().breakdown_csv(b, header);
  // What it has become checkpoints and resumes like any run (a
  // configuration history the reader refuses, a state saved that does not
  // load: an exception here escapes).
  const std::string saved = s->checkpoint_payload();
  if (Simulation::resume(ArchiveReader(saved, "fuzz.ckpt (saved again)"), 1)->checkpoint_payload() != saved)
    finding("a checkpoint resumed does not checkpoint to the same bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  run_one(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

#if !defined(TERRASIM_FUZZ_SMOKE) && !defined(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
#include "tests/fuzz/replay_main.h"
#endif
