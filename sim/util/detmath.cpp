// Deterministic exp, expm1, log, log1p, pow and lgamma (see detmath.h). Every operation
// here is an IEEE-754 basic operation on doubles in round-to-nearest, an
// integer operation, or a read of a constant generated with exact arithmetic
// by scripts/gen-detmath-tables. The error-free transformations (two_sum,
// fast_two_sum, two_prod) hold exactly under those rules; they would not under
// -ffast-math or with x87 extended precision, which the checks below refuse.
#include "sim/util/detmath.h"

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>

#if defined(__FAST_MATH__)
#error "sim/util/detmath.cpp must not be compiled with -ffast-math"
#endif
#if !defined(__FLT_EVAL_METHOD__) || __FLT_EVAL_METHOD__ != 0
#error "sim/util/detmath.cpp needs doubles evaluated in double precision (SSE2, FLT_EVAL_METHOD == 0)"
#endif

namespace terrasim::sim::dmath {

namespace {

struct HiLo {
  double hi, lo;  // the unevaluated sum hi + lo
};
struct LgCentre {
  double c0, c0lo, c1, c1lo, c2, c2lo;  // lgamma, digamma and trigamma/2 at the centre, as hi + lo
  double c[10];                         // Taylor coefficients c3..c12
};

#include "sim/util/detmath_tables.inc"

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint64_t kInfBits = 0x7ff0000000000000ull;

inline std::uint64_t bits(double x) { return std::bit_cast<std::uint64_t>(x); }
inline double from_bits(std::uint64_t b) { return std::bit_cast<double>(b); }

// s + e == a + b exactly (Knuth).
inline HiLo two_sum(double a, double b) {
  const double s = a + b;
  const double bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}
// s + e == a + b exactly when a == 0 or |a| >= |b| (Dekker).
inline HiLo fast_two_sum(double a, double b) {
  const double s = a + b;
  return {s, b - (s - a)};
}
// Veltkamp's split: a == hi + lo, each with at most 26 significant bits.
inline HiLo split(double a) {
  const double t = 134217729.0 * a;  // 2^27 + 1
  const double hi = t - (t - a);
  return {hi, a - hi};
}
// p + e == a * b exactly (Dekker), barring overflow and underflow.
inline HiLo two_prod(double a, double b) {
  const double p = a * b;
  const HiLo as = split(a), bs = split(b);
  return {p, ((as.hi * bs.hi - p) + as.hi * bs.lo + as.lo * bs.hi) + as.lo * bs.lo};
}

// ---------------------------------------------------------------- log

// log(x + dx) as hi + lo (relative error about 2^-62), for the bits ix of a
// positive x (a normal double, or a subnormal normalised by the caller as
// bits(x * 2^52) - 52 << 52) and |dx| <= ulp(x); dx != 0 needs x < 2^1000.
//
// x = 2^k z with z in [z0, 2 z0), z0 = 0x1.5f8p-1; the top 7 bits of z - z0
// select a subinterval with 1/c = invc (20 significant bits; 1 exactly on the
// subinterval [1 - 2^-9, 1 + 2^-8) around 1). Then
//   log x = k log 2 + log c + log1p(r),   r = z invc - 1,   |r| < 1.075 2^-8,
// where r is computed exactly as rh + rl: z = zhi + zlo with zhi of 26 bits,
// so zhi*invc and zlo*invc are exact and zhi*invc - 1 is exact (Sterbenz).
HiLo log_hl(std::uint64_t ix, double dx) {
  const std::uint64_t tmp = ix - kLogOff;
  const std::int64_t k = static_cast<std::int64_t>(tmp) >> 52;  // arithmetic shift: floor
  const std::size_t i = static_cast<std::size_t>((tmp >> 45) & 127);
  const std::uint64_t iz = ix - (tmp & (0xfffull << 52));
  const double z = from_bits(iz);
  const double invc = kLogInvC[i];
  const double zhi = from_bits(iz & ~((std::uint64_t{1} << 27) - 1));
  const double zlo = z - zhi;
  HiLo r = two_sum(zhi * invc - 1.0, zlo * invc);
  if (dx != 0.0) {
    // log(z + dz) = log z + log1p(dz / z), and invc dz / z = invc dx 2^-k;
    // this may be as large as r itself (x near 1): renormalise.
    r = two_sum(r.hi, r.lo + invc * (dx * from_bits(static_cast<std::uint64_t>(1023 - k) << 52)));
  }
  const double rh = r.hi, rl = r.lo;  // |rl| <= ulp(rh) / 2

  const double kd = static_cast<double>(k);
  const HiLo w = fast_two_sum(kd * kLn2hi, kLogC[i].hi);  // k*kLn2hi is exact; |k ln2| > |log c| or k == 0
  const HiLo h = fast_two_sum(rh, rh * rh * -0.5);       // r - r^2/2
  const HiLo s = two_sum(w.hi, h.hi);
  const double poly =
      rh * rh * rh * (kLogP3 + rh * (kLogP4 + rh * (kLogP5 + rh * (kLogP6 + rh * (kLogP7 + rh * kLogP8)))));
  // log1p(rh + rl) = log1p(rh) + rl (1 - rh) + O(rl rh^2)
  const double lo = s.lo + w.lo + h.lo + (kd * kLn2lo + kLogC[i].lo) + (rl - rh * rl) + poly;
  return {s.hi, lo};
}

// log_hl for any positive finite x.
HiLo log_hl_positive(double x) {
  std::uint64_t ix = bits(x);
  if (ix < 0x0010000000000000ull) ix = bits(x * 0x1p52) - (std::uint64_t{52} << 52);  // subnormal
  return log_hl(ix, 0.0);
}

// ---------------------------------------------------------------- lgamma

// lgamma(1 + v) as hi + lo for 0 <= v < 2 (v exact): Taylor series around the
// nearest centre 1 + j/16, |s| <= 1/32, degree 12 (truncation below 2^-62
// relative). The centres 1 and 2 (the zeros) have c0 = 0.
HiLo lgamma1p_hl(double v) {
  const auto j = static_cast<std::size_t>(v * 16.0 + 0.5);
  const double s = v - static_cast<double>(j) * 0x1p-4;  // exact (Sterbenz, or j == 0)
  const LgCentre& c = kLgTaylor[j];
  double q = c.c[9];
  for (int m = 8; m >= 0; --m) q = c.c[m] + s * q;
  // c0 + c1 s + c2 s^2 in double-double, the rest (below 2^-10 of the result) in double.
  const HiLo p1 = two_prod(c.c1, s);
  const HiLo ss = two_prod(s, s);
  const HiLo p2 = two_prod(c.c2, ss.hi);
  const HiLo h1 = two_sum(c.c0, p1.hi);
  const HiLo h2 = two_sum(h1.hi, p2.hi);
  const double lo = h1.lo + h2.lo + p1.lo + p2.lo + c.c0lo + c.c1lo * s + (c.c2 * ss.lo + c.c2lo * ss.hi) + ss.hi * s * q;
  return {h2.hi, lo};
}

}  // namespace

// ---------------------------------------------------------------- exp

namespace {

// exp(x + xtail), |xtail| <= ulp(x) (a double-double argument; xtail = 0 for
// exp itself, which then adds nothing).
// x = (128 e + j) ln2/128 + r, |r| <= ln2/256 (a little more through the
// rounding of x 128/ln2): exp(x) = 2^e 2^(j/128) exp(r), with 2^(j/128) from a
// table as T (1 + tail) and exp(r) - 1 by its Taylor polynomial of degree 6.
inline double exp_tail(double x, double xtail) {
  const std::uint64_t ix = bits(x);
  const unsigned abstop = static_cast<unsigned>(ix >> 52) & 0x7ffu;
  bool near_limits = false;
  if (abstop - 0x3c9u >= 0x408u - 0x3c9u) {
    if (abstop < 0x3c9u) return 1.0 + x;  // |x| < 2^-54: exp(x) rounds to 1 + x
    if (abstop >= 0x409u) {               // |x| >= 1024, inf, nan
      if (ix == (kInfBits | 0x8000000000000000ull)) return 0.0;
      if (abstop == 0x7ffu) return 1.0 + x;  // +inf, nan
      return (ix >> 63) != 0 ? 0.0 : kInf;   // underflow, overflow
    }
    near_limits = true;  // 512 <= |x| < 1024: the result may overflow or be subnormal
  }
  constexpr double kShift = 0x1.8p52;  // x + kShift rounds x to an integer (round to nearest)
  const double kd0 = kExpInvLn2N * x + kShift;
  const auto ki = static_cast<std::int64_t>(bits(kd0) - bits(kShift));
  const double kd = kd0 - kShift;
  double r = (x - kd * kExpLn2hiN) - kd * kExpLn2loN;  // x - kd*hi is exact
  if (xtail != 0.0) r += xtail;
  const auto j = static_cast<std::size_t>(ki & 127);
  const std::int64_t e = ki >> 7;  // arithmetic shift: floor(ki / 128)
  const double r2 = r * r;
  const double p =
      kExpTail[j] + r + r2 * (kExpC2 + r * kExpC3) + r2 * r2 * (kExpC4 + r * kExpC5 + r2 * kExpC6);
  const std::uint64_t sbits = kExpT[j] + (static_cast<std::uint64_t>(e) << 52);
  if (!near_limits) {
    const double scale = from_bits(sbits);
    return scale + scale * p;
  }
  if (e > 0) {  // scale by 2^1009 last, so that an overflow gives +inf after one rounding
    const double scale = from_bits(sbits - (std::uint64_t{1009} << 52));
    return 0x1p1009 * (scale + scale * p);
  }
  const double scale = from_bits(sbits + (std::uint64_t{1022} << 52));
  double y = scale + scale * p;  // exp(x) 2^1022
  if (y < 1.0) {
    // Subnormal result: round once, to the grid of 2^-1074, by rounding
    // 1 + y (whose ulp is 2^-52) and scaling the fraction by 2^-1022.
    double lo = scale - y + scale * p;
    const double hi = 1.0 + y;
    lo = 1.0 - hi + y + lo;
    y = (hi + lo) - 1.0;
  }
  return 0x1p-1022 * y;
}

}  // namespace

double exp(double x) { return exp_tail(x, 0.0); }

// ---------------------------------------------------------------- expm1

// The reduction of exp, x = (128 e + j) ln2/128 + r, with r kept as rh + rl
// (exact but for the rounding of kd ln2lo, far below the result's ulp); then
//   expm1(x) = (s - 1) + s rh + s q,   s = 2^e T[j],
//   q = rl + tail[j] (1 + rh) + (exp(rh) - 1 - rh),
// where s - 1 and s rh are exact double-doubles, so the cancellation between
// them (x near +-ln2/256, where the result is about half of s - 1) costs no
// accuracy; for |x| < ln2/256, kd = 0, s = 1 and the result is r + q.
double expm1(double x) {
  const std::uint64_t ix = bits(x);
  const unsigned abstop = static_cast<unsigned>(ix >> 52) & 0x7ffu;
  if (abstop < 0x3c9u) return x;  // |x| < 2^-54: expm1(x) rounds to x (+-0 and subnormals too)
  if (abstop == 0x7ffu) {
    if (ix == (kInfBits | 0x8000000000000000ull)) return -1.0;
    return x + x;  // +inf, nan
  }
  if (x >= 512.0) return exp(x);  // exp(x) >= 2^738: subtracting 1 changes nothing
  if (x < -38.0) return -1.0;     // exp(x) < 2^-54.8: -1 + exp(x) rounds to -1
  constexpr double kShift = 0x1.8p52;
  const double kd0 = kExpInvLn2N * x + kShift;
  const auto ki = static_cast<std::int64_t>(bits(kd0) - bits(kShift));
  const double kd = kd0 - kShift;
  const HiLo r = two_sum(x - kd * kExpLn2hiN, -(kd * kExpLn2loN));  // x - kd*hi is exact
  const auto j = static_cast<std::size_t>(ki & 127);
  const std::int64_t e = ki >> 7;
  const double rh = r.hi, r2 = rh * rh;
  // tail x exp(rh), not just the tail: tail rh (~2^-61) is not negligible beside a result of ~2^-8.5.
  const double q = r.lo + (kExpTail[j] + kExpTail[j] * rh) + r2 * (kExpC2 + rh * kExpC3) +
                   r2 * r2 * (kExpC4 + rh * kExpC5 + r2 * kExpC6);
  const double s = from_bits(kExpT[j] + (static_cast<std::uint64_t>(e) << 52));  // e in [-56, 739]: normal
  const HiLo a = two_sum(s, -1.0);
  const HiLo b = two_prod(s, rh);
  const HiLo c = two_sum(a.hi, b.hi);
  return c.hi + (c.lo + a.lo + b.lo + s * q);
}

// ---------------------------------------------------------------- log

double log(double x) {
  std::uint64_t ix = bits(x);
  if (ix - 0x0010000000000000ull >= kInfBits - 0x0010000000000000ull) {  // not a positive normal
    if ((ix << 1) == 0) return -kInf;                                  // +-0
    if (ix == kInfBits) return x;                                      // +inf
    if (x != x) return x + x;                                          // nan
    if ((ix >> 63) != 0) return kNaN;                                  // x < 0
    ix = bits(x * 0x1p52) - (std::uint64_t{52} << 52);                 // subnormal
  }
  const HiLo r = log_hl(ix, 0.0);
  return r.hi + r.lo;
}

// log1p(x) = log(u + du), with u + du = 1 + x exactly (two_sum).
double log1p(double x) {
  if (!(x > -1.0)) {
    if (x == -1.0) return -kInf;
    return x != x ? x + x : kNaN;
  }
  const std::uint64_t ix = bits(x);
  if (ix == kInfBits) return x;
  if ((ix & 0x7fffffffffffffffull) < 0x3c90000000000000ull) return x;  // |x| < 2^-54: rounds to x (+-0 too)
  if (x >= 0x1p60) {
    const HiLo r = log_hl(ix, 0.0);  // log1p(x) - log(x) < 2^-60 < ulp(log x) / 2^6
    return r.hi + r.lo;
  }
  const HiLo u = two_sum(1.0, x);  // u.hi >= 2^-53: a positive normal
  const HiLo r = log_hl(bits(u.hi), u.lo);
  return r.hi + r.lo;
}

// ---------------------------------------------------------------- pow

namespace {
// 0: y is not an integer; 1: an odd integer; 2: an even integer (y finite).
int integer_kind(double y) {
  const double a = y < 0 ? -y : y;
  if (a >= 0x1p53) return 2;
  if ((a + 0x1p52) - 0x1p52 != a) return 0;  // a < 2^52 rounds to an integer only if it is one
  return (static_cast<std::uint64_t>(a) & 1u) != 0 ? 1 : 2;
}
}  // namespace

// pow(x, y) = exp(y log x) for x > 0: log x as a double-double (log_hl,
// relative error about 2^-62), y log x as a double-double (two_prod), and
// exp of that double-double (exp_tail). The error of y log x, about
// |y log x| 2^-62 absolute, is a relative error of the result: negligible
// while |y log x| is moderate (the results the model asks for), up to about
// 0.2 ulp more near the overflow and underflow limits (|y log x| ~ 700).
// Negative x: C99's rules (integer y only; the sign of odd powers).
double pow(double x, double y) {
  const std::uint64_t ix = bits(x), iy = bits(y);
  if ((iy << 1) == 0) return 1.0;  // pow(x, +-0) = 1, even for a NaN x
  if (ix == bits(1.0)) return 1.0;  // pow(1, y) = 1, even for a NaN y
  if (x != x || y != y) return x + y;
  const bool y_inf = (iy & 0x7fffffffffffffffull) == kInfBits;
  const double ax = x < 0 ? -x : x;
  if (y_inf) {
    if (ax == 1.0) return 1.0;  // pow(-1, +-inf) = 1
    return (ax < 1.0) == (y < 0) ? kInf : 0.0;
  }
  bool negate = false;
  if ((ix >> 63) != 0) {  // x < 0 or x = -0
    const int kind = integer_kind(y);
    if (kind == 0 && x != 0.0 && x != -kInf) return kNaN;
    negate = kind == 1;
  }
  if (ax == 0.0) {
    const double r = y < 0 ? kInf : 0.0;
    return negate ? -r : r;
  }
  if (ax == kInf) {
    const double r = y < 0 ? 0.0 : kInf;
    return negate ? -r : r;
  }
  const HiLo l = log_hl_positive(ax);
  const double e = y * l.hi;
  double r;
  if (!(e < 1100.0 && e > -1100.0)) {
    r = e > 0 ? kInf : 0.0;  // far beyond the overflow or underflow limit (exp_tail would say the same)
  } else {
    // |y| < 2^64 here unless l.hi is 0 (ax = 1, handled above): two_prod does not overflow.
    const HiLo p = two_prod(y, l.hi);
    const HiLo t = fast_two_sum(p.hi, p.lo + y * l.lo);
    r = exp_tail(t.hi, t.lo);
  }
  return negate ? -r : r;
}

// ---------------------------------------------------------------- lgamma

// (0, 1):      lgamma(1 + x) - log(x)
// [1, 3):      Taylor series around 1 + j/16
// [3, 12):     lgamma(t) + log((x-1)(x-2)...t), t = x - n in [2, 3), the
//              product in double-double (each factor x - i is exact)
// [12, 2^52):  Stirling's series, 9 terms (error below 2^-62 relative at 12)
// [2^52, inf): x (log x - 1) - log(x)/2 + log(2 pi)/2, computed at 2^-64 scale
//              so that only the true overflow (x > 2.55e305) gives +inf
// Each branch sums hi + lo parts accurate to about 2^-60 and rounds once.
double lgamma(double x) {
  const std::uint64_t ix = bits(x);
  if (!(x > 0.0) || ix >= kInfBits) {
    if (x != x) return x + x;
    if (x == 0.0 || x == kInf || x == -kInf) return kInf;
    const double a = -x;  // x < 0: +inf at the poles; other negative arguments are not supported
    const bool integer = a >= 0x1p52 || (a + 0x1p52) - 0x1p52 == a;
    return integer ? kInf : kNaN;
  }
  if (x < 1.0) {
    const HiLo g = lgamma1p_hl(x);
    const HiLo l = log_hl_positive(x);
    const HiLo s = two_sum(g.hi, -l.hi);
    return s.hi + (s.lo + g.lo - l.lo);
  }
  if (x < 3.0) {
    const HiLo g = lgamma1p_hl(x - 1.0);  // x - 1 is exact
    return g.hi + g.lo;
  }
  if (x < 12.0) {
    const int n = static_cast<int>(x) - 2;  // 1..9
    HiLo p{x - 1.0, 0.0};
    for (int i = 2; i <= n; ++i) {
      const double f = x - static_cast<double>(i);  // exact: x - i >= 2 and ulp(x - i) <= ulp(x)
      const HiLo q = two_prod(p.hi, f);
      p = fast_two_sum(q.hi, q.lo + p.lo * f);
    }
    const double t = x - static_cast<double>(n);
    const HiLo g = lgamma1p_hl(t - 1.0);
    const HiLo l = log_hl(bits(p.hi), p.lo);
    const HiLo s = two_sum(l.hi, g.hi);
    return s.hi + (s.lo + l.lo + g.lo);
  }
  if (x < 0x1p52) {
    const HiLo l = log_hl(ix, 0.0);
    const double a = x - 0.5;  // exact
    const HiLo p = two_prod(a, l.hi);
    const double t = 1.0 / x;
    const double t2 = t * t;
    double q = kStirling[8];
    for (int m = 7; m >= 0; --m) q = kStirling[m] + t2 * q;
    const HiLo s1 = two_sum(p.hi, -x);
    const HiLo s2 = two_sum(s1.hi, kHalfLn2Pi);
    return s2.hi + (s1.lo + s2.lo + p.lo + a * l.lo + kHalfLn2PiLo + t * q);
  }
  const HiLo l = log_hl(ix, 0.0);
  const HiLo m = fast_two_sum(l.hi - 1.0, l.lo);  // l.hi - 1 is exact (l.hi > 36)
  const double xs = x * 0x1p-64;
  const HiLo p = two_prod(xs, m.hi);
  const double y = p.hi + (p.lo + xs * m.lo + (kHalfLn2Pi - 0.5 * l.hi) * 0x1p-64);
  return y * 0x1p64;
}

}  // namespace terrasim::sim::dmath
