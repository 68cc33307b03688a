// The memory a process may use: the control groups' part is read from the
// texts of /proc/self/mountinfo and /proc/self/cgroup, with the limit files
// given by a map here.
#include "sim/util/memory_limit.h"

#include <unistd.h>

#include <map>

#include <gtest/gtest.h>

namespace terrasim::sim {
namespace {

using Files = std::map<std::string, std::string>;

std::optional<MemoryLimit> limit_of(std::string_view mountinfo, std::string_view cgroups, const Files& files) {
  return cgroup_memory_limit(mountinfo, cgroups, [&](const std::string& path) -> std::optional<std::string> {
    const auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  });
}

// A hybrid layout, as on the project's build machine: v1 controllers, a v2
// mount beside them.
constexpr std::string_view kHybrid =
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n";

TEST(MemoryLimit, AV1GroupsLimitIsFound) {
  const Files files{{"/sys/fs/cgroup/memory/jobs/42/memory.limit_in_bytes", "2147483648\n"},
                    {"/sys/fs/cgroup/memory/jobs/memory.limit_in_bytes", "9223372036854771712\n"},
                    {"/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n"}};
  const auto limit = limit_of(kHybrid, "4:memory:/jobs/42\n1:cpu:/\n0::/\n", files);
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, 2147483648u);
  EXPECT_EQ(limit->source, "the limit of the control group /sys/fs/cgroup/memory/jobs/42");
}

TEST(MemoryLimit, AGroupAboveTheProcesssSetsTheLimitWhereItIsSmaller) {
  // SLURM's layout: the job's group limited, the step's within it not.
  const Files files{{"/sys/fs/cgroup/memory/slurm/uid_1/job_7/step_0/memory.limit_in_bytes", "9223372036854771712"},
                    {"/sys/fs/cgroup/memory/slurm/uid_1/job_7/memory.limit_in_bytes", "4294967296"},
                    {"/sys/fs/cgroup/memory/slurm/uid_1/memory.limit_in_bytes", "8589934592"}};
  const auto limit = limit_of(kHybrid, "4:memory:/slurm/uid_1/job_7/step_0\n", files);
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, 4294967296u);
  EXPECT_EQ(limit->source, "the limit of the control group /sys/fs/cgroup/memory/slurm/uid_1/job_7");
}

TEST(MemoryLimit, UnlimitedGroupsGiveNoLimit) {
  // v1 writes "unlimited" as a number near 2^63, v2 as "max"; the root
  // group of v2 has no memory.max at all.
  const Files files{{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n"},
                    {"/sys/fs/cgroup/unified/user.slice/memory.max", "max\n"}};
  EXPECT_FALSE(limit_of(kHybrid, "4:memory:/\n0::/user.slice\n", files));
}

TEST(MemoryLimit, AV2GroupsLimitIsFound) {
  constexpr std::string_view mounts = "25 20 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
  const Files files{{"/sys/fs/cgroup/system.slice/job.scope/memory.max", "max\n"},
                    {"/sys/fs/cgroup/system.slice/memory.max", "1073741824\n"}};
  const auto limit = limit_of(mounts, "0::/system.slice/job.scope\n", files);
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, 1073741824u);
  EXPECT_EQ(limit->source, "the limit of the control group /sys/fs/cgroup/system.slice");
}

TEST(MemoryLimit, AMountOfAGroupBelowTheRootIsFollowed) {
  // A container without a cgroup namespace: the mount shows /docker/abc
  // as its root; the process's path is below it.
  constexpr std::string_view mounts =
      "40 30 0:31 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n";
  const Files files{{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "536870912"},
                    {"/sys/fs/cgroup/memory/inner/memory.limit_in_bytes", "9223372036854771712"}};
  const auto limit = limit_of(mounts, "9:memory:/docker/abc/inner\n", files);
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, 536870912u);
  // A group outside the mounted one (a prefix of its name is not enough)
  // cannot be reached there.
  EXPECT_FALSE(limit_of(mounts, "9:memory:/docker/abcdef\n", files));
}

TEST(MemoryLimit, EscapedMountPointsAndJoinedControllers) {
  // mountinfo writes a space as \040; v1 may join controllers in one
  // hierarchy ("memory,cpu").
  constexpr std::string_view mounts =
      "40 30 0:31 / /mnt/cg\\040mem rw - cgroup cgroup rw,cpu,memory\n";
  const Files files{{"/mnt/cg mem/a/memory.limit_in_bytes", "1000"}};
  const auto limit = limit_of(mounts, "3:cpu,memory:/a\n", files);
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, 1000u);
  EXPECT_EQ(limit->source, "the limit of the control group /mnt/cg mem/a");
}

TEST(MemoryLimit, WhatCannotBeReadOrUnderstoodGivesNoLimit) {
  // Limit files that cannot be read or hold no number, a memory
  // controller that is not mounted, lines of another shape: no limit, never
  // a wrong one.
  const Files garbage{{"/sys/fs/cgroup/memory/a/memory.limit_in_bytes", "12abc"},
                      {"/sys/fs/cgroup/memory/memory.limit_in_bytes", ""}};
  EXPECT_FALSE(limit_of(kHybrid, "4:memory:/a\n", garbage));
  EXPECT_FALSE(limit_of(kHybrid, "4:memory:/a\n", {}));
  EXPECT_FALSE(limit_of("31 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n", "4:memory:/a\n",
                        {{"/sys/fs/cgroup/memory/a/memory.limit_in_bytes", "1000"}}));
  EXPECT_FALSE(limit_of("garbage\n\n1 2 3\n", "nonsense\n4:memory\n4:memory:relative\n", {}));
}

TEST(MemoryLimit, ThisProcessMayUseNoMoreThanTheMachinesMemory) {
  const auto memory = usable_memory();
  ASSERT_TRUE(memory);
  const auto machine = static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) * static_cast<std::uint64_t>(::sysconf(_SC_PAGE_SIZE));
  EXPECT_GT(memory->bytes, 0u);
  EXPECT_LE(memory->bytes, machine);
  if (memory->bytes == machine) {
    EXPECT_EQ(memory->source, "this machine's memory");
  }
}

}  // namespace
}  // namespace terrasim::sim
