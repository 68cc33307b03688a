// Items with multiplicities, grouped by category (a counting sort).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace terrasim::sim {

// Lists each item i in [0, items) count(i) times in `out`, grouped by
// category(i) in [0, categories), items in increasing order within a group;
// `start[c] .. start[c + 1]` is the part of category c. Used for vacancies by
// zone: drawing an entry of a zone's part uniformly draws a firm of that
// zone with probability proportional to its vacancies.
template <class Category, class Count>
void group_with_multiplicity(std::size_t items, std::size_t categories, Category&& category, Count&& count,
                             std::vector<std::uint32_t>& start, std::vector<std::uint32_t>& out) {
  start.assign(categories + 1, 0);
  for (std::size_t i = 0; i < items; ++i)
    if (const std::uint32_t k = count(i)) start[category(i) + 1] += k;
  for (std::size_t c = 0; c < categories; ++c) start[c + 1] += start[c];
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
