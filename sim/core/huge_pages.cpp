#include "sim/core/huge_pages.h"

#include <malloc.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
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

namespace terrasim::sim {

namespace {
// glibc's defaults back (mallopt(3): 128 KiB each), where the heap could not
// be prepared; returns `result`.
bool restore_heap_options(bool result) noexcept {
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  mallopt(M_TOP_PAD, 128 * 1024);
  return result;
}
}  // namespace

bool heap_in_huge_pages(std::size_t reserve) noexcept {
  using detail::kHugePage;
  if (!detail::kMapLarge || reserve < kHugePage || reserve > (std::size_t{1} << 30)) return false;
  // Where the address space is limited (ulimit -v, RLIMIT_DATA: a cluster's
  // job limits) or committed strictly, a heap grown `reserve` at a time would
  // fail an allocation while `reserve` is still free (glibc does not retry
  // without the pad): left as it is.
  rlimit limit{};
  for (const int resource : {RLIMIT_AS, RLIMIT_DATA})
    if (getrlimit(resource, &limit) != 0 || limit.rlim_cur != RLIM_INFINITY) return false;
  if (std::FILE* f = std::fopen("/proc/sys/vm/overcommit_memory", "r")) {
    const int mode = std::fgetc(f);
    std::fclose(f);
    if (mode == '2') return false;
  }
  // Blocks up to 32 MiB (the most M_MMAP_THRESHOLD takes) come from the heap,
  // in huge pages, rather than each from a mapping of its own in small pages
  // (from 128 KiB on, by default): at 10^6 workers 5,400 page faults
  // became 650. One arena: the team's threads would otherwise each take one
  // of their own, mapped in small pages. The heap is grown `reserve` at a
  // time; its top is given back when more than `reserve` lies free above
  // the blocks in use (M_TRIM_THRESHOLD left as it is: never giving it back
  // kept 15 MiB more at 10^7 workers, for no fewer faults).
  const auto pad = static_cast<int>(reserve);
  malloc_trim(0);  // the heap's free top given back, so that the block below grows the heap
  const auto before = reinterpret_cast<std::uintptr_t>(sbrk(0));
  if (mallopt(M_MMAP_THRESHOLD, 32 << 20) != 1 || mallopt(M_TOP_PAD, pad) != 1) return restore_heap_options(false);
  // The heap grown now by `reserve` (with a block freed at once), of which
  // every whole 2 MiB extent above the block is advised to be backed by huge
  // pages when first touched. An extent with a page touched before the
  // advice stays in small pages: the block's end, where malloc wrote the
  // header of the heap's free rest, is below the first extent advised.
  void* volatile probe = std::malloc(kHugePage);  // volatile: not elided with its free
  const auto block = reinterpret_cast<std::uintptr_t>(probe);
  std::free(probe);
  const auto end = reinterpret_cast<std::uintptr_t>(sbrk(0));
  // The block must lie in the heap that brk grew by `reserve` (not where a
  // malloc other than glibc's, or glibc's own when brk cannot grow, put it),
  // or the advice would fall on other mappings.
  if (block == 0 || before == static_cast<std::uintptr_t>(-1) || end == static_cast<std::uintptr_t>(-1) ||
      end < before + reserve || block + kHugePage > end || block + 2 * kHugePage < before)
    return restore_heap_options(false);
  const std::uintptr_t first = (block + kHugePage + 64 + kHugePage - 1) / kHugePage * kHugePage;
  const std::uintptr_t last = end / kHugePage * kHugePage;
  if (last <= first) return restore_heap_options(false);
#ifdef MADV_HUGEPAGE
  if (madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE) != 0) return restore_heap_options(false);
  // The heap below the first extent advised, from the block on, is taken by
  // one block, kept and never touched (its pages cost nothing), so that the
  // blocks of the run start at that extent, in huge pages.
  void* volatile below = std::malloc(first - block);
  (void)below;
  mallopt(M_ARENA_MAX, 1);
  return true;
#else
  return restore_heap_options(false);
#endif
}

}  // namespace terrasim::sim
