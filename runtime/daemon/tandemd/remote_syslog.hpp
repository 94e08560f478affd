#pragma once
// Remote syslog (Maintenance > Logging): every log line also goes, as an
// RFC 5424 message over UDP 514, to each "Logging Server N Address". The guide
// recommends one such server for the whole cluster, to see every peer's
// activity in one place.

#include <utility>  // before Boost.Asio (Boost 1.74 with GCC 12)

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/address.hpp"
#include "runtime/env/env.hpp"

namespace tandem::daemon {

inline constexpr std::uint16_t kSyslogPort = 514;

// "<134>1 2026-11-25T09:01:02.345Z PEER1 tandemd 4242 cluster - peer 2 is Active"
std::string format_syslog(WallTime at, LogLevel level, std::string_view host, int pid, std::string_view component,
                          std::string_view message);

class RemoteSyslog {
 public:
  RemoteSyslog(boost::asio::io_context& io, std::vector<Endpoint> servers, std::string host);
  // Best effort, as syslog over UDP: nothing waits and nothing is retried.
  void send(WallTime at, LogLevel level, std::string_view component, std::string_view message);
  bool empty() const { return servers_.empty(); }

 private:
  boost::asio::ip::udp::socket v4_;
  boost::asio::ip::udp::socket v6_;
  std::vector<Endpoint> servers_;
  std::string host_;
  int pid_;
};

}  // namespace tandem::daemon
