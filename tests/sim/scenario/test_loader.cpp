// The YAML loader: scalars and locations, every refusal with its message and
// location, `extends:` chains, merges and `--set` overrides; and the format
// of ScenarioError reports.
#include "sim/scenario/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>

#include "sim/util/sha256.h"
#include "test_record.h"

namespace terrasim::sim {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::data_path;
namespace fs = std::filesystem;

using testing::diagnostics_of;
using testing::error_text;

Value parse(std::string_view text, ParseLimits limits = {}) { return parse_yaml(text, "t.yaml", limits); }
std::string parse_error(std::string_view text, ParseLimits limits = {}) {
  return error_text([&] { parse(text, limits); });
}
std::string file_error(const std::string& name) {
  return error_text([&] { resolve_extends(data_path(name)); });
}

// A fresh folder under the system's temporary folder, removed at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = fs::temp_directory_path() / fmt::format("terrasim_{}_{}_{}", info->name(), ::getpid(), info->line());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
};

// ---------------------------------------------------------------------------
// Scalars, structure, locations

TEST(ParseYaml, ScalarsListsAndMappings) {
  const Value doc = parse(
      "model: dock\n"
      "workers: 12\n"
      "title: \"12\"\n"
      "empty:\n"
      "tilde: ~\n"
      "n1: null\n"
      "n2: Null\n"
      "n3: NULL\n"
      "quoted_null: 'null'\n"
      "list: [1, two, 'three']\n"
      "nested:\n"
      "  a: {b: c}\n"
      "block: |\n"
      "  line one\n"
      "  line two\n");
  ASSERT_TRUE(doc.is_map());
  EXPECT_EQ(doc.entries()[0].first, "model");
  EXPECT_EQ(doc["workers"].kind(), Value::Kind::String);  // typed only by validation
  EXPECT_EQ(doc["workers"].text(), "12");
  EXPECT_EQ(doc["title"].as_string(), "12");
  for (const char* key : {"empty", "tilde", "n1", "n2", "n3"}) EXPECT_TRUE(doc[key].is_null()) << key;
  EXPECT_EQ(doc["quoted_null"].kind(), Value::Kind::String);
  EXPECT_EQ(doc["quoted_null"].text(), "null");
  ASSERT_EQ(doc["list"].size(), 3u);
  EXPECT_EQ(doc["list"].items()[1].text(), "two");
  EXPECT_EQ(doc["nested"]["a"]["b"].text(), "c");
  EXPECT_EQ(doc["block"].text(), "line one\nline two\n");
}

TEST(ParseYaml, LocationsAreOneBasedInCharacters) {
  const Value doc = parse("model: dock\nworkers: 12\nempty:\na: [é, é, 3]\n");
  EXPECT_EQ(doc.location().line, 1);
  EXPECT_EQ(doc.location().column, 1);
  EXPECT_EQ(doc["workers"].location().file, "t.yaml");
  EXPECT_EQ(doc["workers"].location().line, 2);
  EXPECT_EQ(doc["workers"].location().column, 10);
  // An empty value is located at its key, not on the next line.
  EXPECT_EQ(doc["empty"].location().line, 3);
  EXPECT_EQ(doc["empty"].location().column, 1);
  EXPECT_EQ(doc["a"].items()[2].location().line, 4);
  EXPECT_EQ(doc["a"].items()[2].location().column, 11);  // bytes: 13
  EXPECT_THAT(parse_error("title: é\x07\n"), StartsWith("t.yaml:1:9: error: binary data (control character 0x07)"));
}

TEST(ParseYaml, ByteOrderMarkAndCrlf) {
  const Value doc = parse("\xEF\xBB\xBFmodel: dock\r\nworkers: 3\r\n");
  EXPECT_EQ(doc["model"].text(), "dock");
  EXPECT_EQ(doc["model"].location().column, 8);
  EXPECT_EQ(doc["workers"].text(), "3");
  EXPECT_EQ(doc["workers"].location().line, 2);
  const auto d = diagnostics_of([] { parse("a: 1\r\nb: [1,\r\n"); });
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].source_line.find('\r'), std::string::npos);
}

TEST(ParseYaml, AliasesAreExpanded) {
  const Value doc = resolve_extends(data_path("aliases_ok.yaml"));
  EXPECT_EQ(doc["copy"]["name"].text(), "Centre");
  EXPECT_TRUE(doc["copy"] == doc["shared"]);
  EXPECT_EQ(doc["copy"].location().line, 2);  // where the anchored node was written
}

// ---------------------------------------------------------------------------
// Refusals before yaml-cpp

TEST(ParseYaml, RefusesEmptyText) {
  const std::string message = "t.yaml: error: file is empty: expected a mapping with a `model:` key";
  EXPECT_EQ(parse_error(""), message);
  EXPECT_EQ(parse_error("  \n\t\n\r\n"), message);
  EXPECT_EQ(parse_error("# only a comment\n"), message);
  EXPECT_EQ(parse_error("---\n"), message);
  EXPECT_THAT(file_error("empty.yaml"), HasSubstr("empty.yaml: error: file is empty"));
  EXPECT_THAT(file_error("comments_only.yaml"), HasSubstr("comments_only.yaml: error: file is empty"));
}

TEST(ParseYaml, RefusesTooManyBytes) {
  ParseLimits limits;
  limits.max_bytes = 16;
  EXPECT_EQ(parse_error("model: dock\na: 12\n", limits),
            "t.yaml: error: file is too large: 18 bytes, expected at most 16 (a scenario is text of a few kilobytes)");
  EXPECT_EQ(parse("model: dock\na: 1", limits)["a"].text(), "1");
  EXPECT_THAT(error_text([&] { parse_yaml_file(data_path("good.yaml"), limits); }),
              HasSubstr("good.yaml: error: file is too large: "));
}

TEST(ParseYaml, RefusesBinaryData) {
  EXPECT_THAT(file_error("binary.bin"), StartsWith(data_path("binary.bin") +
                                                   ":2:12: error: binary data (a NUL byte): expected YAML text"));
  EXPECT_THAT(file_error("bad_utf8.yaml"),
              StartsWith(data_path("bad_utf8.yaml") + ":2:13: error: binary data (invalid UTF-8 byte 0xe9)"));
  EXPECT_THAT(parse_error(std::string("a: 1\nb: \0\n", 10)), StartsWith("t.yaml:2:4: error: binary data (a NUL byte)"));
  EXPECT_THAT(parse_error("a: \xc0\xaf\n"), StartsWith("t.yaml:1:4: error: binary data (invalid UTF-8 byte 0xc0)"));
  EXPECT_THAT(parse_error("a: \xed\xa0\x80\n"), StartsWith("t.yaml:1:4: error: binary data (invalid UTF-8 byte 0xed)"));
  EXPECT_THAT(parse_error("a: \xf4\x90\x80\x80\n"), StartsWith("t.yaml:1:4: error: binary data (invalid UTF-8"));
  EXPECT_THAT(parse_error("a: \xe0\x80\x80\n"), StartsWith("t.yaml:1:4: error: binary data (invalid UTF-8"));
  EXPECT_THAT(parse_error("a: ok \xe2\x82"), StartsWith("t.yaml:1:7: error: binary data (invalid UTF-8 byte 0xe2)"));
  EXPECT_THAT(parse_error("a: \x7f\n"), StartsWith("t.yaml:1:4: error: binary data (control character 0x7f)"));
  // UTF-16 and UTF-32 are said to be what they are, with or without a byte-order mark ("invalid UTF-8
  // byte 0xff" before, or "a NUL byte").
  using namespace std::string_literals;
  EXPECT_EQ(parse_error("\xFF\xFEm\0o\0"s), "t.yaml:1:1: error: the text is UTF-16 (little-endian): expected UTF-8 "
                                             "(convert it: iconv -f UTF-16 -t UTF-8)");
  EXPECT_THAT(parse_error("\xFE\xFF\0m\0o"s), HasSubstr("the text is UTF-16 (big-endian)"));
  // Without a byte-order mark, iconv must be told the byte order (UTF-16 would read big-endian as mojibake).
  EXPECT_THAT(parse_error("m\0o\0d\0"s), HasSubstr("the text is UTF-16 (little-endian): expected UTF-8 (convert it: "
                                                     "iconv -f UTF-16LE -t UTF-8)"));
  EXPECT_THAT(parse_error("\0m\0o\0d"s), HasSubstr("the text is UTF-16 (big-endian): expected UTF-8 (convert it: "
                                                     "iconv -f UTF-16BE -t UTF-8)"));
  EXPECT_THAT(parse_error("\xFF\xFE\0\0m\0\0\0"s), HasSubstr("the text is UTF-32 (little-endian): expected UTF-8 "
                                                            "(convert it: iconv -f UTF-32 -t UTF-8)"));
  EXPECT_THAT(parse_error("\0\0\0m\0\0\0o"s), HasSubstr("the text is UTF-32 (big-endian): expected UTF-8 (convert it: "
                                                            "iconv -f UTF-32BE -t UTF-8)"));
  EXPECT_THAT(parse_error("m\0\0\0o\0\0\0"s), HasSubstr("the text is UTF-32 (little-endian)"));
  // Binary data is not echoed back as an excerpt.
  EXPECT_EQ(diagnostics_of([] { parse("a: \x01"); })[0].source_line, "");
  // Valid multi-byte text passes.
  EXPECT_EQ(parse("a: \xe2\x82\xac \xf0\x9f\x98\x80 é\n")["a"].text(), "\xe2\x82\xac \xf0\x9f\x98\x80 é");
}

TEST(ParseYaml, RefusesDeepFlowNestingBeforeParsing) {
  const std::string deep = "a: " + std::string(10000, '[') + std::string(10000, ']');
  EXPECT_THAT(parse_error(deep),
              StartsWith("t.yaml:1:68: error: more than 64 levels of nesting (`[` and `{`): a scenario never "
                         "needs that many"));
  EXPECT_THAT(parse_error("a: " + std::string(100000, '{')), StartsWith("t.yaml:1:68: error: more than 64 levels"));
  // 63 levels under the top mapping is the most a document holds.
  EXPECT_NO_THROW(parse("a: " + std::string(63, '[') + std::string(63, ']')));
  EXPECT_THAT(parse_error("a: " + std::string(64, '[') + std::string(64, ']')),
              StartsWith("t.yaml:1:67: error: nesting deeper than 64 levels"));
  ParseLimits limits;
  limits.max_depth = 3;
  EXPECT_THAT(parse_error("a: [[[[1]]]]", limits), StartsWith("t.yaml:1:7: error: more than 3 levels of nesting"));
  // Brackets in quoted strings, comments, plain scalars and block scalars do not count.
  const std::string many(200, '[');
  EXPECT_NO_THROW(parse("a: '" + many + "'\n# " + many + "\nb: \"" + many + "\\\"\"\nc: x" + many + "\nd: |\n  " +
                        many + "\n  'x\ne: [it's, {k: v}]\n"));
}

TEST(ParseYaml, RefusesDeepBlockNesting) {
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += std::string(static_cast<std::size_t>(i), ' ') + "k:\n";
  EXPECT_THAT(parse_error(deep), StartsWith("t.yaml:65:65: error: nesting deeper than 64 levels"));
  std::string dashes = "a:\n";
  for (int i = 0; i < 100; ++i) dashes += "- ";
  EXPECT_THAT(parse_error(dashes + "x\n"), StartsWith("t.yaml:2:129: error: nesting deeper than 64 levels"));
}

TEST(ParseYaml, RefusesDeepIndentation) {
  EXPECT_THAT(parse_error("a:\n" + std::string(1100, ' ') + "b: 1\n"),
              StartsWith("t.yaml:2:1101: error: indentation of 1100 columns: expected at most 1024"));
}

TEST(ParseYaml, RefusesTabsInIndentation) {
  EXPECT_THAT(file_error("tabs.yaml"),
              StartsWith(data_path("tabs.yaml") +
                         ":3:1: error: tab character in indentation: YAML indents with spaces\n"
                         "    3 | \tapplications: 3\n"
                         "      | ^"));
  EXPECT_THAT(parse_error("a:\n  \tb: 1\n"), StartsWith("t.yaml:2:3: error: tab character in indentation"));
  // Tabs elsewhere are text.
  EXPECT_EQ(parse("a: |\n  x\ty\nb: 'p\tq'\n")["a"].text(), "x\ty\n");
}

TEST(ParseYaml, RefusesAQuoteNeverClosed) {
  // yaml-cpp 0.7 ends the string at the end of the text: the lines after
  // the quote, keys and all, would become its text, and their settings lost.
  EXPECT_EQ(parse_error("title: 'Docking\nseed: 7\n"),
            "t.yaml:1:8: error: quoted string never closed: expected a closing `'` before the end of the text\n"
            "    1 | title: 'Docking\n"
            "      |        ^");
  EXPECT_THAT(parse_error("a: 1\nb: [x, \"y\n"),
              StartsWith("t.yaml:2:8: error: quoted string never closed: expected a closing `\"`"));
  // Closed on a later line, or quotes inside other text: strings.
  EXPECT_EQ(parse("a: 'x\n  y'\nb: 2\n")["a"].text(), "x y");
  EXPECT_EQ(parse("a: it's\nb: \"p''q\\\"\"\n")["b"].text(), "p''q\"");
  EXPECT_EQ(parse("a: 'it''s'\n# don't\nb: |\n  'open\n")["b"].text(), "'open\n");
}

TEST(ParseYaml, RefusesMergeKeysWithOneClearError) {
  // yaml-cpp keeps `<<` as an ordinary key: the merged fields went missing,
  // each reported as missing, and `<<` as an unknown field.
  EXPECT_EQ(parse_error("base: &b {x: 1, y: 2}\nzone:\n  <<: *b\n  y: 3\n"),
            "t.yaml:3:3: error: YAML merge keys (`<<: *anchor`) are not supported: write the fields out, or put "
            "the shared ones in a file that this one `extends:`\n"
            "    3 |   <<: *b\n"
            "      |   ^");
  EXPECT_EQ(parse("a: {'<<': x}\n")["a"]["<<"].text(), "x");  // quoted: a key like any other
}

TEST(ParseYaml, RefusesAliasBombsQuickly) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(file_error("alias_bomb.yaml"),
              StartsWith(data_path("alias_bomb.yaml") +
                         ":2:29: error: too many nodes after expanding aliases (limit 1000000)"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  ParseLimits limits;
  limits.max_nodes = 10;
  EXPECT_THAT(error_text([&] { parse_yaml_file(data_path("aliases_ok.yaml"), limits); }),
              HasSubstr("too many nodes after expanding aliases (limit 10)"));
}

TEST(ParseYaml, RefusesAnAliasInsideItsOwnAnchor) {
  EXPECT_THAT(file_error("alias_cycle.yaml"),
              StartsWith(data_path("alias_cycle.yaml") + ":2:7: error: nesting deeper than 64 levels"));
  EXPECT_THAT(parse_error("a: &x {b: *x}\n"), HasSubstr("nesting deeper than 64 levels"));
}

// ---------------------------------------------------------------------------
// Refusals during and after yaml-cpp

TEST(ParseYaml, RefusesDuplicateKeys) {
  EXPECT_THAT(file_error("duplicate_key.yaml"),
              StartsWith(data_path("duplicate_key.yaml") +
                         ":5:1: error: duplicate key `workers` (first written at line 2)\n"
                         "    5 | workers: 200\n"
                         "      | ^"));
  EXPECT_THAT(parse_error("a:\n  b: 1\n  b: 2\n"), StartsWith("t.yaml:3:3: error: duplicate key `b`"));
  EXPECT_THAT(parse_error("a: {x: 1, x: 2}\n"), StartsWith("t.yaml:1:11: error: duplicate key `x`"));
  // Every duplicate is reported at once.
  EXPECT_EQ(diagnostics_of([] { parse("a: 1\na: 2\nb: 1\nb: 2\n"); }).size(), 2u);
}

TEST(ParseYaml, RefusesNonScalarKeys) {
  EXPECT_THAT(file_error("complex_key.yaml"),
              StartsWith(data_path("complex_key.yaml") + ":2:3: error: expected a key name, found a list"));
  EXPECT_THAT(parse_error("? {a: 1}\n: 2\n"), StartsWith("t.yaml:1:3: error: expected a key name, found a mapping"));
  EXPECT_THAT(parse_error("~: 1\n"), StartsWith("t.yaml:1:1: error: expected a key name, found nothing (null)"));
}

TEST(ParseYaml, RefusesTags) {
  EXPECT_THAT(file_error("tag.yaml"),
              StartsWith(data_path("tag.yaml") + ":2:10: error: unsupported tag `tag:yaml.org,2002:int`: a scenario "
                                                 "holds plain values (quote a string instead)"));
  EXPECT_THAT(parse_error("a: !custom x\n"), HasSubstr("unsupported tag `!custom`"));
  EXPECT_EQ(parse("a: !!str 12\n")["a"].text(), "12");
}

TEST(ParseYaml, RefusesMoreThanOneDocument) {
  EXPECT_THAT(file_error("two_documents.yaml"),
              StartsWith(data_path("two_documents.yaml") +
                         ":2:1: error: a second YAML document (after `---`): a scenario file holds one document"));
  EXPECT_THAT(parse_error("---\na: 1\n---\nb: 2\n"), StartsWith("t.yaml:3:1: error: a second YAML document"));
  EXPECT_THAT(parse_error("a: 1\n---\n"), StartsWith("t.yaml:2:1: error: a second YAML document"));
  EXPECT_EQ(parse("---\na: 1\n...\n")["a"].text(), "1");
}

TEST(ParseYaml, ReportsSyntaxErrorsWhereYamlCppFindsThem) {
  EXPECT_THAT(file_error("syntax_error.yaml"),
              StartsWith(data_path("syntax_error.yaml") + ":3:8: error: invalid YAML: end of map flow not found"));
  EXPECT_THAT(parse_error("a: *nowhere\n"), StartsWith("t.yaml:1:4: error: invalid YAML: "));
  EXPECT_THAT(parse_error("a: b: c\n"), StartsWith("t.yaml:1:5: error: invalid YAML: "));
}

// Found by the fuzzer: yaml-cpp 0.7's LoadAll never returns on a stray `,`.
TEST(ParseYaml, RefusesAStrayCommaWithoutLooping) {
  EXPECT_THAT(file_error("fuzz_stray_comma.yaml"),
              StartsWith(data_path("fuzz_stray_comma.yaml") +
                         ":1:1: error: invalid YAML: unexpected `,` outside a flow collection ([...] or {...})"));
  EXPECT_THAT(parse_error(","), StartsWith("t.yaml:1:1: error: invalid YAML: unexpected `,`"));
  EXPECT_THAT(parse_error("- a\n,"), StartsWith("t.yaml:2:1: error: invalid YAML: unexpected `,`"));
  EXPECT_THAT(parse_error("a: 1\n...\n, b"), StartsWith("t.yaml:3:1: error: invalid YAML: unexpected `,`"));
  Value doc = Value::map();
  EXPECT_THAT(error_text([&] { apply_override(doc, "a=,", 1); }),
              StartsWith("--set #1:1:3: error: invalid YAML: unexpected `,`"));
  apply_override(doc, "a= # a comment", 1);
  EXPECT_TRUE(doc["a"].is_null());
}

TEST(ParseYaml, RefusesAnythingButAMappingAtTheTop) {
  EXPECT_THAT(file_error("top_list.yaml"),
              StartsWith(data_path("top_list.yaml") + ":1:1: error: expected a mapping at the top level, found a list"));
  EXPECT_THAT(file_error("top_scalar.yaml"),
              StartsWith(data_path("top_scalar.yaml") + ":1:1: error: expected a mapping at the top level, found a scalar"));
}

TEST(ParseYamlFile, RefusesWhatIsNotAReadableFile) {
  const std::string missing = data_path("no_such_file.yaml");
  EXPECT_EQ(error_text([&] { parse_yaml_file(missing); }),
            missing + ": error: cannot open file (No such file or directory)");
  const std::string dir = data_path("sub");
  EXPECT_EQ(error_text([&] { parse_yaml_file(dir); }), dir + ": error: is a directory: expected a YAML file");
  EXPECT_THAT(error_text([&] { resolve_extends(missing); }), HasSubstr("cannot open file"));
  // No name to print: the message says what was given.
  EXPECT_EQ(error_text([&] { parse_yaml_file(""); }), "\"\" (an empty file name): error: expected the path of a YAML file");
}

// ---------------------------------------------------------------------------
// The report

// Built member by member: GCC 12 warns (wrongly) about aggregate
// initialisation of strings nested in Diagnostic at -O2.
Diagnostic diag(std::string file, int line, int column, std::string path, std::string message, std::string source) {
  Diagnostic d;
  d.location.file = std::move(file);
  d.location.line = line;
  d.location.column = column;
  d.path = std::move(path);
  d.message = std::move(message);
  d.source_line = std::move(source);
  return d;
}

TEST(ScenarioErrorFormat, LocatedWithExcerptAndCaret) {
  const Diagnostic d = diag("scenarios/dock/bad.yaml", 12, 5, "dock.separaton_rate",
                            "unknown field; did you mean `separation_rate`?", "    separaton_rate: 0.02");
  EXPECT_EQ(ScenarioError::format(d),
            "scenarios/dock/bad.yaml:12:5: error: dock.separaton_rate: unknown field; did you mean "
            "`separation_rate`?\n"
            "   12 |     separaton_rate: 0.02\n"
            "      |     ^");
}

TEST(ScenarioErrorFormat, Variants) {
  EXPECT_EQ(ScenarioError::format(diag("f.yaml", 0, 0, "a.b", "m", "ignored")), "f.yaml: error: a.b: m");
  EXPECT_EQ(ScenarioError::format(diag("f.yaml", 3, 2, "", "m", "")), "f.yaml:3:2: error: m");
  EXPECT_EQ(ScenarioError::format(diag("f.yaml", 3, 2, "", "m", "xyz")),
            "f.yaml:3:2: error: m\n    3 | xyz\n      |  ^");
  EXPECT_EQ(ScenarioError::format(diag("", 0, 0, "p", "m", "")), "error: p: m");
  EXPECT_EQ(ScenarioError::format(diag("f.yaml", 123456, 1, "", "m", "x")),
            "f.yaml:123456:1: error: m\n123456 | x\n      | ^");
  // Columns count characters; tabs in the line stay tabs under it.
  EXPECT_EQ(ScenarioError::format(diag("f", 1, 6, "", "m", "a: é b")), "f:1:6: error: m\n    1 | a: é b\n      |      ^");
  EXPECT_EQ(ScenarioError::format(diag("f", 1, 3, "", "m", "\tx: 1")), "f:1:3: error: m\n    1 | \tx: 1\n      | \t ^");
  // A column past the end of the line.
  EXPECT_EQ(ScenarioError::format(diag("f", 1, 4, "", "m", "ab")), "f:1:4: error: m\n    1 | ab\n      |    ^");
}

TEST(ScenarioErrorFormat, LongLinesAreCutAroundTheColumn) {
  std::string line(400, 'x');
  line[249] = 'Y';
  const std::string text = ScenarioError::format(diag("f", 1, 250, "", "m", line));
  const auto first_break = text.find('\n');
  const auto second_break = text.find('\n', first_break + 1);
  const std::string excerpt = text.substr(first_break + 1, second_break - first_break - 1);
  const std::string caret = text.substr(second_break + 1);
  EXPECT_LT(excerpt.size(), 140u);
  EXPECT_THAT(excerpt, StartsWith("    1 | ..."));
  EXPECT_EQ(excerpt.substr(excerpt.size() - 3), "...");
  ASSERT_EQ(caret.back(), '^');
  EXPECT_EQ(excerpt[caret.size() - 1], 'Y');
}

TEST(ScenarioErrorFormat, WhatJoinsEveryDiagnostic) {
  const Diagnostic a = diag("f", 1, 1, "x", "first", "x: 1");
  const Diagnostic b = diag("f", 2, 0, "", "second", "");
  const ScenarioError e({a, b});
  EXPECT_EQ(std::string(e.what()), ScenarioError::format(a) + "\n" + ScenarioError::format(b));
  EXPECT_EQ(e.diagnostics().size(), 2u);
}

// ---------------------------------------------------------------------------
// extends

TEST(ResolveExtends, MergesTheChainAndListsTheFiles) {
  std::vector<std::string> files;
  const Value doc = resolve_extends(data_path("sub/grandchild.yaml"), &files);
  EXPECT_FALSE(doc.contains("extends"));
  EXPECT_EQ(doc["workers"].text(), "500");
  EXPECT_EQ(doc["title"].text(), "Child scenario");
  EXPECT_EQ(doc["separation_rate"].text(), "0.05");
  EXPECT_EQ(doc["dock"]["applications"].text(), "4");       // from good.yaml
  EXPECT_EQ(doc["dock"]["separation_rate"].text(), "0.03");  // from child.yaml
  ASSERT_EQ(doc["zones"].size(), 1u);                         // lists replaced whole
  EXPECT_EQ(doc["zones"].items()[0]["name"].text(), "Nord");
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0], fs::canonical(data_path("sub/grandchild.yaml")).string());
  EXPECT_EQ(files[1], fs::canonical(data_path("child.yaml")).string());
  EXPECT_EQ(files[2], fs::canonical(data_path("good.yaml")).string());
  // Every value remembers its own file.
  EXPECT_THAT(doc["workers"].location().file, HasSubstr("grandchild.yaml"));
  EXPECT_THAT(doc["title"].location().file, HasSubstr("child.yaml"));
  EXPECT_THAT(doc["start"].location().file, HasSubstr("good.yaml"));
  // And validates.
  const Value config = validate(doc, testing::test_record());
  EXPECT_EQ(config["workers"].as_int(), 500);
  EXPECT_EQ(config["home"].as_string(), "Nord");
}

TEST(ResolveExtends, ListsWhereEachFileWasNamedAndNotesItOnLaterErrors) {
  std::vector<ExtendsLink> links;
  const Value doc = resolve_extends(data_path("sub/grandchild.yaml"), nullptr, {}, &links);
  ASSERT_EQ(links.size(), 2u);  // innermost first
  EXPECT_EQ(links[0].file, data_path("good.yaml"));
  EXPECT_EQ(links[0].named_at.file, data_path("child.yaml"));
  EXPECT_EQ(links[1].file, data_path("child.yaml"));
  EXPECT_EQ(links[1].named_at.file, data_path("sub/grandchild.yaml"));
  EXPECT_EQ(links[1].named_at.line, 2);
  // A value from good.yaml found wrong after the merge (by the validator).
  const ScenarioError error({Diagnostic{doc["start"].location(), "start", "wrong", "", ""},
                             Diagnostic{doc["workers"].location(), "workers", "wrong", "", ""}});
  const ScenarioError noted = with_extends_notes(error, links);
  EXPECT_EQ(noted.diagnostics()[0].note,
            data_path("good.yaml") + " is read through `extends` from " + data_path("child.yaml") + ":" +
                std::to_string(links[0].named_at.line) + ":" + std::to_string(links[0].named_at.column));
  EXPECT_EQ(noted.diagnostics()[1].note, "");  // in the top file, as written
  EXPECT_THAT(noted.what(), HasSubstr("\n  note: " + data_path("good.yaml") + " is read through"));
}

TEST(ResolveExtends, RefusesCycles) {
  const std::string text = file_error("cycle_a.yaml");
  EXPECT_THAT(text, StartsWith(data_path("cycle_b.yaml") + ":1:10: error: extends: `extends` makes a cycle: "));
  EXPECT_THAT(text, HasSubstr("cycle_a.yaml -> " + data_path("cycle_b.yaml") + " -> " + data_path("cycle_a.yaml")));
  EXPECT_THAT(text, HasSubstr("    1 | extends: cycle_a.yaml\n      |          ^"));
}

TEST(ResolveExtends, RefusesBadTargets) {
  EXPECT_THAT(file_error("extends_missing.yaml"),
              StartsWith(data_path("extends_missing.yaml") +
                         ":2:10: error: extends: cannot read \"nowhere.yaml\" (resolved to " + data_path("nowhere.yaml") +
                         "): no such file"));
  EXPECT_THAT(file_error("extends_list.yaml"),
              StartsWith(data_path("extends_list.yaml") +
                         ":2:10: error: extends: expected the path of a scenario file, found a list"));
  // An error in the parent names the parent, and the file that extends it.
  EXPECT_THAT(file_error("extends_bad_parent.yaml"),
              StartsWith(data_path("duplicate_key.yaml") + ":5:1: error: duplicate key `workers`"));
  EXPECT_THAT(file_error("extends_bad_parent.yaml"),
              HasSubstr("\n  note: " + data_path("duplicate_key.yaml") + " is read through `extends` from " +
                        data_path("extends_bad_parent.yaml") + ":1:10"));
  TempDir dir;
  const std::string empty = dir.write("empty_extends.yaml", "extends:\n");
  EXPECT_THAT(error_text([&] { resolve_extends(empty); }),
              HasSubstr(":1:1: error: extends: expected the path of a scenario file, found nothing (null)"));
  const std::string number = dir.write("map_extends.yaml", "extends: {a: 1}\n");
  EXPECT_THAT(error_text([&] { resolve_extends(number); }), HasSubstr("found a mapping"));
}

TEST(ResolveExtends, RefusesAPathThatHoldsANul) {
  // The path was cut at the NUL by the system: "../tiny.yaml\0x" loaded
  // ../tiny.yaml, silently.
  TempDir dir;
  dir.write("parent.yaml", "model: dock\n");
  const std::string child = dir.write("child.yaml", "extends: \"parent.yaml\\0x\"\n");
  EXPECT_THAT(error_text([&] { resolve_extends(child); }),
              StartsWith(child + ":1:10: error: extends: expected the path of a scenario file, found "
                                 "\"parent.yaml\\u0000x\", which holds a NUL character (\\0) at byte 12: a file name "
                                 "cannot hold one"));
}

TEST(ResolveExtends, HashesTheBytesItParsed) {
  // load_scenario hashed the file by reading it a second time: of a pipe
  // (/dev/stdin) that was nothing, the SHA-256 of no bytes (e3b0c442...).
  TempDir dir;
  const std::string text = "model: dock\n";
  const std::string fifo = (dir.path / "pipe.yaml").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] { std::ofstream(fifo, std::ios::binary) << text; });
  std::string sha;
  const Value doc = resolve_extends(fifo, nullptr, {}, nullptr, &sha);
  writer.join();
  EXPECT_EQ(doc["model"].text(), "dock");
  EXPECT_EQ(sha, sha256_hex(text));
}

TEST(ResolveExtends, RefusesChainsLongerThanSixteenFiles) {
  TempDir dir;
  auto chain = [&](int n) {
    for (int i = 0; i < n; ++i) {
      const std::string text = i + 1 < n ? fmt::format("extends: f{}.yaml\nlevel{}: {}\n", i + 1, i, i)
                                         : fmt::format("level{}: {}\n", i, i);
      dir.write(fmt::format("f{}.yaml", i), text);
    }
    return (dir.path / "f0.yaml").string();
  };
  std::vector<std::string> files;
  const Value sixteen = resolve_extends(chain(16), &files);
  EXPECT_EQ(files.size(), 16u);
  EXPECT_EQ(sixteen.size(), 16u);
  EXPECT_THAT(error_text([&] { resolve_extends(chain(17)); }),
              HasSubstr("f15.yaml:1:10: error: extends: `extends` chain longer than 16 files"));
}

// ---------------------------------------------------------------------------
// merge

TEST(Merge, MappingsKeyByKeyEverythingElseWhole) {
  const Value parent = parse("a: 1\nb: {c: 1, d: 2}\nl: [1, 2]\nm: {x: 1}\ns: text\n");
  const Value child = parse("b: {d: 3, e: 4}\nl: [9]\nf: ~\nm: 5\ns: {y: 2}\n");
  const Value merged = merge(parent, child);
  EXPECT_TRUE(merged == parse("a: 1\nb: {c: 1, d: 3, e: 4}\nl: [9]\nm: 5\ns: {y: 2}\nf: ~\n"));
  std::vector<std::string> order;
  for (const auto& e : merged.entries()) order.push_back(e.first);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "l", "m", "s", "f"}));
  EXPECT_EQ(merged["b"]["d"].location().line, 1);
  EXPECT_TRUE(merge(parent, Value::integer(3)) == Value::integer(3));
  EXPECT_TRUE(merge(Value::list(), child) == child);
}

// ---------------------------------------------------------------------------
// --set

Value override_document() {
  return parse("workers: 10000\ndock: {applications: 3}\nzones:\n  - {name: Centre, x_km: 0}\n  - {name: Sud, x_km: 1}\n");
}

std::string override_error(std::string_view assignment, int index = 1) {
  Value doc = override_document();
  return error_text([&] { apply_override(doc, assignment, index); });
}

TEST(ApplyOverride, SetsByPathIndexAndName) {
  Value doc = override_document();
  apply_override(doc, "dock.applications=5", 1);
  apply_override(doc, "zones[0].x_km=3", 2);
  apply_override(doc, "zones.1.x_km=4", 3);
  apply_override(doc, "zones.Centre.name=Nord", 4);
  apply_override(doc, "policies.portal.creation_boost=0.2", 5);
  apply_override(doc, " title = \"a = b\" ", 6);
  apply_override(doc, "description=", 7);
  apply_override(doc, "list=[1, 2]", 8);
  EXPECT_EQ(doc["dock"]["applications"].text(), "5");
  EXPECT_EQ(doc["zones"].items()[0]["x_km"].text(), "3");
  EXPECT_EQ(doc["zones"].items()[1]["x_km"].text(), "4");
  EXPECT_EQ(doc["zones"].items()[0]["name"].text(), "Nord");
  EXPECT_EQ(doc["policies"]["portal"]["creation_boost"].text(), "0.2");
  EXPECT_EQ(doc["title"].as_string(), "a = b");
  EXPECT_TRUE(doc["description"].is_null());
  EXPECT_EQ(doc["list"].size(), 2u);
  // Located in the assignment as written.
  const Location& at = doc["zones"].items()[0]["x_km"].location();
  EXPECT_EQ(at.file, "--set #2");
  EXPECT_EQ(at.line, 1);
  EXPECT_EQ(at.column, 15);
  EXPECT_EQ(doc["list"].items()[1].location().column, 10);
  EXPECT_EQ(doc["policies"]["portal"]["creation_boost"].location().file, "--set #5");
}

TEST(ApplyOverride, ADottedSegmentIsTheItemItNamesBeforeAnIndex) {
  // Digits were always an index: of zones named "1" and "0", zones.1 chose
  // the zone named "0", and a zone named "80000" could not be chosen ("no
  // item 80000"). `[1]` stays the index.
  Value doc = parse("zones:\n  - {name: \"1\", x_km: 0}\n  - {name: \"0\", x_km: 0}\n"
                    "  - {name: \"80000\", x_km: 0}\n  - {name: Sud, x_km: 0}\n");
  EXPECT_EQ(apply_override(doc, "zones.1.x_km=7", "--set #1"), "zones[0].x_km");
  EXPECT_EQ(apply_override(doc, "zones.80000.x_km=8", "--set #2"), "zones[2].x_km");
  EXPECT_EQ(apply_override(doc, "zones[1].x_km=9", "--set #3"), "zones[1].x_km");
  EXPECT_EQ(apply_override(doc, "zones.3.x_km=6", "--set #4"), "zones[3].x_km");  // no zone named "3": the index
  EXPECT_EQ(doc["zones"].items()[0]["x_km"].text(), "7");
  EXPECT_EQ(doc["zones"].items()[1]["x_km"].text(), "9");
  EXPECT_EQ(doc["zones"].items()[2]["x_km"].text(), "8");
  EXPECT_EQ(doc["zones"].items()[3]["x_km"].text(), "6");
  EXPECT_THAT(error_text([&] { apply_override(doc, "zones.4.x_km=1", "--set #5"); }),
              StartsWith("--set #5:1:7: error: zones.4: no item 4 in `zones`: it has 4 items, and none is named `4`"));
}

TEST(ApplyOverride, AnIndexPastAnyListIsNoItemNotAMalformedIndex) {
  // More than nine digits were "expected a list index (0, 1, ...)", of one.
  EXPECT_THAT(override_error("zones[99999999999].x_km=1"),
              StartsWith("--set #1:1:6: error: zones[99999999999]: no item 99999999999 in `zones`: it has 2 items"));
  EXPECT_THAT(override_error("zones[123456789012345678901234567890]=1"),
              HasSubstr("no item 123456789012345678901234567890 in `zones`: it has 2 items"));
  // Read whole: the first 18 digits of 0000000000000000002 were 0, the first item.
  EXPECT_THAT(override_error("zones.0000000000000000002.x_km=1"),
              HasSubstr("no item 0000000000000000002 in `zones`: it has 2 items"));
}

TEST(ApplyOverride, NamesThePathItSetAsErrorsDoAndIsLocatedInItsLabel) {
  Value doc = override_document();
  EXPECT_EQ(apply_override(doc, "zones.Sud.x_km=3", "--set #1"), "zones[1].x_km");
  EXPECT_EQ(apply_override(doc, "zones.0.name=Nord", "--set #2"), "zones[0].name");
  EXPECT_EQ(apply_override(doc, "dock.applications=5", "--set #3"), "dock.applications");
  EXPECT_EQ(apply_override(doc, "zones[1]={name: Est}", "--set #4"), "zones[1]");
  EXPECT_EQ(apply_override(doc, "seed=abc", "--seed"), "seed");
  EXPECT_EQ(doc["seed"].location().file, "--seed");
  EXPECT_THAT(error_text([&] { apply_override(doc, "months=[", "--months"); }), StartsWith("--months:1:"));
}

TEST(ApplyOverride, ReplacesAWholeItemAndCreatesMappingsInNulls) {
  Value doc = parse("zones: [{name: Centre}]\npolicies:\n");
  apply_override(doc, "zones[0]={name: Est, x_km: 1}", 1);
  EXPECT_EQ(doc["zones"].items()[0]["name"].text(), "Est");
  EXPECT_EQ(doc["zones"].items()[0]["x_km"].location().column, 28);
  apply_override(doc, "policies.portal.start=2016-01", 2);
  EXPECT_EQ(doc["policies"]["portal"]["start"].text(), "2016-01");
  Value null_doc;
  apply_override(null_doc, "a=1", 3);
  EXPECT_EQ(null_doc["a"].text(), "1");
}

TEST(ApplyOverride, ErrorsPointIntoTheAssignment) {
  EXPECT_EQ(override_error("a.b", 2), "--set #2:1:4: error: expected `path=value`, found no `=`\n"
                                      "    1 | a.b\n"
                                      "      |    ^");
  EXPECT_THAT(override_error("=3"), StartsWith("--set #1:1:1: error: expected a field path before `=`, found nothing"));
  EXPECT_THAT(override_error("a..b=1"), StartsWith("--set #1:1:3: error: a..b: empty key in the path"));
  EXPECT_THAT(override_error(".a=1"), StartsWith("--set #1:1:1: error: .a: empty key in the path"));
  EXPECT_THAT(override_error("title='open"), StartsWith("--set #1:1:7: error: quoted string never closed"));
  EXPECT_THAT(override_error("a.=1"), StartsWith("--set #1:1:3: error: a.: empty key at the end of the path"));
  EXPECT_THAT(override_error("zones[x]=1"),
              StartsWith("--set #1:1:7: error: zones[x]: expected a list index (0, 1, ...) in `[...]`, found \"x\""));
  EXPECT_THAT(override_error("zones[]=1"), StartsWith("--set #1:1:7: error: zones[]: expected a list index"));
  EXPECT_THAT(override_error("zones[0=1"), StartsWith("--set #1:1:6: error: zones[0: unclosed `[`"));
  EXPECT_THAT(override_error("zones[0]x=1"), StartsWith("--set #1:1:9: error: zones[0]x: expected `.` or `[` after `]`"));
  EXPECT_THAT(override_error("zones[5].x_km=1"),
              StartsWith("--set #1:1:6: error: zones[5]: no item 5 in `zones`: it has 2 items"));
  EXPECT_THAT(override_error("zones.7=1"), StartsWith("--set #1:1:7: error: zones.7: no item 7 in `zones`"));
  // An absent list has no item to change (it said the list was a mapping).
  EXPECT_THAT(override_error("sites[0].x=1"),
              StartsWith("--set #1:1:6: error: sites[0]: `sites` is not set: it has no item [0] to change (set the "
                         "whole list: `sites=[...]`)"));
  EXPECT_THAT(override_error("zones.Nord.x_km=1"),
              StartsWith("--set #1:1:7: error: zones.Nord: no item named `Nord` in `zones`: expected an index or one "
                         "of Centre, Sud"));
  EXPECT_THAT(override_error("workers.x=1"),
              StartsWith("--set #1:1:9: error: workers: `workers` is a scalar (\"10000\", at t.yaml:1:10): it has no "
                         "field `x`"));
  EXPECT_THAT(override_error("dock[0]=1"),
              StartsWith("--set #1:1:5: error: dock[0]: `dock` is a mapping: expected a key after it, found the index [0]"));
  EXPECT_THAT(override_error("zones[0].name.x=1"),
              StartsWith("--set #1:1:15: error: zones[0].name: `zones[0].name` is a scalar (\"Centre\", at t.yaml:4:12): it has no field `x`"));
  EXPECT_THAT(override_error("a={b: 1"), StartsWith("--set #1:1:"));
  EXPECT_THAT(override_error("a={b: 1"), HasSubstr("error: invalid YAML: "));
  EXPECT_THAT(override_error("a=b: c"),
              StartsWith("--set #1:1:3: error: expected a scalar or a flow collection ([...] or {...}) after `=`"));
  EXPECT_THAT(override_error(std::string_view("a=\0", 3)), StartsWith("--set #1:1:3: error: binary data (a NUL byte)"));
  EXPECT_THAT(override_error("a=1\n---\n2"), HasSubstr("expected one value after `=`, found several YAML documents"));
  EXPECT_THAT(override_error("a=[" + std::string(100, '[')), HasSubstr("more than 64 levels of nesting"));
  Value list_doc = parse("l: [[1], 2]\n");
  EXPECT_THAT(error_text([&] { apply_override(list_doc, "l.1.x=3", 1); }),
              StartsWith("--set #1:1:5: error: l.1: `l.1` is a scalar, at t.yaml:1:10: it has no field `x`"));
  Value list_names = parse("l: [{a: 1}]\n");
  EXPECT_THAT(error_text([&] { apply_override(list_names, "l.x.y=3", 1); }),
              HasSubstr("no item named `x` in `l`: its items have no `name`"));
  Value scalar_doc = Value::integer(1);
  EXPECT_THAT(error_text([&] { apply_override(scalar_doc, "a=1", 1); }),
              HasSubstr("the scenario is not a mapping: cannot set a field in it"));
}

TEST(ApplyOverride, ValidationErrorsShowTheAssignment) {
  Value doc = resolve_extends(data_path("good.yaml"));
  apply_override(doc, "workers=abc", 1);
  apply_override(doc, "dock.applicatons=2", 2);
  EXPECT_EQ(error_text([&] { validate(doc, testing::test_record()); }),
            "--set #1:1:9: error: workers: expected an integer in [1, 50000000], found \"abc\"\n"
            "    1 | workers=abc\n"
            "      |         ^\n"
            "--set #2:1:6: error: dock.applicatons: unknown field; did you mean `applications`?\n"
            "    1 | dock.applicatons=2\n"
            "      |      ^");
}

}  // namespace
}  // namespace terrasim::sim
