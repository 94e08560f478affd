#pragma once
// UDP sockets for AsioEnv: bound to one local endpoint, a receive loop that
// hands each datagram to the user, and best-effort sends that never block.

#include <utility>  // before Boost.Asio (Boost 1.74 with GCC 12)

#include <boost/asio/io_context.hpp>
#include <memory>

#include "runtime/env/env.hpp"

namespace tandem::asio_env {

Result<std::unique_ptr<DatagramSocket>> open_datagram_socket(boost::asio::io_context& io, const Endpoint& local,
                                                             DatagramHandler on_datagram);

}  // namespace tandem::asio_env
