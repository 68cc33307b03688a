// Fuzz harness for the models' scenarios: any bytes, as a scenario file of
// the registered models (the docking and territorial models' declarations,
// with their cross-field checks and references), each line "#set PATH=VALUE"
// in it (a YAML comment) applied as a --set override, must give a scenario
// or a ScenarioError whose diagnostics format. Never a crash, a hang,
// another exception or undefined behaviour.
//
// fuzz_scenario fuzzes the loader against a made-up declaration; this one
// reaches what the programs run: the models' checks, the overrides' paths
// into real lists (by index and by name), and the notes an override adds
// to an error, which validate the document again without some overrides.
// `extends` is not followed (no files are read): seed it with complete
// scenarios (`terrasim check --print FILE`, JSON being YAML).
//
// Built three ways:
// - with libFuzzer (TERRASIM_FUZZ=ON, clang: `scripts/fuzz models`);
// - into the test_fuzz_models_smoke GoogleTest with -DTERRASIM_FUZZ_SMOKE,
//   which feeds it the shipped scenarios, mutated with a fixed seed;
// - otherwise as a program that replays the files named on its command line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/model.h"
#include "sim/core/scenario.h"
#include "sim/scenario/error.h"
#include "sim/scenario/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace terrasim::sim;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> overrides, labels;
  for (std::size_t pos = 0; pos < text.size() && overrides.size() < 8;) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    if (line.starts_with("#set ")) {
      overrides.emplace_back(line.substr(5));
      labels.push_back("--set #" + std::to_string(overrides.size()));
    }
    pos = end + 1;
  }
  try {
    Value document = parse_yaml(text, "fuzz.yaml");
    const Scenario s = scenario_from_document(std::move(document), "fuzz.yaml", overrides, ModelRegistry::global(), labels);
    // What the programs do next with an accepted scenario, short of running it.
    (void)s.config.to_json(2);
    (void)s.title();
    (void)month_label(s.start(), s.months());
  } catch (const ScenarioError& e) {
    (void)std::string(e.what());
    for (const Diagnostic& d : e.diagnostics()) (void)ScenarioError::format(d);
  }
  return 0;
}

#if !defined(TERRASIM_FUZZ_SMOKE) && !defined(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
#include "tests/fuzz/replay_main.h"
#endif
