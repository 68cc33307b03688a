// The recorder: monthly series and breakdowns as read-only NumPy arrays,
// copies of the months recorded so far (a few hundred numbers each). They
// used to share the engine's memory, which the next month's row may
// reallocate: an array kept by pandas (pd.Series(view)) then read freed
// memory. The package wraps them in views that refuse to be read once the
// simulation has advanced, as the agent columns' views do.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bindings/bindings.h"
#include "sim/record/recorder.h"

namespace py = pybind11;

namespace terrasim::bindings {
namespace {

// A read-only array of its own holding `data` (`shape`, C order).
py::array readonly_copy(const double* data, std::vector<py::ssize_t> shape) {
  py::array_t<double> copy(std::move(shape));
  if (copy.size() > 0) std::copy_n(data, copy.size(), copy.mutable_data());
  copy.attr("setflags")(py::arg("write") = false);
  return copy;
}

const sim::Breakdown& find_breakdown(const sim::Recorder& rec, const std::string& name) {
  for (const auto& b : rec.breakdowns())
    if (b.name == name) return b;
  throw py::key_error("no breakdown named '" + name + "'");
}

// A read of the recorder, refused while a call on its simulation runs.
template <class Read>
auto checked(Read read) {
  return [read](const sim::Recorder& r) {
    check_not_running(&r);
    return read(r);
  };
}

}  // namespace

void bind_recorder(py::module_& m) {
  py::class_<sim::Recorder>(m, "Recorder", "The monthly series and breakdowns of a simulation.")
      .def_property_readonly("rows", checked([](const sim::Recorder& r) { return r.rows(); }))
      .def_property_readonly("labels", checked([](const sim::Recorder& r) { return r.labels(); }))
      .def_property_readonly("months", checked([](const sim::Recorder& r) { return r.months(); }))
      .def_property_readonly("series_names", &sim::Recorder::series_names)
      .def_property_readonly("series_docs",
                             [](const sim::Recorder& r) {
                               std::vector<std::pair<std::string, std::string>> docs;
                               for (const auto& s : r.series_info()) docs.emplace_back(s.name, s.doc);
                               return docs;
                             })
      .def("series_view",
           [](const sim::Recorder& rec, const std::string& name) {
             check_not_running(&rec);
             const int index = rec.find_series(name);
             if (index < 0) throw py::key_error("no series named '" + name + "'");
             const auto column = rec.series(index);
             return readonly_copy(column.data(), {static_cast<py::ssize_t>(column.size())});
           },
           py::arg("name"), "The series so far, as a read-only array of its own.")
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
           [](const sim::Recorder& rec, const std::string& name) {
             check_not_running(&rec);
             const auto& b = find_breakdown(rec, name);
             const auto categories = static_cast<py::ssize_t>(b.categories.size());
             const auto columns = static_cast<py::ssize_t>(b.columns.size());
             const auto rows = categories * columns == 0 ? 0 : static_cast<py::ssize_t>(b.values.size()) / (categories * columns);
             return readonly_copy(b.values.data(), {rows, categories, columns});
           },
           py::arg("name"), "The breakdown so far, as a read-only array [month, category, column] of its own.")
      .def("series_csv",
           [](const sim::Recorder& r, const sim::Recorder::Provenance& provenance) {
             check_not_running(&r);
             return r.series_csv(provenance);
           },
           py::arg("provenance"))
      .def("breakdown_csv",
           [](const sim::Recorder& r, const std::string& name, const sim::Recorder::Provenance& provenance) {
             check_not_running(&r);
             return r.breakdown_csv(find_breakdown(r, name), provenance);
           },
           py::arg("name"), py::arg("provenance"))
      .def("to_json",
           [](const sim::Recorder& r, const sim::Recorder::Provenance& provenance) {
             check_not_running(&r);
             return r.to_json(provenance);
           },
           py::arg("provenance"));
}

}  // namespace terrasim::bindings
