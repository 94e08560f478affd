#include "simulator/sim_dns.hpp"

#include <algorithm>
#include <cctype>

namespace tandem::sim {
namespace {

std::string canonical(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

}  // namespace

void SimDns::set_addresses(const std::string& name, std::vector<IpAddress> addresses) {
  zone_[canonical(name)].addresses = std::move(addresses);
}

void SimDns::set_srv(const std::string& name, std::vector<SrvRecord> records) {
  zone_[canonical(name)].services = std::move(records);
}

void SimDns::remove(const std::string& name) { zone_.erase(canonical(name)); }

void SimDns::set_fault(const std::string& name, DnsFault fault) {
  if (fault == DnsFault::None) {
    faults_.erase(canonical(name));
  } else {
    faults_[canonical(name)] = fault;
  }
}

SimDns::Reply SimDns::resolve(const std::string& raw_name, DnsType type) {
  const std::string name = canonical(raw_name);
  if (type != DnsType::SRV) {  // an IP literal answers itself, as in AsioEnv
    if (auto ip = IpAddress::parse(name); ip && ip->is_v4() == (type == DnsType::A)) {
      return Reply{DnsAnswer{{*ip}, {}, 0}, Duration::zero()};
    }
  }
  auto fault_it = faults_.find(name);
  const DnsFault fault = fault_all_ != DnsFault::None ? fault_all_
                         : fault_it != faults_.end()  ? fault_it->second
                                                      : DnsFault::None;
  if (fault == DnsFault::Timeout) return Reply{make_error("DNS lookup of " + name + " timed out"), timeout()};
  if (fault == DnsFault::ServerFailure) return Reply{make_error("DNS server failed looking up " + name), rtt_};

  auto it = zone_.find(name);
  if (it == zone_.end()) return Reply{make_error("no such name " + name), rtt_};
  Entry& entry = it->second;
  DnsAnswer answer;
  answer.ttl_s = 60;
  if (type == DnsType::SRV) {
    answer.services = entry.services;
  } else {
    for (const IpAddress& ip : entry.addresses) {
      if (ip.is_v4() == (type == DnsType::A)) answer.addresses.push_back(ip);
    }
    if (!answer.addresses.empty()) {
      std::rotate(answer.addresses.begin(),
                  answer.addresses.begin() + static_cast<long>(entry.rotation % answer.addresses.size()),
                  answer.addresses.end());
      ++entry.rotation;
    }
  }
  return Reply{std::move(answer), rtt_};
}

}  // namespace tandem::sim
