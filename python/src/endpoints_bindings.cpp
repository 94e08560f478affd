// Endpoint populations in Python (simulator/endpoints/populations.hpp): SIP
// and H.323 endpoints of each option of the guide's "Configure Endpoints to
// Work With a Cluster", registering with a ClusterTwin's peers, with what the
// twin records of each (where it was registered, when it was unreachable).
// The populations belong to the Python twin (PyClusterTwin), which destroys
// them before the twin; twin.endpoints() hands out a view that keeps the twin
// alive. Populations and endpoints are checked here, so a bad number is a
// TandemError, never an assertion. Times are seconds of virtual time.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cctype>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "python/src/py_twin.hpp"
#include "simulator/endpoints/cluster_dns.hpp"
#include "simulator/endpoints/populations.hpp"

namespace tandem::python {

using sim::endpoints::EndpointKind;
using sim::endpoints::EndpointPopulations;
using sim::endpoints::EndpointRecord;
using sim::endpoints::PopulationReport;
using sim::endpoints::PopulationSpec;

PyClusterTwin::PyClusterTwin(std::unique_ptr<sim::ClusterTwin> twin) : twin_(std::move(twin)) {}
PyClusterTwin::~PyClusterTwin() = default;

EndpointPopulations& PyClusterTwin::endpoints() {
  if (!endpoints_) endpoints_ = std::make_unique<EndpointPopulations>(*twin_);
  return *endpoints_;
}

namespace {

double seconds_of(Duration d) { return std::chrono::duration<double>(d).count(); }
std::optional<double> seconds_of(const std::optional<Duration>& d) {
  return d ? std::optional<double>(seconds_of(*d)) : std::nullopt;
}

// Python's names of the kinds, as EndpointKind's members and as strings ("sip_srv").
constexpr std::pair<const char*, EndpointKind> kKinds[] = {
    {"sip_outbound", EndpointKind::SipOutbound}, {"sip_srv", EndpointKind::SipSrv},
    {"sip_round_robin", EndpointKind::SipRoundRobin}, {"sip_static", EndpointKind::SipStatic},
    {"h323_srv", EndpointKind::H323Srv}, {"h323_round_robin", EndpointKind::H323RoundRobin},
    {"h323_static", EndpointKind::H323Static},
};

EndpointKind kind_arg(const py::handle& kind) {
  if (py::isinstance<EndpointKind>(kind)) return kind.cast<EndpointKind>();
  std::string names;
  if (py::isinstance<py::str>(kind)) {
    const auto text = kind.cast<std::string>();
    for (const auto& [name, value] : kKinds) {
      if (text == name) return value;
    }
  }
  for (const auto& entry : kKinds) names += std::string(names.empty() ? "" : ", ") + entry.first;
  throw py::value_error("an endpoint kind is an EndpointKind or one of " + names + ", not " +
                        py::repr(kind).cast<std::string>());
}

sim::endpoints::SipTransport transport_arg(const std::string& name) {
  if (name == "tcp") return sim::endpoints::SipTransport::Tcp;
  if (name == "udp") return sim::endpoints::SipTransport::Udp;
  throw py::value_error("SIP transport is 'tcp' or 'udp', not '" + name + "'");
}

// What twin.endpoints() returns: the twin's populations, with every number checked.
class PyEndpoints {
 public:
  explicit PyEndpoints(PyClusterTwin& twin) : twin_(twin), pops_(twin.endpoints()) {}

  EndpointPopulations& pops() { return pops_; }
  PyClusterTwin& twin() { return twin_; }
  Duration now() const { return twin_.twin().now(); }

  // A population by index or by name, or TandemError.
  int population(const py::handle& which) const {
    if (py::isinstance<py::str>(which)) {
      const auto name = which.cast<std::string>();
      for (int i = 0; i < pops_.count(); ++i) {
        if (pops_.spec(i).name == name) return i;
      }
      throw TandemError("no endpoint population named '" + name + "'");
    }
    const int index = which.cast<int>();
    if (index < 0 || index >= pops_.count()) {
      throw TandemError("no endpoint population " + std::to_string(index) + " (there are " +
                        std::to_string(pops_.count()) + ")");
    }
    return index;
  }
  // (population, endpoint) checked, or TandemError.
  std::pair<int, int> endpoint_of(const py::handle& which, int index) const {
    const int population = this->population(which);
    return {population, endpoint(population, index)};
  }
  int endpoint(int population, int index) const {
    if (index < 0 || index >= pops_.endpoints(population)) {
      throw TandemError("population '" + pops_.spec(population).name + "' has endpoints 0.." +
                        std::to_string(pops_.endpoints(population) - 1) + ", not " + std::to_string(index));
    }
    return index;
  }

 private:
  PyClusterTwin& twin_;
  EndpointPopulations& pops_;
};

PopulationSpec make_spec(const std::string& name, const py::handle& kind, int count, std::vector<int> peers,
                         const std::string& cluster_name, double start_within_s, const std::string& transport,
                         std::uint32_t expires_s, std::optional<std::uint32_t> h323_time_to_live_s,
                         double retry_interval_s, double srv_cache_ttl_s) {
  PopulationSpec spec;
  spec.name = name;
  spec.kind = kind_arg(kind);
  spec.count = count;
  spec.peers = std::move(peers);
  spec.cluster_name = cluster_name;
  spec.start_within = seconds_arg(start_within_s, "start_within_s");
  spec.sip.transport = transport_arg(transport);
  spec.sip.expires_s = expires_s;
  spec.h323.time_to_live_s = h323_time_to_live_s;
  spec.recovery.retry_interval = seconds_arg(retry_interval_s, "retry_interval_s");
  spec.srv_cache_ttl = seconds_arg(srv_cache_ttl_s, "srv_cache_ttl_s");
  return spec;
}

// A Duration field as seconds, for PopulationSpec's properties.
template <auto Member>
void seconds_property(py::class_<PopulationSpec>& c, const char* name) {
  c.def_property(
      name, [](const PopulationSpec& s) { return seconds_of(s.*Member); },
      [name](PopulationSpec& s, double v) { s.*Member = seconds_arg(v, name); });
}

void init_kinds_and_records(py::module_& m) {
  py::enum_<EndpointKind> kind(m, "EndpointKind",
                               "The guide's endpoint options (Configure Endpoints to Work With a Cluster).");
  for (const auto& [name, value] : kKinds) {
    std::string upper = name;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    kind.value(upper.c_str(), value);
  }
  kind.def_property_readonly("label", [](EndpointKind k) { return std::string(sim::endpoints::to_string(k)); })
      .def_property_readonly("h323", [](EndpointKind k) { return k >= EndpointKind::H323Srv; });

  py::class_<sim::endpoints::Stint>(m, "Stint", "Registered with `peer` on `flow` over [start, end).")
      .def_readonly("flow", &sim::endpoints::Stint::flow)
      .def_readonly("peer", &sim::endpoints::Stint::peer)
      .def_property_readonly("start", [](const sim::endpoints::Stint& s) { return seconds_of(s.from); })
      .def_property_readonly("end", [](const sim::endpoints::Stint& s) { return seconds_of(s.to); })
      .def("__repr__", [](const sim::endpoints::Stint& s) {
        return "<Stint flow " + std::to_string(s.flow) + " peer " + std::to_string(s.peer) + " from " +
               std::to_string(seconds_of(s.from)) + (s.to ? " to " + std::to_string(seconds_of(*s.to)) : "") + ">";
      });
  py::class_<sim::endpoints::Outage>(m, "Outage", "Unreachable over [start, end); end is None while it lasts.")
      .def_property_readonly("start", [](const sim::endpoints::Outage& o) { return seconds_of(o.from); })
      .def_property_readonly("end", [](const sim::endpoints::Outage& o) { return seconds_of(o.to); })
      .def("__repr__", [](const sim::endpoints::Outage& o) {
        return "<Outage from " + std::to_string(seconds_of(o.from)) + (o.to ? " to " + std::to_string(seconds_of(*o.to)) : "") + ">";
      });

  py::class_<EndpointRecord>(m, "EndpointRecord", "What the twin recorded of one endpoint (a copy, taken when asked).")
      .def_readonly("user", &EndpointRecord::user)
      .def_readonly("stints", &EndpointRecord::stints)
      .def_readonly("outages", &EndpointRecord::outages)
      .def_property_readonly("first_registered", [](const EndpointRecord& r) { return seconds_of(r.first_registered); })
      .def_property_readonly("current_peer", &EndpointRecord::current_peer,
                             "The peer it is registered with (lowest flow first), 0 when none.")
      .def("peer_at", [](const EndpointRecord& r, double t) { return r.peer_at(seconds_arg(t, "t")); }, py::arg("t"))
      .def("unreachable",
           [](const EndpointRecord& r, double since, double now) {
             return seconds_of(r.unreachable(seconds_arg(since, "since"), seconds_arg(now, "now")));
           },
           py::arg("since"), py::arg("now"), "Unreachable seconds within [since, now].")
      .def("longest_outage",
           [](const EndpointRecord& r, double since, double now) {
             return seconds_of(r.longest_outage(seconds_arg(since, "since"), seconds_arg(now, "now")));
           },
           py::arg("since"), py::arg("now"));

  using R = PopulationReport;
  py::class_<R>(m, "PopulationReport", "One population over [since, now]; times in seconds.")
      .def_readonly("name", &R::name)
      .def_readonly("kind", &R::kind)
      .def_readonly("endpoints", &R::endpoints)
      .def_readonly("reachable", &R::reachable)
      .def_readonly("never_registered", &R::never_registered)
      .def_readonly("affected", &R::affected)
      .def_readonly("moved", &R::moved)
      .def_property_readonly("unreachable_max", [](const R& r) { return seconds_of(r.unreachable_max); })
      .def_property_readonly("unreachable_p50", [](const R& r) { return seconds_of(r.unreachable_p50); })
      .def_property_readonly("unreachable_p50_affected", [](const R& r) { return seconds_of(r.unreachable_p50_affected); })
      .def_property_readonly("unreachable_total", [](const R& r) { return seconds_of(r.unreachable_total); })
      .def("__repr__", [](const R& r) { return sim::endpoints::format_reports({r}); });
}

void init_spec(py::module_& m) {
  py::class_<PopulationSpec> spec(m, "PopulationSpec", "One population: its name (the twin host's), kind and size.");
  spec.def(py::init(&make_spec), py::arg("name"), py::arg("kind") = "sip_srv", py::arg("count") = 1,
           py::arg("peers") = std::vector<int>{}, py::arg("cluster_name") = "cluster.tandem.test",
           py::arg("start_within_s") = 10.0, py::arg("transport") = "tcp", py::arg("expires_s") = 3600,
           py::arg("h323_time_to_live_s") = std::nullopt, py::arg("retry_interval_s") = 30.0,
           py::arg("srv_cache_ttl_s") = 86400.0)
      .def_readwrite("name", &PopulationSpec::name)
      .def_property(
          "kind", [](const PopulationSpec& s) { return s.kind; },
          [](PopulationSpec& s, const py::object& k) { s.kind = kind_arg(k); })
      .def_readwrite("count", &PopulationSpec::count)
      .def_readwrite("cluster_name", &PopulationSpec::cluster_name)
      .def_readwrite("peers", &PopulationSpec::peers, "Static and outbound endpoints' peers; empty: every host.")
      .def_property(
          "transport",
          [](const PopulationSpec& s) { return s.sip.transport == sim::endpoints::SipTransport::Udp ? "udp" : "tcp"; },
          [](PopulationSpec& s, const std::string& t) { s.sip.transport = transport_arg(t); })
      .def_property(
          "expires_s", [](const PopulationSpec& s) { return s.sip.expires_s; },
          [](PopulationSpec& s, std::uint32_t v) { s.sip.expires_s = v; })
      .def_property(
          "h323_time_to_live_s", [](const PopulationSpec& s) { return s.h323.time_to_live_s; },
          [](PopulationSpec& s, std::optional<std::uint32_t> v) { s.h323.time_to_live_s = v; });
  seconds_property<&PopulationSpec::start_within>(spec, "start_within_s");
  seconds_property<&PopulationSpec::srv_cache_ttl>(spec, "srv_cache_ttl_s");
  spec.def_property(
      "retry_interval_s", [](const PopulationSpec& s) { return seconds_of(s.recovery.retry_interval); },
      [](PopulationSpec& s, double v) { s.recovery.retry_interval = seconds_arg(v, "retry_interval_s"); });
}

void init_populations(py::module_& m) {
  using P = PyEndpoints;
  py::class_<P>(m, "EndpointPopulations",
                "The twin's endpoint populations (twin.endpoints()). A population is a name or an index.")
      .def("add", [](P& p, const PopulationSpec& spec) { return unwrap(p.pops().add(spec)); }, py::arg("spec"),
           "Makes the population's host and starts its endpoints; its index. TandemError names what is wrong.")
      .def(
          "add",
          [](P& p, const std::string& name, const py::object& kind, int count, std::vector<int> peers,
             const std::string& cluster_name, double start_within_s, const std::string& transport,
             std::uint32_t expires_s, std::optional<std::uint32_t> h323_time_to_live_s, double retry_interval_s,
             double srv_cache_ttl_s) {
            return unwrap(p.pops().add(make_spec(name, kind, count, std::move(peers), cluster_name, start_within_s,
                                                 transport, expires_s, h323_time_to_live_s, retry_interval_s,
                                                 srv_cache_ttl_s)));
          },
          py::arg("name"), py::arg("kind") = "sip_srv", py::arg("count") = 1, py::arg("peers") = std::vector<int>{},
          py::arg("cluster_name") = "cluster.tandem.test", py::arg("start_within_s") = 10.0,
          py::arg("transport") = "tcp", py::arg("expires_s") = 3600, py::arg("h323_time_to_live_s") = std::nullopt,
          py::arg("retry_interval_s") = 30.0, py::arg("srv_cache_ttl_s") = 86400.0)
      .def("__len__", [](P& p) { return p.pops().count(); })
      .def_property_readonly("names", [](P& p) {
        std::vector<std::string> out;
        for (int i = 0; i < p.pops().count(); ++i) out.push_back(p.pops().spec(i).name);
        return out;
      })
      .def("index", [](P& p, const std::string& name) { return p.population(py::str(name)); }, py::arg("name"))
      .def("spec", [](P& p, const py::object& which) { return p.pops().spec(p.population(which)); },
           py::arg("population"), "A copy of the population's spec, peers filled in.")
      .def("host", [](P& p, const py::object& which) { return p.pops().host(p.population(which)).name(); },
           py::arg("population"), "The name of the population's twin host.")
      .def("endpoints", [](P& p, const py::object& which) { return p.pops().endpoints(p.population(which)); },
           py::arg("population"), "How many endpoints it has.")
      .def(
          "record",
          [](P& p, const py::object& which, int endpoint) {
            const auto [population, index] = p.endpoint_of(which, endpoint);
            return p.pops().record(population, index);
          },
          py::arg("population"), py::arg("endpoint"))
      .def(
          "records",
          [](P& p, const py::object& which) {
            const int population = p.population(which);
            std::vector<EndpointRecord> out;
            for (int i = 0; i < p.pops().endpoints(population); ++i) out.push_back(p.pops().record(population, i));
            return out;
          },
          py::arg("population"))
      .def(
          "reachable",
          [](P& p, const py::object& which, int endpoint) {
            const auto [population, index] = p.endpoint_of(which, endpoint);
            return p.pops().reachable(population, index);
          },
          py::arg("population"), py::arg("endpoint"))
      .def("reachable_count", [](P& p, const py::object& which) { return p.pops().reachable_count(p.population(which)); },
           py::arg("population"))
      .def(
          "unreachable",
          [](P& p, const py::object& which, int endpoint, double since) {
            const auto [population, index] = p.endpoint_of(which, endpoint);
            const EndpointRecord& r = p.pops().record(population, index);
            return seconds_of(r.unreachable(seconds_arg(since, "since"), p.now()));
          },
          py::arg("population"), py::arg("endpoint"), py::arg("since") = 0.0,
          "The endpoint's unreachable seconds from `since` until now.")
      .def(
          "current_peers",
          [](P& p, const py::object& which) {
            const int population = p.population(which);
            std::vector<int> out;
            for (int i = 0; i < p.pops().endpoints(population); ++i) out.push_back(p.pops().record(population, i).current_peer());
            return out;
          },
          py::arg("population"), "Each endpoint's current peer (0: none), by endpoint index.")
      .def(
          "registered_per_peer",
          [](P& p, const py::object& which) {
            const std::vector<int> counts = p.pops().registered_per_peer(p.population(which));
            py::dict out;
            for (std::size_t n = 1; n < counts.size(); ++n) out[py::int_(n)] = counts[n];
            return out;
          },
          py::arg("population"), "{peer: endpoints registered with it (any flow)} for every host of the twin.")
      .def("report", [](P& p, const py::object& which, double since) {
             return p.pops().report(p.population(which), seconds_arg(since, "since")); },
           py::arg("population"), py::arg("since") = 0.0, "The population over [since, now].")
      .def("reports", [](P& p, double since) { return p.pops().reports(seconds_arg(since, "since")); },
           py::arg("since") = 0.0)
      .def("report_text", [](P& p, double since) { return p.pops().report_text(seconds_arg(since, "since")); },
           py::arg("since") = 0.0, "A header and one line per population, for printing.")
      .def("isolate_peer", [](P& p, int peer) { p.pops().isolate_peer(p.twin().host(peer)); }, py::arg("peer"),
           "Cuts every population's host off from the peer, both ways (the peers still see each other).")
      .def("reconnect_peer", [](P& p, int peer) { p.pops().reconnect_peer(p.twin().host(peer)); }, py::arg("peer"));
}

}  // namespace

void init_endpoints(py::module_& m) {
  init_kinds_and_records(m);
  init_spec(m);
  init_populations(m);
  // The populations live in the Python twin; this view keeps that twin alive.
  auto twin = py::reinterpret_borrow<py::object>(m.attr("ClusterTwin"));
  twin.attr("endpoints") = py::cpp_function(
      [](PyClusterTwin& t) { return PyEndpoints(t); }, py::name("endpoints"), py::is_method(twin),
      py::keep_alive<0, 1>(), "The twin's endpoint populations (made on first use; they go before the twin).");
  m.def(
      "publish_cluster_records",
      [](PyClusterTwin& t, const std::string& cluster_name, std::vector<int> peers, bool sip_udp) {
        for (int n : peers) t.host(n);
        std::vector<sim::endpoints::ClusterService> services(std::begin(sim::endpoints::kClusterServices),
                                                             std::end(sim::endpoints::kClusterServices));
        if (sip_udp) services.push_back(sim::endpoints::kSipUdpService);
        check(sim::endpoints::publish_cluster_records(t.twin(), cluster_name, std::move(peers), services));
      },
      py::arg("twin"), py::arg("cluster_name") = "cluster.tandem.test", py::arg("peers") = std::vector<int>{},
      py::arg("sip_udp") = false,
      "Writes the SRV and A records of Appendix 2 for the cluster name into the twin's DNS (peers: every host\n"
      "when empty); sip_udp adds _sip._udp, which the guide does not recommend.");
}

}  // namespace tandem::python
