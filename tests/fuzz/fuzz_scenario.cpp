// Fuzz harness for the scenario loader: any bytes, as a scenario file and as
// a `--set` assignment, must give a Value or a ScenarioError, never a crash,
// a hang, another exception or undefined behaviour.
//
// Built three ways:
// - with clang and libFuzzer (tests/fuzz/CMakeLists.txt, TERRASIM_FUZZ=ON,
//   scripts/fuzz scenario), which supplies main();
// - into the test_fuzz_smoke GoogleTest with -DTERRASIM_FUZZ_SMOKE, whose
//   test feeds it a fixed corpus (gtest supplies main());
// - on its own, by any compiler, as a program that replays the files named
//   on its command line: to debug a crash file found by the fuzzer.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/scenario/loader.h"
#include "sim/scenario/schema.h"

namespace {

using terrasim::sim::Record;
using terrasim::sim::ScenarioError;
using terrasim::sim::Value;

// A small declaration with one field of each kind, so that validation of
// what parses is exercised too.
const Record& fuzz_record() {
  static const Record record = [] {
    Record r;
    r.string("model").choices({"dock", "territory"});
    r.string("title").optional();
    r.integer("workers").range(1, 50'000'000).def(100);
    r.number("rate").range(0, 1).exclusive_min().def(0.5);
    r.boolean("flag").def(false);
    r.month("start").def("2015-01");
    r.string("home").optional().ref("zones");
    auto& section = r.section("dock").section();
    section.integer("applications").range(1, 16).def(3);
    section.series("path").optional().range(0, 1);
    auto& zone = r.list("zones").min_items(0).max_items(8).def(Value::list()).item();
    zone.string("name");
    zone.number("share").range(0, 1).def(0.0);
    r.check([](const Value& cfg, const auto& report) {
      if (cfg["workers"].as_int() == 13) report(cfg["workers"], "workers", "unlucky");
    });
    return r;
  }();
  return record;
}

void run_one(std::string_view text) {
  try {
    Value doc = terrasim::sim::parse_yaml(text, "fuzz.yaml");
    (void)doc.to_json();
    try {
      const Value config = terrasim::sim::validate(doc, fuzz_record());
      (void)config.to_json(2);
    } catch (const ScenarioError& e) {
      (void)e.what();
    }
    Value merged = terrasim::sim::merge(doc, doc);
    (void)merged;
  } catch (const ScenarioError& e) {
    for (const auto& d : e.diagnostics()) (void)ScenarioError::format(d);
  }
  // The same bytes as an override, on a small document.
  try {
    Value doc = Value::map();
    Value zones = Value::list();
    Value zone = Value::map();
    zone.set("name", Value::string("Centre"));
    zones.push_back(zone);
    doc.set("zones", zones);
    doc.set("dock", Value::map());
    const std::size_t newline = text.find('\n');
    terrasim::sim::apply_override(doc, text.substr(0, newline), 1);
    try {
      (void)terrasim::sim::validate(doc, fuzz_record());
    } catch (const ScenarioError&) {
    }
  } catch (const ScenarioError& e) {
    (void)e.what();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  run_one(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

#if !defined(TERRASIM_FUZZ_SMOKE) && !defined(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
#include "tests/fuzz/replay_main.h"
#endif
