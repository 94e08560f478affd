#pragma once
// The ClusterTwin as Python holds it, shared by the binding files that take a
// twin (twin_bindings.cpp, procedures_bindings.cpp). It adds what Python needs
// around the C++ twin: host numbers checked (a bad number is an error, never an
// assertion), Python callbacks run from the event loop with the GIL taken,
// and an exception raised by such a callback carried out of the run. It also
// owns the twin's endpoint populations, so they go before the twin they run in.

#include <pybind11/pybind11.h>

#include <functional>
#include <memory>
#include <optional>

#include "python/src/errors.hpp"
#include "simulator/cluster_twin.hpp"

namespace tandem::sim::endpoints {
class EndpointPopulations;
}

namespace tandem::python {

namespace py = pybind11;

// Seconds from Python to a Duration; negative or NaN is a ValueError.
Duration seconds_arg(double s, const char* what);

class PyClusterTwin {
 public:
  explicit PyClusterTwin(std::unique_ptr<sim::ClusterTwin> twin);
  ~PyClusterTwin();  // the endpoint populations first (they crash their hosts), then the twin

  sim::ClusterTwin& twin() { return *twin_; }
  // The twin's endpoint populations, made on first use (endpoints_bindings.cpp).
  sim::endpoints::EndpointPopulations& endpoints();
  // `number` names a host of this twin, or TandemError.
  int host(int number) const;

  // Runs `body` (which runs the event loop) with the GIL released, then
  // raises what a Python callback raised meanwhile, if anything did.
  template <class F>
  auto without_gil(F&& body) {
    using R = decltype(body());
    std::optional<R> out;
    {
      py::gil_scoped_release release;
      out.emplace(body());
    }
    rethrow_callback_error();
    return std::move(*out);
  }

  // Wraps a Python callable for the event loop: called with the GIL held; an
  // exception is kept for rethrow_callback_error() and later calls are skipped.
  std::function<bool()> guarded(py::function fn);
  bool callback_failed() const { return static_cast<bool>(callback_error_); }
  void rethrow_callback_error();

 private:
  std::unique_ptr<sim::ClusterTwin> twin_;
  std::unique_ptr<sim::endpoints::EndpointPopulations> endpoints_;  // after twin_: destroyed before it
  std::shared_ptr<py::error_already_set> callback_error_;
};

}  // namespace tandem::python
