// The declaration the scenario tests validate against: one field of each
// kind, a section, a series, a list with a reference into it, a cross check.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

#include "sim/scenario/schema.h"

namespace terrasim::sim::testing {

inline std::string data_path(const std::string& name) { return std::string(TERRASIM_TEST_DATA) + "/data/" + name; }

inline Record test_record() {
  Record r;
  r.doc("A test model with one field of each kind.");
  r.string("model").choices({"dock", "territory"}).doc("the model this scenario runs");
  r.string("title").optional().doc("a short title");
  r.integer("workers").range(1, 50'000'000).def(100000).unit("workers").doc("N, number of workers");
  r.integer("seed").range(0, 9007199254740991.0).def(1).doc("random seed");
  r.number("separation_rate").range(0.0, 1.0).def(0.02).unit("1/month").doc(
      "monthly probability that an employed worker leaves its job");
  r.number("distance_scale_km").range(0, 1e6).exclusive_min().def(8.0).unit("km").doc("distance decay");
  r.boolean("verbose").def(false).doc("print more");
  r.month("start").def("2015-01").doc("first month");
  r.string("home").optional().ref("zones").doc("the home zone");
  auto& dock = r.section("dock").doc("docking parameters").section();
  dock.integer("applications").range(1, 16).def(3).doc("applications a month");
  dock.number("separation_rate").range(0, 1).def(0.02).unit("1/month").doc("dock separations");
  auto& context = r.section("context").doc("national context").section();
  context.series("national_unemployment").range(0, 1).optional().doc("national unemployment rate");
  auto& zone = r.list("zones").min_items(1).max_items(8).doc("the zones").item();
  zone.doc("one zone");
  zone.string("name").doc("zone name");
  zone.number("x_km").range(-1e5, 1e5).unit("km").doc("x coordinate");
  zone.number("share").range(0, 1).doc("share of workers | living there");
  auto& portal = r.section("policies").section().section("portal").section();
  portal.number("creation_boost").range(0, 1).def(0.0).doc("more creations");
  portal.month("start").optional().doc("when the portal opens");
  r.check([](const Value& cfg, const auto& report) {
    const Value& zones = cfg["zones"];
    double total = 0;
    for (const Value& z : zones.items()) total += z["share"].as_double();
    if (std::fabs(total - 1.0) > 1e-9) report(zones, "zones", fmt::format("shares sum to {}, expected 1", total));
  });
  return r;
}

// The report of the ScenarioError that f() throws, or "<no ScenarioError>".
template <class F>
std::string error_text(F&& f) {
  try {
    f();
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "<no ScenarioError>";
}

// The diagnostics of the ScenarioError that f() throws (none if it throws none).
template <class F>
std::vector<Diagnostic> diagnostics_of(F&& f) {
  try {
    f();
  } catch (const ScenarioError& e) {
    return e.diagnostics();
  }
  return {};
}

}  // namespace terrasim::sim::testing
