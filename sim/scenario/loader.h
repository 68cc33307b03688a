// Reading scenario files: YAML with limits, `extends:` and `--set` overrides.
//
// Nothing here knows any model. The loader turns text into a located Value
// tree, refusing what a scenario file never needs to be (binary data, alias
// bombs, thousands of nesting levels, files of many megabytes) with the same
// care as a typo: a ScenarioError naming file, line and column.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario/error.h"
#include "sim/scenario/value.h"

namespace terrasim::sim {

struct ParseLimits {
  std::size_t max_bytes = 4u << 20;     // a scenario is text of a few kilobytes
  int max_depth = 64;                   // nesting of mappings and lists
  std::size_t max_nodes = 1'000'000;    // after expanding aliases
};

// Parses one YAML document. Scalars become Value::String with their text (a
// quoted scalar stays a string whatever it says; an unquoted `~`/`null` or an
// empty value becomes Null). Refuses: empty or blank text, NUL bytes and
// invalid UTF-8, more than one document, duplicate keys in a mapping,
// non-scalar keys, nesting deeper than max_depth, more than max_nodes nodes
// once aliases are expanded, YAML syntax errors (with yaml-cpp's message).
Value parse_yaml(std::string_view text, const std::string& file_name, const ParseLimits& limits = {});

// Reads a file and parses it. A file that cannot be opened, is a directory,
// or exceeds max_bytes is refused with a ScenarioError naming it.
Value parse_yaml_file(const std::string& path, const ParseLimits& limits = {});

// The document of `path` with its `extends:` chain resolved. `extends` is a
// path relative to the folder of the file that names it. The parent is
// loaded first and the child merged over it: mappings key by key (the child
// wins), lists and scalars replaced whole. Cycles are refused, naming the
// chain; so are chains longer than 16 files. The `extends` key is removed.
// `files_read`, when given, receives the canonical paths read, top first;
// `links`, when given, every file read through `extends` and where it was
// named. A ScenarioError in a file read through `extends` says which file
// named it (Diagnostic::note). `file_sha256`, when given, receives the
// SHA-256 (hex) of the bytes of `path` that were parsed: reading the file
// again to hash it hashed nothing of a pipe (/dev/stdin), and another
// content of a file changed in between.
struct ExtendsLink {
  std::string file;   // as errors name it (the path resolved from the naming file's folder)
  Location named_at;  // the `extends:` value that names it
};
Value resolve_extends(const std::string& path, std::vector<std::string>* files_read = nullptr,
                      const ParseLimits& limits = {}, std::vector<ExtendsLink>* links = nullptr,
                      std::string* file_sha256 = nullptr);

// `error` with a note on each diagnostic located in a file of `links`,
// naming the file that `extends` it (for errors found after the merge).
ScenarioError with_extends_notes(const ScenarioError& error, const std::vector<ExtendsLink>& links);

// Applies one `path=value` override (from `--set` or Python) to `document`.
// `path` is dotted; list items are selected by index (`zones[0].x_km` or
// `zones.0.x_km`) or by the value of their `name` field (`zones.Centre.x_km`).
// A dotted segment is the item it names if one has that name, else, if it
// is digits, the item at that index; `[N]` is always the index (of zones
// named "1" and "0", `zones.1` is the zone named "1", `zones[1]` the second).
// Missing mapping keys are created (validation then judges them); a missing
// list item is an error. The value is parsed as a YAML scalar or flow
// collection. Errors point into the assignment as written, located in the
// pseudo-file "--set #<index>" (1-based) with column numbers in `assignment`.
void apply_override(Value& document, std::string_view assignment, int index);

// The same, located in the pseudo-file `label` ("--seed", "--set #2"): how
// the user wrote the assignment. Returns the path it set as errors name
// fields (`zones[0].x_km`, however the item was chosen).
std::string apply_override(Value& document, std::string_view assignment, const std::string& label);

// Merges `child` over `parent` as resolve_extends does.
Value merge(const Value& parent, const Value& child);

}  // namespace terrasim::sim
