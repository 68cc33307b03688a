// The declaration of a scenario's parameters: one place per parameter.
//
// A model declares its parameters once, with name, type, range, default, unit
// and one line of documentation. That declaration drives the validation of
// scenario files, the JSON Schema for editors (`terrasim schema`) and the
// generated scenario reference (docs/scenarios.md); none of them is written
// by hand.
//
//   Record r;
//   r.integer("workers").range(1, 50'000'000).def(100000).unit("workers")
//       .doc("N, number of workers");
//   r.number("separation_rate").range(0.0, 1.0).def(0.02).unit("1/month")
//       .doc("monthly probability that an employed worker leaves its job");
//   auto& zone = r.list("zones").min_items(1).doc("the zones").item();
//   zone.string("name").doc("zone name");
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/scenario/error.h"
#include "sim/scenario/value.h"

namespace terrasim::sim {

// Whether `s` is a lowercase identifier: not empty, only a-z, 0-9 and _.
bool is_lowercase_identifier(std::string_view s);

class Record;

enum class FieldType {
  Bool,
  Int,      // 64-bit integer, written without a decimal point
  Number,   // finite double; an integer literal is accepted
  String,
  Month,    // "YYYY-MM", year 1900..2200
  Section,  // a mapping with its own Record
  List,     // a list of mappings sharing one Record
  Series,   // a mapping month -> number ("2015-01": 0.10), months increasing
};

std::string to_string(FieldType t);

class Field {
 public:
  Field(std::string name, FieldType type);

  // Builder. Each returns *this for chaining.
  Field& doc(std::string text);
  Field& unit(std::string text);
  Field& def(Value v);            // default; a field without one is required
  Field& def(bool b);
  Field& def(std::int64_t i);
  Field& def(int i) { return def(static_cast<std::int64_t>(i)); }
  Field& def(double d);
  Field& def(const char* s);
  Field& optional();              // may be absent, with no default (reads as null)
  Field& range(double lo, double hi);           // inclusive bounds (Int, Number, Series values)
  Field& exclusive_min(bool on = true);         // lo itself is refused
  Field& choices(std::vector<std::string> allowed);  // String
  // String: a lowercase identifier (a-z, 0-9 and _), a name that becomes
  // part of a series' or a stream's name (jobs_cluster_<name>): a comma or a
  // space there would split a CSV header, a capital would not match.
  Field& identifier();
  Field& ref(std::string list_path);            // String naming an item of the list at
                                                // list_path (dotted, from the root), by its `name`
  Field& min_items(std::size_t n);              // List
  Field& max_items(std::size_t n);              // List
  Record& item();                               // List: the record of each item
  Record& section();                            // Section: its record

  const std::string& name() const { return name_; }
  FieldType type() const { return type_; }
  const std::string& doc_text() const { return doc_; }
  const std::string& unit_text() const { return unit_; }
  const std::optional<Value>& default_value() const { return default_; }
  bool is_optional() const { return optional_; }
  bool required() const { return !default_ && !optional_; }
  double lo() const { return lo_; }
  double hi() const { return hi_; }
  bool lo_exclusive() const { return lo_exclusive_; }
  const std::vector<std::string>& allowed() const { return choices_; }
  bool is_identifier() const { return identifier_; }
  const std::string& ref_path() const { return ref_; }
  std::size_t min_count() const { return min_items_; }
  std::size_t max_count() const { return max_items_; }
  const Record* record() const { return record_.get(); }

 private:
  std::string name_;
  FieldType type_;
  std::string doc_, unit_;
  std::optional<Value> default_;
  bool optional_ = false;
  double lo_ = -std::numeric_limits<double>::infinity();
  double hi_ = std::numeric_limits<double>::infinity();
  bool lo_exclusive_ = false;
  std::vector<std::string> choices_;
  bool identifier_ = false;
  std::string ref_;
  std::size_t min_items_ = 0;
  std::size_t max_items_ = std::numeric_limits<std::size_t>::max();
  std::shared_ptr<Record> record_;
};

// A check across fields that a single declaration cannot express (shares
// summing to one, a start before an end). It receives the validated subtree
// of the record it is attached to and reports problems through `report`,
// with the location of the value at fault.
using CrossCheck = std::function<void(const Value& validated,
                                      const std::function<void(const Value& at, std::string path_suffix,
                                                               std::string message)>& report)>;

class Record {
 public:
  Record& doc(std::string text);
  Field& boolean(std::string name);
  Field& integer(std::string name);
  Field& number(std::string name);
  Field& string(std::string name);
  Field& month(std::string name);
  Field& series(std::string name);
  Field& section(std::string name);  // then .section() to declare its fields
  Field& list(std::string name);     // then .item() to declare an item's fields
  Record& check(CrossCheck c);

  const std::string& doc_text() const { return doc_; }
  const std::vector<Field>& fields() const { return fields_; }
  const Field* find(std::string_view name) const;
  const std::vector<CrossCheck>& checks() const { return checks_; }

 private:
  Field& add(std::string name, FieldType type);
  std::string doc_;
  std::vector<Field> fields_;
  std::vector<CrossCheck> checks_;
};

// Checks `document` (a parsed scenario, after `extends` and overrides) against
// `root` and returns the frozen configuration: every declared field present
// (defaults filled in, marked with an unknown location), Int fields as Int,
// Number fields as Number, Month fields as String "YYYY-MM", Series as a Map
// of month -> Number, Sections as Maps, Lists as Lists of Maps.
// Collects every problem (up to kMaxDiagnostics) and throws ScenarioError if there is any:
// unknown keys (with the closest known key suggested), wrong types, values
// out of range, missing required fields, dangling references, failed cross
// checks.
Value validate(const Value& document, const Record& root);
inline constexpr std::size_t kMaxDiagnostics = 50;

// The JSON Schema (draft 2020-12) of documents that `root` accepts, as text.
// `title` names the schema. Used by `terrasim schema`.
std::string json_schema(const Record& root, const std::string& title);

// The Markdown reference of `root`: one table per section, with name, type,
// range or choices, default, unit and documentation.
std::string markdown_reference(const Record& root, const std::string& heading, int level = 2);

// Edit distance, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace terrasim::sim
