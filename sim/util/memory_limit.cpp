#include "sim/util/memory_limit.h"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

namespace terrasim::sim {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (std::size_t at = 0;;) {
    const std::size_t end = s.find(sep, at);
    parts.push_back(s.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at));
    if (end == std::string_view::npos) return parts;
    at = end + 1;
  }
}

bool has(std::string_view list, std::string_view item) {
  for (const auto part : split(list, ',')) {
    if (part == item) return true;
  }
  return false;
}

// mountinfo writes a space, tab, newline and backslash in a path as \040,
// \011, \012 and \134.
std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t k = 0; k < s.size(); ++k) {
    if (s[k] == '\\' && k + 3 < s.size() && s[k + 1] >= '0' && s[k + 1] <= '3' &&
        s[k + 2] >= '0' && s[k + 2] <= '7' && s[k + 3] >= '0' && s[k + 3] <= '7') {
      out += static_cast<char>((s[k + 1] - '0') * 64 + (s[k + 2] - '0') * 8 + (s[k + 3] - '0'));
      k += 3;
    } else {
      out += s[k];
    }
  }
  return out;
}

// A limit file's text: a number of bytes (v1's "unlimited" is a number near
// 2^63, taken as none), or "max" (v2: none).
std::optional<std::uint64_t> parse_limit(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  if (value >= (std::uint64_t{1} << 62)) return std::nullopt;
  return value;
}

struct Mount {
  std::string root;   // the group mounted there, within the hierarchy
  std::string point;  // where
  bool v2 = false;
};

}  // namespace

std::optional<MemoryLimit> cgroup_memory_limit(std::string_view mountinfo, std::string_view cgroups,
                                               const std::function<std::optional<std::string>(const std::string&)>& read) {
  std::vector<Mount> mounts;
  for (const auto line : split(mountinfo, '\n')) {
    const auto fields = split(line, ' ');
    std::size_t dash = 6;
    while (dash < fields.size() && fields[dash] != "-") ++dash;
    if (dash + 3 >= fields.size()) continue;  // not a mount line
    const std::string_view type = fields[dash + 1], options = fields[dash + 3];
    if (type == "cgroup2")
      mounts.push_back({unescape(fields[3]), unescape(fields[4]), true});
    else if (type == "cgroup" && has(options, "memory"))
      mounts.push_back({unescape(fields[3]), unescape(fields[4]), false});
  }
  std::optional<MemoryLimit> least;
  for (const auto line : split(cgroups, '\n')) {
    // hierarchy:controllers:path; a path may itself hold colons.
    const std::size_t first = line.find(':');
    if (first == std::string_view::npos) continue;
    const std::size_t second = line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const std::string_view id = line.substr(0, first), controllers = line.substr(first + 1, second - first - 1);
    const std::string_view path = line.substr(second + 1);
    const bool v2 = id == "0" && controllers.empty();
    if (!v2 && !has(controllers, "memory")) continue;
    if (path.empty() || path.front() != '/') continue;
    for (const Mount& m : mounts) {
      if (m.v2 != v2) continue;
      // The process's group as a folder under the mount: its path less the
      // mount's root (a group outside what is mounted is not reachable).
      std::string_view below = path;
      if (m.root != "/") {
        if (below.substr(0, m.root.size()) != m.root ||
            (below.size() > m.root.size() && below[m.root.size()] != '/'))
          continue;
        below.remove_prefix(m.root.size());
      }
      while (!below.empty() && below.back() == '/') below.remove_suffix(1);
      const char* file = v2 ? "/memory.max" : "/memory.limit_in_bytes";
      // The group, then each group above it, up to the mount.
      for (std::string group(below);;) {
        const std::string folder = m.point + group;
        if (const auto text = read(folder + file)) {
          if (const auto bytes = parse_limit(*text); bytes && (!least || *bytes < least->bytes))
            least = MemoryLimit{*bytes, "the limit of the control group " + folder};
        }
        if (group.empty()) break;
        group.resize(group.rfind('/'));
      }
    }
  }
  return least;
}

std::optional<MemoryLimit> usable_memory() {
  const auto slurp = [](const std::string& path) -> std::optional<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return std::move(text).str();
  };
  std::optional<MemoryLimit> least;
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page_size > 0)
    least = MemoryLimit{static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size),
                        "this machine's memory"};
  const auto mountinfo = slurp("/proc/self/mountinfo"), cgroups = slurp("/proc/self/cgroup");
  if (mountinfo && cgroups) {
    if (const auto group = cgroup_memory_limit(*mountinfo, *cgroups, slurp); group && (!least || group->bytes < least->bytes))
      least = group;
  }
  return least;
}

}  // namespace terrasim::sim
