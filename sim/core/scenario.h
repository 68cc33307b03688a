// A scenario: a YAML file (after `extends:` and overrides), checked against
// the declaration of its model and frozen into a configuration.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/model.h"
#include "sim/scenario/schema.h"
#include "sim/scenario/value.h"

namespace terrasim::sim {

struct Scenario {
  std::string source;                // the file given, or "<dict>", "<checkpoint>"
  std::vector<std::string> files;    // every file read, the top one first
  std::string file_sha256;           // of the top file's bytes (empty if none)
  std::string config_sha256;         // of the frozen configuration's canonical JSON
  const ModelInfo* model = nullptr;
  Value config;                      // validated: every field present

  std::uint64_t seed() const { return static_cast<std::uint64_t>(config["seed"].as_int()); }
  int months() const { return static_cast<int>(config["months"].as_int()); }
  const std::string& start() const { return config["start"].as_string(); }
  std::string title() const;
};

// The fields every scenario has, whatever its model: model, title,
// description, seed, months, start.
void declare_common_fields(Record& root, const ModelInfo& model, const ModelRegistry& registry);

// The whole declaration of a model's scenarios (common fields, then the model's).
Record scenario_record(const ModelInfo& model, const ModelRegistry& registry = ModelRegistry::global());

// Loads, resolves `extends`, applies overrides in order, checks. Throws
// ScenarioError (with file:line:col for every problem) and nothing else for
// bad input. An override's errors are located in the pseudo-file
// labels[i] ("--seed"), or "--set #i+1" (1-based) past the labels given; an
// error located in a file, about a field an override changed (a sum of
// shares, one of them set), notes that override; one elsewhere in the file
// that the overrides gave (a check they broke: a window's start moved past
// its end) notes those without which it would not come; and one in a file
// read through `extends` notes the file that named it.
Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides = {},
                       const ModelRegistry& registry = ModelRegistry::global(),
                       const std::vector<std::string>& labels = {});

// The same from a document already parsed (a Python dict, a checkpoint).
Scenario scenario_from_document(Value document, std::string source, const std::vector<std::string>& overrides = {},
                                const ModelRegistry& registry = ModelRegistry::global(),
                                const std::vector<std::string>& labels = {});

// "YYYY-MM" of the month `t` months after `start` ("YYYY-MM").
std::string month_label(const std::string& start, int t);

}  // namespace terrasim::sim
