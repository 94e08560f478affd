#include "runtime/env/asio/asio_listener.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <set>

#include "runtime/env/asio/asio_endpoint.hpp"
#include "runtime/env/asio/asio_stream.hpp"

namespace tandem::asio_env {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// After an accept error (out of file descriptors, say) wait before retrying,
// rather than spin on an error that will not clear at once.
constexpr Duration kAcceptRetryDelay = std::chrono::milliseconds(100);

WallTime wall_now() { return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()); }

class ListenerCore : public std::enable_shared_from_this<ListenerCore> {
 public:
  ListenerCore(asio::io_context& io, std::shared_ptr<LogSink> log, std::shared_ptr<const AsioTlsContext> tls,
               AcceptHandler on_accept)
      : io_(io),
        log_(std::move(log)),
        tls_(std::move(tls)),
        on_accept_(std::make_shared<AcceptHandler>(std::move(on_accept))),
        acceptor_(io),
        retry_(io) {}

  Status open(const Endpoint& local) {
    error_code error;
    const auto endpoint = to_asio_endpoint<Tcp::endpoint>(local);
    acceptor_.open(endpoint.protocol(), error);
    if (!error) acceptor_.set_option(Tcp::acceptor::reuse_address(true), error);
    if (!error) acceptor_.bind(endpoint, error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) return make_error("cannot listen on " + local.to_string() + ": " + error.message());
    local_ = from_asio_endpoint(acceptor_.local_endpoint(error));
    return {};
  }

  void accept_next() {
    auto core = std::make_shared<StreamCore>(io_, tls_);
    acceptor_.async_accept(core->tcp(), [self = shared_from_this(), core](const error_code& error) {
      self->on_accepted(error, core);
    });
  }

  void stop() {
    stopped_ = true;
    on_accept_.reset();
    error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
    for (const auto& core : handshaking_) core->abandon();
    handshaking_.clear();
  }

  const Endpoint& local() const { return local_; }

 private:
  void on_accepted(const error_code& error, const std::shared_ptr<StreamCore>& core) {
    if (stopped_) return;
    if (error) {
      log_->log(wall_now(), LogLevel::Warn, "listener", "accept on " + local_.to_string() + " failed: " + error.message());
      retry_.expires_after(kAcceptRetryDelay);
      retry_.async_wait([self = shared_from_this()](const error_code& e) {
        if (!e && !self->stopped_) self->accept_next();
      });
      return;
    }
    core->connected();
    accept_next();
    if (!tls_) return deliver(core);
    handshaking_.insert(core);
    core->handshake(TlsRole::server, kAcceptHandshakeTimeout, [self = shared_from_this(), core](Status done) {
      self->handshaking_.erase(core);
      if (self->stopped_) return;
      if (!done) {
        self->log_->log(wall_now(), LogLevel::Info, "listener",
                        "dropped connection from " + core->remote().to_string() + ": " + done.error().message);
        core->abandon();
        return;
      }
      self->deliver(core);
    });
  }

  void deliver(const std::shared_ptr<StreamCore>& core) {
    const std::shared_ptr<AcceptHandler> handler = on_accept_;  // the callback may destroy the listener
    auto stream = std::make_unique<AsioStream>(core);
    if (handler && *handler) (*handler)(std::move(stream));
  }

  asio::io_context& io_;
  std::shared_ptr<LogSink> log_;
  std::shared_ptr<const AsioTlsContext> tls_;
  std::shared_ptr<AcceptHandler> on_accept_;
  Tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  std::set<std::shared_ptr<StreamCore>> handshaking_;  // closed if the listener goes first
  Endpoint local_;
  bool stopped_ = false;
};

class AsioListener final : public StreamListener {
 public:
  explicit AsioListener(std::shared_ptr<ListenerCore> core) : core_(std::move(core)) {}
  ~AsioListener() override { core_->stop(); }
  Endpoint local() const override { return core_->local(); }

 private:
  std::shared_ptr<ListenerCore> core_;
};

}  // namespace

Result<std::unique_ptr<StreamListener>> open_listener(asio::io_context& io, std::shared_ptr<LogSink> log,
                                                      const Endpoint& local,
                                                      std::shared_ptr<const AsioTlsContext> tls,
                                                      AcceptHandler on_accept) {
  auto core = std::make_shared<ListenerCore>(io, std::move(log), std::move(tls), std::move(on_accept));
  if (Status opened = core->open(local); !opened) return opened.error();
  core->accept_next();
  return std::unique_ptr<StreamListener>(std::make_unique<AsioListener>(std::move(core)));
}

}  // namespace tandem::asio_env
