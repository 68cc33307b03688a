// What a model is to the engine, and the registry that finds models by name.
//
// The engine never names a model. A model lives in its own folder under
// models/, declares its parameters (a Record), and registers a factory under
// the name that scenarios give in `model:`. Everything else (loading and
// checking scenarios, scheduling, recording, checkpoints, the command line,
// the Python bindings) is the engine's and works for every model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "sim/checkpoint/archive.h"
#include "sim/core/scheduler.h"
#include "sim/record/recorder.h"
#include "sim/scenario/schema.h"
#include "sim/scenario/value.h"

namespace terrasim::sim {

// One column of a model's agents, for zero-copy reading (the Python
// bindings' NumPy views). `data` points into the model's own storage and is
// valid only until the next month (or load): the storage may be reallocated.
struct ColumnView {
  std::string agents;  // the kind of agent: "workers", "firms"...
  std::string name;
  std::string dtype;   // NumPy type code: "u1", "u2", "u4", "u8", "i2", "i8", "f4", "f8"
  const void* data = nullptr;
  std::size_t size = 0;  // elements
  std::string doc;
};

// The NumPy type code of a column's element type.
template <class T>
constexpr const char* numpy_dtype() {
  if constexpr (std::is_same_v<T, std::uint8_t>) return "u1";
  else if constexpr (std::is_same_v<T, std::uint16_t>) return "u2";
  else if constexpr (std::is_same_v<T, std::uint32_t>) return "u4";
  else if constexpr (std::is_same_v<T, std::uint64_t>) return "u8";
  else if constexpr (std::is_same_v<T, std::int8_t>) return "i1";
  else if constexpr (std::is_same_v<T, std::int16_t>) return "i2";
  else if constexpr (std::is_same_v<T, std::int32_t>) return "i4";
  else if constexpr (std::is_same_v<T, std::int64_t>) return "i8";
  else if constexpr (std::is_same_v<T, float>) return "f4";
  else {
    static_assert(std::is_same_v<T, double>, "no NumPy type code for this element type");
    return "f8";
  }
}

// A ColumnView of a vector (its current storage).
template <class T, class A>
ColumnView column_view(std::string agents, std::string name, const std::vector<T, A>& column, std::string doc) {
  return ColumnView{std::move(agents), std::move(name), numpy_dtype<T>(), column.data(), column.size(), std::move(doc)};
}

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

  // The agents' columns, for reading without copying (by slot; a model with
  // free slots says so in a column). None unless the model opts in.
  virtual std::vector<ColumnView> columns() const { return {}; }
};

struct ModelInfo {
  std::string name;     // as written in scenarios: `model: dock`
  std::string summary;  // one line, for `terrasim models`
  int default_months = 120;
  // Declares the model's own fields (the engine adds model, seed, months...).
  std::function<void(Record&)> declare_parameters;
  // Creates the state from a validated configuration (the whole scenario).
  std::function<std::unique_ptr<Model>(const Value& config)> create;
  // The fields that only shape the initial state (`a.b` a field of a
  // section, `a[].b` that field of every item of list a): a reconfiguration
  // that changes one is refused, since the run would go on as if it had not
  // changed, unlike a run that had it from the start.
  std::vector<std::string> initial_state_only = {};
  // The fields that size the whole run (the territory's `scale`: its
  // population, and with it its flows and budgets): a reconfiguration that
  // changes one is refused, since the state would keep the old size while
  // its flows took the new one.
  std::vector<std::string> fixed_during_run = {};
  // What else the model cannot take in a reconfiguration before month
  // `month` from the running configuration to `next`: "" where it can, or
  // why not (said after "it changes ..." or the like). For what the lists
  // above cannot say: the territory's events (a closure's plant opened with
  // the initial state and knows its event by its place in the list; an
  // arrival that has happened is done).
  std::function<std::string(const Value& running, const Value& next, int month)> reconfigure_problem = {};
  // The names of the breakdowns `declare` may make (each written as
  // NAME.csv): the files an earlier run of any model left in an output
  // folder, which a new run there removes, whatever its own model; a file of
  // another name stays (a saved copy of a series). Simulation refuses a
  // model that declares one not listed here.
  std::vector<std::string> breakdowns = {};
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
