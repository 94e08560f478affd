// _tandem: the compiled half of the `tandem` Python package. Kept thin: each
// area binds itself in its own init_<area>() (one file each), called from here.

#include <pybind11/pybind11.h>

#include "python/src/errors.hpp"
#include "runtime/core/version.hpp"

namespace py = pybind11;

namespace tandem::python {
void init_demo(py::module_& m);
void init_twin(py::module_& m);
void init_endpoints(py::module_& m);
void init_procedures(py::module_& m);
void init_pki(py::module_& m);
void init_config(py::module_& m);
}

PYBIND11_MODULE(_tandem, m) {
  m.doc() = "Tandem: cluster runtime and digital twin for video communication servers";
  m.attr("__version__") = tandem::kBuildVersion;
  // Operating errors from C++ (tandem::Error) surface as tandem.TandemError.
  py::register_exception<tandem::python::TandemError>(m, "TandemError", PyExc_RuntimeError);
  tandem::python::init_demo(m);
  tandem::python::init_twin(m);
  tandem::python::init_endpoints(m);
  tandem::python::init_procedures(m);
  tandem::python::init_pki(m);
  tandem::python::init_config(m);
}
