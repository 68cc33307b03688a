// A team of threads for the short parallel loops of a simulated month.
//
// A month is a dozen parallel loops of a fraction of a millisecond each, with
// serial steps between them. oneTBB (2021.8, the version Debian 12 ships)
// lets its worker threads leave an arena as soon as it has no work, so each
// loop waited for the second thread to come back: the dock model's matching
// loop, cut in two halves, ran in 0.43 ms on two threads against 0.63 ms on
// one, and in three pieces no faster than on one (docs/performance-log.md).
// A team keeps its threads: after a job they spin for a while (kSpin), then
// sleep on a futex until the next (at once after rest()).
//
// The team runs jobs of `tasks` calls task(0) .. task(tasks - 1): the caller
// and the team's threads claim the calls one at a time (the caller from the
// first, the team's threads from the last, unless told to take them in
// order) and the caller returns when all have returned. Which thread makes
// which call is left to chance, so a job must give the same result whatever
// the assignment (sim::for_ranges' contract). While a simulation runs its
// model (TeamScope), sim::for_ranges and sum_ranges run on the simulation's
// team; elsewhere they use TBB.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <pthread.h>
#include <sched.h>

namespace terrasim::sim {

// The cores the calling thread may run on (its affinity mask: a cluster
// job's cpuset, taskset), or the machine's when the mask cannot be read.
int cores_allowed();

class Team {
 public:
  // How long an idle thread spins before it sleeps: longer than the serial
  // steps between the loops of a month, shorter than anything a person waits
  // on.
  // Only while the team has no more threads than the cores its creator may
  // run on (its affinity mask): a thread that spins on a shared core takes
  // it from one with work.
  static constexpr std::chrono::microseconds kSpin{2000};

  // A team of `threads` threads, the caller of run() included (threads >= 1).
  // If the system refuses a thread, the team has fewer (results do not
  // depend on the number). `spin`: how long its idle threads spin (tests).
  explicit Team(int threads, std::chrono::microseconds spin = kSpin);
  ~Team();
  Team(const Team&) = delete;
  Team& operator=(const Team&) = delete;

  int size() const { return static_cast<int>(threads_.size()) + 1; }

  // Which calls a thread claims next.
  enum class Claims {
    // The caller claims from the first call up, the team's threads from the
    // last down: consecutive loops over the same items (firm slots in
    // order) then give most of the same items to the same thread, whose
    // cache holds them, however the loops are cut.
    kFromBothEnds,
    // Every thread claims the first call not yet claimed: for a job whose
    // calls feed a serial stage that takes them in order.
    kInOrder,
  };

  // Calls task(k) once for each k in [0, tasks) and returns when every call
  // has returned; rethrows the first exception a call threw, in time (the
  // other calls still run). A call made from inside a task runs its calls
  // inline, in order, on the calling thread. One job at a time: a second
  // thread calling run() while a job runs gets std::logic_error.
  void run(std::size_t tasks, const std::function<void(std::size_t)>& task, Claims claims = Claims::kFromBothEnds);

  // The team's threads sleep at once rather than spin until the next job:
  // the caller has other work for a while (a simulation at the end of its
  // run, which writes its outputs next). A thread spinning on the other
  // core held up the kernel's work for the outputs' fsync: the outputs of
  // a run at the dock defaults on two threads took 4.0 ms to commit
  // against 1.5 with no spin (docs/performance-log.md, twelfth round).
  void rest();
  // How many of the team's threads are asleep (tests).
  int sleeping() const { return sleeping_.load(std::memory_order_acquire); }

  // The team of the simulation running on this thread, or nullptr.
  static Team* current();
  // True on a thread that is inside one of a team's calls.
  static bool in_task();

 private:
  void work();
  bool claim_and_run(bool from_back);
  bool has_work() const;

  static void* start(void* team);

  std::vector<pthread_t> threads_;
  // The cores the team may run on, which each of its threads takes back
  // once started on a core other than its creator's (see the constructor).
  cpu_set_t allowed_{};
  bool restore_allowed_ = false;
  // The job: its tag (15 bits, against a stale claim), whether its calls
  // are claimed in order (1 bit), and the calls not yet claimed, [front,
  // back) (24 bits each), changed together.
  std::atomic<std::uint64_t> word_{0};
  std::uint64_t job_ = 0;
  const std::function<void(std::size_t)>* task_ = nullptr;
  std::atomic<std::size_t> done_{0};       // calls of the job returned
  std::atomic<std::uint32_t> signal_{0};   // changes at each job and at the end: what sleepers wait on
  std::atomic<bool> stop_{false};
  std::atomic<bool> busy_{false};  // a job is running
  std::atomic<bool> resting_{false};  // rest() called, and no job since
  std::atomic<int> sleeping_{0};
  std::chrono::microseconds spin_for_;  // 0 when threads outnumber cores: a thread that spins on a shared core takes it from one with work
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

// Makes `team` the current team of this thread for its lifetime (nullptr:
// none), restoring the previous one after.
class TeamScope {
 public:
  explicit TeamScope(Team* team);
  ~TeamScope();
  TeamScope(const TeamScope&) = delete;
  TeamScope& operator=(const TeamScope&) = delete;

 private:
  Team* previous_;
};

}  // namespace terrasim::sim
