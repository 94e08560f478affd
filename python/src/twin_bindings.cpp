// The cluster twin in Python: tandemd-like peers reached through the admin
// API, every fault the simulator has, virtual time, and the trace. Peers are
// host numbers 1..host_count (0 is the operator's workstation where a network
// fault takes it). Runs release the GIL; Python callbacks (conditions,
// scheduled faults) take it back when the loop calls them.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <string>

#include "python/src/py_twin.hpp"
#include "runtime/peer.hpp"

namespace tandem::python {

Duration seconds_arg(double s, const char* what) {
  if (!(s >= 0.0) || std::isinf(s)) {
    throw py::value_error(std::string(what) + " must be zero or more seconds, got " + std::to_string(s));
  }
  return Duration(static_cast<std::int64_t>(std::llround(s * 1e9)));
}

int PyClusterTwin::host(int number) const {
  if (number < 1 || number > twin_->host_count()) {
    throw TandemError("no host " + std::to_string(number) + " in this twin (it has hosts 1.." +
                      std::to_string(twin_->host_count()) + ")");
  }
  return number;
}

std::function<bool()> PyClusterTwin::guarded(py::function fn) {
  // The callable is released with the GIL held, wherever the loop drops it.
  std::shared_ptr<py::function> held(new py::function(std::move(fn)), [](py::function* f) {
    py::gil_scoped_acquire gil;
    delete f;
  });
  return [this, held]() -> bool {
    if (callback_error_) return true;
    py::gil_scoped_acquire gil;
    try {
      return py::bool_((*held)());
    } catch (py::error_already_set& e) {
      callback_error_ = std::make_shared<py::error_already_set>(std::move(e));
      return true;
    }
  };
}

void PyClusterTwin::rethrow_callback_error() {
  if (!callback_error_) return;
  auto error = std::move(callback_error_);
  callback_error_.reset();
  throw py::error_already_set(std::move(*error));
}

namespace {

sim::JitterShape jitter_shape(const std::string& name) {
  if (name == "uniform") return sim::JitterShape::Uniform;
  if (name == "exponential") return sim::JitterShape::Exponential;
  throw py::value_error("jitter shape is 'uniform' or 'exponential', not '" + name + "'");
}

sim::DnsFault dns_fault(const std::string& name) {
  if (name == "none") return sim::DnsFault::None;
  if (name == "timeout") return sim::DnsFault::Timeout;
  if (name == "servfail") return sim::DnsFault::ServerFailure;
  throw py::value_error("DNS fault is 'none', 'timeout' or 'servfail', not '" + name + "'");
}

std::string host_state(sim::HostState state) {
  switch (state) {
    case sim::HostState::Down: return "down";
    case sim::HostState::Running: return "running";
    case sim::HostState::Paused: return "paused";
  }
  return "unknown";
}

std::unique_ptr<PyClusterTwin> make_twin(std::uint64_t seed, int hosts, const std::string& software_version,
                                         const std::string& admin_password, double link_latency_ms,
                                         double heartbeat_s, double failure_after_s, double pull_interval_s,
                                         bool keep_trace) {
  sim::ClusterTwinOptions options;
  options.seed = seed;
  options.hosts = hosts;
  options.software_version = software_version;
  options.admin_password = admin_password;
  options.link_latency = seconds_arg(link_latency_ms / 1000.0, "link_latency_ms");
  options.membership.interval = seconds_arg(heartbeat_s, "heartbeat_s");
  options.membership.failure_after = seconds_arg(failure_after_s, "failure_after_s");
  options.replication.pull_interval = seconds_arg(pull_interval_s, "pull_interval_s");
  options.keep_trace = keep_trace;
  if (options.membership.interval <= Duration::zero() || options.replication.pull_interval <= Duration::zero()) {
    throw py::value_error("heartbeat_s and pull_interval_s must be more than zero");
  }
  auto twin = [&] {
    py::gil_scoped_release release;  // installing the hosts runs the twin
    return sim::ClusterTwin::create(std::move(options));
  }();
  return std::make_unique<PyClusterTwin>(unwrap(std::move(twin)));
}

py::dict link_stats(sim::Simulation& s) {
  const sim::NetworkStats& n = s.network().stats();
  py::dict out;
  out["datagrams_sent"] = n.datagrams_sent;
  out["datagrams_delivered"] = n.datagrams_delivered;
  out["datagrams_lost"] = n.datagrams_lost;
  out["segments_delivered"] = n.segments_delivered;
  out["bytes_delivered"] = n.bytes_delivered;
  out["connections_opened"] = n.connections_opened;
  out["connections_broken"] = n.connections_broken;
  return out;
}

}  // namespace

void init_twin(py::module_& m) {
  using T = PyClusterTwin;
  py::class_<T>(m, "ClusterTwin",
                "A cluster's worth of tandemd-like peers in the twin, reached through the admin API.\n"
                "Host numbers are 1..host_count; 0 is the operator's workstation for network faults.")
      .def(py::init(&make_twin), py::arg("seed") = 1, py::arg("hosts") = 3,
           py::arg("software_version") = std::string(kBuildVersion), py::arg("admin_password") = "Tandem-admin-1",
           py::arg("link_latency_ms") = 0.25, py::arg("heartbeat_s") = 1.0, py::arg("failure_after_s") = 5.0,
           py::arg("pull_interval_s") = 30.0, py::arg("keep_trace") = false)
      // ---- hosts
      .def("add_host", [](T& t) { return t.without_gil([&] { return unwrap(t.twin().add_host()); }); },
           "A fresh host at the next free address, started (installed on that boot); its number.")
      .def_property_readonly("host_count", [](T& t) { return t.twin().host_count(); })
      .def("address", [](T& t, int n) { return t.twin().address(t.host(n)); }, py::arg("host"))
      .def("fqdn", [](T& t, int n) { return t.twin().fqdn(t.host(n)); }, py::arg("host"))
      .def("host_at", [](T& t, const std::string& a) { return t.twin().host_at(a); }, py::arg("address"),
           "The host number with this address or FQDN, or None.")
      .def("running", [](T& t, int n) { return t.twin().running(t.host(n)); }, py::arg("host"),
           "tandemd is up and serving its admin API.")
      .def("state", [](T& t, int n) { return host_state(t.twin().host(t.host(n)).state()); }, py::arg("host"),
           "'running', 'paused' or 'down'.")
      .def("boot_count", [](T& t, int n) { return t.twin().host(t.host(n)).incarnation(); }, py::arg("host"))
      .def_property_readonly_static("operator_address",
                                    [](py::object) { return sim::ClusterTwin::operator_address().to_string(); })
      // ---- software
      .def("set_software_version",
           [](T& t, int n, std::string v) { check(t.twin().set_software_version(t.host(n), std::move(v))); },
           py::arg("host"), py::arg("version"), "Taken by the host's next start or restart.")
      .def("software_version", [](T& t, int n) { return t.twin().software_version(t.host(n)); }, py::arg("host"))
      // ---- process faults
      .def("crash", [](T& t, int n) { t.twin().crash(t.host(n)); }, py::arg("host"),
           "tandemd is killed: memory and unsynced writes lost, down until restart().")
      .def("power_off", [](T& t, int n) { t.twin().power_off(t.host(n)); }, py::arg("host"),
           "As crash(), and the workstation's requests to it time out.")
      .def("restart",
           [](T& t, int n) {
             if (t.twin().host(t.host(n)).up()) throw TandemError("host " + std::to_string(n) + " is up: crash or power it off first");
             t.twin().restart(n);
           },
           py::arg("host"))
      .def("reboot",
           [](T& t, int n) {
             if (!t.twin().host(t.host(n)).up()) throw TandemError("host " + std::to_string(n) + " is down: restart() it");
             t.twin().reboot(n);
           },
           py::arg("host"), "A clean restart, as xCommand Restart does.")
      .def("pause", [](T& t, int n) { t.twin().pause(t.host(n)); }, py::arg("host"))
      .def("resume", [](T& t, int n) { t.twin().resume(t.host(n)); }, py::arg("host"))
      // ---- clock faults
      .def("step_wall_clock",
           [](T& t, int n, double s) {
             t.twin().step_wall_clock(t.host(n), Duration(static_cast<std::int64_t>(std::llround(s * 1e9))));
           },
           py::arg("host"), py::arg("seconds"), "The host's wall clock jumps by `seconds` (either way).")
      .def("set_clock_drift", [](T& t, int n, double ppm) { t.twin().host(t.host(n)).set_drift_ppm(ppm); },
           py::arg("host"), py::arg("ppm"))
      .def("set_ntp_synchronized", [](T& t, int n, bool on) { t.twin().set_ntp_synchronized(t.host(n), on); },
           py::arg("host"), py::arg("synchronized"), "Whether the host's NTP is synchronized (the guide's NTP check).")
      // ---- network faults
      .def("partition", [](T& t, int a, int b) { t.twin().partition(a ? t.host(a) : 0, b ? t.host(b) : 0); },
           py::arg("a"), py::arg("b"))
      .def("partition_one_way",
           [](T& t, int from, int to) { t.twin().partition_one_way(from ? t.host(from) : 0, to ? t.host(to) : 0); },
           py::arg("source"), py::arg("dest"))
      .def("heal", [](T& t, int a, int b) { t.twin().heal(a ? t.host(a) : 0, b ? t.host(b) : 0); }, py::arg("a"),
           py::arg("b"))
      .def("heal_all", [](T& t) { t.twin().heal_all(); })
      .def(
          "set_link",
          [](T& t, int a, int b, double latency_ms, double jitter_ms, double loss, const std::string& shape,
             std::uint64_t bandwidth_bps) {
            if (!(loss >= 0.0 && loss <= 1.0)) throw py::value_error("loss is a probability in 0..1");
            const sim::LinkSpec spec{seconds_arg(latency_ms / 1000.0, "latency_ms"),
                                     seconds_arg(jitter_ms / 1000.0, "jitter_ms"), jitter_shape(shape), loss,
                                     bandwidth_bps};
            auto index = [&](int n) { return n ? t.twin().host(t.host(n)).index() : t.twin().sim().find_host("operator")->index(); };
            t.twin().sim().network().set_link(index(a), index(b), spec);
          },
          py::arg("a"), py::arg("b"), py::arg("latency_ms") = 0.25, py::arg("jitter_ms") = 0.0, py::arg("loss") = 0.0,
          py::arg("jitter_shape") = "uniform", py::arg("bandwidth_bps") = 0,
          "Both directions between two hosts: latency, jitter, loss probability, bandwidth (0: unlimited).")
      .def("network_stats", [](T& t) { return link_stats(t.twin().sim()); })
      // ---- DNS and disk faults
      .def("set_dns_fault", [](T& t, const std::string& name, const std::string& f) {
             t.twin().sim().dns().set_fault(name, dns_fault(f)); },
           py::arg("name"), py::arg("fault"), "'timeout', 'servfail' or 'none' for one name.")
      .def("set_dns_fault_all", [](T& t, const std::string& f) { t.twin().sim().dns().set_fault_all(dns_fault(f)); },
           py::arg("fault"))
      .def("set_dns_addresses",
           [](T& t, const std::string& name, const std::vector<std::string>& addresses) {
             std::vector<IpAddress> ips;
             for (const std::string& a : addresses) {
               auto ip = IpAddress::parse(a);
               if (!ip) throw py::value_error("'" + a + "' is not an IP address");
               ips.push_back(*ip);
             }
             if (ips.empty()) t.twin().sim().dns().remove(name);
             else t.twin().sim().dns().set_addresses(name, std::move(ips));
           },
           py::arg("name"), py::arg("addresses"), "The name's A/AAAA records; an empty list removes the name.")
      .def("set_disk_fail_writes", [](T& t, int n, bool fail) { t.twin().host(t.host(n)).disk().set_fail_writes(fail); },
           py::arg("host"), py::arg("fail"), "Writes, truncates and syncs fail with an I/O error.")
      .def("crash_disk_after",
           [](T& t, int n, std::uint64_t operations) { t.twin().host(t.host(n)).disk().crash_after(operations); },
           py::arg("host"), py::arg("operations"), "Power loss after `operations` more disk writes or syncs.")
      // ---- time
      .def("run_for",
           [](T& t, double s) {
             const Duration d = seconds_arg(s, "run_for");
             check(t.without_gil([&] { return t.twin().run_for(d); }));
           },
           py::arg("seconds"))
      .def("run_until",
           [](T& t, py::function condition, double limit_s) {
             const Duration limit = seconds_arg(limit_s, "limit");
             auto done = t.guarded(std::move(condition));
             return unwrap(t.without_gil([&] { return t.twin().run_until(done, limit); }));
           },
           py::arg("condition"), py::arg("limit"),
           "Runs until condition() is true or `limit` seconds pass; whether it held. The condition is\n"
           "called after every event, so keep it cheap (read state, do not send requests).")
      .def("after",
           [](T& t, double s, py::function fn) {
             auto call = t.guarded(std::move(fn));
             t.twin().sim().loop().schedule_after(to_ns(seconds_arg(s, "after")), [call] { call(); });
           },
           py::arg("seconds"), py::arg("fn"),
           "Calls fn() `seconds` of virtual time from now, inside the twin (e.g. a fault mid-procedure).")
      .def_property_readonly("now", [](T& t) { return static_cast<double>(to_ns(t.twin().now())) / 1e9; })
      // ---- the admin API from the operator's workstation
      .def(
          "request",
          [](T& t, const std::string& address, std::string method, std::string target, std::string body,
             double limit_s) {
            const Duration limit = seconds_arg(limit_s, "limit");
            auto reply = t.without_gil([&] {
              return t.twin().request(address, t.twin().authorized(std::move(method), std::move(target), std::move(body)),
                                      limit);
            });
            auto response = unwrap(std::move(reply));
            return py::make_tuple(response.status, response.body);
          },
          py::arg("address"), py::arg("method"), py::arg("target"), py::arg("body") = "", py::arg("limit") = 40.0,
          "One admin API request as the admin account: (HTTP status, JSON body text). TandemError when\n"
          "the peer cannot be reached (refused, timed out, reset), naming which.")
      // ---- what a test checks past the API
      .def("database_status",
           [](T& t, int n) -> std::optional<std::string> {
             Peer* p = t.twin().peer(t.host(n));
             if (!p) return std::nullopt;
             return std::string(cluster::to_string(p->database_status()));
           },
           py::arg("host"),
           "The peer's DatabaseStatus read directly (cheap, for run_until conditions); None when it is down.")
      .def(
          "set_usage",
          [](T& t, int n, std::uint32_t registrations, std::uint32_t traversal_calls, std::uint32_t non_traversal_calls,
             std::uint32_t turn_relays) {
            Peer* p = t.twin().peer(t.host(n));
            if (!p) throw TandemError("host " + std::to_string(n) + " is not running tandemd");
            check(p->set_local_usage(cluster::Usage{registrations, traversal_calls, non_traversal_calls, turn_relays, {}}));
          },
          py::arg("host"), py::arg("registrations") = 0, py::arg("traversal_calls") = 0,
          py::arg("non_traversal_calls") = 0, py::arg("turn_relays") = 0,
          "What the peer reports it carries (shared over UDP 1719) until it restarts.")
      // ---- the trace
      .def_property_readonly("trace_hash", [](T& t) { return t.twin().sim().trace().hash_hex(); })
      .def_property_readonly("events", [](T& t) { return t.twin().sim().loop().events_run(); })
      .def_property_readonly("trace_records", [](T& t) { return t.twin().sim().trace().count(); })
      .def("write_trace", [](T& t, const std::string& path) { check(t.twin().sim().trace().write_jsonl(path)); },
           py::arg("path"), "JSON Lines (docs/trace-format.md); needs keep_trace=True for the records.")
      .def(
          "logs",
          [](T& t, const std::string& min_level) {
            static const std::vector<std::string> levels = {"debug", "info", "warn", "error"};
            auto it = std::find(levels.begin(), levels.end(), min_level);
            if (it == levels.end()) throw py::value_error("level is debug, info, warn or error, not '" + min_level + "'");
            py::list out;
            auto& s = t.twin().sim();
            for (const sim::LogLine& line : s.logs()) {
              if (static_cast<std::size_t>(line.level) < static_cast<std::size_t>(it - levels.begin())) continue;
              out.append(py::make_tuple(static_cast<double>(line.t_ns) / 1e9,
                                        line.host >= 0 ? s.host(line.host).name() : std::string("twin"),
                                        std::string(to_string(line.level)), line.component, line.message));
            }
            return out;
          },
          py::arg("min_level") = "warn", "(time s, host, level, component, message) of every kept log line.");
}

}  // namespace tandem::python
