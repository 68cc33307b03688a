// The models' fuzz harness (tests/fuzz/fuzz_models.cpp) on a fixed corpus:
// every shipped scenario, complete (its configuration as `terrasim check
// --print` writes it: JSON, which the YAML loader reads), alone,
// with overrides that break checks elsewhere in the file, and with byte
// flips, insertions and deletions drawn with a fixed seed. Each input must
// come back (a ScenarioError inside the harness is fine); a crash, another
// exception or, in the sanitizer builds, undefined behaviour fails the test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "sim/core/model.h"
#include "sim/core/scenario.h"
#include "sim/scenario/loader.h"
#include "tests/support/mutations.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;
using namespace terrasim;

void feed(const std::string& input) {
  EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size()), 0);
}

// The shipped scenarios, each complete (defaults filled in, `extends` merged) as JSON.
std::vector<std::pair<std::string, std::string>> shipped() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const char* dir : {"dock", "amiens"})
    for (const auto& entry : fs::directory_iterator(fs::path(TERRASIM_SOURCE_DIR) / "scenarios" / dir)) {
      if (entry.path().extension() != ".yaml" || entry.path().filename() == "forecast.yaml") continue;
      out.emplace_back(entry.path().string(), sim::load_scenario(entry.path().string()).config.to_json(2));
    }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(FuzzModelsSmoke, TheShippedScenariosAreAcceptedAsTheHarnessReadsThem) {
  const auto scenarios = shipped();
  ASSERT_GE(scenarios.size(), 8u);
  for (const auto& [file, text] : scenarios) {
    SCOPED_TRACE(file);
    // What the harness parses and validates, checked here to be accepted:
    // the corpus below starts from valid scenarios of both models.
    EXPECT_NO_THROW(sim::scenario_from_document(sim::parse_yaml(text, "fuzz.yaml"), "fuzz.yaml"));
    feed(text);
  }
}

TEST(FuzzModelsSmoke, OverridesThatBreakChecksElsewhere) {
  // Renamed zones that links and policies name, windows turned inside out,
  // shares and labour forces that no longer add up, names made twice,
  // indexes and names that do not exist, values of the wrong kind.
  const std::vector<std::string> sets = {
      "zones[0].name=elsewhere", "zones[1].name=amiens_ville", "zones.amiens_ville.labour_force=1",
      "zones[2].labour_force=0", "zones.Centre.worker_share=0.9", "zones[0].kind=outside",
      "policies.portal.start=2030-01", "policies.portal.end=2014-01", "policies.training[0].name=x",
      "links[0].to=amiens_ville", "links[5].minutes=-3", "sectors[0].name=industry", "clusters[0].site=nowhere",
      "investors.0.name=startups", "policies.events=[{name: a, kind: closure, month: 2016-01, zone: couronne_nord, "
      "sector: industry, jobs: 100000}]",
      "months=0", "seed=-1", "start=2015-13", "workers=3", "firms=0", "applications=99", "zones[99].x=1",
      "zones.nowhere.x=1", "title=[1, 2]", "scale=1e-9"};
  const auto scenarios = shipped();
  std::mt19937_64 rng(20261206);
  for (const auto& [file, text] : scenarios) {
    SCOPED_TRACE(file);
    for (const auto& set : sets) feed("#set " + set + "\n" + text);
    for (int k = 0; k < 20; ++k) {  // two to four at once
      std::string input;
      for (int n = 2 + static_cast<int>(rng() % 3); n > 0; --n) input += "#set " + sets[rng() % sets.size()] + "\n";
      feed(input + text);
    }
  }
}

TEST(FuzzModelsSmoke, SeededMutations) {
  const auto scenarios = shipped();
  std::mt19937_64 rng(20261207);
  for (const auto& [file, text] : scenarios) {
    SCOPED_TRACE(file);
    for (int round = 0; round < 60; ++round) feed(terrasim::testing::mutated(text, rng, 6, 12));
  }
}

}  // namespace
