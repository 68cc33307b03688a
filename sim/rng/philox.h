// Counter-based random numbers that do not depend on threads.
//
// Every draw is a pure function of (seed, stream, month, unit, index): a
// Philox4x64-10 block cipher (Salmon et al., SC'11, via Random123) applied to
// the counter (month, unit, index / 4, 0) under the key (seed, stream). A unit
// is an agent id or the index of a fixed block of agents. Nothing is shared
// between threads and nothing depends on the order in which units are
// processed, so a run gives the same bits on 1, 2 or 64 threads.
//
// Streams are named by cause ("dock.separations", "territory.portal.creations")
// and their ids are hashes of those names: a process that a policy adds draws
// from its own stream and never shifts the draws of the others, which is what
// makes two scenarios run with one seed share their common random numbers.
#pragma once

#include <Random123/philox.h>

#include <cstdint>
#include <string_view>

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

// The draws of one unit (agent or block) for one stream and month.
class Draws {
 public:
  Draws(std::uint64_t seed, std::uint64_t stream, std::uint64_t month, std::uint64_t unit)
      : key_{{seed, stream}}, ctr_{{month, unit, 0, 0}} {}

  // 64 uniformly distributed bits.
  std::uint64_t bits() {
    if (used_ == 4) refill();
    return out_.v[used_++];
  }

  // Uniform on [0, 1), 53 bits of resolution.
  double uniform() { return static_cast<double>(bits() >> 11) * 0x1.0p-53; }

  // Uniform on (0, 1]: safe to take the logarithm of.
  double uniform_positive() { return static_cast<double>((bits() >> 11) + 1) * 0x1.0p-53; }

  // Uniform integer in [0, n), n > 0, without modulo bias (Lemire 2019).
  std::uint64_t below(std::uint64_t n) {
    uint128 m = static_cast<uint128>(bits()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<uint128>(bits()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  bool bernoulli(double p) { return uniform() < p; }

  // Two draws from one word, for hot loops that need many small ones: the
  // high 32 bits as a uniform on [0, 1) with 32 bits of resolution, and an
  // integer in [0, n) from the low 32 bits (Lemire's multiply-shift with
  // rejection, so exactly uniform; a rejection takes 32 more bits). n <= 2^32.
  struct Pair {
    double uniform;
    std::uint32_t index;
  };
  Pair uniform_and_below(std::uint32_t n) {
    const std::uint64_t w = bits();
    return {static_cast<double>(w >> 32) * 0x1.0p-32, below32(static_cast<std::uint32_t>(w), n)};
  }

  // Uniform integer in [0, n) from 32 random bits `x`, n > 0.
  std::uint32_t below32(std::uint32_t x, std::uint32_t n) {
    std::uint64_t m = std::uint64_t{x} * n;
    auto low = static_cast<std::uint32_t>(m);
    if (low < n) {
      const std::uint32_t threshold = (0u - n) % n;
      while (low < threshold) {
        m = (bits() >> 32) * n;
        low = static_cast<std::uint32_t>(m);
      }
    }
    return static_cast<std::uint32_t>(m >> 32);
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

}  // namespace terrasim::sim::rng
