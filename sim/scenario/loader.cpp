// Reading scenario files: limits checked before yaml-cpp sees the text, the
// conversion of yaml-cpp's nodes into located Values, `extends:` chains,
// merges and `--set` overrides.
//
// yaml-cpp is recursive and trusts its input more than a loader of files
// from anywhere should. So the text is first scanned here, without
// recursion: size, NUL bytes and invalid UTF-8, flow nesting (`[[[[...`),
// `- - - -` runs and indentation are bounded before yaml-cpp parses it. Its
// nodes are then counted, aliases expanded, before any Value is built, so an
// alias bomb costs a million steps and no memory.
#include "sim/scenario/loader.h"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "sim/scenario/value_access.h"
#include "sim/util/sha256.h"
#include "sim/util/utf8.h"

namespace terrasim::sim {

namespace fs = std::filesystem;
using scenario_detail::quoted_text;
using scenario_detail::split_lines;

namespace {

constexpr int max_indentation = 1024;   // columns of leading spaces on a line
constexpr std::size_t max_errors = 50;  // diagnostics collected before giving up
constexpr int max_extends_chain = 16;   // files in one `extends:` chain

[[noreturn]] void fail(Location loc, std::string path, std::string message, std::string line = {}) {
  throw ScenarioError({Diagnostic{std::move(loc), std::move(path), std::move(message), std::move(line), {}}});
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Number of UTF-8 characters in the first `bytes` bytes of `line` (bytes
// past its end count one each), plus one: a 1-based column.
int column_of(std::string_view line, std::size_t bytes) {
  int column = 1;
  for (std::size_t i = 0; i < bytes; ++i) {
    if (i >= line.size() || (static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++column;
  }
  return column;
}

// ---------------------------------------------------------------------------
// The text, before yaml-cpp: limits that need no parser.

class TextCheck {
 public:
  TextCheck(std::string_view text, const std::string& file, const ParseLimits& limits,
            const std::vector<std::string>& lines)
      : text_(text), file_(file), limits_(limits), lines_(lines) {}

  void run() {
    check_encoding();
    scan_structure(lines_);
  }

  // NUL bytes and invalid UTF-8 anywhere in the text; the structure of the
  // lines given, which may hide a prefix that is not YAML behind spaces.
  void run(const std::vector<std::string>& yaml_lines) {
    check_encoding();
    scan_structure(yaml_lines);
  }

 private:
  std::string_view line_text(int line) const {
    const auto i = static_cast<std::size_t>(line - 1);
    return i < lines_.size() ? std::string_view(lines_[i]) : std::string_view();
  }

  [[noreturn]] void fail_at(int line, std::size_t byte_in_line, std::string message, bool excerpt = true) const {
    const std::string_view text = line_text(line);
    fail(Location{file_, line, column_of(text, byte_in_line)}, "", std::move(message),
         excerpt ? std::string(text) : std::string());
  }

  // Text in UTF-16 or UTF-32 (what some editors save as "Unicode"): its
  // byte-order mark, or an ASCII first character padded with NUL bytes.
  // What it is, and iconv's name for it: with a byte-order mark, iconv's
  // UTF-16 reads the mark; without one, it must be told the byte order.
  struct Wide {
    std::string_view what, iconv;
  };
  static Wide wide_encoding(std::string_view t) {
    auto starts = [&](std::string_view prefix) { return t.substr(0, prefix.size()) == prefix; };
    using namespace std::string_view_literals;
    if (starts("\xFF\xFE\0\0"sv)) return {"UTF-32 (little-endian)", "UTF-32"};
    if (starts("\0\0\xFE\xFF"sv)) return {"UTF-32 (big-endian)", "UTF-32"};
    if (starts("\xFF\xFE"sv)) return {"UTF-16 (little-endian)", "UTF-16"};
    if (starts("\xFE\xFF"sv)) return {"UTF-16 (big-endian)", "UTF-16"};
    if (t.size() >= 4 && t[0] != 0 && t[1] == 0 && t[2] == 0 && t[3] == 0) return {"UTF-32 (little-endian)", "UTF-32LE"};
    if (t.size() >= 4 && t[0] == 0 && t[1] == 0 && t[2] == 0 && t[3] != 0) return {"UTF-32 (big-endian)", "UTF-32BE"};
    if (t.size() >= 2 && t[0] != 0 && t[1] == 0) return {"UTF-16 (little-endian)", "UTF-16LE"};
    if (t.size() >= 2 && t[0] == 0 && t[1] != 0) return {"UTF-16 (big-endian)", "UTF-16BE"};
    return {};
  }

  // NUL bytes, control characters and invalid UTF-8: not a text file.
  void check_encoding() const {
    if (const Wide wide = wide_encoding(text_); !wide.what.empty())
      fail_at(1, 0, fmt::format("the text is {}: expected UTF-8 (convert it: iconv -f {} -t UTF-8)", wide.what, wide.iconv),
              false);
    int line = 1;
    std::size_t line_start = 0;
    std::size_t i = 0;
    const std::size_t n = text_.size();
    while (i < n) {
      const auto c = static_cast<unsigned char>(text_[i]);
      if (c == '\n') {
        ++line;
        line_start = ++i;
        continue;
      }
      if (c < 0x80) {
        if (c == 0) fail_at(line, i - line_start, "binary data (a NUL byte): expected YAML text", false);
        if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
          fail_at(line, i - line_start,
                  fmt::format("binary data (control character 0x{:02x}): expected YAML text", c), false);
        ++i;
        continue;
      }
      // A multi-byte sequence: its length from the lead byte, then
      // continuation bytes, no overlong form, no surrogate, <= U+10FFFF.
      const std::size_t length = utf8_length_at(text_, i);
      if (length == 0)
        fail_at(line, i - line_start,
                fmt::format("binary data (invalid UTF-8 byte 0x{:02x}): expected YAML text", c), false);
      i += length;
    }
  }

  void push_level(std::vector<std::size_t>& levels, int line, std::size_t column) const {
    if (!levels.empty() && levels.back() >= column) return;
    levels.push_back(column);
    if (levels.size() > static_cast<std::size_t>(limits_.max_depth))
      fail_at(line, column,
              fmt::format("nesting deeper than {} levels: a scenario never needs that many", limits_.max_depth));
  }

  // A lexical pass over the YAML structure that yaml-cpp would otherwise
  // meet recursively: flow nesting skips quoted strings, comments, plain
  // scalars and block scalars; `- ` runs and indentation are per line.
  void scan_structure(const std::vector<std::string>& lines) const {
    const int max_depth = limits_.max_depth;
    int flow = 0;          // open `[` and `{`
    char quote = 0;        // inside a quoted scalar that spans lines
    int quote_line = 0;    // where it opened
    std::size_t quote_byte = 0;
    int block_parent = -2; // inside a block scalar: indentation its lines exceed
    // The columns where the enclosing block nodes start: one per level of
    // block nesting, as YAML's indentation rules make them.
    std::vector<std::size_t> levels;
    for (std::size_t li = 0; li < lines.size(); ++li) {
      const int line = static_cast<int>(li) + 1;
      const std::string_view s = lines[li];
      std::size_t indent = 0;
      while (indent < s.size() && s[indent] == ' ') ++indent;
      std::size_t first = indent;
      while (first < s.size() && is_blank(s[first])) ++first;
      const bool blank = first == s.size();

      if (block_parent > -2) {
        if (blank || static_cast<int>(indent) > block_parent) continue;
        block_parent = -2;
      }
      if (quote == 0 && flow == 0 && !blank && s[first] != '#') {
        if (indent > static_cast<std::size_t>(max_indentation))
          fail_at(line, indent,
                  fmt::format("indentation of {} columns: expected at most {}", indent, max_indentation));
        if (first > indent) fail_at(line, indent, "tab character in indentation: YAML indents with spaces");
        while (!levels.empty() && levels.back() > indent) levels.pop_back();
        push_level(levels, line, indent);
      }

      bool token_start = true;  // the next character may begin a token
      bool plain = false;       // inside a plain scalar
      int node_column = -1;     // where the first node of the line starts
      int indicator_column = -1;
      std::size_t i = 0;
      if (quote == 0 && s.size() >= 1 && s[0] == '%') continue;  // a directive
      while (i < s.size()) {
        const char c = s[i];
        const char next = i + 1 < s.size() ? s[i + 1] : '\n';
        const bool next_blank = next == ' ' || next == '\t' || next == '\n';
        if (quote == '\'') {
          if (c == '\'') {
            if (next == '\'') {
              i += 2;
              continue;
            }
            quote = 0;
            token_start = false;
          }
          ++i;
          continue;
        }
        if (quote == '"') {
          if (c == '\\') {
            i += 2;
            continue;
          }
          if (c == '"') {
            quote = 0;
            token_start = false;
          }
          ++i;
          continue;
        }
        if (plain) {
          const bool flow_end = flow > 0 && (c == ',' || c == '[' || c == ']' || c == '{' || c == '}');
          const bool value_indicator = c == ':' && (next_blank || (flow > 0 && std::strchr(",[]{}", next)));
          if (c == '#' && i > 0 && is_blank(s[i - 1])) break;  // a comment
          if (!flow_end && !value_indicator) {
            ++i;
            continue;
          }
          plain = false;
          if (value_indicator) {
            token_start = true;
            ++i;
            continue;
          }
        }
        if (is_blank(c)) {
          token_start = true;
          ++i;
          continue;
        }
        if (c == '#' && (token_start || i == 0)) break;  // a comment
        if (c == '[' || c == '{') {
          if (++flow > max_depth)
            fail_at(line, i,
                    fmt::format("more than {} levels of nesting (`[` and `{{`): a scenario never needs that many",
                                max_depth));
          token_start = true;
          ++i;
          continue;
        }
        if (c == ']' || c == '}') {
          if (flow > 0) --flow;
          token_start = false;
          ++i;
          continue;
        }
        if (c == ',' && flow > 0) {
          token_start = true;
          ++i;
          continue;
        }
        if ((c == '-' || c == '?') && next_blank && token_start) {
          if (c == '-' && flow == 0) {
            // `- - - x` nests a list per dash, on one line: each is a level.
            std::size_t node = i + 1;
            while (node < s.size() && is_blank(s[node])) ++node;
            if (node < s.size() && s[node] != '#') push_level(levels, line, node);
          }
          indicator_column = static_cast<int>(i);
          token_start = true;
          ++i;
          continue;
        }
        if (c == ':' && (next_blank || flow > 0)) {
          token_start = true;
          ++i;
          continue;
        }
        if ((c == '\'' || c == '"') && token_start) {
          if (node_column < 0) node_column = static_cast<int>(i);
          quote = c;
          quote_line = line;
          quote_byte = i;
          ++i;
          continue;
        }
        if ((c == '|' || c == '>') && flow == 0 && token_start) {
          // A block scalar: its lines are text, indented deeper than the
          // node that holds it.
          block_parent = node_column >= 0 ? node_column
                         : indicator_column >= 0 ? indicator_column
                                                 : static_cast<int>(indent);
          break;
        }
        if ((c == '&' || c == '*' || c == '!') && token_start) {
          // An anchor, alias or tag: a name up to a blank or a flow indicator.
          ++i;
          while (i < s.size() && !is_blank(s[i]) && !(flow > 0 && std::strchr(",[]{}", s[i]))) ++i;
          token_start = true;
          continue;
        }
        if (node_column < 0) node_column = static_cast<int>(i);
        plain = true;
        token_start = false;
        ++i;
      }
    }
    // yaml-cpp 0.7 ends a quoted scalar left open at the end of the text
    // there, and takes the lines after its quote, keys and all, as its text.
    if (quote != 0)
      fail_at(quote_line, quote_byte,
              fmt::format("quoted string never closed: expected a closing {} before the end of the text",
                          quote == '"' ? "`\"`" : "`'`"));
  }

  std::string_view text_;
  const std::string& file_;
  const ParseLimits& limits_;
  const std::vector<std::string>& lines_;
};

// ---------------------------------------------------------------------------
// yaml-cpp's nodes into Values.

const std::string kStrTag = "tag:yaml.org,2002:str";

class Converter {
 public:
  // `first_line_offset`: bytes of the first source line that come before
  // the text yaml-cpp parsed (the `path=` of an override).
  Converter(const std::string& file, const ParseLimits& limits, const std::vector<std::string>& lines,
            std::size_t first_line_offset = 0)
      : file_(file), limits_(limits), lines_(lines), offset_(first_line_offset) {}

  Location location(const YAML::Mark& mark) const {
    if (mark.is_null() || mark.line < 0) return Location{file_, 0, 0};
    const auto li = static_cast<std::size_t>(mark.line);
    std::size_t byte = static_cast<std::size_t>(std::max(mark.column, 0));
    if (li == 0) byte += offset_;
    const std::string_view line = li < lines_.size() ? std::string_view(lines_[li]) : std::string_view();
    return Location{file_, mark.line + 1, column_of(line, byte)};
  }

  std::string source(const Location& loc) const {
    const auto i = static_cast<std::size_t>(loc.line - 1);
    return loc.known() && i < lines_.size() ? lines_[i] : std::string();
  }

  [[noreturn]] void fail_at(const YAML::Mark& mark, std::string message) const {
    Location loc = location(mark);
    std::string line = source(loc);
    fail(std::move(loc), "", std::move(message), std::move(line));
  }

  // Counts the nodes, aliases expanded, and bounds the nesting, before any
  // Value is built. An alias inside its own anchor makes a cycle, which the
  // depth bound stops.
  void count(const YAML::Node& node, int depth) {
    if (++nodes_ > limits_.max_nodes)
      fail_at(node.Mark(), fmt::format("too many nodes after expanding aliases (limit {})", limits_.max_nodes));
    if (!node.IsMap() && !node.IsSequence()) return;
    if (depth > limits_.max_depth)
      fail_at(node.Mark(), fmt::format("nesting deeper than {} levels: a scenario never needs that many",
                                       limits_.max_depth));
    if (node.IsMap()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        count(it->first, depth + 1);
        count(it->second, depth + 1);
      }
    } else {
      for (auto it = node.begin(); it != node.end(); ++it) count(*it, depth + 1);
    }
  }

  Value convert(const YAML::Node& node) {
    const Location loc = location(node.Mark());
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return Value::null(loc);
      case YAML::NodeType::Scalar: {
        const std::string& tag = node.Tag();
        if (tag == "?" || tag.empty()) return ValueAccess::plain_scalar(node.Scalar(), loc);
        if (tag == "!" || tag == kStrTag) return Value::string(node.Scalar(), loc);
        error(loc, fmt::format("unsupported tag `{}`: a scenario holds plain values (quote a string instead)", tag));
        return Value::null(loc);
      }
      case YAML::NodeType::Sequence: {
        Value list = Value::list(loc);
        for (auto it = node.begin(); it != node.end(); ++it) list.push_back(convert(*it));
        return list;
      }
      case YAML::NodeType::Map: {
        Value map = Value::map(loc);
        std::unordered_map<std::string, Location> seen;
        for (auto it = node.begin(); it != node.end(); ++it) {
          const YAML::Node key = it->first;  // a copy: `it->` yields a temporary
          const Location key_loc = location(key.Mark());
          if (!key.IsScalar()) {
            error(key_loc, fmt::format("expected a key name, found {}",
                                       key.IsNull() ? "nothing (null)" : key.IsMap() ? "a mapping" : "a list"));
            continue;
          }
          const std::string& name = key.Scalar();
          if (name == "<<" && key.Tag() != "!") {  // unquoted: YAML 1.1's merge key, which yaml-cpp does not apply
            error(key_loc, "YAML merge keys (`<<: *anchor`) are not supported: write the fields out, or put the "
                           "shared ones in a file that this one `extends:`");
            continue;
          }
          auto [first, inserted] = seen.emplace(name, key_loc);
          if (!inserted) {
            error(key_loc, fmt::format("duplicate key `{}` (first written at line {})", name, first->second.line));
            continue;
          }
          Value value = convert(it->second);
          // An empty value is reported by yaml-cpp where the next token
          // starts, often the next line: point at its key instead.
          if (value.is_null() && (!value.location().known() || value.location().line > key_loc.line))
            value.set_location(key_loc);
          ValueAccess::set_key_location(value, key_loc);
          map.entries().emplace_back(name, std::move(value));
        }
        return map;
      }
    }
    return Value::null(loc);
  }

  void error(const Location& loc, std::string message) {
    errors_.push_back(Diagnostic{loc, "", std::move(message), source(loc), {}});
    if (errors_.size() >= max_errors) throw ScenarioError(errors_);
  }

  void throw_if_errors() const {
    if (!errors_.empty()) throw ScenarioError(errors_);
  }

 private:
  const std::string& file_;
  const ParseLimits& limits_;
  const std::vector<std::string>& lines_;
  std::size_t offset_;
  std::size_t nodes_ = 0;
  std::vector<Diagnostic> errors_;
};

// Records where each document starts, and nothing else.
struct DocumentStarts final : YAML::EventHandler {
  std::vector<YAML::Mark> marks;
  void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

struct Loaded {
  YAML::Node root;                  // the first document (null if none)
  std::size_t documents = 0;        // 0, 1, or 2 for "more than one"
  YAML::Mark second;                // where the second document starts
};

// Parses the first document of `text` and says whether another follows.
//
// Not YAML::LoadAll: on a token no rule consumes at the level of documents
// (a stray `,`), yaml-cpp 0.7 returns empty documents forever, without
// moving on, and LoadAll collects them until memory runs out. The
// documents are first walked with a parser that builds nothing, and a
// document that starts where the previous one did is that loop.
Loaded load_first(const std::string& text, const Converter& conv) {
  try {
    Loaded out;
    {
      std::istringstream in(text);
      YAML::Parser parser(in);
      DocumentStarts starts;
      while (starts.marks.size() < 3 && parser.HandleNextDocument(starts)) {
        const std::size_t n = starts.marks.size();
        if (n >= 2 && starts.marks[n - 1].pos == starts.marks[n - 2].pos) {
          const YAML::Mark& at = starts.marks[n - 1];
          const std::string token = at.pos >= 0 && static_cast<std::size_t>(at.pos) < text.size()
                                        ? text.substr(static_cast<std::size_t>(at.pos), 1)
                                        : std::string();
          conv.fail_at(at, token == "," ? "invalid YAML: unexpected `,` outside a flow collection ([...] or {...})"
                                        : fmt::format("invalid YAML: unexpected {}", quoted_text(token)));
        }
      }
      out.documents = std::min<std::size_t>(starts.marks.size(), 2);
      if (out.documents == 2) out.second = starts.marks[1];
    }
    if (out.documents > 0) out.root = YAML::Load(text);
    return out;
  } catch (const YAML::Exception& e) {
    std::string message = e.msg;
    // yaml-cpp's own recursion guard reports "bad file".
    if (message == "bad file") message = "nesting too deep for the YAML parser";
    conv.fail_at(e.mark, "invalid YAML: " + message);
  }
}

std::string_view strip_bom(std::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return text;
}

const char* describe_kind(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "nothing (null)";
  return "a scalar";
}

}  // namespace

Value parse_yaml(std::string_view text_in, const std::string& file_name, const ParseLimits& limits) {
  if (text_in.size() > limits.max_bytes)
    fail(Location{file_name, 0, 0}, "",
         fmt::format("file is too large: {} bytes, expected at most {} (a scenario is text of a few kilobytes)",
                     text_in.size(), limits.max_bytes));
  const std::string_view text = strip_bom(text_in);
  if (std::all_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }))
    fail(Location{file_name, 0, 0}, "", "file is empty: expected a mapping with a `model:` key");

  const std::vector<std::string> lines = split_lines(text);
  scenario_detail::remember_source(file_name, text);
  TextCheck(text, file_name, limits, lines).run();

  Converter conv(file_name, limits, lines);
  const Loaded loaded = load_first(std::string(text), conv);
  if (loaded.documents > 1) {
    // Point at the `---` that starts the second document.
    Location loc = conv.location(loaded.second);
    for (int l = std::min(loc.line, static_cast<int>(lines.size())); l >= 1; --l) {
      if (lines[static_cast<std::size_t>(l - 1)].rfind("---", 0) == 0) {
        loc = Location{file_name, l, 1};
        break;
      }
    }
    fail(loc, "", "a second YAML document (after `---`): a scenario file holds one document", conv.source(loc));
  }
  const YAML::Node& root = loaded.root;
  if (loaded.documents == 0 || root.IsNull())
    fail(Location{file_name, 0, 0}, "", "file is empty: expected a mapping with a `model:` key");
  if (!root.IsMap()) conv.fail_at(root.Mark(), fmt::format("expected a mapping at the top level, found {}", describe_kind(root)));
  conv.count(root, 1);
  Value value = conv.convert(root);
  conv.throw_if_errors();
  return value;
}

namespace {
// The bytes of the YAML file `path` (at most one past limits.max_bytes).
std::string read_yaml_file(const std::string& path, const ParseLimits& limits) {
  // An empty path has no name to print before the error: say what it is.
  if (path.empty()) fail(Location{"\"\" (an empty file name)", 0, 0}, "", "expected the path of a YAML file");
  const Location where{path, 0, 0};
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (fs::is_directory(status)) fail(where, "", "is a directory: expected a YAML file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(where, "", fmt::format("cannot open file ({})", std::strerror(errno)));
  if (fs::is_regular_file(status)) {
    const auto size = fs::file_size(path, ec);
    if (!ec && size > limits.max_bytes)
      fail(where, "",
           fmt::format("file is too large: {} bytes, expected at most {} (a scenario is text of a few kilobytes)",
                       size, limits.max_bytes));
  }
  // Read at most one byte past the limit: a pipe or a growing file is
  // refused without reading all of it.
  std::string text;
  char buffer[65536];
  while (in && text.size() <= limits.max_bytes) {
    in.read(buffer, sizeof buffer);
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) fail(where, "", fmt::format("cannot read file ({})", std::strerror(errno)));
  return text;
}
}  // namespace

Value parse_yaml_file(const std::string& path, const ParseLimits& limits) {
  return parse_yaml(read_yaml_file(path, limits), path, limits);
}

// ---------------------------------------------------------------------------
// extends, merge

namespace {

std::string canonical_name(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  return (ec ? p.lexically_normal() : c).string();
}

Value resolve(const std::string& path, std::vector<std::string>& chain, std::vector<std::string>& names,
              std::vector<std::string>* files_read, const ParseLimits& limits, std::vector<ExtendsLink>* links,
              std::string* file_sha256 = nullptr) {
  const std::string text = read_yaml_file(path, limits);
  Value doc = parse_yaml(text, path, limits);
  if (file_sha256) *file_sha256 = sha256_hex(text);
  if (files_read) files_read->push_back(chain.back());
  const Value* extends = doc.find("extends");
  if (!extends) return doc;
  const Location& at = extends->location();
  auto fail_here = [&](std::string message) {
    fail(at, "extends", std::move(message), scenario_detail::source_line(at));
  };
  if (extends->kind() != Value::Kind::String || extends->text().empty())
    fail_here(fmt::format("expected the path of a scenario file, found {}",
                          extends->is_map()    ? "a mapping"
                          : extends->is_list() ? "a list"
                          : extends->is_null() ? "nothing (null)"
                                               : quoted_text(extends->text())));
  // A file name cannot hold a NUL: the system reads the path up to it, and
  // "../tiny.yaml\0x" loaded ../tiny.yaml, what the file did not say.
  if (const std::size_t nul = extends->text().find('\0'); nul != std::string::npos)
    fail_here(fmt::format("expected the path of a scenario file, found {}, which holds a NUL character (\\0) at "
                          "byte {}: a file name cannot hold one",
                          quoted_text(extends->text()), nul + 1));
  const fs::path parent = (fs::path(path).parent_path() / extends->text()).lexically_normal();
  const std::string parent_canonical = canonical_name(parent);
  if (std::find(chain.begin(), chain.end(), parent_canonical) != chain.end()) {
    std::string cycle;
    for (const std::string& n : names) cycle += n + " -> ";
    fail_here(fmt::format("`extends` makes a cycle: {}{}", cycle, parent.string()));
  }
  if (static_cast<int>(chain.size()) >= max_extends_chain)
    fail_here(fmt::format("`extends` chain longer than {} files", max_extends_chain));
  std::error_code ec;
  if (!fs::exists(parent, ec))
    fail_here(fmt::format("cannot read {} (resolved to {}): no such file", quoted_text(extends->text()), parent.string()));
  chain.push_back(parent_canonical);
  names.push_back(parent.string());
  const ExtendsLink link{parent.string(), at};
  Value base;
  try {
    base = resolve(parent.string(), chain, names, files_read, limits, links);
  } catch (const ScenarioError& e) {
    throw with_extends_notes(e, {link});
  }
  if (links) links->push_back(link);
  doc.erase("extends");
  return merge(base, doc);
}

}  // namespace

Value resolve_extends(const std::string& path, std::vector<std::string>* files_read, const ParseLimits& limits,
                      std::vector<ExtendsLink>* links, std::string* file_sha256) {
  std::vector<std::string> chain{canonical_name(path)};
  std::vector<std::string> names{fs::path(path).lexically_normal().string()};
  return resolve(path, chain, names, files_read, limits, links, file_sha256);
}

ScenarioError with_extends_notes(const ScenarioError& error, const std::vector<ExtendsLink>& links) {
  std::vector<Diagnostic> diagnostics = error.diagnostics();
  for (Diagnostic& d : diagnostics) {
    for (const ExtendsLink& link : links) {
      if (d.location.file != link.file) continue;
      const std::string note =
          fmt::format("{} is read through `extends` from {}:{}:{}", link.file, link.named_at.file, link.named_at.line,
                      link.named_at.column);
      if (d.note.find(note) == std::string::npos) d.note += (d.note.empty() ? "" : "; ") + note;
    }
  }
  return ScenarioError(std::move(diagnostics));
}

Value merge(const Value& parent, const Value& child) {
  if (!parent.is_map() || !child.is_map()) return child;
  Value out = parent;
  out.set_location(child.location());
  ValueAccess::set_key_location(out, ValueAccess::key_location(child));
  for (const auto& [key, value] : child.entries()) {
    Value* existing = out.find(key);
    if (existing && existing->is_map() && value.is_map()) {
      *existing = merge(*existing, value);
    } else {
      out.set(key, value);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// --set path=value

namespace {

struct Segment {
  std::string key;          // a mapping key, an item's name, or digits
  std::optional<std::size_t> index;  // written as [n]
  std::size_t begin = 0;    // byte offset of the segment in the assignment
  std::size_t end = 0;      // one past its last byte
};

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The index that `digits` write, or SIZE_MAX for one past it: an index is
// no item of any list then, not a malformed one.
std::size_t index_value(std::string_view digits) {
  std::size_t v = 0;
  for (const char c : digits) {
    if (v > (SIZE_MAX - 9) / 10) return SIZE_MAX;
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  return v;
}

class Override {
 public:
  Override(std::string_view assignment, std::string label)
      : text_(assignment), file_(std::move(label)), lines_(split_lines(assignment)) {}

  // Applies the assignment; returns the path it set as the validator names
  // fields (`zones[0].x_km`, whatever way the item was chosen).
  std::string apply(Value& document) {
    scenario_detail::remember_source(file_, text_);
    const std::size_t eq = text_.find('=');
    if (eq == std::string_view::npos)
      fail_at(text_.size(), "", "expected `path=value`, found no `=`");
    std::size_t path_begin = 0, path_end = eq;
    while (path_begin < path_end && is_blank(text_[path_begin])) ++path_begin;
    while (path_end > path_begin && is_blank(text_[path_end - 1])) --path_end;
    if (path_begin == path_end) fail_at(eq, "", "expected a field path before `=`, found nothing");
    const std::vector<Segment> segments = parse_path(path_begin, path_end);
    Value value = parse_value(eq + 1);
    return assign(document, segments, std::move(value));
  }

 private:
  Location location(std::size_t byte) const {
    const std::string_view first = lines_.empty() ? std::string_view() : std::string_view(lines_[0]);
    return Location{file_, 1, column_of(first, byte)};
  }

  [[noreturn]] void fail_at(std::size_t byte, std::string path, std::string message) const {
    fail(location(byte), std::move(path), std::move(message), lines_.empty() ? std::string() : lines_[0]);
  }

  std::vector<Segment> parse_path(std::size_t begin, std::size_t end) const {
    std::vector<Segment> segments;
    std::size_t i = begin;
    const std::string_view path = text_.substr(begin, end - begin);
    while (i < end) {
      Segment seg;
      seg.begin = i;
      if (text_[i] == '[') {
        const std::size_t close = text_.find(']', i);
        if (close == std::string_view::npos || close >= end)
          fail_at(i, std::string(path), "unclosed `[`: expected a list index such as [0]");
        const std::string_view inside = text_.substr(i + 1, close - i - 1);
        // Any number of digits: a large index is an item past the end, said
        // so by assign (it was "expected a list index", of one).
        if (!all_digits(inside))
          fail_at(i + 1, std::string(text_.substr(begin, close + 1 - begin)),
                  fmt::format("expected a list index (0, 1, ...) in `[...]`, found {}", quoted_text(inside)));
        seg.index = index_value(inside);
        seg.key = std::string(inside);
        i = close + 1;
      } else {
        while (i < end && text_[i] != '.' && text_[i] != '[') ++i;
        seg.key = std::string(text_.substr(seg.begin, i - seg.begin));
        if (seg.key.empty())
          fail_at(seg.begin, std::string(path), "empty key in the path: expected a name between dots");
      }
      seg.end = i;
      segments.push_back(std::move(seg));
      if (i < end && text_[i] == '.') {
        ++i;
        if (i == end) fail_at(i, std::string(path), "empty key at the end of the path: expected a name after `.`");
        if (text_[i] == '.' || text_[i] == '[')
          fail_at(i, std::string(path), "empty key in the path: expected a name between dots");
      } else if (i < end && text_[i] != '[') {
        fail_at(i, std::string(path), "expected `.` or `[` after `]`");
      }
    }
    return segments;
  }

  // The value: a YAML scalar or flow collection, located in the assignment.
  Value parse_value(std::size_t begin) const {
    const std::string_view raw = text_.substr(begin);
    ParseLimits limits;
    if (raw.size() > limits.max_bytes) fail_at(begin, "", "value too large");
    std::size_t first = 0;
    while (first < raw.size() && is_blank(raw[first])) ++first;
    if (first == raw.size()) return Value::null(location(begin));
    // The checks of parse_yaml, on the value as if the path before it were
    // spaces: columns stay those of the assignment.
    std::vector<std::string> masked = lines_;
    if (!masked.empty()) masked[0].replace(0, std::min(begin, masked[0].size()), std::min(begin, masked[0].size()), ' ');
    TextCheck(text_, file_, limits, lines_).run(masked);
    Converter conv(file_, limits, lines_, begin);
    const Loaded loaded = load_first(std::string(raw), conv);
    if (loaded.documents == 0) return Value::null(location(begin + first));  // a comment
    if (loaded.documents > 1) fail_at(begin, "", "expected one value after `=`, found several YAML documents");
    const YAML::Node& node = loaded.root;
    if ((node.IsMap() || node.IsSequence()) && raw[first] != '[' && raw[first] != '{')
      fail_at(begin + first, "", "expected a scalar or a flow collection ([...] or {...}) after `=`");
    conv.count(node, 1);
    Value v = conv.convert(node);
    conv.throw_if_errors();
    if (v.is_null() && !v.location().known()) v.set_location(location(begin + first));
    return v;
  }

  static const char* kind_phrase(const Value& v) {
    if (v.is_map()) return "a mapping";
    if (v.is_list()) return "a list";
    if (v.is_null()) return "null";
    return "a scalar";
  }

  static std::string where(const Value& v) {
    const Location& l = v.location();
    return l.known() ? fmt::format(", at {}:{}:{}", l.file, l.line, l.column) : std::string();
  }

  std::string assign(Value& document, const std::vector<Segment>& segments, Value value) const {
    if (document.is_null()) document = Value::map(document.location());
    if (!document.is_map()) fail_at(segments[0].begin, "", "the scenario is not a mapping: cannot set a field in it");
    Value* current = &document;
    std::string canonical;
    for (std::size_t k = 0; k < segments.size(); ++k) {
      const Segment& seg = segments[k];
      const bool last = k + 1 == segments.size();
      const std::string path(text_.substr(segments[0].begin, seg.end - segments[0].begin));
      const std::string parent(k == 0 ? std::string_view() : text_.substr(segments[0].begin, segments[k - 1].end - segments[0].begin));
      if (current->is_map()) {
        if (seg.index)
          fail_at(seg.begin, path,
                  fmt::format("`{}` is a mapping: expected a key after it, found the index [{}]", parent, seg.key));
        const Location key_loc = location(seg.begin);
        canonical += (canonical.empty() ? "" : ".") + seg.key;
        if (last) {
          ValueAccess::set_key_location(value, key_loc);
          current->set(seg.key, std::move(value));
          return canonical;
        }
        Value* child = current->find(seg.key);
        if ((!child || child->is_null()) && segments[k + 1].index)  // an absent list: no item to change
          fail_at(segments[k + 1].begin, std::string(text_.substr(segments[0].begin, segments[k + 1].end - segments[0].begin)),
                  fmt::format("`{}` is not set: it has no item [{}] to change (set the whole list: `{}=[...]`)", path,
                              segments[k + 1].key, path));
        if (!child || child->is_null()) {
          Value fresh = Value::map(child ? child->location() : key_loc);
          ValueAccess::set_key_location(fresh, key_loc);
          current->set(seg.key, std::move(fresh));
          child = current->find(seg.key);
        } else if (!child->is_map() && !child->is_list()) {
          fail_at(segments[k + 1].begin, path,
                  fmt::format("`{}` is a scalar ({}{}): it has no field `{}`", path, quoted_text(child->text()),
                              where(*child), segments[k + 1].key));
        }
        current = child;
      } else if (current->is_list()) {
        std::vector<Value>& items = current->items();
        std::size_t at = items.size();
        const auto count = [&items] { return fmt::format("{} item{}", items.size(), items.size() == 1 ? "" : "s"); };
        if (seg.index) {
          if (*seg.index >= items.size())
            fail_at(seg.begin, path, fmt::format("no item {} in `{}`: it has {}", seg.key, parent, count()));
          at = *seg.index;
        } else {
          // A name first, digits as an index only where no item has that
          // name: `zones.1` read as the index 1 chose the zone named "0"
          // over the zone named "1", and a zone named "80000" could not be
          // chosen. `zones[1]` is always the index.
          std::vector<std::string> names;
          for (std::size_t i = 0; i < items.size(); ++i) {
            const Value* name = items[i].find("name");
            if (!name || !name->is_scalar()) continue;
            if (name->text() == seg.key && at == items.size()) at = i;
            names.push_back(name->text());
          }
          if (at == items.size() && all_digits(seg.key)) {
            if (index_value(seg.key) >= items.size())
              fail_at(seg.begin, path,
                      fmt::format("no item {} in `{}`: it has {}, and none is named `{}`", seg.key, parent, count(),
                                  seg.key));
            at = index_value(seg.key);
          }
          if (at == items.size()) {
            std::string known;
            for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
            fail_at(seg.begin, path,
                    names.empty() ? fmt::format("no item named `{}` in `{}`: its items have no `name`", seg.key, parent)
                                  : fmt::format("no item named `{}` in `{}`: expected an index or one of {}", seg.key,
                                                parent, known));
          }
        }
        canonical += fmt::format("[{}]", at);
        if (last) {
          items[at] = std::move(value);
          return canonical;
        }
        current = &items[at];
        if (!current->is_map() && !current->is_list())
          fail_at(segments[k + 1].begin, path,
                  fmt::format("`{}` is {}{}: it has no field `{}`", path, kind_phrase(*current), where(*current),
                              segments[k + 1].key));
      } else {
        fail_at(seg.begin, path, fmt::format("`{}` is a scalar: it has no field `{}`", parent, seg.key));
      }
    }
    return canonical;  // not reached: the last segment returns
  }

  std::string_view text_;
  std::string file_;
  std::vector<std::string> lines_;
};

}  // namespace

std::string apply_override(Value& document, std::string_view assignment, const std::string& label) {
  return Override(assignment, label).apply(document);
}

void apply_override(Value& document, std::string_view assignment, int index) {
  apply_override(document, assignment, fmt::format("--set #{}", index));
}

}  // namespace terrasim::sim
