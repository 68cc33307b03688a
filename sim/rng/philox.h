// Counter-based random numbers that do not depend on threads.
//
// Every draw is a pure function of (seed, stream, month, unit, index). Two
// generators give such draws:
//
// - Draws: a Philox4x64-10 block cipher (Salmon et al., SC'11, via
//   Random123) applied to the counter (month, unit, index / 4, 0) under the
//   key (seed, stream). For units that draw many numbers in sequence (a
//   fixed block of agents scanned by skipping, the month's entrants).
// - UnitDraws, from a BlockedStream: Philox keys each fixed block of units
//   (agent ids) once a month; inside the block, draw i of unit u is the
//   SplitMix64 output function (Steele, Lea & Flood, OOPSLA 2014) of
//   block_key + (u * 2^24 + i + 1) * golden_gamma. One cipher call serves
//   thousands of agents, and each agent's draws still depend on nothing but
//   its id: not on the other agents, the thread or the schedule.
// - WyrandUnitDraws, from a WyrandBlockedStream: a keyed Weyl sequence
//   with wyrand's constant and output function (Wang Yi's wyrand, the
//   generator of the wyhash project: a 64 x 64 -> 128-bit product of the
//   state and the state xor a constant, its two halves xored). Draw i of
//   unit u is its output of block_key + u * golden_gamma + (i + 1) * gamma:
//   a unit's draws are a stretch of wyrand's own sequence, which passes
//   BigCrush and PractRand as a sequence. Units start golden_gamma apart,
//   not 2^24 draws apart as above: the same draw of two units of a block
//   then differs in the low bits of the state too (2^24 draws apart, every
//   unit's state had the same low 24 bits, and the low 24 bits of the
//   product's low half were one constant across a block), and no two
//   units' first 2^24 draws meet (they start at least 2^50 draws apart,
//   checked for the 4,096 units of a block by a test). It costs a
//   multiplication a draw, where SplitMix64 costs two and three shifts:
//   the docking model's streams use it (its matching -15%, a run -10% at
//   the defaults). Unlike SplitMix64's, its output function is not a
//   bijection. The territorial model keeps SplitMix64, so that its
//   calibrated figures and the council's forecast keep their bits.
//
// Nothing is shared between threads and nothing depends on the order in
// which units are processed, so a run gives the same bits on 1, 2 or 64
// threads. Streams are named by cause ("dock.separations",
// "territory.portal.creations") and their ids are hashes of those names: a
// process that a policy adds draws from its own stream and never shifts the
// draws of the others, which is what makes two scenarios run with one seed
// share their common random numbers.
#pragma once

#include <Random123/philox.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

namespace terrasim::sim::rng {

__extension__ typedef unsigned __int128 uint128;  // g++ and clang; -Wpedantic knows no __int128

// FNV-1a, 64 bits: a stable id for a stream name, computed at compile time.
constexpr std::uint64_t stream_id(std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : name) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

// Lemire's multiply-shift for a uniform integer in [0, n) from 32 random
// bits x: m = x * n, the result m >> 32. Its low word below 2^32 mod n
// would bias it: given an m whose low word is below n (the only ones that
// can be), redraws m = y * n from more() (32 bits each) until it is not.
// Exactly uniform. 0 < n.
template <class More>
std::uint64_t lemire_redraw32(std::uint64_t m, std::uint32_t n, More&& more) {
  const std::uint32_t threshold = (0u - n) % n;
  while (static_cast<std::uint32_t>(m) < threshold) m = std::uint64_t{more()} * n;
  return m;
}

// What every generator offers on top of its bits(): uniform reals and
// integers, written out so that their results are ours on every platform.
template <class G>
class DrawInterface {
 public:
  // Uniform on [0, 1), 53 bits of resolution.
  double uniform() { return uniform_of(self().bits()); }
  // The uniform on [0, 1) that uniform() makes of 64 bits.
  static double uniform_of(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }
  // uniform_of(bits) < p exactly when (bits >> 11) < uniform_below(p): the
  // 53 bits are an integer, and p * 2^53 is exact (a power of two), so the
  // test needs no conversion to double in a hot loop. p is clamped to [0, 1].
  static std::uint64_t uniform_below(double p) {
    return static_cast<std::uint64_t>(std::ceil(std::clamp(p, 0.0, 1.0) * 0x1.0p53));
  }

  // Uniform on (0, 1]: safe to take the logarithm of.
  double uniform_positive() { return static_cast<double>((self().bits() >> 11) + 1) * 0x1.0p-53; }

  bool bernoulli(double p) { return uniform() < p; }

  // Uniform integer in [0, n), n > 0, without modulo bias (Lemire 2019).
  std::uint64_t below(std::uint64_t n) {
    uint128 m = static_cast<uint128>(self().bits()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<uint128>(self().bits()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  // Uniform integer in [0, n) from 32 random bits `x` (Lemire's
  // multiply-shift with rejection: exactly uniform; a rejection takes 32 more
  // bits). For hot loops that split one word into two draws. 0 < n <= 2^32 - 1.
  std::uint32_t below32(std::uint32_t x, std::uint32_t n) {
    std::uint64_t m = std::uint64_t{x} * n;
    if (static_cast<std::uint32_t>(m) < n)
      m = lemire_redraw32(m, n, [this] { return static_cast<std::uint32_t>(self().bits() >> 32); });
    return static_cast<std::uint32_t>(m >> 32);
  }

 private:
  G& self() { return static_cast<G&>(*this); }
};

// The Philox draws of one unit (agent or block) for one stream and month.
class Draws : public DrawInterface<Draws> {
 public:
  Draws(std::uint64_t seed, std::uint64_t stream, std::uint64_t month, std::uint64_t unit)
      : key_{{seed, stream}}, ctr_{{month, unit, 0, 0}} {}

  // 64 uniformly distributed bits.
  std::uint64_t bits() {
    if (used_ == 4) refill();
    return out_.v[used_++];
  }

  // How many blocks of four words this object has consumed.
  std::uint64_t blocks_used() const { return ctr_.v[2]; }

 private:
  void refill() {
    out_ = philox_(ctr_, key_);
    ++ctr_.v[2];
    used_ = 0;
  }

  using Philox = r123::Philox4x64;
  Philox philox_;
  Philox::key_type key_;
  Philox::ctr_type ctr_;
  Philox::ctr_type out_{};
  int used_ = 4;
};

inline constexpr std::uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ull;

// The SplitMix64 output function: a bijective 64-bit mixer.
constexpr std::uint64_t splitmix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The output functions of the keyed unit draws, with the Weyl constant each
// steps its state by.
struct SplitMix64Output {
  static constexpr std::uint64_t kGamma = kGoldenGamma;
  static constexpr std::uint64_t unit_start(std::uint64_t unit) { return (unit << 24) * kGamma; }
  static constexpr std::uint64_t mix(std::uint64_t state) { return splitmix64(state); }
};
struct WyrandOutput {
  static constexpr std::uint64_t kGamma = 0xa0761d6478bd642full;
  static constexpr std::uint64_t unit_start(std::uint64_t unit) { return unit * kGoldenGamma; }
  static constexpr std::uint64_t mix(std::uint64_t state) {
    const uint128 t = static_cast<uint128>(state) * (state ^ 0xe7037ed1a0b428dbull);
    return static_cast<std::uint64_t>(t >> 64) ^ static_cast<std::uint64_t>(t);
  }
};

// The draws of one unit inside a keyed block (see BlockedStream).
template <class Output>
class KeyedUnitDraws : public DrawInterface<KeyedUnitDraws<Output>> {
 public:
  KeyedUnitDraws(std::uint64_t block_key, std::uint64_t unit_in_block)
      : state_(block_key + Output::unit_start(unit_in_block)) {}
  std::uint64_t bits() {
    state_ += Output::kGamma;
    return Output::mix(state_);
  }
  // What bits() would return after `skipped` more calls, without taking it:
  // branch-free code can draw a number whether or not it needs it and count
  // only the draws it keeps.
  std::uint64_t bits_ahead(std::uint64_t skipped) const { return Output::mix(state_ + (skipped + 1) * Output::kGamma); }

 private:
  std::uint64_t state_;
};
using UnitDraws = KeyedUnitDraws<SplitMix64Output>;
using WyrandUnitDraws = KeyedUnitDraws<WyrandOutput>;

// A stream's keys by pointer (see KeyedBlockedStream::view): a handle that
// a loop keeps in a register, where the stream's vector of keys is reached
// through the stream, again after each call the loop makes.
template <class Unit>
class KeyedBlockedView {
 public:
  static constexpr std::uint64_t kUnitsPerBlock = 4096;
  explicit KeyedBlockedView(const std::uint64_t* keys) : keys_(keys) {}
  Unit operator()(std::uint64_t unit) const { return Unit(keys_[unit / kUnitsPerBlock], unit % kUnitsPerBlock); }

 private:
  const std::uint64_t* keys_;
};

// One stream for one month, over units 0..n-1 (agent ids) in fixed blocks of
// kUnitsPerBlock: a Philox key per block, computed once; then draws for any
// unit in O(1). A unit may take up to 2^24 draws a month, unless it is the
// only unit of its stream (units = 1): then its sequence has period 2^64.
template <class Unit>
class KeyedBlockedStream {
 public:
  static constexpr std::uint64_t kUnitsPerBlock = KeyedBlockedView<Unit>::kUnitsPerBlock;

  KeyedBlockedStream(std::uint64_t seed, std::uint64_t stream, std::uint64_t month, std::uint64_t units) {
    const std::uint64_t blocks = (units + kUnitsPerBlock - 1) / kUnitsPerBlock;
    keys_.reserve(blocks);
    for (std::uint64_t b = 0; b < blocks; ++b) keys_.push_back(Draws(seed, stream, month, b).bits());
  }
  // The draws of `unit`; unit < units.
  Unit operator()(std::uint64_t unit) const { return view()(unit); }
  // The same draws through a handle valid while the stream lives.
  KeyedBlockedView<Unit> view() const { return KeyedBlockedView<Unit>(keys_.data()); }

 private:
  std::vector<std::uint64_t> keys_;
};
using BlockedStream = KeyedBlockedStream<UnitDraws>;
using WyrandBlockedStream = KeyedBlockedStream<WyrandUnitDraws>;

}  // namespace terrasim::sim::rng
