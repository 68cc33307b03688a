// The subcommands of `terrasim`.
#include "cli/commands.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <new>
#include <ostream>

#include <fmt/format.h>

#include "sim/checkpoint/archive.h"
#include "sim/core/run_outputs.h"
#include "sim/core/scenario.h"
#include "sim/core/simulation.h"
#include "sim/scenario/error.h"
#include "sim/scenario/loader.h"
#include "sim/scenario/schema.h"

namespace terrasim::cli {

namespace fs = std::filesystem;
using sim::Simulation;

namespace {

// Prints a progress line on stderr once a run has taken more than two
// seconds, at most four times a second.
class ProgressLine {
 public:
  ProgressLine(Progress mode, std::ostream& err)
      : err_(err), enabled_(mode == Progress::Always || (mode == Progress::Auto && ::isatty(STDERR_FILENO))) {
    // TERRASIM_PROGRESS_AFTER (seconds) lets tests see the line on short runs.
    if (const char* after = std::getenv("TERRASIM_PROGRESS_AFTER")) after_ = std::atof(after);
  }

  bool operator()(int done, int total) {
    if (!enabled_) return true;
    const double elapsed = seconds();
    if (elapsed < after_ || (shown_ && elapsed - last_ < 0.25)) return true;
    last_ = elapsed;
    const double left = done > 0 ? elapsed * (total - done) / done : 0.0;
    err_ << fmt::format("\rterrasim: month {}/{} ({:.0f}%), {:.1f} s, about {:.0f} s left   ", done, total,
                        100.0 * done / total, elapsed, std::ceil(left))
         << std::flush;
    shown_ = true;
    return true;
  }
  void finish() {
    if (shown_) err_ << fmt::format("\rterrasim: done in {:.1f} s{:30}\n", seconds(), "");
  }

 private:
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count(); }
  std::ostream& err_;
  bool enabled_;
  bool shown_ = false;
  double last_ = 0.0;
  double after_ = 2.0;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

// The output folder, made before any work is done, so that a folder that
// cannot be made, or written in, is refused then rather than after the run
// (whose result would be lost). Removed again
// (if still empty) when the run fails: a failed run leaves nothing behind.
class OutputFolder {
 public:
  // False, with the reason on `err`, if `dir` cannot be the folder of the
  // outputs of `s` in `format`.
  bool prepare(const std::string& dir, const Simulation& s, const std::string& format, std::ostream& err) {
    if (dir.empty()) return true;
    std::error_code ec;
    if (fs::exists(dir, ec)) {
      if (const std::string why = sim::output_folder_problem(s, dir, format); !why.empty()) {
        err << "terrasim: --out " << dir << ": " << why << "\n";
        return false;
      }
      return true;
    }
    made_ = sim::missing_folders(dir);  // to remove on failure
    fs::create_directories(dir, ec);
    if (ec) {
      err << "terrasim: --out " << dir << ": cannot make the folder: " << ec.message() << "\n";
      discard();
      return false;
    }
    return true;
  }
  // Removes the folders prepare() made, innermost first, if they are empty.
  void discard() {
    sim::remove_empty_folders(made_);
    made_.clear();
  }

 private:
  std::vector<fs::path> made_;
};

// Refuses a checkpoint path that cannot be written, or whose file is not a
// checkpoint (the scenario being run, a result), before any work is done.
bool checkpoint_path_usable(const RunRequest& r, std::ostream& err) {
  if (!r.checkpoint_at) return true;
  const auto& [month, file] = *r.checkpoint_at;
  const std::string why = sim::checkpoint_path_problem(file);
  if (!why.empty()) err << fmt::format("terrasim: --checkpoint-at {} {}: {}\n", month, file, why);
  return why.empty();
}

// Writes the outputs of a finished run: to `out` (no folder), or as files in
// the folder, written as one set (sim::write_run_outputs). Returns an exit
// code.
int write_outputs(const Simulation& s, const RunRequest& r, std::ostream& out, std::ostream& err) {
  try {
    if (r.out_dir.empty()) {
      const auto header = s.provenance();
      out << (r.format == "json" ? s.recorder().to_json(header) : s.recorder().series_csv(header));
      out.flush();
      return out ? kOk : kFailure;
    }
    const std::vector<std::string> removed = sim::write_run_outputs(s, r.out_dir, r.format);
    if (!removed.empty())
      err << fmt::format("terrasim: --out {}: removed an earlier run's {}\n", r.out_dir, fmt::join(removed, ", "));
  } catch (const std::exception& e) {
    err << "terrasim: " << e.what() << "\n";
    return kFailure;
  }
  return kOk;
}

int simulate(Simulation& s, const RunRequest& r, std::ostream& out, std::ostream& err) {
  if (r.checkpoint_at && (r.checkpoint_at->first < s.month() || r.checkpoint_at->first > s.months())) {
    err << fmt::format("terrasim: --checkpoint-at {}: expected a month between {} and {}\n", r.checkpoint_at->first,
                       s.month(), s.months());
    return kBadInput;
  }
  if (!checkpoint_path_usable(r, err)) return kBadInput;
  if (r.checkpoint_at && !r.out_dir.empty()) {
    // The outputs, written after it, would replace it.
    std::error_code ec;
    const fs::path checkpoint = fs::weakly_canonical(r.checkpoint_at->second, ec);
    for (const std::string& name : sim::run_output_names(s, r.format))
      if (checkpoint == fs::weakly_canonical(fs::path(r.out_dir) / name, ec)) {
        err << fmt::format("terrasim: --checkpoint-at {} {}: is the run's output {} in --out {}: choose another file\n",
                           r.checkpoint_at->first, r.checkpoint_at->second, name, r.out_dir);
        return kBadInput;
      }
  }
  OutputFolder folder;
  if (!folder.prepare(r.out_dir, s, r.format, err)) return kBadInput;
  ProgressLine progress(r.progress, err);
  // The checkpoint is written at its month, so that a run stopped later (a
  // crash, a kill, a time limit) can be resumed from it; a run that fails
  // after it keeps it too: it is that month's valid state. A checkpoint that
  // cannot be written (the disk full) is reported, and the run goes on to
  // its outputs rather than losing them.
  std::string checkpoint_failure;
  auto checkpoint = [&] {
    try {
      s.save_checkpoint(r.checkpoint_at->second);
    } catch (const std::exception& e) {
      checkpoint_failure = e.what();
    }
  };
  try {
    s.run([&](int done) {
      if (r.checkpoint_at && r.checkpoint_at->first == done) checkpoint();
      return progress(done, s.months());
    });
    if (r.checkpoint_at && r.checkpoint_at->first == s.months()) checkpoint();
  } catch (const std::bad_alloc&) {
    err << fmt::format("terrasim: not enough memory at month {}: the scenario's agents, or its firms' vacancies, "
                       "need more than this machine has\n", s.month());
    folder.discard();
    return kFailure;
  } catch (const std::exception& e) {
    err << "terrasim: " << e.what() << "\n";
    folder.discard();
    return kFailure;
  }
  progress.finish();
  if (r.profile) err << s.scheduler().profile_table();
  const int written = write_outputs(s, r, out, err);
  // Outputs that could not be written (the disk full) leave no folders this
  // run made: they stayed, empty, where a failed run leaves nothing.
  if (written != kOk) folder.discard();
  if (!checkpoint_failure.empty()) {
    err << "terrasim: --checkpoint-at: " << checkpoint_failure << " (the run's outputs were written)\n";
    return kFailure;
  }
  return written;
}

}  // namespace

namespace {
// The overrides a request makes, and how each was written, for errors:
// "--set #1", ..., then "--seed" and "--months".
struct Overrides {
  std::vector<std::string> assignments, labels;
  explicit Overrides(const RunRequest& r, bool with_seed) : assignments(r.overrides) {
    for (std::size_t i = 0; i < assignments.size(); ++i) labels.push_back(fmt::format("--set #{}", i + 1));
    if (with_seed && r.seed) add("seed=" + *r.seed, "--seed");
    if (r.months) add("months=" + *r.months, "--months");
  }
  void add(std::string assignment, std::string label) {
    assignments.push_back(std::move(assignment));
    labels.push_back(std::move(label));
  }
};
}  // namespace

int run_command(const RunRequest& r, std::ostream& out, std::ostream& err) {
  const Overrides overrides(r, true);
  std::unique_ptr<Simulation> s;
  try {
    s = std::make_unique<Simulation>(
        sim::load_scenario(r.scenario, overrides.assignments, sim::ModelRegistry::global(), overrides.labels),
        r.threads);
  } catch (const sim::ScenarioError& e) {
    err << e.what() << "\n";
    return kBadInput;
  } catch (const std::bad_alloc&) {
    err << "terrasim: not enough memory for this scenario's population\n";
    return kFailure;
  }
  return simulate(*s, r, out, err);
}

int resume_command(const RunRequest& r, std::ostream& out, std::ostream& err) {
  std::unique_ptr<Simulation> s;
  try {
    s = Simulation::resume(r.scenario, r.threads);
  } catch (const sim::CheckpointError& e) {
    err << "terrasim: " << e.what() << "\n";
    return kBadInput;
  } catch (const sim::ScenarioError& e) {
    err << "terrasim: " << r.scenario << ": the configuration saved in the checkpoint is not valid:\n" << e.what() << "\n";
    return kBadInput;
  }
  const Overrides overrides(r, false);
  if (!overrides.assignments.empty()) {
    // The run continues under the changed configuration (same seed: the
    // changed run shares the checkpoint's history and random numbers).
    std::string source = r.scenario;
    for (const auto& o : overrides.assignments) source += " --set " + o;
    try {
      s->reconfigure(sim::scenario_from_document(s->scenario().config, source, overrides.assignments,
                                                 sim::ModelRegistry::global(), overrides.labels));
    } catch (const sim::ScenarioError& e) {
      err << e.what() << "\n";
      return kBadInput;
    } catch (const sim::ReconfigureError& e) {
      err << "terrasim: " << e.what() << "\n";
      return kBadInput;
    }
  }
  return simulate(*s, r, out, err);
}

int check_command(const std::string& scenario, const std::vector<std::string>& overrides, bool print,
                  std::ostream& out, std::ostream& err) {
  try {
    const sim::Scenario s = sim::load_scenario(scenario, overrides);
    if (print) {
      out << s.config.to_json(2) << "\n";
    } else {
      out << fmt::format("{}: ok (model {}, {} months from {}, seed {}; config sha256 {})\n", scenario, s.model->name,
                         s.months(), s.start(), s.seed(), s.config_sha256);
    }
    return kOk;
  } catch (const sim::ScenarioError& e) {
    err << e.what() << "\n";
    return kBadInput;
  }
}

int schema_command(const std::string& model, const std::string& format, std::ostream& out, std::ostream& err) {
  const auto& registry = sim::ModelRegistry::global();
  std::vector<const sim::ModelInfo*> models;
  if (model.empty()) {
    for (const auto& name : registry.names()) models.push_back(registry.find(name));
  } else if (const auto* m = registry.find(model)) {
    models.push_back(m);
  } else {
    err << fmt::format("terrasim: no model named '{}'; the models are: {}\n", model, fmt::join(registry.names(), ", "));
    return kBadInput;
  }
  if (format == "markdown") {
    out << "# Scenario reference\n\n"
           "<!-- Generated by `terrasim schema --format markdown` from the parameter declarations in the\n"
           "     source; do not edit by hand (scripts/gen-docs regenerates it, and a test checks it). -->\n\n"
           "A scenario is a YAML file. It names its `model`, may `extends:` another file (whose fields\n"
           "become its defaults: mappings are merged key by key, lists and values replaced), and sets\n"
           "the fields below. Every field is checked when the file is loaded: type, range, unknown keys\n"
           "(with the closest known key suggested), references. Fields without a default are required.\n"
           "Any field can be overridden from the command line: `terrasim run FILE --set path=value`\n"
           "(`--set zones.Centre.x_km=1`, `--set zones[0].x_km=1`).\n\n";
    for (const auto* m : models)
      out << sim::markdown_reference(sim::scenario_record(*m, registry), "Model `" + m->name + "`", 2) << "\n";
    return kOk;
  }
  if (models.size() == 1) {
    out << sim::json_schema(sim::scenario_record(*models[0], registry), "terrasim scenario (model " + models[0]->name + ")")
        << "\n";
    return kOk;
  }
  // Several models: one schema per model, each an embedded resource. Any
  // of them, not exactly one: a file that extends another need not name its
  // model, and one that sets only fields every model has (title) fits each.
  out << "{\n  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n"
         "  \"title\": \"terrasim scenario\",\n  \"anyOf\": [\n";
  for (std::size_t i = 0; i < models.size(); ++i) {
    std::string one = sim::json_schema(sim::scenario_record(*models[i], registry), "model " + models[i]->name);
    one.insert(one.find('{') + 1, fmt::format("\n  \"$id\": \"urn:terrasim:scenario:{}\",", models[i]->name));
    out << one << (i + 1 < models.size() ? ",\n" : "\n");
  }
  out << "  ]\n}\n";
  return kOk;
}

int models_command(std::ostream& out) {
  for (const auto& name : sim::ModelRegistry::global().names()) {
    const auto* m = sim::ModelRegistry::global().find(name);
    out << fmt::format("{:<12} {}\n", m->name, m->summary);
  }
  return kOk;
}

}  // namespace terrasim::cli
