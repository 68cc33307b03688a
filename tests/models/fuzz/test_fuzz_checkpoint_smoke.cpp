// The checkpoint harness (tests/fuzz/fuzz_checkpoint.cpp) on a fixed corpus:
// payloads of small dock and territory checkpoints, alone (reconfigured
// with their own configuration), with overrides the running state takes,
// overrides it refuses and overrides that give no valid configuration, and
// the payloads and the overrides mutated with a fixed seed. Each input must
// come back (a refusal inside the harness is fine); a crash, another
// exception, a refused reconfiguration that changed the run, a broken
// identity or, in the sanitizer builds, undefined behaviour fails the test.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_checkpoint.h"
#include "tests/models/fuzz/checkpoint_seeds.h"
#include "tests/support/mutations.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using namespace terrasim;
namespace ts = terrasim::testing;

void feed(const std::string& input) {
  EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size()), 0);
}

std::string with_overrides(const std::string& payload, const std::vector<std::string>& overrides) {
  std::string input = payload + "\n#reconfigure\n";
  for (const auto& o : overrides) input += o + "\n";
  return input;
}

// Overrides of each model: taken by a run at month 3 of 6 (a rate, a
// policy, more months or fewer but not fewer than done), refused by it
// (seed, start, population, fewer months than done, names that are its
// series, a budget below what is spent), or no valid configuration at all.
const std::vector<std::string> kDockOverrides = {
    "separation_rate=0.03", "months=8",     "months=4",          "applications=5", "exit_rate=0.02",
    "title=\"A\\0B\\a\"",   "seed=5",       "start=2016-01",     "workers=10001",  "months=2",
    "zones.Centre.name=Middle", "firms=60", "separation_rate=2", "nonsense",       "zones[99].x_km=1",
    "workers=abc"};
const std::vector<std::string> kTerritoryOverrides = {
    "workers.separation_rate=0.03", "months=9", "months=3", "policies.portal.enabled=false",
    "policies.hiring_subsidy.enabled=true", "policies.hiring_subsidy.start=2015-04",
    "policies.hiring_subsidy.budget_eur=400000", "seed=3", "clusters.numerique.name=design",
    "policies.portal.budget_eur=1", "months=2", "scale=0.5", "zones.amiens_ville.name=x",
    "workers.separation_rate=-1", "policies.nowhere.enabled=true", "zones[0]"};

TEST(FuzzCheckpointSmoke, ReconfiguredAfterResume) {
  auto& counts = fuzz::checkpoint_harness_counts();
  counts = {};
  std::mt19937_64 rng(20261211);
  for (const auto& seed : ts::seed_checkpoints()) {
    SCOPED_TRACE(seed.name);
    const auto& sets = seed.name == "dock" ? kDockOverrides : kTerritoryOverrides;
    feed(seed.payload);
    for (const auto& set : sets) feed(with_overrides(seed.payload, {set}));
    for (int k = 0; k < 12; ++k) {  // two to four at once
      std::vector<std::string> some;
      for (int n = 2 + static_cast<int>(rng() % 3); n > 0; --n) some.push_back(sets[rng() % sets.size()]);
      feed(with_overrides(seed.payload, some));
    }
    // The overrides' text mutated, as libFuzzer mutates it.
    for (int k = 0; k < 12; ++k)
      feed(with_overrides(seed.payload, {ts::mutated(sets[rng() % sets.size()], rng, 3, 4)}));
  }
  // Every way through the harness was taken.
  EXPECT_GT(counts.own_configuration, 0);
  EXPECT_GT(counts.reconfigured, 0);
  EXPECT_GT(counts.reconfigure_refused, 0);
  EXPECT_GT(counts.overrides_refused, 0);
}

TEST(FuzzCheckpointSmoke, CorruptPayloadsWithAndWithoutOverrides) {
  auto& counts = fuzz::checkpoint_harness_counts();
  counts = {};
  std::mt19937_64 rng(20261212);
  for (const auto& seed : ts::seed_checkpoints()) {
    SCOPED_TRACE(seed.name);
    const auto& sets = seed.name == "dock" ? kDockOverrides : kTerritoryOverrides;
    for (std::size_t n = 0; n < seed.payload.size(); n += 1 + seed.payload.size() / 40) feed(seed.payload.substr(0, n));
    for (int round = 0; round < 40; ++round) {
      const std::string bad = ts::mutated(seed.payload, rng, 3, 8);
      feed(round % 2 ? bad : with_overrides(bad, {sets[rng() % sets.size()]}));
    }
  }
  EXPECT_GT(counts.refused, 0);
  EXPECT_GT(counts.restored, 0) << "some corruptions restore (a number changed in range), and go on";
}

}  // namespace
