// Declarations and their uses: validation (the frozen configuration and
// every message), the JSON Schema, the Markdown reference, edit distance.
#include "sim/scenario/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <stdexcept>

#include "sim/scenario/loader.h"
#include "test_record.h"

namespace terrasim::sim {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using testing::data_path;
using testing::test_record;

using testing::diagnostics_of;
using testing::error_text;

const std::string kMinimal = "model: dock\nzones: [{name: Centre, x_km: 0, share: 1}]\n";

Value check(const std::string& text, const Record& r = test_record()) {
  return validate(parse_yaml(text, "s.yaml"), r);
}
std::string check_error(const std::string& text, const Record& r = test_record()) {
  return error_text([&] { check(text, r); });
}

// ---------------------------------------------------------------------------
// The frozen configuration

TEST(Validate, FreezesAGoodFile) {
  const Value c = validate(resolve_extends(data_path("good.yaml")), test_record());
  EXPECT_EQ(c["model"].as_string(), "dock");
  EXPECT_EQ(c["title"].as_string(), "Test scenario, with a quoted title");
  EXPECT_EQ(c["workers"].kind(), Value::Kind::Int);
  EXPECT_EQ(c["workers"].as_int(), 10000);
  EXPECT_EQ(c["separation_rate"].kind(), Value::Kind::Number);
  EXPECT_DOUBLE_EQ(c["separation_rate"].as_double(), 0.05);
  EXPECT_TRUE(c["verbose"].as_bool());
  EXPECT_EQ(c["start"].as_string(), "2016-03");
  EXPECT_EQ(c["home"].as_string(), "Centre");
  EXPECT_EQ(c["dock"]["applications"].as_int(), 4);
  const Value& series = c["context"]["national_unemployment"];
  ASSERT_TRUE(series.is_map());
  ASSERT_EQ(series.size(), 3u);
  EXPECT_EQ(series.entries()[2].first, "2017-06");
  EXPECT_EQ(series.entries()[2].second.kind(), Value::Kind::Number);
  ASSERT_EQ(c["zones"].size(), 2u);
  EXPECT_EQ(c["zones"].items()[0]["x_km"].kind(), Value::Kind::Number);  // an integer literal, as a number
  EXPECT_DOUBLE_EQ(c["zones"].items()[1]["x_km"].as_double(), -4.5);
  EXPECT_DOUBLE_EQ(c["policies"]["portal"]["creation_boost"].as_double(), 0.1);
  // Fields in declaration order; values keep their location and text.
  std::vector<std::string> keys;
  for (const auto& e : c.entries()) keys.push_back(e.first);
  EXPECT_EQ(keys, (std::vector<std::string>{"model", "title", "workers", "seed", "separation_rate", "distance_scale_km",
                                            "verbose", "start", "home", "dock", "context", "zones", "policies"}));
  EXPECT_EQ(c["workers"].location().line, 4);
  EXPECT_EQ(c["workers"].text(), "10000");
  EXPECT_EQ(c.to_json(), validate(resolve_extends(data_path("good.yaml")), test_record()).to_json());
}

TEST(Validate, FillsDefaultsWithoutLocation) {
  const Value c = check(kMinimal);
  EXPECT_EQ(c["workers"].as_int(), 100000);
  EXPECT_FALSE(c["workers"].location().known());
  EXPECT_EQ(c["seed"].as_int(), 1);
  EXPECT_EQ(c["distance_scale_km"].kind(), Value::Kind::Number);
  EXPECT_FALSE(c["verbose"].as_bool());
  EXPECT_EQ(c["start"].as_string(), "2015-01");
  EXPECT_TRUE(c["title"].is_null());  // optional, absent
  EXPECT_TRUE(c["home"].is_null());
  // Absent sections whose fields all have defaults are filled in.
  EXPECT_EQ(c["dock"]["applications"].as_int(), 3);
  EXPECT_FALSE(c["dock"].location().known());
  EXPECT_TRUE(c["context"]["national_unemployment"].is_null());
  EXPECT_DOUBLE_EQ(c["policies"]["portal"]["creation_boost"].as_double(), 0.0);
  // So are sections written empty, which keep their location.
  const Value e = check(kMinimal + "dock:\npolicies: {portal: }\n");
  EXPECT_EQ(e["dock"]["applications"].as_int(), 3);
  EXPECT_EQ(e["dock"].location().line, 3);
  EXPECT_TRUE(e["policies"]["portal"].is_map());
  // An optional field may be written null.
  EXPECT_TRUE(check(kMinimal + "title: ~\n")["title"].is_null());
}

TEST(Validate, AcceptsProgrammaticValues) {
  Value doc = Value::map();
  doc.set("model", Value::string("dock"));
  doc.set("workers", Value::integer(7));
  doc.set("separation_rate", Value::integer(1));  // an Int where a number is expected
  doc.set("verbose", Value::boolean(true));
  doc.set("start", Value::string("2020-12"));
  Value zone = Value::map();
  zone.set("name", Value::string("A"));
  zone.set("x_km", Value::number(1.5));
  zone.set("share", Value::number(1.0));
  Value zones = Value::list();
  zones.push_back(zone);
  doc.set("zones", zones);
  const Value c = validate(doc, test_record());
  EXPECT_EQ(c["workers"].as_int(), 7);
  EXPECT_EQ(c["separation_rate"].kind(), Value::Kind::Number);
  EXPECT_TRUE(c["verbose"].as_bool());
  // A string made by the program is a string, whatever it says.
  doc.set("workers", Value::string("7"));
  EXPECT_EQ(error_text([&] { validate(doc, test_record()); }),
            "error: workers: expected an integer in [1, 50000000], found the string \"7\"");
  doc.set("workers", Value::number(7.0));
  EXPECT_THAT(error_text([&] { validate(doc, test_record()); }), HasSubstr("expected an integer in [1, 50000000], found 7"));
  doc.set("workers", Value::integer(7));
  doc.set("model", Value::integer(3));
  EXPECT_THAT(error_text([&] { validate(doc, test_record()); }), HasSubstr("model: expected one of dock, territory, found 3"));
}

TEST(Validate, RefusesANonMappingDocument) {
  EXPECT_EQ(error_text([] { validate(Value::list(), test_record()); }),
            "error: expected a mapping at the top level, found a list");
  EXPECT_EQ(error_text([] { validate(Value::null(), test_record()); }),
            "error: expected a mapping at the top level, found nothing (null)");
}

// ---------------------------------------------------------------------------
// Messages, each with its location

TEST(Validate, ReportsEveryProblemOfAFileAtOnce) {
  const std::string path = data_path("bad_values.yaml");
  const auto d = diagnostics_of([&] { validate(resolve_extends(path), test_record()); });
  ASSERT_EQ(d.size(), 11u);
  std::vector<std::string> lines;
  for (const auto& x : d) lines.push_back(ScenarioError::format(x).substr(0, ScenarioError::format(x).find('\n')));
  const std::string f = path + ":";
  EXPECT_EQ(lines[0], f + "1:8: error: model: expected one of dock, territory, found \"dok\" (did you mean `dock`?)");
  EXPECT_EQ(lines[1], f + "2:10: error: workers: expected an integer in [1, 50000000], found \"abc\"");
  EXPECT_EQ(lines[2], f + "3:18: error: separation_rate: expected a number in [0, 1], found 1.5");
  EXPECT_EQ(lines[3], f + "4:1: error: separaton_rate: unknown field; did you mean `separation_rate`?");
  EXPECT_EQ(lines[4], f + "5:20: error: distance_scale_km: expected a number in (0, 1000000], found 0");
  EXPECT_EQ(lines[5], f + "6:10: error: verbose: expected true or false, found \"yes\"");
  EXPECT_EQ(lines[6], f + "7:8: error: start: expected a month YYYY-MM, found \"2015-13\"");
  EXPECT_EQ(lines[7], f + "8:7: error: home: \"Nowhere\" is not a zone: expected one of Centre, Sud");
  EXPECT_EQ(lines[8], f + "10:17: error: dock.applications: expected an integer in [1, 16], found the string \"12\"");
  EXPECT_EQ(lines[9], f + "14:5: error: context.national_unemployment.2015-01: expected months in increasing order, "
                          "found 2015-01 after 2016-01");
  EXPECT_EQ(lines[10], f + "17:23: error: zones[1].x_km: expected a number in [-100000, 100000], found 1e999 (beyond "
                           "the range of a double)");
  EXPECT_EQ(ScenarioError::format(d[3]), f + "4:1: error: separaton_rate: unknown field; did you mean "
                                             "`separation_rate`?\n"
                                             "    4 | separaton_rate: 0.02\n"
                                             "      | ^");
}

TEST(Validate, MissingRequiredFieldsAtTheParentMapping) {
  EXPECT_EQ(check_error("workers: 5\n"),
            "s.yaml:1:1: error: model: missing required field (expected a string: the model this scenario runs)\n"
            "    1 | workers: 5\n"
            "      | ^\n"
            "s.yaml:1:1: error: zones: missing required field (expected a list of mappings: the zones)\n"
            "    1 | workers: 5\n"
            "      | ^");
  EXPECT_THAT(check_error("model: dock\nzones:\n  - name: A\n    share: 1\n"),
              StartsWith("s.yaml:3:5: error: zones[0].x_km: missing required field (expected a number: x coordinate)"));
  Record r;
  r.integer("n").doc("N, number of workers");
  EXPECT_THAT(check_error("m: 1\n", r), HasSubstr("s.yaml:1:1: error: n: missing required field (expected an integer: "
                                                 "N, number of workers)"));
  // A section with required fields, absent or empty.
  Record s;
  auto& eco = s.section("economy").doc("the economy").section();
  eco.integer("firms");
  eco.number("rate");
  eco.integer("other").def(1);
  s.integer("x").def(1);
  EXPECT_THAT(check_error("x: 2\n", s),
              StartsWith("s.yaml:1:1: error: economy: missing required field (expected a mapping with firms, rate: the "
                         "economy)"));
  EXPECT_THAT(check_error("x: 2\neconomy:\n", s),
              StartsWith("s.yaml:2:1: error: economy.firms: missing required field (expected an integer)"));
  EXPECT_THAT(check_error("x: 2\neconomy: 5\n", s), StartsWith("s.yaml:2:10: error: economy: expected a mapping, found \"5\""));
}

TEST(Validate, Integers) {
  Record r;
  r.integer("n").range(-5, 50'000'000);
  r.integer("any").def(0);
  EXPECT_EQ(check("n: 007\n", r)["n"].as_int(), 7);
  EXPECT_EQ(check("n: -5\n", r)["n"].as_int(), -5);
  EXPECT_EQ(check("n: +5\n", r)["n"].as_int(), 5);  // YAML 1.2's core schema, as numbers take +0.5
  EXPECT_EQ(check("n: 1\nany: -9223372036854775808\n", r)["any"].as_int(), INT64_MIN);
  for (const char* bad : {"1.0", "1e3", "1_000", "+-5", "++5", "+", "0x10", "1-", "''", "12abc", "--1", "-x"}) {
    const std::string text = std::string("n: ") + bad + "\n";
    EXPECT_THAT(check_error(text, r), HasSubstr("n: expected an integer in [-5, 50000000], found ")) << bad;
  }
  EXPECT_THAT(check_error("n: 50000001\n", r),
              StartsWith("s.yaml:1:4: error: n: expected an integer in [-5, 50000000], found 50000001"));
  EXPECT_THAT(check_error("n: '12'\n", r), HasSubstr("found the string \"12\""));
  EXPECT_THAT(check_error("n: !!str 12\n", r), HasSubstr("found the string \"12\""));
  EXPECT_THAT(check_error("n: 1\nany: 9223372036854775808\n", r),
              HasSubstr("s.yaml:2:6: error: any: expected an integer, found 9223372036854775808 (too large for a "
                        "64-bit integer)"));
  EXPECT_THAT(check_error("n: [1]\n", r), HasSubstr("found a list"));
  EXPECT_THAT(check_error("n: {a: 1}\n", r), HasSubstr("found a mapping"));
  EXPECT_THAT(check_error("n:\n", r), HasSubstr("s.yaml:1:1: error: n: expected an integer in [-5, 50000000], found "
                                                "nothing (null)"));
  EXPECT_THAT(check_error("n: true\n", r), HasSubstr("found \"true\""));
}

TEST(Validate, Numbers) {
  Record r;
  r.number("x").range(0, 1);
  r.number("pos").range(0, 1e6).exclusive_min().def(1.0);
  r.number("low").range(-1e300, 5).def(0.0);
  r.number("any").def(0.0);
  EXPECT_DOUBLE_EQ(check("x: 1e-3\n", r)["x"].as_double(), 0.001);
  EXPECT_DOUBLE_EQ(check("x: .5\n", r)["x"].as_double(), 0.5);
  EXPECT_DOUBLE_EQ(check("x: +0.25\n", r)["x"].as_double(), 0.25);
  EXPECT_DOUBLE_EQ(check("x: 1\n", r)["x"].as_double(), 1.0);
  EXPECT_DOUBLE_EQ(check("x: 0\npos: 1e-300\n", r)["pos"].as_double(), 1e-300);
  for (const char* bad : {"abc", "0x1p3", "1,5", "1.5.2", ".inf", "e5", "1e", "''"})
    EXPECT_THAT(check_error(std::string("x: ") + bad + "\n", r), HasSubstr("x: expected a number in [0, 1], found ")) << bad;
  EXPECT_THAT(check_error("x: nan\n", r),
              StartsWith("s.yaml:1:4: error: x: expected a number in [0, 1], found nan (not a finite number)"));
  EXPECT_THAT(check_error("x: inf\n", r), HasSubstr("found inf (not a finite number)"));
  EXPECT_THAT(check_error("x: -infinity\n", r), HasSubstr("(not a finite number)"));
  EXPECT_THAT(check_error("x: 1.5\n", r), StartsWith("s.yaml:1:4: error: x: expected a number in [0, 1], found 1.5"));
  EXPECT_THAT(check_error("x: -0.1\n", r), HasSubstr("found -0.1"));
  EXPECT_THAT(check_error("x: 0\npos: 0\n", r),
              StartsWith("s.yaml:2:6: error: pos: expected a number in (0, 1000000], found 0"));
  EXPECT_THAT(check_error("x: 0\nlow: 6\n", r), HasSubstr("low: expected a number in [-1e+300, 5], found 6"));
  EXPECT_THAT(check_error("x: \"0.5\"\n", r), HasSubstr("found the string \"0.5\""));
  EXPECT_THAT(check_error("x: 0\nany: 1e400\n", r),
              HasSubstr("any: expected a number, found 1e400 (beyond the range of a double)"));
  // Nearer to 0 than any double: refused as such (it was "beyond the range
  // of a double", which it is not); a subnormal is a double, and is taken.
  for (const char* tiny : {"2e-324", "-1e-400", "1e-99999"})
    EXPECT_THAT(check_error(fmt::format("x: 0\nany: {}\n", tiny), r),
                HasSubstr(fmt::format("any: expected a number, found {} (nearer to 0 than the smallest double, "
                                      "4.9e-324: it would be read as 0; write 0 if 0 is meant)",
                                      tiny)))
        << tiny;
  EXPECT_THAT(check_error("x: 0\nany: -1e99999\n", r), HasSubstr("(beyond the range of a double)"));
  Record half;
  half.number("lo").range(0, std::numeric_limits<double>::infinity()).exclusive_min();
  half.number("hi").range(-std::numeric_limits<double>::infinity(), 5).def(0.0);
  half.number("ge").range(2, std::numeric_limits<double>::infinity()).def(2.0);
  EXPECT_THAT(check_error("lo: 0\nhi: 6\nge: 1\n", half),
              AllOf(HasSubstr("lo: expected a number > 0, found 0"), HasSubstr("hi: expected a number <= 5, found 6"),
                    HasSubstr("ge: expected a number >= 2, found 1")));
}

TEST(Validate, Booleans) {
  Record r;
  r.boolean("b");
  for (const char* t : {"true", "True", "TRUE"}) EXPECT_TRUE(check(std::string("b: ") + t, r)["b"].as_bool());
  for (const char* f : {"false", "False", "FALSE"}) EXPECT_FALSE(check(std::string("b: ") + f, r)["b"].as_bool());
  for (const char* bad : {"yes", "no", "on", "1", "tRuE"})
    EXPECT_THAT(check_error(std::string("b: ") + bad, r), HasSubstr("b: expected true or false, found \"")) << bad;
  EXPECT_THAT(check_error("b: 'true'", r), HasSubstr("expected true or false, found the string \"true\""));
}

TEST(Validate, StringsAndChoices) {
  Record r;
  r.string("s");
  r.string("c").choices({"alpha", "beta"}).def("alpha");
  EXPECT_EQ(check("s: 2015\n", r)["s"].as_string(), "2015");  // a plain scalar is text too
  EXPECT_EQ(check("s: 'x'\nc: beta\n", r)["c"].as_string(), "beta");
  EXPECT_THAT(check_error("s: x\nc: alpah\n", r),
              StartsWith("s.yaml:2:4: error: c: expected one of alpha, beta, found \"alpah\" (did you mean `alpha`?)"));
  EXPECT_THAT(check_error("s: x\nc: gamma-ray\n", r),
              AllOf(HasSubstr("expected one of alpha, beta, found \"gamma-ray\""), Not(HasSubstr("did you mean"))));
  EXPECT_THAT(check_error("s: [a]\n", r), HasSubstr("s: expected a string, found a list"));
  EXPECT_THAT(check_error("s:\n", r), HasSubstr("s: expected a string, found nothing (null)"));
}

TEST(Validate, Identifiers) {
  // A name that becomes part of a series' name: declared, so that the
  // reference and the JSON Schema say what the model refused by hand (the
  // reference said "any").
  Record r;
  r.string("name").identifier();
  EXPECT_EQ(check("name: energie_2\n", r)["name"].as_string(), "energie_2");
  EXPECT_EQ(check("name: 2015\n", r)["name"].as_string(), "2015");
  for (const char* bad : {"a,b", "Nord", "a b", "'é'", "''", "a-b"})
    EXPECT_THAT(check_error(std::string("name: ") + bad + "\n", r),
                HasSubstr("name: expected a lowercase identifier (letters a-z, digits 0-9 and _), found "))
        << bad;
  EXPECT_THAT(markdown_reference(r, "Test model", 2), HasSubstr("| `name` | string | lowercase identifier: a-z, 0-9, _ |"));
  EXPECT_THAT(json_schema(r, "Test scenario"), HasSubstr("\"pattern\": \"^[a-z0-9_]+$\""));
}

TEST(Validate, Months) {
  Record r;
  r.month("m");
  EXPECT_EQ(check("m: 2015-01\n", r)["m"].as_string(), "2015-01");
  EXPECT_EQ(check("m: '2200-12'\n", r)["m"].as_string(), "2200-12");
  EXPECT_EQ(check("m: 1900-01\n", r)["m"].as_string(), "1900-01");
  for (const char* bad : {"2015-13", "2015-00", "2015-1", "15-01", "2015/01", "2015-01-01", "abcd-ef"})
    EXPECT_THAT(check_error(std::string("m: ") + bad, r),
                StartsWith(std::string("s.yaml:1:4: error: m: expected a month YYYY-MM, found \"") + bad + "\""));
  EXPECT_THAT(check_error("m: 1899-12\n", r),
              HasSubstr("m: expected a month YYYY-MM with a year in 1900..2200, found \"1899-12\""));
  EXPECT_THAT(check_error("m: 2201-01\n", r), HasSubstr("with a year in 1900..2200"));
  EXPECT_THAT(check_error("m: [2015-01]\n", r), HasSubstr("expected a month YYYY-MM, found a list"));
}

TEST(Validate, Series) {
  Record r;
  r.series("s").range(0, 1);
  const Value c = check("s: {2015-01: 0.1, 2015-02: 1, 2016-01: .5}\n", r);
  ASSERT_EQ(c["s"].size(), 3u);
  EXPECT_EQ(c["s"]["2015-02"].kind(), Value::Kind::Number);
  EXPECT_THAT(check_error("s: 0.5\n", r),
              StartsWith("s.yaml:1:4: error: s: expected a mapping of month YYYY-MM to number in [0, 1], found \"0.5\""));
  EXPECT_THAT(check_error("s: {}\n", r),
              StartsWith("s.yaml:1:4: error: s: expected at least one month, found an empty mapping"));
  EXPECT_THAT(check_error("s:\n  2015-01: 0.1\n  2015-13: 0.1\n", r),
              StartsWith("s.yaml:3:3: error: s.2015-13: expected a month YYYY-MM as key, found \"2015-13\""));
  EXPECT_THAT(check_error("s:\n  1800-01: 0.1\n", r),
              StartsWith("s.yaml:2:3: error: s.1800-01: expected a month YYYY-MM with a year in 1900..2200"));
  EXPECT_THAT(check_error("s:\n  2015-01: 0.1\n  2015-01x: 0.1\n", r), HasSubstr("found \"2015-01x\""));
  EXPECT_THAT(check_error("s:\n  2015-02: 0.1\n  2015-02: 0.2\n", r), HasSubstr("duplicate key `2015-02`"));
  EXPECT_THAT(check_error("s:\n  2015-02: 0.1\n  2015-01: 0.2\n", r),
              StartsWith("s.yaml:3:3: error: s.2015-01: expected months in increasing order, found 2015-01 after "
                         "2015-02"));
  EXPECT_THAT(check_error("s:\n  2015-01: 1.5\n", r),
              StartsWith("s.yaml:2:12: error: s.2015-01: expected a number in [0, 1], found 1.5"));
}

TEST(Validate, Lists) {
  EXPECT_THAT(check_error("model: dock\nzones: []\n"),
              StartsWith("s.yaml:2:8: error: zones: expected at least 1 item, found 0"));
  std::string nine = "model: dock\nzones:\n";
  for (int i = 0; i < 9; ++i) nine += fmt::format("  - {{name: z{}, x_km: 0, share: {}}}\n", i, i == 0 ? 1 : 0);
  EXPECT_THAT(check_error(nine), StartsWith("s.yaml:3:3: error: zones: expected at most 8 items, found 9"));
  EXPECT_THAT(check_error("model: dock\nzones: {name: A}\n"),
              StartsWith("s.yaml:2:8: error: zones: expected a list of mappings, found a mapping"));
  EXPECT_THAT(check_error("model: dock\nzones:\n  - {name: A, x_km: 0, share: 1}\n  - just text\n"),
              StartsWith("s.yaml:4:5: error: zones[1]: expected a mapping, found \"just text\""));
  EXPECT_THAT(check_error("model: dock\nzones:\n  - {name: A, x_km: 0, share: 1}\n  - {name: B, x_km: 1e6, share: 0}\n"),
              StartsWith("s.yaml:4:21: error: zones[1].x_km: expected a number in [-100000, 100000], found 1e6"));
  EXPECT_THAT(check_error("model: dock\nzones:\n  - {name: A, x_km: 0, share: 1, y_km: 2}\n"),
              StartsWith("s.yaml:3:34: error: zones[0].y_km: unknown field; did you mean `x_km`?"));
}

TEST(Validate, References) {
  EXPECT_THAT(check_error(kMinimal + "home: Nord\n"),
              StartsWith("s.yaml:3:7: error: home: \"Nord\" is not a zone: expected one of Centre"));
  EXPECT_THAT(check_error(kMinimal + "home: Centr\n"), HasSubstr("expected one of Centre (did you mean `Centre`?)"));
  EXPECT_EQ(check(kMinimal + "home: Centre\n")["home"].as_string(), "Centre");
  Record r;
  r.string("pick").ref("policies");
  r.string("other").ref("deep.data").def("x");
  r.list("policies").item().string("label");
  r.section("deep").section().integer("data").def(1);
  EXPECT_THAT(check_error("pick: a\npolicies: [{label: a}]\n", r),
              AllOf(HasSubstr("s.yaml:1:7: error: pick: \"a\" is not a policy: `policies` has no named items"),
                    HasSubstr("error: other: refers to `deep.data`, which is not a list of this scenario")));
  Record plain;
  plain.string("pick").ref("data");
  plain.list("data").item().string("name");
  EXPECT_THAT(check_error("pick: q\ndata: [{name: a}]\n", plain), HasSubstr("\"q\" is not an item of `data`"));
  Record areas;
  areas.string("pick").ref("areas");
  areas.list("areas").item().string("name");
  EXPECT_THAT(check_error("pick: q\nareas: [{name: a}]\n", areas), HasSubstr("\"q\" is not an area"));
}

TEST(Validate, UnknownFieldsSuggestOrList) {
  EXPECT_THAT(check_error(kMinimal + "wrokers: 5\n"), HasSubstr("s.yaml:3:1: error: wrokers: unknown field; did you mean `workers`?"));
  EXPECT_THAT(check_error(kMinimal + "completely_different: 5\n"),
              HasSubstr("completely_different: unknown field: expected one of model, title, workers, seed, "
                        "separation_rate, distance_scale_km, verbose, start, home, dock, context, zones, policies"));
  EXPECT_THAT(check_error(kMinimal + "dock: {applicatoins: 2}\n"),
              HasSubstr("s.yaml:3:8: error: dock.applicatoins: unknown field; did you mean `applications`?"));
  Record empty;
  empty.section("nothing");
  EXPECT_THAT(check_error("nothing: {a: 1}\n", empty), HasSubstr("nothing.a: unknown field: this mapping takes no fields"));
}

TEST(Validate, CrossChecksRunOnValidatedSubtrees) {
  EXPECT_EQ(check_error("model: dock\nzones: [{name: A, x_km: 0, share: 0.5}]\n"),
            "s.yaml:2:8: error: zones: shares sum to 0.5, expected 1\n"
            "    2 | zones: [{name: A, x_km: 0, share: 0.5}]\n"
            "      |        ^");
  // Not when a field of the record is wrong: the check could not trust it.
  EXPECT_THAT(check_error("model: dock\nworkers: 0\nzones: [{name: A, x_km: 0, share: 0.5}]\n"),
              Not(HasSubstr("shares sum")));
  Record nested;
  auto& sec = nested.section("s").section();
  sec.integer("a").def(1);
  sec.integer("b").def(2);
  sec.check([](const Value& v, const auto& report) {
    if (v["a"].as_int() > v["b"].as_int()) report(v["a"], "a", "a must not exceed b");
    report(v, "", "always");
  });
  EXPECT_THAT(check_error("s: {a: 3}\n", nested),
              AllOf(HasSubstr("s.yaml:1:4: error: s: always"), HasSubstr("s.yaml:1:8: error: s.a: a must not exceed b")));
  // A check reporting on a default reports without a line.
  EXPECT_EQ(check_error("x: 1\n", [] {
              Record r;
              r.integer("x");
              r.integer("y").def(5);
              r.check([](const Value& v, const auto& report) { report(v["y"], "y", "y is five"); });
              return r;
            }()),
            "error: y: y is five");
}

TEST(Validate, StopsAtFiftyDiagnostics) {
  std::string text = kMinimal;
  for (int i = 0; i < 80; ++i) text += fmt::format("unknown{}: 1\n", i);
  const auto d = diagnostics_of([&] { check(text); });
  EXPECT_EQ(d.size(), 50u);
}

TEST(Validate, DefaultsThatDoNotValidateAreReported) {
  Record r;
  r.integer("n").range(0, 10).def(11);
  r.month("m").def("2015-13");
  EXPECT_EQ(check_error("{}\n", r),
            "error: n: expected an integer in [0, 10], found 11\n"
            "error: m: expected a month YYYY-MM, found \"2015-13\"");
}

TEST(Validate, ExcerptsOfFilesParsedEarlier) {
  const Value doc = parse_yaml("model: dock\nzones: [{name: A, x_km: 0, share: 1}]\nworkers: 0\n", "earlier.yaml");
  const auto d = diagnostics_of([&] { validate(doc, test_record()); });
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].source_line, "workers: 0");
  EXPECT_EQ(d[0].location.column, 10);
}

// ---------------------------------------------------------------------------
// Declarations

TEST(Record, BuildersAndAccessors) {
  Record r;
  r.doc("the doc");
  Field& f = r.number("rate").range(0, 1).exclusive_min().def(0.5).unit("1/month").doc("a rate");
  EXPECT_EQ(f.name(), "rate");
  EXPECT_EQ(f.type(), FieldType::Number);
  EXPECT_EQ(f.doc_text(), "a rate");
  EXPECT_EQ(f.unit_text(), "1/month");
  EXPECT_TRUE(f.lo_exclusive());
  EXPECT_EQ(f.lo(), 0.0);
  EXPECT_EQ(f.hi(), 1.0);
  EXPECT_FALSE(f.required());
  EXPECT_TRUE(f.default_value().has_value());
  EXPECT_EQ(r.doc_text(), "the doc");
  EXPECT_EQ(r.find("rate"), &r.fields()[0]);
  EXPECT_EQ(r.find("nope"), nullptr);
  Field& o = r.string("s").optional().choices({"a"});
  EXPECT_TRUE(o.is_optional());
  EXPECT_FALSE(o.required());
  EXPECT_EQ(o.allowed().size(), 1u);
  Field& l = r.list("l").min_items(2).max_items(3);
  EXPECT_EQ(l.min_count(), 2u);
  EXPECT_EQ(l.max_count(), 3u);
  EXPECT_NE(l.record(), nullptr);
  EXPECT_TRUE(r.fields()[2].required());
  EXPECT_EQ(r.string("ref").ref("l").ref_path(), "l");
  r.check([](const Value&, const auto&) {});
  EXPECT_EQ(r.checks().size(), 1u);
  EXPECT_EQ(to_string(FieldType::Bool), "bool");
  EXPECT_EQ(to_string(FieldType::Int), "integer");
  EXPECT_EQ(to_string(FieldType::Number), "number");
  EXPECT_EQ(to_string(FieldType::String), "string");
  EXPECT_EQ(to_string(FieldType::Month), "month");
  EXPECT_EQ(to_string(FieldType::Section), "section");
  EXPECT_EQ(to_string(FieldType::List), "list");
  EXPECT_EQ(to_string(FieldType::Series), "series");
}

TEST(Record, MisuseIsALogicError) {
  Record r;
  r.integer("n");
  EXPECT_THROW(r.number("n"), std::logic_error);
  EXPECT_THROW(r.string("s").range(0, 1), std::logic_error);
  EXPECT_THROW(r.integer("i").range(2, 1), std::logic_error);
  EXPECT_THROW(r.boolean("b").exclusive_min(), std::logic_error);
  EXPECT_THROW(r.integer("c").choices({"a"}), std::logic_error);
  EXPECT_THROW(r.number("r").ref("x"), std::logic_error);
  EXPECT_THROW(r.string("m").min_items(1), std::logic_error);
  EXPECT_THROW(r.string("x").max_items(1), std::logic_error);
  EXPECT_THROW(r.section("sec").item(), std::logic_error);
  EXPECT_THROW(r.list("lst").section(), std::logic_error);
}

TEST(EditDistance, Basics) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("separaton_rate", "separation_rate"), 1u);
  EXPECT_EQ(edit_distance("rtae", "rate"), 1u);  // a transposition is one edit
  EXPECT_EQ(edit_distance("flaw", "lawn"), 2u);
  EXPECT_EQ(edit_distance("same", "same"), 0u);
}

// ---------------------------------------------------------------------------
// JSON Schema

// A strict JSON reader, enough to say whether text is JSON.
class JsonChecker {
 public:
  explicit JsonChecker(std::string_view s) : s_(s) {}
  bool valid() {
    ws();
    if (!value(0)) return false;
    ws();
    return i_ == s_.size();
  }

 private:
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  bool lit(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  bool string() {
    if (!lit("\"")) return false;
    while (i_ < s_.size() && s_[i_] != '"') {
      if (static_cast<unsigned char>(s_[i_]) < 0x20) return false;
      if (s_[i_] == '\\') {
        ++i_;
        if (i_ >= s_.size() || std::string_view("\"\\/bfnrtu").find(s_[i_]) == std::string_view::npos) return false;
        if (s_[i_] == 'u') {
          for (int k = 0; k < 4; ++k)
            if (++i_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_]))) return false;
        }
      }
      ++i_;
    }
    return lit("\"");
  }
  bool digits() {
    const std::size_t start = i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    return i_ > start;
  }
  bool number() {
    lit("-");
    if (lit("0")) {
    } else if (!digits()) {
      return false;
    }
    if (lit(".") && !digits()) return false;
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (!lit("+")) lit("-");
      if (!digits()) return false;
    }
    return true;
  }
  bool value(int depth) {
    if (depth > 100 || i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '{') {
      ++i_;
      ws();
      if (lit("}")) return true;
      do {
        ws();
        if (!string()) return false;
        ws();
        if (!lit(":")) return false;
        ws();
        if (!value(depth + 1)) return false;
        ws();
      } while (lit(","));
      return lit("}");
    }
    if (c == '[') {
      ++i_;
      ws();
      if (lit("]")) return true;
      do {
        ws();
        if (!value(depth + 1)) return false;
        ws();
      } while (lit(","));
      return lit("]");
    }
    if (c == '"') return string();
    if (lit("true") || lit("false") || lit("null")) return true;
    return number();
  }
  std::string_view s_;
  std::size_t i_ = 0;
};

TEST(JsonSchema, IsValidJsonAndDescribesEveryField) {
  const std::string text = json_schema(test_record(), "Test scenario");
  EXPECT_TRUE(JsonChecker(text).valid()) << text;
  EXPECT_FALSE(JsonChecker("{\"a\": 1,}").valid());
  EXPECT_EQ(text, json_schema(test_record(), "Test scenario"));  // deterministic
  EXPECT_THAT(text, StartsWith("{\n  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n  \"title\": \"Test "
                               "scenario\",\n  \"description\": \"A test model with one field of each kind.\",\n  "
                               "\"type\": \"object\",\n"));
  const Value s = parse_yaml(text, "schema.json");  // JSON is YAML
  const Value& p = s["properties"];
  EXPECT_EQ(p["workers"]["type"].text(), "integer");
  EXPECT_EQ(p["workers"]["minimum"].text(), "1");
  EXPECT_EQ(p["workers"]["maximum"].text(), "50000000");
  EXPECT_EQ(p["workers"]["default"].text(), "100000");
  EXPECT_EQ(p["workers"]["description"].text(), "N, number of workers [workers]");
  EXPECT_EQ(p["separation_rate"]["type"].text(), "number");
  EXPECT_EQ(p["separation_rate"]["maximum"].text(), "1.0");
  EXPECT_EQ(p["distance_scale_km"]["exclusiveMinimum"].text(), "0.0");
  EXPECT_FALSE(p["distance_scale_km"].contains("minimum"));
  EXPECT_EQ(p["verbose"]["type"].text(), "boolean");
  EXPECT_EQ(p["verbose"]["default"].text(), "false");
  EXPECT_EQ(p["model"]["enum"].size(), 2u);
  // A plain scalar is a string field's text: `title: 3` is taken, as an
  // editor reads it (a number); optional, it may be null.
  std::vector<std::string> title_types;
  for (const Value& t : p["title"]["type"].items()) title_types.push_back(t.text());
  EXPECT_EQ(title_types, (std::vector<std::string>{"string", "number", "boolean", "null"}));
  EXPECT_EQ(p["model"]["type"].text(), "string");  // a choice is one of its strings
  EXPECT_EQ(p["start"]["pattern"].text(), "^[0-9]{4}-(0[1-9]|1[0-2])$");
  EXPECT_EQ(p["start"]["default"].text(), "2015-01");
  EXPECT_THAT(p["home"]["description"].text(), HasSubstr("the name of an item of `zones`"));
  EXPECT_EQ(p["dock"]["type"].text(), "object");
  EXPECT_EQ(p["dock"]["additionalProperties"].text(), "false");
  EXPECT_EQ(p["dock"]["properties"]["applications"]["maximum"].text(), "16");
  const Value& series = p["context"]["properties"]["national_unemployment"];
  EXPECT_EQ(series["patternProperties"]["^[0-9]{4}-(0[1-9]|1[0-2])$"]["maximum"].text(), "1.0");
  EXPECT_EQ(series["additionalProperties"].text(), "false");
  EXPECT_EQ(p["zones"]["type"].text(), "array");
  EXPECT_EQ(p["zones"]["minItems"].text(), "1");
  EXPECT_EQ(p["zones"]["maxItems"].text(), "8");
  EXPECT_EQ(p["zones"]["items"]["description"].text(), "one zone");
  EXPECT_EQ(p["zones"]["items"]["required"].size(), 3u);
  EXPECT_EQ(p["zones"]["items"]["additionalProperties"].text(), "false");
  // Required of a file that extends no other (its parent gives the rest):
  // they were required of every file, and every shipped file with
  // `extends` was refused. A list's items are replaced whole: theirs stay.
  EXPECT_FALSE(s.contains("required"));
  EXPECT_EQ(s["if"]["required"].items()[0].text(), "extends");
  std::vector<std::string> required;
  for (const Value& r : s["else"]["required"].items()) required.push_back(r.text());
  EXPECT_EQ(required, (std::vector<std::string>{"model", "zones"}));
  EXPECT_EQ(s["additionalProperties"].text(), "false");
  // Every good file of the tests would satisfy it; every bad key is refused by it.
  EXPECT_FALSE(p.contains("separaton_rate"));
}

// ---------------------------------------------------------------------------
// Markdown reference

TEST(MarkdownReference, OneTablePerRecord) {
  const std::string md = markdown_reference(test_record(), "Test model", 2);
  EXPECT_EQ(md, markdown_reference(test_record(), "Test model", 2));  // deterministic
  EXPECT_THAT(md, StartsWith("## Test model\n\nA test model with one field of each kind.\n\n"
                             "| field | type | allowed | default | unit | description |\n|---|---|---|---|---|---|\n"));
  EXPECT_THAT(md, HasSubstr("| `workers` | integer | [1, 50000000] | `100000` | workers | N, number of workers |\n"));
  EXPECT_THAT(md, HasSubstr("| `distance_scale_km` | number | (0, 1000000] | `8.0` | km | distance decay |\n"));
  EXPECT_THAT(md, HasSubstr("| `model` | string | `dock`, `territory` | **required** |  | the model this scenario runs |\n"));
  EXPECT_THAT(md, HasSubstr("| `title` | string | any | *optional* |  | a short title |\n"));
  EXPECT_THAT(md, HasSubstr("| `start` | month | YYYY-MM, years 1900..2200 | `2015-01` |  | first month |\n"));
  EXPECT_THAT(md, HasSubstr("| `home` | string | name of an item of `zones` | *optional* |  | the home zone |\n"));
  EXPECT_THAT(md, HasSubstr("| `dock` | section | mapping | *see below* |  | docking parameters; see `dock` |\n"));
  EXPECT_THAT(md, HasSubstr("| `zones` | list | 1 to 8 items | **required** |  | the zones; see `zones[]` |\n"));
  EXPECT_THAT(md, HasSubstr("\n### `dock`\n\ndocking parameters\n\n| field |"));
  EXPECT_THAT(md, HasSubstr("\n### `zones[]`\n\nthe zones\n\none zone\n\n| field |"));
  EXPECT_THAT(md, HasSubstr("\n### `policies.portal`\n"));
  EXPECT_THAT(md, HasSubstr("| `national_unemployment` | series | YYYY-MM: number in [0, 1] | *optional* |"));
  EXPECT_THAT(md, HasSubstr("share of workers \\| living there"));  // pipes escaped
  EXPECT_THAT(markdown_reference(Record(), "Empty", 1), "# Empty\n\n(no fields)\n");
}

}  // namespace
}  // namespace terrasim::sim
