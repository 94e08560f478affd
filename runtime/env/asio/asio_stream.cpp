#include "runtime/env/asio/asio_stream.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "runtime/env/asio/asio_endpoint.hpp"

namespace tandem::asio_env {

namespace asio = boost::asio;
using boost::system::error_code;

StreamCore::StreamCore(asio::io_context& io, std::shared_ptr<const AsioTlsContext> tls)
    : io_(io), tls_(std::move(tls)), plain_socket_(io), deadline_(io) {
  if (tls_) tls_socket_ = std::make_unique<TlsSocket>(io, tls_->ssl());
}

Tcp::socket& StreamCore::tcp() { return tls_socket_ ? tls_socket_->next_layer() : plain_socket_; }

void StreamCore::connected() {
  error_code ignored;
  local_ = from_asio_endpoint(tcp().local_endpoint(ignored));
  remote_ = from_asio_endpoint(tcp().remote_endpoint(ignored));
  tcp().set_option(Tcp::no_delay(true), ignored);  // cluster messages are small and urgent
}

void StreamCore::handshake(TlsRole role, Duration timeout, std::function<void(Status)> done) {
  TANDEM_ASSERT(tls_socket_ != nullptr);
  auto self = shared_from_this();
  deadline_.expires_after(timeout);
  handshaking_ = true;
  deadline_.async_wait([self](const error_code& error) {
    if (error || self->finished_ || !self->handshaking_) return;  // a late wake-up after success
    self->timed_out_ = true;
    self->close_socket();  // the handshake fails with operation_aborted
  });
  tls_socket_->async_handshake(role, [self, timeout, done = std::move(done)](const error_code& error) {
    self->deadline_.cancel();
    self->handshaking_ = false;
    if (self->finished_) return done(make_error("stream abandoned during the TLS handshake"));
    if (self->timed_out_) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
      return done(make_error("TLS handshake with " + self->remote_.to_string() + " timed out after " +
                             std::to_string(ms) + " ms"));
    }
    if (error) return done(make_error("TLS handshake with " + self->remote_.to_string() + " failed: " + error.message()));
    self->session_ = read_session(self->tls_socket_->native_handle(), *self->tls_);
    done(Status{});
  });
}

void StreamCore::abandon() {
  handlers_.reset();
  if (finished_) return;
  finished_ = true;
  close_socket();
}

void StreamCore::start(StreamHandlers handlers) {
  TANDEM_ASSERT(!started_);
  started_ = true;
  handlers_ = std::make_shared<StreamHandlers>(std::move(handlers));
  if (closed_early_) {
    // Failed between accept/connect and start(): say so, after this call returns.
    asio::post(io_, [self = shared_from_this()] {
      auto handlers = std::move(self->handlers_);
      if (handlers && handlers->on_closed) handlers->on_closed(*self->closed_early_);
    });
    return;
  }
  read_more();
}

void StreamCore::read_more() {
  with_stream([self = shared_from_this()](auto& stream) {
    stream.async_read_some(asio::buffer(self->read_buffer_), [self](const error_code& error, std::size_t size) {
      self->on_read(error, size);
    });
  });
}

void StreamCore::on_read(const error_code& error, std::size_t size) {
  if (finished_) return;
  if (error == asio::error::eof) return on_peer_closed();
  if (error == asio::ssl::error::stream_truncated) {
    return finish(make_error("stream with " + remote_.to_string() + " ended without a TLS close_notify"));
  }
  if (error) return finish(make_error("stream with " + remote_.to_string() + " failed: " + error.message()));
  if (size > 0) {
    const std::shared_ptr<StreamHandlers> handlers = handlers_;  // keeps on_data alive if it destroys us
    if (handlers && handlers->on_data) handlers->on_data(ByteView(read_buffer_.data(), size));
    if (finished_) return;
  }
  read_more();
}

// A clean end from the other side (FIN, or TLS close_notify).
void StreamCore::on_peer_closed() {
  if (closing_ || !tls_socket_) return finish(Status{});
  // Answer the close_notify so the peer's close completes cleanly too. What is
  // still queued is dropped (the peer is going), except a write in flight.
  while (queue_.size() > (writing_ ? 1u : 0u)) {
    backlog_bytes_ -= queue_.back().size();
    queue_.pop_back();
  }
  closing_ = true;
  if (!writing_) begin_shutdown();
}

void StreamCore::send(ByteView bytes) {
  if (finished_ || closing_ || failure_ || bytes.empty()) return;
  if (bytes.size() > kSendBacklogBytesMax - backlog_bytes_) {
    return fail_soon("send backlog to " + remote_.to_string() + " over " +
                     std::to_string(kSendBacklogBytesMax >> 20) + " MiB; the peer is not reading");
  }
  queue_.emplace_back(bytes.begin(), bytes.end());
  backlog_bytes_ += bytes.size();
  if (!writing_) write_more();
}

void StreamCore::write_more() {
  if (finished_) return;
  if (queue_.empty()) {
    writing_ = false;
    if (closing_) begin_shutdown();
    return;
  }
  writing_ = true;
  with_stream([self = shared_from_this()](auto& stream) {
    asio::async_write(stream, asio::buffer(self->queue_.front()),
                      [self](const error_code& error, std::size_t) { self->on_written(error); });
  });
}

void StreamCore::on_written(const error_code& error) {
  if (finished_) return;
  if (error) return finish(make_error("sending to " + remote_.to_string() + " failed: " + error.message()));
  backlog_bytes_ -= queue_.front().size();
  queue_.pop_front();
  write_more();
}

void StreamCore::close() {
  if (finished_ || closing_) return;
  closing_ = true;
  if (!writing_) begin_shutdown();
}

// Everything queued has been written: say goodbye, then wait (bounded) for the
// peer's goodbye so that neither side's last bytes are lost to a reset.
void StreamCore::begin_shutdown() {
  auto self = shared_from_this();
  deadline_.expires_after(kCloseGuard);
  deadline_.async_wait([self](const error_code& error) {
    if (!error) self->finish(Status{});  // all sent; the peer was just slow to confirm
  });
  if (tls_socket_) {
    tls_socket_->async_shutdown([self](const error_code&) { self->finish(Status{}); });
  } else {
    error_code ignored;
    tcp().shutdown(Tcp::socket::shutdown_send, ignored);  // the read loop sees the peer's FIN
  }
}

void StreamCore::close_socket() {
  error_code ignored;
  deadline_.cancel();
  tcp().close(ignored);
}

// The one place a stream ends; on_closed runs at most once, from here or start().
void StreamCore::finish(Status status) {
  if (finished_) return;
  finished_ = true;
  if (failure_) status = make_error(*failure_);  // the cause, not the aborted I/O it led to
  close_socket();
  queue_.clear();
  backlog_bytes_ = 0;
  std::shared_ptr<StreamHandlers> handlers = std::move(handlers_);
  if (!started_) {
    closed_early_ = std::move(status);
    return;
  }
  if (handlers && handlers->on_closed) handlers->on_closed(status);
}

void StreamCore::fail_soon(std::string message) {
  if (failure_) return;
  failure_ = std::move(message);
  close_socket();  // nothing more goes out
  asio::post(io_, [self = shared_from_this()] { self->finish(make_error(*self->failure_)); });
}

}  // namespace tandem::asio_env
