// The memory this process may use: the machine's physical memory, or less
// where a control group limits the process's group or one above it (a
// container's limit, a cluster job's under SLURM). A reader that refuses
// what cannot fit compares with this, so that a cluster job refuses a file
// naming it rather than being killed by the kernel's out-of-memory killer,
// which says nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace terrasim::sim {

struct MemoryLimit {
  std::uint64_t bytes = 0;
  // Where it comes from: "this machine's memory", or "the limit of the
  // control group <folder>".
  std::string source;
};

// The smallest of the machine's physical memory and the limits of the
// process's memory control groups (v1's memory.limit_in_bytes, v2's
// memory.max, on the group and every group above it up to the mount).
// Empty only where neither is known.
std::optional<MemoryLimit> usable_memory();

// The control groups' part, from the texts of /proc/self/mountinfo and
// /proc/self/cgroup; `read` gives a file's text, or nothing where it cannot
// be read. Separate for tests. Lines it does not understand are skipped:
// an unknown layout gives no limit, never a wrong one smaller than it is.
std::optional<MemoryLimit> cgroup_memory_limit(std::string_view mountinfo, std::string_view cgroups,
                                               const std::function<std::optional<std::string>(const std::string&)>& read);

}  // namespace terrasim::sim
