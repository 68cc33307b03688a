// Where this machine's kernel runs a thread that another thread wakes or
// creates, and how long the thread waits to run.
//
// sim::Team's design rests on it (docs/performance.md, "What two threads lose";
// docs/performance-log.md, twelfth round): on this project's machines (a
// Firecracker guest's kernel with a `kernel.sched_vcpu_pack` setting) a
// woken or new thread is put on the core of the thread that woke or made
// it, so that if that thread goes on running, the new one waits, though
// the other core is idle. Four cases, each --rounds times:
//
//   woken, waker spins     a thread asleep on a futex (std::atomic::wait)
//                          is woken by one that then spins, as a team's
//                          caller does after handing out a job
//   woken, waker sleeps    the same, the waker then sleeping
//   created, creator spins a new thread, its creator spinning meanwhile
//   created, creator waits the same, the creator blocked in join()
//
// For each: the time from the wake (or pthread_create) to the thread's
// first instruction, median and quartiles, and how often it ran on the
// waker's (creator's) core.
//
//   build/release/bench/thread_placement              # 200 rounds a case
//   build/release/bench/thread_placement --rounds 1000
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

struct Sample {
  double us;       // from the wake or the create to the thread's first instruction
  bool same_core;  // it ran on the core of the thread that woke or made it
};

// Spins until `done` is set or `limit` passes.
void spin_until(const std::atomic<bool>& done, std::chrono::milliseconds limit) {
  const auto end = Clock::now() + limit;
  while (!done.load(std::memory_order_acquire) && Clock::now() < end) {
  }
}

Sample woken(bool waker_spins) {
  std::atomic<std::uint32_t> flag{0};
  std::atomic<bool> waiting{false}, ran{false};
  std::int64_t ran_at = 0;
  int ran_on = -1;
  std::thread sleeper([&] {
    waiting.store(true, std::memory_order_release);
    flag.wait(0, std::memory_order_acquire);
    ran_at = now_ns();
    ran_on = sched_getcpu();
    ran.store(true, std::memory_order_release);
  });
  while (!waiting.load(std::memory_order_acquire)) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));  // asleep in the futex by now
  const int here = sched_getcpu();
  const std::int64_t woke_at = now_ns();
  flag.store(1, std::memory_order_release);
  flag.notify_one();
  if (waker_spins) spin_until(ran, std::chrono::milliseconds(50));
  sleeper.join();  // the waker sleeps here (at once, when it does not spin)
  return {static_cast<double>(ran_at - woke_at) / 1e3, ran_on == here};
}

Sample created(bool creator_spins) {
  std::atomic<bool> ran{false};
  std::int64_t ran_at = 0;
  int ran_on = -1;
  const int here = sched_getcpu();
  const std::int64_t made_at = now_ns();
  std::thread fresh([&] {
    ran_at = now_ns();
    ran_on = sched_getcpu();
    ran.store(true, std::memory_order_release);
  });
  if (creator_spins) spin_until(ran, std::chrono::milliseconds(50));
  fresh.join();
  return {static_cast<double>(ran_at - made_at) / 1e3, ran_on == here};
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

std::string kernel_setting(const char* path) {
  std::ifstream in(path);
  std::string value;
  if (!(in >> value)) return "absent";
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 200;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      rounds = std::max(4, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: %s [--rounds N]\n", argv[0]);
      return 2;
    }
  }
  cpu_set_t mine;
  if (sched_getaffinity(0, sizeof mine, &mine) != 0 || CPU_COUNT(&mine) < 2) {
    std::fprintf(stderr, "thread_placement: needs two cores\n");
    return 1;
  }
  std::printf("kernel.sched_vcpu_pack: %s; %d rounds a case\n",
              kernel_setting("/proc/sys/kernel/sched_vcpu_pack").c_str(), rounds);
  std::printf("%-24s %12s %12s %12s %16s\n", "case", "median us", "quartile 1", "quartile 3", "same core");
  struct Case {
    const char* name;
    Sample (*run)(bool);
    bool spins;
  };
  for (const Case& c : {Case{"woken, waker spins", woken, true}, Case{"woken, waker sleeps", woken, false},
                        Case{"created, creator spins", created, true}, Case{"created, creator waits", created, false}}) {
    std::vector<double> us;
    int same = 0;
    for (int r = 0; r < rounds; ++r) {
      const Sample s = c.run(c.spins);
      us.push_back(s.us);
      same += s.same_core;
    }
    std::printf("%-24s %12.1f %12.1f %12.1f %9d in %d\n", c.name, quantile(us, 0.5), quantile(us, 0.25),
                quantile(us, 0.75), same, rounds);
  }
  return 0;
}
