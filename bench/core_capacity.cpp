// How much work two threads get done against one on this machine, now.
//
// The targets for two threads (a speedup over one thread; a ratio to a peer
// that runs on one) assume two cores that run at once at full speed. On a
// shared virtual machine they need not: the hypervisor may run the second
// vCPU on a busy host core, or both vCPUs on one core's two hyperthreads,
// and that changes from one minute to the next. This measures it, with two
// kernels, each given --ms milliseconds of work on one thread (calibrated
// once on cpu 0):
//
//   compute   a dependent chain of multiplies and xors, in registers
//   memory    a sum over a private buffer per thread of --mib MiB (past the
//             shared L3 when two run: they share the memory's bandwidth)
//
// and the round trip of a cache line between cpus 0 and 1 (each thread
// waits for the other's write, then writes): what every hand-off between
// the two threads of a run costs, its team's jobs and the data one thread
// reads of what the other wrote. It moves with where the hypervisor runs
// the two vCPUs: 87-101 ns at some hours, 374-419 ns at others, and a run
// of the dock model at the defaults on two threads took half as long again
// at the latter (docs/performance-log.md, "Thirtieth round"), which neither
// kernel sees.
//
// Each round times the kernel on cpu 0 alone, on cpu 1 alone, then on both
// at once, each thread timing its own work after a common start; the
// round's speedup is 2 x (cpu 0 alone) / (the slower of the two together):
// 2.0 is two full cores. The rounds interleave the cases, so that a change
// of load touches them all. Medians and quartiles over --rounds rounds;
// with --json, the same written to a file (bench/run_all.py records it next
// to the two-thread timings it explains).
//
//   build/release/bench/core_capacity                  # 21 rounds of 20 ms
//   build/release/bench/core_capacity --rounds 41 --json out/capacity.json
//
// Needs two cores (it pins its threads to cpus 0 and 1).
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

bool pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// A chain of `iterations` dependent multiply-xor steps: the time of a core's
// arithmetic, nothing else.
std::uint64_t compute_kernel(std::uint64_t iterations, std::uint64_t seed) {
  std::uint64_t x = seed | 1;
  for (std::uint64_t i = 0; i < iterations; ++i) {
    x = x * 0x9E3779B97F4A7C15ull + i;
    x ^= x >> 29;
  }
  return x;
}

// `passes` sums over `buffer`: the time of streaming it from memory.
std::uint64_t memory_kernel(const std::vector<std::uint64_t>& buffer, std::uint64_t passes) {
  std::uint64_t sum = 0;
  for (std::uint64_t p = 0; p < passes; ++p)
    for (const std::uint64_t w : buffer) sum += w;
  return sum;
}

struct Quartiles {
  double q1, median, q3;
};
Quartiles quartiles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto at = [&](double q) { return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5)]; };
  return {at(0.25), at(0.5), at(0.75)};
}

std::atomic<std::uint64_t> g_sink{0};  // keeps the kernels' results

// Runs work(index) on one thread pinned to each of `cpus`, started together;
// returns each thread's own seconds (from the common start to its end).
// Empty if a thread cannot be pinned.
template <class Work>
std::vector<double> run_pinned(const std::vector<int>& cpus, Work&& work) {
  std::vector<double> seconds(cpus.size(), 0.0);
  std::atomic<int> ready{0};
  std::atomic<bool> pinned{true};
  std::vector<std::thread> threads;
  for (std::size_t k = 0; k < cpus.size(); ++k)
    threads.emplace_back([&, k] {
      if (!pin_to(cpus[k])) pinned = false;
      // A short spin until every thread is pinned and here: a common start.
      ready.fetch_add(1);
      while (ready.load() < static_cast<int>(cpus.size())) {
      }
      const auto t0 = Clock::now();
      g_sink.fetch_add(work(k), std::memory_order_relaxed);
      seconds[k] = std::chrono::duration<double>(Clock::now() - t0).count();
    });
  for (auto& t : threads) t.join();
  if (!pinned) return {};
  return seconds;
}

// The round trips of one cache line between cpus 0 and 1, `trips` of them:
// nanoseconds a round trip (0 if a thread cannot be pinned). Run after the
// kernels, which have found both cpus (unpinned on one cpu, each wait would
// last a time slice).
double round_trip_ns(long trips) {
  alignas(64) static std::atomic<long> line{0};
  line.store(0);
  const auto seconds = run_pinned({0, 1}, [&](std::size_t k) -> std::uint64_t {
    // cpu 0 writes the odd values on seeing an even one, cpu 1 the even.
    for (long i = static_cast<long>(k); i < 2 * trips; i += 2) {
      while (line.load(std::memory_order_acquire) != i) {
      }
      line.store(i + 1, std::memory_order_release);
    }
    return 0;
  });
  return seconds.empty() ? 0.0 : seconds[0] * 1e9 / static_cast<double>(trips);
}

struct Kernel {
  const char* name;
  bool memory;          // the memory kernel, else the compute one
  std::uint64_t units;  // iterations or passes for --ms on cpu 0
};

}  // namespace

int main(int argc, char** argv) {
  int rounds = 21;
  double ms = 20;
  std::size_t mib = 64;
  std::string json;
  for (int i = 1; i < argc; ++i) {
    const bool more = i + 1 < argc;
    if (std::strcmp(argv[i], "--rounds") == 0 && more) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--ms") == 0 && more) {
      ms = std::max(1.0, std::atof(argv[++i]));
    } else if (std::strcmp(argv[i], "--mib") == 0 && more) {
      mib = static_cast<std::size_t>(std::max(1, std::atoi(argv[++i])));
    } else if (std::strcmp(argv[i], "--json") == 0 && more) {
      json = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--rounds N] [--ms MS] [--mib MIB] [--json FILE]\n", argv[0]);
      return 2;
    }
  }
  if (std::thread::hardware_concurrency() < 2) {
    std::fprintf(stderr, "core_capacity: needs two cores\n");
    return 1;
  }
  // Each thread's own buffer, written before any timing (its pages mapped).
  std::vector<std::vector<std::uint64_t>> buffers(2, std::vector<std::uint64_t>(mib * 1024 * 1024 / 8));
  for (std::size_t k = 0; k < 2; ++k)
    for (std::size_t i = 0; i < buffers[k].size(); ++i) buffers[k][i] = i * (k + 3);

  auto run_kernel = [&](const Kernel& kernel, std::size_t k) -> std::uint64_t {
    return kernel.memory ? memory_kernel(buffers[k], kernel.units) : compute_kernel(kernel.units, k + 1);
  };
  // Calibration on cpu 0: units for about `ms` milliseconds.
  std::vector<Kernel> kernels = {{"compute", false, 1 << 20}, {"memory", true, 1}};
  for (auto& kernel : kernels) {
    const auto probe = run_pinned({0}, [&](std::size_t k) { return run_kernel(kernel, k); });
    if (probe.empty()) {
      std::fprintf(stderr, "core_capacity: cannot pin a thread to cpu 0\n");
      return 1;
    }
    const double per_unit = probe[0] / static_cast<double>(kernel.units);
    kernel.units = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(ms * 1e-3 / per_unit + 0.5));
  }

  std::printf("two threads against one, %d rounds (cpu 0 alone, cpu 1 alone, both)\n", rounds);
  std::printf("%-8s %12s %12s %12s %26s\n", "kernel", "cpu 0 ms", "cpu 1 ms", "both ms", "speedup q1 / median / q3");
  std::string out = "{\"rounds\": " + std::to_string(rounds) + ", \"ms\": " + std::to_string(ms) +
                    ", \"mib\": " + std::to_string(mib) + ", \"kernels\": {";
  for (std::size_t kk = 0; kk < kernels.size(); ++kk) {
    const Kernel& kernel = kernels[kk];
    std::vector<double> alone0, alone1, both, speedup;
    for (int r = 0; r < rounds; ++r) {
      const auto a = run_pinned({0}, [&](std::size_t) { return run_kernel(kernel, 0); });
      const auto b = run_pinned({1}, [&](std::size_t) { return run_kernel(kernel, 1); });
      const auto c = run_pinned({0, 1}, [&](std::size_t k) { return run_kernel(kernel, k); });
      if (a.empty() || b.empty() || c.empty()) {
        std::fprintf(stderr, "core_capacity: cannot pin threads to cpus 0 and 1\n");
        return 1;
      }
      const double together = std::max(c[0], c[1]);
      alone0.push_back(a[0]);
      alone1.push_back(b[0]);
      both.push_back(together);
      speedup.push_back(2.0 * a[0] / together);
    }
    const Quartiles s = quartiles(speedup);
    const double m0 = quartiles(alone0).median, m1 = quartiles(alone1).median, mb = quartiles(both).median;
    std::printf("%-8s %12.2f %12.2f %12.2f %10.2f / %.2f / %.2f\n", kernel.name, m0 * 1e3, m1 * 1e3, mb * 1e3, s.q1,
                s.median, s.q3);
    char row[320];
    std::snprintf(row, sizeof row,
                  "%s\"%s\": {\"cpu0_alone_s\": %.6g, \"cpu1_alone_s\": %.6g, \"both_s\": %.6g, "
                  "\"speedup_q1\": %.4g, \"speedup_median\": %.4g, \"speedup_q3\": %.4g}",
                  kk ? ", " : "", kernel.name, m0, m1, mb, s.q1, s.median, s.q3);
    out += row;
  }
  out += "}";
  // The round trip: 20,000 a round (2-8 ms), as many rounds as the kernels.
  std::vector<double> trips;
  for (int r = 0; r < rounds; ++r) {
    const double ns = round_trip_ns(20000);
    if (ns <= 0) {
      std::fprintf(stderr, "core_capacity: cannot pin threads to cpus 0 and 1\n");
      return 1;
    }
    trips.push_back(ns);
  }
  const Quartiles t = quartiles(trips);
  std::printf("a cache line's round trip between cpus 0 and 1: %.0f / %.0f / %.0f ns (q1 / median / q3)\n", t.q1,
              t.median, t.q3);
  char row[160];
  std::snprintf(row, sizeof row, ", \"round_trip_ns\": {\"q1\": %.4g, \"median\": %.4g, \"q3\": %.4g}}\n", t.q1,
                t.median, t.q3);
  out += row;
  if (!json.empty()) {
    FILE* f = std::fopen(json.c_str(), "w");
    const bool written = f && std::fputs(out.c_str(), f) >= 0;
    if (!(f && std::fclose(f) == 0 && written)) {
      std::fprintf(stderr, "core_capacity: cannot write %s\n", json.c_str());
      return 1;
    }
  }
  return 0;
}
