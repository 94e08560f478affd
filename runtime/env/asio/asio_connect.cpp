#include "runtime/env/asio/asio_connect.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "runtime/env/asio/asio_cancel.hpp"
#include "runtime/env/asio/asio_endpoint.hpp"
#include "runtime/env/asio/asio_stream.hpp"

namespace tandem::asio_env {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

class ConnectOp : public std::enable_shared_from_this<ConnectOp> {
 public:
  ConnectOp(asio::io_context& io, const ConnectOptions& options, std::shared_ptr<const AsioTlsContext> tls,
            ConnectHandler on_connect)
      : io_(io),
        options_(options),
        tls_(tls),
        core_(std::make_shared<StreamCore>(io, std::move(tls))),
        deadline_(io),
        on_connect_(std::move(on_connect)),
        deadline_at_(Clock::now() + options.timeout) {}

  void set_token(CancelToken token) { token_ = std::move(token); }

  void start(const std::optional<IpAddress>& source) {
    const auto remote = to_asio_endpoint<Tcp::endpoint>(options_.remote);
    error_code error;
    core_->tcp().open(remote.protocol(), error);
    if (!error && source && source->is_v4() == options_.remote.ip.is_v4()) {
      core_->tcp().bind(Tcp::endpoint(to_asio(*source), 0), error);
      if (error) return fail_soon("cannot bind source address " + source->to_string() + ": " + error.message());
    }
    if (error) return fail_soon("cannot open a socket: " + error.message());
    deadline_.expires_at(deadline_at_);
    deadline_.async_wait([self = shared_from_this()](const error_code& e) {
      if (e || self->done_ || self->connected_) return;  // late wake-up: the handshake has its own deadline
      self->timed_out_ = true;
      self->core_->abandon();  // the connect completes with operation_aborted
    });
    core_->tcp().async_connect(remote, [self = shared_from_this()](const error_code& e) { self->on_connected(e); });
  }

  // The Handle was cancelled or destroyed: stop now, deliver nothing.
  void abort() {
    if (done_) return;
    done_ = true;
    deadline_.cancel();
    core_->abandon();
  }

 private:
  void on_connected(const error_code& error) {
    if (done_) return;
    connected_ = true;
    deadline_.cancel();
    if (timed_out_) return complete(make_error(describe("timed out after " + timeout_ms() + " ms")));
    if (error) return complete(make_error(describe(error.message())));
    core_->connected();
    if (!tls_) return complete(std::unique_ptr<Stream>(std::make_unique<AsioStream>(core_)));
    const auto left = std::max(Clock::duration::zero(), deadline_at_ - Clock::now());
    core_->handshake(TlsRole::client, left, [self = shared_from_this()](Status done) {
      if (self->done_) return;
      if (!done && self->core_->timed_out()) {
        return self->complete(make_error(self->describe("TLS handshake timed out after " + self->timeout_ms() + " ms")));
      }
      if (!done) return self->complete(make_error(self->describe(done.error().message)));
      self->complete(std::unique_ptr<Stream>(std::make_unique<AsioStream>(self->core_)));
    });
  }

  void fail_soon(std::string why) {
    asio::post(io_, [self = shared_from_this(), why = std::move(why)] {
      if (!self->done_) self->complete(make_error(self->describe(why)));
    });
  }

  void complete(Result<std::unique_ptr<Stream>> result) {
    done_ = true;
    deadline_.cancel();
    // Not claimed: cancelled meanwhile; a stream in `result` closes as it goes.
    if (token_.claim()) on_connect_(std::move(result));
  }

  std::string describe(const std::string& why) const { return "connect to " + options_.remote.to_string() + ": " + why; }
  std::string timeout_ms() const {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(options_.timeout).count());
  }

  asio::io_context& io_;
  ConnectOptions options_;
  std::shared_ptr<const AsioTlsContext> tls_;
  std::shared_ptr<StreamCore> core_;
  asio::steady_timer deadline_;
  ConnectHandler on_connect_;
  Clock::time_point deadline_at_;
  CancelToken token_;
  bool done_ = false;
  bool connected_ = false;
  bool timed_out_ = false;
};

}  // namespace

Handle start_connect(asio::io_context& io, const ConnectOptions& options, std::optional<IpAddress> source,
                     std::shared_ptr<const AsioTlsContext> tls, ConnectHandler on_connect) {
  auto op = std::make_shared<ConnectOp>(io, options, std::move(tls), std::move(on_connect));
  auto [handle, token] = make_cancellable([weak = std::weak_ptr<ConnectOp>(op)] {
    if (auto op = weak.lock()) op->abort();
  });
  op->set_token(std::move(token));
  op->start(source);
  return std::move(handle);
}

}  // namespace tandem::asio_env
