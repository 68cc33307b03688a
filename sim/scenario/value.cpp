// Value: a located YAML tree, and after validation the frozen configuration.
#include "sim/scenario/value.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace terrasim::sim {

namespace {

const char* kind_name(Value::Kind k) {
  switch (k) {
    case Value::Kind::Null: return "null";
    case Value::Kind::Bool: return "bool";
    case Value::Kind::Int: return "integer";
    case Value::Kind::Number: return "number";
    case Value::Kind::String: return "string";
    case Value::Kind::List: return "list";
    case Value::Kind::Map: return "mapping";
  }
  return "?";
}

[[noreturn]] void mismatch(const char* wanted, Value::Kind found) {
  throw std::logic_error(fmt::format("Value: expected {}, found {}", wanted, kind_name(found)));
}

// Shortest text that reads back as the same double and as a number with a
// fractional part or an exponent, so that JSON readers keep it a float.
std::string number_text(double d) {
  std::string s = fmt::format("{}", d);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // "n": nan, inf
  return s;
}


void newline(std::string& out, int indent, int depth) {
  if (indent < 0) return;
  out += '\n';
  out.append(static_cast<std::size_t>(indent) * static_cast<std::size_t>(depth), ' ');
}

void append_json(std::string& out, const Value& v, int indent, int depth) {
  switch (v.kind()) {
    case Value::Kind::Null: out += "null"; return;
    case Value::Kind::Bool: out += v.as_bool() ? "true" : "false"; return;
    case Value::Kind::Int: out += fmt::format("{}", v.as_int()); return;
    case Value::Kind::Number: {
      const double d = v.as_double();
      // JSON has no NaN or infinity. A validated configuration never holds
      // one; a value computed by the program might, and reads back as null.
      out += std::isfinite(d) ? number_text(d) : std::string("null");
      return;
    }
    case Value::Kind::String: append_json_string(out, v.as_string()); return;
    case Value::Kind::List: {
      if (v.items().empty()) {
        out += "[]";
        return;
      }
      out += '[';
      bool first = true;
      for (const Value& item : v.items()) {
        if (!first) out += ',';
        first = false;
        newline(out, indent, depth + 1);
        append_json(out, item, indent, depth + 1);
      }
      newline(out, indent, depth);
      out += ']';
      return;
    }
    case Value::Kind::Map: {
      if (v.entries().empty()) {
        out += "{}";
        return;
      }
      out += '{';
      bool first = true;
      for (const auto& [key, item] : v.entries()) {
        if (!first) out += ',';
        first = false;
        newline(out, indent, depth + 1);
        append_json_string(out, key);
        out += indent < 0 ? ":" : ": ";
        append_json(out, item, indent, depth + 1);
      }
      newline(out, indent, depth);
      out += '}';
      return;
    }
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(u));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

Value Value::null(Location loc) {
  Value v;
  v.loc_ = std::move(loc);
  return v;
}

Value Value::boolean(bool b, Location loc) {
  Value v;
  v.kind_ = Kind::Bool;
  v.b_ = b;
  v.text_ = b ? "true" : "false";
  v.loc_ = std::move(loc);
  return v;
}

Value Value::integer(std::int64_t i, Location loc) {
  Value v;
  v.kind_ = Kind::Int;
  v.i_ = i;
  v.text_ = fmt::format("{}", i);
  v.loc_ = std::move(loc);
  return v;
}

Value Value::number(double d, Location loc) {
  Value v;
  v.kind_ = Kind::Number;
  v.d_ = d;
  v.text_ = fmt::format("{}", d);
  v.loc_ = std::move(loc);
  return v;
}

Value Value::string(std::string s, Location loc) {
  Value v;
  v.kind_ = Kind::String;
  v.text_ = std::move(s);
  v.loc_ = std::move(loc);
  return v;
}

Value Value::list(Location loc) {
  Value v;
  v.kind_ = Kind::List;
  v.loc_ = std::move(loc);
  return v;
}

Value Value::map(Location loc) {
  Value v;
  v.kind_ = Kind::Map;
  v.loc_ = std::move(loc);
  return v;
}

bool Value::as_bool() const {
  if (kind_ != Kind::Bool) mismatch("bool", kind_);
  return b_;
}

std::int64_t Value::as_int() const {
  if (kind_ != Kind::Int) mismatch("integer", kind_);
  return i_;
}

double Value::as_double() const {
  if (kind_ == Kind::Number) return d_;
  if (kind_ == Kind::Int) {
    constexpr std::int64_t exact = std::int64_t{1} << 53;
    if (i_ <= -exact || i_ >= exact)
      throw std::logic_error(fmt::format("Value: integer {} has no exact double", i_));
    return static_cast<double>(i_);
  }
  mismatch("number", kind_);
}

const std::string& Value::as_string() const {
  if (kind_ != Kind::String) mismatch("string", kind_);
  return text_;
}

const std::vector<Value>& Value::items() const {
  if (kind_ != Kind::List) mismatch("list", kind_);
  return items_;
}

std::vector<Value>& Value::items() {
  if (kind_ != Kind::List) mismatch("list", kind_);
  return items_;
}

void Value::push_back(Value v) {
  if (kind_ != Kind::List) mismatch("list", kind_);
  items_.push_back(std::move(v));
}

const std::vector<Value::Entry>& Value::entries() const {
  if (kind_ != Kind::Map) mismatch("mapping", kind_);
  return entries_;
}

std::vector<Value::Entry>& Value::entries() {
  if (kind_ != Kind::Map) mismatch("mapping", kind_);
  return entries_;
}

// find() on anything but a mapping finds nothing: it is a question, not an
// assertion about the kind.
const Value* Value::find(std::string_view key) const {
  if (kind_ != Kind::Map) return nullptr;
  for (const auto& e : entries_)
    if (e.first == key) return &e.second;
  return nullptr;
}

Value* Value::find(std::string_view key) {
  if (kind_ != Kind::Map) return nullptr;
  for (auto& e : entries_)
    if (e.first == key) return &e.second;
  return nullptr;
}

const Value& Value::operator[](std::string_view key) const {
  if (kind_ != Kind::Map) mismatch("mapping", kind_);
  if (const Value* v = find(key)) return *v;
  throw std::logic_error(fmt::format("Value: no key `{}` in this mapping", key));
}

void Value::set(std::string key, Value v) {
  if (kind_ != Kind::Map) mismatch("mapping", kind_);
  if (Value* existing = find(key)) {
    *existing = std::move(v);
    return;
  }
  entries_.emplace_back(std::move(key), std::move(v));
}

bool Value::erase(std::string_view key) {
  if (kind_ != Kind::Map) return false;
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == key) {
      entries_.erase(it);
      return true;
    }
  }
  return false;
}

std::size_t Value::size() const {
  if (kind_ == Kind::List) return items_.size();
  if (kind_ == Kind::Map) return entries_.size();
  return 0;
}

std::string Value::to_json(int indent) const {
  std::string out;
  append_json(out, *this, indent, 0);
  return out;
}

// Mappings compare as sets of keys (YAML mappings are unordered); lists in
// order. Numbers compare by value, NaN equal to NaN so that a tree equals
// its copy.
bool operator==(const Value& a, const Value& b) {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case Value::Kind::Null: return true;
    case Value::Kind::Bool: return a.b_ == b.b_;
    case Value::Kind::Int: return a.i_ == b.i_;
    case Value::Kind::Number: return a.d_ == b.d_ || (std::isnan(a.d_) && std::isnan(b.d_));
    case Value::Kind::String: return a.text_ == b.text_;
    case Value::Kind::List: return a.items_ == b.items_;
    case Value::Kind::Map: {
      if (a.entries_.size() != b.entries_.size()) return false;
      for (const auto& [key, value] : a.entries_) {
        const Value* other = b.find(key);
        if (!other || !(value == *other)) return false;
      }
      return true;
    }
  }
  return false;
}

}  // namespace terrasim::sim
