// Parallel loops over index ranges, for model phases.
//
// Each body receives a half-open range [lo, hi) and must not depend on how
// the range is cut: results are then the same whatever the number of
// threads. On an arena of one thread the body runs once, inline, on the whole
// range, without the task machinery (which costs more than the work in the
// short loops of a month of a small model).
#pragma once

#include <cstddef>
#include <type_traits>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/task_arena.h>

namespace terrasim::sim {

template <class Body>
void for_ranges(std::size_t begin, std::size_t end, std::size_t grain, Body&& body) {
  if (end <= begin) return;
  if (end - begin <= grain || tbb::this_task_arena::max_concurrency() == 1) {
    body(begin, end);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<std::size_t>(begin, end, grain),
                    [&](const tbb::blocked_range<std::size_t>& r) { body(r.begin(), r.end()); });
}

// The sum of body(lo, hi) over the ranges. For integers (exact whatever the
// order of the additions); a floating-point sum would depend on the cuts.
template <class T, class Body>
T sum_ranges(std::size_t begin, std::size_t end, std::size_t grain, Body&& body) {
  static_assert(!std::is_floating_point_v<T>, "floating-point sums depend on the order of additions");
  if (end <= begin) return T{};
  if (end - begin <= grain || tbb::this_task_arena::max_concurrency() == 1) return body(begin, end);
  return tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(begin, end, grain), T{},
      [&](const tbb::blocked_range<std::size_t>& r, T acc) { return acc + body(r.begin(), r.end()); },
      [](T a, T b) { return a + b; });
}

}  // namespace terrasim::sim
