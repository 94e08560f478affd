// The configuration schema in Python: which items exist, which are
// replicated and which belong to one peer, which are secret. Rehearsal uses it
// to copy a live cluster's configuration into a twin.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "python/src/errors.hpp"
#include "runtime/config/schema.hpp"

namespace tandem::python {
namespace {

namespace py = pybind11;

py::dict describe(const config::ItemSpec& spec) {
  py::dict out;
  out["pattern"] = spec.pattern;
  out["scope"] = std::string(config::to_string(spec.scope));
  out["default"] = spec.default_value;
  out["secret"] = spec.secret;
  out["restart_required"] = spec.restart_required;
  return out;
}

}  // namespace

void init_config(py::module_& m) {
  m.def(
      "config_items",
      [] {
        py::list out;
        for (const config::ItemSpec& spec : config::vcs_schema().items()) out.append(describe(spec));
        return out;
      },
      "Every item pattern of the schema: pattern, scope ('replicated' or 'peer-specific'), default, secret,\n"
      "restart_required.");
  m.def(
      "config_item",
      [](const std::string& path) {
        auto resolved = unwrap(config::vcs_schema().resolve(path));
        py::dict out = describe(*resolved.spec);
        out["path"] = resolved.path;
        return out;
      },
      py::arg("path"), "The item a path names (canonical path and its spec); TandemError naming what did not fit.");
}

}  // namespace tandem::python
