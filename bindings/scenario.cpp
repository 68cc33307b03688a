// Scenarios: loading from a file or a Python dict, overrides, validation
// errors as terrasim.ScenarioError, the models and their schemas.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bindings/bindings.h"
#include "sim/core/model.h"
#include "sim/core/scenario.h"
#include "sim/record/recorder.h"
#include "sim/scenario/error.h"
#include "sim/scenario/loader.h"
#include "sim/scenario/schema.h"
#include "sim/scenario/value.h"

namespace py = pybind11;

namespace terrasim::bindings {
namespace {

using sim::Value;

// The type object of terrasim._core.ScenarioError; the module holds the reference.
PyObject* scenario_error_type = nullptr;

// A Python str as UTF-8. One that holds a lone surrogate ("\ud800", or a
// file name decoded with surrogateescape) is no Unicode text, which YAML
// refuses too ("\uD800" in a file: "invalid unicode"): refused naming the
// field, where pybind11's cast said only "Unable to cast Python instance
// to C++ type" (a RuntimeError). `what` says where: "title", "a key of zones[0]".
std::string utf8_text(py::handle text, const std::string& what) {
  Py_ssize_t size = 0;
  if (const char* data = PyUnicode_AsUTF8AndSize(text.ptr(), &size)) return std::string(data, static_cast<std::size_t>(size));
  PyErr_Clear();
  const Py_ssize_t length = PyUnicode_GetLength(text.ptr());
  Py_ssize_t at = 0;
  Py_UCS4 c = 0;
  while (at < length && !((c = PyUnicode_ReadChar(text.ptr(), at)) >= 0xD800 && c <= 0xDFFF)) ++at;
  char code[8];
  std::snprintf(code, sizeof code, "%04X", static_cast<unsigned>(c));
  throw py::value_error(what + ": the text holds a lone surrogate (U+" + code + ", character " + std::to_string(at + 1) +
                        "), which is not Unicode: a scenario's text is UTF-8, as its files are");
}

// A Python value (already reduced by terrasim/scenario.py to dict, list,
// str, int, float, bool, None) as a scenario document. Typed scalars are
// given their type here; validation then checks them as it checks YAML.
// A Python value as a scenario document. Nested no deeper than YAML may be
// (ParseLimits::max_depth): each level is a C++ call, and a dict nested some
// 10,000 levels deep overflowed the stack.
Value to_value(py::handle h, const std::string& path, int depth = 0) {
  const sim::Location loc{"<dict>", 0, 0};
  if ((py::isinstance<py::dict>(h) || py::isinstance<py::list>(h) || py::isinstance<py::tuple>(h)) &&
      depth >= sim::ParseLimits{}.max_depth)
    throw py::value_error((path.empty() ? std::string("scenario") : path.substr(0, 200) + (path.size() > 200 ? "..." : "")) +
                          ": nesting deeper than " + std::to_string(sim::ParseLimits{}.max_depth) +
                          " levels: a scenario never needs that many");
  if (h.is_none()) return Value::null(loc);
  if (py::isinstance<py::bool_>(h)) return Value::boolean(h.cast<bool>(), loc);
  if (py::isinstance<py::int_>(h)) {
    try {
      return Value::integer(h.cast<std::int64_t>(), loc);
    } catch (const py::cast_error&) {
      throw py::value_error(path + ": integer too large for 64 bits");
    }
  }
  if (py::isinstance<py::float_>(h)) return Value::number(h.cast<double>(), loc);
  if (py::isinstance<py::str>(h)) return Value::string(utf8_text(h, path.empty() ? "scenario" : path), loc);
  if (py::isinstance<py::dict>(h)) {
    Value map = Value::map(loc);
    for (auto item : h.cast<py::dict>()) {
      if (!py::isinstance<py::str>(item.first))
        throw py::type_error(path + ": mapping keys must be strings, found " +
                             std::string(py::str(py::type::of(item.first).attr("__name__"))));
      auto key = utf8_text(item.first, "a key of " + (path.empty() ? std::string("the scenario") : path));
      map.set(key, to_value(item.second, path.empty() ? key : path + "." + key, depth + 1));
    }
    return map;
  }
  if (py::isinstance<py::list>(h) || py::isinstance<py::tuple>(h)) {
    Value list = Value::list(loc);
    std::size_t i = 0;
    for (auto item : h) list.push_back(to_value(item, path + "[" + std::to_string(i++) + "]", depth + 1));
    return list;
  }
  throw py::type_error((path.empty() ? std::string("scenario") : path) + ": cannot use a value of type " +
                       std::string(py::str(py::type::of(h).attr("__name__"))) + " in a scenario");
}

}  // namespace

void bind_scenario(py::module_& m) {
  py::class_<sim::Diagnostic>(m, "Diagnostic", "One problem in a scenario: where, which field, what is wrong.")
      // The file as os.fsdecode names it (a name that is not UTF-8 too);
      // the texts with such a name's other bytes as \xNN (text_str).
      .def_property_readonly("file", [](const sim::Diagnostic& d) { return file_name_str(d.location.file); })
      .def_property_readonly("line", [](const sim::Diagnostic& d) { return d.location.line; })
      .def_property_readonly("column", [](const sim::Diagnostic& d) { return d.location.column; })
      .def_property_readonly("path", [](const sim::Diagnostic& d) { return text_str(d.path); })
      .def_property_readonly("message", [](const sim::Diagnostic& d) { return text_str(d.message); })
      .def_property_readonly("source_line", [](const sim::Diagnostic& d) { return text_str(d.source_line); })
      .def_property_readonly("note", [](const sim::Diagnostic& d) { return text_str(d.note); },
                             "how the value came to be there (a --set, an extends), or empty")
      .def("__str__", [](const sim::Diagnostic& d) { return text_str(sim::ScenarioError::format(d)); })
      .def("__repr__", [](const sim::Diagnostic& d) {
        return text_str("<Diagnostic " + d.location.file + ":" + std::to_string(d.location.line) + ":" +
                        std::to_string(d.location.column) + " " + d.path + ": " + d.message + ">");
      })
      // Picklable, as the ScenarioError that holds it must be: an error raised in a worker process (a
      // user's own executor) is pickled back. Its texts as bytes, kept as they were.
      .def(py::pickle(
          [](const sim::Diagnostic& d) {
            return py::make_tuple(py::bytes(d.location.file), d.location.line, d.location.column, py::bytes(d.path),
                                  py::bytes(d.message), py::bytes(d.source_line), py::bytes(d.note));
          },
          [](const py::tuple& t) {
            if (t.size() != 7) throw std::runtime_error("Diagnostic: not a pickled Diagnostic");
            sim::Diagnostic d;
            d.location = {t[0].cast<std::string>(), t[1].cast<int>(), t[2].cast<int>()};
            d.path = t[3].cast<std::string>();
            d.message = t[4].cast<std::string>();
            d.source_line = t[5].cast<std::string>();
            d.note = t[6].cast<std::string>();
            return d;
          }));

  scenario_error_type = py::exception<sim::ScenarioError>(m, "ScenarioError", PyExc_ValueError).ptr();
  py::register_local_exception<sim::CheckpointError>(m, "CheckpointError", PyExc_RuntimeError);
  py::register_local_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const sim::ScenarioError& e) {
      auto type = py::reinterpret_borrow<py::object>(scenario_error_type);
      py::object error = type(text_str(e.what()));
      error.attr("diagnostics") = py::cast(e.diagnostics());
      const sim::Diagnostic* first = e.diagnostics().empty() ? nullptr : &e.diagnostics().front();
      error.attr("file") = first ? py::object(file_name_str(first->location.file)) : py::none();
      error.attr("line") = first ? py::cast(first->location.line) : py::none();
      error.attr("column") = first ? py::cast(first->location.column) : py::none();
      error.attr("path") = first ? py::object(text_str(first->path)) : py::none();
      error.attr("message") = first ? py::object(text_str(first->message)) : py::none();
      PyErr_SetObject(scenario_error_type, error.ptr());
    }
  });

  py::class_<sim::Scenario>(m, "Scenario", "A validated, frozen scenario (the engine's object).")
      // File names as os.fsdecode gives them (see file_name_str).
      .def_property_readonly("source", [](const sim::Scenario& s) { return file_name_str(s.source); })
      .def_property_readonly("files",
                             [](const sim::Scenario& s) {
                               py::list files;
                               for (const auto& f : s.files) files.append(file_name_str(f));
                               return files;
                             })
      .def_readonly("file_sha256", &sim::Scenario::file_sha256)
      .def_readonly("config_sha256", &sim::Scenario::config_sha256)
      .def_property_readonly("model", [](const sim::Scenario& s) { return s.model->name; })
      .def_property_readonly("seed", &sim::Scenario::seed)
      .def_property_readonly("months", &sim::Scenario::months)
      .def_property_readonly("start", &sim::Scenario::start)
      .def_property_readonly("title", &sim::Scenario::title)
      .def("config_json", [](const sim::Scenario& s, int indent) { return s.config.to_json(indent); },
           py::arg("indent") = -1)
      .def_property_readonly(
          "series_names",
          [](const sim::Scenario& s) {
            // The model declares them when created: nothing is simulated
            // (the initial state, which a Simulation draws, is not).
            const auto model = s.model->create(s.config);
            sim::Recorder recorder;
            model->declare(recorder);
            return recorder.series_names();
          },
          "The series a run of this scenario records.");

  m.def("load_scenario",
        // A path as Python's open() takes it: str (one decoded with
        // surrogateescape too), bytes or os.PathLike (pybind11's caster:
        // os.fspath, then os.fsencode).
        [](const std::filesystem::path& path, const std::vector<std::string>& overrides,
           const std::vector<std::string>& labels) {
          return sim::load_scenario(path.native(), overrides, sim::ModelRegistry::global(), labels);
        },
        py::arg("path"), py::arg("overrides") = std::vector<std::string>{},
        py::arg("labels") = std::vector<std::string>{},
        "Loads a scenario file, resolves `extends`, applies `path=value` overrides, validates; an override's "
        "errors are located in its label (default \"--set #N\").");
  m.def("scenario_from_dict",
        // `source` and `files` name files as load_scenario's path does (the
        // source may be a label too, "<dict>").
        [](const py::dict& document, const std::vector<std::string>& overrides, const std::filesystem::path& source,
           const std::vector<std::filesystem::path>& files, std::string file_sha256,
           const std::vector<std::string>& labels) {
          sim::Scenario s = sim::scenario_from_document(to_value(document, ""), source.native(), overrides,
                                                        sim::ModelRegistry::global(), labels);
          if (!files.empty()) s.files.assign(files.begin(), files.end());
          if (!file_sha256.empty()) s.file_sha256 = std::move(file_sha256);
          return s;
        },
        py::arg("document"), py::arg("overrides") = std::vector<std::string>{}, py::arg("source") = "<dict>",
        py::arg("files") = std::vector<std::filesystem::path>{}, py::arg("file_sha256") = "",
        py::arg("labels") = std::vector<std::string>{},
        "Validates a scenario given as a dict (plain Python values), after `path=value` overrides; `files` and "
        "`file_sha256` name the files it came from (a scenario rebuilt from its configuration).");
  m.def("scenario_with_overrides",
        [](const sim::Scenario& base, const std::vector<std::string>& overrides, const std::vector<std::string>& labels) {
          // The same files (and the top file's hash) as the base: overrides
          // change the configuration, whose own hash says so.
          sim::Scenario s = sim::scenario_from_document(base.config, base.source, overrides,
                                                        sim::ModelRegistry::global(), labels);
          s.files = base.files;
          s.file_sha256 = base.file_sha256;
          return s;
        },
        py::arg("base"), py::arg("overrides"), py::arg("labels") = std::vector<std::string>{},
        "A scenario's configuration with more `path=value` overrides, validated; keeps its files and file hash.");
  m.def("override_paths",
        [](const sim::Scenario& base, const std::vector<std::string>& overrides, const std::vector<std::string>& labels) {
          // Applied in turn to a copy of the configuration, as
          // scenario_from_document applies them (nothing validated).
          Value document = base.config;
          std::vector<std::string> paths;
          for (std::size_t i = 0; i < overrides.size(); ++i)
            paths.push_back(sim::apply_override(document, overrides[i],
                                                i < labels.size() ? labels[i] : "--set #" + std::to_string(i + 1)));
          return paths;
        },
        py::arg("base"), py::arg("overrides"), py::arg("labels") = std::vector<std::string>{},
        "The field each `path=value` override of `base` sets, as errors name fields (`zones[0].x_km` for "
        "`zones.Centre.x_km` too): two spellings of one field are one path.");
  m.def("month_label", &sim::month_label, py::arg("start"), py::arg("t"));
  m.def("models", [] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& name : sim::ModelRegistry::global().names())
      out.emplace_back(name, sim::ModelRegistry::global().find(name)->summary);
    return out;
  });
  m.def("schema_json", [](const std::string& model) {
    const auto* info = sim::ModelRegistry::global().find(model);
    if (!info) throw py::key_error("no model named '" + model + "'");
    return sim::json_schema(sim::scenario_record(*info), "terrasim scenario (model " + info->name + ")");
  }, py::arg("model"));  // by name too, as _core.pyi declares it
}

}  // namespace terrasim::bindings
