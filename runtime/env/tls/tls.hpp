#pragma once
// TLS as the peer sees it: what it is configured with, what the other side
// presented, and one verification policy shared by both Env drivers. AsioEnv runs
// real OpenSSL handshakes; SimEnv models the handshake's round trips. Both hand
// the presented chain to the same verify_chain() and evaluate_peer() below, so a
// certificate refused in production is refused, for the same reason, in the twin.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/address.hpp"
#include "runtime/core/result.hpp"
#include "runtime/core/time.hpp"

namespace tandem {

// The guide's TLS verification mode: Permissive encrypts but checks nothing;
// Enforce requires a chain to a trusted CA (and, for cluster peers, a name that
// resolves to the connecting address: see the cluster code).
enum class TlsVerifyMode : std::uint8_t { Permissive, Enforce };
std::string_view to_string(TlsVerifyMode mode);

struct TlsConfig {
  std::string certificate_pem;              // this side's chain, leaf first
  std::string private_key_pem;              // matches the leaf
  std::vector<std::string> trusted_ca_pem;  // one PEM certificate each
  TlsVerifyMode verify_mode = TlsVerifyMode::Permissive;
};

struct CertificateInfo {
  std::string subject_cn;
  std::string issuer_cn;
  std::vector<std::string> dns_names;     // subjectAltName DNS entries
  std::vector<IpAddress> ip_addresses;    // subjectAltName IP entries
  WallTime not_before{};
  WallTime not_after{};
  std::string serial_hex;
  std::string fingerprint_sha256;         // hex of the DER encoding
  bool is_ca = false;
};

// Whether a presented chain leads to a trusted CA. Validity dates are not part
// of this verdict: evaluate_peer() checks them against the Env's wall clock, so
// a skewed clock in the twin expires certificates as it would in production.
struct ChainVerdict {
  bool trusted = false;
  std::string reason;  // empty when trusted, else why not
};

struct TlsSessionInfo {
  bool encrypted = false;
  TlsVerifyMode verify_mode = TlsVerifyMode::Permissive;
  std::string protocol;                            // "TLSv1.3", or "" for plain TCP
  std::optional<CertificateInfo> peer_certificate; // what the other side presented
  ChainVerdict chain;                              // against this side's trusted CAs
};

enum class PeerCheck : std::uint8_t { Accepted, NoCertificate, Untrusted, NotYetValid, Expired };
std::string_view to_string(PeerCheck check);

struct PeerVerdict {
  PeerCheck check = PeerCheck::Accepted;
  std::string message;  // names the certificate and the rule it broke
  bool accepted() const { return check == PeerCheck::Accepted; }
};

// Parses one PEM certificate.
Result<CertificateInfo> parse_certificate(std::string_view pem);
// Splits a PEM bundle into its certificates, in order; error if none or garbled.
Result<std::vector<std::string>> split_pem_certificates(std::string_view bundle);
// Does `chain` (leaf first, PEM) lead to one of `trusted_ca_pem`? Dates ignored.
ChainVerdict verify_chain(const std::vector<std::string>& chain_pem,
                          const std::vector<std::string>& trusted_ca_pem);
// The policy: Permissive accepts anything; Enforce needs a certificate, a
// trusted chain, and `now` inside its validity.
PeerVerdict evaluate_peer(const TlsSessionInfo& session, WallTime now);

// A validated TlsConfig. Drivers derive from it to keep their own state (an
// OpenSSL SSL_CTX for AsioEnv); peer code only reads it.
class TlsContext {
 public:
  virtual ~TlsContext() = default;
  const TlsConfig& config() const { return config_; }
  const std::vector<std::string>& chain_pem() const { return chain_pem_; }
  const CertificateInfo& certificate() const { return certificate_; }  // own leaf

 protected:
  TlsContext(TlsConfig config, std::vector<std::string> chain_pem, CertificateInfo certificate)
      : config_(std::move(config)), chain_pem_(std::move(chain_pem)), certificate_(std::move(certificate)) {}

 private:
  TlsConfig config_;
  std::vector<std::string> chain_pem_;
  CertificateInfo certificate_;
};

// Checks a config before any driver uses it: the chain parses, the key parses
// and matches the leaf, every trusted CA parses. Errors name the bad part.
struct ValidatedTls {
  std::vector<std::string> chain_pem;
  CertificateInfo certificate;
};
Result<ValidatedTls> validate_tls_config(const TlsConfig& config);
// Whether `pem` is an unencrypted PEM private key OpenSSL can load.
Status check_private_key(std::string_view pem);

}  // namespace tandem
