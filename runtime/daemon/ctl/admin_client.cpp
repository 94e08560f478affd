#include "runtime/daemon/ctl/admin_client.hpp"

#include <utility>  // before Boost.Asio (Boost 1.74 with GCC 12)

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

namespace tandem::ctl {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;

// Time to wait for the peer's close_notify after the reply is in.
constexpr std::chrono::milliseconds kCloseTimeout{1'000};

std::string in_seconds(std::chrono::milliseconds timeout) { return std::to_string(timeout.count() / 1000) + " s"; }

std::string openssl_reason() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  return reason != nullptr ? reason : "no reason given by OpenSSL";
}

bool is_ip_literal(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

std::string basic_authorization(const std::string& user, const std::string& password) {
  std::string plain = user + ":" + password;
  std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                   reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size()));
  std::string header = "Basic ";
  header.append(encoded.data(), static_cast<std::size_t>(size));
  OPENSSL_cleanse(plain.data(), plain.size());
  OPENSSL_cleanse(encoded.data(), encoded.size());
  return header;
}

// Runs one asynchronous step to its end. The tcp_stream's expiry bounds it: a
// step that overruns completes with beast::error::timeout.
template <class Start>
beast::error_code run_step(asio::io_context& io, Start&& start) {
  beast::error_code result = asio::error::would_block;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

bool closed_early(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == ssl::error::stream_truncated || ec == asio::error::eof ||
         ec == asio::error::connection_reset;
}

Status connect(asio::io_context& io, Stream& stream, const PeerAddress& peer) {
  const std::string where = peer.to_string();
  tcp::resolver resolver(io);
  auto flags = tcp::resolver::numeric_service;
  if (is_ip_literal(peer.host)) flags |= tcp::resolver::numeric_host;
  beast::error_code ec;
  // A name lookup is bounded by the system resolver's own timeout and attempts.
  const auto endpoints = resolver.resolve(peer.host, std::to_string(peer.port), flags, ec);
  if (ec) return make_error("cannot resolve " + peer.host + ": " + ec.message());
  auto& socket = beast::get_lowest_layer(stream);
  socket.expires_after(kConnectTimeout);
  ec = run_step(io, [&](auto handler) { socket.async_connect(endpoints, std::move(handler)); });
  if (ec == beast::error::timeout) return make_error("cannot connect to " + where + ": no answer within " + in_seconds(kConnectTimeout));
  if (ec) return make_error("cannot connect to " + where + ": " + ec.message());
  return {};
}

std::string trust_hint(const ClientConfig& config) {
  if (config.trust == Trust::CaFile) return " (checked against --ca " + config.ca_file + ")";
  return " (checked against the system's trusted CAs; give --ca FILE with the peer's certificate or its CA, or --insecure)";
}

Status handshake(asio::io_context& io, Stream& stream, const ClientConfig& config) {
  SSL* ssl = stream.native_handle();
  const std::string& host = config.peer.host;
  const std::string where = config.peer.to_string();
  const bool literal = is_ip_literal(host);
  if (!literal) SSL_set_tlsext_host_name(ssl, host.c_str());  // SNI carries names only
  if (config.trust != Trust::Insecure) {
    const int set = literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str())
                            : SSL_set1_host(ssl, host.c_str());
    if (set != 1) return make_error("cannot check " + where + "'s certificate against '" + host + "': " + openssl_reason());
  }
  beast::get_lowest_layer(stream).expires_after(kExchangeTimeout);
  const auto ec = run_step(io, [&](auto handler) { stream.async_handshake(ssl::stream_base::client, std::move(handler)); });
  if (!ec) return {};
  if (ec == beast::error::timeout) {
    return make_error("TLS handshake with " + where + " failed: no answer within " + in_seconds(kExchangeTimeout));
  }
  const long verdict = SSL_get_verify_result(ssl);
  if (config.trust != Trust::Insecure &&
      (verdict == X509_V_ERR_HOSTNAME_MISMATCH || verdict == X509_V_ERR_IP_ADDRESS_MISMATCH)) {
    return make_error("certificate of " + where + " is not trusted: " + X509_verify_cert_error_string(verdict) +
                      " (it does not name '" + host + "'; give --peer an address or name it holds)");
  }
  if (config.trust != Trust::Insecure && verdict != X509_V_OK) {
    return make_error("certificate of " + where + " is not trusted: " + X509_verify_cert_error_string(verdict) +
                      trust_hint(config));
  }
  if (closed_early(ec)) return make_error("TLS handshake with " + where + " failed: the peer closed the connection");
  std::string reason = ec.message();
  if (reason.find("wrong version number") != std::string::npos) reason += " (is it an HTTPS port?)";
  return make_error("TLS handshake with " + where + " failed: " + reason);
}

http::request<http::string_body> http_request(const HttpRequest& request, const ClientConfig& config,
                                              const std::string& authorization) {
  http::request<http::string_body> message{http::string_to_verb(request.method), request.target, 11};
  message.set(http::field::host, config.peer.to_string());
  message.set(http::field::user_agent, "tandemctl");
  message.set(http::field::accept, "application/json");
  message.set(http::field::authorization, authorization);
  message.set(http::field::connection, "close");  // one request a connection
  if (!request.body.empty()) {
    message.set(http::field::content_type, "application/json");
    message.body() = request.body;
  }
  message.prepare_payload();
  return message;
}

Result<HttpReply> exchange(asio::io_context& io, Stream& stream, http::request<http::string_body>& message,
                           const std::string& where, std::chrono::milliseconds reply_timeout) {
  auto& socket = beast::get_lowest_layer(stream);
  socket.expires_after(kExchangeTimeout);
  auto ec = run_step(io, [&](auto handler) { http::async_write(stream, message, std::move(handler)); });
  if (ec == beast::error::timeout) return make_error("sending to " + where + " failed: no progress within " + in_seconds(kExchangeTimeout));
  if (ec) return make_error("sending to " + where + " failed: " + ec.message());
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReplyBytes);
  socket.expires_after(reply_timeout);
  ec = run_step(io, [&](auto handler) { http::async_read(stream, buffer, parser, std::move(handler)); });
  if (ec == beast::error::timeout) return make_error("no reply from " + where + " within " + in_seconds(reply_timeout));
  if (closed_early(ec)) return make_error(where + " closed the connection without a reply");
  if (ec == http::error::body_limit) {
    return make_error("the reply from " + where + " is larger than " + std::to_string(kMaxReplyBytes >> 20) + " MiB");
  }
  if (ec) return make_error("the reply from " + where + " is not HTTP: " + ec.message());
  return HttpReply{static_cast<int>(parser.get().result_int()), std::move(parser.get().body())};
}

// Says goodbye politely (close_notify) but briefly: the reply is already in.
void close(asio::io_context& io, Stream& stream) {
  beast::get_lowest_layer(stream).expires_after(kCloseTimeout);
  (void)run_step(io, [&](auto handler) { stream.async_shutdown(std::move(handler)); });
  beast::get_lowest_layer(stream).close();
}

}  // namespace

struct AdminClient::Impl {
  ClientConfig config;
  ssl::context tls{ssl::context::tls_client};
  std::string authorization;

  ~Impl() {
    OPENSSL_cleanse(config.password.data(), config.password.size());
    OPENSSL_cleanse(authorization.data(), authorization.size());
  }

  Status load_trust() {
    SSL_CTX* context = tls.native_handle();
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    if (config.trust == Trust::Insecure) {
      SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
      return {};
    }
    if (config.trust == Trust::SystemDefault && SSL_CTX_set_default_verify_paths(context) != 1) {
      return make_error("cannot load the system's trusted CAs: " + openssl_reason());
    }
    if (config.trust == Trust::CaFile) {
      const std::string& file = config.ca_file;
      if (!std::ifstream(file)) return make_error("--ca " + file + ": cannot read it: " + std::strerror(errno));
      if (SSL_CTX_load_verify_locations(context, file.c_str(), nullptr) != 1) {
        return make_error("--ca " + file + ": no PEM certificate in it (" + openssl_reason() + ")");
      }
      // Any certificate the operator names is an anchor: a self-signed peer
      // certificate, or a peer's own certificate even if a CA issued it.
      X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(context), X509_V_FLAG_PARTIAL_CHAIN);
    }
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
    return {};
  }
};

AdminClient::AdminClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AdminClient::~AdminClient() = default;

Result<std::unique_ptr<AdminClient>> AdminClient::create(ClientConfig config) {
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  if (auto loaded = impl->load_trust(); !loaded) return loaded.error();
  impl->authorization = basic_authorization(impl->config.user, impl->config.password);
  return std::unique_ptr<AdminClient>(new AdminClient(std::move(impl)));
}

Result<HttpReply> AdminClient::send(const HttpRequest& request, std::chrono::milliseconds reply_timeout) {
  const ClientConfig& config = impl_->config;
  const std::string where = config.peer.to_string();
  asio::io_context io;
  Stream stream(io, impl_->tls);
  if (auto connected = connect(io, stream, config.peer); !connected) return connected.error();
  if (auto secured = handshake(io, stream, config); !secured) return secured.error();
  auto message = http_request(request, config, impl_->authorization);
  auto reply = exchange(io, stream, message, where, reply_timeout);
  close(io, stream);
  return reply;
}

}  // namespace tandem::ctl
