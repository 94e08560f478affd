#include "runtime/daemon/tandemd/remote_syslog.hpp"

#include <boost/asio/buffer.hpp>
#include <unistd.h>

#include "runtime/env/asio/asio_endpoint.hpp"
#include "runtime/env/asio/asio_log.hpp"

namespace tandem::daemon {
namespace {

constexpr int kFacilityLocal0 = 16;
constexpr std::size_t kMaxMessageBytes = 1024;  // RFC 5424 receivers must take 480; most take far more

int severity(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return 7;
    case LogLevel::Info: return 6;
    case LogLevel::Warn: return 4;
    case LogLevel::Error: return 3;
  }
  return 6;
}

// RFC 5424 header fields are printable US-ASCII without spaces.
std::string header_field(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 48)) out += (c > 32 && c < 127) ? c : '_';
  return out.empty() ? "-" : out;
}

}  // namespace

std::string format_syslog(WallTime at, LogLevel level, std::string_view host, int pid, std::string_view component,
                          std::string_view message) {
  std::string line = "<" + std::to_string(kFacilityLocal0 * 8 + severity(level)) + ">1 " +
                     asio_env::format_iso8601_ms(at) + " " + header_field(host) + " tandemd " + std::to_string(pid) +
                     " " + header_field(component) + " - ";
  line += message.substr(0, kMaxMessageBytes);
  return line;
}

RemoteSyslog::RemoteSyslog(boost::asio::io_context& io, std::vector<Endpoint> servers, std::string host)
    : v4_(io), v6_(io), servers_(std::move(servers)), host_(std::move(host)), pid_(static_cast<int>(getpid())) {
  boost::system::error_code ignored;
  v4_.open(boost::asio::ip::udp::v4(), ignored);
  v6_.open(boost::asio::ip::udp::v6(), ignored);
}

void RemoteSyslog::send(WallTime at, LogLevel level, std::string_view component, std::string_view message) {
  const std::string datagram = format_syslog(at, level, host_, pid_, component, message);
  for (const Endpoint& server : servers_) {
    boost::system::error_code ignored;  // an unreachable server must not disturb the peer
    auto& socket = server.ip.is_v4() ? v4_ : v6_;
    socket.send_to(boost::asio::buffer(datagram), asio_env::to_asio_endpoint<boost::asio::ip::udp::endpoint>(server), 0,
                   ignored);
  }
}

}  // namespace tandem::daemon
