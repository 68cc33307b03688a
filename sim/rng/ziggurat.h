// Standard normal draws by the ziggurat method (Marsaglia & Tsang, "The
// ziggurat method for generating random variables", JSS 5(8), 2000), with
// 128 layers. About 99% of draws cost one word, one table comparison and one
// multiplication, against a logarithm and a square root for the polar
// method. Following Doornik ("An improved ziggurat method to generate
// normal random samples", 2005), the layer comes from other bits of the word
// than the value, so that the two are independent.
//
// The tables are computed once with the deterministic dmath functions, so
// the draws are the same bits on every machine.
#pragma once

#include <cmath>
#include <cstdint>

#include "sim/util/detmath.h"

namespace terrasim::sim::rng {

namespace detail {
struct ZigguratTables {
  static constexpr int kLayers = 128;
  static constexpr double kR = 3.442619855899;  // start of the tail
  double x[kLayers + 1];                         // layer edges, x[0] = V / f(R)
  double f[kLayers + 1];                         // density at the edges
  ZigguratTables() {
    const double v = 9.91256303526217e-3;  // area of each layer
    const double fr = dmath::exp(-0.5 * kR * kR);
    x[0] = v / fr;
    f[0] = 0.0;
    x[1] = kR;
    f[1] = fr;
    for (int i = 2; i < kLayers; ++i) {
      x[i] = std::sqrt(-2.0 * dmath::log(v / x[i - 1] + f[i - 1]));
      f[i] = dmath::exp(-0.5 * x[i] * x[i]);
    }
    x[kLayers] = 0.0;
    f[kLayers] = 1.0;
  }
};
inline const ZigguratTables& ziggurat_tables() {
  static const ZigguratTables tables;
  return tables;
}
}  // namespace detail

namespace detail {
// The draw once its first word `w` has fallen outside its layer's rectangle
// (about 1% of draws): the tail, the wedge, or another word. Kept out of line
// so that the common case inlines into the callers' loops.
template <class G>
[[gnu::noinline]] double normal_ziggurat_rest(G& d, std::uint64_t w) {
  const auto& t = ziggurat_tables();
  for (;;) {
    const int i = static_cast<int>(w & 127u);
    const double u = 2.0 * (static_cast<double>(w >> 11) * 0x1.0p-53) - 1.0;
    const double z = u * t.x[i];
    if (std::fabs(z) < t.x[i + 1]) return z;  // inside the layer's rectangle: accept
    if (i == 0) {
      // The tail beyond R (Marsaglia 1964).
      double a, b;
      do {
        a = -dmath::log(d.uniform_positive()) / ZigguratTables::kR;
        b = -dmath::log(d.uniform_positive());
      } while (b + b < a * a);
      return u > 0 ? ZigguratTables::kR + a : -ZigguratTables::kR - a;
    }
    // The wedge between the rectangle and the curve.
    if (t.f[i] + d.uniform() * (t.f[i + 1] - t.f[i]) < dmath::exp(-0.5 * z * z)) return z;
    w = d.bits();
  }
}
}  // namespace detail

// The tables for a caller drawing many normals: normal_ziggurat(d, t) then
// skips the check, at each draw, that they are built (a local static's).
inline const detail::ZigguratTables& ziggurat_tables() { return detail::ziggurat_tables(); }

// A standard normal draw. Layer i (1..127) spans |z| in [x[i+1], x[i]); layer
// 0 is the base strip and the tail beyond R. `t` is ziggurat_tables().
template <class G>
inline double normal_ziggurat(G& d, const detail::ZigguratTables& t) {
  const std::uint64_t w = d.bits();
  const int i = static_cast<int>(w & 127u);
  // A uniform on (-1, 1) from the top 53 bits.
  const double u = 2.0 * (static_cast<double>(w >> 11) * 0x1.0p-53) - 1.0;
  const double z = u * t.x[i];
  if (std::fabs(z) < t.x[i + 1]) [[likely]] return z;  // inside the layer's rectangle: accept
  return detail::normal_ziggurat_rest(d, w);
}

// The same, finding the tables itself.
template <class G>
inline double normal_ziggurat(G& d) {
  return normal_ziggurat(d, detail::ziggurat_tables());
}

}  // namespace terrasim::sim::rng
