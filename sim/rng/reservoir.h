// Uniform selection of k among candidates met one at a time: reservoir
// sampling (Vitter's Algorithm R).
//
// The first k candidates take the k slots; the c-th after them (c > k)
// takes slot j, j uniform on [0, c), if j < k, replacing the one there.
// After c candidates the slots hold a uniformly chosen min(k, c)-subset of
// them. Which subset depends on the order in which they came and on their
// draws, so callers that want the same result on any number of threads
// must meet each reservoir's candidates in a fixed order.
#pragma once

#include <cstdint>

#include "sim/rng/philox.h"
#include "sim/util/select.h"

namespace terrasim::sim::rng {

// The slot that the c-th candidate (c >= 1, counted from 1) of a reservoir
// of k slots takes: c - 1 while c <= k; otherwise j uniform on [0, c) from
// its 32 random bits, by Lemire's multiply-shift with rejection, so exactly
// uniform (a slot >= k: turned away). A rejection (probability below c /
// 2^32) takes 32 more bits from more_bits(), which is not called otherwise.
template <class MoreBits>
inline std::uint32_t reservoir_slot(std::uint32_t c, std::uint32_t k, std::uint32_t bits, MoreBits&& more_bits) {
  std::uint64_t m = std::uint64_t{bits} * c;
  if (static_cast<std::uint32_t>(m) < c && c > k) [[unlikely]] m = lemire_redraw32(m, c, more_bits);
  // A conditional move rather than a branch: whether the slots are full
  // changes at random points of a stream of candidates to many reservoirs.
  return select_if_above(c, k, static_cast<std::uint32_t>(m >> 32), c - 1);
}

}  // namespace terrasim::sim::rng
