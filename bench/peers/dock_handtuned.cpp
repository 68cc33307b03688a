// Hand-tuned, single-purpose, single-threaded C++ peer of the docking model
// (shared/reference/dock-model.md).  Written from the specification alone,
// not from the engine's sources, to measure what carefully tuned sequential
// code does on the same work as the engine and the NumPy peer.
//
// Design (details in bench/peers/README.md, section "dock_handtuned.cpp"):
//
//  * Workers carry no mutable state of their own.  A worker is an "entry"
//    (its home zone and skill packed in one byte) that lives either in the
//    employee list of one firm or in the list of the unemployed.  Every rule
//    of the model is symmetric in worker identity (uniform choices, i.i.d.
//    attributes), so this representation has exactly the model's law.  Under
//    --check the entry also carries the worker's id, an employer array is
//    kept, and the identities are verified against it every month.
//  * Firms: structure of arrays, dense (a firm that exits is replaced by the
//    last firm), employee lists in one arena.
//  * Steps 1-3 act on each firm independently: one pass draws the target
//    shocks (ziggurat normal, inline exp), a second the exits (geometric
//    skips over firms), separations (geometric skips over employees) and
//    dismissals (partial Fisher-Yates).
//  * Matching, one 64-bit draw per application: the zone by inverse CDF on
//    53 bits (a table on the top 10 bits, refined in the few buckets that
//    hold a threshold), the firm as the owner of a uniform vacancy slot of
//    the zone (or an exact integer alias table when vacancies are huge),
//    repeats removed by comparison, acceptability on 22 spare bits (refined
//    on a tie); a month's draws first, then the slot reads (prefetched).
//    Offers by per-firm reservoir sampling (Algorithm R: a uniform
//    min(v_f, c_f)-subset of the c_f acceptable applicants); each worker's
//    choice by reservoir sampling of size one over its offers.  Branch-free
//    where a draw decides.
//  * RNG: wyrand seeded by SplitMix64, both written here.

#include <algorithm>
#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace {

using i64 = std::int64_t;
using u8 = std::uint8_t;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
__extension__ typedef unsigned __int128 u128;

constexpr double kTwo53 = 9007199254740992.0;  // 2^53
constexpr double kInv53 = 1.0 / kTwo53;

// c ? a : b without a branch (the compiler turns a ternary whose condition
// is a random draw into a jump, mispredicted half the time).
inline u32 select32(bool c, u32 a, u32 b) { return b ^ ((a ^ b) & (0u - static_cast<u32>(c))); }

// ---------------------------------------------------------------------------
// Random numbers
// ---------------------------------------------------------------------------

inline u64 splitmix64(u64& x) {
  u64 z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// wyrand (Wang Yi): a Weyl sequence (state += odd constant) mixed by a
// 64 x 64 -> 128-bit multiply folded to 64 bits.  64-bit state, period 2^64;
// passes BigCrush and PractRand; the generator of Go's runtime (cheaprand).
// Chosen over xoshiro256++ for speed (four instructions a draw; 13% less
// time for the whole run).  The seed is scrambled by SplitMix64.
struct Rng {
  u64 s0;
  explicit Rng(u64 seed) {
    u64 x = seed;
    s0 = splitmix64(x);
  }
  __attribute__((always_inline)) inline u64 next() {
    s0 += 0xa0761d6478bd642fULL;
    const u128 t = static_cast<u128>(s0) * (s0 ^ 0xe7037ed1a0b428dbULL);
    return static_cast<u64>(t >> 64) ^ static_cast<u64>(t);
  }
  // uniform on (0, 1]: k / 2^53, k = 1 .. 2^53
  inline double open01() { return static_cast<double>((next() >> 11) + 1) * kInv53; }
  // uniform on [0, 1): k / 2^53, k = 0 .. 2^53 - 1
  inline double u01() { return static_cast<double>(next() >> 11) * kInv53; }

  // Uniform integer in [0, n), n >= 1, from 32 given random bits
  // (Lemire's multiply-shift with rejection: exact).
  __attribute__((always_inline)) inline u32 bounded32(u32 x, u32 n) {
    u64 m = static_cast<u64>(x) * n;
    u32 l = static_cast<u32>(m);
    if (l < n) [[unlikely]] {
      const u32 t = static_cast<u32>(-n) % n;
      while (l < t) {
        x = static_cast<u32>(next() >> 32);
        m = static_cast<u64>(x) * n;
        l = static_cast<u32>(m);
      }
    }
    return static_cast<u32>(m >> 32);
  }
  inline u32 below32(u32 n) { return bounded32(static_cast<u32>(next() >> 32), n); }
  // Uniform integer in [0, n), n >= 1 (64-bit version).
  inline u64 below64(u64 n) {
    u128 m = static_cast<u128>(next()) * n;
    u64 l = static_cast<u64>(m);
    if (l < n) [[unlikely]] {
      const u64 t = (0 - n) % n;
      while (l < t) {
        m = static_cast<u128>(next()) * n;
        l = static_cast<u64>(m);
      }
    }
    return static_cast<u64>(m >> 64);
  }
};

// Standard normal: Marsaglia & Tsang's ziggurat, 256 layers.  The base
// layer ends at r, found by bisection so that the layers, each of area
// v(r), close exactly at the top (3.6541528853610092; Marsaglia & Tsang give
// 3.6541528853610088); the constructor builds the layers from it and checks
// that they close.  Layer index from the low 8 bits, the abscissa from the
// top 53 bits of the same 64-bit draw (disjoint bits).
struct Ziggurat {
  static constexpr int kN = 256;
  double x[kN + 1];   // x[0] = v / f(r) (base strip width), x[1] = r, x[N] = 0
  double ratio[kN];   // x[i+1] / x[i]
  double r = 0;

  static double f(double t) { return std::exp(-0.5 * t * t); }
  // v(r): area of each layer when the base layer ends at r
  static double area(double rr) { return rr * f(rr) + std::sqrt(M_PI / 2) * std::erfc(rr / std::sqrt(2.0)); }

  Ziggurat() {
    r = 3.6541528853610092;
    const double v = area(r);
    x[0] = v / f(r);
    x[1] = r;
    for (int i = 2; i < kN; ++i) x[i] = std::sqrt(-2.0 * std::log(v / x[i - 1] + f(x[i - 1])));
    x[kN] = 0.0;
    for (int i = 0; i < kN; ++i) ratio[i] = x[i + 1] / x[i];
    // the top layer [0, x[N-1]] x [f(x[N-1]), 1] has area v
    if (!(std::fabs(x[kN - 1] * (1.0 - f(x[kN - 1])) - v) < 1e-9 * v)) std::abort();  // closes to ~3e-13
  }

  __attribute__((always_inline)) inline double operator()(Rng& g) const {
    for (;;) {
      const u64 b = g.next();
      const int i = static_cast<int>(b & 0xff);
      // symmetric grid on (-1, 1)
      const double u = (static_cast<double>(b >> 11) + 0.5) * (2.0 * kInv53) - 1.0;
      if (std::fabs(u) < ratio[i]) [[likely]] return u * x[i];
      if (i == 0) {  // tail beyond r
        double a, c;
        do {
          a = std::log(g.open01()) / r;
          c = std::log(g.open01());
        } while (-2.0 * c < a * a);
        return u < 0 ? a - r : r - a;
      }
      const double t = u * x[i];
      const double f0 = std::exp(-0.5 * (x[i] * x[i] - t * t));
      const double f1 = std::exp(-0.5 * (x[i + 1] * x[i + 1] - t * t));
      if (f1 + g.u01() * (f0 - f1) < 1.0) return t;
    }
  }
};

// Standard exponential: the ziggurat for e^-x, 256 layers, r found as for
// the normal (7.6971174701310501; Marsaglia & Tsang: 7.69711747013104972).
// The tail beyond r is r + Exp(1) (memoryless).
struct ExpZiggurat {
  static constexpr int kN = 256;
  double x[kN + 1];
  double fx[kN + 1];  // e^-x[i]
  double ratio[kN];
  double r = 0;

  static double area(double rr) { return (rr + 1.0) * std::exp(-rr); }

  ExpZiggurat() {
    r = 7.6971174701310501;
    const double v = area(r);
    x[0] = v / std::exp(-r);
    x[1] = r;
    for (int i = 2; i < kN; ++i) x[i] = -std::log(v / x[i - 1] + std::exp(-x[i - 1]));
    x[kN] = 0.0;
    for (int i = 0; i <= kN; ++i) fx[i] = std::exp(-x[i]);
    for (int i = 0; i < kN; ++i) ratio[i] = x[i + 1] / x[i];
    if (!(std::fabs(x[kN - 1] * (1.0 - fx[kN - 1]) - v) < 1e-9 * v)) std::abort();  // closes to ~3e-13
  }

  __attribute__((always_inline)) inline double operator()(Rng& g) const {
    double base = 0;
    for (;;) {
      const u64 b = g.next();
      const int i = static_cast<int>(b & 0xff);
      const double u = static_cast<double>(b >> 11) * kInv53;
      const double t = u * x[i];
      if (u < ratio[i]) [[likely]] return base + t;
      if (i == 0) {
        base += r;
        continue;
      }
      if (fx[i] + g.u01() * (fx[i + 1] - fx[i]) < std::exp(-t)) return base + t;
    }
  }
};

const ExpZiggurat kExpZig;

// Number of failures before the first success of Bernoulli(p) trials:
// floor(E / lambda), E standard exponential, lambda = -log(1 - p), since
// P(G >= k) = P(E >= k lambda) = (1 - p)^k.
struct Geometric {
  double c = 0;  // 1 / lambda
  int mode = 0;  // 0: normal, 1: p == 0 (never), 2: p == 1 (always)
  static constexpr i64 kNever = std::numeric_limits<i64>::max() / 4;
  explicit Geometric(double p) {
    if (p <= 0) mode = 1;
    else if (p >= 1) mode = 2;
    else c = -1.0 / std::log1p(-p);
  }
  __attribute__((always_inline)) inline i64 operator()(Rng& g) const {
    if (mode != 0) [[unlikely]] return mode == 1 ? kNever : 0;
    const double k = kExpZig(g) * c;  // >= 0: truncation is floor
    return k < 1e18 ? static_cast<i64>(k) : kNever;
  }
};

// exp(x), inline, for the monthly target shock: x = k ln2 / 128 + r with k
// the nearest integer and |r| <= ln2 / 256, exp(x) = 2^(k / 128) e^r with
// 2^(j / 128) from a table and e^r by its Taylor polynomial to degree 5
// (truncation error below 4e-17 relative): within about one unit in the last
// place of glibc's exp.  Outside |x| < 700, std::exp.
struct FastExp {
  static constexpr int kBits = 7, kN = 1 << kBits;
  u64 tab[kN];
  FastExp() {
    for (int j = 0; j < kN; ++j) tab[j] = std::bit_cast<u64>(std::exp2(static_cast<double>(j) / kN));
  }
  __attribute__((always_inline)) inline double operator()(double x) const {
    if (!(std::fabs(x) < 700.0)) [[unlikely]] return std::exp(x);
    constexpr double kInvLn2N = 184.66496523378731;           // 128 / ln 2
    constexpr double kLn2HiN = 6.93147180369123816490e-01 / kN;  // ln 2 / 128, high 32 bits
    constexpr double kLn2LoN = 1.90821492927058770002e-10 / kN;  //   and the rest
    constexpr double kShift = 6755399441055744.0;               // 1.5 * 2^52: rounds to an integer
    double kd = x * kInvLn2N + kShift;
    const i64 ki = static_cast<i64>(std::bit_cast<u64>(kd) - std::bit_cast<u64>(kShift));
    kd -= kShift;
    const double r = (x - kd * kLn2HiN) - kd * kLn2LoN;
    const double scale = std::bit_cast<double>(tab[ki & (kN - 1)] + (static_cast<u64>(ki >> kBits) << 52));
    const double r2 = r * r;
    const double p = r + r2 * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120))));
    return scale + scale * p;
  }
};

// Poisson(lambda): count of unit-rate arrivals in [0, lambda] (Knuth's product
// of uniforms), lambda split into pieces of at most 500 so e^-piece is normal.
inline i64 poisson(Rng& g, double lambda) {
  i64 k = 0;
  while (lambda > 0) {
    const double piece = std::min(lambda, 500.0);
    lambda -= piece;
    const double limit = std::exp(-piece);
    double prod = g.open01();
    while (prod > limit) {
      ++k;
      prod *= g.open01();
    }
  }
  return k;
}

// ---------------------------------------------------------------------------
// Model constants and parameters
// ---------------------------------------------------------------------------

constexpr int kZones = 6;
constexpr double kZoneX[kZones] = {0, 0, 0, 5, -5, 12};
constexpr double kZoneY[kZones] = {0, 4, -4, 0, 0, 8};
constexpr double kWorkerShare[kZones] = {0.30, 0.15, 0.15, 0.15, 0.15, 0.10};
constexpr double kFirmShare[kZones] = {0.40, 0.15, 0.12, 0.15, 0.10, 0.08};
constexpr const char* kSpecSha256 = "f89c4a3a96c0c1f2b3abdd72027dc549a9d16aacb53e1f8edc340b4c1672a5da";

struct Params {
  i64 workers = 100000;
  i64 firms = 9500;
  i64 skills = 4;
  i64 months = 120;
  double separation_rate = 0.02;
  double target_volatility = 0.10;
  double exit_rate = 0.005;
  double entry_rate = 48.0;
  double entrant_size_mean = 8.0;
  double init_size_mu = 1.5;
  double init_size_sigma = 1.2;
  i64 applications = 3;
  double distance_scale_km = 8.0;
  double mismatch_acceptance = 0.25;
};

// Thresholds of an inverse CDF on 53-bit integers: with u = next() >> 11,
// category = #{k : u >= th[k]}.  th[k] = ceil(2^53 * C_k), C_k the normalised
// cumulative weight; category z is drawn with probability
// (th[z] - th[z-1]) / 2^53 (th[-1] = 0, th[n-1] = 2^53), i.e. its weight's
// share to within 2^-53; a zero-weight category is never drawn.
inline void cdf_thresholds(const double* w, int n, u64* th) {
  double total = 0;
  for (int k = 0; k < n; ++k) total += w[k];
  double cum = 0;
  for (int k = 0; k < n - 1; ++k) {
    cum += w[k];
    const double c = cum / total;
    th[k] = static_cast<u64>(std::ceil(std::min(c, 1.0) * kTwo53));
  }
}

inline int draw_cdf6(u64 x, const u64* th) {
  const u64 u = x >> 11;
  return static_cast<int>(u >= th[0]) + static_cast<int>(u >= th[1]) + static_cast<int>(u >= th[2]) +
         static_cast<int>(u >= th[3]) + static_cast<int>(u >= th[4]);
}

// n* = max(1, round(T)), round(x) = floor(x + 0.5); held below 2^53.
// (For y = T + 0.5 >= 1, floor(y) is the truncation: no libm call.)
__attribute__((always_inline)) inline i64 int_target(double t) {
  const double y = t + 0.5;
  if (!(y >= 1.0)) [[unlikely]] return 1;
  if (y >= kTwo53) [[unlikely]] return static_cast<i64>(kTwo53);
  return static_cast<i64>(y);
}

struct Series {
  std::vector<double> urate;
  std::vector<i64> firms, vacancies, hires, separations, entries, exits;
  void reset(i64 months) {
    for (auto* v : {&firms, &vacancies, &hires, &separations, &entries, &exits}) {
      v->clear();
      v->reserve(static_cast<size_t>(months));
    }
    urate.clear();
    urate.reserve(static_cast<size_t>(months));
  }
};

[[noreturn]] void identity_failed(i64 t, const char* what) {
  std::fprintf(stderr, "dock_handtuned: month %lld: accounting identity failed: %s\n",
               static_cast<long long>(t), what);
  std::exit(1);
}

// ---------------------------------------------------------------------------
// The simulation
// ---------------------------------------------------------------------------

// The firms alive, structure of arrays, dense: firm i is slot i of each
// array; a firm that exits is replaced by the last one.
struct Firms {
  std::vector<double> T;   // latent target T_f
  std::vector<i64> nstar;  // n*_f
  std::vector<u32> off;    // employee list: arena[off .. off + size)
  std::vector<u32> cap;    //   capacity of its block
  std::vector<u32> size;   // employees
  std::vector<u16> skill;
  std::vector<u8> zone;
  size_t n = 0;

  void clear() {
    n = 0;
    T.clear(), nstar.clear(), off.clear(), cap.clear(), size.clear(), skill.clear(), zone.clear();
  }
  void reserve(size_t m) {
    T.reserve(m), nstar.reserve(m), off.reserve(m), cap.reserve(m), size.reserve(m), skill.reserve(m), zone.reserve(m);
  }
  void push(double t, i64 ns, u32 sk, u32 z) {
    T.push_back(t), nstar.push_back(ns), off.push_back(0), cap.push_back(0), size.push_back(0);
    skill.push_back(static_cast<u16>(sk)), zone.push_back(static_cast<u8>(z));
    ++n;
  }
  // firm `to` <- the last firm; the last slot removed
  void remove(size_t to) {
    const size_t last = n - 1;
    T[to] = T[last], nstar[to] = nstar[last], off[to] = off[last], cap[to] = cap[last], size[to] = size[last];
    skill[to] = skill[last], zone[to] = zone[last];
    T.pop_back(), nstar.pop_back(), off.pop_back(), cap.pop_back(), size.pop_back(), skill.pop_back(), zone.pop_back();
    --n;
  }
};

// One firm with vacancies, for the matching round.
struct Vacant {
  u32 skill;
  u32 cnt;   // acceptable applicants seen so far
  u32 vc;    // min(v_f, unemployed): offers it can make
  u32 off;   // reservoir: res[off .. off + vc)
};

struct AliasCell {
  u64 thr;    // keep the bin's own item when r < thr (r uniform on [0, W))
  u32 alias;  // else this item
  u32 pad;
};

struct AliasCell32 {
  u32 thr;
  u32 alias;
};

struct ZoneTable {
  u32 base = 0;  // first vacant index of the zone
  u32 n = 0;     // vacant firms in the zone
  u64 W = 0;     // V_z
  u32 sbase = 0; // first vacancy slot of the zone (slot mode)
};

// How a firm is drawn within its zone (proportional to v_f): a uniform
// vacancy slot of the zone (slot mode: V_z slots, each naming its firm), or
// an integer alias table (32-bit or 64-bit masses) when there are too many
// vacancies to list.
enum DrawMode { kSlots = 0, kAlias32 = 1, kAlias64 = 2 };

// E: the entry of a worker in a list.  Fast mode: its attribute (home * S +
// skill).  Check mode (Check = true): id << 32 | attribute.
template <class E, bool Check>
class Sim {
 public:
  Sim(const Params& p, const Ziggurat& zig, int forced_mode)
      : p_(p), zig_(zig), sep_(p.separation_rate), exit_(p.exit_rate), forced_mode_(forced_mode) {
    S_ = static_cast<u32>(p.skills);
    nattr_ = static_cast<u32>(kZones) * S_;
    home_of_.resize(nattr_);
    skill_of_.resize(nattr_);
    for (u32 a = 0; a < nattr_; ++a) {
      home_of_[a] = static_cast<u8>(a / S_);
      skill_of_[a] = a % S_;
    }
    cdf_thresholds(kWorkerShare, kZones, worker_th_);
    cdf_thresholds(kFirmShare, kZones, firm_th_);
    for (int h = 0; h < kZones; ++h)
      for (int z = 0; z < kZones; ++z)
        dist_[h][z] = std::hypot(kZoneX[h] - kZoneX[z], kZoneY[h] - kZoneY[z]);
    accept_thr_ = static_cast<u64>(std::ceil(p.mismatch_acceptance * kTwo53));
    acc_hi_ = accept_thr_ >> 31;
    acc_lo_ = accept_thr_ & ((u64{1} << 31) - 1);
    sig_ = p.target_volatility;
    half_sig2_ = 0.5 * sig_ * sig_;
  }

  void run(u64 seed, Series& out) {
    Rng g(seed);
    out.reset(p_.months);
    init(g);
    for (i64 t = 0; t < p_.months; ++t) step(g, t, out);
  }

 private:
  static u32 attr_of(E e) {
    if constexpr (Check) return static_cast<u32>(e & 0xffffffffu);
    else return static_cast<u32>(e);
  }
  static u32 id_of(E e) { return static_cast<u32>(static_cast<u64>(e) >> 32); }

  u32 draw_attr(Rng& g) {
    const u32 home = static_cast<u32>(draw_cdf6(g.next(), worker_th_));
    return home * S_ + g.below32(S_);
  }

  void new_firm(Rng& g, double T) {
    const u32 zone = static_cast<u32>(draw_cdf6(g.next(), firm_th_));
    const u32 skill = g.below32(S_);
    F_.push(T, int_target(T), skill, zone);
  }

  // ---- arena of employee lists ----
  void compact(size_t extra) {
    size_t live = extra;
    for (size_t f = 0; f < F_.n; ++f) live += F_.cap[f];
    spare_.resize(std::max<size_t>(2 * live + 1024, arena_.size() / 2 + 1));
    size_t pos = 0;
    for (size_t f = 0; f < F_.n; ++f) {
      if (F_.size[f]) std::memcpy(&spare_[pos], &arena_[F_.off[f]], F_.size[f] * sizeof(E));
      F_.off[f] = static_cast<u32>(pos);
      pos += F_.cap[f];
    }
    arena_.swap(spare_);
    used_ = pos;
  }
  // make room for `need` employees in firm f
  void reserve_firm(size_t f, u32 need) {
    const u32 cap = F_.cap[f], s = F_.size[f];
    if (need <= cap) return;
    const u32 nc = std::max({need, cap * 2, 4u});
    if (used_ + nc > arena_.size()) {
      // its block becomes garbage: keep its employees aside, compact the rest
      tmp_.assign(arena_.begin() + F_.off[f], arena_.begin() + F_.off[f] + s);
      F_.size[f] = 0;
      F_.cap[f] = 0;
      compact(nc);
      if (used_ + nc > arena_.size()) arena_.resize(used_ + nc);
      if (s) std::memcpy(&arena_[used_], tmp_.data(), s * sizeof(E));
      F_.size[f] = s;
    } else if (s) {
      std::memmove(&arena_[used_], &arena_[F_.off[f]], s * sizeof(E));
    }
    F_.off[f] = static_cast<u32>(used_);
    F_.cap[f] = nc;
    used_ += nc;
  }

  // ---- initial state ----
  void init(Rng& g) {
    const i64 N = p_.workers;
    F_.clear();
    F_.reserve(static_cast<size_t>(p_.firms) + static_cast<size_t>(4 * p_.entry_rate * static_cast<double>(p_.months) / 3) + 1024);
    ulist_.clear();
    ulist_.reserve(static_cast<size_t>(N) + 1);
    if constexpr (Check) {
      employer_.assign(static_cast<size_t>(N), -1);
      wattr_.assign(static_cast<size_t>(N), 0);
    }
    // firms: zone, skill, T = exp(mu + sigma Z)
    for (i64 k = 0; k < p_.firms; ++k) new_firm(g, std::exp(p_.init_size_mu + p_.init_size_sigma * zig_(g)));
    // Workers in a random order fill firms in a random order.  Workers'
    // attributes are i.i.d. and so are firms', so the k-th worker of a
    // uniformly random order has a fresh i.i.d. attribute, and firms in index
    // order are in a uniformly random order: fill firm 0, 1, ... with fresh
    // workers until workers or firms run out.
    size_t total = 0;
    i64 remaining = N;
    for (size_t f = 0; f < F_.n; ++f) {
      const i64 take = std::min<i64>(F_.nstar[f], remaining);
      remaining -= take;
      F_.size[f] = static_cast<u32>(take);
      F_.cap[f] = static_cast<u32>(take + 4);
      total += F_.cap[f];
    }
    arena_.assign(2 * total + static_cast<size_t>(N) / 4 + 1024, E{});
    used_ = 0;
    u32 next_id = 0;
    for (size_t f = 0; f < F_.n; ++f) {
      F_.off[f] = static_cast<u32>(used_);
      used_ += F_.cap[f];
      for (u32 j = 0; j < F_.size[f]; ++j) arena_[F_.off[f] + j] = make_entry(g, next_id++, static_cast<i64>(f));
    }
    while (next_id < static_cast<u64>(N)) ulist_.push_back(make_entry(g, next_id++, -1));
    prev_employed_ = N - static_cast<i64>(ulist_.size());
    prev_firms_ = static_cast<i64>(F_.n);
  }

  E make_entry(Rng& g, u32 id, i64 employer) {
    const u32 a = draw_attr(g);
    if constexpr (Check) {
      employer_[id] = employer;
      wattr_[id] = a;
      return static_cast<E>((static_cast<u64>(id) << 32) | a);
    } else {
      (void)id;
      (void)employer;
      return static_cast<E>(a);
    }
  }

  inline void release(E e) {
    if constexpr (Check) employer_[id_of(e)] = -1;
    ulist_.push_back(e);
  }

  // ---- one month ----
  void step(Rng& g, i64 t, Series& out) {
    i64 separations = 0, exits = 0;

    // Steps 1-3 act on each firm independently, so they run as two sweeps
    // over the firms alive at the start of the month: the target shocks,
    // then exits, separations and dismissals (in decreasing index order, so
    // that an exiting firm is replaced by an already-swept one).
    // Exits: geometric skips over firms.  An exiting firm releases all its
    // employees (whether its separations or dismissals would have come first
    // changes nothing: all of them lose their job in steps 1-3), so its
    // separation and dismissal draws are not made (its target shock is drawn
    // with the others' and discarded with it).  Separations: geometric skips
    // over the employees of the surviving firms.
    // 2a. target shocks (for the firms that will exit too: their T is
    //     discarded with them)
    if (sig_ != 0) {
      Rng r = g;
      const Ziggurat& zig = zig_;
      const FastExp& fexp = fexp_;
      double* T = F_.T.data();
      i64* nstar = F_.nstar.data();
      for (size_t f = 0; f < F_.n; ++f) {
        T[f] *= fexp(sig_ * zig(r) - half_sig2_);
        nstar[f] = int_target(T[f]);
      }
      g = r;
    }
    // 3, 1, 2b: exits, separations, dismissals
    Rng r = g;
    i64 sep_skip = sep_(r);
    i64 exit_skip = exit_(r);
    u32 zc[kZones] = {};  // vacant firms by zone, for 5a
    for (i64 fi = static_cast<i64>(F_.n) - 1; fi >= 0; --fi) {
      const size_t f = static_cast<size_t>(fi);
      if (exit_skip == 0) [[unlikely]] {
        exit_skip = exit_(r);
        ++exits;
        separations += F_.size[f];
        for (u32 j = 0; j < F_.size[f]; ++j) release(arena_[F_.off[f] + j]);
        F_.remove(f);
        if constexpr (Check)
          if (f < F_.n)
            for (u32 j = 0; j < F_.size[f]; ++j) employer_[id_of(arena_[F_.off[f] + j])] = fi;
        continue;
      }
      --exit_skip;
      const u32 s0 = F_.size[f];
      const i64 nstar = F_.nstar[f];
      u32 s = s0;
      E* list = arena_.data() + F_.off[f];
      if (f >= 16) __builtin_prefetch(arena_.data() + F_.off[f - 16], 1);
      // 1. separations: the employee sep_skip places from the end of the
      //    list, and so on; removed from the end backwards, so that the last
      //    one, swapped into its place, is never a later hit
      if (static_cast<u64>(sep_skip) < s0) {
        do {
          const u32 pos = s0 - 1 - static_cast<u32>(sep_skip);
          release(list[pos]);
          list[pos] = list[--s];
          sep_skip += 1 + sep_(r);
        } while (static_cast<u64>(sep_skip) < s0);
        separations += s0 - s;
      }
      sep_skip -= s0;
      // 2b. dismissals: the excess over n*, uniformly
      if (static_cast<i64>(s) > nstar) {
        const u32 d = static_cast<u32>(static_cast<i64>(s) - nstar);
        for (u32 k = 0; k < d; ++k) {
          const u32 j = r.below32(s);
          release(list[j]);
          list[j] = list[--s];
        }
        separations += d;
      }
      F_.size[f] = s;
      zc[F_.zone[f]] += static_cast<u32>(nstar > static_cast<i64>(s));
    }
    g = r;

    // 4. entries
    const i64 K = poisson(g, p_.entry_rate);
    for (i64 k = 0; k < K; ++k) {
      new_firm(g, 1.0 + static_cast<double>(poisson(g, p_.entrant_size_mean)));
      ++zc[F_.zone[F_.n - 1]];  // n* >= 1, no employees
    }

    // 5. matching
    i64 vac_total = 0;
    const i64 hires = match(g, zc, vac_total);

    // 6. record
    const i64 U = static_cast<i64>(ulist_.size());
    out.urate.push_back(static_cast<double>(U) / static_cast<double>(p_.workers));
    out.firms.push_back(static_cast<i64>(F_.n));
    out.vacancies.push_back(vac_total - hires);
    out.hires.push_back(hires);
    out.separations.push_back(separations);
    out.entries.push_back(K);
    out.exits.push_back(exits);
    if constexpr (Check) check_month(t, out, K, exits, hires, separations);
    (void)t;
  }

  // Step 5.  Returns hires; vac_total = sum of v_f before matching.
  // zc: vacant firms by zone.
  i64 match(Rng& g, const u32* zc, i64& vac_total) {
    // a. vacancies fixed for the round, vacant firms grouped by zone
    u32 zpos[kZones];
    u32 nvac = 0;
    for (int z = 0; z < kZones; ++z) {
      zt_[z].base = nvac;
      zt_[z].n = zc[z];
      zt_[z].W = 0;
      zpos[z] = nvac;
      nvac += zc[z];
    }
    vfirm_.resize(nvac);
    vv_.resize(nvac);
    vac_.resize(nvac);
    // the vacant firms in index order (branch-free), then by zone
    tmp32_.resize(F_.n + 1);
    u32 nv = 0;
    {
      const i64* nstar = F_.nstar.data();
      const u32* size = F_.size.data();
      for (u32 fi = 0; fi < F_.n; ++fi) {
        tmp32_[nv] = fi;
        nv += nstar[fi] > static_cast<i64>(size[fi]);
      }
    }
    u128 Wz[kZones] = {};
    for (u32 q = 0; q < nv; ++q) {
      const u32 fi = tmp32_[q];
      const u64 v = static_cast<u64>(F_.nstar[fi] - static_cast<i64>(F_.size[fi]));
      const u32 z = F_.zone[fi];
      const u32 k = zpos[z]++;
      vfirm_[k] = fi;
      vv_[k] = v;
      vac_[k].skill = F_.skill[fi];
      Wz[z] += v;
    }
    u128 Wall = 0;
    bool wide = false;
    for (int z = 0; z < kZones; ++z) {
      Wall += Wz[z];
      if (Wz[z] >= (static_cast<u128>(1) << 63)) {
        std::fprintf(stderr, "dock_handtuned: vacancies of one zone beyond 2^63: not supported\n");
        std::exit(1);
      }
      zt_[z].W = static_cast<u64>(Wz[z]);
      wide |= zt_[z].W > 0xffffffffu;
    }
    vac_total = static_cast<i64>(Wall);
    const u32 U = static_cast<u32>(ulist_.size());
    const u32 A = static_cast<u32>(p_.applications);
    if (U == 0 || A == 0 || nvac == 0) return 0;  // every V_z = 0: nobody applies

    // b. zone choice per home: weights V_z exp(-d(h, z) / L), taken relative
    //    to the nearest zone with vacancies (same ratios, no underflow)
    for (int h = 0; h < kZones; ++h) {
      double dmin = std::numeric_limits<double>::infinity();
      for (int z = 0; z < kZones; ++z)
        if (zt_[z].W > 0) dmin = std::min(dmin, dist_[h][z]);
      double w[kZones];
      for (int z = 0; z < kZones; ++z)
        w[z] = zt_[z].W > 0 ? static_cast<double>(zt_[z].W) * std::exp(-(dist_[h][z] - dmin) / p_.distance_scale_km) : 0.0;
      cdf_thresholds(w, kZones, zone_th_[h]);
      zone_buckets(zone_th_[h], zbucket_[h]);  // the zone of each top-10-bit bucket
    }
    //    firm within the zone with probability v_f / V_z: vacancy slots
    //    while they are few (at most 16 per worker, and below 2^32), else an
    //    alias table, 64-bit when a zone has 2^32 vacancies or more.
    //    --firm-draw forces one, for testing, within those limits.
    const bool few = Wall <= std::max<u128>(16 * static_cast<u128>(p_.workers), 1u << 20) &&
                     Wall < (static_cast<u128>(1) << 32);
    DrawMode mode = forced_mode_ >= 0 ? static_cast<DrawMode>(forced_mode_) : few ? kSlots : kAlias32;
    if (mode == kSlots && Wall >= (static_cast<u128>(1) << 32)) mode = kAlias32;
    if (wide) mode = kAlias64;
    if (mode == kSlots) {
      // zone z owns slots sbase .. sbase + V_z - 1; firm k owns v_k of them.
      // Four are written at a time (padding at the end), no inner branch.
      slots_.resize(static_cast<size_t>(Wall) + 4);
      u32* sl = slots_.data();
      u32 pos = 0;
      for (int z = 0; z < kZones; ++z) {
        zt_[z].sbase = pos;
        for (u32 k = zt_[z].base; k < zt_[z].base + zt_[z].n; ++k) {
          const u32 v = static_cast<u32>(vv_[k]);
          sl[pos] = sl[pos + 1] = sl[pos + 2] = sl[pos + 3] = k;
          if (v > 4) [[unlikely]]
            for (u32 q = 4; q < v; ++q) sl[pos + q] = k;
          pos += v;
        }
      }
    } else {
      alias_.resize(nvac);
      for (int z = 0; z < kZones; ++z)
        if (zt_[z].n) build_alias(zt_[z]);
      if (mode == kAlias32) {
        alias32_.resize(nvac);
        for (u32 k = 0; k < nvac; ++k) alias32_[k] = AliasCell32{static_cast<u32>(alias_[k].thr), alias_[k].alias};
      }
    }
    vskill_.resize(nvac);
    for (u32 k = 0; k < nvac; ++k) vskill_[k] = static_cast<u16>(vac_[k].skill);

    //    the acceptable distinct applications (c), as (firm << 32 | worker)
    pairs_.resize(static_cast<size_t>(U) * A + 32);  // + prefetch padding
    size_t napp = mode == kSlots     ? applications<kSlots>(g, U, A)
                  : mode == kAlias32 ? applications<kAlias32>(g, U, A)
                                     : applications<kAlias64>(g, U, A);
    std::fill(pairs_.begin() + napp, pairs_.begin() + napp + 32, 0);

    // d. offer slots: min(v_f, U) per vacant firm (no firm gets more than U
    //    applicants); if that is too many (huge vacancies), min(v_f, its
    //    acceptable applicants)
    size_t slots = 0;
    for (u32 k = 0; k < nvac; ++k) {
      vac_[k].cnt = 0;
      vac_[k].vc = static_cast<u32>(std::min<u64>(vv_[k], U));
      slots += vac_[k].vc;
    }
    if (slots > std::max<size_t>(2 * napp, 1u << 16)) {
      for (size_t q = 0; q < napp; ++q) ++vac_[pairs_[q] >> 32].cnt;
      for (u32 k = 0; k < nvac; ++k) {
        vac_[k].vc = std::min(vac_[k].vc, vac_[k].cnt);
        vac_[k].cnt = 0;
      }
    }
    slots = 0;
    for (u32 k = 0; k < nvac; ++k) {
      vac_[k].off = static_cast<u32>(slots);
      slots += vac_[k].vc;
    }
    // unfilled slots name the dummy applicant U; slot_firm_: the firm of
    // each slot (written four at a time, padding at the end)
    res_.assign(slots + 17, U);  // + a trash slot, + prefetch padding
    trash_ = static_cast<u32>(slots);
    slot_firm_.resize(slots + 4);
    for (u32 k = 0; k < nvac; ++k) {
      u32* sf = slot_firm_.data() + vac_[k].off;
      const u32 vc = vac_[k].vc;
      sf[0] = sf[1] = sf[2] = sf[3] = k;
      if (vc > 4) [[unlikely]]
        for (u32 q = 4; q < vc; ++q) sf[q] = k;
    }
    {
      Rng r = g;
      size_t q = 0;
      for (; q + 2 <= napp; q += 2) {
        const u64 x = r.next();
        __builtin_prefetch(&vac_[pairs_[q + 24] >> 32], 1);
        __builtin_prefetch(&vac_[pairs_[q + 25] >> 32], 1);
        offer(r, static_cast<u32>(x >> 32), pairs_[q]);
        offer(r, static_cast<u32>(x), pairs_[q + 1]);
      }
      if (q < napp) offer(r, static_cast<u32>(r.next() >> 32), pairs_[q]);
      g = r;
    }

    // e. each worker accepts one of its offers, uniformly: reservoir of one
    //    over its offers (the c-th replaces the kept one with probability
    //    1/c).  One flat pass over the slots; the dummy applicant U takes the
    //    unfilled ones.
    offers_.resize(U + 1);  // counts all zero between months
    {
      Rng r = g;
      Offers* of = offers_.data();
      const u32* rs = res_.data();
      const u32* sf = slot_firm_.data();
      auto tally = [&](u32 q, u32 bits) {
        Offers& o = of[rs[q]];
        const u32 c = ++o.count;
        const u32 j = r.bounded32(bits, c);
        o.choice = select32(j == 0, sf[q], o.choice);
      };
      u32 q = 0;
      for (; q + 2 <= slots; q += 2) {
        const u64 x = r.next();
        tally(q, static_cast<u32>(x >> 32));
        tally(q + 1, static_cast<u32>(x));
      }
      if (q < slots) tally(q, static_cast<u32>(r.next() >> 32));
      of[U] = Offers{0, std::numeric_limits<u32>::max()};  // never hired
      g = r;
    }
    // hires: room first for every offer a firm made (the most it can hire)
    // plus one (each slot writes its applicant past the end, and counts it
    // only if hired), then one flat pass over the slots
    i64 hires = 0;
    for (u32 k = 0; k < nvac; ++k) {
      const u32 fi = vfirm_[k];
      const u32 need = F_.size[fi] + std::min(vac_[k].cnt, vac_[k].vc) + 1;
      if (need > F_.cap[fi]) [[unlikely]] reserve_firm(fi, need);
    }
    ulist_.push_back(E{});  // the dummy applicant
    {
      const u32* rs = res_.data();
      const u32* sf = slot_firm_.data();
      const u32* off = F_.off.data();
      u32* size = F_.size.data();
      E* arena = arena_.data();
      for (u32 q = 0; q < slots; ++q) {
        const u32 i = rs[q];
        const u32 k = sf[q];
        __builtin_prefetch(&offers_[rs[q + 16]]);
        __builtin_prefetch(&ulist_[rs[q + 16]]);
        const bool hired = offers_[i].choice == k;
        const u32 fi = vfirm_[k];
        const E e = ulist_[i];
        arena[off[fi] + size[fi]] = e;
        size[fi] += hired;
        hires += hired;
        if constexpr (Check)
          if (hired) employer_[id_of(e)] = fi;
      }
    }
    ulist_.pop_back();
    // the others stay unemployed
    u32 keep = 0;
    for (u32 i = 0; i < U; ++i) {
      const E e = ulist_[i];
      ulist_[keep] = e;
      keep += offers_[i].count == 0;
      offers_[i].count = 0;
    }
    ulist_.resize(keep);
    return hires;
  }

  // d. firm k gets acceptable applicant i (pair = k << 32 | i): Algorithm R
  //    keeps a uniform min(v_f, c)-subset of its c acceptable applicants (the
  //    c-th is kept if c <= v_f, else it replaces slot j, j uniform on [0, c),
  //    if j < v_f).  Branch-free: x, 32 random bits, gives j.
  __attribute__((always_inline)) inline void offer(Rng& r, u32 x, u64 pair) {
    const u32 k = static_cast<u32>(pair >> 32);
    Vacant& vk = vac_[k];
    const u32 c = ++vk.cnt;
    const u32 jr = r.bounded32(x, c);
    const u32 j = select32(c <= vk.vc, c - 1, jr);
    res_[select32(j < vk.vc, vk.off + j, trash_)] = static_cast<u32>(pair);
  }

  // b, c.  For each unemployed worker: A draws (zone, then firm), repeats
  // counted once, acceptability drawn once per distinct application (drawn
  // for a repeat too, and ignored).  Appends the acceptable ones to pairs_,
  // branch-free; returns their number.
  template <DrawMode Mode>
  size_t applications(Rng& g, u32 U, u32 A) {
    switch (A) {
      case 1: return applications_n<1, Mode>(g, U, 1);
      case 2: return applications_n<2, Mode>(g, U, 2);
      case 3: return applications_n<3, Mode>(g, U, 3);
      case 4: return applications_n<4, Mode>(g, U, 4);
      default: return A <= kMaxPairwise ? applications_n<0, Mode>(g, U, A) : applications_many<Mode>(g, U, A);
    }
  }

  // Acceptability of a mismatched application: u < p with u a 53-bit
  // uniform, decided on its top 22 bits a22 (exact: the low 31 bits are drawn
  // only on a tie, probability 2^-22).
  __attribute__((always_inline)) inline bool accept_draw(Rng& r, u32 a22) const {
    bool acc = a22 < acc_hi_;
    if (a22 == acc_hi_ && acc_lo_ != 0) [[unlikely]] acc = (r.next() >> 33) < acc_lo_;
    return acc;
  }

  // A = AN applications each (AN = 0: A = Arun, at most kMaxPairwise).
  template <u32 AN, DrawMode Mode>
  size_t applications_n(Rng& g, u32 U, u32 Arun) {
    const u32 A = AN > 0 ? AN : Arun;
    Rng r = g;
    u64* out = pairs_.data();
    size_t n = 0;
    const u16* vskill = vskill_.data();
    if constexpr (Mode == kSlots) {
      // Two passes: every application's draw first (slot index << 32 | the
      // 22 acceptability bits: the same draws, in the same order, as
      // draw_firm), then the slot reads, independent loads, prefetched.
      const size_t napps = static_cast<size_t>(U) * A;
      constexpr size_t kAhead = 32;
      dbuf_.resize(napps + kAhead + kMaxPairwise);
      u64* d = dbuf_.data();
      for (u32 i = 0; i < U; ++i) {
        const u32 h = home_of_[attr_of(ulist_[i])];
#pragma GCC unroll 8
        for (u32 j = 0; j < A; ++j) {
          const u64 x = r.next();
          u32 z = zbucket_[h][x >> 54];
          if (z == kAmbiguous) [[unlikely]]
            z = static_cast<u32>(draw_cdf6(((x >> 54) << 54) | ((r.next() >> 21) << 11), zone_th_[h]));
          const ZoneTable& zt = zt_[z];
          const u32 slot = zt.sbase + r.bounded32(static_cast<u32>(x), static_cast<u32>(zt.W));
          d[static_cast<size_t>(i) * A + j] = (static_cast<u64>(slot) << 32) | ((x >> 32) & ((1u << 22) - 1));
        }
      }
      std::fill(d + napps, d + napps + kAhead + kMaxPairwise, 0);
      const u32* sl = slots_.data();
      for (u32 i = 0; i < U; ++i) {
        const u32 s = skill_of_[attr_of(ulist_[i])];
        const u64* di = d + static_cast<size_t>(i) * A;
        u32 k[kMaxPairwise] = {};
#pragma GCC unroll 8
        for (u32 j = 0; j < A; ++j) {
          __builtin_prefetch(&sl[di[j + kAhead] >> 32]);
          k[j] = sl[di[j] >> 32];
        }
#pragma GCC unroll 8
        for (u32 j = 0; j < A; ++j) {
          bool dup = false;
#pragma GCC unroll 8
          for (u32 m = 0; m < j; ++m) dup |= k[m] == k[j];
          const bool ok = (!dup) & ((vskill[k[j]] == s) | accept_draw(r, static_cast<u32>(di[j])));
          out[n] = (static_cast<u64>(k[j]) << 32) | i;
          n += ok;
        }
      }
    } else {
      for (u32 i = 0; i < U; ++i) {
        const u32 a = attr_of(ulist_[i]);
        const u32 h = home_of_[a];
        const u32 s = skill_of_[a];
        u32 k[kMaxPairwise] = {}, acc22[kMaxPairwise] = {};
#pragma GCC unroll 8
        for (u32 j = 0; j < A; ++j) k[j] = draw_firm<Mode>(r, h, acc22[j]);
#pragma GCC unroll 8
        for (u32 j = 0; j < A; ++j) {
          bool dup = false;
#pragma GCC unroll 8
          for (u32 m = 0; m < j; ++m) dup |= k[m] == k[j];
          const bool ok = (!dup) & ((vskill[k[j]] == s) | accept_draw(r, acc22[j]));
          out[n] = (static_cast<u64>(k[j]) << 32) | i;
          n += ok;
        }
      }
    }
    g = r;
    return n;
  }

  template <DrawMode Mode>
  size_t applications_many(Rng& g, u32 U, u32 A) {
    Rng r = g;
    stamp_.assign(vac_.size(), 0);
    u64* out = pairs_.data();
    size_t n = 0;
    for (u32 i = 0; i < U; ++i) {
      const u32 a = attr_of(ulist_[i]);
      const u32 h = home_of_[a];
      const u32 s = skill_of_[a];
      for (u32 j = 0; j < A; ++j) {
        u32 a22;
        const u32 kk = draw_firm<Mode>(r, h, a22);
        const bool dup = stamp_[kk] == i + 1;
        stamp_[kk] = i + 1;
        const bool ok = (!dup) & ((vskill_[kk] == s) | accept_draw(r, a22));
        out[n] = (static_cast<u64>(kk) << 32) | i;
        n += ok;
      }
    }
    g = r;
    return n;
  }

  // One 64-bit draw x per application.  Zone: u53 (the top 53 bits of x)
  // against the home's inverse-CDF thresholds, read from a table on the top
  // 10 bits (a bucket of 2^43 values of u53); the few buckets that hold a
  // threshold are marked and resolved on all 53 bits, the low 43 drawn
  // afresh.  Bits 32..53 of x (22 bits, unused by the zone otherwise) go to
  // the acceptability draw, bits 0..31 to the firm: slot mode, a uniform
  // vacancy slot of the zone; alias mode, a bin uniform on [0, n), then r
  // uniform on [0, V_z) from a second draw (keep the bin's firm if r < thr,
  // else its alias).
  template <DrawMode Mode>
  __attribute__((always_inline)) inline u32 draw_firm(Rng& r, u32 h, u32& spare) {
    const u64 x = r.next();
    u32 z = zbucket_[h][x >> 54];
    if (z == kAmbiguous) [[unlikely]]
      z = static_cast<u32>(draw_cdf6(((x >> 54) << 54) | ((r.next() >> 21) << 11), zone_th_[h]));
    spare = static_cast<u32>(x >> 32) & ((1u << 22) - 1);
    const ZoneTable& zt = zt_[z];
    if constexpr (Mode == kSlots) {
      return slots_[zt.sbase + r.bounded32(static_cast<u32>(x), static_cast<u32>(zt.W))];
    } else if constexpr (Mode == kAlias32) {
      const u32 bin = r.bounded32(static_cast<u32>(x), zt.n);
      const u32 rr = r.bounded32(static_cast<u32>(r.next() >> 32), static_cast<u32>(zt.W));
      const AliasCell32 cell = alias32_[zt.base + bin];
      return select32(rr < cell.thr, zt.base + bin, cell.alias);
    } else {
      const u32 bin = r.bounded32(static_cast<u32>(x), zt.n);
      const u64 rr = r.below64(zt.W);
      const AliasCell& cell = alias_[zt.base + bin];
      return select32(rr < cell.thr, zt.base + bin, cell.alias);
    }
  }

  // Zone of each bucket b of u53 values [b 2^43, (b+1) 2^43): zone k holds
  // u53 in [th[k-1], th[k]) (th[-1] = 0, th[5] = 2^53); a bucket that holds a
  // threshold not on its edge is ambiguous.
  static void zone_buckets(const u64* th, u8* zb) {
    constexpr u64 kB = u64{1} << 43;
    u64 lo = 0;
    for (int k = 0; k < kZones; ++k) {
      const u64 hi = k < kZones - 1 ? th[k] : u64{1} << 53;
      const u64 first = (lo + kB - 1) / kB, last = hi / kB;  // full buckets [first, last)
      if (first < last) std::memset(zb + first, k, last - first);
      lo = std::max(lo, hi);
    }
    for (int k = 0; k < kZones - 1; ++k)
      if (th[k] % kB != 0 && th[k] < (u64{1} << 53)) zb[th[k] / kB] = kAmbiguous;
  }

  // Walker/Vose alias table with integer masses: item i has mass n * v_i,
  // every bin holds W = V_z; exact.
  void build_alias(const ZoneTable& z) {
    const u32 n = z.n;
    const u128 W = z.W;
    mass_.resize(n);
    small_.clear();
    large_.clear();
    for (u32 i = 0; i < n; ++i) {
      mass_[i] = static_cast<u128>(n) * vv_[z.base + i];
      (mass_[i] < W ? small_ : large_).push_back(i);
    }
    while (!small_.empty() && !large_.empty()) {
      const u32 s = small_.back();
      small_.pop_back();
      const u32 l = large_.back();
      alias_[z.base + s].thr = static_cast<u64>(mass_[s]);
      alias_[z.base + s].alias = z.base + l;
      mass_[l] -= W - mass_[s];
      if (mass_[l] < W) {
        large_.pop_back();
        small_.push_back(l);
      }
    }
    for (u32 l : large_) alias_[z.base + l] = AliasCell{z.W, z.base + l, 0};
    for (u32 s : small_) alias_[z.base + s] = AliasCell{z.W, z.base + s, 0};  // not reached (exact)
  }

  // ---- --check: identities every month ----
  void check_month(i64 t, const Series& out, i64 K, i64 exits, i64 hires, i64 separations) {
    if constexpr (Check) {
      const i64 N = p_.workers;
      const size_t M = F_.n;
      std::vector<i64> recount(M, 0);
      std::vector<u8> seen(static_cast<size_t>(N), 0);
      i64 employed = 0;
      for (i64 w = 0; w < N; ++w) {
        const i64 e = employer_[static_cast<size_t>(w)];
        if (e >= static_cast<i64>(M)) identity_failed(t, "a worker is employed by a firm that does not exist (dead)");
        if (e >= 0) {
          ++recount[static_cast<size_t>(e)];
          ++employed;
        }
      }
      i64 vac = 0;
      for (size_t fi = 0; fi < M; ++fi) {
        const u32 fsize = F_.size[fi], fcap = F_.cap[fi], foff = F_.off[fi];
        const i64 fnstar = F_.nstar[fi];
        if (recount[fi] != static_cast<i64>(fsize)) identity_failed(t, "firm size differs from a recount of employers");
        if (static_cast<i64>(fsize) > fnstar) identity_failed(t, "size above the target after matching");
        if (fnstar != int_target(F_.T[fi])) identity_failed(t, "n* differs from max(1, round(T))");
        if (fsize > fcap || static_cast<size_t>(foff) + fcap > arena_.size()) identity_failed(t, "employee list out of its block");
        vac += fnstar - static_cast<i64>(fsize);
        for (u32 j = 0; j < fsize; ++j) {
          const E e = arena_[foff + j];
          const u32 id = id_of(e);
          if (id >= static_cast<u64>(N) || seen[id]++) identity_failed(t, "a worker is listed twice");
          if (employer_[id] != static_cast<i64>(fi)) identity_failed(t, "a firm lists a worker employed elsewhere");
          if (wattr_[id] != attr_of(e)) identity_failed(t, "a worker's home or skill changed");
        }
      }
      for (E e : ulist_) {
        const u32 id = id_of(e);
        if (id >= static_cast<u64>(N) || seen[id]++) identity_failed(t, "a worker is listed twice");
        if (employer_[id] != -1) identity_failed(t, "an unemployed worker has an employer");
        if (wattr_[id] != attr_of(e)) identity_failed(t, "a worker's home or skill changed");
      }
      const i64 U = static_cast<i64>(ulist_.size());
      if (employed + U != N) identity_failed(t, "employed + unemployed != N");
      if (out.urate.back() != static_cast<double>(U) / static_cast<double>(N)) identity_failed(t, "unemployment rate");
      if (out.vacancies.back() != vac) identity_failed(t, "recorded vacancies differ from the sum of max(0, n* - size)");
      if (static_cast<i64>(M) - prev_firms_ != K - exits) identity_failed(t, "firms alive did not change by entries - exits");
      if (employed - prev_employed_ != hires - separations) identity_failed(t, "employment did not change by hires - separations");
      prev_firms_ = static_cast<i64>(M);
      prev_employed_ = employed;
    } else {
      (void)t, (void)out, (void)K, (void)exits, (void)hires, (void)separations;
    }
  }

  static constexpr u32 kMaxPairwise = 8;

  const Params& p_;
  const Ziggurat& zig_;
  FastExp fexp_;
  Geometric sep_, exit_;
  int forced_mode_ = -1;  // --firm-draw (testing): a DrawMode, or -1 for the choice by size
  u32 S_ = 1, nattr_ = 1;
  std::vector<u8> home_of_;
  std::vector<u32> skill_of_;
  u64 worker_th_[kZones - 1] = {}, firm_th_[kZones - 1] = {};
  u64 zone_th_[kZones][kZones - 1] = {};
  double dist_[kZones][kZones] = {};
  u64 accept_thr_ = 0;
  double sig_ = 0, half_sig2_ = 0;

  Firms F_;
  std::vector<E> arena_, spare_, tmp_;
  size_t used_ = 0;
  std::vector<E> ulist_;

  ZoneTable zt_[kZones];
  std::vector<u32> vfirm_;
  std::vector<u64> vv_;
  std::vector<Vacant> vac_;
  std::vector<AliasCell> alias_;
  std::vector<AliasCell32> alias32_;
  std::vector<u16> vskill_;
  std::vector<u32> slots_;
  static constexpr u32 kAmbiguous = 255;
  u8 zbucket_[kZones][1024] = {};
  u64 acc_hi_ = 0, acc_lo_ = 0;
  std::vector<u128> mass_;
  std::vector<u32> small_, large_;
  std::vector<u32> res_, stamp_, tmp32_, slot_firm_;
  struct Offers {
    u32 count;   // offers received
    u32 choice;  // the one kept (a vacant firm)
  };
  std::vector<Offers> offers_;
  std::vector<u64> pairs_, dbuf_;
  u32 trash_ = 0;

  // check mode
  std::vector<i64> employer_;
  std::vector<u32> wattr_;
  i64 prev_employed_ = 0, prev_firms_ = 0;
};

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

[[noreturn]] void usage_error(const std::string& msg) {
  std::fprintf(stderr,
               "usage: dock_handtuned [--workers N] [--firms M] [--entry-rate L] [--months T] [--seed S]\n"
               "       [--scale K] [--replicates R] [--csv FILE] [--json FILE] [--time] [--check] ...\n"
               "dock_handtuned: error: %s\n",
               msg.c_str());
  std::exit(2);
}

const char* kHelp =
    "dock_handtuned: hand-tuned single-threaded C++ peer of the docking model (dock-model.md)\n"
    "\n"
    "  --scale K              workers = K, firms = round(9500 K / 100000), entry rate = 48 K / 100000\n"
    "                         (explicit --firms / --entry-rate still override)\n"
    "  --workers N            number of workers (firms and entry rate not scaled)\n"
    "  --firms M              initial number of firms\n"
    "  --skills S             number of skill types\n"
    "  --months T             months to simulate\n"
    "  --separation-rate X    --target-volatility X   --exit-rate X   --entry-rate X\n"
    "  --entrant-size-mean X  --init-size-mu X        --init-size-sigma X\n"
    "  --applications A       --distance-scale-km X   --mismatch-acceptance X\n"
    "  --seed S               first seed (default 1)\n"
    "  --replicates R         R runs, seeds seed .. seed+R-1 (default 1)\n"
    "  --csv FILE             monthly series of the first run to FILE (default: stdout)\n"
    "  --json FILE            per-replicate means over months 24..T-1 (all months if T <= 24)\n"
    "  --time                 print 'seconds: X' (simulation only) on stderr\n"
    "  --check                verify the accounting identities every month\n"
    "  --firm-draw MODE       how a firm is drawn within its zone: auto (default: vacancy\n"
    "                         slots unless vacancies are huge), slots, alias32, alias64\n"
    "                         (all exact; for testing the rarely used paths)\n";

i64 parse_int(std::string_view name, std::string_view s) {
  i64 v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty())
    usage_error("argument --" + std::string(name) + ": invalid int value: '" + std::string(s) + "'");
  return v;
}

double parse_double(std::string_view name, std::string_view s) {
  std::string str(s);
  char* end = nullptr;
  const double v = std::strtod(str.c_str(), &end);
  if (str.empty() || end != str.c_str() + str.size() || !std::isfinite(v))
    usage_error("argument --" + std::string(name) + ": invalid float value: '" + str + "'");
  return v;
}

struct Options {
  Params p;
  i64 seed = 1;
  i64 replicates = 1;
  std::string csv, json;
  bool time = false, check = false;
  int firm_draw = -1;
  std::string command;
};

Options parse_args(int argc, char** argv) {
  Options o;
  bool have_scale = false;
  i64 scale = 0;
  // explicit values, applied after --scale whatever the order
  std::vector<std::pair<std::string, std::string>> given;
  for (int i = 1; i < argc; ++i) {
    o.command += (i > 1 ? " " : "") + std::string(argv[i]);
    std::string_view a(argv[i]);
    if (a == "-h" || a == "--help") {
      std::fputs(kHelp, stdout);
      std::exit(0);
    }
    if (a.substr(0, 2) != "--") usage_error("unrecognized arguments: " + std::string(a));
    std::string name(a.substr(2)), value;
    bool has_value = false;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (name == "time" || name == "check") {
      if (has_value) usage_error("argument --" + name + ": ignored explicit argument '" + value + "'");
      (name == "time" ? o.time : o.check) = true;
      continue;
    }
    static const char* known[] = {"workers", "firms", "skills", "months", "separation-rate", "target-volatility",
                                  "exit-rate", "entry-rate", "entrant-size-mean", "init-size-mu",
                                  "init-size-sigma", "applications", "distance-scale-km",
                                  "mismatch-acceptance", "seed", "scale", "replicates", "csv", "json", "firm-draw"};
    if (std::find_if(std::begin(known), std::end(known), [&](const char* k) { return name == k; }) == std::end(known))
      usage_error("unrecognized arguments: " + std::string(a));
    if (!has_value) {
      if (i + 1 >= argc) usage_error("argument --" + name + ": expected one argument");
      value = argv[++i];
      o.command += " " + value;
    }
    if (name == "scale") {
      scale = parse_int(name, value);
      have_scale = true;
    } else {
      given.emplace_back(name, value);
    }
  }
  Params& p = o.p;
  if (have_scale) {
    if (scale < 1) usage_error("argument --scale: must be >= 1");
    const double ratio = static_cast<double>(scale) / 100000.0;
    p.workers = scale;
    p.firms = static_cast<i64>(std::floor(9500.0 * ratio + 0.5));
    p.entry_rate = 48.0 * static_cast<double>(scale) / 100000.0;
  }
  for (const auto& [name, value] : given) {
    if (name == "workers") p.workers = parse_int(name, value);
    else if (name == "firms") p.firms = parse_int(name, value);
    else if (name == "skills") p.skills = parse_int(name, value);
    else if (name == "months") p.months = parse_int(name, value);
    else if (name == "applications") p.applications = parse_int(name, value);
    else if (name == "seed") o.seed = parse_int(name, value);
    else if (name == "replicates") o.replicates = parse_int(name, value);
    else if (name == "separation-rate") p.separation_rate = parse_double(name, value);
    else if (name == "target-volatility") p.target_volatility = parse_double(name, value);
    else if (name == "exit-rate") p.exit_rate = parse_double(name, value);
    else if (name == "entry-rate") p.entry_rate = parse_double(name, value);
    else if (name == "entrant-size-mean") p.entrant_size_mean = parse_double(name, value);
    else if (name == "init-size-mu") p.init_size_mu = parse_double(name, value);
    else if (name == "init-size-sigma") p.init_size_sigma = parse_double(name, value);
    else if (name == "distance-scale-km") p.distance_scale_km = parse_double(name, value);
    else if (name == "mismatch-acceptance") p.mismatch_acceptance = parse_double(name, value);
    else if (name == "csv") o.csv = value;
    else if (name == "json") o.json = value;
    else if (name == "firm-draw") {
      if (value == "auto") o.firm_draw = -1;
      else if (value == "slots") o.firm_draw = kSlots;
      else if (value == "alias32") o.firm_draw = kAlias32;
      else if (value == "alias64") o.firm_draw = kAlias64;
      else usage_error("argument --firm-draw: invalid choice: '" + value + "' (choose from auto, slots, alias32, alias64)");
    }
  }
  constexpr i64 kMaxWorkers = i64{1} << 30;
  if (p.workers < 1 || p.workers > kMaxWorkers) usage_error("--workers must be in 1 .. 2^30");
  if (p.firms < 0 || p.firms > kMaxWorkers) usage_error("--firms must be in 0 .. 2^30");
  if (p.skills < 1 || p.skills > 65536) usage_error("--skills must be in 1 .. 65536");
  if (p.months < 0 || p.months > 10000000) usage_error("--months must be in 0 .. 10^7");
  if (p.applications < 0 || p.applications > 100000) usage_error("--applications must be in 0 .. 10^5");
  auto prob = [](double x, const char* n) {
    if (!(x >= 0 && x <= 1)) usage_error(std::string("--") + n + " must be a probability in [0, 1]");
  };
  prob(p.separation_rate, "separation-rate");
  prob(p.exit_rate, "exit-rate");
  prob(p.mismatch_acceptance, "mismatch-acceptance");
  if (!(p.entry_rate >= 0 && p.entry_rate <= 1e8)) usage_error("--entry-rate must be in [0, 1e8]");
  if (!(p.entrant_size_mean >= 0 && p.entrant_size_mean <= 1e8)) usage_error("--entrant-size-mean must be in [0, 1e8]");
  if (!(p.distance_scale_km > 0)) usage_error("--distance-scale-km must be > 0");
  if (std::fabs(p.target_volatility) > 1e3 || std::fabs(p.init_size_sigma) > 1e3 || std::fabs(p.init_size_mu) > 1e3)
    usage_error("--target-volatility, --init-size-mu, --init-size-sigma must be within +-1000");
  if (o.seed < 0) usage_error("--seed must be >= 0");
  if (o.replicates < 1) usage_error("--replicates must be >= 1");
  if (o.replicates > (i64{1} << 40) || o.seed > std::numeric_limits<i64>::max() - o.replicates)
    usage_error("--seed + --replicates too large");
  return o;
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

void append_double(std::string& s, double x) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  s.append(buf, r.ptr);
}
void append_int(std::string& s, i64 x) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  s.append(buf, r.ptr);
}

std::string csv_text(const Series& sr) {
  std::string s = "t,unemployment_rate,firms,vacancies,hires,separations,entries,exits\n";
  s.reserve(s.size() + sr.urate.size() * 64);
  for (size_t t = 0; t < sr.urate.size(); ++t) {
    append_int(s, static_cast<i64>(t));
    s += ',';
    append_double(s, sr.urate[t]);
    for (const auto* v : {&sr.firms, &sr.vacancies, &sr.hires, &sr.separations, &sr.entries, &sr.exits}) {
      s += ',';
      append_int(s, (*v)[t]);
    }
    s += '\n';
  }
  return s;
}

bool write_file(const std::string& path, const std::string& text) {
  FILE* fh = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
  if (!fh) return false;
  const bool ok = std::fwrite(text.data(), 1, text.size(), fh) == text.size();
  if (fh == stdout) return std::fflush(fh) == 0 && ok;
  return std::fclose(fh) == 0 && ok;
}

// The docked statistics, means over the statistics' months: the
// specification's three, then the month's flows (as
// scripts/dock-peer-fixture writes them).
constexpr const char* kStatNames[] = {"unemployment_rate", "firms", "vacancies", "hires",
                                      "separations", "entries", "exits"};
constexpr int kStats = 7, kSpecStats = 3;

struct RepStats {
  i64 seed;
  double v[kStats];
};

std::string json_string(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') { o += '\\'; o += c; }
    else if (static_cast<unsigned char>(c) < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
    } else o += c;
  }
  return o + "\"";
}

std::string json_text(const Options& o, i64 first, i64 last, const std::vector<RepStats>& reps) {
  const Params& p = o.p;
  std::string s = "{\n";
  auto kv = [&](const char* k, const std::string& v, bool comma = true) {
    s += " \"";
    s += k;
    s += "\": " + v + (comma ? ",\n" : "\n");
  };
  auto num = [](double x) {  // shortest round-trip form, with ".0" on integers as Python writes floats
    std::string t;
    append_double(t, x);
    if (t.find_first_of(".eni") == std::string::npos) t += ".0";
    return t;
  };
  auto inum = [](i64 x) { std::string t; append_int(t, x); return t; };
  kv("spec", "\"dock-model.md\"");
  kv("spec_sha256", json_string(kSpecSha256));
  kv("generator", "\"bench/peers/dock_handtuned.cpp\"");
  kv("command", json_string("dock_handtuned " + o.command));
  kv("rng", "\"wyrand, state SplitMix64(seed)\"");
  s += " \"params\": {\n";
  const std::pair<const char*, std::string> ps[] = {
      {"workers", inum(p.workers)},
      {"firms", inum(p.firms)},
      {"skills", inum(p.skills)},
      {"months", inum(p.months)},
      {"separation_rate", num(p.separation_rate)},
      {"target_volatility", num(p.target_volatility)},
      {"exit_rate", num(p.exit_rate)},
      {"entry_rate", num(p.entry_rate)},
      {"entrant_size_mean", num(p.entrant_size_mean)},
      {"init_size_mu", num(p.init_size_mu)},
      {"init_size_sigma", num(p.init_size_sigma)},
      {"applications", inum(p.applications)},
      {"distance_scale_km", num(p.distance_scale_km)},
      {"mismatch_acceptance", num(p.mismatch_acceptance)},
  };
  for (size_t i = 0; i < std::size(ps); ++i)
    s += std::string("  \"") + ps[i].first + "\": " + ps[i].second + (i + 1 < std::size(ps) ? ",\n" : "\n");
  s += " },\n";
  kv("seeds", "[\n  " + inum(o.seed) + ",\n  " + inum(o.seed + o.replicates - 1) + "\n ]");
  kv("statistics_months", "[\n  " + inum(first) + ",\n  " + inum(last) + "\n ]");
  auto names = [](int from, int to) {
    std::string list = "[\n";
    for (int k = from; k < to; ++k) list += std::string("  \"") + kStatNames[k] + "\"" + (k + 1 < to ? ",\n" : "\n");
    return list + " ]";
  };
  kv("statistics", names(0, kSpecStats));
  kv("flows", names(kSpecStats, kStats));
  kv("sd", "\"sample standard deviation across replicates (ddof=1)\"");
  s += " \"summary\": {\n";
  for (int k = 0; k < kStats; ++k) {
    double mean = 0, sd = 0;
    const double n = static_cast<double>(reps.size());
    for (const auto& r : reps) mean += r.v[k];
    mean /= n;
    for (const auto& r : reps) sd += (r.v[k] - mean) * (r.v[k] - mean);
    sd = reps.size() > 1 ? std::sqrt(sd / (n - 1)) : 0.0;
    s += std::string("  \"") + kStatNames[k] + "\": {\n   \"mean\": " + num(mean) + ",\n   \"sd\": " + num(sd) +
         "\n  }" + (k + 1 < kStats ? ",\n" : "\n");
  }
  s += " },\n \"replicates\": [\n";
  for (size_t i = 0; i < reps.size(); ++i) {
    const auto& r = reps[i];
    s += "  {\n   \"seed\": " + inum(r.seed);
    for (int k = 0; k < kStats; ++k) s += std::string(",\n   \"") + kStatNames[k] + "\": " + num(r.v[k]);
    s += std::string("\n  }") + (i + 1 < reps.size() ? ",\n" : "\n");
  }
  s += " ]\n}\n";
  return s;
}

template <class E, bool Check>
int run_all(const Options& o) {
  static const Ziggurat zig;
  Sim<E, Check> sim(o.p, zig, o.firm_draw);
  Series series, first_series;
  std::vector<RepStats> reps;
  const i64 T = o.p.months;
  const i64 first = T > 24 ? 24 : 0, last = T - 1;
  double seconds = 0;
  for (i64 r = 0; r < o.replicates; ++r) {
    const i64 seed = o.seed + r;
    const auto t0 = std::chrono::steady_clock::now();
    sim.run(static_cast<u64>(seed), series);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    RepStats st{seed, {}};
    const std::vector<i64>* counts[] = {&series.firms, &series.vacancies, &series.hires,
                                        &series.separations, &series.entries, &series.exits};
    for (i64 t = first; t <= last; ++t) {
      const auto at = static_cast<size_t>(t);
      st.v[0] += series.urate[at];
      for (int k = 1; k < kStats; ++k) st.v[k] += static_cast<double>((*counts[k - 1])[at]);
    }
    const double n = static_cast<double>(last - first + 1);
    if (T > 0)
      for (double& v : st.v) v /= n;
    reps.push_back(st);
    if (r == 0) first_series = series;
  }
  if (!write_file(o.csv.empty() ? "-" : o.csv, csv_text(first_series))) {
    std::fprintf(stderr, "dock_handtuned: cannot write %s\n", o.csv.empty() ? "stdout" : o.csv.c_str());
    return 1;
  }
  if (!o.json.empty() && !write_file(o.json, json_text(o, first, last, reps))) {
    std::fprintf(stderr, "dock_handtuned: cannot write %s\n", o.json.c_str());
    return 1;
  }
  if (o.check)
    std::fprintf(stderr, "check: accounting identities hold for %lld run(s), %lld months each\n",
                 static_cast<long long>(o.replicates), static_cast<long long>(T));
  if (o.time) std::fprintf(stderr, "seconds: %.4f\n", seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  if (o.check) return run_all<u64, true>(o);
  if (6 * o.p.skills <= 256) return run_all<u8, false>(o);
  return run_all<u32, false>(o);
}
