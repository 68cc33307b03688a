// Parameter declarations and their three uses: validation of a document into
// the frozen configuration, the JSON Schema, and the Markdown reference.
#include "sim/scenario/schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "sim/scenario/value_access.h"

namespace terrasim::sim {

using scenario_detail::quoted_text;

namespace {

constexpr int min_year = 1900;
constexpr int max_year = 2200;
const char* const kMonthPattern = "^[0-9]{4}-(0[1-9]|1[0-2])$";

[[noreturn]] void misuse(const std::string& field, const char* what) {
  throw std::logic_error(fmt::format("Field `{}`: {}", field, what));
}

std::string join_path(const std::string& path, const std::string& key) {
  if (key.empty()) return path;
  if (path.empty()) return key;
  if (key.front() == '[') return path + key;
  return path + "." + key;
}

std::string join_list(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// A bound as people write it: 50000000 rather than 5e+07 for integers.
std::string bound_text(double x, bool integer) {
  if (integer && std::fabs(x) < 9.2e18 && x == std::floor(x)) return fmt::format("{}", static_cast<std::int64_t>(x));
  return fmt::format("{}", x);
}

// " in [0, 1]", " > 0", " <= 5", or "".
std::string range_phrase(const Field& f, bool integer) {
  const bool lo = std::isfinite(f.lo()), hi = std::isfinite(f.hi());
  if (lo && hi)
    return fmt::format(" in {}{}, {}]", f.lo_exclusive() ? "(" : "[", bound_text(f.lo(), integer),
                       bound_text(f.hi(), integer));
  if (lo) return fmt::format(" {} {}", f.lo_exclusive() ? ">" : ">=", bound_text(f.lo(), integer));
  if (hi) return fmt::format(" <= {}", bound_text(f.hi(), integer));
  return "";
}

// What a field expects, as in "expected <noun>, found ...". With the range
// or choices when `detailed`; the bare kind for "missing required field".
std::string expected_phrase(const Field& f, bool detailed) {
  switch (f.type()) {
    case FieldType::Bool: return "true or false";
    case FieldType::Int: return "an integer" + (detailed ? range_phrase(f, true) : std::string());
    case FieldType::Number: return "a number" + (detailed ? range_phrase(f, false) : std::string());
    case FieldType::String:
      if (detailed && !f.allowed().empty()) return "one of " + join_list(f.allowed());
      if (detailed && f.is_identifier()) return "a lowercase identifier (letters a-z, digits 0-9 and _)";
      if (!f.ref_path().empty()) return fmt::format("a string naming an item of `{}`", f.ref_path());
      return "a string";
    case FieldType::Month: return "a month YYYY-MM";
    case FieldType::Section: return "a mapping";
    case FieldType::List: return "a list of mappings";
    case FieldType::Series:
      return "a mapping of month YYYY-MM to number" + (detailed ? range_phrase(f, false) : std::string());
  }
  return "a value";
}

// "found ..." for a value of the wrong kind.
std::string found_phrase(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Null: return "nothing (null)";
    case Value::Kind::Bool:
    case Value::Kind::Int:
    case Value::Kind::Number: return v.text();
    case Value::Kind::String:
      return ValueAccess::plain(v) ? quoted_text(v.text()) : "the string " + quoted_text(v.text());
    case Value::Kind::List: return "a list";
    case Value::Kind::Map: return "a mapping";
  }
  return "a value";
}

bool in_range(double x, const Field& f) {
  if (f.lo_exclusive() ? !(x > f.lo()) : !(x >= f.lo())) return false;
  return x <= f.hi();
}

std::optional<std::int64_t> parse_int(std::string_view s, bool& overflow) {
  overflow = false;
  // YAML 1.2's core schema: [-+]?[0-9]+ (a number field took `+0.5` and an
  // integer field refused `+2000`).
  if (s.size() > 1 && s[0] == '+' && s[1] != '-') s.remove_prefix(1);
  const std::size_t digits_from = !s.empty() && s[0] == '-' ? 1 : 0;
  if (s.size() == digits_from) return std::nullopt;
  for (std::size_t i = digits_from; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec == std::errc::result_out_of_range) {
    overflow = true;
    return std::nullopt;
  }
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return out;
}

// A decimal number, as YAML writes one: [-+]digits[.digits][e[-+]digits],
// read exactly (std::from_chars, whatever the locale). No hexadecimal, no
// whitespace; "nan" and "inf" are read, and then refused as not finite.
// Sets `out_of_range` to 1 for a number too large for a double, -1 for one
// nearer to 0 than the smallest (4.9e-324, a subnormal), which would be read
// as 0; else 0. Told apart: a tiny rate was said to be "beyond the range".
std::optional<double> parse_number(std::string_view s, int& out_of_range) {
  out_of_range = 0;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double out = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, std::chars_format::general);
  if (end != s.data() + s.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // Its size read wider; past that too, the sign of its exponent says.
    long double wide = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), wide, std::chars_format::general);
    const std::size_t e = s.find_first_of("eE");
    const bool tiny = r.ec == std::errc() ? std::fabs(wide) < 1
                                          : e != std::string_view::npos && e + 1 < s.size() && s[e + 1] == '-';
    out_of_range = tiny ? -1 : 1;
    return std::nullopt;
  }
  if (ec != std::errc()) return std::nullopt;
  return out;
}

// "YYYY-MM" with a valid month; sets `year_ok` false for a year out of range.
bool parse_month(std::string_view s, bool& year_ok) {
  year_ok = true;
  if (s.size() != 7 || s[4] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6})
    if (s[i] < '0' || s[i] > '9') return false;
  const int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  const int month = (s[5] - '0') * 10 + (s[6] - '0');
  if (month < 1 || month > 12) return false;
  year_ok = year >= min_year && year <= max_year;
  return true;
}

std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates) {
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

bool all_defaultable(const Record& r) {
  for (const Field& f : r.fields()) {
    if (!f.required()) continue;
    if (f.type() == FieldType::Section && all_defaultable(*f.record())) continue;
    return false;
  }
  return true;
}

// "zones" -> "a zone", "policies" -> "a policy", "data" -> "an item of `data`".
std::string item_noun(const std::string& list_path) {
  std::string last = list_path.substr(list_path.rfind('.') == std::string::npos ? 0 : list_path.rfind('.') + 1);
  std::string singular;
  if (last.size() > 3 && last.ends_with("ies")) {
    singular = last.substr(0, last.size() - 3) + "y";
  } else if (last.size() > 1 && last.ends_with("s") && !last.ends_with("ss")) {
    singular = last.substr(0, last.size() - 1);
  } else {
    return fmt::format("an item of `{}`", list_path);
  }
  const bool vowel = std::string_view("aeiouAEIOU").find(singular[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + singular;
}

// ---------------------------------------------------------------------------

struct TooManyErrors {};

class Validator {
 public:
  std::vector<Diagnostic> diagnostics;

  void error(const Location& loc, const std::string& path, std::string message) {
    diagnostics.push_back(scenario_detail::diagnostic(loc, path, std::move(message)));
    if (diagnostics.size() >= kMaxDiagnostics) throw TooManyErrors{};
  }

  Value record(const Value* doc, const Record& rec, const std::string& path, const Location& self) {
    const std::size_t errors_before = diagnostics.size();
    Value out = Value::map(self);
    if (doc) ValueAccess::set_key_location(out, ValueAccess::key_location(*doc));
    if (doc && doc->is_map()) {
      for (const auto& [key, value] : doc->entries()) {
        if (rec.find(key)) continue;
        const Location& key_loc = ValueAccess::key_location(value);
        unknown_field(key_loc.known() ? key_loc : value.location(), join_path(path, key), key, rec);
      }
    }
    for (const Field& f : rec.fields()) {
      const Value* v = doc && doc->is_map() ? doc->find(f.name()) : nullptr;
      out.entries().emplace_back(f.name(), field(v, f, join_path(path, f.name()), self));
    }
    if (diagnostics.size() == errors_before) {
      for (const CrossCheck& check : rec.checks()) {
        check(out, [&](const Value& at, std::string suffix, std::string message) {
          error(at.location(), join_path(path, suffix), std::move(message));
        });
      }
    }
    return out;
  }

  // `v` as field `f` would freeze it, or nothing if it does not validate.
  std::optional<Value> freeze(const Value& v, const Field& f) {
    const std::size_t before = diagnostics.size();
    try {
      Value out = field(&v, f, f.name(), {});
      if (diagnostics.size() == before) return out;
    } catch (const TooManyErrors&) {
    }
    return std::nullopt;
  }

  void resolve_references(const Value& root) {
    for (const Reference& ref : references_) {
      const Value* list = &root;
      std::size_t start = 0;
      const std::string& lp = ref.field->ref_path();
      while (list && start <= lp.size()) {
        std::size_t dot = lp.find('.', start);
        if (dot == std::string::npos) dot = lp.size();
        list = list->find(std::string_view(lp).substr(start, dot - start));
        start = dot + 1;
      }
      if (!list || !list->is_list()) {
        error(ref.value.location(), ref.path, fmt::format("refers to `{}`, which is not a list of this scenario", lp));
        continue;
      }
      std::vector<std::string> names;
      bool found = false;
      for (const Value& item : list->items()) {
        const Value* name = item.find("name");
        if (!name || name->kind() != Value::Kind::String) continue;
        if (name->as_string() == ref.value.text()) found = true;
        names.push_back(name->as_string());
      }
      if (found) continue;
      if (names.empty()) {
        error(ref.value.location(), ref.path,
              fmt::format("{} is not {}: `{}` has no named items", quoted_text(ref.value.text()), item_noun(lp), lp));
        continue;
      }
      std::string message =
          fmt::format("{} is not {}: expected one of {}", quoted_text(ref.value.text()), item_noun(lp), join_list(names));
      if (auto guess = closest(ref.value.text(), names)) message += fmt::format(" (did you mean `{}`?)", *guess);
      error(ref.value.location(), ref.path, std::move(message));
    }
  }

 private:
  struct Reference {
    Value value;
    std::string path;
    const Field* field;
  };
  std::vector<Reference> references_;

  void unknown_field(const Location& loc, const std::string& path, const std::string& key, const Record& rec) {
    std::vector<std::string> names;
    for (const Field& f : rec.fields()) names.push_back(f.name());
    if (names.empty()) {
      error(loc, path, "unknown field: this mapping takes no fields");
    } else if (auto guess = closest(key, names)) {
      error(loc, path, fmt::format("unknown field; did you mean `{}`?", *guess));
    } else {
      error(loc, path, "unknown field: expected one of " + join_list(names));
    }
  }

  void mismatch(const Value& v, const Field& f, const std::string& path) {
    error(v.location(), path, fmt::format("expected {}, found {}", expected_phrase(f, true), found_phrase(v)));
  }

  // A frozen scalar keeps the location, key location and text of its source.
  static Value frozen(Value out, const Value& from) {
    out.set_location(from.location());
    ValueAccess::set_key_location(out, ValueAccess::key_location(from));
    ValueAccess::set_text(out, from.text());
    return out;
  }

  Value field(const Value* v, const Field& f, const std::string& path, const Location& parent) {
    if (!v) {
      if (const auto& def = f.default_value()) {
        Value out = field(&*def, f, path, Location{});
        out.set_location(Location{});
        return out;
      }
      if (f.is_optional()) return Value::null();
      if (f.type() == FieldType::Section && all_defaultable(*f.record())) return record(nullptr, *f.record(), path, {});
      std::string message = "missing required field (expected " + expected_phrase(f, false);
      if (f.type() == FieldType::Section) {
        std::vector<std::string> required;
        for (const Field& sub : f.record()->fields())
          if (sub.required()) required.push_back(sub.name());
        message += " with " + join_list(required);
      }
      if (!f.doc_text().empty()) message += ": " + f.doc_text();
      error(parent, path, message + ")");
      return Value::null();
    }
    if (v->is_null()) {
      if (f.is_optional()) return frozen(Value::null(), *v);
      if (f.type() == FieldType::Section) return record(v, *f.record(), path, v->location());
    }
    switch (f.type()) {
      case FieldType::Bool: return boolean(*v, f, path);
      case FieldType::Int: return integer(*v, f, path);
      case FieldType::Number: {
        auto d = number(*v, f, path);
        return d ? frozen(Value::number(*d), *v) : Value::null(v->location());
      }
      case FieldType::String: return string(*v, f, path);
      case FieldType::Month: {
        auto m = month(*v, path);
        return m ? frozen(Value::string(*m), *v) : Value::null(v->location());
      }
      case FieldType::Section:
        if (!v->is_map()) {
          mismatch(*v, f, path);
          return Value::null(v->location());
        }
        return record(v, *f.record(), path, v->location());
      case FieldType::List: return list(*v, f, path);
      case FieldType::Series: return series(*v, f, path);
    }
    return Value::null();
  }

  Value boolean(const Value& v, const Field& f, const std::string& path) {
    if (v.kind() == Value::Kind::Bool) return v;
    if (v.kind() == Value::Kind::String && ValueAccess::plain(v)) {
      const std::string& t = v.text();
      if (t == "true" || t == "True" || t == "TRUE") return frozen(Value::boolean(true), v);
      if (t == "false" || t == "False" || t == "FALSE") return frozen(Value::boolean(false), v);
    }
    mismatch(v, f, path);
    return Value::null(v.location());
  }

  Value integer(const Value& v, const Field& f, const std::string& path) {
    std::optional<std::int64_t> i;
    if (v.kind() == Value::Kind::Int) {
      i = v.as_int();
    } else if (v.kind() == Value::Kind::String && ValueAccess::plain(v)) {
      bool overflow = false;
      i = parse_int(v.text(), overflow);
      if (overflow) {
        error(v.location(), path,
              fmt::format("expected {}, found {} (too large for a 64-bit integer)", expected_phrase(f, true), v.text()));
        return Value::null(v.location());
      }
    }
    if (!i) {
      mismatch(v, f, path);
      return Value::null(v.location());
    }
    if (!in_range(static_cast<double>(*i), f)) {
      error(v.location(), path, fmt::format("expected {}, found {}", expected_phrase(f, true), v.text()));
      return Value::null(v.location());
    }
    return frozen(Value::integer(*i), v);
  }

  std::optional<double> number(const Value& v, const Field& f, const std::string& path) {
    // A series' values are numbers too: say "a number", not "a series".
    const std::string expected = "a number" + range_phrase(f, false);
    std::optional<double> d;
    if (v.kind() == Value::Kind::Number) {
      d = v.as_double();
    } else if (v.kind() == Value::Kind::Int) {
      d = static_cast<double>(v.as_int());
    } else if (v.kind() == Value::Kind::String && ValueAccess::plain(v)) {
      int out_of_range = 0;
      d = parse_number(v.text(), out_of_range);
      if (out_of_range != 0) {
        error(v.location(), path,
              fmt::format("expected {}, found {} ({})", expected, v.text(),
                          out_of_range > 0 ? "beyond the range of a double"
                                           : "nearer to 0 than the smallest double, 4.9e-324: it would be read as 0; "
                                             "write 0 if 0 is meant"));
        return std::nullopt;
      }
    }
    if (!d) {
      error(v.location(), path, fmt::format("expected {}, found {}", expected, found_phrase(v)));
      return std::nullopt;
    }
    if (!std::isfinite(*d)) {
      error(v.location(), path,
            fmt::format("expected {}, found {} (not a finite number)", expected, v.text()));
      return std::nullopt;
    }
    if (!in_range(*d, f)) {
      error(v.location(), path, fmt::format("expected {}, found {}", expected, v.text()));
      return std::nullopt;
    }
    return d;
  }

  Value string(const Value& v, const Field& f, const std::string& path) {
    if (v.kind() != Value::Kind::String) {
      mismatch(v, f, path);
      return Value::null(v.location());
    }
    const std::string& s = v.text();
    if (!f.allowed().empty() && std::find(f.allowed().begin(), f.allowed().end(), s) == f.allowed().end()) {
      std::string message = fmt::format("expected {}, found {}", expected_phrase(f, true), quoted_text(s));
      if (auto guess = closest(s, f.allowed())) message += fmt::format(" (did you mean `{}`?)", *guess);
      error(v.location(), path, std::move(message));
      return Value::null(v.location());
    }
    if (f.is_identifier() && !is_lowercase_identifier(s)) {
      error(v.location(), path, fmt::format("expected {}, found {}", expected_phrase(f, true), quoted_text(s)));
      return Value::null(v.location());
    }
    Value out = frozen(Value::string(s), v);
    if (!f.ref_path().empty()) references_.push_back(Reference{out, path, &f});
    return out;
  }

  std::optional<std::string> month(const Value& v, const std::string& path) {
    bool year_ok = true;
    if (v.kind() == Value::Kind::String && parse_month(v.text(), year_ok)) {
      if (year_ok) return v.text();
      error(v.location(), path,
            fmt::format("expected a month YYYY-MM with a year in {}..{}, found {}", min_year, max_year,
                        quoted_text(v.text())));
      return std::nullopt;
    }
    error(v.location(), path,
          fmt::format("expected a month YYYY-MM, found {}",
                      v.kind() == Value::Kind::String ? quoted_text(v.text()) : found_phrase(v)));
    return std::nullopt;
  }

  Value list(const Value& v, const Field& f, const std::string& path) {
    if (!v.is_list()) {
      mismatch(v, f, path);
      return Value::null(v.location());
    }
    const std::size_t n = v.items().size();
    if (n < f.min_count())
      error(v.location(), path,
            fmt::format("expected at least {} item{}, found {}", f.min_count(), f.min_count() == 1 ? "" : "s", n));
    if (n > f.max_count())
      error(v.location(), path,
            fmt::format("expected at most {} item{}, found {}", f.max_count(), f.max_count() == 1 ? "" : "s", n));
    Value out = frozen(Value::list(), v);
    for (std::size_t i = 0; i < n; ++i) {
      const Value& item = v.items()[i];
      const std::string item_path = fmt::format("{}[{}]", path, i);
      if (!item.is_map()) {
        error(item.location(), item_path, fmt::format("expected a mapping, found {}", found_phrase(item)));
        continue;
      }
      out.push_back(record(&item, *f.record(), item_path, item.location()));
    }
    return out;
  }

  Value series(const Value& v, const Field& f, const std::string& path) {
    if (!v.is_map()) {
      mismatch(v, f, path);
      return Value::null(v.location());
    }
    if (v.entries().empty()) {
      error(v.location(), path, "expected at least one month, found an empty mapping");
      return Value::null(v.location());
    }
    Value out = frozen(Value::map(), v);
    std::string previous;
    for (const auto& [key, value] : v.entries()) {
      const std::string entry_path = join_path(path, key);
      const Location& key_loc = ValueAccess::key_location(value).known() ? ValueAccess::key_location(value)
                                                                         : value.location();
      bool year_ok = true;
      if (!parse_month(key, year_ok)) {
        error(key_loc, entry_path, fmt::format("expected a month YYYY-MM as key, found {}", quoted_text(key)));
      } else if (!year_ok) {
        error(key_loc, entry_path,
              fmt::format("expected a month YYYY-MM with a year in {}..{}, found {}", min_year, max_year, quoted_text(key)));
      } else {
        if (!previous.empty() && key <= previous)
          error(key_loc, entry_path, fmt::format("expected months in increasing order, found {} after {}", key, previous));
        previous = key;
      }
      if (auto d = number(value, f, entry_path)) out.entries().emplace_back(key, frozen(Value::number(*d), value));
    }
    return out;
  }
};

}  // namespace

// ---------------------------------------------------------------------------
// Declarations

std::string to_string(FieldType t) {
  switch (t) {
    case FieldType::Bool: return "bool";
    case FieldType::Int: return "integer";
    case FieldType::Number: return "number";
    case FieldType::String: return "string";
    case FieldType::Month: return "month";
    case FieldType::Section: return "section";
    case FieldType::List: return "list";
    case FieldType::Series: return "series";
  }
  return "?";
}

Field::Field(std::string name, FieldType type) : name_(std::move(name)), type_(type) {
  if (type_ == FieldType::Section || type_ == FieldType::List) record_ = std::make_shared<Record>();
}

Field& Field::doc(std::string text) {
  doc_ = std::move(text);
  return *this;
}

Field& Field::unit(std::string text) {
  unit_ = std::move(text);
  return *this;
}

Field& Field::def(Value v) {
  default_ = std::move(v);
  return *this;
}

Field& Field::def(bool b) { return def(Value::boolean(b)); }
Field& Field::def(std::int64_t i) { return def(Value::integer(i)); }
Field& Field::def(double d) { return def(Value::number(d)); }
Field& Field::def(const char* s) { return def(Value::string(s)); }

Field& Field::optional() {
  optional_ = true;
  return *this;
}

Field& Field::range(double lo, double hi) {
  if (type_ != FieldType::Int && type_ != FieldType::Number && type_ != FieldType::Series)
    misuse(name_, "range() applies to integer, number and series fields");
  if (std::isnan(lo) || std::isnan(hi) || lo > hi) misuse(name_, "range() needs lo <= hi");
  lo_ = lo;
  hi_ = hi;
  return *this;
}

Field& Field::exclusive_min(bool on) {
  if (type_ != FieldType::Int && type_ != FieldType::Number && type_ != FieldType::Series)
    misuse(name_, "exclusive_min() applies to integer, number and series fields");
  lo_exclusive_ = on;
  return *this;
}

Field& Field::choices(std::vector<std::string> allowed) {
  if (type_ != FieldType::String) misuse(name_, "choices() applies to string fields");
  choices_ = std::move(allowed);
  return *this;
}

Field& Field::identifier() {
  if (type_ != FieldType::String) misuse(name_, "identifier() applies to string fields");
  identifier_ = true;
  return *this;
}

bool is_lowercase_identifier(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Field& Field::ref(std::string list_path) {
  if (type_ != FieldType::String) misuse(name_, "ref() applies to string fields");
  ref_ = std::move(list_path);
  return *this;
}

Field& Field::min_items(std::size_t n) {
  if (type_ != FieldType::List) misuse(name_, "min_items() applies to list fields");
  min_items_ = n;
  return *this;
}

Field& Field::max_items(std::size_t n) {
  if (type_ != FieldType::List) misuse(name_, "max_items() applies to list fields");
  max_items_ = n;
  return *this;
}

Record& Field::item() {
  if (type_ != FieldType::List) misuse(name_, "item() applies to list fields");
  return *record_;
}

Record& Field::section() {
  if (type_ != FieldType::Section) misuse(name_, "section() applies to section fields");
  return *record_;
}

Record& Record::doc(std::string text) {
  doc_ = std::move(text);
  return *this;
}

// Fields live in a vector: a Field& is valid until the next field is added
// to the same record, so declare each field in one chained expression.
Field& Record::add(std::string name, FieldType type) {
  if (find(name)) throw std::logic_error(fmt::format("Record: field `{}` declared twice", name));
  fields_.emplace_back(std::move(name), type);
  return fields_.back();
}

Field& Record::boolean(std::string name) { return add(std::move(name), FieldType::Bool); }
Field& Record::integer(std::string name) { return add(std::move(name), FieldType::Int); }
Field& Record::number(std::string name) { return add(std::move(name), FieldType::Number); }
Field& Record::string(std::string name) { return add(std::move(name), FieldType::String); }
Field& Record::month(std::string name) { return add(std::move(name), FieldType::Month); }
Field& Record::series(std::string name) { return add(std::move(name), FieldType::Series); }
Field& Record::section(std::string name) { return add(std::move(name), FieldType::Section); }
Field& Record::list(std::string name) { return add(std::move(name), FieldType::List); }

Record& Record::check(CrossCheck c) {
  checks_.push_back(std::move(c));
  return *this;
}

const Field* Record::find(std::string_view name) const {
  for (const Field& f : fields_)
    if (f.name() == name) return &f;
  return nullptr;
}

// ---------------------------------------------------------------------------
// Validation

Value validate(const Value& document, const Record& root) {
  Validator v;
  Value result;
  try {
    if (!document.is_map()) {
      v.error(document.location(), "",
              fmt::format("expected a mapping at the top level, found {}", found_phrase(document)));
    } else {
      result = v.record(&document, root, "", document.location());
      v.resolve_references(result);
    }
  } catch (const TooManyErrors&) {
  }
  if (v.diagnostics.empty()) return result;
  // In the order of the files' first appearance, then of lines and columns.
  std::vector<std::string> files;
  for (const auto& d : v.diagnostics)
    if (std::find(files.begin(), files.end(), d.location.file) == files.end()) files.push_back(d.location.file);
  auto rank = [&](const Diagnostic& d) {
    const auto file = std::find(files.begin(), files.end(), d.location.file) - files.begin();
    return std::make_tuple(file, d.location.line, d.location.column);
  };
  std::stable_sort(v.diagnostics.begin(), v.diagnostics.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return rank(a) < rank(b); });
  throw ScenarioError(std::move(v.diagnostics));
}

// Levenshtein distance with adjacent transpositions counted as one edit
// (optimal string alignment): "seperation" is one typo from "separation",
// "rtae" one from "rate".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  if (n == 0) return m;
  if (m == 0) return n;
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

// ---------------------------------------------------------------------------
// JSON Schema and Markdown reference

namespace {

// The default of `f` as validation freezes it (a Number field's `def(5)` is
// 5.0), or nothing if it has none or it does not validate.
std::optional<Value> frozen_default(const Field& f) {
  if (!f.default_value()) return std::nullopt;
  return Validator().freeze(*f.default_value(), f);
}

Value bound_value(double x, bool integer) {
  if (integer && std::fabs(x) < 9.2e18 && x == std::floor(x)) return Value::integer(static_cast<std::int64_t>(x));
  return Value::number(x);
}

std::string description(const Field& f) {
  std::string d = f.doc_text();
  if (!f.ref_path().empty())
    d += fmt::format("{}the name of an item of `{}`", d.empty() ? "" : "; ", f.ref_path());
  if (!f.unit_text().empty()) d += fmt::format("{}[{}]", d.empty() ? "" : " ", f.unit_text());
  return d;
}

void add_range(Value& s, const Field& f, bool integer) {
  if (std::isfinite(f.lo())) s.set(f.lo_exclusive() ? "exclusiveMinimum" : "minimum", bound_value(f.lo(), integer));
  if (std::isfinite(f.hi())) s.set("maximum", bound_value(f.hi(), integer));
}

Value schema_type(const char* type, const Field& f) {
  if (!f.is_optional()) return Value::string(type);
  Value both = Value::list();
  both.push_back(Value::string(type));
  both.push_back(Value::string("null"));
  return both;
}

// `merged`: the record is merged key by key with a parent file's (the
// top level and its sections, not a list's items, which `extends` replaces
// whole), so that its required fields go in the schema's "else" branch
// (required_tree) rather than its own "required".
Value record_schema(const Record& r, const std::string& doc, bool merged = false);

Value field_schema(const Field& f, bool merged) {
  Value s = Value::map();
  const std::string d = description(f);
  if (!d.empty()) s.set("description", Value::string(d));
  switch (f.type()) {
    case FieldType::Bool: s.set("type", schema_type("boolean", f)); break;
    case FieldType::Int:
      s.set("type", schema_type("integer", f));
      add_range(s, f, true);
      break;
    case FieldType::Number:
      s.set("type", schema_type("number", f));
      add_range(s, f, false);
      break;
    case FieldType::String:
      if (f.allowed().empty()) {
        // A plain scalar is read as its text (`title: 3`, a zone named
        // 80000), where an editor reads a number or a boolean: "string"
        // alone refused what the loader takes.
        Value types = Value::list();
        for (const char* t : {"string", "number", "boolean"}) types.push_back(Value::string(t));
        if (f.is_optional()) types.push_back(Value::string("null"));
        s.set("type", std::move(types));
        if (f.is_identifier()) s.set("pattern", Value::string("^[a-z0-9_]+$"));
      } else {
        s.set("type", schema_type("string", f));
        Value e = Value::list();
        for (const auto& a : f.allowed()) e.push_back(Value::string(a));
        // An optional field takes null too, as its type says: an enum of
        // the choices alone refused `reference: null` in an editor.
        if (f.is_optional()) e.push_back(Value::null());
        s.set("enum", std::move(e));
      }
      break;
    case FieldType::Month:
      s.set("type", schema_type("string", f));
      s.set("pattern", Value::string(kMonthPattern));
      break;
    case FieldType::Section: {
      Value r = record_schema(*f.record(), "", merged);
      for (auto& [k, v] : r.entries()) s.set(k, std::move(v));
      break;
    }
    case FieldType::List: {
      s.set("type", schema_type("array", f));
      s.set("items", record_schema(*f.record(), f.record()->doc_text()));
      if (f.min_count() > 0) s.set("minItems", Value::integer(static_cast<std::int64_t>(f.min_count())));
      if (f.max_count() != std::numeric_limits<std::size_t>::max())
        s.set("maxItems", Value::integer(static_cast<std::int64_t>(f.max_count())));
      break;
    }
    case FieldType::Series: {
      s.set("type", schema_type("object", f));
      Value number = Value::map();
      number.set("type", Value::string("number"));
      add_range(number, f, false);
      Value pattern = Value::map();
      pattern.set(kMonthPattern, std::move(number));
      s.set("patternProperties", std::move(pattern));
      s.set("additionalProperties", Value::boolean(false));
      s.set("minProperties", Value::integer(1));
      break;
    }
  }
  if (auto def = frozen_default(f)) s.set("default", std::move(*def));
  return s;
}

bool required_in_file(const Field& f) {
  return f.required() && !(f.type() == FieldType::Section && all_defaultable(*f.record()));
}

Value record_schema(const Record& r, const std::string& doc, bool merged) {
  Value s = Value::map();
  if (!doc.empty()) s.set("description", Value::string(doc));
  s.set("type", Value::string("object"));
  Value properties = Value::map();
  Value required = Value::list();
  for (const Field& f : r.fields()) {
    properties.set(f.name(), field_schema(f, merged));
    if (required_in_file(f)) required.push_back(Value::string(f.name()));
  }
  s.set("properties", std::move(properties));
  if (required.size() > 0 && !merged) s.set("required", std::move(required));
  s.set("additionalProperties", Value::boolean(false));
  return s;
}

// The required fields of `r` and of its sections, nested as their
// properties are: what a file that extends no other must give itself.
Value required_tree(const Record& r) {
  Value t = Value::map();
  Value required = Value::list();
  Value properties = Value::map();
  for (const Field& f : r.fields()) {
    if (required_in_file(f)) required.push_back(Value::string(f.name()));
    if (f.type() != FieldType::Section) continue;
    Value inner = required_tree(*f.record());
    if (inner.size() > 0) properties.set(f.name(), std::move(inner));
  }
  if (required.size() > 0) t.set("required", std::move(required));
  if (properties.size() > 0) t.set("properties", std::move(properties));
  return t;
}

// Markdown table cells: no pipes, no line breaks.
std::string cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string allowed_text(const Field& f) {
  switch (f.type()) {
    case FieldType::Bool: return "true, false";
    case FieldType::Int:
    case FieldType::Number: {
      // range_phrase says " in [0, 1]" or " >= 0": keep what follows "in".
      std::string r = range_phrase(f, f.type() == FieldType::Int);
      if (r.empty()) return "any";
      return r.rfind(" in ", 0) == 0 ? r.substr(4) : r.substr(1);
    }
    case FieldType::String: {
      if (!f.allowed().empty()) {
        std::vector<std::string> quoted_choices;
        for (const auto& a : f.allowed()) quoted_choices.push_back("`" + a + "`");
        return join_list(quoted_choices);
      }
      if (!f.ref_path().empty()) return fmt::format("name of an item of `{}`", f.ref_path());
      if (f.is_identifier()) return "lowercase identifier: a-z, 0-9, _";
      return "any";
    }
    case FieldType::Month: return fmt::format("YYYY-MM, years {}..{}", min_year, max_year);
    case FieldType::Section: return "mapping";
    case FieldType::List: {
      const bool bounded = f.max_count() != std::numeric_limits<std::size_t>::max();
      if (bounded) return fmt::format("{} to {} items", f.min_count(), f.max_count());
      if (f.min_count() > 0) return fmt::format("at least {} item{}", f.min_count(), f.min_count() == 1 ? "" : "s");
      return "any number of items";
    }
    case FieldType::Series: {
      const std::string r = range_phrase(f, false);
      return "YYYY-MM: number" + r;
    }
  }
  return "";
}

std::string default_text(const Field& f) {
  if (f.default_value()) {
    auto def = frozen_default(f);
    const Value& v = def ? *def : *f.default_value();
    return "`" + (v.kind() == Value::Kind::String ? v.as_string() : v.to_json()) + "`";
  }
  if (f.is_optional()) return "*optional*";
  if (f.type() == FieldType::Section && all_defaultable(*f.record())) return "*see below*";
  return "**required**";
}

void markdown_record(std::string& out, const Record& r, const std::string& path, int level,
                     const std::string& field_doc) {
  if (!path.empty()) {
    out += fmt::format("\n{} `{}`\n\n", std::string(static_cast<std::size_t>(std::clamp(level, 1, 6)), '#'), path);
    if (!field_doc.empty()) out += cell(field_doc) + "\n\n";
  }
  if (!r.doc_text().empty() && r.doc_text() != field_doc) out += r.doc_text() + "\n\n";
  if (r.fields().empty()) {
    out += "(no fields)\n";
    return;
  }
  out += "| field | type | allowed | default | unit | description |\n";
  out += "|---|---|---|---|---|---|\n";
  for (const Field& f : r.fields()) {
    std::string doc = f.doc_text();
    if (f.type() == FieldType::Section || f.type() == FieldType::List)
      doc += fmt::format("{}see `{}`", doc.empty() ? "" : "; ",
                         join_path(path, f.name()) + (f.type() == FieldType::List ? "[]" : ""));
    out += fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", f.name(), to_string(f.type()), cell(allowed_text(f)),
                       cell(default_text(f)), cell(f.unit_text()), cell(doc));
  }
  for (const Field& f : r.fields()) {
    if (f.type() == FieldType::Section) {
      markdown_record(out, *f.record(), join_path(path, f.name()), level, f.doc_text());
    } else if (f.type() == FieldType::List) {
      markdown_record(out, *f.record(), join_path(path, f.name()) + "[]", level, f.doc_text());
    }
  }
}

}  // namespace

std::string json_schema(const Record& root, const std::string& title) {
  Value s = Value::map();
  s.set("$schema", Value::string("https://json-schema.org/draft/2020-12/schema"));
  s.set("title", Value::string(title));
  // A file that `extends` another gives only what it changes: its parent
  // gives the rest (every shipped file with `extends` was refused, its
  // required fields missing). The fields are required of the others.
  Value body = record_schema(root, root.doc_text(), true);
  for (auto& [k, v] : body.entries()) s.set(k, std::move(v));
  if (Value required = required_tree(root); required.size() > 0) {
    Value extends = Value::map();
    Value names = Value::list();
    names.push_back(Value::string("extends"));
    extends.set("required", std::move(names));
    s.set("if", std::move(extends));
    s.set("else", std::move(required));
  }
  return s.to_json(2) + "\n";
}

std::string markdown_reference(const Record& root, const std::string& heading, int level) {
  std::string out = fmt::format("{} {}\n\n", std::string(static_cast<std::size_t>(std::clamp(level, 1, 6)), '#'), heading);
  markdown_record(out, root, "", level + 1, "");
  return out;
}

}  // namespace terrasim::sim
