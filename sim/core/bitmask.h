// Sets of agents as bit masks, a word of 64 agents: made from a byte column
// (the agents whose byte equals a value) and listed in increasing order.
// A pass that picks a few agents in six, such as the month's job seekers,
// then costs a few instructions per 64 agents and one per agent picked,
// where a byte a flag and a branch-free compaction cost some five an agent.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace terrasim::sim {

// Bit i is set when bytes[i] == value, for i < count (count <= 64); the
// bits above count are clear.
inline std::uint64_t equal_bits(const std::uint8_t* bytes, std::size_t count, std::uint8_t value) {
#if defined(__SSE2__)
  if (count == 64) {  // four 16-byte compares, each to a 16-bit mask
    const __m128i v = _mm_set1_epi8(static_cast<char>(value));
    std::uint64_t bits = 0;
    for (std::size_t q = 0; q < 4; ++q) {
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + 16 * q));
      bits |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(b, v)))} << (16 * q);
    }
    return bits;
  }
#endif
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < count; ++i) bits |= std::uint64_t{bytes[i] == value} << i;
  return bits;
}

// The number of bits set in words[0 .. nwords).
inline std::size_t count_bits(const std::uint64_t* words, std::size_t nwords) {
  std::size_t c = 0;
  for (std::size_t k = 0; k < nwords; ++k) c += static_cast<std::size_t>(std::popcount(words[k]));
  return c;
}

// Calls f(first + i) for every bit i set in `bits`, in increasing order.
template <class F>
void for_each_bit(std::uint64_t bits, std::uint64_t first, F&& f) {
  for (; bits != 0; bits &= bits - 1) f(first + static_cast<std::uint64_t>(std::countr_zero(bits)));
}

// Writes first + i for every bit i set in words[0 .. nwords), in increasing
// order, from `out` on; returns the end of what it wrote.
template <class T>
T* list_bits(const std::uint64_t* words, std::size_t nwords, std::uint64_t first, T* out) {
  for (std::size_t k = 0; k < nwords; ++k) for_each_bit(words[k], first + 64 * k, [&](std::uint64_t i) { *out++ = static_cast<T>(i); });
  return out;
}

}  // namespace terrasim::sim
