// Sampling without replacement.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "sim/rng/philox.h"

namespace terrasim::sim::rng {

// The running sums of weights `w`: the table index_from_cumulative draws from.
inline std::vector<double> cumulative(const std::vector<double>& w) {
  std::vector<double> c(w.size());
  std::partial_sum(w.begin(), w.end(), c.begin());
  return c;
}

// The index drawn by u (uniform on [0, 1)) from cumulative weights `cum`
// (non-decreasing): the number of weights <= u * total, what std::upper_bound
// finds, capped at the last index; 0 if there is no positive weight. Small
// tables are counted rather than searched: a search's branches mispredict on
// every other draw, and a few dozen comparisons cost less.
inline std::size_t index_from_cumulative(double u, const std::vector<double>& cum) {
  if (cum.empty() || !(cum.back() > 0)) return 0;
  const double x = u * cum.back();
  std::size_t below = 0;
  if (cum.size() <= 64) {
    for (const double c : cum) below += c <= x;
  } else {
    below = static_cast<std::size_t>(std::upper_bound(cum.begin(), cum.end(), x) - cum.begin());
  }
  return std::min<std::size_t>(below, cum.size() - 1);
}

// Writes k distinct integers drawn uniformly from [0, n) to out[0..k), in
// increasing order: every k-subset is equally likely. Floyd's algorithm
// (Bentley & Floyd, "Programming pearls: a sample of brilliance", 1987):
// exactly k draws, whatever n. Needs k <= n. The membership test is a scan of
// the chosen for k up to 64 (fastest for the small k of dismissals and
// offers), and a bitmap of n bits in `scratch` above (a scan made a firm
// dismissing 500,000 of 10^6 employees take minutes); both choose the same.
template <class G, class T>
void sample_sorted(G& d, std::uint64_t n, std::uint64_t k, T* out, std::vector<std::uint64_t>& scratch) {
  if (k == 1) {  // the common case, the same draw without the loop and the sort
    out[0] = static_cast<T>(d.below(n));
    return;
  }
  if (k <= 64) {
    std::uint64_t taken = 0;
    for (std::uint64_t j = n - k; j < n; ++j) {
      const auto t = static_cast<T>(d.below(j + 1));
      const bool dup = std::find(out, out + taken, t) != out + taken;
      out[taken++] = dup ? static_cast<T>(j) : t;
    }
    std::sort(out, out + k);
    return;
  }
  scratch.assign((n + 63) / 64, 0);
  for (std::uint64_t j = n - k; j < n; ++j) {
    const std::uint64_t t = d.below(j + 1);
    const std::uint64_t pick = (scratch[t >> 6] >> (t & 63)) & 1 ? j : t;
    scratch[pick >> 6] |= std::uint64_t{1} << (pick & 63);
  }
  std::uint64_t taken = 0;
  for (std::uint64_t w = 0; w < scratch.size(); ++w)
    for (std::uint64_t bits = scratch[w]; bits != 0; bits &= bits - 1)
      out[taken++] = static_cast<T>(w * 64 + static_cast<std::uint64_t>(std::countr_zero(bits)));
}

template <class G, class T>
void sample_sorted(G& d, std::uint64_t n, std::uint64_t k, T* out) {
  std::vector<std::uint64_t> scratch;
  sample_sorted(d, n, k, out, scratch);
}

}  // namespace terrasim::sim::rng
