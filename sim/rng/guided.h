// Discrete distributions by cumulative weights, drawn in O(1) expected time.
//
// One distribution per row (say, per home zone) over the same categories
// (say, job zones). A draw of u uniform on [0, 1) returns the first category
// whose cumulative weight exceeds u times the row's total, found by indexed
// search (Chen & Asau, "On generating random variates from an empirical
// distribution", 1974): guide[g] is the first category whose cumulative
// weight passes g/G of the total, where the search starts; it rarely moves
// on more than once. A category of zero weight is never returned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace terrasim::sim::rng {

class GuidedRows {
 public:
  static constexpr std::size_t kGuide = 64;
  static constexpr std::size_t kCounted = 16;

  GuidedRows(std::size_t rows, std::size_t categories)
      : n_(categories), cum_(rows * categories), guide_(rows * kGuide) {}

  // Fills every row from weight(row, category) >= 0.
  template <class Weight>
  void assign(Weight&& weight) {
    const std::size_t rows = guide_.size() / kGuide;
    for (std::size_t r = 0; r < rows; ++r) {
      double* cum = &cum_[r * n_];
      double acc = 0;
      for (std::size_t k = 0; k < n_; ++k) {
        acc += weight(r, k);
        cum[k] = acc;
      }
      std::size_t k = 0;
      for (std::size_t g = 0; g < kGuide; ++g) {
        while (k + 1 < n_ && cum[k] <= acc * static_cast<double>(g) / kGuide) ++k;
        guide_[r * kGuide + g] = static_cast<std::uint32_t>(k);
      }
    }
  }

  double total(std::size_t row) const { return cum_[row * n_ + n_ - 1]; }

  // The category of u in [0, 1) for `row`; needs total(row) > 0. The guide
  // entry of u is never past the answer: u >= g/G makes u * total >= the
  // guide's threshold, both being correctly rounded products.
  std::size_t find(std::size_t row, double u) const {
    const double* cum = &cum_[row * n_];
    const double x = u * cum[n_ - 1];
    // Up to kCounted categories, the answer counted without a branch: the
    // categories whose cumulative weight x has reached, a prefix since
    // the weights are not negative; the same answer as the search below,
    // whose exits the draw decides (a mispredicted branch at most draws).
    if (n_ <= kCounted) {
      std::size_t k = 0;
      for (std::size_t c = 0; c + 1 < n_; ++c) k += cum[c] <= x;
      return k;
    }
    std::size_t k = guide_[row * kGuide + static_cast<std::size_t>(u * kGuide)];
    while (k + 1 < n_ && x >= cum[k]) ++k;
    return k;
  }

 private:
  std::size_t n_;
  std::vector<double> cum_;
  std::vector<std::uint32_t> guide_;
};

}  // namespace terrasim::sim::rng
