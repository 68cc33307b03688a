// What it costs a core to read data that the other core wrote last.
//
// A month of the docking model on two threads hands data between its cores
// at every step: lists written by one thread's piece are read by the other's
// in the next loop. This measures that hand-off on the machine at hand: a
// buffer is written by core 0 or by core 1, then core 0 gathers 65,536
// random 8-byte words of it (independent loads, as the engine's prefetched
// passes issue them). Medians of --repeats rounds, for buffers that fit in
// a core's L2 and for larger ones.
//
//   build/release/bench/cross_core              # 256 KiB to 16 MiB
//   build/release/bench/cross_core --repeats 101
//
// Needs two cores (it pins its threads to cpus 0 and 1).
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

namespace {

bool pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// Runs f on a new thread pinned to `cpu`; false when it cannot be pinned.
template <class F>
bool on_cpu(int cpu, F&& f) {
  bool pinned = false;
  std::thread t([&] {
    pinned = pin_to(cpu);
    if (pinned) f();
  });
  t.join();
  return pinned;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = 51;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--repeats") == 0 && i + 1 < argc) {
      repeats = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: %s [--repeats N]\n", argv[0]);
      return 2;
    }
  }
  if (std::thread::hardware_concurrency() < 2) {
    std::fprintf(stderr, "cross_core: needs two cores\n");
    return 1;
  }
  constexpr std::size_t kReads = 1 << 16;
  std::printf("%10s %14s %14s %8s\n", "buffer", "same core", "other core", "ratio");
  for (const std::size_t kib : {256, 1024, 2048, 4096, 16384}) {
    const std::size_t words = kib * 1024 / sizeof(std::uint64_t);
    std::vector<std::uint64_t> buffer(words);
    std::vector<std::uint32_t> where(kReads);
    std::mt19937_64 bits(kib);
    for (auto& w : where) w = static_cast<std::uint32_t>(bits() % words);
    std::vector<double> seconds[2];
    std::uint64_t sink = 0;
    for (int r = 0; r < repeats; ++r)
      for (const int writer : {0, 1}) {
        const bool ok = on_cpu(writer, [&] {
          for (std::size_t i = 0; i < words; ++i) buffer[i] = i * static_cast<std::uint64_t>(r + 1);
        }) && on_cpu(0, [&] {
          const auto t0 = std::chrono::steady_clock::now();
          std::uint64_t sum = 0;
          for (const std::uint32_t w : where) sum += buffer[w];
          seconds[writer].push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
          sink += sum;
        });
        if (!ok) {
          std::fprintf(stderr, "cross_core: cannot pin a thread to cpu %d\n", writer);
          return 1;
        }
      }
    const double same = median(seconds[0]), other = median(seconds[1]);
    std::printf("%7zu KiB %11.1f us %11.1f us %7.2fx\n", kib, same * 1e6, other * 1e6, other / same);
    if (sink == 42) std::puts("");  // keeps the reads
  }
  return 0;
}
