#pragma once
// The twin's DNS: records a scenario sets, changes or breaks. Answers take a
// round trip to the resolver; a broken name times out or fails as configured.
// Names with several A records rotate on every answer (DNS round-robin).

#include <map>
#include <string>
#include <vector>

#include "runtime/env/env.hpp"

namespace tandem::sim {

enum class DnsFault : std::uint8_t { None, Timeout, ServerFailure };

class SimDns {
 public:
  void set_addresses(const std::string& name, std::vector<IpAddress> addresses);  // A and AAAA
  void set_srv(const std::string& name, std::vector<SrvRecord> records);
  void remove(const std::string& name);
  void set_fault(const std::string& name, DnsFault fault);
  void set_fault_all(DnsFault fault) { fault_all_ = fault; }
  void set_round_trip(Duration rtt) { rtt_ = rtt; }
  Duration round_trip() const { return rtt_; }
  Duration timeout() const { return std::chrono::seconds(4); }

  // The answer, and how long it takes to arrive.
  struct Reply {
    Result<DnsAnswer> answer;
    Duration delay;
  };
  Reply resolve(const std::string& name, DnsType type);

 private:
  struct Entry {
    std::vector<IpAddress> addresses;
    std::vector<SrvRecord> services;
    std::size_t rotation = 0;
  };
  std::map<std::string, Entry> zone_;
  std::map<std::string, DnsFault> faults_;
  DnsFault fault_all_ = DnsFault::None;
  Duration rtt_ = std::chrono::milliseconds(1);
};

}  // namespace tandem::sim
