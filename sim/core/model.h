// What a model is to the engine, and the registry that finds models by name.
//
// The engine never names a model. A model lives in its own folder under
// models/, declares its parameters (a Record), and registers a factory under
// the name that scenarios give in `model:`. Everything else (loading and
// checking scenarios, scheduling, recording, checkpoints, the command line,
// the Python bindings) is the engine's and works for every model.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/checkpoint/archive.h"
#include "sim/core/scheduler.h"
#include "sim/record/recorder.h"
#include "sim/scenario/schema.h"
#include "sim/scenario/value.h"

namespace terrasim::sim {

// The state of one running simulation of a model. Created from a validated
// configuration; the engine then calls declare, initialize (or load), and
// each month the phases followed by record.
class Model {
 public:
  virtual ~Model() = default;

  // Declares the series and breakdowns in `rec` (before any row).
  virtual void declare(Recorder& rec) = 0;
  // Builds the initial state (before month 0).
  virtual void initialize(std::uint64_t seed) = 0;
  // The monthly phases, in order. Called once; the phases may keep `this`.
  virtual std::vector<Phase> phases() = 0;
  // Records the month just simulated (the row is already begun).
  virtual void record(Recorder& rec, const MonthContext& ctx) = 0;

  // The whole mutable state, for checkpoints. `load` is called on a model
  // freshly created from the same configuration, instead of `initialize`.
  virtual void save(ArchiveWriter& out) const = 0;
  virtual void load(ArchiveReader& in) = 0;

  // The model's accounting identities, checked on the current state and the
  // rows recorded so far; returns one sentence per violation. The
  // conformance suite calls it after every month.
  virtual std::vector<std::string> check_invariants(const Recorder& rec) const = 0;
};

struct ModelInfo {
  std::string name;     // as written in scenarios: `model: dock`
  std::string summary;  // one line, for `terrasim models`
  int default_months = 120;
  // Declares the model's own fields (the engine adds model, seed, months...).
  std::function<void(Record&)> declare_parameters;
  // Creates the state from a validated configuration (the whole scenario).
  std::function<std::unique_ptr<Model>(const Value& config)> create;
};

class ModelRegistry {
 public:
  static ModelRegistry& global();
  void add(ModelInfo info);  // throws std::logic_error on a duplicate name
  const ModelInfo* find(const std::string& name) const;
  std::vector<std::string> names() const;  // sorted
  const std::vector<ModelInfo>& models() const { return models_; }

 private:
  std::vector<ModelInfo> models_;
};

// Registers a model at static-initialisation time. Model libraries are
// object libraries linked into every program, so the registration is kept.
struct ModelRegistration {
  explicit ModelRegistration(ModelInfo info) { ModelRegistry::global().add(std::move(info)); }
};

}  // namespace terrasim::sim
