// Checks of the stable ids of a kind of agent, for models restoring a
// checkpoint.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace terrasim::sim {

// The ids of the live agents (alive[i] != 0) must be below `next_id` (ids
// key the random streams: a BlockedStream holds one Philox key per block of
// ids below next_id, so an id beyond it would read past the keys) and
// unique; alive flags are 0 or 1; next_id is at most `max_next`. Returns why
// not, or "" when the ids are valid.
inline std::string check_agent_ids(std::span<const std::uint64_t> ids, std::span<const std::uint8_t> alive,
                                   std::uint64_t next_id, std::uint64_t max_next = std::uint64_t{1} << 32) {
  if (ids.size() != alive.size()) return "the id and alive columns differ in length";
  if (next_id > max_next) return "the next id is out of range";
  std::vector<std::uint64_t> live;
  live.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (alive[i] > 1) return "an alive flag is neither 0 nor 1";
    if (!alive[i]) continue;
    if (ids[i] >= next_id) return "an id is not below the next id";
    live.push_back(ids[i]);
  }
  std::sort(live.begin(), live.end());
  if (std::adjacent_find(live.begin(), live.end()) != live.end()) return "two agents have the same id";
  return {};
}

}  // namespace terrasim::sim
