// Byte mutations for the fuzz harnesses' smoke tests (tests/sim/scenario,
// tests/models/fuzz): a fixed-seed stand-in for what libFuzzer does, so
// that the ordinary test runs feed each harness inputs of the same kind.
#pragma once

#include <cstddef>
#include <random>
#include <string>

namespace terrasim::testing {

// Bytes that matter to YAML, and some that matter to UTF-8.
inline const std::string& interesting_bytes() {
  static const char raw[] = "[]{}:,-?&*!|>'\"#%@`\t\n\r \\~0123456789.eE+\x00\x7f\xc3\xa9\xff\xe2\x82";
  static const std::string bytes(raw, sizeof raw - 1);
  return bytes;
}

// `s` with 1 to `max_edits` edits, each a byte overwritten (by a random
// byte or an interesting one), 1 to 4 copies of an interesting byte
// inserted, or 1 to `max_erased` bytes erased.
inline std::string mutated(std::string s, std::mt19937_64& rng, std::size_t max_edits, std::size_t max_erased) {
  const std::string& interesting = interesting_bytes();
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const std::size_t edits = 1 + pick(max_edits);
  for (std::size_t e = 0; e < edits && !s.empty(); ++e) {
    const std::size_t at = pick(s.size());
    switch (pick(4)) {
      case 0: s[at] = static_cast<char>(rng()); break;
      case 1: s[at] = interesting[pick(interesting.size())]; break;
      case 2: s.insert(at, 1 + pick(4), interesting[pick(interesting.size())]); break;
      default: s.erase(at, 1 + pick(max_erased)); break;
    }
  }
  return s;
}

}  // namespace terrasim::testing
