// Tests of the deterministic elementary functions (sim/util/detmath.h).
//
// Accuracy is measured in ulps of the double result against two references:
//  * known answers (detmath_vectors.inc), computed with exact arithmetic by
//    scripts/gen-detmath-tables and stored as bit patterns: the result to
//    about 106 bits, as a double-double;
//  * glibc's long double functions (expl, expm1l, logl, log1pl, powl,
//    lgammal_r: 64-bit significands, errors of a few long-double ulps, i.e.
//    about 2^-10 ulp of a double) over 10^6 pseudo-random arguments per
//    function and range.
// Every error must be at most 1 ulp (the functions aim at about 0.51, and
// must reach it where the models use them). exp, expm1, log, log1p and pow
// must also agree with glibc's double functions within 1 ulp.
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
struct Vector2 {
  std::uint64_t x, y, hi;
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
long double expm1l_ref(long double x) { return ::expm1l(x); }

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

// pow over pairs drawn by gen_x and gen_y, against powl and glibc's pow;
// returns the maximum error in ulps.
template <class GenX, class GenY>
long double sweep_pow(const char* what, GenX gen_x, GenY gen_y, long n = 1000000) {
  std::mt19937_64 rng(0x5eed0000u + static_cast<unsigned>(n) + 'p');
  long double max_err = 0;
  double wx = 0, wy = 0;
  long count = 0, libm_far = 0;
  for (long i = 0; i < n; ++i) {
    const double x = gen_x(rng), y = gen_y(rng);
    const long double r = ::powl(static_cast<long double>(x), static_cast<long double>(y));
    if (!finite_double(r) || r == 0 || std::fabs(r) < 0x1p-1022L) continue;  // subnormal results: see SpecialValues
    const double got = dm::pow(x, y);
    const long double err = ulp_error(got, r);
    ++count;
    if (err > max_err) max_err = err, wx = x, wy = y;
    if (std::fabs(static_cast<long double>(got) - std::pow(x, y)) > ulp_size(r)) ++libm_far;
  }
  std::printf("pow     %8ld pairs (%s), max error %.4Lf ulp at %a^%a\n", count, what, max_err, wx, wy);
  EXPECT_LE(max_err, 1.0L) << what << " at " << std::hexfloat << wx << "^" << wy;
  EXPECT_EQ(libm_far, 0) << what << ": results more than 1 ulp from glibc's";
  return max_err;
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
  check_known_answers("expm1", dm::expm1, kExpm1Vectors, std::size(kExpm1Vectors));
  long double max_err = 0;
  std::size_t exact = 0;
  for (const auto& v : kPowVectors) {
    const double x = from_bits(v.x), y = from_bits(v.y), hi = from_bits(v.hi);
    const double got = dm::pow(x, y);
    const long double err = ulp_error(got, static_cast<long double>(hi) + static_cast<long double>(v.lo));
    EXPECT_LE(err, 1.0L) << "pow(" << std::hexfloat << x << ", " << y << ") = " << got << ", exact " << hi;
    max_err = std::max(max_err, err);
    if (bits(got) == v.hi) ++exact;
  }
  std::printf("pow     known answers: %zu, correctly rounded %zu, max error %.4Lf ulp\n", std::size(kPowVectors), exact,
              max_err);
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

TEST(DetMath, Expm1WithinOneUlp) {
  Fn libm = [](double x) { return std::expm1(x); };
  Stats s = sweep("expm1", dm::expm1, expm1l_ref, libm, uniform(-1.0, 1.0));
  EXPECT_LE(s.max_err, 0.51L);
  // Around +-ln2/256, where the reduction's s - 1 and s r cancel by half.
  s = sweep("expm1", dm::expm1, expm1l_ref, libm, uniform(-0.02, 0.02));
  EXPECT_LE(s.max_err, 0.51L);
  // What the territory model asks: -expm1(-h/12) for yearly hazards h.
  s = sweep("expm1", dm::expm1, expm1l_ref, libm, negated(log_uniform(0x1p-40, 0.2)));
  EXPECT_LE(s.max_err, 0.51L);
  sweep("expm1", dm::expm1, expm1l_ref, libm, uniform(-40.0, 709.7));
  sweep("expm1", dm::expm1, expm1l_ref, libm, log_uniform(0x1p-60, 1.0));
  sweep("expm1", dm::expm1, expm1l_ref, libm, negated(log_uniform(0x1p-60, 1.0)));
}

TEST(DetMath, PowWithinOneUlp) {
  // The exponents of the territory model: square roots and other
  // elasticities of productivities near 1, twelfth roots of yearly growth,
  // inverse squares of firm sizes, ratios of unemployment rates squared.
  EXPECT_LE(sweep_pow("x in [0.5, 1.5], y in [-3, 3]", uniform(0.5, 1.5), uniform(-3.0, 3.0)), 0.51L);
  EXPECT_LE(sweep_pow("x in [0.9, 1.1], y = 1/12", uniform(0.9, 1.1), [](std::mt19937_64&) { return 1.0 / 12.0; }), 0.51L);
  EXPECT_LE(sweep_pow("x in [1, 10^4], y in [-2.5, -0.5]", uniform(1.0, 1e4), uniform(-2.5, -0.5)), 0.51L);
  EXPECT_LE(sweep_pow("x in [2^-40, 2^40], y in [-8, 8]", log_uniform(0x1p-40, 0x1p40), uniform(-8.0, 8.0)), 0.51L);
  // At large: |y log x| up to the overflow and underflow limits.
  sweep_pow("x in [0.5, 2], y in [-1000, 1000]", uniform(0.5, 2.0), uniform(-1000.0, 1000.0));
  sweep_pow("x in [2^-1000, 2^1000], y in [-1, 1]", log_uniform(0x1p-1000, 0x1p1000), uniform(-1.0, 1.0));
  // Integer exponents, where glibc is exact for small powers.
  sweep_pow("x in [0.1, 10], y in -4..4", uniform(0.1, 10.0),
            [](std::mt19937_64& g) { return static_cast<double>(static_cast<int>(g() % 9) - 4); });
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

  EXPECT_EQ(bits(dm::expm1(0.0)), bits(0.0));
  EXPECT_EQ(bits(dm::expm1(-0.0)), bits(-0.0));
  EXPECT_EQ(dm::expm1(tiny), tiny);
  EXPECT_EQ(dm::expm1(-tiny), -tiny);
  EXPECT_EQ(dm::expm1(1e-300), 1e-300);
  EXPECT_EQ(dm::expm1(kInf), kInf);
  EXPECT_EQ(dm::expm1(-kInf), -1.0);
  EXPECT_TRUE(std::isnan(dm::expm1(nan)));
  EXPECT_EQ(dm::expm1(-40.0), -1.0);
  EXPECT_EQ(dm::expm1(-1e300), -1.0);
  EXPECT_EQ(dm::expm1(709.8), kInf);
  EXPECT_EQ(dm::expm1(1e300), kInf);
  EXPECT_EQ(dm::expm1(600.0), dm::exp(600.0));
  EXPECT_EQ(dm::expm1(1.0), 0x1.b7e151628aed3p+0);  // e - 1, correctly rounded

  // C99 Annex F.
  EXPECT_EQ(dm::pow(nan, 0.0), 1.0);
  EXPECT_EQ(dm::pow(nan, -0.0), 1.0);
  EXPECT_EQ(dm::pow(1.0, nan), 1.0);
  EXPECT_EQ(dm::pow(1.0, kInf), 1.0);
  EXPECT_EQ(dm::pow(-1.0, kInf), 1.0);
  EXPECT_EQ(dm::pow(-1.0, -kInf), 1.0);
  EXPECT_TRUE(std::isnan(dm::pow(nan, 1.0)));
  EXPECT_TRUE(std::isnan(dm::pow(2.0, nan)));
  EXPECT_TRUE(std::isnan(dm::pow(-2.0, 0.5)));
  EXPECT_EQ(dm::pow(0.0, -3.0), kInf);
  EXPECT_EQ(dm::pow(-0.0, -3.0), -kInf);
  EXPECT_EQ(dm::pow(-0.0, -2.0), kInf);
  EXPECT_EQ(dm::pow(-0.0, -0.5), kInf);
  EXPECT_EQ(bits(dm::pow(-0.0, 3.0)), bits(-0.0));
  EXPECT_EQ(bits(dm::pow(-0.0, 2.0)), 0u);
  EXPECT_EQ(bits(dm::pow(-0.0, 0.5)), 0u);
  EXPECT_EQ(dm::pow(0.0, -kInf), kInf);
  EXPECT_EQ(dm::pow(0.5, -kInf), kInf);
  EXPECT_EQ(bits(dm::pow(2.0, -kInf)), 0u);
  EXPECT_EQ(bits(dm::pow(0.5, kInf)), 0u);
  EXPECT_EQ(dm::pow(2.0, kInf), kInf);
  EXPECT_EQ(dm::pow(-2.0, kInf), kInf);
  EXPECT_EQ(bits(dm::pow(-kInf, -3.0)), bits(-0.0));
  EXPECT_EQ(bits(dm::pow(-kInf, -2.0)), 0u);
  EXPECT_EQ(dm::pow(-kInf, 3.0), -kInf);
  EXPECT_EQ(dm::pow(-kInf, 2.5), kInf);
  EXPECT_EQ(bits(dm::pow(kInf, -1.0)), 0u);
  EXPECT_EQ(dm::pow(kInf, 0.5), kInf);
  EXPECT_EQ(dm::pow(-2.0, 3.0), -8.0);
  EXPECT_EQ(dm::pow(-2.0, -2.0), 0.25);
  EXPECT_EQ(dm::pow(-3.0, 0x1p53), dm::pow(3.0, 0x1p53));  // an even integer
  // Exact powers come out exact.
  EXPECT_EQ(dm::pow(2.0, 10.0), 1024.0);
  EXPECT_EQ(dm::pow(2.0, -1074.0), tiny);
  EXPECT_EQ(dm::pow(4.0, 0.5), 2.0);
  EXPECT_EQ(dm::pow(9.0, -2.0), 1.0 / 81.0);
  EXPECT_EQ(dm::pow(10.0, 2.0), 100.0);
  EXPECT_EQ(dm::pow(2.0, 0.5), 0x1.6a09e667f3bcdp+0);  // sqrt 2, correctly rounded
  EXPECT_EQ(dm::pow(2.0, 1024.0), kInf);
  EXPECT_EQ(dm::pow(10.0, 400.0), kInf);
  EXPECT_EQ(bits(dm::pow(10.0, -400.0)), 0u);
  EXPECT_EQ(dm::pow(dmax, 1e300), kInf);
  EXPECT_EQ(bits(dm::pow(tiny, 1e300)), 0u);
  EXPECT_EQ(dm::pow(2.0, -1075.0), 0.0);  // half the smallest subnormal rounds to even: 0
  EXPECT_EQ(dm::pow(tiny, 0.5), 0x1p-537);

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
  std::vector<double> m = {0.0, 0x1p-54, -0x1p-54, 1.0, -1.0, -37.0, 512.0, 709.0};
  for (int k = -30; k <= 30; ++k) m.push_back((k + 0.5) * 0.6931471805599453 / 128.0);
  check_monotone("expm1", dm::expm1, m, true);
  check_monotone("pow(., 0.5)", [](double x) { return dm::pow(x, 0.5); }, {1.0, 0.5, 2.0, 0.88, 1e-300, 1e300}, true);
  check_monotone("pow(., -2)", [](double x) { return dm::pow(x, -2.0); }, {1.0, 2.0, 3.0, 100.0, 4096.0}, false);
  check_monotone("pow(1.02, .)", [](double y) { return dm::pow(1.02, y); }, {1.0 / 12, 0.0, 1.0, -1.0, 100.0}, true);
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
  EXPECT_EQ(digest(dm::expm1, -40.0, 10.0, 100000), 0x6e6b1225fddba34dull);
  EXPECT_EQ(digest([](double x) { return dm::pow(x, 0.5); }, 0.5, 1.5, 100000), 0x70073fa5a5631debull);
  EXPECT_EQ(digest([](double x) { return dm::pow(x, -2.0); }, 1.0, 5000.0, 100000), 0xc022864ca4d4ae98ull);
  EXPECT_EQ(digest([](double y) { return dm::pow(1.7, y); }, -600.0, 600.0, 100000), 0xd570b6511ee56780ull);
}
