#include "runtime/daemon/tandemd/admin_server.hpp"

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <map>
#include <optional>

#include "runtime/core/json.hpp"
#include "runtime/env/asio/asio_endpoint.hpp"

namespace tandem::daemon {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxConnections = 64;
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr auto kWriteTimeout = std::chrono::seconds(30);
constexpr std::uint32_t kMaxHeaderBytes = 8 * 1024;
constexpr std::uint64_t kMaxBodyBytes = 1024 * 1024;
// After refusing a request whose bytes are still coming, how long and how
// much the connection keeps reading (and dropping) before it closes.
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr std::size_t kLingerBytesMax = 16 * 1024 * 1024;

std::string error_body(const std::string& message) { return "{\"error\":" + json_quote(message) + "}"; }

}  // namespace

class Session;

struct AdminServerState {
  AdminServerState(asio::io_context& io, ssl::context context) : acceptor(io), ssl(std::move(context)) {}
  tcp::acceptor acceptor;
  ssl::context ssl;
  AdminHandler handler;
  AdminLog log;
  std::map<const Session*, std::weak_ptr<Session>> sessions;
  bool open = true;
};

// One client connection: handshake, then request after request.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<AdminServerState> server)
      : server_(std::move(server)), stream_(std::move(socket), server_->ssl) {
    beast::error_code ec;
    client_ = asio_env::from_asio(beast::get_lowest_layer(stream_).socket().remote_endpoint(ec).address());
  }

  void start() {
    server_->sessions[this] = weak_from_this();
    beast::get_lowest_layer(stream_).expires_after(kHandshakeTimeout);
    stream_.async_handshake(ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->finish("TLS handshake: " + ec.message());
      self->read();
    });
  }

  void close() { beast::get_lowest_layer(stream_).close(); }

  ~Session() { server_->sessions.erase(this); }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(kMaxBodyBytes);
    beast::get_lowest_layer(stream_).expires_after(kRequestTimeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::ssl::error::stream_truncated) return shutdown();
    if (ec == beast::error::timeout || ec == asio::error::operation_aborted) return finish("");
    if (ec) {
      // Malformed or oversized: say so once, then hang up.
      keep_alive_ = false;
      refused_ = true;
      return write(admin::Response{400, error_body("malformed HTTP request: " + ec.message()), {}}, 11);
    }
    const auto& message = parser_->get();
    admin::Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.authorization = std::string(message[http::field::authorization]);
    request.body = message.body();
    request.client = client_;
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    beast::get_lowest_layer(stream_).expires_never();  // a watch may wait for news
    if (!server_->open || !server_->handler) return finish("");
    // The reply keeps the session alive: a watch answers only when there is news.
    server_->handler(std::move(request), [self = shared_from_this(), version = version_](admin::Response response) {
      if (self->server_->open) self->write(std::move(response), version);
    });
  }

  void write(admin::Response reply, unsigned version) {
    auto response = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(reply.status), version);
    response->set(http::field::server, "tandemd");
    response->set(http::field::content_type, "application/json");
    response->set(http::field::cache_control, "no-store");
    for (auto& [name, value] : reply.headers) response->set(name, value);
    response->body() = std::move(reply.body);
    response->keep_alive(keep_alive_);
    response->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(kWriteTimeout);
    http::async_write(stream_, *response, [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
      if (ec) return self->finish("write: " + ec.message());
      if (self->keep_alive_) return self->read();
      if (self->refused_) return self->linger();
      self->shutdown();
    });
  }

  // A refused request's body may still be arriving. Closing with unread bytes
  // would send a reset, and the client's kernel would then drop the 400 it has
  // not read yet; so stop sending and drop what comes until the client hangs
  // up, for a bounded time and size (HTTP servers' lingering close). No TLS
  // close_notify: its answer would be stuck behind the body.
  void linger() {
    auto& tcp_stream = beast::get_lowest_layer(stream_);
    beast::error_code ignored;
    tcp_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    tcp_stream.expires_after(kLingerTimeout);
    drain();
  }

  void drain() {
    beast::get_lowest_layer(stream_).async_read_some(
        asio::buffer(drained_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
          self->lingered_bytes_ += n;
          if (ec || self->lingered_bytes_ > kLingerBytesMax) return self->finish("");
          self->drain();
        });
  }

  void shutdown() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->finish(""); });
  }

  void finish(const std::string& why) {
    if (!why.empty() && server_->log) server_->log(LogLevel::Debug, "admin connection from " + client_.to_string() + ": " + why);
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

  std::shared_ptr<AdminServerState> server_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  IpAddress client_;
  bool keep_alive_ = false;
  bool refused_ = false;  // the last request was refused before all of it was read
  std::array<char, 4096> drained_;
  std::size_t lingered_bytes_ = 0;
  unsigned version_ = 11;
};

namespace {

void accept_next(const std::shared_ptr<AdminServerState>& state) {
  state->acceptor.async_accept([state](beast::error_code ec, tcp::socket socket) {
    if (!state->open) return;
    if (!ec) {
      if (state->sessions.size() >= kMaxConnections) {
        beast::error_code ignored;
        socket.close(ignored);  // at the bound: refuse rather than queue
        if (state->log) state->log(LogLevel::Warn, "admin: refused a connection, already serving " + std::to_string(kMaxConnections));
      } else {
        std::make_shared<Session>(std::move(socket), state)->start();
      }
    }
    accept_next(state);
  });
}

}  // namespace

Result<std::unique_ptr<AdminServer>> AdminServer::start(asio::io_context& io, const Endpoint& local,
                                                        const TlsConfig& tls, AdminHandler handler, AdminLog log) {
  ssl::context context(ssl::context::tls_server);
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  beast::error_code ec;
  context.use_certificate_chain(asio::buffer(tls.certificate_pem), ec);
  if (ec) return make_error("admin API certificate: " + ec.message());
  context.use_private_key(asio::buffer(tls.private_key_pem), ssl::context::pem, ec);
  if (ec) return make_error("admin API private key: " + ec.message());
  auto state = std::make_shared<AdminServerState>(io, std::move(context));
  state->handler = std::move(handler);
  state->log = std::move(log);
  const auto endpoint = asio_env::to_asio_endpoint<tcp::endpoint>(local);
  state->acceptor.open(endpoint.protocol(), ec);
  if (!ec) state->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) state->acceptor.bind(endpoint, ec);
  if (!ec) state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return make_error("admin API on " + local.to_string() + ": " + ec.message());
  accept_next(state);
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(state)));
}

AdminServer::~AdminServer() {
  state_->open = false;
  state_->handler = nullptr;
  beast::error_code ignored;
  state_->acceptor.close(ignored);
  for (auto& [key, weak] : state_->sessions) {
    if (auto session = weak.lock()) session->close();
  }
}

Endpoint AdminServer::local() const {
  beast::error_code ec;
  return asio_env::from_asio_endpoint(state_->acceptor.local_endpoint(ec));
}

}  // namespace tandem::daemon
