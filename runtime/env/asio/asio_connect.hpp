#pragma once
// Connecting streams for AsioEnv: bind the source address (so a peer on
// 127.0.0.3 connects from 127.0.0.3), connect, run the TLS handshake, and
// deliver the stream or an error naming the remote and the step that failed.
// options.timeout bounds the whole of it. Cancelling the Handle closes the
// socket at once and nothing is delivered.

#include <utility>  // before Boost.Asio (Boost 1.74 with GCC 12)

#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>

#include "runtime/env/asio/asio_tls.hpp"
#include "runtime/env/env.hpp"

namespace tandem::asio_env {

// `source`: the address to bind before connecting (nullopt: the kernel picks).
Handle start_connect(boost::asio::io_context& io, const ConnectOptions& options, std::optional<IpAddress> source,
                     std::shared_ptr<const AsioTlsContext> tls, ConnectHandler on_connect);

}  // namespace tandem::asio_env
