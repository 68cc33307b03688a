// Team: see team.h.
#include "sim/core/team.h"

#include <stdexcept>
#include <system_error>

namespace terrasim::sim {

namespace {
thread_local Team* t_current = nullptr;
thread_local bool t_in_task = false;

constexpr std::uint64_t kFieldBits = 24;
constexpr std::uint64_t kFieldMask = (std::uint64_t{1} << kFieldBits) - 1;

constexpr std::uint64_t kInOrderBit = std::uint64_t{1} << (2 * kFieldBits);
constexpr unsigned kTagShift = 2 * kFieldBits + 1;

// A job's word: tag << 49 | in order << 48 | back << 24 | front, the calls
// not yet claimed being [front, back).
std::uint64_t back_of(std::uint64_t word) { return (word >> kFieldBits) & kFieldMask; }
std::uint64_t front_of(std::uint64_t word) { return word & kFieldMask; }

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Runs one call with the thread marked as inside a task.
struct InTask {
  bool previous = t_in_task;
  InTask() { t_in_task = true; }
  ~InTask() { t_in_task = previous; }
};
}  // namespace

int cores_allowed() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

Team::Team(int threads, std::chrono::microseconds spin) {
  if (threads < 1) throw std::invalid_argument("a team needs at least one thread");
  // The cores the caller may run on, not the machine's: two threads held
  // to one core spun on it, and a run at the dock defaults took 0.19 s
  // against 0.10 s on one thread.
  spin_for_ = threads <= cores_allowed() ? spin : std::chrono::microseconds{0};
  // The threads start on the caller's other cores. Left to the scheduler, a
  // new thread may start on its creator's core, which this project's
  // machines' kernel packs threads onto: it then spun there, and took the
  // core from its creator, for up to 2 ms in a third of the processes
  // (docs/performance-log.md, twelfth round). Each thread takes back the
  // caller's cores once started.
  threads_.reserve(static_cast<std::size_t>(threads - 1));
  pthread_attr_t attr;
  if (const int rc = pthread_attr_init(&attr); rc != 0) throw std::system_error(rc, std::generic_category(), "a team's threads");
  if (threads > 1 && sched_getaffinity(0, sizeof allowed_, &allowed_) == 0 && CPU_COUNT(&allowed_) > 1) {
    const int here = sched_getcpu();
    if (here >= 0 && here < CPU_SETSIZE && CPU_ISSET(here, &allowed_)) {
      cpu_set_t others = allowed_;
      CPU_CLR(here, &others);
      restore_allowed_ = pthread_attr_setaffinity_np(&attr, sizeof others, &others) == 0;
    }
  }
  for (int i = 1; i < threads; ++i) {
    pthread_t thread;
    // Refused with the other cores (a core taken away meanwhile), a thread
    // is made without them; refused at all (ulimit), the team is smaller,
    // which gives the same results.
    if (pthread_create(&thread, &attr, &Team::start, this) != 0 &&
        (!restore_allowed_ || pthread_attr_setaffinity_np(&attr, sizeof allowed_, &allowed_) != 0 ||
         pthread_create(&thread, &attr, &Team::start, this) != 0))
      break;
    threads_.push_back(thread);
  }
  pthread_attr_destroy(&attr);
}

void* Team::start(void* team) {
  auto* self = static_cast<Team*>(team);
  if (self->restore_allowed_) pthread_setaffinity_np(pthread_self(), sizeof self->allowed_, &self->allowed_);
  self->work();
  return nullptr;
}

Team::~Team() {
  stop_.store(true, std::memory_order_release);
  signal_.fetch_add(1, std::memory_order_release);
  signal_.notify_all();
  for (const pthread_t t : threads_) pthread_join(t, nullptr);
}

Team* Team::current() { return t_current; }
bool Team::in_task() { return t_in_task; }

bool Team::has_work() const {
  const std::uint64_t w = word_.load(std::memory_order_acquire);
  return front_of(w) < back_of(w);
}

bool Team::claim_and_run(bool from_back) {
  std::uint64_t w = word_.load(std::memory_order_acquire);
  std::uint64_t call;
  for (;;) {
    if (front_of(w) >= back_of(w)) return false;
    // The claim succeeds only on the word just read, so on the job it
    // describes: task_ is that job's until this call has returned.
    const bool back = from_back && (w & kInOrderBit) == 0;
    call = back ? back_of(w) - 1 : front_of(w);
    const std::uint64_t claimed = back ? w - (std::uint64_t{1} << kFieldBits) : w + 1;
    if (word_.compare_exchange_weak(w, claimed, std::memory_order_acq_rel, std::memory_order_acquire)) break;
  }
  {
    const InTask mark;
    try {
      (*task_)(static_cast<std::size_t>(call));
    } catch (...) {
      const std::lock_guard lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }
  done_.fetch_add(1, std::memory_order_acq_rel);
  return true;
}

void Team::work() {
  // The team is this thread's current team too, so that a loop nested in a
  // task runs inline here as on the caller's thread.
  t_current = this;
  for (;;) {
    if (claim_and_run(true)) continue;
    const std::uint32_t seen = signal_.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_acquire)) return;
    if (has_work()) continue;
    // Idle: spin while the next job may come soon (unless told to rest),
    // then sleep until it does.
    const auto t0 = std::chrono::steady_clock::now();
    bool changed = false;
    const bool spin = spin_for_.count() > 0 && !resting_.load(std::memory_order_acquire);
    for (unsigned i = 1; spin; ++i) {
      if (signal_.load(std::memory_order_acquire) != seen) {
        changed = true;
        break;
      }
      cpu_relax();
      if (i % 256 == 0 && std::chrono::steady_clock::now() - t0 > spin_for_) break;
    }
    if (!changed) {
      sleeping_.fetch_add(1, std::memory_order_acq_rel);
      signal_.wait(seen, std::memory_order_acquire);
      sleeping_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }
}

void Team::rest() {
  if (threads_.empty() || resting_.load(std::memory_order_relaxed)) return;
  // The spinning threads see the signal change, find no job, and sleep.
  resting_.store(true, std::memory_order_release);
  signal_.fetch_add(1, std::memory_order_release);
}

void Team::run(std::size_t tasks, const std::function<void(std::size_t)>& task, Claims claims) {
  if (tasks == 0) return;
  if (t_in_task || threads_.empty() || tasks == 1) {
    for (std::size_t k = 0; k < tasks; ++k) task(k);
    return;
  }
  if (tasks > kFieldMask) throw std::length_error("a team job of more than 2^24 - 1 calls");
  if (busy_.exchange(true, std::memory_order_acquire))
    throw std::logic_error("a team runs one job at a time (two threads stepped one simulation at once?)");
  struct Free {
    std::atomic<bool>& busy;
    ~Free() { busy.store(false, std::memory_order_release); }
  } free_after{busy_};
  resting_.store(false, std::memory_order_relaxed);  // published with the job below
  task_ = &task;
  error_ = nullptr;
  done_.store(0, std::memory_order_relaxed);
  job_ = (job_ + 1) & 0x7FFF;
  word_.store(job_ << kTagShift | (claims == Claims::kInOrder ? kInOrderBit : 0) |
                  static_cast<std::uint64_t>(tasks) << kFieldBits,
              std::memory_order_release);
  signal_.fetch_add(1, std::memory_order_release);
  signal_.notify_all();
  while (claim_and_run(false)) {
  }
  // The last calls are on other threads: wait, giving the core away when
  // threads outnumber cores (one of them may be waiting for this one).
  while (done_.load(std::memory_order_acquire) != tasks) {
    if (spin_for_.count() > 0)
      cpu_relax();
    else
      std::this_thread::yield();
  }
  task_ = nullptr;
  if (error_) {
    std::exception_ptr e = std::move(error_);
    error_ = nullptr;
    std::rethrow_exception(e);
  }
}

TeamScope::TeamScope(Team* team) : previous_(t_current) { t_current = team; }
TeamScope::~TeamScope() { t_current = previous_; }

}  // namespace terrasim::sim
