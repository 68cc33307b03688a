// A YAML document as a tree of values that remember where they were written.
//
// Every scalar, list and mapping carries the file, line and column it came
// from, so that a check made long after parsing (a range, a reference to
// another section, a typo in a key) can point at the text a person typed.
// After validation the same type holds the frozen configuration that models
// read: defaults filled in, integers and numbers converted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace terrasim::sim {

// Where a value was written. Lines and columns count from 1; line 0 means
// "not from a file" (a default, or a value computed by the program).
struct Location {
  std::string file;
  int line = 0;
  int column = 0;

  bool known() const { return line > 0; }
};

class Value {
 public:
  enum class Kind { Null, Bool, Int, Number, String, List, Map };
  using Entry = std::pair<std::string, Value>;

  Value() = default;
  static Value null(Location loc = {});
  static Value boolean(bool b, Location loc = {});
  static Value integer(std::int64_t i, Location loc = {});
  static Value number(double d, Location loc = {});
  static Value string(std::string s, Location loc = {});
  static Value list(Location loc = {});
  static Value map(Location loc = {});

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::Null; }
  bool is_map() const { return kind_ == Kind::Map; }
  bool is_list() const { return kind_ == Kind::List; }
  bool is_scalar() const { return kind_ != Kind::List && kind_ != Kind::Map; }
  const Location& location() const { return loc_; }
  void set_location(Location loc) { loc_ = std::move(loc); }

  // Typed access. These throw std::logic_error on a kind mismatch: after
  // validation a mismatch is a bug in the model, not in the user's file.
  bool as_bool() const;
  std::int64_t as_int() const;
  double as_double() const;  // an Int converts exactly when |i| < 2^53
  const std::string& as_string() const;

  // Scalar text exactly as written in the file (for strings: the string).
  // Parsed YAML scalars are kept as String until validation gives them a
  // type, so "007" and "7" stay distinguishable for error messages.
  const std::string& text() const { return text_; }

  // Lists.
  const std::vector<Value>& items() const;
  std::vector<Value>& items();
  void push_back(Value v);

  // Mappings keep the order of their keys.
  const std::vector<Entry>& entries() const;
  std::vector<Entry>& entries();
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  const Value& operator[](std::string_view key) const;  // throws std::logic_error if absent
  void set(std::string key, Value v);                   // insert or replace, keeping order
  bool erase(std::string_view key);

  std::size_t size() const;  // items or entries; 0 for scalars

  // Deterministic JSON text: keys in stored order, numbers in shortest
  // round-trip form. Used for hashing, checkpoints and `terrasim check`.
  std::string to_json(int indent = -1) const;

  // Structural equality (kinds and values; locations ignored).
  friend bool operator==(const Value& a, const Value& b);

 private:
  // The loader and the validator (sim/scenario/value_access.h, internal)
  // read and write the two members below, which are not part of the API.
  friend struct ValueAccess;

  Kind kind_ = Kind::Null;
  Location loc_;
  bool b_ = false;
  std::int64_t i_ = 0;
  double d_ = 0.0;
  std::string text_;
  std::vector<Value> items_;
  std::vector<Entry> entries_;
  // An unquoted YAML scalar, whose type validation decides ("12" may become
  // an integer). A quoted scalar, or a string made by the program, is a
  // string whatever it says.
  bool plain_ = false;
  // Where the key of this value was written, when the value sits in a
  // mapping read from a file: "unknown field" points at the key.
  Location key_loc_;
};

// Appends `s` to `out` as a JSON string literal, quotes and escapes included.
void append_json_string(std::string& out, std::string_view s);

}  // namespace terrasim::sim
