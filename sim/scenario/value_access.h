// Internal to terrasim::scenario: what the loader and the validator share
// and no one else should use. Not installed, not part of the API.
//
// - ValueAccess reads and writes the private parts of a Value that only
//   parsing and validation need: whether a scalar was written unquoted, the
//   location of its key, its text as written.
// - The source-line cache: parse_yaml remembers the lines of every text it
//   parses, keyed by file name, so that a diagnostic made later (by
//   validate(), long after the text is gone) can still show the excerpt
//   under its message.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario/error.h"
#include "sim/scenario/value.h"

namespace terrasim::sim {

struct ValueAccess {
  static bool plain(const Value& v) { return v.plain_; }
  static void set_plain(Value& v, bool plain) { v.plain_ = plain; }
  static const Location& key_location(const Value& v) { return v.key_loc_; }
  static void set_key_location(Value& v, Location loc) { v.key_loc_ = std::move(loc); }
  static void set_text(Value& v, std::string text) { v.text_ = std::move(text); }

  // An unquoted scalar as the loader makes it: a String whose type
  // validation decides.
  static Value plain_scalar(std::string text, Location loc) {
    Value v = Value::string(std::move(text), std::move(loc));
    v.plain_ = true;
    return v;
  }
};

namespace scenario_detail {

// The lines of `text` (split at '\n', a trailing '\r' removed).
std::vector<std::string> split_lines(std::string_view text);

// Remembers the lines of `text` as the source of `file`, replacing what was
// remembered before under that name. Thread-safe.
void remember_source(const std::string& file, std::string_view text);

// The text of line `loc.line` of `loc.file` if it was remembered; empty
// otherwise. Thread-safe.
std::string source_line(const Location& loc);

// A diagnostic with its source line looked up in the cache.
Diagnostic diagnostic(Location loc, std::string path, std::string message);

// `s` between double quotes, escaped as in JSON and shortened past 60
// characters, for "found ..." in messages.
std::string quoted_text(std::string_view s);

}  // namespace scenario_detail
}  // namespace terrasim::sim
