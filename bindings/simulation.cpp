// The Simulation: construction, stepping and running with the GIL released
// (Ctrl-C is checked between months), checkpoints, provenance, profile, and
// the model's agent columns as read-only NumPy arrays sharing the engine's
// memory (each array's base is the Simulation, which it keeps alive; the
// package wraps them in views that check `generation`). Paths are taken as
// Python's open() takes them: str (one decoded with surrogateescape too),
// bytes or os.PathLike (pybind11's caster: os.fspath, then os.fsencode).
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include "bindings/bindings.h"
#include "sim/core/run_outputs.h"
#include "sim/core/simulation.h"

namespace py = pybind11;

namespace terrasim::bindings {
namespace {

// The simulations (and their recorders) with a call running: touched only
// with the GIL held.
std::unordered_set<const void*>& running() {
  static std::unordered_set<const void*> objects;
  return objects;
}

py::array column_array(py::handle owner, const sim::ColumnView& c) {
  const py::dtype dtype(std::string("<") + c.dtype);  // the engine's platforms are little-endian
  const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(c.size)};
  py::array a = c.size == 0 || c.data == nullptr ? py::array(dtype, shape)  // empty: an array of its own
                                                 : py::array(dtype, shape, std::vector<py::ssize_t>{}, c.data, owner);
  a.attr("setflags")(py::arg("write") = false);
  return a;
}

}  // namespace

ExclusiveCall::ExclusiveCall(const sim::Simulation& s) : keys_{&s, &s.recorder()} {
  check_not_running(&s);
  for (const void* k : keys_) running().insert(k);
}

ExclusiveCall::~ExclusiveCall() {
  for (const void* k : keys_) running().erase(k);
}

void check_not_running(const void* object) {
  if (running().count(object) != 0)
    throw std::runtime_error(
        "this Simulation is busy: a call on it is running (step, run, a checkpoint), in another thread or "
        "around the progress function run() calls; a simulation takes one call at a time (use one Simulation "
        "per thread, or fork() it; read it after run(), or step it: for month in sim: ...)");
}

void bind_simulation(py::module_& m) {
  using sim::Simulation;
  py::register_local_exception<sim::ReconfigureError>(m, "ReconfigureError", PyExc_ValueError);
  py::class_<Simulation, std::unique_ptr<Simulation>>(m, "Simulation", "A running simulation (the engine's object).")
      .def(py::init([](const sim::Scenario& scenario, int threads) {
             sim::Scenario copy = scenario;
             py::gil_scoped_release release;
             return std::make_unique<Simulation>(std::move(copy), threads);
           }),
           py::arg("scenario"), py::arg("threads") = 0)
      .def_static("resume",
                  [](const std::filesystem::path& path, int threads) {
                    py::gil_scoped_release release;
                    return Simulation::resume(path.native(), threads);
                  },
                  py::arg("path"), py::arg("threads") = 0)
      .def_property_readonly("month", &Simulation::month)
      // These read the scenario, which a reconfiguration running in another
      // thread replaces (and frees): refused then, as the other calls are.
      .def_property_readonly("months",
                             [](const Simulation& s) {
                               check_not_running(&s);
                               return s.months();
                             })
      .def_property_readonly("done",
                             [](const Simulation& s) {
                               check_not_running(&s);
                               return s.done();
                             })
      .def_property_readonly("threads", &Simulation::threads)
      // A copy: a reconfiguration replaces the simulation's scenario.
      .def_property_readonly("scenario",
                             [](const Simulation& s) {
                               check_not_running(&s);
                               return s.scenario();
                             })
      .def_property_readonly("recorder", &Simulation::recorder, py::return_value_policy::reference_internal)
      .def("step",
           [](Simulation& s) {
             const ExclusiveCall call(s);
             py::gil_scoped_release release;
             s.step();
           })
      // Runs to the end (or to month `until`) without the GIL. Between months
      // it takes the GIL back briefly to let Python handle signals (Ctrl-C
      // raises KeyboardInterrupt here, leaving the simulation at a month
      // boundary) and to call `progress(done, months)` when given, after
      // each month simulated (the last included).
      .def("run",
           [](Simulation& s, int until, py::object progress, bool check_signals) {
             const ExclusiveCall call(s);
             const int stop = until < 0 ? s.months() : until;
             bool interrupted = false;
             int reported = s.month();
             auto report = [&](int done) {  // with the GIL; false if `progress` raised
               if (progress.is_none() || done <= reported) return true;
               reported = done;
               try {
                 progress(done, s.months());
               } catch (py::error_already_set& e) {
                 e.restore();
                 interrupted = true;
                 return false;
               }
               return true;
             };
             {
               py::gil_scoped_release release;
               s.run([&](int done) {
                 const bool reached = done >= stop;
                 if (!check_signals && progress.is_none()) return !reached;
                 py::gil_scoped_acquire acquire;
                 if (!report(done) || reached) return false;
                 if (check_signals && PyErr_CheckSignals() != 0) {
                   interrupted = true;
                   return false;
                 }
                 return true;
               });
             }
             if (!interrupted) report(s.month());  // the last month, which no call before a step follows
             if (interrupted) throw py::error_already_set();
             return s.done();
           },
           py::arg("until") = -1, py::arg("progress") = py::none(), py::arg("check_signals") = true)
      // A checkpoint in memory (the payload a file would hold), for forks.
      .def("checkpoint_payload",
           [](const Simulation& s) {
             const ExclusiveCall call(s);
             std::string payload;
             {
               py::gil_scoped_release release;
               payload = s.checkpoint_payload();
             }
             return py::bytes(payload);
           })
      .def_static("resume_payload",
                  [](const py::bytes& payload, int threads) {
                    std::string bytes = payload;
                    py::gil_scoped_release release;
                    return Simulation::resume(sim::ArchiveReader(std::move(bytes), "<fork>"), threads);
                  },
                  py::arg("payload"), py::arg("threads") = 0)
      .def("write_outputs",
           [](const Simulation& s, const std::filesystem::path& folder, const std::string& format) {
             const ExclusiveCall call(s);
             std::vector<std::string> removed;
             {
               py::gil_scoped_release release;
               removed = sim::write_run_outputs(s, folder.native(), format);
             }
             py::list names;  // files found in the folder: any bytes
             for (const auto& name : removed) names.append(file_name_str(name));
             return names;
           },
           py::arg("folder"), py::arg("format") = "csv",
           "Writes the run's files into the folder as one set, as `terrasim run --out` does; returns the names of "
           "an earlier run's outputs it removed.")
      .def("output_folder_problem",
           [](const Simulation& s, const std::filesystem::path& folder, const std::string& format) {
             const ExclusiveCall call(s);
             return text_str(sim::output_folder_problem(s, folder.native(), format));
           },
           py::arg("folder"), py::arg("format") = "csv",
           "Why write_outputs could not write into the folder now, or an empty string if it could.")
      .def("save_checkpoint",
           [](const Simulation& s, const std::filesystem::path& file) {
             const std::string& path = file.native();
             // As terrasim run --checkpoint-at: never over a file that is not a checkpoint (the scenario itself).
             if (const std::string why = sim::checkpoint_path_problem(path); !why.empty())
               throw sim::CheckpointError(path + ": " + why);
             const ExclusiveCall call(s);
             py::gil_scoped_release release;
             s.save_checkpoint(path);
           },
           py::arg("path"))
      .def_property_readonly("generation", &Simulation::generation,
                             "Changes of state so far (steps, resume): a view taken at one generation is stale at the next.")
      // What a view of the engine's memory reads, taken as one call: (True,
      // array[key] copied, or the whole array copied when key is None) if the
      // simulation is still at `generation`, else (False, None). No step can
      // start in another thread meanwhile (a view checked, then read while
      // another thread stepped, read memory the step had freed).
      .def("_read_if_current",
           [](const Simulation& s, const py::array& a, std::uint64_t generation, const py::object& key) {
             const ExclusiveCall call(s);
             if (s.generation() != generation) return py::make_tuple(false, py::none());
             py::object part = key.is_none() ? py::object(a) : py::object(a[key]);
             if (py::isinstance<py::array>(part)) part = part.attr("copy")();
             return py::make_tuple(true, part);
           },
           py::arg("array"), py::arg("generation"), py::arg("key") = py::none())
      .def("columns",
           [](const Simulation& s) {
             check_not_running(&s);
             py::list out;
             for (const auto& c : s.model().columns()) out.append(py::make_tuple(c.agents, c.name, c.dtype, c.size, c.doc));
             return out;
           },
           "The model's agent columns: a list of (agents, name, dtype, size, doc).")
      .def("column",
           [](py::object self, const std::string& agents, const std::string& name) {
             const auto& s = self.cast<const Simulation&>();
             check_not_running(&s);
             const auto columns = s.model().columns();
             for (const auto& c : columns)
               if (c.agents == agents && c.name == name) return column_array(self, c);
             std::string known;
             for (const auto& c : columns) known += (known.empty() ? "" : ", ") + c.agents + "." + c.name;
             throw py::key_error("the " + s.scenario().model->name + " model has no column '" + agents + "." + name +
                                 "' (it has: " + (known.empty() ? "none" : known) + ")");
           },
           py::arg("agents"), py::arg("name"),
           "One agent column as a read-only array sharing the engine's memory, valid until the next step.")
      .def("reconfigure",
           [](Simulation& s, const sim::Scenario& next) {
             const ExclusiveCall call(s);
             sim::Scenario copy = next;
             py::gil_scoped_release release;
             s.reconfigure(std::move(copy));
           },
           py::arg("scenario"),
           "Continues with another configuration from the next month on (same model, seed and start; same series "
           "and breakdowns); raises ReconfigureError, changing nothing, when the running state cannot take it.")
      .def("config_history",
           [](const Simulation& s) {
             check_not_running(&s);
             py::list out;
             for (const auto& h : s.config_history())
               out.append(py::make_tuple(h.month, h.config_sha256, file_name_str(h.source), h.config_json));
             return out;
           },
           "The configurations the run has had: (month it took effect, config SHA-256, source, configuration as JSON).")
      .def("provenance",
           [](const Simulation& s) {
             check_not_running(&s);
             return s.provenance();
           })
      .def("profile", [](const Simulation& s) {
        check_not_running(&s);
        py::list rows;
        for (const auto& t : s.scheduler().profile()) rows.append(py::make_tuple(t.name, t.calls, t.seconds));
        return rows;
      });
}

}  // namespace terrasim::bindings
