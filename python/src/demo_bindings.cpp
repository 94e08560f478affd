// The heartbeat demo twin in Python, its faults and its trace.

#include <pybind11/chrono.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <stdexcept>

#include "python/src/errors.hpp"
#include "simulator/demo_twin.hpp"

namespace py = pybind11;

namespace tandem::python {
namespace {

Duration seconds(double s) {
  if (!(s >= 0.0)) throw std::invalid_argument("a duration must be zero or more seconds, got " + std::to_string(s));
  return Duration(static_cast<std::int64_t>(s * 1e9));
}

// The demo twin, addressed by host name ("h1", "h2", ...).
class PyDemoTwin {
 public:
  PyDemoTwin(std::size_t hosts, std::uint64_t seed, bool keep_trace) {
    sim::DemoTwinOptions options;
    options.hosts = hosts;
    options.seed = seed;
    options.keep_trace = keep_trace;
    twin_ = unwrap(sim::DemoTwin::create(options));
  }

  void run_for(double s) {
    const Duration d = seconds(s);
    Status status;
    {
      py::gil_scoped_release release;
      status = twin_->sim().run_for(d);
    }
    check(status);
  }
  double now() const { return static_cast<double>(twin_->sim().loop().now_ns()) / 1e9; }
  std::vector<std::string> hosts() const {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < twin_->size(); ++i) names.push_back(twin_->host(i).name());
    return names;
  }

  void partition(const std::string& a, const std::string& b) { net().partition(index(a), index(b)); }
  void partition_one_way(const std::string& from, const std::string& to) {
    net().partition_one_way(index(from), index(to));
  }
  void heal(const std::string& a, const std::string& b) { net().heal(index(a), index(b)); }
  void heal_all() { net().heal_all(); }
  void crash(const std::string& h) { host(h).crash(); }
  void restart(const std::string& h) {
    if (host(h).up()) throw TandemError("host " + h + " is running: crash it before restarting it");
    host(h).restart();
  }
  void pause(const std::string& h) { host(h).pause(); }
  void resume(const std::string& h) { host(h).resume(); }
  void step_clock(const std::string& h, double s) {
    host(h).step_wall_clock(Duration(static_cast<std::int64_t>(s * 1e9)));
  }
  bool up(const std::string& h) { return host(h).up(); }

  std::vector<std::string> reachable(const std::string& h) {
    auto* service = twin_->service(static_cast<std::size_t>(index(h)));
    if (!service) throw TandemError("host " + h + " is down");
    return service->reachable();
  }
  std::uint64_t boot_count(const std::string& h) {
    auto* service = twin_->service(static_cast<std::size_t>(index(h)));
    if (!service) throw TandemError("host " + h + " is down");
    return service->boot_count();
  }

  std::string trace_hash() const { return twin_->sim().trace().hash_hex(); }
  std::uint64_t events() const { return twin_->sim().loop().events_run(); }
  void write_trace(const std::string& path) const { check(twin_->sim().trace().write_jsonl(path)); }

 private:
  sim::Network& net() { return twin_->sim().network(); }
  sim::SimHost& host(const std::string& name) {
    auto* h = twin_->sim().find_host(name);
    if (!h) throw TandemError("no host named '" + name + "' in this twin");
    return *h;
  }
  std::int32_t index(const std::string& name) { return host(name).index(); }

  std::unique_ptr<sim::DemoTwin> twin_;
};

}  // namespace

void init_demo(py::module_& m) {
  py::class_<sim::DemoRunReport>(m, "DemoReport", "What a scripted demo run did.")
      .def_readonly("timeline", &sim::DemoRunReport::timeline)
      .def_readonly("final_summaries", &sim::DemoRunReport::final_summaries)
      .def_readonly("boot_counts", &sim::DemoRunReport::boot_counts)
      .def_readonly("events", &sim::DemoRunReport::events)
      .def_readonly("trace_records", &sim::DemoRunReport::trace_records)
      .def_readonly("messages_delivered", &sim::DemoRunReport::messages_delivered)
      .def_readonly("trace_hash", &sim::DemoRunReport::trace_hash)
      .def_property_readonly("virtual_seconds",
                             [](const sim::DemoRunReport& r) { return static_cast<double>(r.virtual_ns) / 1e9; });

  m.def(
      "run_demo",
      [](std::size_t hosts, std::uint64_t seed, double duration_s, const std::string& trace_path) {
        sim::DemoTwinOptions options;
        options.hosts = hosts;
        options.seed = seed;
        const Duration duration = seconds(duration_s);
        Result<sim::DemoRunReport> report = make_error("not run");
        {
          py::gil_scoped_release release;
          report = sim::run_demo_scenario(options, duration, trace_path);
        }
        return unwrap(std::move(report));
      },
      py::arg("hosts") = 3, py::arg("seed") = 1, py::arg("duration_s") = 60.0, py::arg("trace_path") = "",
      "Runs the scripted heartbeat demo in the twin (partition, crash, heal) and reports.");

  py::class_<PyDemoTwin>(m, "DemoTwin", "A twin of N hosts running the heartbeat demo, driven step by step.")
      .def(py::init<std::size_t, std::uint64_t, bool>(), py::arg("hosts") = 3, py::arg("seed") = 1,
           py::arg("keep_trace") = false)
      .def("run_for", &PyDemoTwin::run_for, py::arg("seconds"))
      .def_property_readonly("now", &PyDemoTwin::now)
      .def_property_readonly("hosts", &PyDemoTwin::hosts)
      .def("partition", &PyDemoTwin::partition)
      .def("partition_one_way", &PyDemoTwin::partition_one_way, py::arg("source"), py::arg("dest"))
      .def("heal", &PyDemoTwin::heal)
      .def("heal_all", &PyDemoTwin::heal_all)
      .def("crash", &PyDemoTwin::crash)
      .def("restart", &PyDemoTwin::restart)
      .def("pause", &PyDemoTwin::pause)
      .def("resume", &PyDemoTwin::resume)
      .def("step_clock", &PyDemoTwin::step_clock, py::arg("host"), py::arg("seconds"))
      .def("up", &PyDemoTwin::up)
      .def("reachable", &PyDemoTwin::reachable)
      .def("boot_count", &PyDemoTwin::boot_count)
      .def_property_readonly("trace_hash", &PyDemoTwin::trace_hash)
      .def_property_readonly("events", &PyDemoTwin::events)
      .def("write_trace", &PyDemoTwin::write_trace, py::arg("path"));
}

}  // namespace tandem::python
