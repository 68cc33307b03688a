// Memory for the large arrays of a model, in transparent huge pages where
// the system offers them.
//
// At 10^7 workers the docking model reads its arrays (the employee lists,
// the firms' columns, the list of the unemployed, the vacancy entries) at
// random, over hundreds of megabytes: with 4 KiB pages nearly every access
// misses the TLB as well as the cache. An allocation of 2 MiB or more is
// mapped on its own, aligned to 2 MiB, and marked MADV_HUGEPAGE before it
// is touched, so that where transparent huge pages are enabled ("always" or
// "madvise" in /sys/kernel/mm/transparent_hugepage/enabled) the kernel
// backs it with 2 MiB pages. Elsewhere the advice is ignored and nothing
// else changes. Smaller allocations go to the ordinary heap. Where memory
// lies never changes what a model computes.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace terrasim::sim {

namespace detail {
inline constexpr std::size_t kHugePage = std::size_t{2} << 20;
// Whether an allocation of `bytes` is mapped on its own (else it is the
// heap's): from kHugePage on, except under AddressSanitizer, where every
// allocation stays on its heap, which checks the bounds of what it hands
// out. Decided in one place (huge_pages.cpp), so that a block is always
// freed the way it was allocated.
bool mapped(std::size_t bytes) noexcept;
// `bytes` (>= kHugePage) of memory aligned to kHugePage, advised to be
// backed by huge pages; std::bad_alloc if the system refuses.
void* map_huge(std::size_t bytes);
void unmap_huge(void* p, std::size_t bytes) noexcept;
}  // namespace detail

template <class T>
class HugePageAllocator {
 public:
  using value_type = T;
  HugePageAllocator() noexcept = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    if (!detail::mapped(n * sizeof(T))) return std::allocator<T>().allocate(n);
    return static_cast<T*>(detail::map_huge(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (!detail::mapped(n * sizeof(T)))
      std::allocator<T>().deallocate(p, n);
    else
      detail::unmap_huge(p, n * sizeof(T));
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

// Prepares this process's heap (glibc's malloc) for a run: one arena, grown
// by `reserve` bytes at a time, blocks up to 32 MiB taken from it (not each
// mapped on its own), and its next `reserve` bytes advised to be backed by
// huge pages.
// On the build machine (a Firecracker guest) the first touch of a 4 KiB
// page costs about 10 us, and of a 2 MiB huge page 0.24 us for each 4 KiB
// of it (build/release/bench/page_faults): a run at the docking model's
// defaults made about 740 faults in its heap and its mappings below 2 MiB,
// some 7% of its time (240 faults in all now, most of them the loading of
// the program). For a process that runs simulations (the command-line
// program); a library leaves its host's allocator alone. Returns whether
// the heap was so prepared: not under AddressSanitizer, which keeps its own
// heap, nor where the malloc is not glibc's or its heap cannot grow by brk,
// nor under a limited address space (RLIMIT_AS, RLIMIT_DATA) or strict
// overcommit, where growing by `reserve` would fail allocations `reserve`
// early; glibc's options are then put back. Changes where memory lies,
// never what a model computes.
bool heap_in_huge_pages(std::size_t reserve = std::size_t{64} << 20) noexcept;

// A vector whose storage, from 2 MiB on, lies in huge pages.
template <class T>
using LargeVector = std::vector<T, HugePageAllocator<T>>;

// An array of n T, not initialised, for the storage a model manages itself.
template <class T>
class LargeArray {
 public:
  LargeArray() = default;
  explicit LargeArray(std::size_t n) : data_(HugePageAllocator<T>().allocate(n)), size_(n) {}
  ~LargeArray() { release(); }
  LargeArray(LargeArray&& other) noexcept : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  LargeArray& operator=(LargeArray&& other) noexcept {
    if (this != &other) {
      release();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  T* get() const noexcept { return data_; }
  T& operator[](std::size_t i) const noexcept { return data_[i]; }
  std::size_t size() const noexcept { return size_; }

 private:
  void release() noexcept {
    if (data_) HugePageAllocator<T>().deallocate(data_, size_);
  }
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace terrasim::sim
