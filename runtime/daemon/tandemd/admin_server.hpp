#pragma once
// The admin API over HTTPS (Boost.Beast on the peer's io_context): each
// request is parsed, bounded and handed to the transport-free AdminApi; its
// JSON reply goes back on the same connection (keep-alive honoured).
//
// Limits, so a hostile or broken client cannot hurt the peer: 64 connections
// at once, 10 s for the TLS handshake, 30 s for a request to arrive, 8 KiB of
// headers and 1 MiB of body. Malformed HTTP gets a 400 naming the fault.

#include <utility>  // before Boost.Asio (Boost 1.74 with GCC 12)

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>

#include "runtime/admin/admin_api.hpp"
#include "runtime/core/address.hpp"
#include "runtime/env/env.hpp"

namespace tandem::daemon {

struct AdminServerState;
using AdminHandler = std::function<void(admin::Request, std::function<void(admin::Response)>)>;
using AdminLog = std::function<void(LogLevel, const std::string&)>;

class AdminServer {
 public:
  // Errors: the certificate or key does not load; the address cannot be bound.
  static Result<std::unique_ptr<AdminServer>> start(boost::asio::io_context& io, const Endpoint& local,
                                                    const TlsConfig& tls, AdminHandler handler, AdminLog log);
  ~AdminServer();  // stops accepting and closes every connection; no handler runs after
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  Endpoint local() const;

 private:
  explicit AdminServer(std::shared_ptr<AdminServerState> state) : state_(std::move(state)) {}
  std::shared_ptr<AdminServerState> state_;
};

}  // namespace tandem::daemon
