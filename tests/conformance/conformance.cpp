// The conformance suite (see conformance.h).
#include "tests/conformance/conformance.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <typeinfo>
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

void expect_reconfigure_laws(const std::string& scenario, const std::vector<std::string>& overrides, int at,
                             const std::vector<std::string>& change,
                             const std::vector<std::vector<std::string>>& refused) {
  SCOPED_TRACE("reconfiguration laws of " + scenario);
  // The overrides with `more`, which replace those of the same field (a
  // field given twice is refused).
  auto with = [&](const std::vector<std::string>& more) {
    std::vector<std::string> o;
    for (const auto& base : overrides)
      if (std::none_of(more.begin(), more.end(), [&](const std::string& m) {
            return m.substr(0, m.find('=')) == base.substr(0, base.find('='));
          }))
        o.push_back(base);
    o.insert(o.end(), more.begin(), more.end());
    return o;
  };
  const auto original = run_scenario(scenario, overrides, 2);
  const std::string expected = full_output(*original);

  // The identity, and every refusal on the way: nothing changes.
  {
    sim::Simulation s(sim::load_scenario(scenario, overrides), 2);
    while (s.month() < at) s.step();
    for (const auto& bad : refused) {
      const auto generation = s.generation();
      EXPECT_THROW(s.reconfigure(sim::load_scenario(scenario, with(bad))), sim::ReconfigureError)
          << "not refused: " << ::testing::PrintToString(bad);
      EXPECT_EQ(s.generation(), generation) << "a refused reconfiguration changed the state";
    }
    // The same configuration changes nothing: no new model (views stay
    // current), no change recorded (`fork([{}])`'s unchanged variant wrote
    // one in its outputs).
    const auto generation = s.generation();
    s.reconfigure(sim::load_scenario(scenario, overrides));
    EXPECT_EQ(s.generation(), generation) << "the same configuration made a new model";
    s.run();
    EXPECT_TRUE(same_text(expected, full_output(s))) << "reconfiguring with the same configuration changed the run";
    EXPECT_EQ(s.config_history().size(), 1u);
  }

  // The change from month `at`: the first `at` months are the original's,
  // the rest differ, and a checkpoint taken right after the change resumes
  // into the same run, its provenance naming the change.
  const auto dir = std::filesystem::temp_directory_path() / ("terrasim-reconf-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string ckpt = (dir / "reconfigured.ckpt").string();
  std::string changed;
  {
    sim::Simulation s(sim::load_scenario(scenario, overrides), 1);
    while (s.month() < at) s.step();
    s.reconfigure(sim::load_scenario(scenario, with(change)));
    s.save_checkpoint(ckpt);
    s.run();
    changed = full_output(s);
    const auto& a = original->recorder();
    const auto& b = s.recorder();
    bool differs_after = false;
    for (const auto& info : a.series_info()) {
      const auto x = a.series(info.name), y = b.series(info.name);
      for (int t = 0; t < at; ++t)
        EXPECT_EQ(x[t], y[t]) << info.name << " changed before the reconfiguration, month " << t;
      for (std::size_t t = at; t < x.size(); ++t) differs_after |= x[t] != y[t];
    }
    EXPECT_TRUE(differs_after) << "the change had no effect: it cannot test anything";
    bool named = false;
    for (const auto& [key, value] : s.provenance())
      named |= key == "reconfigured" && value.find(s.scenario().config_sha256) != std::string::npos;
    EXPECT_TRUE(named) << "the provenance does not name the reconfiguration";
  }
  auto resumed = sim::Simulation::resume(ckpt, 2);
  ASSERT_EQ(resumed->config_history().size(), 2u);
  EXPECT_EQ(resumed->config_history()[1].month, at);
  resumed->run();
  EXPECT_TRUE(same_text(changed, full_output(*resumed))) << "a reconfigured run resumed differs";
  std::filesystem::remove_all(dir);
}

namespace {
std::string model_state(const sim::Simulation& s) {
  sim::ArchiveWriter out;
  s.model().save(out);
  return out.bytes();
}
}  // namespace

void expect_reconfigure_equals_variant(const std::string& scenario, const std::vector<std::string>& overrides, int at,
                                       const std::vector<std::string>& change) {
  SCOPED_TRACE("reconfiguration of " + scenario + " at month " + std::to_string(at));
  auto variant_overrides = overrides;
  variant_overrides.insert(variant_overrides.end(), change.begin(), change.end());
  const auto variant = run_scenario(scenario, variant_overrides, 2);
  const auto original = run_scenario(scenario, overrides, 2);
  ASSERT_NE(original->recorder().series_csv({}), variant->recorder().series_csv({}))
      << "the change has no effect: it cannot test anything";
  sim::Simulation s(sim::load_scenario(scenario, overrides), 1);
  while (s.month() < at) s.step();
  s.reconfigure(sim::load_scenario(scenario, variant_overrides));
  s.run();
  EXPECT_TRUE(same_text(variant->recorder().series_csv({}), s.recorder().series_csv({})))
      << "the series differ from those of the run that had the change from the start";
  EXPECT_TRUE(model_state(*variant) == model_state(s))
      << "the final state differs from that of the run that had the change from the start";
}

namespace {
struct Mutator {
  std::uint64_t state;
  std::uint64_t next() {  // SplitMix64
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(next() % n) : 0; }
};

// Offsets just after each length-prefixed name (section tags, column names):
// where the lengths and first values of the sections are.
std::vector<std::size_t> section_offsets(const std::string& payload) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i + 8 < payload.size(); ++i) {
    std::uint64_t n = 0;
    std::memcpy(&n, payload.data() + i, 8);
    if (n < 3 || n > 40 || i + 8 + n > payload.size()) continue;
    bool name = true;
    for (std::size_t k = 0; k < n && name; ++k) {
      const char c = payload[i + 8 + k];
      name = (c >= 'a' && c <= 'z') || c == '_' || (c >= '0' && c <= '9');
    }
    if (name) out.push_back(i + 8 + n);
  }
  return out;
}

std::string mutate(const std::string& payload, const std::vector<std::size_t>& sections, Mutator& rng) {
  std::string m = payload;
  const std::size_t at = (rng.next() & 1) && !sections.empty()
                             ? std::min(m.size() - 1, sections[rng.below(sections.size())] + rng.below(48))
                             : rng.below(m.size());
  static constexpr std::uint64_t kValues[] = {0,
                                              ~0ull,
                                              1,
                                              0x7FF8000000000000ull,  // NaN
                                              0x7FF0000000000000ull,  // +inf
                                              0xFFF0000000000000ull,  // -inf
                                              0x4415AF1D78B58C40ull,  // 1e20
                                              0x8000000000000000ull,
                                              0x00000000FFFFFFFFull,
                                              0x000000000000FFFFull,
                                              0x7FFFFFFFFFFFFFFFull};
  switch (rng.below(5)) {
    case 0: m[at] = static_cast<char>(m[at] ^ (1 << rng.below(8))); break;
    case 1: m[at] = static_cast<char>(rng.next()); break;
    case 2: m.resize(at); break;
    case 3: {
      const std::uint64_t v = kValues[rng.below(std::size(kValues))];
      const std::size_t width = std::size_t{1} << rng.below(4);  // 1, 2, 4 or 8 bytes
      std::memcpy(m.data() + at, &v, std::min(width, m.size() - at));
      break;
    }
    default: m.erase(at, 1 + rng.below(16)); break;
  }
  return m;
}
}  // namespace

void expect_corrupt_checkpoints_refused(const std::string& scenario, const std::vector<std::string>& overrides, int at,
                                        int mutants) {
  SCOPED_TRACE("corrupt checkpoints of " + scenario);
  sim::Simulation s(sim::load_scenario(scenario, overrides), 1);
  while (s.month() < at) s.step();
  const std::string payload = s.checkpoint_payload();
  const auto sections = section_offsets(payload);
  ASSERT_GT(sections.size(), 10u);
  Mutator rng{0x5EED0000u + static_cast<std::uint64_t>(at)};
  int refused = 0, restored = 0;
  for (int i = 0; i < mutants; ++i) {
    const std::string bad = mutate(payload, sections, rng);
    if (bad == payload) continue;
    std::unique_ptr<sim::Simulation> r;
    try {
      r = sim::Simulation::resume(sim::ArchiveReader(bad, "mutant " + std::to_string(i)), 1);
    } catch (const sim::CheckpointError&) {
      ++refused;
      continue;
    } catch (const sim::ScenarioError&) {
      ++refused;
      continue;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "mutant " << i << ": refused with " << typeid(e).name() << " instead of CheckpointError: "
                    << e.what();
      continue;
    }
    ++restored;
    for (const auto& why : r->model().check_invariants(r->recorder()))
      ADD_FAILURE() << "mutant " << i << " restored an inconsistent state: " << why;
    try {
      for (int k = 0; k < 2 && !r->done(); ++k) r->step();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "mutant " << i << ": the restored state fails to run: " << e.what();
    }
    if (::testing::Test::HasFailure()) return;  // the first bad mutant is the report
  }
  EXPECT_GT(refused, mutants / 2) << "most corruptions must be refused";
  std::cout << "  " << refused << " corrupt checkpoints refused, " << restored << " restored consistent states\n";
}

void run_conformance_suite(const std::string& scenario, const std::vector<std::string>& overrides, int checkpoint_at) {
  SCOPED_TRACE("conformance of " + scenario);
  expect_same_output_across_threads(scenario, overrides);
  expect_seed_reproducibility(scenario, overrides);
  expect_invariants_every_month(scenario, overrides);
  expect_checkpoint_round_trip(scenario, overrides, checkpoint_at);
}

}  // namespace terrasim::testing
