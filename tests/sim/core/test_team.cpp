// The team behind sim::for_ranges during a simulation: every call of every
// job made exactly once, results independent of the cut, exceptions carried
// back, nested jobs run inline, and a team more threads than cores.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "sim/core/parallel.h"
#include "sim/core/team.h"

using terrasim::sim::Team;
using terrasim::sim::TeamScope;

TEST(Team, EveryCallOfEveryJobRunsOnce) {
  Team team(2);
  std::vector<std::atomic<int>> hits(1000);
  for (int job = 0; job < 2000; ++job) {
    const std::size_t tasks = 1 + static_cast<std::size_t>(job) % 999;
    const auto claims = job % 2 ? Team::Claims::kInOrder : Team::Claims::kFromBothEnds;
    team.run(tasks, [&](std::size_t k) { hits[k].fetch_add(1, std::memory_order_relaxed); }, claims);
    for (std::size_t k = 0; k < hits.size(); ++k) {
      ASSERT_EQ(hits[k].load(), k < tasks ? 1 : 0) << "job " << job << ", call " << k;
      hits[k].store(0);
    }
  }
}

TEST(Team, BothThreadsTakePart) {
  Team team(2);
  std::atomic<int> arrived{0};
  std::vector<std::thread::id> who(2);
  // Each call waits for the other: only two threads at once can finish.
  team.run(2, [&](std::size_t k) {
    who[k] = std::this_thread::get_id();
    arrived.fetch_add(1);
    while (arrived.load() < 2) std::this_thread::yield();
  });
  EXPECT_NE(who[0], who[1]);
}

TEST(Team, ClaimsFromBothEndsOrInOrder) {
  // Each thread's calls, in the order it made them (so in the order it
  // claimed them): the caller's from the first up; the other thread's from
  // the last down, or, in order, up too.
  Team team(2);
  const auto caller = std::this_thread::get_id();
  for (const auto claims : {Team::Claims::kFromBothEnds, Team::Claims::kInOrder}) {
    for (int job = 0; job < 20; ++job) {
      std::mutex m;
      std::vector<std::size_t> mine, other;
      team.run(
          64,
          [&](std::size_t k) {
            const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(20);
            while (std::chrono::steady_clock::now() < until) {
            }
            const std::lock_guard lock(m);
            (std::this_thread::get_id() == caller ? mine : other).push_back(k);
          },
          claims);
      ASSERT_EQ(mine.size() + other.size(), 64u);
      EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end()));
      if (claims == Team::Claims::kInOrder) {
        EXPECT_TRUE(std::is_sorted(other.begin(), other.end()));
      } else {
        EXPECT_TRUE(std::is_sorted(other.begin(), other.end(), std::greater<>()));
        // The caller's calls are the first ones, the other thread's the last.
        if (!mine.empty() && !other.empty()) {
          EXPECT_LT(mine.back(), other.back());
        }
        if (!mine.empty()) {
          EXPECT_EQ(mine.front(), 0u);
        }
        if (!other.empty()) {
          EXPECT_EQ(other.front(), 63u);
        }
      }
    }
  }
}

TEST(Team, ExceptionsComeBackAndTheTeamGoesOn) {
  Team team(3);
  std::atomic<int> ran{0};
  EXPECT_THROW(team.run(64,
                        [&](std::size_t k) {
                          ran.fetch_add(1);
                          if (k == 17) throw std::runtime_error("call 17");
                        }),
               std::runtime_error);
  EXPECT_EQ(ran.load(), 64) << "the other calls still run";
  std::atomic<int> again{0};
  team.run(10, [&](std::size_t) { again.fetch_add(1); });
  EXPECT_EQ(again.load(), 10);
}

TEST(Team, NestedJobsRunInline) {
  Team team(2);
  std::vector<std::atomic<int>> hits(8 * 8);
  team.run(8, [&](std::size_t i) {
    EXPECT_TRUE(Team::in_task());
    team.run(8, [&](std::size_t j) { hits[i * 8 + j].fetch_add(1); });
  });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
  EXPECT_FALSE(Team::in_task());
}

TEST(Team, MoreThreadsThanCoresAndIdleSpellsLongerThanTheSpin) {
  Team team(static_cast<int>(std::max(2u, std::thread::hardware_concurrency()) * 2));
  std::atomic<long> sum{0};
  for (int job = 0; job < 50; ++job) {
    if (job % 10 == 0) std::this_thread::sleep_for(Team::kSpin * 2);  // the threads go to sleep
    team.run(100, [&](std::size_t k) { sum.fetch_add(static_cast<long>(k)); });
  }
  EXPECT_EQ(sum.load(), 50L * 4950);
}

TEST(Team, ForRangesAndSumRangesDoNotDependOnTheCut) {
  Team team(2);
  const TeamScope scope(&team);
  EXPECT_EQ(terrasim::sim::concurrency(), 2);
  const std::size_t n = 1'000'003;
  std::vector<std::uint32_t> v(n);
  terrasim::sim::for_ranges(0, n, 1000, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) v[i] = static_cast<std::uint32_t>(i * 7);
  });
  for (std::size_t i = 0; i < n; i += 9973) ASSERT_EQ(v[i], i * 7);
  const auto total = terrasim::sim::sum_ranges<std::int64_t>(0, n, 1000, [&](std::size_t lo, std::size_t hi) {
    std::int64_t s = 0;
    for (std::size_t i = lo; i < hi; ++i) s += v[i];
    return s;
  });
  EXPECT_EQ(total, std::int64_t{7} * (static_cast<std::int64_t>(n) * (static_cast<std::int64_t>(n) - 1) / 2));
  std::vector<int> each(5, 0);
  terrasim::sim::for_each_index(5, [&](std::size_t i) { each[i] += static_cast<int>(i) + 1; });
  EXPECT_EQ(each, (std::vector<int>{1, 2, 3, 4, 5}));
}

TEST(Team, InOrderStageTakesEveryPieceOnceInOrderOneAtATime) {
  // Pieces made by a team's loop, claimed in order, of uneven lengths: the
  // stage sees each piece once, in order, after it was made, never on two
  // threads at once (ThreadSanitizer checks the plain writes of `order`);
  // with Taker::kCreator, only on the thread that made the stage.
  using Taker = terrasim::sim::InOrderStage::Taker;
  for (const auto& [team_size, mode] : {std::pair{2, Taker::kAny}, std::pair{4, Taker::kAny},
                                        std::pair{2, Taker::kCreator}, std::pair{4, Taker::kCreator}}) {
    const int threads = team_size;
    const Taker taker = mode;  // captured by the lambda below: C++20 allows a structured binding, clang 14 not yet
    Team team(threads);
    const TeamScope scope(&team);
    int total_by_loop = 0;
    for (int job = 0; job < 300; ++job) {
      const std::size_t pieces = 1 + static_cast<std::size_t>(job * 7) % 40;
      std::vector<std::atomic<int>> made(pieces);
      std::vector<std::size_t> order;
      std::atomic<int> inside{0};
      std::atomic<int> overlaps{0}, early{0}, elsewhere{0};  // atomic: a failing run would update them from several threads
      std::atomic<int> by_loop{0};  // stages run from inside the loop, rather than by finish()
      const auto creator = std::this_thread::get_id();
      bool finishing = false;
      auto stage = [&](std::size_t k) {
        if (inside.fetch_add(1) != 0) ++overlaps;
        if (made[k].load() == 0) ++early;
        if (taker == Taker::kCreator && std::this_thread::get_id() != creator) ++elsewhere;
        // Counted for loops of several pieces a thread: a loop of one piece
        // runs inline on the creator, which would count whatever made() did.
        if (!finishing && pieces >= 2 * static_cast<std::size_t>(threads)) ++by_loop;
        order.push_back(k);
        inside.fetch_sub(1);
      };
      terrasim::sim::InOrderStage in_order(pieces, taker);
      terrasim::sim::for_each_index(pieces, [&](std::size_t k) {
        volatile std::uint64_t spin = 0;
        for (std::size_t q = 0; q < 200 * ((k * 13 + static_cast<std::size_t>(job)) % 7); ++q) spin = spin + q;
        made[k].store(1);
        in_order.made(k, stage);
      }, Team::Claims::kInOrder);
      finishing = true;
      in_order.finish(stage);
      total_by_loop += by_loop.load();
      std::vector<std::size_t> expected(pieces);
      std::iota(expected.begin(), expected.end(), std::size_t{0});
      ASSERT_EQ(order, expected) << threads << " threads, job " << job;
      ASSERT_EQ(overlaps.load(), 0);
      ASSERT_EQ(early.load(), 0);
      ASSERT_EQ(elsewhere.load(), 0) << threads << " threads, job " << job;
    }
    // The stage runs within the loop, not all left to finish() (the point
    // of the stage: a made() that never took the turn failed here).
    EXPECT_GT(total_by_loop, 0) << threads << " threads";
  }
}

TEST(Team, NoTeamOutsideItsScope) {
  EXPECT_EQ(Team::current(), nullptr);
  {
    Team team(2);
    const TeamScope scope(&team);
    EXPECT_EQ(Team::current(), &team);
  }
  EXPECT_EQ(Team::current(), nullptr);
}

TEST(Team, LoopsNestedInATaskRunInlineOnEveryThread) {
  // On the caller's thread and on the team's own threads alike: a nested
  // loop sees one thread and runs as one piece (were the team's threads to
  // see no team, a nested loop would run on TBB's threads, all the cores).
  Team team(2);
  const TeamScope scope(&team);
  std::atomic<int> arrived{0};
  std::vector<int> seen(2, -1);
  std::vector<std::size_t> pieces(2, 0);
  team.run(2, [&](std::size_t k) {
    arrived.fetch_add(1);
    while (arrived.load() < 2) std::this_thread::yield();  // both threads take a call
    seen[k] = terrasim::sim::concurrency();
    terrasim::sim::for_ranges(0, 100000, 1, [&](std::size_t, std::size_t) { ++pieces[k]; });
  });
  EXPECT_EQ(seen, (std::vector<int>{1, 1}));
  EXPECT_EQ(pieces, (std::vector<std::size_t>{1, 1}));
}

TEST(Team, ASecondCallerWhileAJobRunsIsRefused) {
  Team team(2);
  std::atomic<bool> tried{false}, refused{false};
  std::thread other;
  team.run(2, [&](std::size_t k) {
    if (k != 0) return;
    other = std::thread([&] {
      try {
        team.run(2, [](std::size_t) {});
      } catch (const std::logic_error&) {
        refused = true;
      }
      tried = true;
    });
    while (!tried.load()) std::this_thread::yield();
  });
  other.join();
  EXPECT_TRUE(refused.load());
  std::atomic<int> ran{0};
  team.run(3, [&](std::size_t) { ran.fetch_add(1); });  // and the team goes on
  EXPECT_EQ(ran.load(), 3);
}

TEST(Team, RestPutsSpinningThreadsToSleepUntilTheNextJob) {
  if (terrasim::sim::cores_allowed() < 2) GTEST_SKIP() << "a team of two on one core never spins";
  using namespace std::chrono_literals;
  Team team(2, std::chrono::hours(1));  // idle threads would spin for an hour
  std::atomic<int> ran{0};
  team.run(8, [&](std::size_t) { ran.fetch_add(1); });
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(team.sleeping(), 0);  // spinning
  team.rest();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (team.sleeping() != 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(team.sleeping(), 1);
  // The next job wakes it, and it spins again after.
  team.run(8, [&](std::size_t) { ran.fetch_add(1); });
  EXPECT_EQ(ran.load(), 16);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(team.sleeping(), 0);
  team.rest();
  team.rest();  // twice: as once
  while (team.sleeping() != 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(team.sleeping(), 1);
}

namespace {
// The cores each of a team's two threads may run on, seen from inside a call.
std::vector<cpu_set_t> cores_of_each_thread(Team& team) {
  std::atomic<int> arrived{0};
  std::vector<cpu_set_t> seen(2);
  team.run(2, [&](std::size_t k) {
    arrived.fetch_add(1);
    while (arrived.load() < 2) std::this_thread::yield();  // both threads take a call
    sched_getaffinity(0, sizeof seen[k], &seen[k]);
  });
  return seen;
}

// Holds the calling thread to the first of its cores while it lives.
struct HeldToOneCore {
  cpu_set_t before{}, one{};
  bool held = false;
  HeldToOneCore() {
    if (sched_getaffinity(0, sizeof before, &before) != 0) return;
    int c = 0;
    while (c < CPU_SETSIZE && !CPU_ISSET(c, &before)) ++c;
    CPU_ZERO(&one);
    CPU_SET(c, &one);
    held = sched_setaffinity(0, sizeof one, &one) == 0;
  }
  ~HeldToOneCore() {
    if (held) sched_setaffinity(0, sizeof before, &before);
  }
  HeldToOneCore(const HeldToOneCore&) = delete;
  HeldToOneCore& operator=(const HeldToOneCore&) = delete;
};
}  // namespace

TEST(Team, ItsThreadsRunOnTheCallersCores) {
  // A team's threads start on the caller's other cores, then take back all
  // of the caller's: none is left on fewer.
  cpu_set_t mine;
  ASSERT_EQ(sched_getaffinity(0, sizeof mine, &mine), 0);
  {
    Team team(2);
    for (const cpu_set_t& s : cores_of_each_thread(team)) EXPECT_TRUE(CPU_EQUAL(&s, &mine));
  }
  // A caller held to one core: the team's thread is held to it too.
  const HeldToOneCore single;
  ASSERT_TRUE(single.held);
  Team team(2);
  for (const cpu_set_t& s : cores_of_each_thread(team)) EXPECT_TRUE(CPU_EQUAL(&s, &single.one));
}

TEST(Team, ItsThreadsDoNotSpinOnFewerCoresThanThreads) {
  // A caller held to one core (a cluster job's cpuset, taskset) on a
  // machine of several: a team of two would spin on the core the caller
  // needs. Its thread sleeps as soon as a job is done instead.
  using namespace std::chrono_literals;
  const HeldToOneCore single;
  ASSERT_TRUE(single.held);
  Team team(2, std::chrono::hours(1));  // would spin for an hour
  std::atomic<int> ran{0};
  team.run(8, [&](std::size_t) { ran.fetch_add(1); });
  EXPECT_EQ(ran.load(), 8);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (team.sleeping() != 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(team.sleeping(), 1);
}
