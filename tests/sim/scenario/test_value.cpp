// Value: construction, typed access, mappings in order, JSON text, equality; UTF-8 text of any bytes.
#include "sim/scenario/value.h"
#include "sim/util/utf8.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace terrasim::sim {
namespace {

TEST(Value, KindsAndAccessors) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_TRUE(Value::null().is_scalar());
  EXPECT_TRUE(Value::boolean(true).as_bool());
  EXPECT_EQ(Value::integer(-7).as_int(), -7);
  EXPECT_DOUBLE_EQ(Value::number(0.25).as_double(), 0.25);
  EXPECT_EQ(Value::string("abc").as_string(), "abc");
  EXPECT_EQ(Value::string("abc").text(), "abc");
  EXPECT_EQ(Value::integer(42).text(), "42");
  EXPECT_TRUE(Value::list().is_list());
  EXPECT_TRUE(Value::map().is_map());
  EXPECT_FALSE(Value::map().is_scalar());
  const Location loc{"f.yaml", 3, 7};
  const Value v = Value::string("x", loc);
  EXPECT_EQ(v.location().file, "f.yaml");
  EXPECT_EQ(v.location().line, 3);
  EXPECT_EQ(v.location().column, 7);
  EXPECT_TRUE(v.location().known());
  EXPECT_FALSE(Location{}.known());
}

TEST(Value, KindMismatchIsALogicError) {
  EXPECT_THROW(Value::string("1").as_int(), std::logic_error);
  EXPECT_THROW(Value::integer(1).as_bool(), std::logic_error);
  EXPECT_THROW(Value::number(1).as_string(), std::logic_error);
  EXPECT_THROW(Value::null().as_double(), std::logic_error);
  EXPECT_THROW(Value::map().items(), std::logic_error);
  EXPECT_THROW(Value::list().entries(), std::logic_error);
  EXPECT_THROW(Value::map().push_back(Value()), std::logic_error);
  EXPECT_THROW(Value::list().set("a", Value()), std::logic_error);
  EXPECT_THROW(Value::map()["absent"], std::logic_error);
  EXPECT_EQ(Value::list().find("a"), nullptr);
  EXPECT_FALSE(Value::integer(3).erase("a"));
}

TEST(Value, IntegerToDoubleOnlyWhenExact) {
  EXPECT_DOUBLE_EQ(Value::integer(3).as_double(), 3.0);
  const std::int64_t big = (std::int64_t{1} << 53) - 1;
  EXPECT_DOUBLE_EQ(Value::integer(big).as_double(), static_cast<double>(big));
  EXPECT_DOUBLE_EQ(Value::integer(-big).as_double(), static_cast<double>(-big));
  EXPECT_THROW(Value::integer(std::int64_t{1} << 53).as_double(), std::logic_error);
  EXPECT_THROW(Value::integer(std::numeric_limits<std::int64_t>::min()).as_double(), std::logic_error);
}

TEST(Value, MappingsKeepOrderAndReplaceInPlace) {
  Value m = Value::map();
  m.set("b", Value::integer(1));
  m.set("a", Value::integer(2));
  m.set("c", Value::integer(3));
  m.set("a", Value::integer(20));
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m.entries()[0].first, "b");
  EXPECT_EQ(m.entries()[1].first, "a");
  EXPECT_EQ(m["a"].as_int(), 20);
  EXPECT_TRUE(m.contains("c"));
  EXPECT_TRUE(m.erase("b"));
  EXPECT_FALSE(m.erase("b"));
  EXPECT_FALSE(m.contains("b"));
  EXPECT_EQ(m.entries()[0].first, "a");
  m.find("c")->set_location(Location{"x", 1, 1});
  EXPECT_EQ(m["c"].location().file, "x");
  EXPECT_EQ(Value::integer(1).size(), 0u);
}

TEST(Value, Lists) {
  Value l = Value::list();
  l.push_back(Value::integer(1));
  l.push_back(Value::string("two"));
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l.items()[1].as_string(), "two");
  l.items()[0] = Value::boolean(false);
  EXPECT_FALSE(l.items()[0].as_bool());
}

TEST(Value, CompactJson) {
  Value m = Value::map();
  m.set("n", Value::null());
  m.set("b", Value::boolean(true));
  m.set("i", Value::integer(-12));
  m.set("d", Value::number(0.1));
  m.set("one", Value::number(1.0));
  m.set("big", Value::number(1e300));
  m.set("s", Value::string("a\"b\\c\n\t\x01 é"));
  Value l = Value::list();
  l.push_back(Value::integer(1));
  l.push_back(Value::map());
  l.push_back(Value::list());
  m.set("l", l);
  EXPECT_EQ(m.to_json(),
            R"({"n":null,"b":true,"i":-12,"d":0.1,"one":1.0,"big":1e+300,"s":"a\"b\\c\n\t\u0001 é","l":[1,{},[]]})");
}

TEST(Value, PrettyJson) {
  Value m = Value::map();
  m.set("a", Value::integer(1));
  Value l = Value::list();
  l.push_back(Value::number(2.5));
  l.push_back(Value::string("x"));
  m.set("l", l);
  m.set("e", Value::map());
  EXPECT_EQ(m.to_json(2), "{\n  \"a\": 1,\n  \"l\": [\n    2.5,\n    \"x\"\n  ],\n  \"e\": {}\n}");
  EXPECT_EQ(Value::list().to_json(2), "[]");
}

TEST(Value, NumbersInShortestRoundTripForm) {
  for (double d : {0.1, 0.02, 1.0 / 3.0, 1e-7, 123456.0, 5e-324, -0.0, 1e16, 2.5}) {
    const std::string text = Value::number(d).to_json();
    EXPECT_NE(text.find_first_of(".e"), std::string::npos) << text;
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), d) << text;
  }
  EXPECT_EQ(Value::number(100000).to_json(), "100000.0");
  EXPECT_EQ(Value::number(-0.0).to_json(), "-0.0");
  EXPECT_EQ(Value::number(0.02).to_json(), "0.02");
  // JSON has no NaN or infinity.
  EXPECT_EQ(Value::number(std::nan("")).to_json(), "null");
  EXPECT_EQ(Value::number(std::numeric_limits<double>::infinity()).to_json(), "null");
}

TEST(Value, StructuralEquality) {
  Value a = Value::map(Location{"a.yaml", 1, 1});
  a.set("x", Value::integer(1, Location{"a.yaml", 2, 4}));
  a.set("y", Value::string("s"));
  Value b = Value::map();
  b.set("y", Value::string("s"));
  b.set("x", Value::integer(1));
  EXPECT_TRUE(a == b);  // locations ignored, mappings unordered
  b.set("x", Value::number(1.0));
  EXPECT_FALSE(a == b);  // kinds differ
  Value l1 = Value::list(), l2 = Value::list();
  l1.push_back(Value::integer(1));
  l1.push_back(Value::integer(2));
  l2.push_back(Value::integer(2));
  l2.push_back(Value::integer(1));
  EXPECT_FALSE(l1 == l2);  // lists ordered
  EXPECT_TRUE(Value::number(std::nan("")) == Value::number(std::nan("")));
  EXPECT_TRUE(Value::null() == Value::null());
  EXPECT_FALSE(Value::string("1") == Value::integer(1));
}

// A file name that is not UTF-8 goes into a run's provenance and messages as
// Python's errors="backslashreplace" decodes it: each byte outside a UTF-8
// sequence as \xNN, the rest as it is.
TEST(Utf8, PrintableTextWritesTheBytesThatAreNotUtf8AsEscapes) {
  EXPECT_EQ(printable_utf8("scenarios/dock/small.yaml"), "scenarios/dock/small.yaml");
  EXPECT_EQ(printable_utf8("sc\xc3\xa9.yaml \xe2\x86\x92 \xf0\x9f\x98\x80"), "sc\xc3\xa9.yaml \xe2\x86\x92 \xf0\x9f\x98\x80");
  EXPECT_EQ(printable_utf8("sc\xe9.yaml"), "sc\\xe9.yaml");
  EXPECT_EQ(printable_utf8("f\xe9/sc\xe9"), "f\\xe9/sc\\xe9");
  EXPECT_EQ(printable_utf8("\xc0\xaf"), "\\xc0\\xaf");              // overlong
  EXPECT_EQ(printable_utf8("\xed\xa0\x80"), "\\xed\\xa0\\x80");     // a surrogate
  EXPECT_EQ(printable_utf8("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // past U+10FFFF
  EXPECT_EQ(printable_utf8("ok \xe2\x82"), "ok \\xe2\\x82");        // cut short
  EXPECT_EQ(printable_utf8("\xe2\x82" "a\xc3\xa9"), "\\xe2\\x82a\xc3\xa9");
  EXPECT_EQ(printable_utf8(std::string_view("a\0b", 3)), std::string("a\0b", 3));
  EXPECT_EQ(printable_utf8(""), "");
}

}  // namespace
}  // namespace terrasim::sim
