#pragma once
// A small synchronous HTTPS client for one peer's admin API. One connection a
// request, every step bounded in time, TLS 1.2 or later. The peer's
// certificate is checked against --ca FILE (any certificate there may be an
// anchor, so a self-signed peer certificate trusts itself) or the system's
// store, and must name the address or host name dialled; --insecure checks
// nothing. Boost stays out of this header: tandemctl's main and the tests do
// not compile Asio.

#include <chrono>
#include <memory>
#include <string>

#include "runtime/core/result.hpp"
#include "runtime/daemon/ctl/ctl_command.hpp"

namespace tandem::ctl {

inline constexpr std::chrono::milliseconds kConnectTimeout{10'000};
// The TLS handshake and sending the request.
inline constexpr std::chrono::milliseconds kExchangeTimeout{10'000};
// The whole reply of an ordinary request.
inline constexpr std::chrono::milliseconds kReplyTimeout{30'000};
// A reply bigger than this is refused rather than buffered.
inline constexpr std::size_t kMaxReplyBytes = 16 * 1024 * 1024;

struct ClientConfig {
  PeerAddress peer;
  Trust trust = Trust::SystemDefault;
  std::string ca_file;  // with Trust::CaFile
  std::string user;
  std::string password;  // only ever sent, in the Authorization header
};

struct HttpReply {
  int status = 0;
  std::string body;
};

class AdminClient {
 public:
  // Fails only when the trust anchors cannot be loaded (a --ca file that is
  // missing or holds no certificate); the message names the file.
  static Result<std::unique_ptr<AdminClient>> create(ClientConfig config);
  ~AdminClient();
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;

  // Sends `request` and waits at most `reply_timeout` for the whole reply.
  // Any HTTP status is a reply. An Error names the peer and what failed:
  // resolving it, connecting (refused, no answer), TLS (with OpenSSL's reason,
  // or why the certificate is not trusted), or a reply that is not HTTP.
  Result<HttpReply> send(const HttpRequest& request, std::chrono::milliseconds reply_timeout = kReplyTimeout);

 private:
  struct Impl;
  explicit AdminClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::ctl
