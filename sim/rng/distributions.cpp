// Poisson sampling (see distributions.h).
#include "sim/rng/distributions.h"

#include <cmath>

#include "sim/util/detmath.h"

namespace terrasim::sim::rng {

namespace {
// dmath::lgamma, not the C library's: its bits do not depend on the CPU, and
// it writes no global signgam (std::lgamma does: a data race).
double log_factorial(double k) { return dmath::lgamma(k + 1.0); }
}  // namespace

std::uint64_t poisson(Draws& d, double mean) {
  if (!(mean > 0.0)) return 0;
  if (mean < 10.0) {
    // Inversion: walk the cumulative distribution until it passes u.
    const double u = d.uniform();
    double p = dmath::exp(-mean);
    double cumulative = p;
    std::uint64_t k = 0;
    while (u >= cumulative && k < 1000) {
      ++k;
      p *= mean / static_cast<double>(k);
      cumulative += p;
    }
    return k;
  }
  // PTRS (Hormann 1993).
  const double slam = std::sqrt(mean);
  const double loglam = dmath::log(mean);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double u = d.uniform() - 0.5;
    const double v = d.uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<std::uint64_t>(k);
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    if (dmath::log(v) + dmath::log(inv_alpha) - dmath::log(a / (us * us) + b) <=
        -mean + k * loglam - log_factorial(k)) {
      return static_cast<std::uint64_t>(k);
    }
  }
}

}  // namespace terrasim::sim::rng
