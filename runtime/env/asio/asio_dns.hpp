#pragma once
// DNS for AsioEnv: an asynchronous UDP client on the io_context, using the
// pure codec in env/dns. Each configured server is asked in turn, each try
// waits kTryTimeout (less if the server's port is closed), and the whole list
// is tried kRounds times; a reply counts only if it comes from the server asked
// and carries the query's id. NXDOMAIN
// is final; SERVFAIL, REFUSED or silence move on to the next server. Nothing
// here blocks the io thread (no getaddrinfo, no res_query).

#include <utility>  // before Boost.Asio (Boost 1.74 with GCC 12)

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <vector>

#include "runtime/core/random.hpp"
#include "runtime/env/env.hpp"

namespace tandem::asio_env {

class DnsResolver {
 public:
  static constexpr Duration kTryTimeout = std::chrono::seconds(2);
  static constexpr int kRounds = 2;

  // `servers` empty: every lookup fails with an error saying so.
  DnsResolver(boost::asio::io_context& io, std::vector<Endpoint> servers, std::uint64_t id_seed);

  // Answers an IP literal of the asked family itself; otherwise asks the
  // servers. The answer (or error) is delivered later, never from inside lookup().
  Handle lookup(std::string_view name, DnsType type, DnsHandler on_answer);

  const std::vector<Endpoint>& servers() const { return servers_; }

 private:
  boost::asio::io_context& io_;
  std::vector<Endpoint> servers_;
  Random ids_;  // query ids: unpredictable to spoofers, apart from the peer's seeded stream
};

// The `nameserver` lines of a resolv.conf (port 53); unreadable lines skipped.
std::vector<Endpoint> read_resolv_conf(const std::filesystem::path& path);

}  // namespace tandem::asio_env
