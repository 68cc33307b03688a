// Scenario loading: the fields common to every model, then the model's own.
#include "sim/core/scenario.h"

#include <algorithm>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "sim/scenario/loader.h"
#include "sim/scenario/value_access.h"
#include "sim/util/sha256.h"

namespace terrasim::sim {

std::string Scenario::title() const {
  const Value& t = config["title"];
  return t.is_null() ? source : t.as_string();
}

void declare_common_fields(Record& root, const ModelInfo& model, const ModelRegistry& registry) {
  (void)registry;
  root.string("model").choices({model.name}).doc("the model this scenario runs");
  root.string("extends").optional().doc(
      "a scenario file that this one extends, relative to this file's folder: its fields are this one's defaults");
  root.string("title").optional().doc("a short title, used in reports and output headers");
  root.string("description").optional().doc("what the scenario represents, and where its numbers come from");
  root.integer("seed").range(0, 9007199254740991.0).def(1).doc(
      "random seed: the same seed gives the same output, whatever the number of threads");
  root.integer("months").range(1, 1200).def(model.default_months).unit("months").doc("months to simulate");
  root.month("start").def("2015-01").doc("calendar month of the first simulated month (t = 0)");
}

Record scenario_record(const ModelInfo& model, const ModelRegistry& registry) {
  Record root;
  root.doc(model.summary);
  declare_common_fields(root, model, registry);
  model.declare_parameters(root);
  return root;
}

namespace {
// The model named by the document, or a ScenarioError saying why there is none.
const ModelInfo& model_of(const Value& doc, const ModelRegistry& registry) {
  const Value* m = doc.find("model");
  if (m && !m->is_null() && m->is_scalar()) {
    if (const ModelInfo* info = registry.find(m->text())) return *info;
  }
  // Let the validator word the error (missing field, or not one of the
  // known models with the closest one suggested), with the excerpt.
  Record only_model;
  only_model.string("model").choices(registry.names()).doc("the model this scenario runs");
  Value just_model = Value::map(doc.location());
  if (m) just_model.set("model", *m);
  validate(just_model, only_model);
  throw ScenarioError({{doc.location(), "model", "no model could be determined", "", ""}});
}
}  // namespace

namespace {

// Whether the field at `inner` is the one at `outer` or inside it.
bool within(std::string_view inner, std::string_view outer) {
  if (inner.empty() || outer.empty()) return false;
  return inner.starts_with(outer) &&
         (inner.size() == outer.size() || inner[outer.size()] == '.' || inner[outer.size()] == '[');
}

struct Applied {
  std::string label;       // "--set #1", "--seed"
  std::string assignment;  // as written
  std::string path;        // as errors name fields
};

// The problems validation finds in `document` (none if it validates).
std::vector<Diagnostic> problems_of(const Value& document, const ModelRegistry& registry) {
  try {
    validate(document, scenario_record(model_of(document, registry), registry));
    return {};
  } catch (const ScenarioError& e) {
    return e.diagnostics();
  }
}

bool same_place(const Diagnostic& a, const Diagnostic& b) {
  return a.path == b.path && a.location.file == b.location.file && a.location.line == b.location.line &&
         a.location.column == b.location.column;
}

bool found_in(const std::vector<Diagnostic>& problems, const Diagnostic& d) {
  return std::any_of(problems.begin(), problems.end(), [&](const Diagnostic& p) { return same_place(p, d); });
}

std::string quoted(const std::vector<const Applied*>& overrides) {
  std::string out;
  for (const Applied* a : overrides) out += fmt::format("{}{} `{}`", out.empty() ? "" : ", ", a->label, a->assignment);
  return out;
}

// `error` with a note on each diagnostic located in a file (not at an
// override) that the overrides explain:
// - about a field an override changed, or changed a field of: a cross-field
//   check (shares that must sum to 1) is located at the list in the file,
//   while the value that broke it came from the command line;
// - found with the overrides and not in `original` (the document before
//   them): a check elsewhere that an override broke (a zone renamed that a
//   link names, a window's start moved past its end). The note names the
//   overrides that give the error: all of them, less each one without which
//   it still comes (in order; so none can be left out of those named).
ScenarioError with_override_notes(const ScenarioError& error, const std::vector<Applied>& applied,
                                  const Value& original, const ModelRegistry& registry) {
  // The problems with a subset of the overrides applied (in their order), each
  // subset validated once.
  std::map<std::vector<bool>, std::vector<Diagnostic>> problems;
  auto problems_with = [&](const std::vector<bool>& subset) -> const std::vector<Diagnostic>& {
    auto it = problems.find(subset);
    if (it != problems.end()) return it->second;
    Value doc = original;
    std::vector<Diagnostic> found;
    try {
      for (std::size_t i = 0; i < applied.size(); ++i)
        if (subset[i]) apply_override(doc, applied[i].assignment, applied[i].label);
      found = problems_of(doc, registry);
    } catch (const ScenarioError& e) {
      found = e.diagnostics();  // an override that applies only after another: the error is the override's
    }
    return problems.emplace(subset, std::move(found)).first->second;
  };
  // Whether an error's absence from the problems with fewer overrides shows
  // that those overrides would not give it. Not when the list is cut at the
  // validator's cap, nor when it holds a problem that the overrides removed:
  // the checks across fields run only on a document without other errors,
  // so such a problem may have hidden it (an override that mends a value
  // lets a check run that the file fails by itself).
  auto conclusive = [&](const std::vector<Diagnostic>& fewer) {
    return fewer.size() < kMaxDiagnostics &&
           std::all_of(fewer.begin(), fewer.end(), [&](const Diagnostic& p) { return found_in(error.diagnostics(), p); });
  };
  std::vector<Diagnostic> diagnostics = error.diagnostics();
  for (Diagnostic& d : diagnostics) {
    if (std::any_of(applied.begin(), applied.end(), [&](const Applied& a) { return d.location.file == a.label; }))
      continue;
    std::vector<const Applied*> named;
    for (const Applied& a : applied)
      if (within(a.path, d.path)) named.push_back(&a);
    std::string note;
    if (!named.empty()) {
      note = fmt::format("{} changed by {}", d.path, quoted(named));
    } else {
      const auto& before = problems_with(std::vector<bool>(applied.size(), false));
      if (!conclusive(before) || found_in(before, d)) continue;
      std::vector<bool> causes(applied.size(), true);
      for (std::size_t i = 0; i < applied.size(); ++i) {
        causes[i] = false;
        const auto& without = problems_with(causes);
        causes[i] = !conclusive(without) || !found_in(without, d);
      }
      for (std::size_t i = 0; i < applied.size(); ++i)
        if (causes[i]) named.push_back(&applied[i]);
      note = fmt::format("not an error of the file alone: it comes with {}", quoted(named));
    }
    d.note += fmt::format("{}{}", d.note.empty() ? "" : "; ", note);
  }
  return ScenarioError(std::move(diagnostics));
}

}  // namespace

Scenario scenario_from_document(Value document, std::string source, const std::vector<std::string>& overrides,
                                const ModelRegistry& registry, const std::vector<std::string>& labels) {
  std::vector<Applied> applied;
  const Value original = overrides.empty() ? Value() : document;
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    Applied a{i < labels.size() ? labels[i] : fmt::format("--set #{}", i + 1), overrides[i], ""};
    a.path = apply_override(document, overrides[i], a.label);
    // A field given twice (`--set months=3 --months 5`), or changed then
    // replaced whole (`--set zones.Nord.x_km=1 --set zones=[...]`): the
    // last one won without a word (a review). A later change inside an
    // earlier one's value refines it, and is taken.
    for (const Applied& earlier : applied)
      if (within(earlier.path, a.path))
        throw ScenarioError({{Location{a.label, 1, 1}, a.path,
                              fmt::format("{} sets {}{}, which {} ({}) set already: the last would win without a "
                                          "word; give it once",
                                          a.label, a.path,
                                          earlier.path == a.path ? "" : fmt::format(", and with it {}", earlier.path),
                                          earlier.label, earlier.assignment),
                              a.assignment, ""}});
    applied.push_back(std::move(a));
  }
  try {
    // A file's `extends` is resolved when the file is read (load_scenario),
    // and taken out. One here came from an override, a Python dict or a
    // document of another program, with no file to be relative to: it was
    // checked as a string, then dropped, and the run went on without the
    // parent (even one that does not exist) and without a word.
    if (const Value* extends = document.find("extends"))
      throw ScenarioError({scenario_detail::diagnostic(
          extends->location(), "extends",
          "`extends` is read from a scenario file only, where it names the file it extends relative to its own "
          "folder: write `extends: FILE` in the scenario file (or give the parent's fields here)")});
    const ModelInfo& model = model_of(document, registry);
    Scenario s;
    s.source = std::move(source);
    s.model = &model;
    s.config = validate(document, scenario_record(model, registry));
    // Resolved: the frozen configuration stands alone, and can itself be run
    // as a scenario (the config.json of every output folder).
    s.config.erase("extends");
    s.config_sha256 = sha256_hex(s.config.to_json());
    return s;
  } catch (const ScenarioError& e) {
    if (applied.empty()) throw;
    throw with_override_notes(e, applied, original, registry);
  }
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides,
                       const ModelRegistry& registry, const std::vector<std::string>& labels) {
  std::vector<std::string> files;
  std::vector<ExtendsLink> links;
  std::string file_sha256;
  Value doc = resolve_extends(path, &files, {}, &links, &file_sha256);
  try {
    Scenario s = scenario_from_document(std::move(doc), path, overrides, registry, labels);
    s.files = std::move(files);
    s.file_sha256 = std::move(file_sha256);
    return s;
  } catch (const ScenarioError& e) {
    if (links.empty()) throw;
    throw with_extends_notes(e, links);
  }
}

std::string month_label(const std::string& start, int t) {
  const int year = std::stoi(start.substr(0, 4));
  const int month = std::stoi(start.substr(5, 2)) - 1;
  const int total = year * 12 + month + t;
  return fmt::format("{:04d}-{:02d}", total / 12, total % 12 + 1);
}

}  // namespace terrasim::sim
