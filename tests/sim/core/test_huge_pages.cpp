// The allocator of the large arrays: where their storage lies must change
// nothing but where it lies.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "sim/core/huge_pages.h"

using namespace terrasim;

namespace {
bool aligned_to_huge_page(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % sim::detail::kHugePage == 0; }

// The mapping of this process that starts at p, as /proc/self/smaps shows
// it: its end and its VmFlags line; found false if none starts there.
struct Mapping {
  bool found = false;
  std::uintptr_t end = 0;
  std::string flags;
};
Mapping mapping_at(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  Mapping m;
  bool in = false;
  for (std::string line; std::getline(smaps, line);) {
    if (line.rfind("VmFlags:", 0) == 0) {
      if (in) m.flags = line;
      continue;
    }
    // A mapping's first line starts "lo-hi " in hex; its other lines "Name:".
    std::istringstream head(line);
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    if (line.find(':') < line.find('-') || !(head >> std::hex >> lo >> dash >> hi) || dash != '-') continue;
    in = lo == reinterpret_cast<std::uintptr_t>(p);
    if (in) {
      m.found = true;
      m.end = hi;
    }
  }
  return m;
}

// The VmFlags line of the mapping of this process that holds address p
// ("" if none does).
std::string flags_of_mapping_holding(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  bool in = false;
  for (std::string line; std::getline(smaps, line);) {
    if (line.rfind("VmFlags:", 0) == 0) {
      if (in) return line;
      continue;
    }
    std::istringstream head(line);
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    if (line.find(':') < line.find('-') || !(head >> std::hex >> lo >> dash >> hi) || dash != '-') continue;
    in = lo <= at && at < hi;
  }
  return "";
}
}  // namespace

TEST(HugePages, AfterHeapInHugePagesTheBlocksOfARunLieInHugePages) {
  if (!sim::detail::mapped(sim::detail::kHugePage)) GTEST_SKIP() << "under AddressSanitizer, whose heap is its own";
  if (!std::filesystem::exists("/sys/kernel/mm/transparent_hugepage/enabled"))
    GTEST_SKIP() << "no transparent huge pages in this kernel";
  // In a child process: the heap's options are the process's. Blocks of
  // 128 KiB and over (the employee lists' arena at 10^5 workers is 0.8 MB),
  // each in a mapping of its own before, lie in the heap's part advised to
  // take huge pages, and are usable. (A smaller block may take room freed
  // below it, as it would before.) Exit 3: the heap was not prepared (a sanitizer's own
  // allocator); 4 + k: block k is not in huge pages.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (!sim::heap_in_huge_pages()) std::_Exit(3);
    const std::size_t sizes[] = {200'000, 820'000, 3'000'000, 30'000'000};
    for (int k = 0; k < 4; ++k) {
      auto* p = static_cast<char*>(std::malloc(sizes[k]));
      if (p == nullptr) std::_Exit(1);
      p[0] = 1;
      p[sizes[k] - 1] = 2;
      if (flags_of_mapping_holding(p).find(" hg") == std::string::npos) std::_Exit(4 + k);
    }
    std::_Exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 3) GTEST_SKIP() << "the heap could not be prepared here (a sanitizer's allocator, a limited address space)";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "4 + k: the k-th block is not in a mapping advised to take huge pages";
}

TEST(HugePages, TheHeapIsLeftAsItIsUnderALimitedAddressSpace) {
  // A heap grown 64 MiB at a time would fail an allocation with 64 MiB still
  // free under ulimit -v (glibc does not retry without the pad: a review).
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    rlimit limit{};
    if (getrlimit(RLIMIT_AS, &limit) != 0) std::_Exit(1);
    limit.rlim_cur = std::size_t{8} << 30;
    if (setrlimit(RLIMIT_AS, &limit) != 0) std::_Exit(1);
    std::_Exit(sim::heap_in_huge_pages() ? 2 : 0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: the limit could not be set; 2: the heap was prepared under it";
}

TEST(HugePages, LargeVectorsBehaveAsVectors) {
  // From a few entries to past several huge pages, through growth, copy,
  // shrinking and release.
  sim::LargeVector<std::uint32_t> v;
  for (std::uint32_t i = 0; i < 3'000'000; ++i) v.push_back(i * 7u);
  ASSERT_EQ(v.size(), 3'000'000u);
  for (std::uint32_t i = 0; i < v.size(); i += 999) ASSERT_EQ(v[i], i * 7u);
  sim::LargeVector<std::uint32_t> copy = v;
  EXPECT_EQ(copy, v);
  copy.resize(5);
  copy.shrink_to_fit();
  EXPECT_EQ(copy, (sim::LargeVector<std::uint32_t>{0, 7, 14, 21, 28}));
  sim::LargeVector<std::uint64_t> zeros(1'000'000);  // value-initialised, mapped
  EXPECT_EQ(std::accumulate(zeros.begin(), zeros.end(), std::uint64_t{0}), 0u);
}

TEST(HugePages, LargeAllocationsAreMappedOnHugePageBoundaries) {
  if (!sim::detail::mapped(sim::detail::kHugePage)) GTEST_SKIP() << "under AddressSanitizer every allocation is the heap's";
  EXPECT_FALSE(sim::detail::mapped(sim::detail::kHugePage - 1));
  // The threshold and an odd size past it are mapped on their own: aligned
  // to a huge page, exactly as long as the size in whole small pages,
  // advised to take huge pages where the kernel has them, unmapped when
  // freed.
  const bool kernel_has_thp = std::filesystem::exists("/sys/kernel/mm/transparent_hugepage/enabled");
  sim::HugePageAllocator<char> bytes;
  for (const std::size_t n : {sim::detail::kHugePage, sim::detail::kHugePage * 3 + 12345}) {
    char* p = bytes.allocate(n);
    EXPECT_TRUE(aligned_to_huge_page(p)) << n;
    p[0] = 1;
    p[n - 1] = 2;  // the whole size is usable
    const Mapping m = mapping_at(p);
    ASSERT_TRUE(m.found) << n;
    EXPECT_EQ(m.end - reinterpret_cast<std::uintptr_t>(p), (n + 4095) / 4096 * 4096) << n;
    if (kernel_has_thp) {
      EXPECT_NE(m.flags.find(" hg"), std::string::npos) << m.flags;
    }
    bytes.deallocate(p, n);
    EXPECT_FALSE(mapping_at(p).found) << n;
  }
  sim::LargeArray<std::uint64_t> array(sim::detail::kHugePage);  // 16 MiB
  EXPECT_TRUE(aligned_to_huge_page(array.get()));
}

TEST(HugePages, LargeArraysMoveTheirStorage) {
  sim::LargeArray<std::uint32_t> a(1'000'000);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::uint32_t>(i);
  const std::uint32_t* storage = a.get();
  sim::LargeArray<std::uint32_t> b = std::move(a);
  EXPECT_EQ(b.get(), storage);
  EXPECT_EQ(b.size(), 1'000'000u);
  EXPECT_EQ(a.get(), nullptr);
  EXPECT_EQ(b[999'999], 999'999u);
  sim::LargeArray<std::uint32_t> small(10);
  small = std::move(b);  // releases its own
  EXPECT_EQ(small.get(), storage);
  EXPECT_EQ(small[123], 123u);
}
