// What a first touch of fresh memory costs on this machine, now.
//
// Memory that a process maps is given pages only when first touched: each
// touch of a new 4 KiB page is a page fault, which the kernel serves by
// zeroing a page and mapping it. On bare metal that costs well under a
// microsecond; in a virtual machine whose guest page tables the hypervisor
// shadows or checks, it can cost far more, and a run that allocates a few
// megabytes pays it hundreds of times. A 2 MiB huge page (transparent huge
// pages, MADV_HUGEPAGE on an aligned extent) is one fault for 512 small
// pages. This times, over --mib MiB of fresh anonymous memory:
//
//   small     one write to each 4 KiB page (a fault each)
//   populate  MADV_POPULATE_WRITE first (Linux 5.14: the kernel maps every
//             page in one call, no trap a page), then the writes
//   huge      one write to each 4 KiB page of extents advised MADV_HUGEPAGE
//             (a fault each 2 MiB where the kernel gives huge pages)
//   rewrite   the small case's memory written again (no fault): the floor
//
// and prints each as microseconds per 4 KiB page (medians of --rounds
// rounds, interleaved) and the huge pages the kernel gave (AnonHugePages of
// /proc/self/smaps_rollup after the huge case). sim::heap_in_huge_pages
// (sim/core/huge_pages.h) rests on these figures; docs/performance.md
// reports them.
//
//   build/release/bench/page_faults                    # 9 rounds of 64 MiB
//   build/release/bench/page_faults --rounds 21 --mib 16
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace {

constexpr std::size_t kPage = 4096;
constexpr std::size_t kHuge = std::size_t{2} << 20;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// One write to each small page of [p, p + n).
void touch(char* p, std::size_t n) {
  for (std::size_t i = 0; i < n; i += kPage) p[i] = static_cast<char>(i >> 12);
}

// n bytes of fresh memory aligned to a huge page, in a mapping of n + kHuge
// bytes (its start returned in `raw`, to unmap), advised to take small
// pages (where transparent huge pages are "always", an aligned mapping would
// take huge ones unasked) or huge ones.
char* fresh(std::size_t n, void** raw, bool huge) {
  *raw = mmap(nullptr, n + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (*raw == MAP_FAILED) {
    std::perror("page_faults: mmap");
    std::exit(1);
  }
  const auto start = reinterpret_cast<std::uintptr_t>(*raw);
  char* p = reinterpret_cast<char*>((start + kHuge - 1) / kHuge * kHuge);
  if (!huge) madvise(p, n, MADV_NOHUGEPAGE);
  return p;
}

long anon_huge_kib() {
  std::ifstream rollup("/proc/self/smaps_rollup");
  for (std::string line; std::getline(rollup, line);)
    if (line.rfind("AnonHugePages:", 0) == 0) return std::strtol(line.c_str() + 14, nullptr, 10);
  return -1;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 9;
  std::size_t mib = 64;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rounds" && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--mib" && i + 1 < argc) {
      mib = static_cast<std::size_t>(std::max(2, std::atoi(argv[++i])));
    } else {
      std::fprintf(stderr, "usage: page_faults [--rounds N] [--mib M]\n");
      return 2;
    }
  }
  const std::size_t n = (mib << 20) / kHuge * kHuge;
  const double pages = static_cast<double>(n / kPage);
  std::vector<double> small, populate, huge, rewrite;
  long huge_kib = 0;
  bool populate_works = true;
  for (int r = 0; r < rounds; ++r) {
    void* raw = nullptr;
    char* p = fresh(n, &raw, false);
    auto t0 = std::chrono::steady_clock::now();
    touch(p, n);
    small.push_back(seconds_since(t0));
    t0 = std::chrono::steady_clock::now();
    touch(p, n);
    rewrite.push_back(seconds_since(t0));
    munmap(raw, n + kHuge);

    p = fresh(n, &raw, false);
    t0 = std::chrono::steady_clock::now();
    populate_works = populate_works && madvise(p, n, MADV_POPULATE_WRITE) == 0;
    touch(p, n);
    populate.push_back(seconds_since(t0));
    munmap(raw, n + kHuge);

    p = fresh(n, &raw, true);
    const bool advised = madvise(p, n, MADV_HUGEPAGE) == 0;
    t0 = std::chrono::steady_clock::now();
    touch(p, n);
    huge.push_back(seconds_since(t0));
    if (r == 0) huge_kib = advised ? anon_huge_kib() : 0;
    munmap(raw, n + kHuge);
  }
  const auto us = [&](const std::vector<double>& v) { return median(v) / pages * 1e6; };
  std::printf("first touch of fresh memory, %zu MiB, medians of %d rounds (us a 4 KiB page)\n", n >> 20, rounds);
  std::printf("small pages            %8.3f\n", us(small));
  std::printf("populated first        %8.3f%s\n", us(populate), populate_works ? "" : "  (MADV_POPULATE_WRITE refused)");
  std::printf("huge pages advised     %8.3f  (%ld of %zu KiB in huge pages)\n", us(huge), huge_kib, n >> 10);
  std::printf("written again (floor)  %8.3f\n", us(rewrite));
  return 0;
}
