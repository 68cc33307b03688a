#include "sim/core/huge_pages.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <limits>

namespace terrasim::sim::detail {

namespace {
// Whole small pages: the huge pages cover the mapping's whole 2 MiB
// extents, and the rest (its end) stays in small pages, rather than a huge
// page of which part would never be used.
std::size_t rounded(std::size_t bytes) {
  static const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

// AddressSanitizer (g++ defines the first, clang answers the second).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kMapLarge = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kMapLarge = false;
#else
constexpr bool kMapLarge = true;
#endif
#else
constexpr bool kMapLarge = true;
#endif
}  // namespace

bool mapped(std::size_t bytes) noexcept { return kMapLarge && bytes >= kHugePage; }

void* map_huge(std::size_t bytes) {
  // Sizes that the rounding below would wrap: no system maps them.
  if (bytes > std::numeric_limits<std::size_t>::max() - 2 * kHugePage) throw std::bad_alloc();
  const std::size_t size = rounded(bytes);
  // Mapped with a huge page to spare, then trimmed to an aligned start.
  void* raw = mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > start) munmap(raw, aligned - start);
  const std::uintptr_t end = start + size + kHugePage, used_end = aligned + size;
  if (end > used_end) munmap(reinterpret_cast<void*>(used_end), end - used_end);
  // Advice only: refused (no transparent huge pages), the pages are small.
#ifdef MADV_HUGEPAGE
  madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);
#endif
  return reinterpret_cast<void*>(aligned);
}

void unmap_huge(void* p, std::size_t bytes) noexcept { munmap(p, rounded(bytes)); }

}  // namespace terrasim::sim::detail
