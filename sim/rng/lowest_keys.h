// Uniform selection of k among candidates that arrive in any order: keep the
// k lowest of their random keys.
//
// If every candidate carries an independent uniform random key, the k
// candidates with the lowest keys are a uniformly chosen k-subset, and that
// set depends only on which candidates there were, not on the order in which
// they were offered. So candidates can be streamed from any number of threads
// into per-thread runs, and the runs merged afterwards, with the same result
// whatever the number of threads. Keys are 64-bit: random bits in the high
// half, a deterministic tie-break (the candidate's index) in the low half.
//
// A run of k slots is a max-heap (the largest kept key at its front),
// initialised to kEmptyKey (a valid heap), so that offering a key costs one
// comparison when it does not qualify and O(log k) when it does.
#pragma once

#include <cstddef>
#include <cstdint>

namespace terrasim::sim::rng {

inline constexpr std::uint64_t kEmptyKey = ~std::uint64_t{0};

namespace detail {
// Replaces the root of the max-heap run[0..k) with `key` (smaller than it) and
// restores the heap.
inline void replace_root(std::uint64_t* run, std::size_t k, std::uint64_t key) {
  std::size_t i = 0;
  for (;;) {
    std::size_t c = 2 * i + 1;
    if (c >= k) break;
    if (c + 1 < k && run[c + 1] > run[c]) ++c;
    if (run[c] <= key) break;
    run[i] = run[c];
    i = c;
  }
  run[i] = key;
}
}  // namespace detail

// Offers `key` to the run of the k lowest keys seen so far (k >= 1). One
// branch, on whether the key qualifies: a second, on k == 1, costs more in
// mispredictions (run sizes come in any order) than it saves.
inline void offer_key(std::uint64_t* run, std::size_t k, std::uint64_t key) {
  if (key < run[0]) detail::replace_root(run, k, key);
}

// Offers every key of `other` (a run of k slots) to `run`: afterwards `run`
// holds the k lowest keys of both.
inline void merge_keys(std::uint64_t* run, const std::uint64_t* other, std::size_t k) {
  for (std::size_t i = 0; i < k; ++i)
    if (other[i] != kEmptyKey) offer_key(run, k, other[i]);
}

}  // namespace terrasim::sim::rng
