// Discrete distributions drawn in O(1) without branches: Walker's alias
// method (Walker, "An efficient method for generating discrete random
// variables with general distributions", ACM TOMS 3(3), 1977), with Vose's
// construction ("A linear algorithm for generating random numbers with a
// given distribution", IEEE TSE 17(9), 1991).
//
// One distribution per row (say, per home zone) over the same categories
// (say, job zones). A draw takes 32 random bits x: the product x * n gives
// the column (its high half) and a uniform fraction inside it (its low half),
// which keeps the column or moves to its alias. Probabilities are resolved to
// about n * 2^-32. A category of zero weight is never returned.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/util/select.h"

namespace terrasim::sim::rng {

class AliasRows {
  // A column's threshold and alias side by side (one load). kAlways keeps
  // every fraction but the last, 2^32 - 1, which moves to the alias, and
  // a column kept always is its own alias: the column in either case.
  struct Column {
    std::uint32_t keep_below;  // keep the column when the fraction is below this
    std::uint32_t alias;
  };
  static constexpr std::uint32_t kAlways = 0xFFFFFFFFu;

 public:
  AliasRows(std::size_t rows, std::size_t categories)
      : n_(categories), column_(rows * categories), total_(rows) {}

  // Fills every row from weight(row, category) >= 0.
  template <class Weight>
  void assign(Weight&& weight) {
    std::vector<double> q(n_);
    std::vector<std::uint32_t> small, large;
    for (std::size_t r = 0; r < total_.size(); ++r) {
      double total = 0;
      for (std::size_t k = 0; k < n_; ++k) total += q[k] = weight(r, k);
      total_[r] = total;
      Column* col = &column_[r * n_];
      if (!(total > 0)) {
        for (std::size_t k = 0; k < n_; ++k) col[k] = {kAlways, static_cast<std::uint32_t>(k)};
        continue;
      }
      std::size_t heaviest = 0;
      small.clear();
      large.clear();
      for (std::size_t k = 0; k < n_; ++k) {
        if (q[k] > q[heaviest]) heaviest = k;
        q[k] *= static_cast<double>(n_) / total;
        (q[k] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(k));
      }
      while (!small.empty() && !large.empty()) {
        const std::uint32_t s = small.back(), l = large.back();
        small.pop_back();
        col[s] = {static_cast<std::uint32_t>(q[s] * 0x1.0p32), l};
        q[l] = std::max(0.0, q[l] - (1.0 - q[s]));
        if (q[l] < 1.0) {
          large.pop_back();
          small.push_back(l);
        }
      }
      // What rounding leaves over is (within rounding) exactly one column;
      // a zero-weight category must still never be returned.
      for (std::uint32_t k : large) col[k] = {kAlways, k};
      for (std::uint32_t k : small) {
        const bool positive = weight(r, k) > 0;
        col[k] = positive ? Column{kAlways, k} : Column{0, static_cast<std::uint32_t>(heaviest)};
      }
    }
  }

  double total(std::size_t row) const { return total_[row]; }

  // One row's distribution: for a caller that draws from one row many times,
  // its place computed once.
  class Row {
   public:
    // The category of 32 random bits x; needs total(row) > 0.
    std::size_t find(std::uint32_t x) const {
      const std::uint64_t m = std::uint64_t{x} * n_;
      const std::uint32_t self = static_cast<std::uint32_t>(m >> 32), frac = static_cast<std::uint32_t>(m);
      const Column c = column_[self];
      // A conditional move, not a branch: which way a draw goes is
      // unpredictable (a plain ternary is GCC's to make a branch of).
      return sim::select_if_below(frac, c.keep_below, self, c.alias);
    }

   private:
    friend class AliasRows;
    Row(const Column* column, std::uint64_t n) : column_(column), n_(n) {}
    const Column* column_;
    std::uint64_t n_;
  };

  Row row(std::size_t r) const { return Row(column_.data() + r * n_, n_); }

  // The category of 32 random bits x for `row`; needs total(row) > 0.
  std::size_t find(std::size_t r, std::uint32_t x) const { return row(r).find(x); }

 private:
  std::size_t n_;
  std::vector<Column> column_;
  std::vector<double> total_;
};

}  // namespace terrasim::sim::rng
