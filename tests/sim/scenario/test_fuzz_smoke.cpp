// The fuzz harness (tests/fuzz/fuzz_scenario.cpp) on a fixed corpus: every
// file under data/, every truncation of a good file, and byte flips,
// insertions and deletions drawn with a fixed seed. Each input must come
// back (a ScenarioError inside the harness is fine); a crash, another
// exception or, in the sanitizer build, undefined behaviour fails the test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "tests/support/mutations.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

std::string data_dir() { return std::string(TERRASIM_TEST_DATA) + "/data"; }

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void feed(const std::string& input) {
  EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size()), 0);
}

std::vector<std::string> corpus_files() {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(data_dir()))
    if (entry.is_regular_file()) files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(FuzzSmoke, EveryDataFile) {
  const auto files = corpus_files();
  ASSERT_GE(files.size(), 20u);
  for (const auto& f : files) {
    SCOPED_TRACE(f);
    feed(read(f));
  }
}

TEST(FuzzSmoke, EveryTruncationOfAGoodFile) {
  const std::string good = read(data_dir() + "/good.yaml");
  ASSERT_GT(good.size(), 300u);
  for (std::size_t n = 0; n <= good.size(); ++n) feed(good.substr(0, n));
}

TEST(FuzzSmoke, SeededMutations) {
  const std::string good = read(data_dir() + "/good.yaml");
  const std::string bad = read(data_dir() + "/bad_values.yaml");
  std::mt19937_64 rng(20240611);
  for (int round = 0; round < 1500; ++round) feed(terrasim::testing::mutated(round % 3 == 0 ? bad : good, rng, 8, 6));
  // Structures repeated: deep flows, long dash runs, anchors and aliases.
  for (int n : {1, 10, 63, 64, 65, 500, 5000}) {
    feed("a: " + std::string(static_cast<std::size_t>(n), '[') + std::string(static_cast<std::size_t>(n), ']'));
    feed("a: " + std::string(static_cast<std::size_t>(n), '{'));
    std::string dashes = "a:\n";
    for (int i = 0; i < n; ++i) dashes += "- ";
    feed(dashes + "x\n");
    std::string block;
    for (int i = 0; i < n && i < 1100; ++i) block += std::string(static_cast<std::size_t>(i), ' ') + "k:\n";
    feed(block);
  }
  feed("a: &x [*x, *x]\n");
  feed("a: &x {b: *x}\n");
  feed("zones[0].name=Centre\n");
  feed("zones.Centre.share=0.5");
  feed("dock.path={2015-01: 0.1, 2014-01: 2}");
}

}  // namespace
