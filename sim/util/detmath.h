// Deterministic elementary functions: the same bits on every machine.
//
// terrasim promises that one seed gives bit-identical output on every x86-64
// machine of a cluster. The build already rules out -march=native and FP
// contraction, but the C library's math functions are not ours to fix: glibc
// chooses at run time between implementations of exp, log, log1p, pow, cos, lgamma
// according to the CPU (perf shows __ieee754_log_fma and __exp_fma on CPUs
// with FMA, the SSE2 versions elsewhere), and they may differ in the last bit;
// another glibc version may change them again. One such bit in a random
// variate (a Poisson count, a log-normal shock, a geometric gap) changes a
// trajectory. These functions are used instead wherever a result feeds the
// simulation. They are written with IEEE-754 basic operations only (+ - * /,
// which are correctly rounded, so the same on every conforming machine),
// integer and bit manipulation, and constants generated with exact arithmetic
// by scripts/gen-detmath-tables (sim/util/detmath_tables.inc); no std:: math
// call happens inside them. They are compiled out of line in detmath.cpp, with
// the project's flags (-ffp-contract=off, no fast-math), so no caller's flags
// can contract or reorder them, and -O0 and -O3 give the same bits.
//
// Accuracy (tests/sim/util/test_detmath.cpp, against a long-double reference
// and exact known answers): below 1 ulp everywhere, about 0.51 ulp at worst;
// not correctly rounded, so the bits may differ from glibc's, but they are
// the same everywhere. Special values follow C99 Annex F (log(0) = -inf,
// exp overflow = +inf, subnormal results rounded once, ...); no errno, and no
// floating-point exception flags are promised. A NaN result is the default
// quiet NaN (or the NaN argument itself).
#pragma once

namespace terrasim::sim::dmath {

double exp(double x);
// exp(x) - 1, accurate near 0 (a probability 1 - exp(-h) = -expm1(-h) for a
// small hazard h).
double expm1(double x);
double log(double x);
double log1p(double x);
// x^y, with C99's special cases (pow(x, 0) = pow(1, y) = 1, negative x with
// integer y only, ...). About 0.5 ulp while |y log x| is moderate, the
// results the models ask for (powers of productivities and sizes); below
// 1 ulp near the overflow and underflow limits.
double pow(double x, double y);
// log Gamma(x) for x > 0 (what the Poisson sampler needs: log k! =
// lgamma(k + 1)). lgamma(+0) = lgamma(-0) = +inf, lgamma(+inf) = +inf, and at
// the poles (negative integers) and -inf it is +inf as in C; for other
// negative arguments, which this version does not support, it returns NaN.
double lgamma(double x);

}  // namespace terrasim::sim::dmath
