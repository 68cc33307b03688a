// The branch-free selections (sim/util/select.h): the conditional moves and
// the masks give the ternary's value on both sides of every comparison,
// equal values and the ends of the 32-bit range included.
#include "sim/util/select.h"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace terrasim::sim {
namespace {

std::vector<std::uint32_t> edge_values() {
  std::vector<std::uint32_t> v = {0u, 1u, 2u, 255u, 256u, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFEu, 0xFFFFFFFFu};
  // And a spread of others (a fixed LCG: the test needs no randomness).
  std::uint32_t x = 12345u;
  for (int i = 0; i < 40; ++i) v.push_back(x = x * 1664525u + 1013904223u);
  return v;
}

TEST(Select, AboveAndBelowGiveTheTernarysValue) {
  const auto values = edge_values();
  const std::uint32_t a = 0xA5A5A5A5u, b = 0x5A5A5A5Au;
  for (std::uint32_t c : values)
    for (std::uint32_t k : values) {
      EXPECT_EQ(select_if_above(c, k, a, b), c > k ? a : b) << c << " > " << k;
      EXPECT_EQ(select_if_above_masked(c, k, a, b), c > k ? a : b) << c << " > " << k;
      EXPECT_EQ(select_if_below(c, k, a, b), c < k ? a : b) << c << " < " << k;
      EXPECT_EQ(select_if_below_masked(c, k, a, b), c < k ? a : b) << c << " < " << k;
      // The values moved are any: the comparison's own operands too.
      EXPECT_EQ(select_if_above(c, k, k, c), c > k ? k : c);
      EXPECT_EQ(select_if_below(c, k, c, k), c < k ? c : k);
    }
}

}  // namespace
}  // namespace terrasim::sim
