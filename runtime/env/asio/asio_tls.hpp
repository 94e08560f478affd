#pragma once
// TLS for AsioEnv: a TlsContext that owns an OpenSSL context (through
// asio::ssl), and the session summary read from a finished handshake.
//
// Both sides of a cluster connection present a certificate and ask for the
// other's. OpenSSL never refuses a peer here: the handshake completes, and the
// chain the peer sent is judged by verify_chain() against this side's trusted
// CAs, exactly as the twin judges it. Peer code then decides with evaluate_peer().

#include <utility>  // before Boost.Asio (Boost 1.74 with GCC 12)

#include <boost/asio/ssl.hpp>

#include "runtime/env/tls/tls.hpp"

namespace tandem::asio_env {

class AsioTlsContext final : public TlsContext {
 public:
  // Validates `config` (validate_tls_config) and loads it into OpenSSL.
  static Result<std::shared_ptr<const AsioTlsContext>> create(const TlsConfig& config);

  // Handshakes need a mutable SSL_CTX; it is only read after create().
  boost::asio::ssl::context& ssl() const { return ssl_; }

 private:
  AsioTlsContext(TlsConfig config, ValidatedTls validated);
  mutable boost::asio::ssl::context ssl_;
};

// What a completed handshake on `ssl` negotiated and what the peer presented.
TlsSessionInfo read_session(SSL* ssl, const TlsContext& context);

}  // namespace tandem::asio_env
