// ScenarioError and its report; the cache of source lines behind excerpts.
//
// Choice: diagnostics made after parsing (by validate()) find their excerpt
// in a process-wide cache, file name -> lines, filled by parse_yaml and
// apply_override and guarded by a mutex, rather than by reading the file
// again: the excerpt then shows the text that was actually parsed, even if
// the file changed since, and pseudo-files ("--set #1") have one too. The
// cache keeps the most recent 256 texts.
#include "sim/scenario/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <mutex>

#include "sim/scenario/value_access.h"

namespace terrasim::sim {

namespace {

std::string report(const std::vector<Diagnostic>& diagnostics) {
  if (diagnostics.empty()) return "scenario error";
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    if (!out.empty()) out += '\n';
    out += ScenarioError::format(d);
  }
  return out;
}

// Byte offset of the `column`-th character (1-based) of `line`, or
// line.size() past its end. Columns count UTF-8 characters.
std::size_t byte_of_column(std::string_view line, int column) {
  std::size_t i = 0;
  for (int c = 1; c < column && i < line.size(); ++c) {
    ++i;
    while (i < line.size() && (static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) ++i;
  }
  return i;
}

int count_chars(std::string_view s) {
  int n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

struct SourceCache {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<const std::vector<std::string>>> lines;
  std::deque<std::string> order;  // oldest first, for eviction
  static constexpr std::size_t capacity = 256;
};

SourceCache& cache() {
  static SourceCache c;
  return c;
}

}  // namespace

ScenarioError::ScenarioError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(report(diagnostics)), diagnostics_(std::move(diagnostics)) {}

std::string ScenarioError::format(const Diagnostic& d) {
  std::string out;
  const Location& loc = d.location;
  if (!loc.file.empty() || loc.known()) {
    out += loc.file.empty() ? std::string("<input>") : loc.file;
    if (loc.known()) {
      out += fmt::format(":{}", loc.line);
      if (loc.column > 0) out += fmt::format(":{}", loc.column);
    }
    out += ": ";
  }
  out += "error: ";
  if (!d.path.empty()) out += d.path + ": ";
  out += d.message;
  if (loc.known() && !d.source_line.empty()) {
    // A long line is cut to a window around the column, marked by "...".
    constexpr int window = 120;
    std::string_view line = d.source_line;
    int column = loc.column;
    std::string before, after;
    const int chars = count_chars(line);
    if (chars > window) {
      const int first = std::clamp(column - 1 - window / 2, 0, chars - window);
      const std::size_t from = byte_of_column(line, first + 1), to = byte_of_column(line, first + window + 1);
      if (first > 0) before = "...";
      if (to < line.size()) after = "...";
      line = line.substr(from, to - from);
      if (column > 0) column = column - first + static_cast<int>(before.size());
    }
    out += fmt::format("\n{:5d} | {}{}{}", loc.line, before, line, after);
    if (column > 0) {
      out += "\n      | " + before;
      // Under the line's own tabs put tabs, so the caret lines up.
      const std::size_t end = byte_of_column(line, column - static_cast<int>(before.size()));
      int written = static_cast<int>(before.size());
      for (std::size_t i = 0; i < end; ++i) {
        const auto u = static_cast<unsigned char>(line[i]);
        if ((u & 0xC0) == 0x80) continue;
        out += line[i] == '\t' ? '\t' : ' ';
        ++written;
      }
      for (; written < column - 1; ++written) out += ' ';
      out += '^';
    }
  }
  if (!d.note.empty()) out += "\n  note: " + d.note;
  return out;
}

namespace scenario_detail {

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
    start = end + 1;
  }
  return lines;
}

void remember_source(const std::string& file, std::string_view text) {
  auto lines = std::make_shared<const std::vector<std::string>>(split_lines(text));
  SourceCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  auto [it, inserted] = c.lines.insert_or_assign(file, std::move(lines));
  if (!inserted) return;
  c.order.push_back(file);
  while (c.order.size() > SourceCache::capacity) {
    c.lines.erase(c.order.front());
    c.order.pop_front();
  }
}

std::string source_line(const Location& loc) {
  if (!loc.known()) return {};
  SourceCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  auto it = c.lines.find(loc.file);
  if (it == c.lines.end()) return {};
  const auto& lines = *it->second;
  const auto index = static_cast<std::size_t>(loc.line - 1);
  return index < lines.size() ? lines[index] : std::string();
}

Diagnostic diagnostic(Location loc, std::string path, std::string message) {
  std::string line = source_line(loc);
  return Diagnostic{std::move(loc), std::move(path), std::move(message), std::move(line), {}};
}

std::string quoted_text(std::string_view s) {
  constexpr std::size_t max_chars = 60;
  std::string out = "\"";
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if ((u & 0xC0) != 0x80 && ++chars > max_chars) {
      out += "...";
      break;
    }
    switch (s[i]) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(u));
        } else {
          out += s[i];
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace scenario_detail
}  // namespace terrasim::sim
