// Sampling without replacement.
#pragma once

#include <algorithm>
#include <cstdint>

#include "sim/rng/philox.h"

namespace terrasim::sim::rng {

// Writes k distinct integers drawn uniformly from [0, n) to out[0..k), in
// increasing order: every k-subset is equally likely. Floyd's algorithm
// (Bentley & Floyd, "Programming pearls: a sample of brilliance", 1987):
// exactly k draws, whatever n. Needs k <= n. The membership test is linear,
// which is fastest for the small k of dismissals and offers.
template <class G, class T>
void sample_sorted(G& d, std::uint64_t n, std::uint64_t k, T* out) {
  if (k == 1) {  // the common case, the same draw without the loop and the sort
    out[0] = static_cast<T>(d.below(n));
    return;
  }
  std::uint64_t taken = 0;
  for (std::uint64_t j = n - k; j < n; ++j) {
    const auto t = static_cast<T>(d.below(j + 1));
    const bool dup = std::find(out, out + taken, t) != out + taken;
    out[taken++] = dup ? static_cast<T>(j) : t;
  }
  std::sort(out, out + k);
}

}  // namespace terrasim::sim::rng
