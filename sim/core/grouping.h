// Items with multiplicities, grouped by category (a counting sort).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace terrasim::sim {

// Lists each item i in [0, items) count(i) times in `out`, grouped by
// category(i) in [0, categories), items in increasing order within a group;
// `start[c] .. start[c + 1]` is the part of category c. Used for vacancies by
// zone: drawing an entry of a zone's part uniformly draws a firm of that
// zone with probability proportional to its vacancies. The entries number at
// most 2^31 - 1 (32-bit places); more throws std::length_error, which says
// what `what` names (counted in 64 bits: a sum wrapped past 2^32 gave a
// short list that the entries then overran).
template <class Category, class Count>
void group_with_multiplicity(std::size_t items, std::size_t categories, Category&& category, Count&& count,
                             std::vector<std::uint32_t>& start, std::vector<std::uint32_t>& out,
                             const char* what = "items") {
  std::vector<std::uint64_t> total(categories + 1, 0);
  for (std::size_t i = 0; i < items; ++i)
    if (const std::uint32_t k = count(i)) total[category(i) + 1] += k;
  for (std::size_t c = 0; c < categories; ++c) total[c + 1] += total[c];
  constexpr std::uint64_t kMost = (std::uint64_t{1} << 31) - 1;
  if (total[categories] > kMost)
    throw std::length_error(std::string(what) + ": " + std::to_string(total[categories]) +
                            " in all, more than the " + std::to_string(kMost) + " that can be listed (an entry each)");
  start.assign(total.begin(), total.end());  // each below 2^31
  out.resize(start[categories]);
  std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
  for (std::size_t i = 0; i < items; ++i) {
    const std::uint32_t k = count(i);
    if (k == 0) continue;
    std::uint32_t& at = fill[category(i)];
    for (std::uint32_t j = 0; j < k; ++j) out[at + j] = static_cast<std::uint32_t>(i);
    at += k;
  }
}

}  // namespace terrasim::sim
