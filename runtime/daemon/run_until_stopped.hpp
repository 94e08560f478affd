#pragma once
// The small daemons' main loop: run the io_context until SIGINT or SIGTERM,
// or for `duration_s` seconds when that is above zero.

#include <utility>  // before Boost.Asio (Boost 1.74 with GCC 12)

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>

namespace tandem::daemon {

inline void run_until_stopped(boost::asio::io_context& io, long duration_s) {
  boost::asio::signal_set stop(io, SIGINT, SIGTERM);
  stop.async_wait([&io](const boost::system::error_code& ec, int) {
    if (!ec) io.stop();
  });
  boost::asio::steady_timer deadline(io);
  if (duration_s > 0) {
    deadline.expires_after(std::chrono::seconds(duration_s));
    deadline.async_wait([&io](const boost::system::error_code& ec) {
      if (!ec) io.stop();
    });
  }
  io.run();
}

}  // namespace tandem::daemon
