#pragma once
// A TCP stream, plain or TLS, for AsioEnv.
//
// Lifetimes: in-flight Asio handlers hold a shared_ptr to the StreamCore (an
// asio::ssl stream must outlive its pending operations), while the user holds
// an AsioStream. Destroying the AsioStream abandons the core: the socket closes,
// the user's handlers are dropped, and the handlers still in flight find the
// core finished and return without touching anything of the user's.

#include <utility>  // before Boost.Asio (Boost 1.74 with GCC 12)

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "runtime/env/asio/asio_tls.hpp"
#include "runtime/env/env.hpp"

namespace tandem::asio_env {

using Tcp = boost::asio::ip::tcp;
using TlsSocket = boost::asio::ssl::stream<Tcp::socket>;
using TlsRole = boost::asio::ssl::stream_base::handshake_type;

class StreamCore : public std::enable_shared_from_this<StreamCore> {
 public:
  // Past this much unsent data the stream fails rather than grow without bound.
  static constexpr std::size_t kSendBacklogBytesMax = 64u << 20;
  // How long a graceful close waits for the peer's close_notify or FIN.
  static constexpr Duration kCloseGuard = std::chrono::seconds(2);

  // `tls` null: plain TCP.
  StreamCore(boost::asio::io_context& io, std::shared_ptr<const AsioTlsContext> tls);

  Tcp::socket& tcp();
  // Once connected or accepted: records the endpoints and sets TCP_NODELAY.
  void connected();
  // TLS only: runs the handshake with a deadline and records the session.
  void handshake(TlsRole role, Duration timeout, std::function<void(Status)> done);
  // Closes at once, calls back nothing: the user's stream is gone or was never made.
  void abandon();

  void start(StreamHandlers handlers);
  void send(ByteView bytes);
  std::size_t send_backlog_bytes() const { return backlog_bytes_; }
  void close();
  const Endpoint& local() const { return local_; }
  const Endpoint& remote() const { return remote_; }
  const TlsSessionInfo& session() const { return session_; }
  bool timed_out() const { return timed_out_; }  // the handshake ran out of time

 private:
  template <class F>
  void with_stream(F&& f) {
    if (tls_socket_) {
      f(*tls_socket_);
    } else {
      f(plain_socket_);
    }
  }
  void read_more();
  void on_read(const boost::system::error_code& error, std::size_t size);
  void on_peer_closed();
  void write_more();
  void on_written(const boost::system::error_code& error);
  void begin_shutdown();
  void close_socket();
  void finish(Status status);
  void fail_soon(std::string message);

  boost::asio::io_context& io_;
  std::shared_ptr<const AsioTlsContext> tls_;
  Tcp::socket plain_socket_;               // used when tls_ is null
  std::unique_ptr<TlsSocket> tls_socket_;  // owns its own socket otherwise
  boost::asio::steady_timer deadline_;     // handshake deadline, then close guard
  Endpoint local_;
  Endpoint remote_;
  TlsSessionInfo session_;

  std::shared_ptr<StreamHandlers> handlers_;  // shared: a callback may destroy the stream
  std::array<std::uint8_t, 64 * 1024> read_buffer_{};
  std::deque<Bytes> queue_;
  std::size_t backlog_bytes_ = 0;
  std::optional<Status> closed_early_;  // finished before start(): told at start()
  std::optional<std::string> failure_;  // set by fail_soon: why the stream is ending
  bool started_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool finished_ = false;
  bool handshaking_ = false;
  bool timed_out_ = false;
};

class AsioStream final : public Stream {
 public:
  explicit AsioStream(std::shared_ptr<StreamCore> core) : core_(std::move(core)) {}
  ~AsioStream() override { core_->abandon(); }
  AsioStream(const AsioStream&) = delete;
  AsioStream& operator=(const AsioStream&) = delete;

  void start(StreamHandlers handlers) override { core_->start(std::move(handlers)); }
  void send(ByteView bytes) override { core_->send(bytes); }
  std::size_t send_backlog_bytes() const override { return core_->send_backlog_bytes(); }
  void close() override { core_->close(); }
  Endpoint local() const override { return core_->local(); }
  Endpoint remote() const override { return core_->remote(); }
  const TlsSessionInfo& tls() const override { return core_->session(); }

 private:
  std::shared_ptr<StreamCore> core_;
};

}  // namespace tandem::asio_env
