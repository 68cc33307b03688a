// Items listed with their multiplicities, grouped by category: the rule the
// vacancies of the territorial model are drawn from.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/core/grouping.h"

using terrasim::sim::group_with_multiplicity;

TEST(Grouping, ListsEachItemItsCountTimesByCategoryInItemOrder) {
  const std::vector<std::uint32_t> category{1, 0, 1, 2, 0};
  const std::vector<std::uint32_t> count{2, 1, 0, 3, 2};
  std::vector<std::uint32_t> start, out;
  group_with_multiplicity(5, 3, [&](std::size_t i) { return category[i]; }, [&](std::size_t i) { return count[i]; },
                          start, out);
  EXPECT_EQ(start, (std::vector<std::uint32_t>{0, 3, 5, 8}));
  EXPECT_EQ(out, (std::vector<std::uint32_t>{1, 4, 4, 0, 0, 3, 3, 3}));
}

TEST(Grouping, RefusesMoreEntriesThanThirtyTwoBitPlacesRatherThanWrapping) {
  // Three items of 2^31 each: 6 * 2^30 entries, which wrapped past 2^32 to
  // 2^31, a list too short for the entries then written (a crash).
  std::vector<std::uint32_t> start, out;
  try {
    group_with_multiplicity(3, 2, [](std::size_t i) { return static_cast<std::uint32_t>(i % 2); },
                            [](std::size_t) { return std::uint32_t{1} << 31; }, start, out, "the vacancies");
    FAIL() << "listed " << out.size() << " entries";
  } catch (const std::length_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "the vacancies: 6442450944 in all, more than the 2147483647 that can be listed (an entry each)");
  }
  EXPECT_TRUE(out.empty());  // nothing allocated
}
