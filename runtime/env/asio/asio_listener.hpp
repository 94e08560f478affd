#pragma once
// Accepting streams for AsioEnv: bind, listen, and hand each connection to the
// user once its TLS handshake (if any) has completed. A failed or slow
// handshake is logged and dropped; the listener carries on.

#include <utility>  // before Boost.Asio (Boost 1.74 with GCC 12)

#include <boost/asio/io_context.hpp>
#include <memory>

#include "runtime/env/asio/asio_log.hpp"
#include "runtime/env/asio/asio_tls.hpp"
#include "runtime/env/env.hpp"

namespace tandem::asio_env {

// How long an accepted connection has to finish its TLS handshake.
constexpr Duration kAcceptHandshakeTimeout = std::chrono::seconds(10);

Result<std::unique_ptr<StreamListener>> open_listener(boost::asio::io_context& io, std::shared_ptr<LogSink> log,
                                                      const Endpoint& local,
                                                      std::shared_ptr<const AsioTlsContext> tls,
                                                      AcceptHandler on_accept);

}  // namespace tandem::asio_env
