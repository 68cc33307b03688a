// The counter-based generator and the distributions built on it.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>

#include "sim/rng/alias.h"
#include "sim/rng/distributions.h"
#include "sim/rng/guided.h"
#include "sim/rng/reservoir.h"
#include "sim/rng/philox.h"
#include "sim/rng/sampling.h"
#include "sim/rng/ziggurat.h"
#include "tests/support/stats.h"

using terrasim::sim::rng::Draws;
using terrasim::sim::rng::stream_id;
namespace rng = terrasim::sim::rng;
namespace ts = terrasim::testing;

TEST(Philox, SameKeyGivesSameNumbers) {
  Draws a(7, stream_id("x"), 3, 42), b(7, stream_id("x"), 3, 42);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a.bits(), b.bits());
}

TEST(Philox, KnownAnswer) {
  // Pins the generator's output: a change of key layout, counter layout or
  // algorithm changes every result of every scenario, and must be deliberate.
  Draws d(1, 2, 3, 4);
  const std::uint64_t first = d.bits();
  r123::Philox4x64 philox;
  const auto out = philox({{3, 4, 0, 0}}, {{1, 2}});
  EXPECT_EQ(first, out.v[0]);
  EXPECT_EQ(stream_id("dock.separations"), stream_id("dock.separations"));
  EXPECT_EQ(stream_id(""), 0xcbf29ce484222325ull);  // FNV-1a offset basis
}

TEST(Philox, EveryKeyPartMatters) {
  const std::uint64_t base = Draws(1, 2, 3, 4).bits();
  EXPECT_NE(base, Draws(2, 2, 3, 4).bits());
  EXPECT_NE(base, Draws(1, 3, 3, 4).bits());
  EXPECT_NE(base, Draws(1, 2, 4, 4).bits());
  EXPECT_NE(base, Draws(1, 2, 3, 5).bits());
}

TEST(Philox, StreamsAreIndependent) {
  // Correlation between two streams of the same seed, month and unit.
  Draws a(9, stream_id("a"), 0, 0), b(9, stream_id("b"), 0, 0);
  const int n = 200000;
  std::vector<double> x(n), y(n);
  for (int i = 0; i < n; ++i) {
    x[static_cast<std::size_t>(i)] = a.uniform();
    y[static_cast<std::size_t>(i)] = b.uniform();
  }
  EXPECT_LT(std::fabs(ts::correlation(x, y)), 4.0 / std::sqrt(n));  // 4 standard errors
}

TEST(UnitDraws, UniformBelowIsTheSameTestOnTheBits) {
  // uniform_of(bits) < p and (bits >> 11) < uniform_below(p) agree, at the
  // edges of p's 53-bit grid as well as on random bits.
  const double ps[] = {0.0, 0x1.0p-53, 0.25, 0.3, 1.0 / 3.0, 0.5, 1.0 - 0x1.0p-53, 1.0};
  for (const double p : ps) {
    const std::uint64_t below = rng::UnitDraws::uniform_below(p);
    const auto edge = static_cast<std::uint64_t>(std::ceil(p * 0x1.0p53));
    for (std::uint64_t m : {edge > 0 ? edge - 1 : 0, edge, std::min<std::uint64_t>(edge + 1, (1ull << 53) - 1)}) {
      const std::uint64_t bits = m << 11 | 0x7FF;
      EXPECT_EQ(rng::UnitDraws::uniform_of(bits) < p, (bits >> 11) < below) << "p = " << p << ", m = " << m;
    }
    rng::UnitDraws d(0x1234, 5);
    for (int i = 0; i < 1000; ++i) {
      const std::uint64_t bits = d.bits();
      EXPECT_EQ(rng::UnitDraws::uniform_of(bits) < p, (bits >> 11) < below);
    }
  }
}

TEST(UnitDraws, BitsAheadAreTheDrawsToCome) {
  const terrasim::sim::rng::BlockedStream stream(11, stream_id("test.ahead"), 3, 10000);
  auto d = stream(5000);
  d.bits();
  const auto peek = d;
  for (std::uint64_t k = 0; k < 5; ++k) EXPECT_EQ(peek.bits_ahead(k), d.bits());
  auto again = peek;
  for (std::uint64_t k = 0; k < 3; ++k) again.bits();
  EXPECT_EQ(again.uniform(), Draws::uniform_of(peek.bits_ahead(3)));
}

TEST(WyrandUnitDraws, KnownAnswerAndBitsAhead) {
  // Pins the output: draw i of unit u is wyrand's output of
  // key + u * golden_gamma + (i + 1) * gamma. The values were computed with
  // Python's integers from wyrand's definition (s += 0xa0761d6478bd642f;
  // the product s * (s ^ 0xe7037ed1a0b428db), its halves xored): from state
  // 0, wyrand's sequence; for key 0x0123456789abcdef, unit 77.
  rng::WyrandUnitDraws zero(0, 0);
  EXPECT_EQ(zero.bits(), 0x111cb3a78f59a58eull);
  EXPECT_EQ(zero.bits(), 0xceabd938ff4e856dull);
  EXPECT_EQ(zero.bits(), 0x61fb51318f47d2a4ull);
  rng::WyrandUnitDraws d(0x0123456789abcdefull, 77);
  for (const std::uint64_t expected : {0x951cb9c50b13ad2eull, 0xe384fc30a075c13dull, 0x3161edc9159549ceull,
                                       0x9848a4f5d160fa5dull})
    EXPECT_EQ(d.bits(), expected);
  const rng::WyrandBlockedStream stream(11, stream_id("test.ahead"), 3, 10000);
  auto e = stream(5000);
  e.bits();
  const auto peek = e;
  for (std::uint64_t k = 0; k < 5; ++k) EXPECT_EQ(peek.bits_ahead(k), e.bits());
}

TEST(WyrandUnitDraws, NoTwoUnitsOfABlockShareAState) {
  // Unit u's draws are states key + u * golden_gamma + j * gamma, j >= 1.
  // Units u and v meet if (u - v) * golden_gamma = k * gamma (mod 2^64) for
  // some |k| < 2^24 (a unit's draws a month): k = d * golden_gamma *
  // gamma^-1 for d = u - v. Every d of a block leaves |k| >= 2^50.
  const std::uint64_t gamma = rng::WyrandOutput::kGamma;
  std::uint64_t inverse = gamma;  // Newton: each step doubles the correct low bits
  for (int i = 0; i < 6; ++i) inverse *= 2 - gamma * inverse;
  ASSERT_EQ(gamma * inverse, 1u);
  std::uint64_t nearest = ~std::uint64_t{0};
  for (std::uint64_t d = 1; d < rng::WyrandBlockedStream::kUnitsPerBlock; ++d) {
    const std::uint64_t k = rng::WyrandOutput::unit_start(d) * inverse;
    nearest = std::min({nearest, k, 0 - k});
  }
  EXPECT_GE(nearest, std::uint64_t{1} << 50);
}

TEST(WyrandUnitDraws, NeighbouringUnitsAndDrawsAreUniformAndUncorrelated) {
  // As the models use them: a few draws for each of many consecutive units.
  // The first draws of 200,000 units pass Kolmogorov-Smirnov; every bit is
  // set half the time (5 standard errors); a unit's first draw is not
  // correlated with its neighbour's, nor with its own second draw.
  const rng::WyrandBlockedStream stream(5, stream_id("test.wyrand"), 2, 200000);
  const int n = 200000;
  std::vector<double> first(n), second(n);
  std::array<int, 64> ones{};
  for (int u = 0; u < n; ++u) {
    auto d = stream(static_cast<std::uint64_t>(u));
    const std::uint64_t b = d.bits();
    for (int k = 0; k < 64; ++k) ones[static_cast<std::size_t>(k)] += static_cast<int>((b >> k) & 1);
    first[static_cast<std::size_t>(u)] = Draws::uniform_of(b);
    second[static_cast<std::size_t>(u)] = d.uniform();
  }
  for (int k = 0; k < 64; ++k) EXPECT_NEAR(ones[static_cast<std::size_t>(k)], n / 2.0, 5 * std::sqrt(n / 4.0)) << "bit " << k;
  EXPECT_LT(std::fabs(ts::correlation(first, first, 1)), 4.0 / std::sqrt(n));
  EXPECT_LT(std::fabs(ts::correlation(first, second)), 4.0 / std::sqrt(n));
  EXPECT_LT(ts::ks_statistic(first, [](double u) { return u; }), ts::ks_critical(first.size()));
}

TEST(Distributions, UniformPassesKolmogorovSmirnov) {
  Draws d(1, stream_id("ks.uniform"), 0, 0);
  std::vector<double> x(100000);
  for (auto& v : x) v = d.uniform();
  EXPECT_LT(ts::ks_statistic(x, [](double u) { return u; }), ts::ks_critical(x.size()));
  for (double v : x) ASSERT_TRUE(v >= 0.0 && v < 1.0);
}

TEST(Distributions, NormalPassesKolmogorovSmirnov) {
  Draws d(2, stream_id("ks.normal"), 0, 0);
  std::vector<double> x(100000);
  for (auto& v : x) v = rng::normal(d);
  EXPECT_LT(ts::ks_statistic(x, [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }),
            ts::ks_critical(x.size()));
}

TEST(Distributions, ZigguratNormalPassesKolmogorovSmirnov) {
  Draws d(3, stream_id("ks.ziggurat"), 0, 0);
  std::vector<double> x(400000);
  for (auto& v : x) v = rng::normal_ziggurat(d);
  EXPECT_LT(ts::ks_statistic(x, [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }),
            ts::ks_critical(x.size()));
}

TEST(Distributions, ZigguratNormalHasItsTailsAndMoments) {
  // The tail beyond R = 3.44 and the wedges are separate code paths: check
  // the mass beyond 3 and beyond 3.5 (binomial, 5 standard errors), the
  // variance and the fourth moment.
  Draws d(4, stream_id("tail.ziggurat"), 0, 0);
  const int n = 2000000;
  double beyond3 = 0, beyond35 = 0, m2 = 0, m4 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = rng::normal_ziggurat(d);
    beyond3 += std::fabs(z) > 3.0;
    beyond35 += std::fabs(z) > 3.5;
    m2 += z * z;
    m4 += z * z * z * z;
  }
  const double p3 = std::erfc(3.0 / std::sqrt(2.0)), p35 = std::erfc(3.5 / std::sqrt(2.0));
  EXPECT_NEAR(beyond3 / n, p3, 5 * std::sqrt(p3 / n));
  EXPECT_NEAR(beyond35 / n, p35, 5 * std::sqrt(p35 / n));
  EXPECT_NEAR(m2 / n, 1.0, 5 * std::sqrt(2.0 / n));
  EXPECT_NEAR(m4 / n, 3.0, 5 * std::sqrt(96.0 / n));
}

TEST(Distributions, BelowIsUniformChiSquare) {
  Draws d(3, stream_id("chi.below"), 0, 0);
  const int k = 7, n = 70000;
  std::vector<double> obs(k, 0), exp(k, n / double(k));
  for (int i = 0; i < n; ++i) {
    const auto v = d.below(k);
    ASSERT_LT(v, std::uint64_t(k));
    ++obs[v];
  }
  EXPECT_LT(ts::chi_square(obs, exp), ts::chi_square_critical(k - 1));
}

TEST(Distributions, GeometricGapMatchesBernoulliRate) {
  // Events drawn by skipping gaps occur at rate p, and the gaps are geometric.
  const double p = 0.02;
  Draws d(4, stream_id("gap"), 0, 0);
  const double log1m = std::log1p(-p);
  const int n = 100000;
  std::vector<double> obs(6, 0), exp(6, 0);
  double total = 0;
  for (int i = 0; i < n; ++i) {
    const auto g = rng::geometric_gap(d, log1m);
    total += double(g);
    ++obs[std::min<std::uint64_t>(g / 20, 5)];
  }
  // P(g in [20j, 20j+20)) = (1-p)^(20j) (1 - (1-p)^20); the last cell is the tail.
  for (int j = 0; j < 6; ++j) exp[j] = n * std::pow(1 - p, 20 * j) * (j < 5 ? 1 - std::pow(1 - p, 20) : 1.0);
  EXPECT_LT(ts::chi_square(obs, exp), ts::chi_square_critical(5));
  EXPECT_NEAR(total / n, (1 - p) / p, 4 * std::sqrt((1 - p) / (p * p) / n));
  Draws e(4, 1, 0, 0);
  EXPECT_EQ(rng::geometric_gap(e, -INFINITY), 0u);  // p = 1: every trial is an event
}

class PoissonTest : public ::testing::TestWithParam<double> {};

TEST_P(PoissonTest, MatchesItsDistributionChiSquare) {
  const double mean = GetParam();
  Draws d(5, stream_id("poisson"), 0, static_cast<std::uint64_t>(mean * 10));
  const int n = 50000;
  // Cells: values from lo to hi, with both tails pooled.
  const int lo = std::max(0, int(mean - 4 * std::sqrt(mean))), hi = int(mean + 4 * std::sqrt(mean)) + 1;
  std::vector<double> obs(hi - lo + 1, 0), exp(hi - lo + 1, 0);
  for (int i = 0; i < n; ++i) {
    const auto k = static_cast<int>(rng::poisson(d, mean));
    ++obs[std::clamp(k, lo, hi) - lo];
  }
  double cdf_below_lo = 0, cum = 0;
  for (int k = 0; k <= hi; ++k) {
    const double pk = std::exp(k * std::log(mean) - mean - std::lgamma(k + 1.0));
    if (k < lo) cdf_below_lo += pk;
    else if (k < hi) exp[k - lo] += pk * n;
    cum += pk;
  }
  exp[0] += cdf_below_lo * n;
  exp[hi - lo] = (1 - (cum - std::exp(hi * std::log(mean) - mean - std::lgamma(hi + 1.0)))) * n;
  // Pool cells with small expectations into their neighbours.
  std::vector<double> o2, e2;
  double oa = 0, ea = 0;
  for (std::size_t i = 0; i < obs.size(); ++i) {
    oa += obs[i];
    ea += exp[i];
    if (ea >= 20) { o2.push_back(oa); e2.push_back(ea); oa = ea = 0; }
  }
  if (ea > 0) { o2.back() += oa; e2.back() += ea; }
  EXPECT_LT(ts::chi_square(o2, e2), ts::chi_square_critical(double(o2.size() - 1))) << "mean " << mean;
}

INSTANTIATE_TEST_SUITE_P(SmallAndLargeMeans, PoissonTest, ::testing::Values(0.5, 4.8, 8.0, 48.0, 480.0));

TEST(Distributions, PoissonOfZeroMeanIsZero) {
  Draws d(6, 0, 0, 0);
  EXPECT_EQ(rng::poisson(d, 0.0), 0u);
}

TEST(Sampling, FloydGivesEverySubsetEqualChance) {
  // 2 of 5: ten subsets, each with probability 1/10.
  std::map<std::pair<int, int>, double> counts;
  const int n = 50000;
  for (int i = 0; i < n; ++i) {
    Draws d(7, stream_id("floyd"), 0, static_cast<std::uint64_t>(i));
    int out[2];
    rng::sample_sorted(d, 5, 2, out);
    ASSERT_LT(out[0], out[1]);
    ASSERT_LT(out[1], 5);
    ++counts[{out[0], out[1]}];
  }
  ASSERT_EQ(counts.size(), 10u);
  std::vector<double> obs, exp;
  for (auto& [k, v] : counts) { obs.push_back(v); exp.push_back(n / 10.0); }
  EXPECT_LT(ts::chi_square(obs, exp), ts::chi_square_critical(9));
}

TEST(Sampling, FloydWithABitmapChoosesAsTheScanDoes) {
  // Above 64 the membership test is a bitmap: the same draws must choose
  // the same subset as the scan (written out here), for k just past the
  // switch and for most of n.
  for (const std::uint64_t n : {70u, 1000u, 5000u})
    for (const std::uint64_t k : {std::uint64_t{65}, std::uint64_t{66}, n / 2, n - 1, n}) {
      if (k > n) continue;
      Draws a(9, stream_id("floyd-bitmap"), 0, n * 7919 + k), b = a;
      std::vector<std::uint32_t> fast(k), slow;
      rng::sample_sorted(a, n, k, fast.data());
      for (std::uint64_t j = n - k; j < n; ++j) {
        const auto t = static_cast<std::uint32_t>(b.below(j + 1));
        slow.push_back(std::find(slow.begin(), slow.end(), t) != slow.end() ? static_cast<std::uint32_t>(j) : t);
      }
      std::sort(slow.begin(), slow.end());
      EXPECT_EQ(fast, slow) << "n " << n << ", k " << k;
    }
}

TEST(Sampling, FloydOfHalfAMillionIsQuick) {
  // 500,000 of 10^6: the scan took minutes (a firm dismissing half its
  // staff); the bitmap, milliseconds. The sample is sorted and distinct.
  Draws d(10, stream_id("floyd-large"), 0, 0);
  std::vector<std::uint32_t> out(500000);
  rng::sample_sorted(d, 1000000, out.size(), out.data());
  EXPECT_TRUE(std::adjacent_find(out.begin(), out.end(), std::greater_equal<>()) == out.end());
  EXPECT_LT(out.back(), 1000000u);
}

TEST(Sampling, AllOfThem) {
  Draws d(8, 0, 0, 0);
  std::uint32_t out[6];
  rng::sample_sorted(d, 6, 6, out);
  for (std::uint32_t i = 0; i < 6; ++i) EXPECT_EQ(out[i], i);
}

// Offers candidates 0..c-1 in order to a reservoir of k slots, each with 32
// bits of d; returns the slots (c if empty).
std::vector<std::uint32_t> reservoir_of(Draws& d, std::uint32_t c, std::uint32_t k) {
  std::vector<std::uint32_t> slots(k, c);
  for (std::uint32_t q = 0; q < c; ++q) {
    const std::uint32_t j = rng::reservoir_slot(q + 1, k, static_cast<std::uint32_t>(d.bits() >> 32),
                                                [&] { return static_cast<std::uint32_t>(d.bits() >> 32); });
    if (j < k) slots[j] = q;
  }
  return slots;
}

TEST(Reservoir, TheFirstFillTheSlotsInOrder) {
  Draws d(5, stream_id("reservoir"), 0, 0);
  EXPECT_EQ(reservoir_of(d, 3, 5), (std::vector<std::uint32_t>{0, 1, 2, 3, 3}));
  EXPECT_EQ(reservoir_of(d, 4, 4), (std::vector<std::uint32_t>{0, 1, 2, 3}));
  // Past k, a slot below c: every one of them reachable.
  std::vector<int> seen(9, 0);
  for (int i = 0; i < 2000; ++i)
    ++seen[rng::reservoir_slot(9, 2, static_cast<std::uint32_t>(d.bits()), [] { return 0x80000000u; })];
  for (int j = 0; j < 9; ++j) EXPECT_GT(seen[j], 150) << j;
}

TEST(Reservoir, GivesEverySubsetEqualChance) {
  // 2 of 5 met in order: ten subsets, each with probability 1/10; and 3 of
  // 3 (fewer than the slots): always all of them.
  std::map<std::pair<std::uint32_t, std::uint32_t>, double> counts;
  const int n = 50000;
  for (int i = 0; i < n; ++i) {
    Draws d(7, stream_id("reservoir.subsets"), 0, static_cast<std::uint64_t>(i));
    const auto slots = reservoir_of(d, 5, 2);
    ++counts[{std::min(slots[0], slots[1]), std::max(slots[0], slots[1])}];
  }
  ASSERT_EQ(counts.size(), 10u);
  std::vector<double> obs, exp;
  for (auto& [k, v] : counts) {
    obs.push_back(v);
    exp.push_back(n / 10.0);
  }
  EXPECT_LT(ts::chi_square(obs, exp), ts::chi_square_critical(9));
}

TEST(Reservoir, RedrawsExactlyWhenLemiresMethodRejects) {
  // c = 3: 2^32 = 3 * 1431655765 + 1, so one value of the low word, 0, is
  // rejected: bits 0 give 0 * 3 = 0. The next bits, 2^31, give 3 * 2^31 =
  // 1 * 2^32 + 2^31: slot 1.
  int calls = 0;
  auto more = [&] {
    ++calls;
    return 0x80000000u;
  };
  EXPECT_EQ(rng::reservoir_slot(3, 1, 0u, more), 1u);
  EXPECT_EQ(calls, 1);
  // The same bits while the slots are not full: slot c - 1, no draw.
  EXPECT_EQ(rng::reservoir_slot(3, 3, 0u, more), 2u);
  EXPECT_EQ(calls, 1);
  // Bits that are not rejected (low word 3 >= the threshold 1): no draw;
  // nor where the low word is below c but not below the threshold
  // (0x55555556 * 3 = 2^32 + 2).
  EXPECT_EQ(rng::reservoir_slot(3, 1, 1u, more), 0u);
  EXPECT_EQ(rng::reservoir_slot(3, 1, 0x55555556u, more), 1u);
  EXPECT_EQ(rng::reservoir_slot(3, 1, 0xFFFFFFFFu, more), 2u);
  EXPECT_EQ(calls, 1);
  // A rejection that rejects again takes as many draws as it needs.
  int left = 3;
  auto zeros_then_half = [&] { return --left > 0 ? 0u : 0x80000000u; };
  EXPECT_EQ(rng::reservoir_slot(3, 1, 0u, zeros_then_half), 1u);
  EXPECT_EQ(left, 0);
}

TEST(Alias, FollowsItsWeightsAndNeverReturnsAZeroWeight) {
  // Two rows over five categories, one of zero weight in each.
  const double w[2][5] = {{0.5, 0.0, 2.0, 1.0, 0.25}, {3.0, 1.0, 1.0, 0.0, 0.001}};
  rng::AliasRows alias(2, 5);
  alias.assign([&](std::size_t r, std::size_t k) { return w[r][k]; });
  for (std::size_t r = 0; r < 2; ++r) {
    double total = 0;
    for (double x : w[r]) total += x;
    EXPECT_DOUBLE_EQ(alias.total(r), total);
    Draws d(9, stream_id("alias"), 0, r);
    const int n = 200000;
    std::vector<double> obs(5, 0), exp;
    for (int i = 0; i < n; ++i) ++obs[alias.find(r, static_cast<std::uint32_t>(d.bits() >> 32))];
    std::vector<double> o;
    for (std::size_t k = 0; k < 5; ++k) {
      if (w[r][k] == 0) {
        EXPECT_EQ(obs[k], 0) << "category " << k << " has no weight";
        continue;
      }
      o.push_back(obs[k]);
      exp.push_back(n * w[r][k] / total);
    }
    EXPECT_LT(ts::chi_square(o, exp), ts::chi_square_critical(static_cast<int>(o.size()) - 1));
  }
  // Extremes of the 32 bits stay in range.
  for (std::uint32_t x : {0u, 0xFFFFFFFFu}) EXPECT_LT(alias.find(1, x), 5u);
}

// A column kept always keeps the last fraction too, 2^32 - 1, where its
// threshold (2^32 - 1) sends the draw to its alias: itself.
TEST(Alias, AColumnKeptAlwaysKeepsTheLastFraction) {
  rng::AliasRows one(1, 1);
  one.assign([](std::size_t, std::size_t) { return 1.0; });
  EXPECT_EQ(one.find(0, 0xFFFFFFFFu), 0u);
  // Three equal weights: 0x55555555 * 3 = 0xFFFFFFFF, column 0 at its last fraction.
  rng::AliasRows even(2, 3);
  even.assign([](std::size_t r, std::size_t k) { return r == 0 || k > 0 ? 1.0 : 0.0; });
  EXPECT_EQ(even.find(0, 0x55555555u), 0u);
  EXPECT_EQ(even.row(0).find(0x55555555u), 0u);
  // Row 1 gives column 0 no weight: the same bits go elsewhere.
  EXPECT_NE(even.find(1, 0x55555555u), 0u);
}

// The guided search and, up to kCounted categories, the count give the
// definition's answer: the first category whose cumulative weight exceeds
// u x total (the last if rounding leaves none), never one of zero weight;
// for every width on both sides of kCounted, weights with zeros and ties,
// and u at 0, just below 1 and on the cumulative weights themselves.
TEST(Guided, FindsTheFirstCategoryPastUOnEitherPath) {
  Draws d(5, stream_id("guided"), 0, 0);
  for (std::size_t n = 1; n <= 2 * rng::GuidedRows::kCounted + 3; ++n) {
    const std::size_t rows = 4;
    std::vector<double> w(rows * n);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t k = 0; k < n; ++k) {
        const std::uint64_t x = d.bits();
        // A third zero, some equal, the rest spread over six decades.
        w[r * n + k] = x % 3 == 0 ? 0.0 : x % 3 == 1 ? 2.5 : std::pow(10.0, -3.0 + 6.0 * d.uniform());
      }
    w[n - 1] = 1.0;  // row 0 has a weight at least
    rng::GuidedRows guided(rows, n);
    guided.assign([&](std::size_t r, std::size_t k) { return w[r * n + k]; });
    for (std::size_t r = 0; r < rows; ++r) {
      std::vector<double> cum(n);
      double acc = 0;
      for (std::size_t k = 0; k < n; ++k) cum[k] = acc += w[r * n + k];
      if (!(acc > 0)) continue;
      std::vector<double> us = {0.0, 0.5, std::nextafter(1.0, 0.0)};
      for (std::size_t k = 0; k < n; ++k) us.push_back(cum[k] / acc);  // on the boundaries (below 1)
      for (int i = 0; i < 2000; ++i) us.push_back(d.uniform());
      for (double u : us) {
        if (!(u < 1.0)) continue;
        const double x = u * acc;
        std::size_t expected = 0;
        while (expected + 1 < n && !(x < cum[expected])) ++expected;
        const std::size_t got = guided.find(r, u);
        ASSERT_EQ(got, expected) << "n " << n << " row " << r << " u " << u;
        ASSERT_GT(w[r * n + got], 0.0) << "n " << n << " row " << r << " u " << u;
      }
    }
  }
}

TEST(Stats, WelchAgreesWithKnownValues) {
  // t distribution: two-sided p for t = 2.0 with 10 df is 0.07339 (tables).
  EXPECT_NEAR(ts::student_t_two_sided_p(2.0, 10), 0.0734, 5e-4);
  EXPECT_NEAR(ts::student_t_two_sided_p(0.0, 10), 1.0, 1e-9);
  EXPECT_NEAR(ts::student_t_two_sided_p(2.576, 1e6), 0.01, 2e-4);
}
