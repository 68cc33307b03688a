// The recorder: monthly series and breakdowns as read-only NumPy arrays that
// share the engine's memory. Each array's base is the Recorder wrapper, which
// keeps its Simulation alive; the package wraps the arrays in views that
// refuse to be read once the simulation has advanced (the columns may have
// been reallocated by then).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bindings/bindings.h"
#include "sim/record/recorder.h"

namespace py = pybind11;

namespace terrasim::bindings {
namespace {

py::array readonly_view(py::handle owner, const double* data, std::vector<py::ssize_t> shape) {
  if (data == nullptr) {  // nothing recorded yet: an empty array of its own
    py::array empty(py::dtype::of<double>(), shape);
    empty.attr("setflags")(py::arg("write") = false);
    return empty;
  }
  py::array view(py::dtype::of<double>(), std::move(shape), std::vector<py::ssize_t>{}, data, owner);
  view.attr("setflags")(py::arg("write") = false);
  return view;
}

const sim::Breakdown& find_breakdown(const sim::Recorder& rec, const std::string& name) {
  for (const auto& b : rec.breakdowns())
    if (b.name == name) return b;
  throw py::key_error("no breakdown named '" + name + "'");
}

}  // namespace

void bind_recorder(py::module_& m) {
  py::class_<sim::Recorder>(m, "Recorder", "The monthly series and breakdowns of a simulation.")
      .def_property_readonly("rows", &sim::Recorder::rows)
      .def_property_readonly("labels", &sim::Recorder::labels)
      .def_property_readonly("months", &sim::Recorder::months)
      .def_property_readonly("series_names",
                             [](const sim::Recorder& r) {
                               std::vector<std::string> names;
                               for (const auto& s : r.series_info()) names.push_back(s.name);
                               return names;
                             })
      .def_property_readonly("series_docs",
                             [](const sim::Recorder& r) {
                               std::vector<std::pair<std::string, std::string>> docs;
                               for (const auto& s : r.series_info()) docs.emplace_back(s.name, s.doc);
                               return docs;
                             })
      .def("series_view",
           [](py::object self, const std::string& name) {
             const auto& rec = self.cast<const sim::Recorder&>();
             const int index = rec.find_series(name);
             if (index < 0) throw py::key_error("no series named '" + name + "'");
             const auto column = rec.series(index);
             return readonly_view(self, column.data(), {static_cast<py::ssize_t>(column.size())});
           },
           py::arg("name"), "The series as a read-only array sharing the engine's memory.")
      .def_property_readonly("breakdown_names",
                             [](const sim::Recorder& r) {
                               std::vector<std::string> names;
                               for (const auto& b : r.breakdowns()) names.push_back(b.name);
                               return names;
                             })
      .def("breakdown_info",
           [](const sim::Recorder& r, const std::string& name) {
             const auto& b = find_breakdown(r, name);
             std::vector<std::string> columns;
             for (const auto& c : b.columns) columns.push_back(c.name);
             return py::make_tuple(b.category_label, b.categories, columns);
           },
           py::arg("name"), "(category label, categories, columns) of a breakdown.")
      .def("breakdown_view",
           [](py::object self, const std::string& name) {
             const auto& rec = self.cast<const sim::Recorder&>();
             const auto& b = find_breakdown(rec, name);
             const auto categories = static_cast<py::ssize_t>(b.categories.size());
             const auto columns = static_cast<py::ssize_t>(b.columns.size());
             const auto rows = categories * columns == 0 ? 0 : static_cast<py::ssize_t>(b.values.size()) / (categories * columns);
             return readonly_view(self, b.values.data(), {rows, categories, columns});
           },
           py::arg("name"), "The breakdown as a read-only array [month, category, column] sharing the engine's memory.")
      .def("series_csv", &sim::Recorder::series_csv, py::arg("provenance"))
      .def("breakdown_csv",
           [](const sim::Recorder& r, const std::string& name, const sim::Recorder::Provenance& provenance) {
             return r.breakdown_csv(find_breakdown(r, name), provenance);
           },
           py::arg("name"), py::arg("provenance"))
      .def("to_json", &sim::Recorder::to_json, py::arg("provenance"));
}

}  // namespace terrasim::bindings
