// Tests of the deterministic elementary functions (sim/util/detmath.h).
//
// Accuracy is measured in ulps of the double result against two references:
//  * known answers (detmath_vectors.inc), computed with exact arithmetic by
//    scripts/gen-detmath-tables and stored as bit patterns: the result to
//    about 106 bits, as a double-double;
//  * glibc's long double functions (expl, logl, log1pl, lgammal_r: 64-bit
//    significands, errors of a few long-double ulps, i.e. about 2^-10 ulp of
//    a double) over 10^6 pseudo-random arguments per function and range.
// Every error must be at most 1 ulp (the functions aim at about 0.51). exp,
// log and log1p must also agree with glibc's double functions within 1 ulp.
// Finally the bits themselves are frozen: a digest of the results over fixed
// arguments must not change, at any optimisation level, on any machine.
#include <gtest/gtest.h>

#include <math.h>  // lgammal_r

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "sim/util/detmath.h"

namespace dm = terrasim::sim::dmath;

namespace {

struct Vector {
  std::uint64_t x, hi;
  double lo;
};
#include "detmath_vectors.inc"

constexpr double kInf = std::numeric_limits<double>::infinity();

double from_bits(std::uint64_t b) { return std::bit_cast<double>(b); }
std::uint64_t bits(double x) { return std::bit_cast<std::uint64_t>(x); }

// The ulp of a double at ref: 2^(e-52) for ref in [2^e, 2^(e+1)), 2^-1074 below 2^-1022.
long double ulp_size(long double ref) {
  int e = 0;
  std::frexp(ref, &e);  // |ref| = m 2^e, m in [0.5, 1)
  return std::ldexp(1.0L, std::max(e - 1, -1022) - 52);
}
// |got - ref| in ulps.
long double ulp_error(double got, long double ref) {
  return std::fabs(static_cast<long double>(got) - ref) / ulp_size(ref);
}

bool finite_double(long double v) {
  return std::fabs(v) <= static_cast<long double>(std::numeric_limits<double>::max());
}

using Fn = double (*)(double);
using RefFn = long double (*)(long double);

long double lgammal_ref(long double x) {
  int sign = 0;
  return ::lgammal_r(x, &sign);
}
long double expl_ref(long double x) { return ::expl(x); }
long double logl_ref(long double x) { return ::logl(x); }
long double log1pl_ref(long double x) { return ::log1pl(x); }

struct Stats {
  long double max_err = 0;
  double worst_x = 0;
  long count = 0;
};

void check_known_answers(const char* name, Fn f, const Vector* v, std::size_t n) {
  long double max_err = 0;
  double worst = 0;
  std::size_t exact = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = from_bits(v[i].x);
    const double hi = from_bits(v[i].hi);
    const double got = f(x);
    const long double ref = static_cast<long double>(hi) + static_cast<long double>(v[i].lo);
    const long double err = ulp_error(got, ref);
    EXPECT_LE(err, 1.0L) << name << "(" << std::hexfloat << x << ") = " << got << ", exact " << hi << " + "
                         << v[i].lo << std::defaultfloat;
    if (err > max_err) max_err = err, worst = x;
    if (bits(got) == v[i].hi) ++exact;
  }
  std::printf("%-7s known answers: %zu, correctly rounded %zu, max error %.4Lf ulp at %a\n", name, n, exact, max_err,
              worst);
}

// Draws arguments with `gen`, compares with the long double reference and (if
// `libm`) with glibc's double function.
template <class Gen>
Stats sweep(const char* name, Fn f, RefFn ref, Fn libm, Gen gen, long n = 1000000) {
  std::mt19937_64 rng(0x5eed0000u + static_cast<unsigned>(n) + static_cast<unsigned>(name[0]));
  Stats s;
  long libm_far = 0;
  for (long i = 0; i < n; ++i) {
    const double x = gen(rng);
    const long double r = ref(static_cast<long double>(x));
    if (!finite_double(r) || r == 0) continue;
    const double got = f(x);
    const long double err = ulp_error(got, r);
    ++s.count;
    if (err > s.max_err) s.max_err = err, s.worst_x = x;
    if (libm != nullptr && std::fabs(static_cast<long double>(got) - libm(x)) > ulp_size(r)) ++libm_far;
  }
  std::printf("%-7s %8ld arguments, max error %.4Lf ulp at %a\n", name, s.count, s.max_err, s.worst_x);
  EXPECT_LE(s.max_err, 1.0L) << name << " at " << std::hexfloat << s.worst_x;
  EXPECT_EQ(libm_far, 0) << name << ": results more than 1 ulp from glibc's";
  return s;
}

// Uniform in [lo, hi).
auto uniform(double lo, double hi) {
  return [lo, hi](std::mt19937_64& g) {
    const double u = static_cast<double>(g() >> 11) * 0x1p-53;
    return lo + (hi - lo) * u;
  };
}
// Log-uniform in [lo, hi) (lo > 0): uniform in the bit patterns, i.e. in exponent and significand.
auto log_uniform(double lo, double hi) {
  return [a = bits(lo), b = bits(hi)](std::mt19937_64& g) { return from_bits(a + g() % (b - a)); };
}
template <class G>
auto negated(G gen) {
  return [gen](std::mt19937_64& g) { return -gen(g); };
}

}  // namespace

// ---------------------------------------------------------------- known answers

TEST(DetMath, KnownAnswersWithinOneUlp) {
  check_known_answers("exp", dm::exp, kExpVectors, std::size(kExpVectors));
  check_known_answers("log", dm::log, kLogVectors, std::size(kLogVectors));
  check_known_answers("log1p", dm::log1p, kLog1pVectors, std::size(kLog1pVectors));
  check_known_answers("lgamma", dm::lgamma, kLgammaVectors, std::size(kLgammaVectors));
}

// ---------------------------------------------------------------- sweeps

TEST(DetMath, ExpWithinOneUlp) {
  Fn libm = [](double x) { return std::exp(x); };
  sweep("exp", dm::exp, expl_ref, libm, uniform(-745.2, 709.8));
  sweep("exp", dm::exp, expl_ref, libm, uniform(-1.0, 1.0));
  sweep("exp", dm::exp, expl_ref, libm, uniform(-745.2, -708.0));  // subnormal results
  sweep("exp", dm::exp, expl_ref, libm, log_uniform(0x1p-60, 1.0));
  sweep("exp", dm::exp, expl_ref, libm, negated(log_uniform(0x1p-60, 1.0)));
}

TEST(DetMath, LogWithinOneUlp) {
  Fn libm = [](double x) { return std::log(x); };
  sweep("log", dm::log, logl_ref, libm, log_uniform(0x1p-1074, std::numeric_limits<double>::max()));
  sweep("log", dm::log, logl_ref, libm, uniform(0.5, 2.0));
  sweep("log", dm::log, logl_ref, libm, uniform(0.99, 1.01));
  sweep("log", dm::log, logl_ref, libm, uniform(0x1p-53, 1.0));  // uniform draws, as in normal()
}

TEST(DetMath, Log1pWithinOneUlp) {
  Fn libm = [](double x) { return std::log1p(x); };
  sweep("log1p", dm::log1p, log1pl_ref, libm, uniform(-1.0, 1.0));
  sweep("log1p", dm::log1p, log1pl_ref, libm, log_uniform(0x1p-60, 0x1p70));
  sweep("log1p", dm::log1p, log1pl_ref, libm, negated(log_uniform(0x1p-60, 1.0)));
  sweep("log1p", dm::log1p, log1pl_ref, libm, log_uniform(0x1p70, std::numeric_limits<double>::max()));
}

TEST(DetMath, LgammaWithinOneUlp) {
  // glibc's double lgamma errs by up to several ulps itself: compared with lgammal only.
  sweep("lgamma", dm::lgamma, lgammal_ref, nullptr, uniform(0.0, 3.0));
  sweep("lgamma", dm::lgamma, lgammal_ref, nullptr, uniform(3.0, 12.0));
  sweep("lgamma", dm::lgamma, lgammal_ref, nullptr, log_uniform(12.0, 0x1p60));
  sweep("lgamma", dm::lgamma, lgammal_ref, nullptr, log_uniform(0x1p-1074, 0x1.fffffffffffffp1014));
  sweep("lgamma", dm::lgamma, lgammal_ref, nullptr, uniform(0.999, 1.001));
  sweep("lgamma", dm::lgamma, lgammal_ref, nullptr, uniform(1.999, 2.001));
}

TEST(DetMath, LgammaOfIntegersIsLogFactorial) {
  // What the Poisson sampler asks: log k! = lgamma(k + 1), k = 0..10^5.
  long double max_err = 0;
  for (int k = 0; k <= 100000; ++k) {
    const double x = k + 1.0;
    const double got = dm::lgamma(x);
    if (k <= 1) {
      EXPECT_EQ(bits(got), 0u) << k;  // +0
      continue;
    }
    int sign = 0;
    const long double err = ulp_error(got, ::lgammal_r(static_cast<long double>(x), &sign));
    max_err = std::max(max_err, err);
  }
  std::printf("lgamma  log k!, k = 0..100000: max error %.4Lf ulp\n", max_err);
  EXPECT_LE(max_err, 1.0L);
}

// ---------------------------------------------------------------- special values

TEST(DetMath, SpecialValuesLikeLibm) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double dmax = std::numeric_limits<double>::max();
  const double tiny = std::numeric_limits<double>::denorm_min();

  EXPECT_EQ(dm::exp(0.0), 1.0);
  EXPECT_EQ(dm::exp(-0.0), 1.0);
  EXPECT_EQ(dm::exp(kInf), kInf);
  EXPECT_EQ(bits(dm::exp(-kInf)), 0u);
  EXPECT_TRUE(std::isnan(dm::exp(nan)));
  EXPECT_EQ(dm::exp(709.78), std::exp(709.78));
  EXPECT_EQ(dm::exp(709.8), kInf);  // overflow
  EXPECT_EQ(dm::exp(1000.0), kInf);
  EXPECT_EQ(dm::exp(1e300), kInf);
  EXPECT_EQ(dm::exp(-745.1), tiny);  // the smallest subnormal
  EXPECT_EQ(bits(dm::exp(-745.2)), 0u);  // underflow to +0
  EXPECT_EQ(bits(dm::exp(-1e300)), 0u);
  EXPECT_EQ(dm::exp(0x1p-60), 1.0);
  EXPECT_EQ(dm::exp(-0x1p-60), 1.0);
  EXPECT_EQ(dm::exp(1.0), 0x1.5bf0a8b145769p+1);  // e, correctly rounded
  EXPECT_EQ(dm::exp(std::log(2.0)), 2.0);

  EXPECT_EQ(dm::log(1.0), 0.0);
  EXPECT_FALSE(std::signbit(dm::log(1.0)));
  EXPECT_EQ(dm::log(0.0), -kInf);
  EXPECT_EQ(dm::log(-0.0), -kInf);
  EXPECT_EQ(dm::log(kInf), kInf);
  EXPECT_TRUE(std::isnan(dm::log(-1.0)));
  EXPECT_TRUE(std::isnan(dm::log(-kInf)));
  EXPECT_TRUE(std::isnan(dm::log(-tiny)));
  EXPECT_TRUE(std::isnan(dm::log(nan)));
  EXPECT_EQ(dm::log(2.0), 0x1.62e42fefa39efp-1);  // ln 2
  EXPECT_EQ(dm::log(tiny), -0x1.74385446d71c3p+9);  // -1074 ln 2
  EXPECT_EQ(dm::log(dmax), 0x1.62e42fefa39efp+9);

  EXPECT_EQ(bits(dm::log1p(0.0)), bits(0.0));
  EXPECT_EQ(bits(dm::log1p(-0.0)), bits(-0.0));
  EXPECT_EQ(dm::log1p(-1.0), -kInf);
  EXPECT_TRUE(std::isnan(dm::log1p(-1.5)));
  EXPECT_TRUE(std::isnan(dm::log1p(-kInf)));
  EXPECT_TRUE(std::isnan(dm::log1p(nan)));
  EXPECT_EQ(dm::log1p(kInf), kInf);
  EXPECT_EQ(dm::log1p(tiny), tiny);
  EXPECT_EQ(dm::log1p(-tiny), -tiny);
  EXPECT_EQ(dm::log1p(1e-300), 1e-300);
  EXPECT_EQ(dm::log1p(dmax), dm::log(dmax));
  EXPECT_EQ(dm::log1p(1.0), 0x1.62e42fefa39efp-1);

  EXPECT_EQ(bits(dm::lgamma(1.0)), 0u);
  EXPECT_EQ(bits(dm::lgamma(2.0)), 0u);
  EXPECT_EQ(dm::lgamma(0.0), kInf);
  EXPECT_EQ(dm::lgamma(-0.0), kInf);
  EXPECT_EQ(dm::lgamma(kInf), kInf);
  EXPECT_EQ(dm::lgamma(-kInf), kInf);
  EXPECT_EQ(dm::lgamma(-1.0), kInf);
  EXPECT_EQ(dm::lgamma(-1e300), kInf);
  EXPECT_TRUE(std::isnan(dm::lgamma(-0.5)));  // not supported
  EXPECT_TRUE(std::isnan(dm::lgamma(nan)));
  EXPECT_EQ(dm::lgamma(tiny), -dm::log(tiny));
  EXPECT_EQ(dm::lgamma(3.0), 0x1.62e42fefa39efp-1);  // log 2
  EXPECT_EQ(dm::lgamma(0x1.8p1021), kInf);  // beyond 2.55e305 the result overflows
  EXPECT_TRUE(std::isfinite(dm::lgamma(0x1.6p1014)));
  EXPECT_EQ(dm::lgamma(dmax), kInf);
}

// ---------------------------------------------------------------- monotonicity

namespace {
// f is non-decreasing (or non-increasing) over the 2000 doubles around each point.
void check_monotone(const char* name, Fn f, const std::vector<double>& points, bool increasing) {
  for (double c : points) {
    double x = c;
    for (int i = 0; i < 1000; ++i) x = std::nextafter(x, -kInf);
    double prev = f(x);
    for (int i = 0; i < 2000; ++i) {
      x = std::nextafter(x, kInf);
      const double y = f(x);
      if (increasing ? y < prev : y > prev) {
        ADD_FAILURE() << name << " not monotone at " << std::hexfloat << x;
        break;
      }
      prev = y;
    }
  }
}
}  // namespace

TEST(DetMath, MonotoneAcrossTableBoundaries) {
  // exp: where x 128/ln2 rounds to the next integer, around 0, ln 2 and the limits.
  std::vector<double> e = {0.0, 0x1p-54, 0.6931471805599453, 1.0, -1.0, 709.0, 709.78, -708.39, -745.0, 512.0, -512.0};
  for (int k = -60; k <= 60; ++k) e.push_back((k + 0.5) * 0.6931471805599453 / 128.0);
  check_monotone("exp", dm::exp, e, true);

  // log: each of the 128 subinterval boundaries in [z0, 2 z0), scaled by a few powers of 2.
  std::vector<double> l = {1.0, 0x1p-1022, 2.0, 0.5};
  for (int i = 0; i < 128; ++i) {
    const double z = from_bits(0x3fe5f00000000000ull + (static_cast<std::uint64_t>(i) << 45));
    for (double s : {1.0, 0x1p-30, 0x1p40}) l.push_back(z * s);
  }
  check_monotone("log", dm::log, l, true);
  check_monotone("log1p", dm::log1p, {0.0, 0x1p-54, -0x1p-54, 1e-5, -0.02, -0.5, 1.0, 0x1p60, 0x1p-30}, true);

  // lgamma: increasing beyond its minimum at 1.4616..., decreasing before; at
  // the Taylor centres' midpoints and the branch limits.
  std::vector<double> up = {3.0, 12.0, 0x1p52, 2.0, 20.0, 1e6}, down = {0.5, 1.0, 0x1p-30, 1.25};
  for (int j = 0; j < 32; ++j) {
    const double v = 1.0 + (j + 0.5) / 16.0;
    (v < 1.46 ? down : up).push_back(v);
  }
  check_monotone("lgamma", dm::lgamma, up, true);
  check_monotone("lgamma", dm::lgamma, down, false);
}

// ---------------------------------------------------------------- frozen bits

namespace {
std::uint64_t digest(Fn f, double lo, double hi, int n) {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over the result bits
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < n; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;  // fixed LCG, not <random>
    const double u = static_cast<double>(state >> 11) * 0x1p-53;
    const std::uint64_t b = bits(f(lo + (hi - lo) * u));
    for (int k = 0; k < 8; ++k) h = (h ^ ((b >> (8 * k)) & 0xff)) * 0x100000001b3ull;
  }
  return h;
}
}  // namespace

// The results themselves, over 10^5 arguments per function: these digests
// must be the same in every build (release, debug with sanitizers) on every
// machine. A change here changes simulation output; do it only on purpose.
TEST(DetMath, BitsAreFrozen) {
  EXPECT_EQ(digest(dm::exp, -745.2, 709.8, 100000), 0x883ff88864f325caull);
  EXPECT_EQ(digest(dm::log, 0x1p-60, 4.0, 100000), 0x58dcf8283aa4c241ull);
  EXPECT_EQ(digest(dm::log1p, -0.999, 4.0, 100000), 0xf79147715b11df85ull);
  EXPECT_EQ(digest(dm::lgamma, 0x1p-20, 200.0, 100000), 0xf1fd6afca9aa12f0ull);
}
