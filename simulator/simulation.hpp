#pragma once
// The twin: one event loop, one network, one DNS, one trace, and the hosts, all
// driven from one root seed. Named random streams keep parts independent:
// adding a host never changes the numbers the network or another host draws.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/env/env.hpp"
#include "runtime/env/tls/tls.hpp"
#include "simulator/event_loop.hpp"
#include "simulator/host.hpp"
#include "simulator/network.hpp"
#include "simulator/sim_dns.hpp"
#include "simulator/trace.hpp"

namespace tandem::sim {

struct SimulationOptions {
  std::uint64_t seed = 1;
  std::uint64_t max_events = EventLoop::kDefaultMaxEvents;
  // Wall time at virtual time zero; 2026-01-01T00:00:00Z by default.
  WallTime wall_epoch = WallTime(std::chrono::seconds(1767225600));
  bool keep_trace = false;      // keep records for JSON Lines export
  LogLevel log_level = LogLevel::Warn;
  bool print_logs = false;      // echo log lines at log_level and above to stderr
};

struct LogLine {
  std::int64_t t_ns;
  std::int32_t host;
  LogLevel level;
  std::string component;
  std::string message;
};

class Simulation {
 public:
  explicit Simulation(SimulationOptions options = {});
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  std::uint64_t seed() const { return options_.seed; }
  Random random_stream(std::string_view name) const { return Random::stream(options_.seed, name); }

  // Hosts. Names and addresses must be unique.
  Result<SimHost*> add_host(const std::string& name, std::vector<IpAddress> addresses);
  SimHost& host(std::int32_t index) { return *hosts_.at(static_cast<std::size_t>(index)); }
  SimHost* find_host(std::string_view name);
  std::int32_t host_by_address(const IpAddress& ip) const;
  // Gives host `index` new addresses (a machine whose LAN address was
  // changed), while its process holds no socket: it is down, or starting.
  // Error if another host has one of them.
  Status readdress_host(std::int32_t index, std::vector<IpAddress> addresses);
  std::size_t host_count() const { return hosts_.size(); }

  EventLoop& loop() { return loop_; }
  const EventLoop& loop() const { return loop_; }
  Network& network() { return *network_; }
  SimDns& dns() { return dns_; }
  Trace& trace() { return trace_; }
  WallTime wall_epoch() const { return options_.wall_epoch; }
  MonoTime now() const { return MonoTime(Duration(loop_.now_ns())); }

  // Advances virtual time. Errors only when the event cap is reached.
  Status run_for(Duration d) { return loop_.run_until(loop_.now_ns() + to_ns(d)); }
  // Runs until `done()` holds or `limit` of virtual time passes; whether it held.
  Result<bool> run_until(const std::function<bool()>& done, Duration limit) {
    return loop_.run_until(done, loop_.now_ns() + to_ns(limit));
  }

  // Log lines of every host (kept at the configured level and above).
  void log(std::int32_t host, LogLevel level, std::string_view component, std::string_view message);
  const std::vector<LogLine>& logs() const { return logs_; }

  // validate_tls_config, remembered by the config's PEMs: validation is a pure
  // function of them and costly (OpenSSL 3 decodes the key), while every
  // start of every twin peer validates the same few configs again.
  Result<ValidatedTls> validate_tls(const TlsConfig& config);

 private:
  SimulationOptions options_;
  EventLoop loop_;   // declared first: destroyed last, after everything that schedules
  Trace trace_;
  SimDns dns_;
  std::unique_ptr<Network> network_;
  std::vector<std::unique_ptr<SimHost>> hosts_;
  std::unordered_map<IpAddress, std::int32_t, IpAddressHash> by_address_;
  std::vector<LogLine> logs_;
  std::map<std::string, Result<ValidatedTls>> tls_validated_;
};

}  // namespace tandem::sim
