// The docking model built with its test seam (TERRASIM_DOCK_FORCE_OFFER_REDRAWS,
// models/dock/dock.cpp): one application in 256 gives its firm's reservoir
// 32 bits that Lemire's method rejects, so that the redraws from the stream
// dock.offers, below c / 2^32 an application in the real model, happen by
// the hundred. They must be drawn the same on any number of threads, after
// a checkpoint as before it, and leave the lists whole.
#include <gtest/gtest.h>

#include "models/dock/dock.h"
#include "sim/core/simulation.h"
#include "sim/scenario/loader.h"
#include "tests/conformance/conformance.h"
#include "tests/models/dock/lists.h"

using namespace terrasim;
namespace ts = terrasim::testing;
using models::dock::DockModel;
using ts::dock;
using ts::lists_of;

namespace {
const std::string kDefault = std::string(TERRASIM_SOURCE_DIR) + "/scenarios/dock/default.yaml";
const std::string kSmall = std::string(TERRASIM_SOURCE_DIR) + "/scenarios/dock/small.yaml";
}  // namespace

TEST(DockForcedRedraws, SameOnAnyNumberOfThreads) {
  // Enough unemployed for several threads' matching (131,072 workers, a
  // tenth leaving each month), and firms with more applicants than jobs.
  const std::vector<std::string> o = {"months=6", "workers=131072", "firms=12452", "entry_rate=300",
                                      "separation_rate=0.1"};
  std::vector<std::vector<std::vector<std::uint32_t>>> lists;
  std::vector<std::uint64_t> redraws;
  std::vector<std::vector<double>> unemployment;
  // 2 and 4 threads: the offering pipelined; 8: by parts (DockModel::kPipelineThreads).
  static_assert(DockModel::kPipelineThreads >= 4 && DockModel::kPipelineThreads < 8);
  for (const int threads : {1, 2, 4, 8}) {
    const std::uint64_t before = models::dock::forced_offer_redraws_so_far();
    sim::Simulation s(sim::load_scenario(kDefault, o), threads);
    while (!s.done()) {
      s.step();
      for (const auto& bad : s.model().check_invariants(s.recorder()))
        ADD_FAILURE() << threads << " threads, month " << s.month() << ": " << bad;
    }
    redraws.push_back(models::dock::forced_offer_redraws_so_far() - before);
    lists.push_back(lists_of(dock(s)));
    const auto u = s.recorder().series("unemployment_rate");
    unemployment.emplace_back(u.begin(), u.end());
  }
  EXPECT_GT(redraws[0], 100u) << "the seam did not force the redraws";  // 260 in December 2026
  EXPECT_EQ(redraws[1], redraws[0]);
  EXPECT_EQ(redraws[2], redraws[0]);
  EXPECT_EQ(redraws[3], redraws[0]);
  EXPECT_TRUE(lists[1] == lists[0]) << "2 threads";
  EXPECT_TRUE(lists[2] == lists[0]) << "4 threads";
  EXPECT_TRUE(lists[3] == lists[0]) << "8 threads";
  EXPECT_EQ(unemployment[1], unemployment[0]);
  EXPECT_EQ(unemployment[2], unemployment[0]);
  EXPECT_EQ(unemployment[3], unemployment[0]);
}

// Threads, checkpoints and resumption, reconfiguration: every law of the
// conformance suite, with the redraws.
TEST(DockForcedRedraws, ConformanceSuite) {
  const std::uint64_t before = models::dock::forced_offer_redraws_so_far();
  ts::run_conformance_suite(kSmall, {"months=24"}, 17);
  EXPECT_GT(models::dock::forced_offer_redraws_so_far(), before) << "the seam did not force the redraws";
}
