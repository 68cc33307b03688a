// Distributions built on Draws, written out so that their bits are ours:
// std::normal_distribution and friends differ between standard libraries,
// which would break "same seed, same answer" across machines.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

#include "sim/rng/philox.h"

namespace terrasim::sim::rng {

// Standard normal by Box-Muller (one value per call; the second is dropped so
// that each draw uses a fixed number of words: two).
inline double normal(Draws& d) {
  const double u1 = d.uniform_positive();
  const double u2 = d.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

inline double exponential(Draws& d) { return -std::log(d.uniform_positive()); }

// Number of failures before the first success of Bernoulli(p) trials, by
// inversion: the gap to the next event when events of probability p are drawn
// by skipping. p in (0, 1]. `log1m_p` = log(1 - p), precomputed by the caller.
inline std::uint64_t geometric_gap(Draws& d, double log1m_p) {
  if (log1m_p == -std::numeric_limits<double>::infinity()) return 0;  // p == 1
  const double g = std::floor(std::log(d.uniform_positive()) / log1m_p);
  if (!(g < 9.0e18)) return std::numeric_limits<std::uint64_t>::max();
  return static_cast<std::uint64_t>(g);
}

// Poisson(mean). Inversion by sequential search for small means; for means of
// 10 and more, Hormann's PTRS transformed rejection ("The transformed
// rejection method for generating Poisson random variables", 1993), whose
// cost does not grow with the mean.
std::uint64_t poisson(Draws& d, double mean);

}  // namespace terrasim::sim::rng
