// Statistics for tests: goodness of fit and two-sample tests, written out so
// that the C++ tests need nothing beyond the standard library.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <vector>

namespace terrasim::testing {

// Regularised incomplete beta I_x(a, b), by the continued fraction (modified
// Lentz), with the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) for convergence.
inline double incomplete_beta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - incomplete_beta(b, a, 1 - x);
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x)) / a;
  const double tiny = 1e-300;
  double f = 1, c = 1, d = 0;
  for (int i = 0; i <= 400; ++i) {
    const int m = i / 2;
    double num;
    if (i == 0) num = 1;
    else if (i % 2 == 0) num = (m * (b - m) * x) / ((a + 2.0 * m - 1) * (a + 2.0 * m));
    else num = -((a + m) * (a + b + m) * x) / ((a + 2.0 * m) * (a + 2.0 * m + 1));
    d = 1 + num * d;
    if (std::fabs(d) < tiny) d = tiny;
    d = 1 / d;
    c = 1 + num / c;
    if (std::fabs(c) < tiny) c = tiny;
    const double cd = c * d;
    f *= cd;
    if (std::fabs(1 - cd) < 1e-12) return front * (f - 1);
  }
  return front * (f - 1);
}

// Two-sided p-value of Student's t with `df` degrees of freedom.
inline double student_t_two_sided_p(double t, double df) { return incomplete_beta(df / 2, 0.5, df / (df + t * t)); }

struct Welch {
  double mean_a, mean_b, t, df, p;
};

inline Welch welch_test(const std::vector<double>& a, const std::vector<double>& b) {
  auto mean = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); };
  auto var = [](const std::vector<double>& v, double m) {
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return s / static_cast<double>(v.size() - 1);
  };
  const double ma = mean(a), mb = mean(b);
  const double va = var(a, ma) / static_cast<double>(a.size()), vb = var(b, mb) / static_cast<double>(b.size());
  const double t = (ma - mb) / std::sqrt(va + vb);
  const double df = (va + vb) * (va + vb) /
                    (va * va / static_cast<double>(a.size() - 1) + vb * vb / static_cast<double>(b.size() - 1));
  return {ma, mb, t, df, student_t_two_sided_p(t, df)};
}

// Upper quantile of chi-square with k degrees of freedom (Wilson-Hilferty),
// for z the standard normal quantile of the wanted level (3.09: 0.1%).
inline double chi_square_critical(double k, double z = 3.09) {
  const double h = 2.0 / (9.0 * k);
  return k * std::pow(1 - h + z * std::sqrt(h), 3);
}

inline double chi_square(const std::vector<double>& observed, const std::vector<double>& expected) {
  double s = 0;
  for (std::size_t i = 0; i < observed.size(); ++i) s += (observed[i] - expected[i]) * (observed[i] - expected[i]) / expected[i];
  return s;
}

// Kolmogorov-Smirnov statistic of a sample against a continuous CDF.
inline double ks_statistic(std::vector<double> x, const std::function<double(double)>& cdf) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double d = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = cdf(x[i]);
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  return d;
}

// Pearson correlation of a[i] and b[i + shift], i < a.size() - shift.
inline double correlation(const std::vector<double>& a, const std::vector<double>& b, std::size_t shift = 0) {
  double sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
  const std::size_t m = a.size() - shift;
  for (std::size_t i = 0; i < m; ++i) {
    const double x = a[i], y = b[i + shift];
    sa += x; sb += y; sab += x * y; saa += x * x; sbb += y * y;
  }
  const double n = static_cast<double>(m);
  return (sab / n - (sa / n) * (sb / n)) / std::sqrt((saa / n - sa * sa / n / n) * (sbb / n - sb * sb / n / n));
}

// Critical value of the KS statistic at the 0.1% level for a large sample.
inline double ks_critical(std::size_t n) { return 1.95 / std::sqrt(static_cast<double>(n)); }

}  // namespace terrasim::testing
