// Distributions built on Draws, written out so that their bits are ours:
// std::normal_distribution and friends differ between standard libraries,
// which would break "same seed, same answer" across machines. For the same
// reason logarithms are dmath::log (sim/util/detmath.h), not the C library's,
// whose last bit depends on the CPU; sqrt is correctly rounded everywhere.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "sim/rng/philox.h"
#include "sim/util/detmath.h"

namespace terrasim::sim::rng {

// Standard normal by Marsaglia's polar method (one value per call; its twin
// is dropped so that a draw depends on nothing but its own words). No
// trigonometry; about 1.27 pairs of words per value.
template <class G>
double normal(G& d) {
  for (;;) {
    const double u = 2.0 * d.uniform() - 1.0;
    const double v = 2.0 * d.uniform() - 1.0;
    const double s = u * u + v * v;
    if (s < 1.0 && s > 0.0) return u * std::sqrt(-2.0 * dmath::log(s) / s);
  }
}

template <class G>
double exponential(G& d) { return -dmath::log(d.uniform_positive()); }

// Number of failures before the first success of Bernoulli(p) trials, by
// inversion: the gap to the next event when events of probability p are drawn
// by skipping. p in (0, 1]. `log1m_p` = log(1 - p), precomputed by the caller
// (with dmath::log1p, for the same bits everywhere).
template <class G>
std::uint64_t geometric_gap(G& d, double log1m_p) {
  if (log1m_p == -std::numeric_limits<double>::infinity()) return 0;  // p == 1
  const double g = std::floor(dmath::log(d.uniform_positive()) / log1m_p);
  if (!(g < 9.0e18)) return std::numeric_limits<std::uint64_t>::max();
  return static_cast<std::uint64_t>(g);
}

// Poisson(mean). Inversion by sequential search for small means; for means of
// 10 and more, Hormann's PTRS transformed rejection ("The transformed
// rejection method for generating Poisson random variables", 1993), whose
// cost does not grow with the mean.
std::uint64_t poisson(Draws& d, double mean);

}  // namespace terrasim::sim::rng
