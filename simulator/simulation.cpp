#include "simulator/simulation.hpp"

#include <cstdio>

namespace tandem::sim {

Simulation::Simulation(SimulationOptions options)
    : options_(options), loop_(options.max_events), trace_(options.keep_trace) {
  trace_.set_seed(options_.seed);
  network_ = std::make_unique<Network>(*this);
}

Simulation::~Simulation() {
  // Processes first (their sockets talk to the network as they close), then the network.
  hosts_.clear();
  network_.reset();
}

Result<SimHost*> Simulation::add_host(const std::string& name, std::vector<IpAddress> addresses) {
  if (name.empty()) return make_error("a host needs a name");
  if (find_host(name)) return make_error("host name '" + name + "' is already taken");
  if (addresses.empty()) return make_error("host '" + name + "' needs at least one address");
  for (const IpAddress& ip : addresses) {
    if (by_address_.count(ip)) return make_error("address " + ip.to_string() + " is already used by another host");
  }
  const auto index = static_cast<std::int32_t>(hosts_.size());
  for (const IpAddress& ip : addresses) by_address_[ip] = index;
  hosts_.push_back(std::make_unique<SimHost>(*this, index, name, std::move(addresses)));
  std::vector<std::string> names;
  for (const auto& h : hosts_) names.push_back(h->name());
  trace_.set_host_names(std::move(names));
  return hosts_.back().get();
}

Status Simulation::readdress_host(std::int32_t index, std::vector<IpAddress> addresses) {
  SimHost& h = host(index);
  if (addresses.empty()) return make_error("host '" + h.name() + "' needs at least one address");
  for (const IpAddress& ip : addresses) {
    if (const std::int32_t other = host_by_address(ip); other != kNoHost && other != index) {
      const std::string& name = hosts_.at(static_cast<std::size_t>(other))->name();
      return make_error("address " + ip.to_string() + " is already used by host " + name);
    }
  }
  for (const IpAddress& ip : h.addresses()) by_address_.erase(ip);
  for (const IpAddress& ip : addresses) by_address_[ip] = index;
  trace_.record(loop_.now_ns(), "host.readdress", index, kNoHost, 0, addresses.front().to_string());
  h.set_addresses(std::move(addresses));
  return {};
}

SimHost* Simulation::find_host(std::string_view name) {
  for (const auto& h : hosts_) {
    if (h->name() == name) return h.get();
  }
  return nullptr;
}

std::int32_t Simulation::host_by_address(const IpAddress& ip) const {
  auto it = by_address_.find(ip);
  return it == by_address_.end() ? kNoHost : it->second;
}

void Simulation::log(std::int32_t host, LogLevel level, std::string_view component, std::string_view message) {
  if (level < options_.log_level) return;
  logs_.push_back(LogLine{loop_.now_ns(), host, level, std::string(component), std::string(message)});
  if (options_.print_logs) {
    std::fprintf(stderr, "[%12.6f s] %-5s %s %.*s: %.*s\n", static_cast<double>(loop_.now_ns()) / 1e9,
                 std::string(to_string(level)).c_str(), hosts_.at(static_cast<std::size_t>(host))->name().c_str(),
                 static_cast<int>(component.size()), component.data(), static_cast<int>(message.size()),
                 message.data());
  }
}

Result<ValidatedTls> Simulation::validate_tls(const TlsConfig& config) {
  constexpr std::size_t kMaxRemembered = 256;  // a twin holds a few configs per host
  std::string key = config.certificate_pem + '\0' + config.private_key_pem;
  for (const std::string& ca : config.trusted_ca_pem) key += '\0' + ca;
  if (auto it = tls_validated_.find(key); it != tls_validated_.end()) return it->second;
  if (tls_validated_.size() >= kMaxRemembered) tls_validated_.clear();
  return tls_validated_.emplace(std::move(key), validate_tls_config(config)).first->second;
}

}  // namespace tandem::sim
