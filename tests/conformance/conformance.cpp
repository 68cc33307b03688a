// The conformance suite (see conformance.h).
#include "tests/conformance/conformance.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace terrasim::testing {

std::string full_output(const sim::Simulation& s) {
  const auto& rec = s.recorder();
  std::string out = rec.series_csv({});
  for (const auto& b : rec.breakdowns()) out += rec.breakdown_csv(b, {});
  out += rec.to_json({});
  return out;
}

// Compares two outputs; on a difference, reports the first line that differs
// (printing whole outputs would drown the report).
::testing::AssertionResult same_text(const std::string& a, const std::string& b) {
  if (a == b) return ::testing::AssertionSuccess();
  std::size_t line = 1, start = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()) && a[i] == b[i]; ++i)
    if (a[i] == '\n') ++line, start = i + 1;
  auto line_of = [&](const std::string& s) { return s.substr(start, s.find('\n', start) - start); };
  return ::testing::AssertionFailure() << "outputs differ from line " << line << ":\n  " << line_of(a) << "\n  "
                                       << line_of(b);
}

std::unique_ptr<sim::Simulation> run_scenario(const std::string& scenario, const std::vector<std::string>& overrides,
                                              int threads) {
  auto s = std::make_unique<sim::Simulation>(sim::load_scenario(scenario, overrides), threads);
  s->run();
  return s;
}

void expect_same_output_across_threads(const std::string& scenario, const std::vector<std::string>& overrides) {
  const std::string one = full_output(*run_scenario(scenario, overrides, 1));
  EXPECT_TRUE(same_text(one, full_output(*run_scenario(scenario, overrides, 2)))) << "1 vs 2 threads, " << scenario;
  EXPECT_TRUE(same_text(one, full_output(*run_scenario(scenario, overrides, 4)))) << "1 vs 4 threads, " << scenario;
}

void expect_seed_reproducibility(const std::string& scenario, const std::vector<std::string>& overrides) {
  auto with_seed = [&](int seed) {
    auto o = overrides;
    o.push_back("seed=" + std::to_string(seed));
    return full_output(*run_scenario(scenario, o, 2));
  };
  const std::string a = with_seed(11);
  EXPECT_TRUE(same_text(a, with_seed(11))) << "the same seed gave two outputs";
  EXPECT_NE(a, with_seed(12)) << "two seeds gave the same output";
}

void expect_invariants_every_month(const std::string& scenario, const std::vector<std::string>& overrides) {
  sim::Simulation s(sim::load_scenario(scenario, overrides), 2);
  auto check = [&] {
    const auto bad = s.model().check_invariants(s.recorder());
    for (const auto& b : bad) ADD_FAILURE() << "month " << s.month() << ": " << b;
    return bad.empty();
  };
  if (!check()) return;
  while (!s.done()) {
    s.step();
    if (!check()) return;
  }
}

void expect_checkpoint_round_trip(const std::string& scenario, const std::vector<std::string>& overrides, int at) {
  const std::string expected = full_output(*run_scenario(scenario, overrides, 2));
  const auto dir = std::filesystem::temp_directory_path() / ("terrasim-ckpt-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string first = (dir / "first.ckpt").string(), second = (dir / "second.ckpt").string();
  {
    sim::Simulation s(sim::load_scenario(scenario, overrides), 2);
    while (s.month() < at) s.step();
    s.save_checkpoint(first);
  }
  auto resumed = sim::Simulation::resume(first, 1);
  ASSERT_EQ(resumed->month(), at);
  resumed->save_checkpoint(second);
  auto slurp = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  EXPECT_TRUE(slurp(first) == slurp(second)) << "a restored state saved again differs from the saved one";
  resumed->run();
  EXPECT_TRUE(same_text(expected, full_output(*resumed))) << "the resumed run differs from the uninterrupted one";
  std::filesystem::remove_all(dir);
}

void run_conformance_suite(const std::string& scenario, const std::vector<std::string>& overrides, int checkpoint_at) {
  SCOPED_TRACE("conformance of " + scenario);
  expect_same_output_across_threads(scenario, overrides);
  expect_seed_reproducibility(scenario, overrides);
  expect_invariants_every_month(scenario, overrides);
  expect_checkpoint_round_trip(scenario, overrides, checkpoint_at);
}

}  // namespace terrasim::testing
