#include "runtime/env/asio/asio_tls.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace tandem::asio_env {
namespace {

namespace ssl = boost::asio::ssl;

std::string to_pem(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    ERR_clear_error();
    return {};
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

// Leaf first, then whatever else the peer sent. OpenSSL includes the leaf in
// the client's view of the chain but not in the server's, so it is put first
// here and skipped if met again.
std::vector<std::string> peer_chain_pem(SSL* ssl) {
  std::vector<std::string> chain;
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) return chain;
  chain.push_back(to_pem(leaf));
  STACK_OF(X509)* sent = SSL_get_peer_cert_chain(ssl);
  for (int i = 0; sent != nullptr && i < sk_X509_num(sent); ++i) {
    X509* cert = sk_X509_value(sent, i);
    if (X509_cmp(cert, leaf) != 0) chain.push_back(to_pem(cert));
  }
  return chain;
}

}  // namespace

Result<std::shared_ptr<const AsioTlsContext>> AsioTlsContext::create(const TlsConfig& config) {
  auto validated = validate_tls_config(config);
  if (!validated) return validated.error();
  const std::string cn = validated->certificate.subject_cn;
  try {
    return std::shared_ptr<const AsioTlsContext>(new AsioTlsContext(config, std::move(validated.value())));
  } catch (const boost::system::system_error& error) {
    // validate_tls_config accepted it, so this is OpenSSL disagreeing late.
    return make_error("TLS context for certificate CN '" + cn + "' cannot be loaded: " + error.code().message());
  }
}

AsioTlsContext::AsioTlsContext(TlsConfig config, ValidatedTls validated)
    : TlsContext(std::move(config), std::move(validated.chain_pem), std::move(validated.certificate)),
      ssl_(ssl::context::tls) {
  ssl_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ssl_.native_handle(), TLS1_2_VERSION);
  std::string chain;
  for (const std::string& pem : chain_pem()) chain += pem;
  ssl_.use_certificate_chain(boost::asio::buffer(chain));
  ssl_.use_private_key(boost::asio::buffer(this->config().private_key_pem), ssl::context::pem);
  for (const std::string& ca : this->config().trusted_ca_pem) ssl_.add_certificate_authority(boost::asio::buffer(ca));
  // Ask for the peer's certificate but never fail the handshake over it: the
  // verdict is verify_chain()'s, recorded in TlsSessionInfo (see header).
  ssl_.set_verify_mode(ssl::verify_peer);
  ssl_.set_verify_callback([](bool, ssl::verify_context&) { return true; });
  // One context serves both roles; no session cache keeps every handshake full,
  // so each side always sees the other's complete chain.
  SSL_CTX_set_session_cache_mode(ssl_.native_handle(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ssl_.native_handle(), 0);
}

TlsSessionInfo read_session(SSL* ssl, const TlsContext& context) {
  TlsSessionInfo session;
  session.encrypted = true;
  session.verify_mode = context.config().verify_mode;
  session.protocol = SSL_get_version(ssl);
  const std::vector<std::string> chain = peer_chain_pem(ssl);
  if (chain.empty()) {
    session.chain = ChainVerdict{false, "no certificate presented"};
    return session;
  }
  if (auto leaf = parse_certificate(chain.front()); leaf) session.peer_certificate = std::move(leaf.value());
  session.chain = verify_chain(chain, context.config().trusted_ca_pem);
  return session;
}

}  // namespace tandem::asio_env
