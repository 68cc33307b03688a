// Branch-free selection of one of two values on a comparison.
//
// Where a comparison goes is a coin toss (a reservoir full or not, an
// applicant taken or turned away), a branch mispredicts about half the
// time; a conditional move costs a cycle. GCC decides for itself between
// the two, and for a plain `c > k ? a : b` beside a rare branch on the same
// comparison it chose the branch: the docking model's offering took 4-9%
// longer so (performance-log.md, "Twenty-eighth round"), where masks had
// taken six instructions for each select. These helpers compare and move
// in two instructions on x86-64 and fall back to masks elsewhere: the same
// value either way.
#pragma once

#include <cstdint>

namespace terrasim::sim {

// c > k ? a : b by masks: the fallback, and the reference the tests check
// the conditional move against.
inline std::uint32_t select_if_above_masked(std::uint32_t c, std::uint32_t k, std::uint32_t a, std::uint32_t b) {
  const std::uint32_t above = 0u - static_cast<std::uint32_t>(c > k);  // all ones or 0
  return (a & above) | (b & ~above);
}

// c > k ? a : b, on unsigned 32-bit values, without a branch.
inline std::uint32_t select_if_above(std::uint32_t c, std::uint32_t k, std::uint32_t a, std::uint32_t b) {
#if defined(__x86_64__) && defined(__GNUC__)
  // Either comparand may be in memory, not both (two alternatives).
  asm("cmpl %[k], %[c]\n\tcmova %[a], %[r]"
      : [r] "+r,r"(b)
      : [c] "r,rm"(c), [k] "rm,r"(k), [a] "rm,rm"(a)
      : "cc");
  return b;
#else
  return select_if_above_masked(c, k, a, b);
#endif
}

// c < k ? a : b, on unsigned 32-bit values, without a branch: k > c.
inline std::uint32_t select_if_below(std::uint32_t c, std::uint32_t k, std::uint32_t a, std::uint32_t b) {
  return select_if_above(k, c, a, b);
}
inline std::uint32_t select_if_below_masked(std::uint32_t c, std::uint32_t k, std::uint32_t a, std::uint32_t b) {
  return select_if_above_masked(k, c, a, b);
}

}  // namespace terrasim::sim
