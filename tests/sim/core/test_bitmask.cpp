// Sets of agents as bit masks (sim/core/bitmask.h): made from a byte column,
// counted, and listed in increasing order, against a plain loop.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "sim/core/bitmask.h"

using terrasim::sim::count_bits;
using terrasim::sim::equal_bits;
using terrasim::sim::list_bits;

TEST(Bitmask, EqualBitsMarksTheBytesEqualToTheValueAndNothingPastTheCount) {
  std::mt19937_64 g(7);
  std::vector<std::uint8_t> bytes(64 + 15);
  for (int round = 0; round < 200; ++round) {
    // Few distinct values, 0 and 0xFF among them: the SSE2 compare is signed
    // where the scalar one is not.
    for (auto& b : bytes) b = static_cast<std::uint8_t>(std::uniform_int_distribution<int>(0, 3)(g) * 0x55);
    const std::uint8_t value = static_cast<std::uint8_t>((round % 4) * 0x55);
    for (std::size_t offset : {0, 1, 15}) {  // unaligned loads
      for (std::size_t count = 0; count <= 64; ++count) {
        std::uint64_t want = 0;
        for (std::size_t i = 0; i < count; ++i)
          if (bytes[offset + i] == value) want |= std::uint64_t{1} << i;
        ASSERT_EQ(equal_bits(bytes.data() + offset, count, value), want) << "count " << count << " offset " << offset;
      }
    }
  }
}

TEST(Bitmask, ListsTheSetBitsInIncreasingOrderFromTheFirstIndex) {
  const std::vector<std::uint64_t> words{0x1ull | (1ull << 63), 0, 0xF0ull, ~0ull};
  std::vector<std::uint32_t> out(100, 0xDEAD);
  const std::uint32_t* end = list_bits(words.data(), words.size(), 1000, out.data());
  ASSERT_EQ(end - out.data(), 2 + 4 + 64);
  EXPECT_EQ(count_bits(words.data(), words.size()), 70u);
  EXPECT_EQ(out[0], 1000u);
  EXPECT_EQ(out[1], 1063u);
  EXPECT_EQ(out[2], 1000u + 128 + 4);
  EXPECT_EQ(out[5], 1000u + 128 + 7);
  for (std::uint32_t i = 0; i < 64; ++i) EXPECT_EQ(out[6 + i], 1000u + 192 + i);
  EXPECT_EQ(out[70], 0xDEADu);  // nothing written past the end
  EXPECT_EQ(list_bits(words.data(), 0, 0, out.data()), out.data());
}
