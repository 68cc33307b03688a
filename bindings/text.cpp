// Text from the engine to Python: file names, which Linux lets be any bytes,
// and messages, which may name them. pybind11 decodes a std::string as
// strict UTF-8, and a file name that is not (sc\xe9.yaml) raised
// UnicodeDecodeError where the name or the message was wanted; an exception's
// message that is not UTF-8 came out empty.
#include <pybind11/pybind11.h>

#include <new>
#include <stdexcept>
#include <string_view>

#include "bindings/bindings.h"
#include "sim/checkpoint/archive.h"
#include "sim/core/simulation.h"
#include "sim/scenario/error.h"
#include "sim/util/utf8.h"

namespace py = pybind11;

namespace terrasim::bindings {
namespace {

// The Python types of the engine's exceptions other than ScenarioError
// (which has a translator of its own); the module holds the references.
PyObject* checkpoint_error_type = nullptr;
PyObject* reconfigure_error_type = nullptr;

bool is_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t length = sim::utf8_length_at(s, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

// The Python type pybind11 raises for `e` (its default translator's, and
// the engine's registered types).
PyObject* python_type_of(const std::exception& e) {
  if (dynamic_cast<const sim::CheckpointError*>(&e)) return checkpoint_error_type;
  if (dynamic_cast<const sim::ReconfigureError*>(&e)) return reconfigure_error_type;
  if (dynamic_cast<const std::bad_alloc*>(&e)) return PyExc_MemoryError;
  if (dynamic_cast<const std::out_of_range*>(&e)) return PyExc_IndexError;
  if (dynamic_cast<const std::overflow_error*>(&e)) return PyExc_OverflowError;
  if (dynamic_cast<const std::domain_error*>(&e) || dynamic_cast<const std::invalid_argument*>(&e) ||
      dynamic_cast<const std::length_error*>(&e) || dynamic_cast<const std::range_error*>(&e))
    return PyExc_ValueError;
  return PyExc_RuntimeError;
}

}  // namespace

py::str file_name_str(std::string_view bytes) {
  PyObject* s = PyUnicode_DecodeFSDefaultAndSize(bytes.data(), static_cast<Py_ssize_t>(bytes.size()));
  if (!s) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(s);
}

py::str text_str(std::string_view bytes) {
  PyObject* s = PyUnicode_DecodeUTF8(bytes.data(), static_cast<Py_ssize_t>(bytes.size()), "backslashreplace");
  if (!s) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(s);
}

void translate_messages_that_are_not_utf8(py::module_& m) {
  checkpoint_error_type = m.attr("CheckpointError").ptr();
  reconfigure_error_type = m.attr("ReconfigureError").ptr();
  // Tried before the translators registered earlier; passes on (rethrows)
  // every exception it does not change. Local to terrasim._core, as the
  // module's other translators are: registered for the whole process, it
  // turned another pybind11 extension's own exception whose message is not
  // UTF-8 into a RuntimeError.
  py::register_local_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const py::builtin_exception&) {
      throw;  // raised by the glue itself, as Python text
    } catch (const sim::ScenarioError&) {
      throw;  // its own translator (scenario.cpp) makes its text with text_str
    } catch (const std::exception& e) {
      if (is_utf8(e.what())) throw;
      PyErr_SetObject(python_type_of(e), text_str(e.what()).ptr());
    }
  });
}

}  // namespace terrasim::bindings
