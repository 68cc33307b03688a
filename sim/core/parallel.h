// Parallel loops over index ranges, for model phases.
//
// Each body receives a half-open range [lo, hi) and must not depend on how
// the range is cut: results are then the same whatever the number of
// threads. While a simulation runs its model, the loops run on its team
// (sim/core/team.h), in at most four pieces a thread, none under `grain`
// items; elsewhere on TBB. On one thread the body runs once, inline, on the
// whole range, without any task machinery (which costs more than the work in
// the short loops of a month of a small model).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <type_traits>
#include <vector>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/task_arena.h>

#include "sim/core/team.h"

namespace terrasim::sim {

// The threads a phase can use: its simulation's team, or TBB's arena.
inline int concurrency() {
  if (Team* team = Team::current()) return Team::in_task() ? 1 : team->size();
  return tbb::this_task_arena::max_concurrency();
}

namespace detail {
// Pieces for a team of `threads`: at most four a thread, each of at least
// `grain` items (grain 0 counts as 1).
inline std::size_t pieces_for(std::size_t items, std::size_t grain, int threads) {
  const std::size_t by_grain = items / std::max<std::size_t>(grain, 1);
  return std::clamp<std::size_t>(by_grain, 1, 4 * static_cast<std::size_t>(threads));
}
inline std::size_t piece_start(std::size_t begin, std::size_t items, std::size_t pieces, std::size_t k) {
  return begin + items * k / pieces;
}
}  // namespace detail

template <class Body>
void for_ranges(std::size_t begin, std::size_t end, std::size_t grain, Body&& body) {
  if (end <= begin) return;
  const int threads = concurrency();
  if (end - begin <= grain || threads == 1) {
    body(begin, end);
    return;
  }
  if (Team* team = Team::current()) {
    const std::size_t items = end - begin, pieces = detail::pieces_for(items, grain, threads);
    team->run(pieces, [&](std::size_t k) {
      body(detail::piece_start(begin, items, pieces, k), detail::piece_start(begin, items, pieces, k + 1));
    });
    return;
  }
  tbb::parallel_for(tbb::blocked_range<std::size_t>(begin, end, grain),
                    [&](const tbb::blocked_range<std::size_t>& r) { body(r.begin(), r.end()); });
}

// body(i) for each i in [0, n), each call a task of its own: for a few large
// items (chunks of workers, one a thread). On a team, the caller takes the
// first calls and the team's threads the last ones (Team::Claims).
template <class Body>
void for_each_index(std::size_t n, Body&& body, Team::Claims claims = Team::Claims::kFromBothEnds) {
  if (n == 0) return;
  if (n == 1 || concurrency() == 1) {
    for (std::size_t i = 0; i < n; ++i) body(i);
    return;
  }
  if (Team* team = Team::current()) {
    team->run(n, [&](std::size_t i) { body(i); }, claims);
    return;
  }
  tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) { body(i); });
}

// The sum of body(lo, hi) over the ranges. For integers (exact whatever the
// order of the additions); a floating-point sum would depend on the cuts.
template <class T, class Body>
T sum_ranges(std::size_t begin, std::size_t end, std::size_t grain, Body&& body) {
  static_assert(!std::is_floating_point_v<T>, "floating-point sums depend on the order of additions");
  if (end <= begin) return T{};
  const int threads = concurrency();
  if (end - begin <= grain || threads == 1) return body(begin, end);
  if (Team* team = Team::current()) {
    const std::size_t items = end - begin, pieces = detail::pieces_for(items, grain, threads);
    std::vector<T> part(pieces);
    team->run(pieces, [&](std::size_t k) {
      part[k] = body(detail::piece_start(begin, items, pieces, k), detail::piece_start(begin, items, pieces, k + 1));
    });
    T total{};
    for (auto& p : part) total = total + p;
    return total;
  }
  return tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(begin, end, grain), T{},
      [&](const tbb::blocked_range<std::size_t>& r, T acc) { return acc + body(r.begin(), r.end()); },
      [](T a, T b) { return a + b; });
}

// A serial stage fed by a parallel loop: stage(k) must run for the pieces
// k = 0, 1, ... in order, each once the loop has made it, on one thread at
// a time, and need not wait for the last piece. Whichever thread has just
// made a piece calls made(k): unless another thread holds the turn, it takes
// it and runs the stage on every piece made from the next one on, while the
// other threads make the rest; a thread that finds the turn taken leaves its
// piece to the holder, which looks again after giving the turn up
// (sequentially consistent: neither can miss the other's piece). After the
// loop, finish() runs what is left. The order of the calls to stage, and so
// what they make, is the same whichever threads make them. The loop should
// claim its pieces in order (Team::Claims::kInOrder), or more of the stage
// is left to finish(). The stage must not throw: the turn would stay
// taken.
//
// With Taker::kCreator only the thread that made the stage (the loop's
// caller, which takes pieces of the loop too) takes the turn; the others
// only make pieces. The data the stage writes then stays in one core's
// cache: where it is scattered over megabytes (the firms' offer slots at
// 10^6 workers), a turn passed from core to core made each thread read the
// other's writes, and the dock's matching took about a tenth longer on two
// threads. Should the creator make no piece (a loop on TBB's threads, or a
// stage made on another thread than the loop's caller), finish() runs
// every piece: the same stage, serial.
class InOrderStage {
 public:
  enum class Taker { kAny, kCreator };

  explicit InOrderStage(std::size_t pieces, Taker taker = Taker::kAny) : made_(pieces), taker_(taker) {}

  template <class Stage>
  void made(std::size_t k, Stage&& stage) {
    made_[k].store(1);
    if (taker_ == Taker::kCreator && std::this_thread::get_id() != creator_) return;  // the creator takes it
    while (!held_.exchange(true)) {
      while (next_ < made_.size() && made_[next_].load()) stage(next_++);
      const std::size_t next = next_;  // read while holding the turn
      held_.store(false);
      if (next == made_.size() || !made_[next].load()) break;
    }
  }
  // Once the loop has returned: the stage on the pieces not yet taken.
  template <class Stage>
  void finish(Stage&& stage) {
    while (next_ < made_.size()) stage(next_++);
  }

 private:
  std::vector<std::atomic<std::uint8_t>> made_;
  std::atomic<bool> held_{false};
  Taker taker_;
  std::thread::id creator_ = std::this_thread::get_id();
  std::size_t next_ = 0;  // the next piece for the stage; changed only by the thread holding the turn
};

}  // namespace terrasim::sim
